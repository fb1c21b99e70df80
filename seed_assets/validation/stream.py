"""Every check of a table (``rules.rules_for``), fed one chunk at a time, concluded at the end:
the one implementation of the checks (``frames.check_table`` feeds it a whole frame at once).

Integrity checks see every row: per chunk they count orphans, temporal violations, disagreeing
copies, nulls and rare events, add children to per-parent counts, and follow the keys
(``accumulators.py``); the conclusion turns the totals into ``CheckResult``s (names, figures,
bounds), the same however the rows were cut into chunks. Parents are read through a
``ParentSource`` (slices around the rows a chunk references, or keys at positions), so no table
is held whole.

Pandera and Great Expectations are slow (seconds per million rows), so they run once, at the
end, on a deterministic sample: every k-th row, k = ceil(rows / ``SAMPLE_ROWS``), with the
parent rows those rows reference for GX's joins. A table of at most ``SAMPLE_ROWS`` rows is
checked whole. The sample is named in each result's counts.

Memory: per-parent child counts (one small integer per parent row, for cardinality), and the
keys of a unique column that is not in order (an ordered key, as sequences are, costs nothing).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from seed_assets.engine.parents import ParentSource, sort_key
from seed_assets.spec.graph import linked_fks, links_name, resolve_after, resolve_via
from seed_assets.spec.models import ForeignKeySpec, Spec
from seed_assets.validation import gx_suite, integrity, pandera_schema, relations
from seed_assets.validation.accumulators import (
    KeyTracker,
    ParentCounts,
    Samples,
    locate,
    sequence_numbers,
)
from seed_assets.validation.gathered import as_arrow, gather, gather_arrow, gather_positions
from seed_assets.validation.keys import to_arrow
from seed_assets.validation.profile import SECONDS_PER_DAY
from seed_assets.validation.results import (
    SAMPLE_ROWS as SHOWN_ROWS,
)
from seed_assets.validation.results import (
    CheckResult,
    Measurement,
    describe_error,
    fmt_count,
    fmt_rate,
    json_value,
)
from seed_assets.validation.rules import Rule, links_rules_for, rules_for
from seed_assets.validation.sampled import SampledChecks

# Rows Pandera and GX check per table at most (about 1 s and 1.5 s on this machine).
SAMPLE_ROWS = 200_000


def sample_every(total_rows: int, limit: int = SAMPLE_ROWS) -> int:
    """The stride of the sample: every k-th row, so at most `limit` rows are kept."""
    return max(1, math.ceil(total_rows / limit)) if limit else 1


# -- the checker -------------------------------------------------------------------------------


class TableChecker(SampledChecks):
    """Every applicable check of one table over chunks fed with ``add``; ``conclude`` gives
    the results. Each rule fails alone: an exception becomes that rule's ERROR."""

    def __init__(
        self,
        spec: Spec,
        name: str,
        source: ParentSource,
        *,
        scale: float | None = None,
        expected_rows: int | None = None,
        sample_limit: int = SAMPLE_ROWS,
        engines: Iterable[str] | None = None,
        parent_range: tuple[int, int] | None = None,
        partial: bool = False,
        first_row: int = 0,
        links: bool = False,
        table_rows: int | None = None,
        mergeable: bool = False,
    ) -> None:
        """`partial`: the rows are one partition of the table (its row numbers start at
        `first_row`; for a driving FK, the children of driving-parent rows `parent_range`):
        cardinality counts those parents only, and whole-table rules (row counts, the
        children_per_parent expectations) are left to the check of the whole table.

        The FKs a links step fills (a nullable cycle's) are checked apart: without `links`,
        they are left out (the table's step writes them NULL); with it, the frames fed are
        the table's key and those FK columns, checked by the links rules (``links_rules_for``),
        named ``<table>_links_<rule>``.

        `table_rows`: the sample strides the whole table, so a partition's is its share.
        `mergeable`: a partition also keeps what its table's check needs (``partials.py``)."""
        self.spec = spec
        self.parent_range = parent_range
        self.partial = partial or parent_range is not None
        self.name = name
        self.table = spec.tables[name]
        self.source = source
        self.scale = scale
        linked = linked_fks(spec, name)
        self.links = links
        self.pending = frozenset(fk.label for fk in linked)
        if links:
            self.fks = list(linked)
            linked_columns = [c for fk in linked for c in fk.columns]
            self.columns = list(dict.fromkeys([*sort_key(self.table), *linked_columns]))
            self.rules: list[Rule] = links_rules_for(spec, name)
        else:
            self.fks = [fk for fk in self.table.foreign_keys if fk.label not in self.pending]
            skipped = {c for fk in linked for c in fk.columns}
            self.columns = [c for c in self.table.columns if c not in skipped]
            self.rules = rules_for(spec, name, engines=engines)
        self.active = {rule.name for rule in self.rules}
        self.errors: dict[str, str] = {}
        self.rows = 0
        self.first_row = first_row
        stride_rows = table_rows if table_rows is not None else expected_rows or 0
        self.every = sample_every(stride_rows, sample_limit) if sample_limit else 1
        self.mergeable = mergeable
        self.sample_limit = sample_limit
        self._sample_parts: list[pd.DataFrame] = []
        self._sample_rows: list[np.ndarray] = []
        self._parent_parts: dict[str, list[pd.DataFrame]] = {}
        self._samples: dict[str, Samples] = {r.name: Samples() for r in self.rules}
        self._counts: dict[str, int | float] = {}
        self._parent_counts: dict[str, ParentCounts] = {}
        self._keys = [
            KeyTracker(k, sequence_numbers(self.table, k))
            for k in integrity.unique_keys(self.table)
        ]
        self._self_refs: dict[str, dict] = {}
        self._rare: dict[str, list[int]] = {}
        self._relations: relations.RelationsCheck | None = None
        self._rare_rows: dict[str, list[dict]] = {}
        self._nulls: dict[str, int] = dict.fromkeys(self.columns, 0)
        self._null_samples = Samples()
        self._frame_columns: set[str] | None = None
        # The HTML report's plots (``profile``): children per parent of every FK, the gaps of
        # every `after` rule on the sample's rows. A partition is profiled as a whole table.
        self._fk_counts: dict[str, ParentCounts] = {}
        self._fk_nulls: dict[str, int] = {}
        self._self_positions: dict[str, np.ndarray] = {}
        self._gaps: dict[str, list[np.ndarray]] = {}
        self._profile_errors: dict[str, str] = {}

    # -- feeding ---------------------------------------------------------------------------

    def add(self, frame: pd.DataFrame) -> None:
        """One chunk's rows, in table order after the chunks before it."""
        frame = frame.reset_index(drop=True)
        offset = self.first_row + self.rows
        if self._frame_columns is None:
            self._frame_columns = set(frame.columns)
        lookups: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for rule in self.rules:
            if rule.name in self.errors:
                continue
            step = getattr(self, f"_add_{rule.name}", None)
            if step is None:
                continue
            try:
                step(frame, offset, lookups)
            except Exception as exc:
                self.errors[rule.name] = describe_error(exc)
        self._keep_sample(frame, offset, lookups)
        if not self.partial or self.mergeable:
            self._profile_fks(frame, lookups)
        self.rows += len(frame)

    def _lookup(self, frame, fk: ForeignKeySpec, lookups) -> tuple[np.ndarray, np.ndarray]:
        if id(fk) not in lookups:
            found = [frame[c] for c in fk.columns]
            if fk.references.table == self.name:
                null = np.zeros(len(frame), dtype=bool)
                for series in found:
                    null |= series.isna().to_numpy(dtype=bool)
                lookups[id(fk)] = (np.full(len(frame), -2, dtype=np.int64), null)
            else:
                lookups[id(fk)] = locate(
                    self.source, fk.references.table, list(fk.references.columns), found
                )
        return lookups[id(fk)]

    def _shown(self, columns: list[str]) -> list[str]:
        return list(dict.fromkeys([*self.table.primary_key, *columns]))

    def _add_orphan_fks(self, frame, offset, lookups) -> None:
        for fk in self.fks:
            positions, null = self._lookup(frame, fk, lookups)
            if fk.references.table == self.name:  # resolved at the end, against every row
                refs = self._self_refs.setdefault(fk.label, {"values": [], "rows": [], "keys": []})
                refs["keys"].append([to_arrow(frame[c]) for c in fk.references.columns])
                keep = np.flatnonzero(~null)
                refs["values"].append([to_arrow(frame[c].iloc[keep]) for c in fk.columns])
                refs["rows"].append(keep + offset)
                continue
            orphans = np.flatnonzero((positions < 0) & ~null)
            key = f"orphans: {fk.label}"
            self._counts[key] = self._counts.get(key, 0) + len(orphans)
            if len(orphans):
                shown = self._shown([c for c in fk.columns if c not in self.table.primary_key])
                self._samples["orphan_fks"].add(frame[shown], orphans, offset, {"fk": fk.label})

    def _add_temporal(self, frame, offset, lookups) -> None:
        for name, column in self.table.columns.items():
            if column.after is None:
                continue
            fk, ref = resolve_after(self.spec, self.name, column.after)
            child = integrity.column_dates(frame[name], f"{self.name}.{name}")
            if fk is None:
                lower = integrity.column_dates(frame[ref], f"{self.name}.{ref}")
            else:
                positions, _ = self._lookup(frame, fk, lookups)
                parent = fk.references.table
                source = gather(self.source, parent, [ref], positions)[ref]
                lower = integrity.column_dates(pd.Series(source), f"{parent}.{ref}")
                lower = np.where(positions >= 0, lower, np.datetime64("NaT", "s"))
            if not self.partial or self.mergeable:
                local = self._sampled_rows(offset, len(frame))
                gap = (child[local] - lower[local]).astype("timedelta64[s]").astype(np.float64)
                gap[np.isnat(child[local]) | np.isnat(lower[local])] = np.nan
                self._gaps.setdefault(name, []).append(gap / SECONDS_PER_DAY)
            bad = np.flatnonzero(~np.isnat(child) & ~np.isnat(lower) & (child < lower))
            key = f"violations: {name}"
            self._counts[key] = self._counts.get(key, 0) + len(bad)
            if len(bad):
                made = self._samples["temporal"].add(frame[self._shown([name])], bad, offset)
                for record, row in zip(made, bad, strict=False):
                    record[f"[{column.after}]"] = json_value(lower[row])

    def _add_denormalised_fks(self, frame, offset, lookups) -> None:
        for fk in self.fks:
            if fk.via is None:
                continue
            through, middle_fk = resolve_via(self.spec, self.name, fk)
            middle = through.references.table
            positions, _ = self._lookup(frame, through, lookups)
            rows = np.flatnonzero(positions >= 0)
            disagree = self._differing_keys(
                frame, fk, middle, middle_fk, positions[rows], rows, lookups
            )
            if disagree is None:
                disagree = np.zeros(len(rows), dtype=bool)
                for column, source in zip(fk.columns, middle_fk.columns, strict=True):
                    disagree |= self._differing(
                        frame[column], middle, source, positions[rows], rows
                    )
            bad = rows[disagree]
            key = f"disagreeing: {fk.label}"
            self._counts[key] = self._counts.get(key, 0) + len(bad)
            if len(bad):
                theirs = gather(self.source, middle, list(middle_fk.columns), positions[bad])
                shown = self._shown([*through.columns, *fk.columns])
                made = self._samples["denormalised_fks"].add(frame[shown], bad, offset)
                for at, record in enumerate(made):
                    for source in middle_fk.columns:
                        record[f"[{middle}.{source}]"] = json_value(theirs[source][at])

    def _differing_keys(self, frame, fk, middle, middle_fk, positions, rows, lookups):
        """``_differing`` for a copy of a sequence key (``customer_id`` via ``account_id``),
        compared as row positions in the key's table: the copy's own FK lookup against the
        middle table's column made as positions (no text at all). None when that does not
        apply (several columns, no such key, scattered rows)."""
        owner = fk.references.table
        key_owner = getattr(self.source, "key_owner", None)
        if len(fk.columns) != 1 or owner == self.name or key_owner is None:
            return None
        column = middle_fk.columns[0]
        if key_owner(middle, column) != owner or not len(positions):
            return None
        if list(fk.references.columns) != [self.source.key_column(owner)]:
            return None
        theirs = gather_positions(self.source, middle, column, positions)
        if theirs is None:
            return None
        mine, mine_null = self._lookup(frame, fk, lookups)
        mine, mine_null = mine[rows], mine_null[rows]
        their_null = theirs < 0
        return (mine_null != their_null) | (~mine_null & ~their_null & (mine != theirs))

    def _differing(self, series, middle: str, source: str, positions, rows) -> np.ndarray:
        """Which `rows` of a denormalised copy differ from `middle.source` at `positions`:
        compared in Arrow when both sides have one type (no Python object per row)."""
        mine = as_arrow(series).take(pa.array(rows))
        theirs = gather_arrow(self.source, middle, source, positions)
        if theirs is not None and theirs.type == mine.type:
            mine_null, their_null = mine.is_null(), theirs.is_null()
            differ = pc.or_(
                pc.not_equal(mine_null, their_null),
                pc.fill_null(pc.not_equal(mine, theirs), False),
            )
            return differ.to_numpy(zero_copy_only=False)
        a = series.to_numpy(dtype=object)[rows]
        b = np.asarray(gather(self.source, middle, [source], positions)[source], dtype=object)
        na, nb = pd.isna(a), pd.isna(b)
        return (na != nb) | (~na & ~nb & (a != b))

    def _cardinality_fks(self) -> list[ForeignKeySpec]:
        fks = []
        if self.table.driving_fk is not None and not self.links:
            fks.append(self.table.driving_fk)
        if self.partial:
            return fks
        for rule in self.spec.expectations.children_per_parent:
            if rule.table == self.name:
                fk = next(f for f in self.table.foreign_keys if f.references.table == rule.parent)
                if fk not in fks and fk in self.fks:
                    fks.append(fk)
        return fks

    def _add_cardinality(self, frame, offset, lookups) -> None:
        for fk in self._cardinality_fks():
            start, stop = self._parents_counted(fk)
            if fk.label not in self._parent_counts:
                self._parent_counts[fk.label] = ParentCounts(stop - start)
            positions, _ = self._lookup(frame, fk, lookups)
            inside = (positions >= start) & (positions < stop)
            self._parent_counts[fk.label].add(np.where(inside, positions - start, -1))

    def _add_rare_events(self, frame, offset, lookups) -> None:
        for name in integrity.rate_columns(self.spec, self.name):
            series = frame[name]
            if not pd.api.types.is_bool_dtype(series.dtype):
                raise TypeError(f"{self.name}.{name} holds {series.dtype}, not booleans")
            present = series.dropna().to_numpy(dtype=bool)
            have = self._rare.setdefault(name, [0, 0])
            have[0] += int(present.sum())
            have[1] += len(present)
            shown = self._rare_rows.setdefault(name, [])
            if len(shown) < SHOWN_ROWS:
                true_rows = np.flatnonzero(series.fillna(False).to_numpy(dtype=bool))
                part = Samples(list(shown))
                part.add(frame[self._shown([name])], true_rows, offset)
                self._rare_rows[name] = part.rows

    def _add_relations(self, frame, offset, lookups) -> None:
        if self._relations is None:
            self._relations = relations.RelationsCheck(self.spec, self.name, self.parent_range)
        self._relations.add(frame, _StreamedParents(self, frame, lookups))

    def _add_duplicate_keys(self, frame, offset, lookups) -> None:
        for tracker in self._keys:
            tracker.add(frame, offset)

    def _add_null_rates(self, frame, offset, lookups) -> None:
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise KeyError(f"{self.name} has no column(s) {', '.join(missing)}")
        for name in self.columns:
            nulls = frame[name].isna().to_numpy()
            count = int(nulls.sum())
            self._nulls[name] += count
            if count and not self.table.columns[name].is_nullable:
                self._null_samples.add(frame, np.flatnonzero(nulls), offset)

    # -- concluding -------------------------------------------------------------------------

    def conclude(self) -> list[CheckResult]:
        """Every rule's result over all rows fed, in ``rules_for`` order."""
        results = []
        sampled = self._sampled()
        for rule in self.rules:
            result = CheckResult(self.name, rule.name, rule.engine, rule.description)
            try:
                if rule.name in self.errors:
                    result.error = self.errors[rule.name]
                elif rule.engine == "integrity":
                    result = getattr(self, f"_conclude_{rule.name}")()
                elif rule.name == "pandera_schema":
                    result = self._sampled_result(pandera_schema.pandera_schema, sampled)
                else:
                    result = self._sampled_result(gx_suite.gx_suite, sampled)
            except Exception as exc:
                result = CheckResult(self.name, rule.name, rule.engine, rule.description)
                result.error = describe_error(exc)
            if self.links:
                result.table = links_name(self.name)
            results.append(result)
        return results

    def _result(self, rule: str, description: str) -> CheckResult:
        result = CheckResult(self.name, rule, integrity.ENGINE, description)
        result.samples = self._samples[rule].rows if rule in self._samples else []
        return result

    def _conclude_orphan_fks(self) -> CheckResult:
        result = self._result("orphan_fks", "FK values with no parent row (single and composite).")
        self._resolve_self_references(result)
        for fk in self.fks:
            count = int(self._counts.get(f"orphans: {fk.label}", 0))
            target = f"{fk.references.table}({', '.join(fk.references.columns)})"
            subject = f"{', '.join(fk.columns)} -> {target}: orphans"
            result.measurements.append(
                Measurement(subject, fmt_count(count), "0", count == 0, count)
            )
            result.counts[f"orphans: {fk.label}"] = count
        result.counts["rows"] = self.rows
        result.samples = sorted(result.samples, key=lambda r: r.get("row", 0))[:SHOWN_ROWS]
        return result

    def _resolve_self_references(self, result: CheckResult) -> None:
        """Self-referencing FKs, looked up among every row of the table at the end."""
        from seed_assets.validation.keys import lookup

        for fk in self.fks:
            refs = self._self_refs.get(fk.label)
            if refs is None:
                continue
            width = len(fk.columns)
            keys = [pa.concat_arrays([k[i] for k in refs["keys"]]) for i in range(width)]
            found = [pa.concat_arrays([v[i] for v in refs["values"]]) for i in range(width)]
            rows = np.concatenate(refs["rows"])
            positions, _ = lookup(found, keys) if len(rows) else (np.zeros(0, np.int64), None)
            self._self_positions[fk.label] = positions
            missing = np.flatnonzero(positions < 0)
            self._counts[f"orphans: {fk.label}"] = len(missing)
            for at in missing[: max(0, SHOWN_ROWS - len(result.samples))]:
                record = {"row": int(rows[at])}
                record.update(
                    {c: json_value(found[i][int(at)].as_py()) for i, c in enumerate(fk.columns)}
                )
                record["fk"] = fk.label
                result.samples.append(record)

    def _conclude_temporal(self) -> CheckResult:
        result = self._result(
            "temporal", "Dates earlier than the parent (or same-row) date they follow."
        )
        for name, column in self.table.columns.items():
            if column.after is None:
                continue
            count = int(self._counts.get(f"violations: {name}", 0))
            subject = f"{name} >= {column.after}: violations"
            result.measurements.append(
                Measurement(subject, fmt_count(count), "0", count == 0, count)
            )
            result.counts[f"violations: {name}"] = count
        return result

    def _conclude_denormalised_fks(self) -> CheckResult:
        result = self._result(
            "denormalised_fks", "Denormalised FK copies that disagree with the row they copy."
        )
        for fk in self.fks:
            if fk.via is None:
                continue
            through, middle_fk = resolve_via(self.spec, self.name, fk)
            middle = through.references.table
            count = int(self._counts.get(f"disagreeing: {fk.label}", 0))
            subject = (
                f"{', '.join(fk.columns)} = {middle}.{', '.join(middle_fk.columns)} via {fk.via}"
            )
            result.measurements.append(
                Measurement(f"{subject}: disagreeing", fmt_count(count), "0", count == 0, count)
            )
            result.counts[f"disagreeing: {fk.label}"] = count
        return result

    def _parents_counted(self, fk: ForeignKeySpec) -> tuple[int, int]:
        """The parent rows whose children are counted: a partition's range, else all."""
        if self.parent_range is not None and fk is self.table.driving_fk:
            return self.parent_range
        return 0, self.source.row_count(fk.references.table)

    def _children(self, fk: ForeignKeySpec) -> np.ndarray:
        if fk.label in self._parent_counts:
            return self._parent_counts[fk.label].counts  # as counted: no 8-byte copy per parent
        start, stop = self._parents_counted(fk)
        return np.zeros(stop - start, dtype=np.uint8)

    def _conclude_cardinality(self) -> CheckResult:
        return integrity.cardinality_from_counts(
            self.spec, self.name, self._children, only_driving=self.partial, fks=self.fks
        )

    def _conclude_rare_events(self) -> CheckResult:
        result = self._result("rare_events", "Rare-event rates (share of true rows) within bounds.")
        for name in integrity.rate_columns(self.spec, self.name):
            events, n = self._rare.get(name, [0, 0])
            measurement = integrity.rate_measurement(self.spec, self.name, name, events, n)
            result.measurements.append(measurement)
            result.counts[f"events: {name}"] = int(events)
            result.counts[f"rows: {name}"] = n
            if not measurement.passed and len(result.samples) < SHOWN_ROWS:
                result.samples += self._rare_rows.get(name, [])[: SHOWN_ROWS - len(result.samples)]
        return result

    def _conclude_relations(self) -> CheckResult:
        check = self._relations or relations.RelationsCheck(self.spec, self.name)
        return check.conclude(self._result(relations.RULE, relations.DESCRIPTION))

    def _conclude_duplicate_keys(self) -> CheckResult:
        result = self._result("duplicate_keys", "Rows repeating a primary or unique key.")
        for tracker in self._keys:
            key = tracker.key
            repeats = tracker.repeats()
            kind = "primary key" if key == list(self.table.primary_key) else "unique"
            subject = f"{kind} ({', '.join(key)}): repeated rows"
            result.measurements.append(
                Measurement(subject, fmt_count(len(repeats)), "0", len(repeats) == 0, len(repeats))
            )
            result.counts[f"duplicates: {', '.join(key)}"] = len(repeats)
            if len(repeats) and len(result.samples) < SHOWN_ROWS:
                result.samples += tracker.samples(repeats)[: SHOWN_ROWS - len(result.samples)]
        return result

    def _conclude_null_rates(self) -> CheckResult:
        result = self._result(
            "null_rates", "Nulls in NOT NULL columns; null shares vs null_fraction."
        )
        table, n = self.table, self.rows
        required = [c for c in self.columns if not table.columns[c].is_nullable]
        null_counts = self._nulls
        total = sum(null_counts[c] for c in required)
        result.measurements.append(
            Measurement(
                f"NOT NULL columns ({len(required)}): nulls",
                fmt_count(total),
                "0",
                total == 0,
                total,
            )
        )
        for name in required:
            if null_counts[name]:
                result.measurements.append(
                    Measurement(
                        f"{name}: nulls",
                        fmt_count(null_counts[name]),
                        "0",
                        False,
                        null_counts[name],
                    )
                )
        result.samples = self._null_samples.rows
        for name in self.columns:
            column = table.columns[name]
            if column.null_fraction <= 0 or integrity.inherited_nulls(table, name):
                continue
            share = null_counts[name] / n if n else float("nan")
            low, high = integrity.binomial_bound(column.null_fraction, n)
            fk = table.fk_for_column(name)
            if fk is not None and fk.references.table == self.name and n:
                high = min(1.0, high + math.ceil(n / self.spec.chunk_rows) / n)
            ok = n == 0 or low <= share <= high
            result.measurements.append(
                Measurement(
                    f"{name}: null share",
                    fmt_rate(share),
                    f"[{low:.2%}, {high:.2%}] (null_fraction {column.null_fraction:g})",
                    ok,
                    None if math.isnan(share) else share,
                )
            )
        result.counts.update({f"nulls: {c}": v for c, v in null_counts.items()})
        result.counts["rows"] = n
        return result


class _StreamedParents:
    """The relations check's view of the parents of one chunk (``relations.ParentAccess``)."""

    def __init__(self, checker: TableChecker, frame: pd.DataFrame, lookups) -> None:
        self.checker, self.frame, self.lookups = checker, frame, lookups

    def positions(self, fk: ForeignKeySpec) -> np.ndarray:
        return self.checker._lookup(self.frame, fk, self.lookups)[0]

    def values(self, fk: ForeignKeySpec, ref: str) -> np.ndarray:
        return gather(self.checker.source, fk.references.table, [ref], self.positions(fk))[ref]

    def at(self, table: str, column: str, positions: np.ndarray) -> np.ndarray:
        return gather(self.checker.source, table, [column], positions)[column]

    def count(self, table: str) -> int:
        return self.checker.source.row_count(table)


def check_frames(
    spec: Spec, name: str, frames: Iterable[pd.DataFrame], source: ParentSource, **options
) -> list[CheckResult]:
    """Check a table given chunk by chunk (`options`: those of ``TableChecker``)."""
    checker = TableChecker(spec, name, source, **options)
    for frame in frames:
        checker.add(frame)
    return checker.conclude()


__all__ = ["SAMPLE_ROWS", "ParentCounts", "TableChecker", "check_frames", "gather", "locate"]

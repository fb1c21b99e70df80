"""The same checks as ``rules.check_table``, fed one chunk at a time, concluded at the end.

Integrity checks see every row: per chunk they count orphans, temporal violations, disagreeing
copies, nulls and rare events, add children to per-parent counts, and follow the keys; the
conclusion turns the totals into the same ``CheckResult``s (names, figures, bounds) the whole
frame would give. Parents are read through a ``ParentSource`` (slices around the rows a chunk
references, or keys at positions), so no table is held whole.

Pandera and Great Expectations are slow (seconds per million rows), so they run once, at the
end, on a deterministic sample: every k-th row, k = ceil(rows / ``SAMPLE_ROWS``), with the
parent rows those rows reference for GX's joins. A table of at most ``SAMPLE_ROWS`` rows is
checked whole, exactly as ``check_table`` does. The sample is named in each result's counts.

Memory: per-parent child counts (one small integer per parent row, for cardinality), and the
keys of a unique column that is not in order (an ordered key, as sequences are, costs nothing).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from seed_assets.engine.frames import as_series, null_mask
from seed_assets.engine.keys import sequence_positions, simple_format
from seed_assets.engine.parents import ParentSource, gather, sort_key
from seed_assets.spec.graph import resolve_after, resolve_via
from seed_assets.spec.models import ForeignKeySpec, Spec
from seed_assets.validation import gx_suite, integrity, pandera_schema, relations
from seed_assets.validation.inputs import TableData, check_parent_columns
from seed_assets.validation.keys import repeated_rows, to_arrow
from seed_assets.validation.profile import SECONDS_PER_DAY, counts_profile, gaps_profile
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
    sample_rows,
)
from seed_assets.validation.rules import Rule, rules_for

# Rows Pandera and GX check per table at most (about 1 s and 1.5 s on this machine).
SAMPLE_ROWS = 200_000


def sample_every(total_rows: int, limit: int = SAMPLE_ROWS) -> int:
    """The stride of the sample: every k-th row, so at most `limit` rows are kept."""
    return max(1, math.ceil(total_rows / limit)) if limit else 1


# -- parent access ------------------------------------------------------------------------------


def _runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Run heads and lengths of an object array whose values repeat in runs (children of one
    parent, in parent order), when that pays; else None."""
    n = len(values)
    if values.dtype != object or n < 1024:
        return None
    head = values[:8192]
    if np.count_nonzero(head[1:] != head[:-1]) > len(head) // 4:
        return None
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    if len(starts) > n // 4:
        return None
    return starts, np.diff(np.append(starts, n))


def locate(
    source: ParentSource, table: str, columns: list[str], found: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Parent row of each child key (-1: none) and which child keys are null (never orphans)."""
    n = len(found[0])
    null = np.zeros(n, dtype=bool)
    for array in found:
        null |= null_mask(array)
    if n == 0:
        return np.zeros(0, dtype=np.int64), null
    runs = _runs(found[0]) if len(found) == 1 else None
    if runs is not None:
        starts, lengths = runs
        heads = source.locate(table, columns, [found[0][starts]])
        positions = np.repeat(np.asarray(heads, dtype=np.int64), lengths)
    else:
        positions = np.asarray(source.locate(table, columns, found), dtype=np.int64)
    positions[null] = -1
    return positions, null


# -- accumulators ------------------------------------------------------------------------------


class ParentCounts:
    """Children per parent row, counted chunk by chunk in the smallest integers that hold them."""

    def __init__(self, n_parents: int) -> None:
        self.counts = np.zeros(n_parents, dtype=np.uint8)

    def add(self, positions: np.ndarray) -> None:
        found = positions[positions >= 0]
        if not len(found):
            return
        lo, hi = int(found.min()), int(found.max())
        if hi - lo < 4 * len(found):
            extra = np.bincount(found - lo, minlength=hi - lo + 1)
            where: slice | np.ndarray = slice(lo, hi + 1)
        else:  # scattered (a reference FK): count the distinct parents only
            where, extra = np.unique(found, return_counts=True)
        total = self.counts[where].astype(np.int64) + extra
        if total.max() > np.iinfo(self.counts.dtype).max:
            self.counts = self.counts.astype(np.int64)
        self.counts[where] = total


@dataclass
class _Samples:
    """Up to SHOWN_ROWS failing rows (as JSON) for one rule."""

    rows: list[dict] = field(default_factory=list)

    def full(self) -> bool:
        return len(self.rows) >= SHOWN_ROWS

    def add(self, frame: pd.DataFrame, local: np.ndarray, offset: int, extra=None) -> list[dict]:
        if self.full() or not len(local):
            return []
        take = list(local[: SHOWN_ROWS - len(self.rows)])
        made = sample_rows(frame.iloc[take].reset_index(drop=True), range(len(take)), extra=extra)
        for record, row in zip(made, take, strict=True):
            record["row"] = int(row) + offset
        self.rows += made
        return made


class _KeyTracker:
    """Whether a unique key repeats across all chunks.

    A key whose chunks come strictly increasing, each above the last (a sequence, as the engine
    and a primary-key ordered read give it) needs no memory: nothing can repeat. A sequence
    whose text stops sorting as its numbers (``CUST{:06d}`` past 999,999) is followed by its
    numbers instead (`numbers`: values -> sequence positions, -1 for none). Otherwise its values
    are kept (Arrow) and compared at the end. A key that was ordered and stops being so cannot
    be compared with the rows already passed: its later rows that fall within their range
    count as repeats (the check fails: the data was not in key order).
    """

    def __init__(self, key: list[str], numbers=None) -> None:
        self.key = key
        self.numbers = numbers if len(key) == 1 else None
        self.mode: str | None = None  # ordered (by value), numbered, broken, exact
        self.first = self.last = None
        self.kept: list[list[pa.Array]] = []
        self.offsets: list[int] = []
        self.out_of_order: list[np.ndarray] = []
        self.shown: dict[int, dict] = {}

    def _follows(self, values: np.ndarray) -> bool:
        """Whether `values` are strictly increasing and above every key before them."""
        return _increasing(values) and (self.last is None or values[0] > self.last)

    def add(self, frame: pd.DataFrame, offset: int) -> None:
        if not len(frame):
            return
        if self.mode in (None, "ordered", "numbered"):
            values = frame[self.key[0]].to_numpy()
            text = len(self.key) == 1 and values.dtype == object
            if self.mode != "numbered" and text and self._follows(values):
                self.first = values[0] if self.first is None else self.first
                self.last = values[-1]
                self.mode = "ordered"
                return
            if self.numbers is not None and self._by_numbers(values):
                return
            # Rows before these were in key order: only their range is known.
            self.mode = "broken" if self.mode in ("ordered", "numbered") else "exact"
        if self.mode == "broken":
            values = frame[self.key[0]].to_numpy(dtype=object)
            inside = np.zeros(len(values), dtype=bool)
            present = ~pd.isna(values)
            if self.numbers is not None and isinstance(self.first, (int, np.integer)):
                numbers = self.numbers(values)  # a value that is no key repeats none
                inside = (numbers >= 0) & (numbers >= self.first) & (numbers <= self.last)
            else:
                try:
                    inside[present] = (values[present] >= self.first) & (
                        values[present] <= self.last
                    )
                except TypeError:  # values that do not compare with the keys before them
                    inside[present] = True
            rows = np.flatnonzero(inside)
            self.out_of_order.append(rows + offset)
            self._show(frame, rows, offset)
        self.kept.append([to_arrow(frame[c]) for c in self.key])
        self.offsets.append(offset)

    def _by_numbers(self, values: np.ndarray) -> bool:
        """Follow the key by its sequence numbers from here on, if they are in order."""
        if self.mode == "ordered":  # the range so far, as numbers
            bounds = self.numbers(np.array([self.first, self.last], dtype=object))
            if (bounds < 0).any():
                return False
            self.first, self.last = int(bounds[0]), int(bounds[1])
            self.mode = "numbered"
        numbers = self.numbers(values)
        if (numbers < 0).any() or not self._follows(numbers):
            return False
        self.first = int(numbers[0]) if self.first is None else self.first
        self.last = int(numbers[-1])
        self.mode = "numbered"
        return True

    def _show(self, frame: pd.DataFrame, rows: np.ndarray, offset: int) -> None:
        for row in rows[: SHOWN_ROWS - len(self.shown)]:
            record = {c: json_value(frame[c].iloc[int(row)]) for c in self.key}
            self.shown[int(row) + offset] = {"row": int(row) + offset, **record}

    def repeats(self) -> np.ndarray:
        """Global rows repeating a key seen before them, in row order."""
        found: list[np.ndarray] = [*self.out_of_order]
        if self.kept:
            columns = [
                pa.concat_arrays([part[i] for part in self.kept]) for i in range(len(self.key))
            ]
            local = repeated_rows(columns)
            sizes = np.array([len(part[0]) for part in self.kept])
            starts = np.cumsum(sizes) - sizes
            which = np.searchsorted(starts, local, side="right") - 1
            found.append(local - starts[which] + np.asarray(self.offsets)[which])
            for row in local[:SHOWN_ROWS]:
                values = {
                    c: json_value(columns[i][int(row)].as_py()) for i, c in enumerate(self.key)
                }
                chunk = int(np.searchsorted(starts, row, side="right") - 1)
                at = int(row - starts[chunk] + self.offsets[chunk])
                self.shown.setdefault(at, {"row": at, **values})
        if not found:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(found)).astype(np.int64)

    def samples(self, rows: np.ndarray) -> list[dict]:
        return [self.shown[int(r)] for r in rows if int(r) in self.shown][:SHOWN_ROWS]


def _sequence_numbers(table, key: list[str]):
    """values -> positions in the key's sequence (-1: not one of its keys), for a one-column
    key the engine numbers with a plain format; else None."""
    column = table.columns[key[0]] if len(key) == 1 else None
    if column is None or column.sequence is None or not simple_format(column.sequence.format):
        return None
    return lambda values: sequence_positions(column, values, np.iinfo(np.int64).max)


def _increasing(values: np.ndarray) -> bool:
    if len(values) < 2:
        return values[0] is not None and not pd.isna(values[0])
    try:
        return bool(np.all(values[1:] > values[:-1]))
    except TypeError:
        return False


# -- the checker -------------------------------------------------------------------------------


class TableChecker:
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
    ) -> None:
        """`partial`: the rows are one partition of the table (its row numbers start at
        `first_row`; for a driving FK, the children of driving-parent rows `parent_range`):
        cardinality counts those parents only, and whole-table rules (row counts, the
        children_per_parent expectations) are left to the check of the whole table."""
        self.spec = spec
        self.parent_range = parent_range
        self.partial = partial or parent_range is not None
        self.name = name
        self.table = spec.tables[name]
        self.source = source
        self.scale = scale
        self.rules: list[Rule] = rules_for(spec, name, engines=engines)
        self.active = {rule.name for rule in self.rules}
        self.errors: dict[str, str] = {}
        self.rows = 0
        self.first_row = first_row
        self.every = sample_every(expected_rows or 0, sample_limit) if sample_limit else 1
        self.sample_limit = sample_limit
        self._sample_parts: list[pd.DataFrame] = []
        self._sample_rows: list[np.ndarray] = []
        self._parent_parts: dict[str, list[pd.DataFrame]] = {}
        self._samples: dict[str, _Samples] = {r.name: _Samples() for r in self.rules}
        self._counts: dict[str, int | float] = {}
        self._parent_counts: dict[str, ParentCounts] = {}
        self._keys = [
            _KeyTracker(k, _sequence_numbers(self.table, k))
            for k in integrity.unique_keys(self.table)
        ]
        self._self_refs: dict[str, dict] = {}
        self._rare: dict[str, list[int]] = {}
        self._relations: relations.RelationsCheck | None = None
        self._rare_rows: dict[str, list[dict]] = {}
        self._nulls: dict[str, int] = dict.fromkeys(self.table.columns, 0)
        self._null_samples = _Samples()
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
        if not self.partial:
            self._profile_fks(frame, lookups)
        self.rows += len(frame)

    def _lookup(self, frame, fk: ForeignKeySpec, lookups) -> tuple[np.ndarray, np.ndarray]:
        if id(fk) not in lookups:
            found = [frame[c].to_numpy(dtype=object) for c in fk.columns]
            if fk.references.table == self.name:
                null = np.zeros(len(frame), dtype=bool)
                for array in found:
                    null |= null_mask(array)
                lookups[id(fk)] = (np.full(len(frame), -2, dtype=np.int64), null)
            else:
                lookups[id(fk)] = locate(
                    self.source, fk.references.table, list(fk.references.columns), found
                )
        return lookups[id(fk)]

    def _shown(self, columns: list[str]) -> list[str]:
        return list(dict.fromkeys([*self.table.primary_key, *columns]))

    def _add_orphan_fks(self, frame, offset, lookups) -> None:
        for fk in self.table.foreign_keys:
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
            child = integrity._dates(frame[name], f"{self.name}.{name}")
            if fk is None:
                lower = integrity._dates(frame[ref], f"{self.name}.{ref}")
            else:
                positions, _ = self._lookup(frame, fk, lookups)
                parent = fk.references.table
                source = gather(self.source, parent, [ref], positions)[ref]
                lower = integrity._dates(pd.Series(source), f"{parent}.{ref}")
                lower = np.where(positions >= 0, lower, np.datetime64("NaT", "s"))
            if not self.partial:
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
        for fk in self.table.foreign_keys:
            if fk.via is None:
                continue
            through, middle_fk = resolve_via(self.spec, self.name, fk)
            middle = through.references.table
            positions, _ = self._lookup(frame, through, lookups)
            rows = np.flatnonzero(positions >= 0)
            theirs = gather(self.source, middle, list(middle_fk.columns), positions[rows])
            disagree = np.zeros(len(rows), dtype=bool)
            for column, source in zip(fk.columns, middle_fk.columns, strict=True):
                a = frame[column].to_numpy(dtype=object)[rows]
                b = np.asarray(theirs[source], dtype=object)
                na, nb = pd.isna(a), pd.isna(b)
                disagree |= (na != nb) | (~na & ~nb & (a != b))
            bad = rows[disagree]
            key = f"disagreeing: {fk.label}"
            self._counts[key] = self._counts.get(key, 0) + len(bad)
            if len(bad):
                shown = self._shown([*through.columns, *fk.columns])
                made = self._samples["denormalised_fks"].add(frame[shown], bad, offset)
                for record, row in zip(made, np.flatnonzero(disagree), strict=False):
                    for source in middle_fk.columns:
                        record[f"[{middle}.{source}]"] = json_value(theirs[source][row])

    def _cardinality_fks(self) -> list[ForeignKeySpec]:
        fks = []
        if self.table.driving_fk is not None:
            fks.append(self.table.driving_fk)
        if self.partial:
            return fks
        for rule in self.spec.expectations.children_per_parent:
            if rule.table == self.name:
                fk = next(f for f in self.table.foreign_keys if f.references.table == rule.parent)
                if fk not in fks:
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
                part = _Samples(list(shown))
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
        missing = [c for c in self.table.columns if c not in frame.columns]
        if missing:
            raise KeyError(f"{self.name} has no column(s) {', '.join(missing)}")
        for name in self.table.columns:
            nulls = frame[name].isna().to_numpy()
            count = int(nulls.sum())
            self._nulls[name] += count
            if count and not self.table.columns[name].is_nullable:
                self._null_samples.add(frame, np.flatnonzero(nulls), offset)

    # -- the report's plots ---------------------------------------------------------------------

    def _profile_fks(self, frame: pd.DataFrame, lookups) -> None:
        for fk in self.table.foreign_keys:
            if fk.label in self._profile_errors:
                continue
            try:
                positions, null = self._lookup(frame, fk, lookups)
                self._fk_nulls[fk.label] = self._fk_nulls.get(fk.label, 0) + int(null.sum())
                if fk.references.table == self.name:  # counted at the end, against every row
                    continue
                if fk.label in self._parent_counts:  # the cardinality check counts it already
                    continue
                if fk.label not in self._fk_counts:
                    self._fk_counts[fk.label] = ParentCounts(
                        self.source.row_count(fk.references.table)
                    )
                self._fk_counts[fk.label].add(positions)
            except Exception as exc:
                self._profile_errors[fk.label] = describe_error(exc)

    def _fk_children(self, fk: ForeignKeySpec) -> np.ndarray:
        if fk.references.table == self.name:
            if fk.label not in self._self_positions:
                raise ValueError("the orphan check did not run, so its parents were not found")
            positions = self._self_positions[fk.label]
            return np.bincount(positions[positions >= 0], minlength=self.rows)
        counts = self._parent_counts.get(fk.label) or self._fk_counts.get(fk.label)
        if counts is None:
            return np.zeros(self.source.row_count(fk.references.table), dtype=np.uint8)
        return counts.counts  # as counted: no 8-byte copy per parent

    def profile(self, *, seed: int = 0) -> dict | None:
        """The report's plots for the rows fed (as ``profile.profile_table`` gives for a whole
        frame), once ``conclude`` ran; None for a partition. Never raises."""
        if self.partial:
            return None
        out: dict = {"fks": [], "gaps": [], "errors": []}
        for fk in self.table.foreign_keys:
            try:
                if fk.label in self._profile_errors:
                    raise RuntimeError(self._profile_errors[fk.label])
                nulls = self._fk_nulls.get(fk.label, 0)
                out["fks"].append(counts_profile(self.name, fk, self._fk_children(fk), nulls))
            except Exception as exc:
                out["errors"].append(f"children per parent of {fk.label}: {describe_error(exc)}")
        for name, column in self.table.columns.items():
            if column.after is None:
                continue
            try:
                parts = self._gaps.get(name) or [np.zeros(0)]
                gaps = np.concatenate(parts)
                out["gaps"].append(gaps_profile(column, name, gaps, seed, every=self.every))
            except Exception as exc:
                out["errors"].append(f"gaps of {name}: {describe_error(exc)}")
        return out

    # -- the sample for Pandera and GX ----------------------------------------------------------

    def _sampled_rows(self, offset: int, rows: int) -> np.ndarray:
        """The chunk's rows in the sample (every k-th row of the table)."""
        first = (-(offset - self.first_row)) % self.every
        return np.arange(first, rows, self.every)

    def _keep_sample(self, frame: pd.DataFrame, offset: int, lookups) -> None:
        if not ({"pandera_schema", "gx_suite"} & self.active) or not len(frame):
            return
        local = self._sampled_rows(offset, len(frame))
        if not len(local):
            return
        part = frame.iloc[local].reset_index(drop=True)
        self._sample_parts.append(part)
        self._sample_rows.append(local + offset)
        if "gx_suite" not in self.active:
            return
        for fk, columns in gx_suite._joined_needs(self.spec, self.name).values():
            parent = fk.references.table
            if parent == self.name:
                continue
            try:
                positions, _ = self._lookup(frame, fk, lookups)
                got = gather(self.source, parent, columns, positions[local])
            except Exception:  # the integrity checks report what went wrong
                continue
            keep = positions[local] >= 0
            rows = pd.DataFrame({c: got[c][keep] for c in columns})
            self._parent_parts.setdefault(parent, []).append(rows)

    def _sample_data(self) -> TableData:
        frame = (
            pd.concat(self._sample_parts, ignore_index=True)
            if self._sample_parts
            else pd.DataFrame({c: [] for c in self.table.columns})
        )
        parents: dict[str, pd.DataFrame] = {}
        for parent, columns in check_parent_columns(self.spec, self.name).items():
            parts = self._parent_parts.get(parent, [])
            have = [c for c in columns if all(c in p.columns for p in parts)] if parts else columns
            if parts:
                rows = pd.concat(parts, ignore_index=True)
                key = sort_key(self.spec.tables[parent]) or list(rows.columns)
                rows = rows.drop_duplicates(subset=[c for c in key if c in rows.columns])
            else:
                rows = pd.DataFrame({c: [] for c in have})
            parents[parent] = _typed(rows, self.spec, parent)
        return TableData(self.spec, self.name, frame, parents, scale=self.scale)

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
            results.append(result)
        return results

    def _sampled(self) -> bool:
        return self.every > 1 or self.rows > self.sample_limit

    def _sampled_result(self, run, sampled: bool) -> CheckResult:
        data = self._sample_data()
        partial = self.partial
        if run is gx_suite.gx_suite and (sampled or partial):
            # A sample's row count says nothing of the table's: counted on every row instead.
            result = gx_suite.gx_suite(data, whole_rows=self.rows, partial=partial)
        else:
            result = run(data)
        if not sampled:
            return result
        rows = np.concatenate(self._sample_rows) if self._sample_rows else np.zeros(0, np.int64)
        for record in result.samples:
            if isinstance(record.get("row"), int) and record["row"] < len(rows):
                record["row"] = int(rows[record["row"]])
        result.counts.update(
            {"sample_rows": len(data.frame), "sample_every": self.every, "table_rows": self.rows}
        )
        result.description += (
            f" Run on a deterministic sample: every {self.every:,}th row, "
            f"{len(data.frame):,} of {self.rows:,} rows; the integrity checks see every row."
        )
        return result

    def _result(self, rule: str, description: str) -> CheckResult:
        result = CheckResult(self.name, rule, integrity.ENGINE, description)
        result.samples = self._samples[rule].rows if rule in self._samples else []
        return result

    def _conclude_orphan_fks(self) -> CheckResult:
        result = self._result("orphan_fks", "FK values with no parent row (single and composite).")
        self._resolve_self_references(result)
        for fk in self.table.foreign_keys:
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

        for fk in self.table.foreign_keys:
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
        for fk in self.table.foreign_keys:
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
            self.spec, self.name, self._children, only_driving=self.partial
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
        required = [c for c, col in table.columns.items() if not col.is_nullable]
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
        for name, column in table.columns.items():
            if column.null_fraction <= 0 or integrity._inherited_nulls(table, name):
                continue
            share = null_counts[name] / n if n else float("nan")
            low, high = integrity._binomial_bound(column.null_fraction, n)
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


def _typed(frame: pd.DataFrame, spec: Spec, table: str) -> pd.DataFrame:
    columns = spec.tables[table].columns
    return pd.DataFrame(
        {c: as_series(frame[c].to_numpy(), columns[c]) for c in frame.columns},
        index=pd.RangeIndex(len(frame)),
    )


def check_frames(
    spec: Spec,
    name: str,
    frames: Iterable[pd.DataFrame],
    source: ParentSource,
    *,
    scale: float | None = None,
    expected_rows: int | None = None,
    sample_limit: int = SAMPLE_ROWS,
    engines: Iterable[str] | None = None,
    parent_range: tuple[int, int] | None = None,
    partial: bool = False,
    first_row: int = 0,
) -> list[CheckResult]:
    """Check a table given chunk by chunk (see ``TableChecker``)."""
    checker = TableChecker(
        spec,
        name,
        source,
        scale=scale,
        expected_rows=expected_rows,
        sample_limit=sample_limit,
        engines=engines,
        parent_range=parent_range,
        partial=partial,
        first_row=first_row,
    )
    for frame in frames:
        checker.add(frame)
    return checker.conclude()


__all__ = ["SAMPLE_ROWS", "ParentCounts", "TableChecker", "check_frames", "gather", "locate"]

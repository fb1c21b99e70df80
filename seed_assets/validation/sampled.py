"""The streamed checker's sample (every k-th row, for Pandera and GX, which are slow) and the
report's plots (children per parent, date gaps). Part of ``stream.TableChecker``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seed_assets.engine.frames import as_series
from seed_assets.engine.parents import sort_key
from seed_assets.spec.models import ForeignKeySpec, Spec
from seed_assets.validation import gx_suite
from seed_assets.validation.accumulators import ParentCounts
from seed_assets.validation.gathered import gather
from seed_assets.validation.inputs import TableData, check_parent_columns
from seed_assets.validation.profile import counts_profile, gaps_profile
from seed_assets.validation.results import (
    CheckResult,
    describe_error,
)


class SampledChecks:
    """Pandera, GX and the plots, for a ``stream.TableChecker``."""

    # -- the report's plots ---------------------------------------------------------------------

    def _profile_fks(self, frame: pd.DataFrame, lookups) -> None:
        for fk in self.fks:
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
        """The report's plots for the rows fed (``profile.counts_profile``, ``gaps_profile``),
        once ``conclude`` ran; None for a partition. Never raises."""
        if self.partial:
            return None
        out: dict = {"fks": [], "gaps": [], "errors": []}
        for fk in self.fks:
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
        for fk, columns in gx_suite.joined_needs(self.spec, self.name, self.pending).values():
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
            # No row (an empty partition): empty columns of the spec's types, not float64,
            # so GX's joins with the parents still line up.
            else _typed(_empty(list(self.table.columns)), self.spec, self.name)
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
                rows = _empty(have)
            parents[parent] = _typed(rows, self.spec, parent)
        if self.links:
            only = frozenset(fk.label for fk in self.fks)
            return TableData(self.spec, self.name, frame, parents, scale=self.scale, only=only)
        return TableData(
            self.spec, self.name, frame, parents, scale=self.scale, pending=self.pending
        )

    def _sampled(self) -> bool:
        return self.every > 1 or self.rows > self.sample_limit

    def _sampled_result(self, run, sampled: bool) -> CheckResult:
        if self.partial and not self.rows:
            # An empty partition (a small scale leaves some without chunks): nothing to measure;
            # a rate or a mean over no rows is undefined, and the whole table is checked after.
            rule = next(r for r in self.rules if r.name == _rule_of(run))
            result = CheckResult(self.name, rule.name, rule.engine, rule.description)
            result.description += " Empty partition: no row to check."
            result.counts["table_rows"] = 0
            return result
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


def _rule_of(run) -> str:
    return "gx_suite" if run is gx_suite.gx_suite else "pandera_schema"


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: np.array([], dtype=object) for c in columns})


def _typed(frame: pd.DataFrame, spec: Spec, table: str) -> pd.DataFrame:
    columns = spec.tables[table].columns
    return pd.DataFrame(
        {c: as_series(frame[c].to_numpy(), columns[c]) for c in frame.columns},
        index=pd.RangeIndex(len(frame)),
    )

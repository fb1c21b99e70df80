"""The profiler's reads (``sources/profile/sampling.Sampler``'s methods) over a Parquet folder:
deterministic samples (every k-th row in file and row-group order) and aggregates computed
while streaming record batches. A parent's key column with one other column is the most ever
held whole (for the joins through an FK); a table's rows never are."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from seed_assets.sources.parquet.folder import ParquetFolder

_PANDAS = {"timestamp_as_object": True, "integer_object_nulls": True, "date_as_object": True}


def as_frame(table: pa.Table) -> pd.DataFrame:
    """Values as a database driver gives them: datetime and date objects, None for NULL."""
    return table.to_pandas(**_PANDAS)


def _when(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, errors="coerce", utc=True)


class ParquetSampler:
    def __init__(self, folder: ParquetFolder, sample_rows: int) -> None:
        self.folder = folder
        self.sample_rows = sample_rows
        self._samples: dict[str, pd.DataFrame] = {}
        self._lookups: dict[tuple, pd.DataFrame] = {}

    def row_count(self, name: str) -> int:
        return self.folder.row_count(name)

    def _step(self, name: str) -> int:
        return max(1, math.ceil(self.row_count(name) / self.sample_rows))

    def sample(self, name: str) -> pd.DataFrame:
        """Every k-th row (all rows of a table under the sample size), the same on every run."""
        if name not in self._samples:
            columns = self.folder.schema(name).names
            step, seen, kept = self._step(name), 0, []
            for batch in self.folder.batches(name, columns):
                first = (-seen) % step
                kept.append(batch.take(pa.array(np.arange(first, len(batch), step))))
                seen += len(batch)
            table = pa.Table.from_batches(kept, schema=self.folder.schema(name))
            self._samples[name] = as_frame(table)
        return self._samples[name]

    def _lookup(self, table: str, keys: list[str], value: str) -> pd.DataFrame:
        """`value` by the key columns `keys` of `table` (their projection, read once)."""
        cache = (table, tuple(keys), value)
        if cache not in self._lookups:
            wanted = list(dict.fromkeys([*keys, value]))
            frame = as_frame(self.folder.read(table, wanted))
            frame = frame.rename(columns={value: "_value"}) if value not in keys else frame
            if value in keys:
                frame["_value"] = frame[value]
            frame[keys] = frame[keys].astype(object)  # keys compare as Python values
            self._lookups[cache] = frame.drop_duplicates(keys).set_index(keys)[["_value"]]
        return self._lookups[cache]

    def _through(self, child: str, fk: list[str], parent: str, refs: list[str], value: str, own):
        """Batches of the child's `own` columns with the parent's `value` beside them (as
        `_value`; NaN where no parent row matches)."""
        lookup = self._lookup(parent, refs, value)
        for batch in self.folder.batches(child, list(dict.fromkeys([*fk, *own]))):
            frame = as_frame(pa.Table.from_batches([batch]))
            keys = frame[fk].astype(object).rename(columns=dict(zip(fk, refs, strict=True)))
            frame["_value"] = keys.join(lookup, on=refs)["_value"].to_numpy()
            yield frame

    def children_histogram(self, child: str, columns: list[str], parent: str) -> dict[int, int]:
        counts = pd.Series(dtype="int64")
        for batch in self.folder.batches(child, columns):
            frame = as_frame(pa.Table.from_batches([batch])).dropna()
            if len(frame):
                found = (
                    frame.value_counts() if len(columns) > 1 else frame[columns[0]].value_counts()
                )
                counts = counts.add(found.astype("int64"), fill_value=0)
        histogram = {int(n): int(k) for n, k in counts.astype("int64").value_counts().items()}
        zero = self.row_count(parent) - len(counts)
        if zero > 0:
            histogram[0] = histogram.get(0, 0) + zero
        return dict(sorted(histogram.items()))

    def joined_pairs(self, child, fk_columns, parent, ref_columns, child_column, parent_column):
        step, seen, kept = self._step(child), 0, []
        for frame in self._through(
            child, fk_columns, parent, ref_columns, parent_column, [child_column]
        ):
            both = frame[[child_column, "_value"]].dropna()
            first = (-seen) % step
            kept.append(both.iloc[first::step])
            seen += len(both)
        out = pd.concat(kept) if kept else pd.DataFrame(columns=[child_column, "_value"])
        return pd.DataFrame(
            {"child": out[child_column].to_numpy(), "parent": out["_value"].to_numpy()}
        )

    def disagreements(self, child, through, middle, middle_key, column, copied) -> int:
        total = 0
        for frame in self._through(child, [through], middle, [middle_key], copied, [column]):
            same = frame[column].notna() & frame["_value"].notna()
            same &= frame[column].astype(object) == frame["_value"].astype(object)
            total += int((~same).sum())
        return total

    def count_before(self, child, fk_columns, parent, ref_columns, later, earlier) -> int:
        total = 0
        if parent is None:
            for batch in self.folder.batches(child, list(dict.fromkeys([later, earlier]))):
                frame = as_frame(pa.Table.from_batches([batch]))
                total += int((_when(frame[later]) < _when(frame[earlier])).sum())
            return total
        for frame in self._through(child, fk_columns, parent, ref_columns, earlier, [later]):
            total += int((_when(frame[later]) < _when(frame["_value"])).sum())
        return total

    def has_pairs(self, child, fk_columns, parent, ref_columns, later, earlier) -> bool:
        if parent is None:
            for batch in self.folder.batches(child, list(dict.fromkeys([later, earlier]))):
                both = pc.and_(pc.is_valid(batch.column(0)), pc.is_valid(batch.column(-1)))
                if pc.any(both).as_py():
                    return True
            return False
        for frame in self._through(child, fk_columns, parent, ref_columns, earlier, [later]):
            if (frame[later].notna() & frame["_value"].notna()).any():
                return True
        return False

    def joined_sample(self, child, fk_columns, parent, ref_columns) -> pd.DataFrame:
        """The child's sample with its parent row's columns (``Parent.column``), child rows
        without a parent left out (as the SQL join does)."""
        sample = self.sample(child)
        keys = sample[fk_columns].dropna().drop_duplicates()
        where = None
        if len(ref_columns) == 1:
            values = pa.array(
                keys[fk_columns[0]].tolist(),
                type=self.folder.schema(parent).field(ref_columns[0]).type,
            )
            where = pc.field(ref_columns[0]).isin(values)
        rows = as_frame(self.folder.read(parent, self.folder.schema(parent).names, where))
        rows = rows.drop_duplicates(ref_columns)
        renamed = rows.rename(columns={c: f"{parent}.{c}" for c in rows.columns})
        on = [f"{parent}.{c}" for c in ref_columns]
        left = sample.assign(
            **{f"_k{i}": sample[c].astype(object) for i, c in enumerate(fk_columns)}
        )
        right = renamed.assign(**{f"_k{i}": renamed[c].astype(object) for i, c in enumerate(on)})
        keys = [f"_k{i}" for i in range(len(on))]
        return left.merge(right, on=keys, how="inner").drop(columns=keys)

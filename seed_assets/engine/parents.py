"""Where a table's generator (and its checks) get their parents' rows, without holding them whole.

A child chunk reads its parents three ways, and a ``ParentSource`` answers each:

- ``rows(table, columns, start, stop)``: parent rows [start, stop) in primary-key order, for the
  driving FK (the children of a chunk of parents need only that chunk's keys and dates);
- ``take(table, column, positions)``: values at any positions, for a reference FK (uniform over
  ALL parents);
- ``locate(table, columns, values)``: the position of each key (-1: none), for lookups by value
  (as Arrow text where ``locates_arithmetically`` says the keys' text is parsed).

``FrameParents`` serves frames already in memory (tests, small tables);
``regenerated.RegeneratedParents`` makes parent rows again from the spec and seed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from seed_assets.engine.keys import sorts_as_numbers
from seed_assets.engine.text import is_text
from seed_assets.spec.models import ColumnSpec, Spec, TableSpec


@runtime_checkable
class ParentSource(Protocol):
    """Rows of the tables a generator or a check reads, by position in primary-key order."""

    def row_count(self, table: str) -> int: ...

    def rows(self, table: str, columns: list[str], start: int, stop: int) -> pd.DataFrame: ...

    def take(self, table: str, column: str, positions: np.ndarray) -> np.ndarray: ...

    def locate(self, table: str, columns: list[str], values: list[np.ndarray]) -> np.ndarray: ...

    def locates_arithmetically(self, table: str, columns: list[str]) -> bool:
        """Whether ``locate`` finds `columns` of `table` by parsing the keys' text (a sequence
        key): a caller may then give the values as Arrow text, not objects."""
        ...


def sort_key(table: TableSpec) -> list[str]:
    """The columns that put a table's rows in canonical order: its primary key."""
    if table.primary_key:
        return list(table.primary_key)
    keys = table.unique or [[c] for c, col in table.columns.items() if col.unique]
    return list(keys[0]) if keys else []


def sequence_key(table: TableSpec, total_rows: int) -> ColumnSpec | None:
    """The table's key column when it is an in-order sequence over `total_rows` rows.

    Such a key is unique, never null, and sorts as its row numbers do: the key at position i is
    the sequence's i-th value, so keys and positions convert arithmetically both ways.
    """
    key = sort_key(table)
    if len(key) != 1:
        return None
    column = table.columns[key[0]]
    seq = column.sequence
    if column.source != "sequence" or seq.per_parent or column.null_fraction:
        return None
    last = seq.start + seq.step * max(total_rows - 1, 0)
    if seq.format is None or sorts_as_numbers(seq.format, seq.start, last):
        return column
    return None


def as_array(series: pd.Series) -> np.ndarray:
    """A column as an array: the engine's text as it is (Arrow), other text as object, else
    NumPy."""
    if is_text(series.array):
        return series.array
    array = series.to_numpy()
    if array.dtype.kind == "M":
        return array
    if array.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        return series.to_numpy(dtype=object)
    return array


def key_index(frame: pd.DataFrame, columns: list[str]) -> tuple[pd.Index, np.ndarray | None]:
    """An index over a frame's key columns, and (when keys repeat) the row of each entry: the
    first row holding that key. Its hash table is built once, on first use."""
    if len(columns) == 1:
        index = pd.Index(frame[columns[0]].to_numpy(dtype=object))
    else:
        index = pd.MultiIndex.from_frame(frame[columns])
    if index.is_unique:
        return index, None
    first = ~index.duplicated()
    return index[first], np.flatnonzero(first)


def locate_in(frame: pd.DataFrame, columns: list[str], found: list[np.ndarray]) -> np.ndarray:
    """Positions in `frame` of each key tuple in `found` (-1: not there)."""
    return find_keys(key_index(frame, columns), found)


def find_keys(indexed: tuple[pd.Index, np.ndarray | None], found: list[np.ndarray]) -> np.ndarray:
    index, rows = indexed
    if isinstance(index, pd.MultiIndex):
        wanted = pd.MultiIndex.from_arrays([np.asarray(f, dtype=object) for f in found])
    else:
        wanted = pd.Index(np.asarray(found[0], dtype=object))
    positions = np.asarray(index.get_indexer(wanted), dtype=np.int64)
    if rows is not None:
        positions = np.where(positions >= 0, rows[np.maximum(positions, 0)], -1)
    return positions


def indexed_lookup(cache: dict, table: str, columns: list[str], frame, found) -> np.ndarray:
    """Positions of the key tuples `found` in `table`, its key index (over `frame()`) built once
    into `cache`."""
    key = (table, tuple(columns))
    if key not in cache:
        cache[key] = key_index(frame(), columns)
    return find_keys(cache[key], found)


def gather(
    source: ParentSource, table: str, columns: list[str], positions: np.ndarray
) -> dict[str, np.ndarray]:
    """`columns` of `table` at `positions` (-1: none, giving null).

    Positions close together (the children of a chunk of parents) are served from one slice of
    rows around them; scattered ones (a reference FK) from the source's whole columns.
    """
    valid = positions >= 0
    out: dict[str, np.ndarray] = {}
    if not valid.any():
        return {c: np.full(len(positions), None, dtype=object) for c in columns}
    found = positions[valid]
    lo, hi = int(found.min()), int(found.max())
    if hi - lo < max(4 * len(found), 200_000):
        frame = source.rows(table, columns, lo, hi + 1)
        arrays = {c: _array(frame[c]) for c in columns}
        local = np.where(valid, positions - lo, 0)
        for column in columns:
            out[column] = arrays[column][local]
    else:
        safe = np.where(valid, positions, 0)
        for column in columns:
            out[column] = np.asarray(source.take(table, column, safe))
    if not valid.all():
        for column in columns:
            out[column] = with_missing(out[column], ~valid)
    return out


def _array(series: pd.Series) -> np.ndarray:
    array = series.to_numpy()
    if array.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        return series.to_numpy(dtype=object)
    if isinstance(series.dtype, pd.api.extensions.ExtensionDtype):
        return series.to_numpy(dtype=object, na_value=None)
    return array


def with_missing(array: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """``array`` with ``missing`` rows empty: NaT for datetimes, None (as objects) otherwise."""
    if array.dtype.kind == "M":
        out = array.copy()
        out[missing] = np.datetime64("NaT")
        return out
    out = array.astype(object)
    out[missing] = None
    return out


# -- frames in memory --------------------------------------------------------------------------


def canonical_parent(frame: pd.DataFrame, table: TableSpec) -> pd.DataFrame:
    """Parent rows in primary-key order (a no-op when they already are, as sequences are)."""
    key = sort_key(table)
    if not key or len(frame) < 2:
        return frame.reset_index(drop=True)
    ordered = (
        _strictly_increasing(frame[key[0]])
        if len(key) == 1
        else pd.MultiIndex.from_frame(frame[key]).is_monotonic_increasing
    )
    if ordered:
        return frame.reset_index(drop=True)
    return frame.sort_values(key, kind="stable").reset_index(drop=True)


def _strictly_increasing(series: pd.Series) -> bool:
    """Sorted and unique: each value above the one before (one vectorised pass, no hashing)."""
    array = series.to_numpy()
    try:
        return bool(np.all(array[1:] > array[:-1]))
    except TypeError:  # None or pd.NA among the values, or values that do not compare
        return bool(series.is_monotonic_increasing and series.is_unique)


class FrameParents:
    """Parents given as whole frames, put in primary-key order once."""

    def __init__(
        self,
        spec: Spec,
        frames: Mapping[str, pd.DataFrame],
        *,
        ordered: Collection[str] = (),
        needs: Mapping[str, list[str]] | None = None,
        who: str = "",
    ) -> None:
        """`ordered` names frames known to be in key order (made by this engine); `needs`, the
        columns each parent must have (checked up front so a missing one is a clear error)."""
        self.spec = spec
        self.frames: dict[str, pd.DataFrame] = {}
        for parent, columns in (needs or {p: list(f.columns) for p, f in frames.items()}).items():
            if parent not in frames:
                raise ValueError(f"generating {who} needs the rows of {parent}")
            frame = frames[parent]
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise ValueError(f"generating {who} needs {parent}.{', '.join(missing)}")
            self.frames[parent] = (
                frame[columns].reset_index(drop=True)
                if parent in ordered
                else canonical_parent(frame[columns], spec.tables[parent])
            )
        self._arrays: dict[tuple[str, str], np.ndarray] = {}
        self._indexes: dict[tuple, tuple] = {}

    def row_count(self, table: str) -> int:
        return len(self.frames[table])

    def rows(self, table: str, columns: list[str], start: int, stop: int) -> pd.DataFrame:
        return self.frames[table][columns].iloc[start:stop].reset_index(drop=True)

    def column(self, table: str, column: str) -> np.ndarray:
        """A whole column as NumPy, converted once."""
        key = (table, column)
        if key not in self._arrays:
            self._arrays[key] = as_array(self.frames[table][column])
        return self._arrays[key]

    def take(self, table: str, column: str, positions: np.ndarray) -> np.ndarray:
        return self.column(table, column)[positions]

    def locate(self, table: str, columns: list[str], values: list[np.ndarray]) -> np.ndarray:
        return indexed_lookup(self._indexes, table, columns, lambda: self.frames[table], values)

    def locates_arithmetically(self, table: str, columns: list[str]) -> bool:
        return False  # looked up in an index of the frame's values: objects

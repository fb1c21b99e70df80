"""Where a table's generator (and its checks) get their parents' rows, without holding them whole.

A child chunk reads its parents three ways, and a ``ParentSource`` answers each:

- ``rows(table, columns, start, stop)``: parent rows [start, stop) in primary-key order, for the
  driving FK (the children of a chunk of parents need only that chunk's keys and dates);
- ``take(table, column, positions)``: values at any positions, for a reference FK (uniform over
  ALL parents);
- ``locate(table, columns, values)``: the position of each key (-1: none), for lookups by value.

``FrameParents`` serves frames already in memory (tests, small tables, the Dagster path for
unpartitioned tables). ``RegeneratedParents`` makes parent rows again from the spec and seed:
chunks are deterministic, so a parent chunk regenerated (only the columns asked for) equals the
one written; a key that is an in-order sequence is computed from row numbers, never stored. That
keeps ``iter_spec`` bounded whatever the row count.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from seed_assets.engine import values
from seed_assets.engine.keys import sequence_positions, sorts_as_numbers
from seed_assets.spec.models import ColumnSpec, Spec, TableSpec

if TYPE_CHECKING:
    from seed_assets.engine.table import TableGenerator


@runtime_checkable
class ParentSource(Protocol):
    """Rows of the tables a generator or a check reads, by position in primary-key order."""

    def row_count(self, table: str) -> int: ...

    def rows(self, table: str, columns: list[str], start: int, stop: int) -> pd.DataFrame: ...

    def take(self, table: str, column: str, positions: np.ndarray) -> np.ndarray: ...

    def locate(self, table: str, columns: list[str], values: list[np.ndarray]) -> np.ndarray: ...


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
    """A column as NumPy: text as object (whatever string dtype it came in), else as is."""
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


def _indexed(cache: dict, table: str, columns: list[str], frame, found) -> np.ndarray:
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
            out[column] = _with_missing(out[column], ~valid)
    return out


def _array(series: pd.Series) -> np.ndarray:
    array = series.to_numpy()
    if array.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        return series.to_numpy(dtype=object)
    if isinstance(series.dtype, pd.api.extensions.ExtensionDtype):
        return series.to_numpy(dtype=object, na_value=None)
    return array


def _with_missing(array: np.ndarray, missing: np.ndarray) -> np.ndarray:
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
        return _indexed(self._indexes, table, columns, lambda: self.frames[table], values)


# -- parents made again from the spec ------------------------------------------------------------


class RegeneratedParents:
    """Parents regenerated chunk by chunk from the spec and seed, only the columns asked for.

    A parent whose rows come out in key order by construction (a sequence key) is served slice by
    slice, its last chunks cached (consecutive child chunks read consecutive parent rows), and its
    key computed from positions. Any other parent, and any column read at random positions (a
    reference FK's target other than its sequence key), is made whole once and kept: memory then
    grows with that parent, which the docs say.
    """

    cached_chunks = 3
    # A chunk of a big child table (100,000 parents' children) can hold a million rows or more:
    # the cache keeps the last chunks only while they fit this, and always the last one.
    cached_bytes = 256 << 20

    def __init__(self, spec: Spec, *, seed: int | None = None, scale: float = 1.0) -> None:
        self.spec = spec
        self.seed = spec.seed if seed is None else seed
        self.scale = scale
        self._generators: dict[str, TableGenerator] = {}
        self._chunks: OrderedDict[tuple, dict] = OrderedDict()
        self._whole: dict[tuple[str, str], np.ndarray] = {}
        self._sorted: dict[str, pd.DataFrame] = {}
        self._orders: dict[str, np.ndarray] = {}
        self._owners: dict[tuple[str, str], str | None] = {}
        self._indexes: dict[tuple, tuple] = {}

    def generator(self, table: str) -> TableGenerator:
        """The table's generator over this source (made once; parents' made as needed)."""
        from seed_assets.engine.table import TableGenerator

        if table not in self._generators:
            self._generators[table] = TableGenerator(
                self.spec, table, self, seed=self.seed, scale=self.scale
            )
        return self._generators[table]

    def row_count(self, table: str) -> int:
        generator = self.generator(table)
        if not generator.rows_as_planned:  # CHECKs drop rows: count what is kept
            return len(
                self._sorted_frame(
                    table, sort_key(generator.table)[:1] or [next(iter(generator.table.columns))]
                )
            )
        return generator.total_rows

    def _sliceable(self, generator) -> bool:
        """Rows come in key order, each chunk exactly as planned: slices by position."""
        return generator.in_key_order and generator.rows_as_planned

    def key_column(self, table: str) -> str | None:
        """The name of the table's in-order sequence key, if it has one."""
        generator = self.generator(table)
        column = sequence_key(generator.table, generator.total_rows)
        if column is None or not generator.rows_as_planned:
            return None
        return sort_key(generator.table)[0]

    def key_owner(self, table: str, column: str) -> str | None:
        """The table whose sequence key `column` of `table` holds, if any (see
        ``TableGenerator.key_owner``): such columns can be served as positions."""
        generator = self.generator(table)
        if not self._sliceable(generator):
            return None
        key = (table, column)
        if key not in self._owners:
            self._owners[key] = generator.key_owner(column)
        return self._owners[key]

    def keys_at(self, owner: str, positions: np.ndarray) -> np.ndarray:
        """The sequence keys of `owner` at `positions` (None where a position is -1)."""
        generator = self.generator(owner)
        column = generator.table.columns[sort_key(generator.table)[0]]
        missing = positions < 0
        if not missing.any():
            return values.sequence_values(column, positions)
        found = values.sequence_values(column, np.where(missing, 0, positions)).astype(object)
        found[missing] = None
        return found

    def rows(
        self,
        table: str,
        columns: list[str],
        start: int,
        stop: int,
        *,
        positions: Collection[str] = (),
    ) -> pd.DataFrame:
        """Rows [start, stop) of `table`; columns in `positions` (each with a ``key_owner``) as
        int64 key positions instead of keys."""
        generator = self.generator(table)
        if not self._sliceable(generator):
            if positions:
                raise ValueError(f"{table} is not made in key order: no key positions")
            return (
                self._sorted_frame(table, columns).iloc[start:stop][columns].reset_index(drop=True)
            )
        starts = generator.chunk_starts
        first = int(np.searchsorted(starts, start, side="right")) - 1
        parts = []
        index = max(first, 0)
        while index < len(generator.chunks) and (stop > start or not parts):
            chunk = generator.chunks[index]
            frame = self._chunk(table, index, tuple(columns), tuple(positions))
            lo = max(start - chunk.row_start, 0)
            hi = min(stop - chunk.row_start, chunk.rows)
            parts.append(frame.iloc[lo:hi])
            if chunk.row_start + chunk.rows >= stop:
                break
            index += 1
        if not parts:
            empty = generator.empty_frame([c for c in columns if c not in positions])
            for c in positions:
                empty[c] = np.zeros(0, dtype=np.int64)
            return empty[columns]
        out = parts[0] if len(parts) == 1 else pd.concat(parts)
        return out.reset_index(drop=True)

    def _chunk(self, table: str, index: int, columns: tuple, positions: tuple) -> pd.DataFrame:
        """A chunk's `columns` (those in `positions` as key positions), each regenerated once
        for every reader: the child's generator and each of its checks ask for different
        columns of the same parent chunk, some as keys and some as positions. A chunk is kept
        with every column asked of it so far, in each form asked (any subset of a chunk's
        columns equals the whole chunk's)."""
        key = (table, index)
        have: dict[tuple[str, bool], pd.Series] = self._chunks.get(key, {})
        wanted = [(c, c in positions) for c in columns]
        missing = [pair for pair in wanted if pair not in have]
        if missing:
            generator = self.generator(table)
            made = generator.chunk_frame(
                generator.chunks[index],
                columns=[c for c, _ in missing],
                positions=tuple(c for c, as_position in missing if as_position),
            )
            have = {**have, **{pair: made[pair[0]] for pair in missing}}
        self._chunks[key] = have
        self._chunks.move_to_end(key)
        while len(self._chunks) > 1 and (
            len(self._chunks) > self.cached_chunks or self._cached_bytes() > self.cached_bytes
        ):
            self._chunks.popitem(last=False)
        return pd.DataFrame({c: have[(c, p)] for c, p in wanted}, copy=False)

    def _cached_bytes(self) -> int:
        """About what the cached chunks hold (a str object counted as 64 bytes)."""
        return sum(
            len(series) * 72 if series.dtype == object else series.nbytes
            for columns in self._chunks.values()
            for series in columns.values()
        )

    def _sorted_frame(self, table: str, columns: list[str]) -> pd.DataFrame:
        """A parent not in key order by construction: the columns asked for, made whole and put
        in key order once (the order kept for columns asked for later), then kept."""
        generator = self.generator(table)
        have = self._sorted.get(table)
        missing = [c for c in columns if have is None or c not in have.columns]
        if missing:
            key = sort_key(generator.table)
            made = generator.frame([*dict.fromkeys([*key, *missing])])
            if table not in self._orders:
                ordered = canonical_parent(made.assign(_row=np.arange(len(made))), generator.table)
                self._orders[table] = ordered["_row"].to_numpy()
            part = made.iloc[self._orders[table]].reset_index(drop=True)
            if have is None:
                have = part
            else:
                have = pd.concat([have, part[[c for c in missing if c not in have]]], axis=1)
            self._sorted[table] = have
        return have

    def take(self, table: str, column: str, positions: np.ndarray) -> np.ndarray:
        generator = self.generator(table)
        if column == self.key_column(table):
            return values.sequence_values(generator.table.columns[column], positions)
        key = (table, column)
        if key not in self._whole:
            if self._sliceable(generator):
                parts = [f[column] for f in generator.frames(columns=[column])]
                frame = (
                    pd.DataFrame({column: pd.concat(parts, ignore_index=True)})
                    if parts
                    else (generator.empty_frame([column]))
                )
            else:
                frame = self._sorted_frame(table, [column])
            self._whole[key] = as_array(frame[column])
        return self._whole[key][positions]

    def locate(self, table: str, columns: list[str], values: list[np.ndarray]) -> np.ndarray:
        generator = self.generator(table)
        if len(columns) == 1 and columns[0] == self.key_column(table):
            return sequence_positions(
                generator.table.columns[columns[0]], values[0], generator.total_rows
            )

        def whole() -> pd.DataFrame:
            everything = np.arange(self.row_count(table))
            return pd.DataFrame({c: self.take(table, c, everything) for c in columns})

        return _indexed(self._indexes, table, columns, whole, values)

"""Fast key work for the integrity report: Arrow hash lookups instead of pandas isin/merge.

Each key column is converted to Arrow once (strings as large_string, so no 2 GiB offset limit);
lookups are ``pyarrow.compute.index_in`` (a hash table over the parent keys, probed by every
child row). Composite keys are reduced to one int64 code per row by dictionary-encoding each
column over parent and child together, so they take the same path.

Turning Python strings into Arrow is the dominant cost (about 1.5 s per 30M strings here), so a
child FK column that comes in runs of equal values (the driving FK, in parent order, as the
engine makes it and as the database returns it by primary key) is looked up run by run: one
``!=`` pass over the objects finds the runs, and only one value per run is converted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def to_arrow(series: pd.Series) -> pa.Array:
    """A column as one Arrow array; None, NaN and NaT become nulls."""
    array = pa.array(series, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_string(array.type) or pa.types.is_string_view(array.type):
        array = array.cast(pa.large_string())
    return array


class Runs:
    """A column as the Arrow values of its runs of equal values and each run's length
    (``lengths`` is None when the column was converted row by row)."""

    __slots__ = ("lengths", "n", "values")

    def __init__(self, values: pa.Array, lengths: np.ndarray | None) -> None:
        self.values = values
        self.lengths = lengths
        self.n = len(values) if lengths is None else int(lengths.sum())

    def expand(self, per_run: np.ndarray) -> np.ndarray:
        return per_run if self.lengths is None else np.repeat(per_run, self.lengths)

    @property
    def null_count(self) -> int:
        if self.lengths is None or self.values.null_count == 0:
            return self.values.null_count
        return int(self.lengths[null_mask(self.values)].sum())


def runs(series: pd.Series) -> Runs:
    """`series` as runs when that pays (object columns whose values repeat in runs), else as a
    plain Arrow array. A sample of the first rows decides, so unordered columns cost little."""
    values = series.to_numpy()
    n = len(values)
    if values.dtype != object or n < 1024:
        return Runs(to_arrow(series), None)
    head = values[:8192]
    if np.count_nonzero(head[1:] != head[:-1]) > len(head) // 4:
        return Runs(to_arrow(series), None)
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    if len(starts) > n // 4:
        return Runs(to_arrow(series), None)
    lengths = np.diff(np.append(starts, n))
    return Runs(to_arrow(pd.Series(values[starts], dtype=object)), lengths)


def null_mask(array: pa.Array) -> np.ndarray:
    if array.null_count == 0:
        return np.zeros(len(array), dtype=bool)
    return array.is_null().to_numpy(zero_copy_only=False)


def _common(child: pa.Array, parent: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Both sides in one type, or a TypeError naming the mismatch."""
    if child.type == parent.type:
        return child, parent
    for test in (pa.types.is_integer, pa.types.is_large_string, pa.types.is_timestamp):
        if test(child.type) and test(parent.type):
            target = pa.int64() if test is pa.types.is_integer else parent.type
            return child.cast(target), parent.cast(target)
    if pa.types.is_null(child.type):  # an all-null column: nothing to find
        return pa.nulls(len(child), parent.type), parent
    raise TypeError(f"values of type {child.type} cannot be looked up among {parent.type} keys")


def _codes(columns: list[list[pa.Array]]) -> list[np.ndarray]:
    """One int64 code per row for multi-column keys, equal codes iff equal keys.

    `columns[i]` holds column i of every side (parent, child, ...). Each column is
    dictionary-encoded over all sides together; codes are combined and, to keep them small,
    re-encoded after each step, so they never overflow however many columns a key has.
    """
    sizes = [len(side) for side in columns[0]]
    splits = np.cumsum(sizes)[:-1]
    combined: np.ndarray | None = None
    for sides in columns:
        first = sides[0]
        sides = [first, *(_common(s, first)[0] for s in sides[1:])]
        encoded = pc.dictionary_encode(pa.concat_arrays(sides))
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        width = len(encoded.dictionary) + 1
        if combined is None:
            combined = codes
            continue
        joined = combined * width + (codes + 1)
        recoded = pc.dictionary_encode(pa.array(joined)).indices
        combined = recoded.to_numpy(zero_copy_only=False).astype(np.int64)
    return np.split(combined, splits)


def lookup_runs(child: Runs, parent: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """`lookup` for a one-column key given as runs: one probe per run, expanded to rows."""
    positions, null = lookup([child.values], [parent])
    return child.expand(positions), child.expand(null)


def lookup(child: list[pa.Array], parent: list[pa.Array]) -> tuple[np.ndarray, np.ndarray]:
    """For each child row, the parent row its key matches (-1: none), and which are null.

    A row with any null key column references nothing (SQL's MATCH SIMPLE): it is null, not
    an orphan.
    """
    n = len(child[0])
    null = np.zeros(n, dtype=bool)
    for column in child:
        null |= null_mask(column)
    if len(child) == 1:
        values, keys = _common(child[0], parent[0])
    else:
        parent_codes, child_codes = _codes([[p, c] for p, c in zip(parent, child, strict=True)])
        values, keys = pa.array(child_codes), pa.array(parent_codes)
    found = pc.index_in(values, value_set=keys)
    positions = pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    positions[null] = -1
    return positions, null


def increasing_objects(values: np.ndarray) -> bool:
    """Whether an object array is strictly increasing (so holds no repeats): one comparison
    pass, no conversion. False when it is not, or when its values do not compare (None)."""
    if len(values) < 2:
        return True
    try:
        return bool(np.all(values[1:] > values[:-1]))
    except TypeError:
        return False


def repeated_rows(columns: list[pa.Array]) -> np.ndarray:
    """Rows whose (non-null) key already appeared in an earlier row, in row order."""
    n = len(columns[0])
    null = np.zeros(n, dtype=bool)
    for column in columns:
        null |= null_mask(column)
    if len(columns) == 1:
        key = columns[0]
        if not null.any() and n > 1 and _strictly_increasing(key):
            return np.zeros(0, dtype=np.int64)  # the usual case: a sequence, in order
        codes = pc.dictionary_encode(key).indices
        codes = pc.fill_null(codes, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    else:
        codes = _codes([[c] for c in columns])[0]
        if not null.any() and n > 1 and bool(np.all(codes[1:] > codes[:-1])):
            return np.zeros(0, dtype=np.int64)
    return first_seen_repeats(codes, null)


def first_seen_repeats(codes: np.ndarray, skip: np.ndarray) -> np.ndarray:
    """Rows whose code is not new. Codes are numbered in order of first appearance (as
    dictionary encoding numbers them), so a row is new exactly when its code exceeds every
    code before it."""
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64)
    masked = np.where(skip, -1, codes)
    before = np.maximum.accumulate(np.concatenate(([-1], masked[:-1])))
    return np.flatnonzero((masked <= before) & ~skip)


def _strictly_increasing(array: pa.Array) -> bool:
    if len(array) < 2:
        return True
    later = pc.greater(array.slice(1), array.slice(0, len(array) - 1))
    return bool(pc.all(later).as_py())


def repeated_text_rows(parts: list[pa.Array]) -> np.ndarray:
    """``repeated_rows`` for one text column given in parts (a streamed check's chunks), in
    bounded memory: each part's values hashed to 64 bits (Python's string hash, one part's
    objects at a time), the hashes sorted, and only rows sharing a hash compared by value.

    Dictionary-encoding the whole column instead (a hash table holding every distinct string
    once more, then its dictionary) took about 420 MB for 2.4M unordered e-mails."""
    sizes = [len(part) for part in parts]
    n = sum(sizes)
    hashes = np.empty(n, dtype=np.int64)
    null = np.zeros(n, dtype=bool)
    at = 0
    for part, size in zip(parts, sizes, strict=True):
        values = part.to_numpy(zero_copy_only=False)
        hashes[at : at + size] = np.fromiter(map(hash, values), dtype=np.int64, count=size)
        null[at : at + size] = null_mask(part)
        at += size
    rows = np.flatnonzero(~null)
    order = rows[np.argsort(hashes[rows], kind="stable")]  # equal hashes keep row order
    del rows
    ordered = hashes[order]
    shared = np.flatnonzero(ordered[1:] == ordered[:-1])
    if not len(shared):
        return np.zeros(0, dtype=np.int64)
    candidates = np.unique(np.concatenate([order[shared], order[shared + 1]]))
    starts = np.cumsum(sizes) - np.asarray(sizes)
    which = np.searchsorted(starts, candidates, side="right") - 1
    seen: set = set()
    repeats = []
    for row, part in zip(candidates, which, strict=True):  # row order: a repeat follows
        value = parts[part][int(row - starts[part])].as_py()
        if value in seen:
            repeats.append(row)
        seen.add(value)
    return np.asarray(repeats, dtype=np.int64)

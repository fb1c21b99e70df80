"""Parent values at the rows a chunk references, for the checks (``engine.parents.gather``'s
contract), taken before they are converted: a check often reads a few rows out of a slice of
parent rows (the Pandera/GX sample keeps every k-th child), and turning a whole slice of Arrow
text into Python objects cost more than the rest of the checks together."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from seed_assets.engine.parents import ParentSource, with_missing
from seed_assets.engine.parents import gather as gather_scattered

# As ``engine.parents.gather``: positions spread wider than this are taken from whole columns.
_SLICE_SPAN = 200_000
# Text columns of at most _FEW distinct values among their first _HEAD rows are converted once
# per distinct value.
_HEAD, _FEW = 4096, 64


def _slice_bounds(positions: np.ndarray, valid: np.ndarray) -> tuple[int, int] | None:
    found = positions[valid]
    lo, hi = int(found.min()), int(found.max())
    return (lo, hi) if hi - lo < max(4 * len(found), _SLICE_SPAN) else None


def gather(
    source: ParentSource, table: str, columns: list[str], positions: np.ndarray
) -> dict[str, np.ndarray]:
    """`columns` of `table` at `positions` (-1: none, giving null), as the engine's gather
    gives them (text as objects), only the rows asked for converted."""
    valid = positions >= 0
    bounds = _slice_bounds(positions, valid) if valid.any() else None
    if bounds is None:
        return gather_scattered(source, table, columns, positions)
    lo, hi = bounds
    local = np.where(valid, positions - lo, 0)
    out = {}
    if len(local) < hi + 1 - lo:  # a few rows (a sample): keys written for them alone
        out = _keys_at(source, table, columns, lo, hi, local)
    rest = [c for c in columns if c not in out]
    frame = source.rows(table, rest, lo, hi + 1) if rest else None
    if frame is None:
        pass
    elif len(local) < len(frame):  # a few rows (a sample): taken, then converted
        out.update({c: _values(frame[c].take(local)) for c in rest})
    else:  # children of these parents, each parent read again and again: converted, then taken
        out.update({c: _values(frame[c])[local] for c in rest})
    out = {c: out[c] for c in columns}
    if not valid.all():
        out = {c: with_missing(v, ~valid) for c, v in out.items()}
    return out


def _keys_at(source, table: str, columns: list[str], lo: int, hi: int, local: np.ndarray) -> dict:
    """The columns of `columns` holding a sequence key (``RegeneratedParents.key_owner``) at
    rows `lo + local`, written from their key positions for those rows only (as
    ``chunk_parents`` does for the engine), instead of the text of the whole slice; a column
    with a null among them is left to the slice's text."""
    key_owner = getattr(source, "key_owner", None)
    owners = {c: key_owner(table, c) for c in columns} if key_owner is not None else {}
    keyed = [c for c, owner in owners.items() if owner is not None]
    if not keyed:
        return {}
    slice_ = source.rows(table, keyed, lo, hi + 1, positions=keyed)
    out = {}
    for c in keyed:
        at = np.asarray(slice_[c].to_numpy(), dtype=np.int64)[local]
        if (at >= 0).all():
            out[c] = _values(pd.Series(source.keys_at(owners[c], at), copy=False))
    return out


def gather_arrow(
    source: ParentSource, table: str, column: str, positions: np.ndarray
) -> pa.Array | None:
    """`column` of `table` at `positions` (all valid) as Arrow, or None when the positions are
    scattered (no slice to take from)."""
    if not len(positions):
        return None
    bounds = _slice_bounds(positions, np.ones(len(positions), dtype=bool))
    if bounds is None:
        return None
    lo, hi = bounds
    frame = source.rows(table, [column], lo, hi + 1)
    return as_arrow(frame[column]).take(pa.array(positions - lo))


def gather_positions(source, table: str, column: str, positions: np.ndarray) -> np.ndarray | None:
    """`column` of `table` at `positions` (all valid) as row positions in the table whose
    sequence key it holds (``RegeneratedParents.rows(positions=...)``; negative: null), or
    None when the positions are scattered."""
    bounds = _slice_bounds(positions, np.ones(len(positions), dtype=bool))
    if bounds is None:
        return None
    lo, hi = bounds
    frame = source.rows(table, [column], lo, hi + 1, positions=[column])
    return np.asarray(frame[column].to_numpy(), dtype=np.int64)[positions - lo]


def as_arrow(series: pd.Series) -> pa.Array:
    """A column as one Arrow array (free for the engine's Arrow-backed text)."""
    array = pa.array(series, from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _values(series: pd.Series) -> np.ndarray:
    """As ``engine.parents`` converts a column (text as objects), text converted once."""
    if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        return few_texts(series) if len(series) > _HEAD else series.to_numpy(dtype=object)
    array = series.to_numpy()
    if array.dtype == object:
        return series.to_numpy(dtype=object)
    if isinstance(series.dtype, pd.api.extensions.ExtensionDtype):
        return series.to_numpy(dtype=object, na_value=None)
    return array


def few_texts(series: pd.Series) -> np.ndarray:
    """Arrow text as objects; a column of a few distinct values (a choice: segments, account
    types) as one Python object per distinct value, shared, instead of one per row: the
    same values as ``series.to_numpy(dtype=object)``."""
    if series.dtype == object:
        return series.to_numpy(dtype=object)
    array = as_arrow(series)
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return series.to_numpy(dtype=object)
    if pc.count_distinct(array.slice(0, _HEAD)).as_py() > _FEW:
        return series.to_numpy(dtype=object)
    encoded = pc.dictionary_encode(array)
    if len(encoded.dictionary) > 4 * _FEW:
        return series.to_numpy(dtype=object)
    texts = np.append(encoded.dictionary.to_numpy(zero_copy_only=False), series.dtype.na_value)
    codes = pc.fill_null(encoded.indices, len(encoded.dictionary))
    return texts[codes.to_numpy(zero_copy_only=False)]

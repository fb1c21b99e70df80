"""The engine's text columns: Arrow strings (pandas' ``str`` dtype), never a Python str per value.

Keys, pooled values and choices are written straight into Arrow buffers or taken from a small
Arrow array, so a chunk of millions of rows makes no Python objects. Missing values are NaN, as
in pandas' own ``str`` dtype (``pd.isna`` finds them; ``to_numpy(dtype=object,
na_value=None)`` gives None).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# pandas' default string dtype (pandas >= 3): Arrow storage, NaN for missing, NumPy-style
# results (comparisons give bool arrays).
TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)
TextArray = pd.arrays.ArrowStringArray


def is_text(array) -> bool:
    """Whether `array` is already the engine's text array."""
    return isinstance(array, TextArray) and array.dtype == TEXT_DTYPE


def text_array(values) -> TextArray:
    """Text from anything: a text array as is, an Arrow array, or a sequence of str/None/NaN."""
    if is_text(values):
        return values
    if isinstance(values, pa.ChunkedArray | pa.Array):
        if not pa.types.is_large_string(values.type):
            values = values.cast(pa.large_string())
        return TextArray(values, dtype=TEXT_DTYPE)
    try:  # str and None/NaN: straight into Arrow
        return text_array(pa.array(values, type=pa.large_string(), from_pandas=True))
    except (pa.ArrowException, TypeError):  # other objects: pandas turns them into str
        return pd.array(np.asarray(values, dtype=object), dtype=TEXT_DTYPE)


def as_objects(values):
    """Text as an object array of str and None (what code written for Python values reads);
    anything else as it is."""
    return values.to_numpy(dtype=object, na_value=None) if is_text(values) else values


def as_array(values):
    """Text as it is, anything else as a NumPy array."""
    return values if is_text(values) else np.asarray(values)


def fixed_width_text(rows: np.ndarray) -> TextArray:
    """A (rows, width) uint8 array of UTF-8, each row one value, as text: the bytes are the
    Arrow data buffer as they are (no copy when contiguous), the offsets computed."""
    n, width = rows.shape
    if not n:
        return text_array([])
    data = np.ascontiguousarray(rows).reshape(-1)
    offsets = np.arange(0, width * (n + 1), width, dtype=np.int64) if width else np.zeros(n + 1)
    offsets = offsets.astype(np.int64, copy=False)
    array = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
    return TextArray(array, dtype=TEXT_DTYPE)


def concat_text(parts) -> TextArray:
    """Text arrays one after the other."""
    return text_array(pa.concat_arrays([arrow(p) for p in parts]))


def arrow(values: TextArray) -> pa.Array:
    """The Arrow array under a text array (one chunk)."""
    array = pa.array(values)  # pandas hands over its Arrow data, no copy
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def repeat_text(value, n: int) -> TextArray:
    """`n` copies of one value (None: missing)."""
    return text_array(pa.repeat(pa.scalar(value, pa.large_string()), n))


def null_text(n: int) -> TextArray:
    return repeat_text(None, n)


def text_with_nulls(values: TextArray, mask: np.ndarray) -> TextArray:
    """`values` missing where `mask` is true."""
    if not mask.any():
        return values
    return text_array(pc.if_else(pa.array(mask), pa.scalar(None, pa.large_string()), arrow(values)))


def put_text(values, mask: np.ndarray, new) -> TextArray:
    """`values` with the rows `mask` marks replaced by `new` (one value per marked row)."""
    base, fill = arrow(text_array(values)), arrow(text_array(new))
    # one gather from both, about twice as fast as pyarrow's replace_with_mask
    index = np.arange(len(base), dtype=np.int64)
    index[mask] = len(base) + np.arange(len(fill), dtype=np.int64)
    return text_array(pa.concat_arrays([base, fill]).take(pa.array(index)))


def join_text(*parts) -> TextArray:
    """Row by row concatenation of text arrays and str scalars (the same length)."""
    arrays = [arrow(p) if is_text(p) else pa.scalar(p, pa.large_string()) for p in parts]
    return text_array(pc.binary_join_element_wise(*arrays, pa.scalar("", pa.large_string())))

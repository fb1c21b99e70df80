"""A column kept between tables in four bytes a row where its values allow it, given back exact.

The chunks written early in a run keep the columns their children read (``RegeneratedParents
.offer``): banking's transactions keep a timestamp and an amount, 16 bytes a row. Most such
values fit 32 bits without loss: timestamps a few decades apart are int32 offsets from the
chunk's first; amounts of cents are int32 numbers of cents, restored to the very same float64
(each one checked, bit for bit). Anything else is kept as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

_INT32 = np.iinfo(np.int32)


@dataclass(frozen=True)
class Packed:
    """One column: `data` (int32, or the values themselves) and how to restore it."""

    data: np.ndarray | pd.api.extensions.ExtensionArray
    dtype: np.dtype | None = None  # None: `data` is the column as it was
    base: int = 0  # datetimes: the offset's origin, in the dtype's unit
    cents: bool = False  # floats: `data` is the value times 100

    @property
    def nbytes(self) -> int:
        return int(self.data.nbytes)

    def series(self, name: str) -> pd.Series:
        """The column as it was: same dtype, same values, a fresh RangeIndex."""
        if self.dtype is None:
            return pd.Series(self.data, name=name, copy=False)
        if self.cents:
            values = self.data / 100.0
        else:
            values = self.data.astype(np.int64)
            values += self.base
            values = values.view(self.dtype)
        return pd.Series(values, name=name, copy=False)


def pack(series: pd.Series) -> Packed:
    """`series` in fewer bytes when that loses nothing, else as it is."""
    array = series.array if isinstance(series.dtype, pd.api.extensions.ExtensionDtype) else None
    if array is not None or not len(series):
        return Packed(series.array if array is not None else series.to_numpy())
    values = series.to_numpy()
    if values.dtype.kind == "M":
        return _pack_times(values)
    if values.dtype == np.float64:
        return _pack_cents(values)
    return Packed(values)


def _pack_times(values: np.ndarray) -> Packed:
    ticks = values.view(np.int64)
    if np.isnat(values).any():
        return Packed(values)
    low, high = int(ticks.min()), int(ticks.max())
    if high - low > _INT32.max:
        return Packed(values)
    return Packed((ticks - low).astype(np.int32), values.dtype, base=low)


def _pack_cents(values: np.ndarray) -> Packed:
    with np.errstate(invalid="ignore", over="ignore"):
        cents = np.rint(values * 100.0)
        if not (np.abs(cents) <= _INT32.max).all():  # NaN and inf fail too
            return Packed(values)
        packed = cents.astype(np.int32)
    # -0.0 or a value not exactly n/100 would come back different: keep those as they are
    if not np.array_equal((packed / 100.0).view(np.int64), values.view(np.int64)):
        return Packed(values)
    return Packed(packed, values.dtype, cents=True)

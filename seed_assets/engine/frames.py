"""Canonical pandas dtypes per column type, so frames compare equal whatever made them."""

from __future__ import annotations

import json
import uuid

import numpy as np
import pandas as pd

from seed_assets.engine.text import is_text, text_array, text_with_nulls
from seed_assets.spec.models import INTEGER_TYPES, TEXT_TYPES, ColumnSpec, TableSpec

DATE_UNIT = {"date": "D", "timestamp": "s", "timestamptz": "s"}


def as_series(array, column: ColumnSpec, *, copy: bool = True) -> pd.Series:
    """Text as ``TEXT_DTYPE`` (Arrow strings), nullable ints as Int64, booleans as
    bool/boolean, dates as [s].

    With ``copy=False`` the series may share memory with `array`: for callers that made the
    array themselves and hand it over (the engine's chunks), saving a copy per column.
    """
    kind = column.type
    if isinstance(array, pd.Series):
        if isinstance(array.dtype, pd.DatetimeTZDtype):  # timestamptz read back: UTC, naive
            array = array.dt.tz_convert("UTC").dt.tz_localize(None)
        if is_text(array.array):
            array = array.array
        else:
            array = array.to_numpy(dtype=object) if _is_text(array) else array.to_numpy()
    if kind in TEXT_TYPES:
        if not is_text(array):
            array = np.asarray(array, dtype=object)
            if kind in ("uuid", "json"):
                array = _as_text(array, kind)
            array = text_array(array)
        return pd.Series(array.copy() if copy else array, copy=False)
    if kind in INTEGER_TYPES:
        if array.dtype == object or array.dtype.kind == "f":
            series = pd.Series(array, dtype="Int64")
            return series if series.isna().any() else series.astype(np.int64)
        return pd.Series(array.astype(np.int64, copy=False), copy=copy)
    if kind == "boolean":
        if array.dtype == object or array.dtype.kind == "f":
            series = pd.Series(array, dtype="boolean")
            return series if series.isna().any() else series.astype(bool)
        return pd.Series(array.astype(bool, copy=False), copy=copy)
    if kind in DATE_UNIT:
        if array.dtype == object or array.dtype.kind in "US":
            parsed = pd.to_datetime(pd.Series(array), format="ISO8601", utc=kind == "timestamptz")
            if isinstance(parsed.dtype, pd.DatetimeTZDtype):
                parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
            array = parsed.to_numpy()
        return pd.Series(np.asarray(array).astype("datetime64[s]", copy=False), copy=copy)
    return pd.Series(np.asarray(array, dtype=np.float64), copy=copy)


def _as_text(array: np.ndarray, kind: str) -> np.ndarray:
    """Values a driver returns for uuid (UUID objects) and json (dicts, lists) as the engine's
    text: the 36-character UUID, compact JSON with sorted keys."""
    out = array.copy()
    for i, value in enumerate(out):
        if isinstance(value, uuid.UUID):
            out[i] = str(value)
        elif kind == "json" and isinstance(value, dict | list | int | float | bool):
            out[i] = json.dumps(value, separators=(",", ":"), sort_keys=True)
        elif isinstance(value, bytes):
            out[i] = value.decode()
    return out


def canonical_frame(frame: pd.DataFrame, table: TableSpec) -> pd.DataFrame:
    """A frame read from anywhere (a database, Parquet) with the engine's dtypes."""
    return pd.DataFrame(
        {name: as_series(frame[name], table.columns[name]) for name in frame.columns},
        index=pd.RangeIndex(len(frame)),
    )


def _is_text(series: pd.Series) -> bool:
    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype)


def null_mask(array: np.ndarray) -> np.ndarray:
    """Which values of an engine array are null (NaT, NaN, None/NA); none in integer arrays."""
    if array.dtype.kind == "M":
        return np.isnat(array)
    if array.dtype.kind == "f":
        return np.isnan(array)
    if array.dtype == object or is_text(array):
        return np.asarray(pd.isna(array), dtype=bool)
    return np.zeros(len(array), dtype=bool)


def with_nulls(array: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`array` with the rows `mask` marks null (NaT, NaN or None, as its dtype allows)."""
    if not mask.any():
        return array
    if is_text(array):
        return text_with_nulls(array, mask)
    if array.dtype.kind == "M":
        out = array.copy()
        out[mask] = np.datetime64("NaT")
        return out
    if array.dtype.kind == "f":
        return np.where(mask, np.nan, array)
    out = array.astype(object)
    out[mask] = None
    return out

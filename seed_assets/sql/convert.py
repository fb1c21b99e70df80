"""Frames -> the Python values a DB-API driver takes, column by column (no per-cell pandas)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seed_assets.spec.models import INTEGER_TYPES, STRING_TYPES, TableSpec


def column_values(series: pd.Series, column_type: str) -> list:
    """One column as a list of str/int/float/bool/None; dates as ISO text."""
    if column_type in STRING_TYPES:
        return series.to_numpy(dtype=object).tolist()
    if column_type in ("date", "timestamp"):
        array = series.to_numpy().astype("datetime64[s]")
        unit = "D" if column_type == "date" else "s"
        text = np.datetime_as_string(array, unit=unit).astype(object)
        if column_type == "timestamp":
            text = np.char.replace(text.astype(str), "T", " ").astype(object)
        text[np.isnat(array)] = None
        return text.tolist()
    if series.hasnans:
        return series.astype(object).where(series.notna(), None).tolist()
    if column_type in INTEGER_TYPES:
        return series.to_numpy(dtype=np.int64).tolist()
    if column_type == "boolean":
        return series.to_numpy(dtype=bool).tolist()
    return series.to_numpy(dtype=np.float64).tolist()


def row_tuples(frame: pd.DataFrame, table: TableSpec) -> list[tuple]:
    columns = [column_values(frame[name], table.columns[name].type) for name in frame.columns]
    return list(zip(*columns, strict=True))

"""Frames -> the Python values a DB-API driver takes, column by column (no per-cell pandas)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seed_assets.spec.models import INTEGER_TYPES, TEMPORAL_TYPES, TEXT_TYPES, TableSpec


def column_values(series: pd.Series, column_type: str) -> list:
    """One column as a list of str/int/float/bool/None; dates as ISO text (timestamptz: UTC)."""
    if column_type in TEXT_TYPES:
        return series.to_numpy(dtype=object, na_value=None).tolist()  # Arrow text: NaN -> None
    if column_type in TEMPORAL_TYPES:
        return _iso_text(series.to_numpy().astype("datetime64[s]"), column_type).tolist()
    if series.hasnans:
        return series.astype(object).where(series.notna(), None).tolist()
    if column_type in INTEGER_TYPES:
        return series.to_numpy(dtype=np.int64).tolist()
    if column_type == "boolean":
        return series.to_numpy(dtype=bool).tolist()
    return series.to_numpy(dtype=np.float64).tolist()


def _iso_text(array: np.ndarray, column_type: str) -> np.ndarray:
    """``YYYY-MM-DD`` (dates) or ``YYYY-MM-DD HH:MM:SS`` (timestamps) per value, None for NaT.

    Dates span few distinct days, so each day's text is made once and shared by its rows.
    """
    missing = np.isnat(array)
    if column_type == "date":
        days = array.astype("datetime64[D]").view(np.int64)
        present = days[~missing]
        if len(present) and int(present.max()) - int(present.min()) < len(days):
            first = int(present.min())
            span = np.arange(first, int(present.max()) + 1).astype("datetime64[D]")
            labels = np.datetime_as_string(span, unit="D").astype(object)
            text = labels[np.where(missing, first, days) - first]
        else:
            text = np.datetime_as_string(array, unit="D").astype(object)
    else:
        iso = np.datetime_as_string(array, unit="s")  # YYYY-MM-DDTHH:MM:SS
        chars = iso.view(np.uint32)  # the code points: the only T is the separator
        chars[chars == ord("T")] = ord(" ")
        text = iso.astype(object)
    text[missing] = None
    return text


def row_tuples(frame: pd.DataFrame, table: TableSpec) -> list[tuple]:
    columns = [column_values(frame[name], table.columns[name].type) for name in frame.columns]
    return list(zip(*columns, strict=True))


class EncodedRows:
    """A batch already encoded as DB-API row tuples (by a worker process): halved by slicing,
    never encoded again; made a DataFrame only to report a refused row."""

    def __init__(self, columns: list[str], rows: list[tuple]) -> None:
        self.columns = columns
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def iloc(self) -> _Slicer:
        return _Slicer(self)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(self.rows, columns=self.columns)


class _Slicer:
    def __init__(self, batch: EncodedRows) -> None:
        self.batch = batch

    def __getitem__(self, part: slice) -> EncodedRows:
        return EncodedRows(self.batch.columns, self.batch.rows[part])

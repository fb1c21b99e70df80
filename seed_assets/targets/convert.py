"""Frames -> the Python values a DB-API driver takes, column by column (no per-cell pandas)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from seed_assets.spec.models import INTEGER_TYPES, TEMPORAL_TYPES, TEXT_TYPES, TableSpec


def column_values(series: pd.Series, column_type: str, *, shared: bool = False) -> list:
    """One column as a list of str/int/float/bool/None; dates as ISO text (timestamptz: UTC).

    `shared`: text that repeats (a key of few parents, a category) as one ``str`` per distinct
    value, shared by its rows, so marshal writes each once and the loader unmarshals it once.
    """
    if column_type in TEXT_TYPES:
        if shared and _repeats(series):
            codes, uniques = pd.factorize(series)  # Arrow's dictionary encoding: no str per row
            pool = np.empty(len(uniques) + 1, dtype=object)  # code -1 (missing): the last, None
            pool[:-1] = uniques.to_numpy(dtype=object)
            return pool[codes].tolist()
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


def _repeats(series: pd.Series, sample: int = 1024) -> bool:
    """Whether the first rows repeat enough values to be worth sharing (an id column does not)."""
    head = series.iloc[:sample]
    return len(head) > 1 and head.nunique(dropna=False) <= len(head) // 2


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


class Columns:
    """A batch as DB-API values column by column (text shared, see ``column_values``): a
    driver takes ``rows()``, one row tuple at a time, so no list of tuples is ever built."""

    __slots__ = ("values",)

    def __init__(self, values: list[list]) -> None:
        self.values = values

    @classmethod
    def of(cls, frame: pd.DataFrame, table: TableSpec) -> Columns:
        return cls([column_values(frame[n], table.columns[n].type, shared=True) for n in frame])

    def __len__(self) -> int:
        return len(self.values[0]) if self.values else 0

    def __getitem__(self, part: slice) -> Columns:
        return Columns([column[part] for column in self.values])

    def rows(self) -> Iterator[tuple]:
        return zip(*self.values, strict=True)


class EncodedRows:
    """A batch already encoded (by a worker process) as row tuples or ``Columns``: halved by
    slicing, never encoded again; made a DataFrame only to report a refused row."""

    def __init__(self, columns: list[str], rows: list[tuple] | Columns) -> None:
        self.columns = columns
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def iloc(self) -> _Slicer:
        return _Slicer(self)

    def to_frame(self) -> pd.DataFrame:
        if isinstance(self.rows, Columns):
            return pd.DataFrame(dict(zip(self.columns, self.rows.values, strict=True)))
        return pd.DataFrame.from_records(self.rows, columns=self.columns)


class _Slicer:
    def __init__(self, batch: EncodedRows) -> None:
        self.batch = batch

    def __getitem__(self, part: slice) -> EncodedRows:
        return EncodedRows(self.batch.columns, self.batch.rows[part])

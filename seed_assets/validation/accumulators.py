"""What the streamed checks keep between chunks: parent lookups, children per parent, failing
rows to show, and whether a key repeats across chunks."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from seed_assets.engine.keys import sequence_positions, simple_format
from seed_assets.engine.parents import ParentSource
from seed_assets.validation.gathered import as_arrow
from seed_assets.validation.keys import repeated_rows, repeated_text_rows, to_arrow
from seed_assets.validation.results import SAMPLE_ROWS as SHOWN_ROWS
from seed_assets.validation.results import (
    json_value,
    sample_rows,
)

# -- parent access ------------------------------------------------------------------------------


def _runs(array: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """Run heads and lengths of a column whose values repeat in runs (children of one parent,
    in parent order), when that pays; else None. Compared in Arrow: no Python object per row
    (a null ends a run: runs hold equal, non-null values or one null)."""
    n = len(array)
    if n < 1024 or not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    head = array.slice(0, 8192)
    changes = pc.fill_null(pc.not_equal(head.slice(1), head.slice(0, len(head) - 1)), True)
    if pc.sum(changes).as_py() > len(head) // 4:
        return None
    changed = pc.fill_null(pc.not_equal(array.slice(1), array.slice(0, n - 1)), True)
    starts = np.flatnonzero(np.concatenate(([True], changed.to_numpy(zero_copy_only=False))))
    if len(starts) > n // 4:
        return None
    return starts, np.diff(np.append(starts, n))


def locate(
    source: ParentSource, table: str, columns: list[str], found: list[pd.Series]
) -> tuple[np.ndarray, np.ndarray]:
    """Parent row of each child key (-1: none) and which child keys are null (never orphans).
    A text key in runs (a driving FK) is looked up once per run. A parent's sequence key is
    parsed from its text in Arrow (``sequence_positions``); other keys' values are made objects
    (only the runs' heads, when in runs)."""
    n = len(found[0])
    null = np.zeros(n, dtype=bool)
    for series in found:
        null |= series.isna().to_numpy(dtype=bool)
    if n == 0:
        return np.zeros(0, dtype=np.int64), null
    in_arrow = len(found) == 1 and source.locates_arithmetically(table, columns)
    first = as_arrow(found[0])
    runs = _runs(first) if len(found) == 1 else None
    if runs is not None:
        starts, lengths = runs
        if in_arrow:
            heads = first.take(pa.array(starts))
        else:
            heads = found[0].iloc[starts].to_numpy(dtype=object)
        heads = source.locate(table, columns, [heads])
        positions = np.repeat(np.asarray(heads, dtype=np.int64), lengths)
    else:
        values = [first] if in_arrow else [series.to_numpy(dtype=object) for series in found]
        positions = np.asarray(source.locate(table, columns, values), dtype=np.int64)
    positions[null] = -1
    return positions, null


# -- accumulators ------------------------------------------------------------------------------


# Parents' counts added at once by ``ParentCounts.add_at``: its temporary copies stay small.
ADD_BLOCK = 1 << 20


class ParentCounts:
    """Children per parent row, counted chunk by chunk in the smallest integers that hold them."""

    def __init__(self, n_parents: int) -> None:
        self.counts = np.zeros(n_parents, dtype=np.uint8)

    def add(self, positions: np.ndarray) -> None:
        found = positions[positions >= 0]
        if not len(found):
            return
        lo, hi = int(found.min()), int(found.max())
        if hi - lo < 4 * len(found):
            extra = np.bincount(found - lo, minlength=hi - lo + 1)
            where: slice | np.ndarray = slice(lo, hi + 1)
        else:  # scattered (a reference FK): count the distinct parents only
            where, extra = np.unique(found, return_counts=True)
        self._put(where, self.counts[where].astype(np.int64) + extra)

    def add_at(self, start: int, counts: np.ndarray) -> None:
        """Add `counts`, children of the parents from row `start` on (a partition's), a block
        at a time: an 8-byte copy of 70M transactions' counts took 566 MB."""
        for at in range(0, len(counts), ADD_BLOCK):
            part = counts[at : at + ADD_BLOCK]
            where = slice(start + at, start + at + len(part))
            self._put(where, self.counts[where].astype(np.int64) + part)

    def _put(self, where, total: np.ndarray) -> None:
        if len(total) and total.max() > np.iinfo(self.counts.dtype).max:
            self.counts = self.counts.astype(np.int64)
        self.counts[where] = total


@dataclass
class Samples:
    """Up to SHOWN_ROWS failing rows (as JSON) for one rule."""

    rows: list[dict] = field(default_factory=list)

    def full(self) -> bool:
        return len(self.rows) >= SHOWN_ROWS

    def add(self, frame: pd.DataFrame, local: np.ndarray, offset: int, extra=None) -> list[dict]:
        if self.full() or not len(local):
            return []
        take = list(local[: SHOWN_ROWS - len(self.rows)])
        made = sample_rows(frame.iloc[take].reset_index(drop=True), range(len(take)), extra=extra)
        for record, row in zip(made, take, strict=True):
            record["row"] = int(row) + offset
        self.rows += made
        return made


class KeyTracker:
    """Whether a unique key repeats across all chunks.

    A key whose chunks come strictly increasing, each above the last (a sequence, as the engine
    and a primary-key ordered read give it) needs no memory: nothing can repeat. A sequence
    whose text stops sorting as its numbers (``CUST{:06d}`` past 999,999) is followed by its
    numbers instead (`numbers`: values -> sequence positions, -1 for none). Otherwise its values
    are kept (Arrow) and compared at the end. A key that was ordered and stops being so cannot
    be compared with the rows already passed: its later rows that fall within their range
    count as repeats (the check fails: the data was not in key order).
    """

    def __init__(self, key: list[str], numbers=None) -> None:
        self.key = key
        self.numbers = numbers if len(key) == 1 else None
        self.mode: str | None = None  # ordered (by value), numbered, broken, exact
        self.first = self.last = None
        self.kept: list[list[pa.Array]] = []
        self.offsets: list[int] = []
        self.out_of_order: list[np.ndarray] = []
        self.shown: dict[int, dict] = {}

    def _follows(self, values: np.ndarray) -> bool:
        """Whether `values` are strictly increasing and above every key before them."""
        return _increasing(values) and (self.last is None or values[0] > self.last)

    def add(self, frame: pd.DataFrame, offset: int) -> None:
        if not len(frame):
            return
        if self.mode in (None, "ordered", "numbered"):
            if self.mode != "numbered" and self._follows_arrow(frame[self.key[0]]):
                return
            values = frame[self.key[0]].to_numpy()
            text = len(self.key) == 1 and values.dtype == object
            if self.mode != "numbered" and text and self._follows(values):
                self.first = values[0] if self.first is None else self.first
                self.last = values[-1]
                self.mode = "ordered"
                return
            if self.numbers is not None and self._by_numbers(values):
                return
            # Rows before these were in key order: only their range is known.
            self.mode = "broken" if self.mode in ("ordered", "numbered") else "exact"
        if self.mode == "broken":
            values = frame[self.key[0]].to_numpy(dtype=object)
            inside = np.zeros(len(values), dtype=bool)
            present = ~pd.isna(values)
            if self.numbers is not None and isinstance(self.first, (int, np.integer)):
                numbers = self.numbers(values)  # a value that is no key repeats none
                inside = (numbers >= 0) & (numbers >= self.first) & (numbers <= self.last)
            else:
                try:
                    inside[present] = (values[present] >= self.first) & (
                        values[present] <= self.last
                    )
                except TypeError:  # values that do not compare with the keys before them
                    inside[present] = True
            rows = np.flatnonzero(inside)
            self.out_of_order.append(rows + offset)
            self._show(frame, rows, offset)
        self.kept.append([to_arrow(frame[c]) for c in self.key])
        self.offsets.append(offset)

    def _follows_arrow(self, series: pd.Series) -> bool:
        """``_follows`` for Arrow-backed text, compared in Arrow (no Python object per row);
        False when it is not such a column, or does not follow (the object path decides)."""
        if len(self.key) != 1 or series.dtype == object:
            return False
        if not pd.api.types.is_string_dtype(series.dtype):
            return False
        array = as_arrow(series)
        n = len(array)
        # The engine's text is large_string: taking only string sent every chunk to objects.
        if array.null_count or not (
            pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
        ):
            return False
        if n > 1 and not pc.all(pc.greater(array.slice(1), array.slice(0, n - 1))).as_py():
            return False
        first, last = array[0].as_py(), array[n - 1].as_py()
        if self.last is not None and not first > self.last:
            return False
        self.first = first if self.first is None else self.first
        self.last = last
        self.mode = "ordered"
        return True

    def _by_numbers(self, values: np.ndarray) -> bool:
        """Follow the key by its sequence numbers from here on, if they are in order."""
        if self.mode == "ordered":  # the range so far, as numbers
            bounds = self.numbers(np.array([self.first, self.last], dtype=object))
            if (bounds < 0).any():
                return False
            self.first, self.last = int(bounds[0]), int(bounds[1])
            self.mode = "numbered"
        numbers = self.numbers(values)
        if (numbers < 0).any() or not self._follows(numbers):
            return False
        self.first = int(numbers[0]) if self.first is None else self.first
        self.last = int(numbers[-1])
        self.mode = "numbered"
        return True

    def _show(self, frame: pd.DataFrame, rows: np.ndarray, offset: int) -> None:
        for row in rows[: SHOWN_ROWS - len(self.shown)]:
            record = {c: json_value(frame[c].iloc[int(row)]) for c in self.key}
            self.shown[int(row) + offset] = {"row": int(row) + offset, **record}

    def repeats(self) -> np.ndarray:
        """Global rows repeating a key seen before them, in row order."""
        found: list[np.ndarray] = [*self.out_of_order]
        if self.kept:
            sizes = np.array([len(part[0]) for part in self.kept])
            starts = np.cumsum(sizes) - sizes
            first = self.kept[0][0].type
            if len(self.key) == 1 and (
                pa.types.is_large_string(first) or pa.types.is_string(first)
            ):
                local = repeated_text_rows([part[0] for part in self.kept])  # bounded memory
            else:
                columns = [
                    pa.concat_arrays([part[i] for part in self.kept]) for i in range(len(self.key))
                ]
                local = repeated_rows(columns)
            which = np.searchsorted(starts, local, side="right") - 1
            found.append(local - starts[which] + np.asarray(self.offsets)[which])
            for row in local[:SHOWN_ROWS]:
                chunk = int(np.searchsorted(starts, row, side="right") - 1)
                inside = int(row - starts[chunk])
                values = {
                    c: json_value(self.kept[chunk][i][inside].as_py())
                    for i, c in enumerate(self.key)
                }
                at = inside + self.offsets[chunk]
                self.shown.setdefault(at, {"row": at, **values})
        if not found:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(found)).astype(np.int64)

    def samples(self, rows: np.ndarray) -> list[dict]:
        return [self.shown[int(r)] for r in rows if int(r) in self.shown][:SHOWN_ROWS]


def sequence_numbers(table, key: list[str]):
    """values -> positions in the key's sequence (-1: not one of its keys), for a one-column
    key the engine numbers with a plain format; else None."""
    column = table.columns[key[0]] if len(key) == 1 else None
    if column is None or column.sequence is None or not simple_format(column.sequence.format):
        return None
    return lambda values: sequence_positions(column, values, np.iinfo(np.int64).max)


def _increasing(values: np.ndarray) -> bool:
    if len(values) < 2:
        return values[0] is not None and not pd.isna(values[0])
    try:
        return bool(np.all(values[1:] > values[:-1]))
    except TypeError:
        return False

"""Dates and timestamps: uniform within global bounds, or a parent's date plus a drawn gap."""

from __future__ import annotations

import datetime as dt

import numpy as np

from seed_assets.engine.rng import stratified
from seed_assets.engine.values import DATE_UNIT, draw_numbers
from seed_assets.spec.models import ColumnSpec

_PER_DAY = {"D": 1, "s": 86_400}


def _bound(value: dt.datetime, unit: str) -> np.datetime64:
    return np.datetime64(value.replace(tzinfo=None), unit)


def between_values(column: ColumnSpec, n: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform in [start, end], both inclusive, at the column's resolution (days or seconds)."""
    unit = DATE_UNIT[column.type]
    start, end = (_bound(v, unit) for v in column.between)
    span = int((end - start).astype(np.int64))
    if span < 0:
        raise ValueError("`between` ends before it starts")
    if column.shape is None:
        return start + rng.integers(0, span + 1, n).astype(f"timedelta64[{unit}]")
    knots = np.asarray(column.shape, dtype=np.float64)
    where = np.interp(stratified(n, rng) * (len(knots) - 1), np.arange(len(knots)), knots)
    offsets = np.minimum(np.floor(where * (span + 1)).astype(np.int64), span)
    return start + offsets.astype(f"timedelta64[{unit}]")


def after_values(column: ColumnSpec, lower: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Never before `lower` (the parent's date, per row); a gap in days, clipped to `until`.

    Without a `gap`, values are uniform between `lower` and `until` (the tutorial's rule). The
    temporal rule wins over `until`: a parent dated after `until` gets a child on its own date.
    """
    unit = DATE_UNIT[column.type]
    step = f"timedelta64[{unit}]"
    lower = lower.astype(f"datetime64[{unit}]", copy=False)
    n = len(lower)
    missing = np.isnat(lower)
    if not missing.any():
        missing = None  # the usual case: spare the masking passes
    until = _bound(column.until, unit) if column.until is not None else None
    if column.gap is not None:
        gap = draw_numbers(column.gap, n, rng)  # a fresh array: worked on in place
        np.maximum(gap, 0.0, out=gap)
        if _PER_DAY[unit] != 1:
            gap *= _PER_DAY[unit]
        values = lower + np.floor(gap, out=gap).astype(np.int64).view(step)
        if until is not None:
            np.minimum(values, until, out=values)
            np.maximum(values, lower, out=values)
    elif until is not None:
        start = lower if missing is None else np.where(missing, until, lower)
        choices = (until - start).view(np.int64)  # units (days or seconds) of room ...
        np.maximum(choices, 0, out=choices)
        choices += 1  # ... plus the parent's own date
        offset = rng.random(n)
        offset *= choices
        steps = np.floor(offset, out=offset).astype(np.int64)
        steps += lower.view(np.int64)
        values = steps.view(lower.dtype)
    else:
        values = lower.copy()
    if missing is not None:
        values[missing] = np.datetime64("NaT")
    return values

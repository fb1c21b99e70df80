"""Time windows: a date after one date, before another, or both (admitted <= lab <= discharged),
and time-of-day and weekday patterns kept inside the window.

``dates.after_values`` keeps making one-sided `after` dates (so existing specs draw the same
values); this module adds the `before` side and the patterns on top.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from seed_assets.engine.dates import after_values, between_values
from seed_assets.engine.frames import DATE_UNIT
from seed_assets.engine.values import draw_numbers, weighted_picks
from seed_assets.spec.models import ColumnSpec, TableSpec
from seed_assets.spec.relations import relational

_PER_DAY = {"D": 1, "s": 86_400}
_QUANTILES = 1 << 16


def dependent(column: ColumnSpec) -> bool:
    """Made after the rest of its row (see ``engine/relations.py``)."""
    return relational(column)


def window_order(table: TableSpec) -> list[str]:
    """The table's `after`/`before` columns, each after the same-row columns it is bounded by."""
    pending = [c for c, col in table.columns.items() if col.source in ("after", "before")]
    ordered: list[str] = []
    while pending:
        for name in list(pending):
            column = table.columns[name]
            refs = [r for r in (column.after, column.before) if r is not None and "." not in r]
            if not any(r in pending for r in refs):
                ordered.append(name)
                pending.remove(name)
    return ordered


def patterned_between(column: ColumnSpec, n: int, rng: np.random.Generator) -> np.ndarray:
    """A `between` column, with its weekday and hour patterns when it has them."""
    values = between_values(column, n, rng)
    if column.hours is None and column.weekdays is None:
        return values
    return _patterned(column, values, None, None, rng, DATE_UNIT[column.type])


def _bound(value, unit: str) -> np.datetime64:
    return np.datetime64(value.replace(tzinfo=None), unit)


def window_values(
    column: ColumnSpec,
    lower: np.ndarray | None,
    upper: np.ndarray | None,
    rng: np.random.Generator,
    n: int,
) -> np.ndarray:
    """Dates not before `lower` and not after `upper` (per row; either may be None or NaT)."""
    unit = DATE_UNIT[column.type]
    lower = None if lower is None else at_unit(lower, unit, up=True)
    upper = None if upper is None else at_unit(upper, unit, up=False)
    if upper is None:
        values = after_values(column, lower, rng)
    elif lower is None:
        values = _before(column, upper, rng, unit)
    else:
        values = _between(column, lower, upper, rng, unit)
    if column.hours is not None or column.weekdays is not None:
        values = _patterned(column, values, lower, upper, rng, unit)
    return values


def at_unit(values: np.ndarray, unit: str, *, up: bool) -> np.ndarray:
    """Dates at the column's resolution, rounded inward: a date after a timestamp is the next
    day (up), a date before one is its own day (down)."""
    values = np.asarray(values)
    if values.dtype == np.dtype(f"datetime64[{unit}]"):
        return values
    coarse = values.astype(f"datetime64[{unit}]")
    if up:
        finer = coarse.astype(values.dtype) < values
        coarse = coarse + finer.astype(np.int64).astype(f"timedelta64[{unit}]")
    return coarse


def _before(column: ColumnSpec, upper: np.ndarray, rng, unit: str) -> np.ndarray:
    """A gap (days) before `upper`, never before `since`; or uniform from `since` to it."""
    n = len(upper)
    since = _bound(column.since, unit) if column.since is not None else None
    if column.gap is not None:
        gap = np.maximum(draw_numbers(column.gap, n, rng), 0.0) * _PER_DAY[unit]
        values = upper - np.floor(gap).astype(np.int64).astype(f"timedelta64[{unit}]")
        if since is not None:
            values = np.maximum(values, np.minimum(since, upper))
        return values
    start = np.minimum(since, upper)
    room = (upper - start).astype(np.int64) + 1
    steps = np.floor(rng.random(n) * room).astype(np.int64)
    return start + steps.astype(f"timedelta64[{unit}]")


def _between(column: ColumnSpec, lower, upper, rng, unit: str) -> np.ndarray:
    """Inside [lower, upper]: a gap after `lower` cut at `upper`, or uniform in between. A row
    whose `upper` is null (an open window) is bounded by `until` alone."""
    n = len(lower)
    step = f"timedelta64[{unit}]"
    open_end = np.isnat(upper)
    if column.until is not None:
        until = _bound(column.until, unit)
        upper = np.where(open_end, until, np.minimum(upper, until))
        open_end = np.zeros(n, dtype=bool)
    missing = np.isnat(lower)
    if column.gap is not None:
        gap = np.maximum(draw_numbers(column.gap, n, rng), 0.0) * _PER_DAY[unit]
        values = lower + np.floor(gap).astype(np.int64).astype(step)
        values = np.where(open_end, values, np.minimum(values, upper))
    else:
        top = np.where(open_end, lower, upper)
        room = np.maximum((top - lower).astype(np.int64), 0) + 1
        room[missing | np.isnat(top)] = 1
        steps = np.floor(rng.random(n) * room).astype(np.int64)
        values = lower + steps.astype(step)
    values = np.maximum(values, lower)  # a window that closes before it opens: its start
    values[missing] = np.datetime64("NaT")
    return values


@lru_cache(maxsize=64)
def _time_of_day_table(hours: tuple[float, ...]) -> np.ndarray:
    """Seconds of the day at 2**16 evenly spaced quantiles of the hour weights (uniform within
    each hour): one random number and one lookup per row draw a time of day."""
    p = np.asarray(hours, dtype=np.float64)
    p /= p.sum()
    cdf = np.cumsum(p)
    q = (np.arange(_QUANTILES) + 0.5) / _QUANTILES
    hour = np.minimum(np.searchsorted(cdf, q, side="right"), 23)
    start = cdf[hour] - p[hour]
    fraction = np.clip((q - start) / np.where(p[hour] > 0, p[hour], 1), 0, 1 - 1e-9)
    return hour * 3600 + np.floor(fraction * 3600).astype(np.int64)


def _patterned(column: ColumnSpec, values, lower, upper, rng, unit: str) -> np.ndarray:
    """Move each value to a weekday and hour drawn from the spec's weights, then back inside
    its window (a value the window cannot move keeps its place). Integer seconds throughout."""
    n = len(values)
    missing = np.isnat(values)
    seconds = values.astype("datetime64[s]", copy=False).view(np.int64)  # only read
    day = seconds // 86_400
    if column.weekdays is not None:
        weights = np.asarray(column.weekdays, dtype=np.float64)
        target = weighted_picks(weights / weights.sum(), n, rng)
        shift = (target - (day + 3) % 7) % 7  # 1970-01-01 was a Thursday; Monday is 0
        shift[shift > 3] -= 7  # the nearer side
        day += shift
    if column.hours is not None and unit == "s":
        table = _time_of_day_table(tuple(column.hours))
        draws = rng.random(n)
        draws *= _QUANTILES
        within = table[draws.astype(np.int64)]
    else:
        within = seconds % 86_400
    moved = day
    moved *= 86_400  # day's array, reused: day is not read again
    moved += within
    keep = missing.copy()
    for bound, below in ((lower, True), (upper, False)):
        if bound is not None:
            limit = bound.astype("datetime64[s]", copy=False).view(np.int64)
            if below:  # NaT is the smallest int64: no value is below it, nothing to mask
                keep |= moved < limit
            else:
                keep |= (moved > limit) & ~np.isnat(bound)
    if column.until is not None:
        keep |= moved > _bound(column.until, "s").astype(np.int64)
    if column.between is not None:
        start, end = (_bound(v, "s").astype(np.int64) for v in column.between)
        keep |= (moved < start) | (moved > end)
    moved = np.where(keep, seconds, moved).view("datetime64[s]")
    out = moved.astype(f"datetime64[{unit}]", copy=False)
    if missing.any():
        out[missing] = np.datetime64("NaT")
    return out

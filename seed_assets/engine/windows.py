"""Time windows: a date after one date, before another, or both (admitted <= lab <= discharged),
and time-of-day and weekday patterns kept inside the window.

``dates.after_values`` keeps making one-sided `after` dates (so existing specs draw the same
values); this module adds the `before` side and the patterns on top.
"""

from __future__ import annotations

import numpy as np

from seed_assets.engine.dates import after_values, between_values
from seed_assets.engine.frames import DATE_UNIT
from seed_assets.engine.values import draw_numbers, weighted_picks
from seed_assets.spec.models import ColumnSpec, TableSpec
from seed_assets.spec.relations import relational

_PER_DAY = {"D": 1, "s": 86_400}


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
    kind = f"datetime64[{unit}]"
    if upper is None:
        values = after_values(column, lower, rng)
    else:
        upper = upper.astype(kind, copy=False)
        if lower is None:
            values = _before(column, upper, rng, unit)
        else:
            values = _between(column, lower.astype(kind, copy=False), upper, rng, unit)
    if column.hours is not None or column.weekdays is not None:
        values = _patterned(column, values, lower, upper, rng, unit)
    return values


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


def _patterned(column: ColumnSpec, values, lower, upper, rng, unit: str) -> np.ndarray:
    """Move each value to a weekday and hour drawn from the spec's weights, then back inside
    its window (a value the window cannot move keeps its place)."""
    n = len(values)
    seconds = values.astype("datetime64[s]")
    day = seconds.astype("datetime64[D]")
    if column.weekdays is not None:
        weights = np.asarray(column.weekdays, dtype=np.float64)
        target = weighted_picks(weights / weights.sum(), n, rng)
        current = (day.astype(np.int64) + 3) % 7  # Monday is 0
        shift = (target - current) % 7
        shift = np.where(shift > 3, shift - 7, shift)  # the nearer side
        day = day + shift.astype("timedelta64[D]")
    if column.hours is not None and unit == "s":
        weights = np.asarray(column.hours, dtype=np.float64)
        hour = weighted_picks(weights / weights.sum(), n, rng)
        within = hour * 3600 + rng.integers(0, 3600, n)
        seconds = day.astype("datetime64[s]") + within.astype("timedelta64[s]")
    else:
        seconds = day.astype("datetime64[s]") + (seconds - seconds.astype("datetime64[D]"))
    moved = seconds.astype(f"datetime64[{unit}]")
    keep = np.zeros(n, dtype=bool)
    if lower is not None:
        low = lower.astype(moved.dtype)
        keep |= ~np.isnat(low) & (moved < low)
    if upper is not None:
        high = upper.astype(moved.dtype)
        keep |= ~np.isnat(high) & (moved > high)
    if column.until is not None:
        keep |= moved > _bound(column.until, unit)
    if column.between is not None:
        start, end = (_bound(v, unit) for v in column.between)
        keep |= (moved < start) | (moved > end)
    out = np.where(keep, values, moved)
    out[np.isnat(values)] = np.datetime64("NaT")
    return out

"""Column values from a spec source, for one chunk of rows, as typed NumPy arrays."""

from __future__ import annotations

import datetime as dt

import numpy as np

from seed_assets.engine.frames import DATE_UNIT
from seed_assets.engine.keys import format_ids, sequence_numbers
from seed_assets.errors import SpecError
from seed_assets.providers.faker_pool import (
    DEFAULT_POOL_SIZE,
    UNIQUE_POOL_SIZE,
    build_pool,
    unique_values,
)
from seed_assets.spec.distributions import (
    ExponentialValue,
    LognormalValue,
    NormalValue,
    PoissonValue,
    UniformValue,
)
from seed_assets.spec.models import INTEGER_TYPES, STRING_TYPES, ColumnSpec


def draw_numbers(dist, n: int, rng: np.random.Generator) -> np.ndarray:
    match dist:
        case UniformValue():
            return rng.uniform(dist.low, dist.high, n)
        case NormalValue():
            return rng.normal(dist.mean, dist.sd, n)
        case LognormalValue():
            return rng.lognormal(dist.mean, dist.sigma, n)
        case ExponentialValue():
            return rng.exponential(dist.scale, n)
        case PoissonValue():
            return rng.poisson(dist.mean, n).astype(np.float64)
    raise TypeError(f"unknown distribution {dist!r}")


def numeric_values(column: ColumnSpec, n: int, rng: np.random.Generator) -> np.ndarray:
    """A `distribution` column: drawn, clipped to [min, max], rounded, cast to the type."""
    values = draw_numbers(column.distribution, n, rng)  # a fresh array: worked on in place
    if column.min is not None or column.max is not None:
        np.clip(values, column.min, column.max, out=values)
    if column.type in INTEGER_TYPES:
        return np.rint(values, out=values).astype(np.int64)
    digits = column.round if column.round is not None else column.scale
    return np.round(values, digits, out=values) if digits is not None else values


def unique_integers(column: ColumnSpec, total: int, seed_rng: np.random.Generator) -> np.ndarray:
    """All `total` values of a unique integer-uniform column, distinct (drawn once per table)."""
    low, high = int(np.ceil(column.distribution.low)), int(np.floor(column.distribution.high))
    width = high - low + 1
    if width < total:
        raise SpecError(
            f"`unique: true` needs {total} distinct values, but [{low}, {high}] holds {width}; "
            "widen the range"
        )
    return low + seed_rng.choice(width, size=total, replace=False).astype(np.int64)


def choice_values(column: ColumnSpec, n: int, rng: np.random.Generator) -> np.ndarray:
    values = typed_array(column.choice.values, column.type)
    return values[weighted_picks(np.asarray(column.choice.probabilities), n, rng)]


def weighted_picks(p: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` indices into `p`, drawn with its probabilities: by inverse CDF on ``rng.random(n)``.

    The same draws as ``rng.choice(len(p), n, p=p)``; for a few options, counting the CDF
    edges at or below each draw is faster than NumPy's binary search, and gives the same index.
    """
    cdf = np.cumsum(p, dtype=np.float64)
    cdf /= cdf[-1]
    draws = rng.random(n)
    if len(cdf) > 8:
        return np.searchsorted(cdf, draws, side="right")
    picks = np.zeros(n, dtype=np.intp)
    for edge in cdf[:-1]:  # one pass per option, not per row
        picks += draws >= edge
    return picks


def sequence_values(column: ColumnSpec, positions: np.ndarray) -> np.ndarray:
    numbers = sequence_numbers(column.sequence, positions)
    return format_ids(column.sequence.format, numbers) if column.sequence.format else numbers


def constant_values(column: ColumnSpec, n: int) -> np.ndarray:
    return np.repeat(typed_array([column.constant], column.type), n)


def rate_values(column: ColumnSpec, n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.random(n) < column.rate


class FakerColumn:
    """A Faker-backed column: one seeded pool per table, sampled per chunk."""

    def __init__(self, column: ColumnSpec, locale: str, total_rows: int, seed: int) -> None:
        self.column = column
        self.unique = column.unique
        default = UNIQUE_POOL_SIZE if self.unique else DEFAULT_POOL_SIZE
        size = max(1, min(column.pool_size or default, total_rows))
        raw = build_pool(
            column.faker, column.params, column.locale or locale, size, seed, distinct=self.unique
        )
        if column.type in STRING_TYPES:
            raw = _fit_length(raw, column.length)
        self.pool = typed_array(list(raw), column.type)
        if self.unique and column.type not in STRING_TYPES and len(self.pool) < total_rows:
            raise SpecError(
                f"`unique: true` needs {total_rows} distinct values, but provider "
                f"{column.faker!r} gave only {len(self.pool)}; use a sequence or a string type"
            )

    def values(self, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Values for global row numbers `rows`."""
        if self.unique:
            return unique_values(self.pool, rows)
        return self.pool[rng.integers(0, len(self.pool), len(rows))]


def _fit_length(values: np.ndarray, length: int | None) -> np.ndarray:
    """Strings never longer than the column: the database would refuse them."""
    if length is None:
        return values
    out = values.copy()
    for i, value in enumerate(out):  # pool-sized, not row-sized
        if isinstance(value, str) and len(value) > length:
            out[i] = value[:length].rstrip()
    return out


def typed_array(values: list, column_type: str) -> np.ndarray:
    """A list of Python values as the column type's canonical NumPy array."""
    if column_type in INTEGER_TYPES:
        return np.asarray(values, dtype=np.int64)
    if column_type in ("float", "decimal"):
        return np.asarray([float(v) for v in values], dtype=np.float64)
    if column_type == "boolean":
        return np.asarray(values, dtype=bool)
    if column_type in DATE_UNIT:
        unit = DATE_UNIT[column_type]
        return np.asarray([_as_datetime64(v, unit) for v in values], dtype=f"datetime64[{unit}]")
    out = np.empty(len(values), dtype=object)
    out[:] = [None if v is None else str(v) for v in values]
    return out


def _as_datetime64(value, unit: str) -> np.datetime64:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return np.datetime64(value, unit)

"""Column values from a spec source, for one chunk of rows, as typed NumPy arrays."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from seed_assets.engine.frames import DATE_UNIT
from seed_assets.engine.keys import format_ids, sequence_numbers
from seed_assets.engine.rng import stratified
from seed_assets.engine.text import (
    arrow,
    fixed_width_text,
    is_text,
    join_text,
    put_text,
    text_array,
)
from seed_assets.errors import SpecError
from seed_assets.providers.faker_pool import (
    DEFAULT_POOL_SIZE,
    UNIQUE_POOL_SIZE,
    build_pool,
    suffix_parts,
    unique_values,
)
from seed_assets.spec.distributions import (
    ExponentialValue,
    LognormalValue,
    NormalValue,
    PoissonValue,
    QuantileValue,
    UniformValue,
)
from seed_assets.spec.models import (
    INTEGER_BOUNDS,
    INTEGER_TYPES,
    STRING_TYPES,
    ColumnSpec,
)


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
        case QuantileValue():
            knots = np.asarray(dist.values, dtype=np.float64)
            return np.interp(stratified(n, rng) * (len(knots) - 1), np.arange(len(knots)), knots)
    raise TypeError(f"unknown distribution {dist!r}")


def numeric_values(column: ColumnSpec, n: int, rng: np.random.Generator) -> np.ndarray:
    """A `distribution` column: drawn, clipped to [min, max], rounded, cast to the type."""
    values = draw_numbers(column.distribution, n, rng)  # a fresh array: worked on in place
    if column.min is not None or column.max is not None:
        np.clip(values, column.min, column.max, out=values)
    if column.type in INTEGER_TYPES:
        return fit_numbers(column, np.rint(values, out=values).astype(np.int64))
    digits = column.round if column.round is not None else column.scale
    values = np.round(values, digits, out=values) if digits is not None else values
    return fit_numbers(column, values)


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
    return take(values, weighted_picks(np.asarray(column.choice.probabilities), n, rng))


def weighted_picks(p: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` indices into `p`, drawn with its probabilities: by inverse CDF on stratified
    uniforms (``rng.stratified``), so each option's count is within one of its share.

    For a few options, counting the CDF edges at or below each draw is faster than NumPy's
    binary search, and gives the same index.
    """
    cdf = np.cumsum(p, dtype=np.float64)
    cdf /= cdf[-1]
    draws = stratified(n, rng)
    if len(cdf) > 8:
        return np.searchsorted(cdf, draws, side="right")
    picks = np.zeros(n, dtype=np.intp)
    for edge in cdf[:-1]:  # one pass per option, not per row
        picks += draws >= edge
    return picks


def sequence_values(column: ColumnSpec, positions: np.ndarray) -> np.ndarray:
    numbers = sequence_numbers(column.sequence, positions)
    if len(numbers):
        _sequence_fits(column, int(numbers.max()))
    return format_ids(column.sequence.format, numbers) if column.sequence.format else numbers


def _sequence_fits(column: ColumnSpec, last: int) -> None:
    """A sequence is never clipped or cut (its values are keys): it fits, or the spec is wrong."""
    bounds = INTEGER_BOUNDS.get((column.type, column.unsigned))
    if column.sequence.format is None and bounds and last > bounds[1]:
        raise SpecError(
            f"the sequence reaches {last:,}, above the largest {column.type} ({bounds[1]:,}); "
            "use a wider type or fewer rows"
        )
    if column.sequence.format is not None and column.length is not None:
        text = column.sequence.format.format(last)
        if len(text) > column.length:
            raise SpecError(
                f"the sequence reaches {text!r}, longer than the column (length "
                f"{column.length}); shorten the format or lengthen the column"
            )


def fit_numbers(column: ColumnSpec, values: np.ndarray) -> np.ndarray:
    """Numbers the column's type can hold: integers within their (unsigned) range, decimals
    within their precision. Values already inside are untouched (the usual case)."""
    low, high = numeric_bounds(column)
    if low is None or not len(values) or values.dtype.kind not in "iuf":
        return values
    if values.min() >= low and values.max() <= high:
        return values
    return np.clip(values, low, high).astype(values.dtype, copy=False)


def numeric_bounds(column: ColumnSpec) -> tuple[float | None, float | None]:
    """The smallest and largest value the column's type holds (None, None: no limit)."""
    bounds = INTEGER_BOUNDS.get((column.type, column.unsigned))
    if bounds is not None:
        return bounds
    if column.type == "decimal":
        precision = column.precision or 18
        scale = column.scale if column.scale is not None else 2
        top = 10.0 ** (precision - scale) - 10.0**-scale
        return -top, top
    return None, None


_HEX = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2")


def uuid_values(n: int, rng: np.random.Generator) -> np.ndarray:
    """Random version-4 UUIDs as 36-character text, drawn from `rng` (so reproducible)."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    digits = _HEX[raw].view(np.uint8).reshape(n, 32)
    text = np.empty((n, 36), dtype=np.uint8)
    text[:, [8, 13, 18, 23]] = ord("-")
    for start, stop, at in ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24)):
        text[:, at : at + stop - start] = digits[:, start:stop]
    return fixed_width_text(text)


def json_values(n: int, rng: np.random.Generator) -> np.ndarray:
    """Small JSON objects (``{"n":17,"ok":true}``), compact text."""
    numbers = text_array(pa.array(rng.integers(0, 1000, n)).cast(pa.large_string()))
    flags = text_array(["false", "true"]).take((rng.random(n) < 0.5).view(np.uint8))
    return join_text('{"n":', numbers, ',"ok":', flags, "}")


def json_text(value) -> str:
    """A value as compact JSON text; a string that already is JSON is kept as it is."""
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return json.dumps(value)
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def constant_values(column: ColumnSpec, n: int) -> np.ndarray:
    return take(typed_array([column.constant], column.type), np.zeros(n, dtype=np.intp))


def take(values, picks: np.ndarray):
    """`values` at `picks`: NumPy or text alike (text taken in Arrow, no str objects made)."""
    return values.take(picks) if is_text(values) else values[picks]


def rate_values(column: ColumnSpec, n: int, rng: np.random.Generator) -> np.ndarray:
    return stratified(n, rng) < column.rate


class FakerColumn:
    """A Faker-backed column: one seeded pool per table, sampled per chunk."""

    def __init__(self, column: ColumnSpec, locale: str, total_rows: int, seed: int) -> None:
        self.column = column
        self.unique = column.unique
        default = UNIQUE_POOL_SIZE if self.unique else DEFAULT_POOL_SIZE
        # a unique pool loses its repeats: draw more than the rows, or small value spaces (a
        # 3-letter code) come up short and the last rows get a suffix outside the pattern
        wanted = 2 * total_rows + 16 if self.unique else total_rows
        size = max(1, min(column.pool_size or default, wanted))
        raw = build_pool(
            column.faker, column.params, column.locale or locale, size, seed, distinct=self.unique
        )
        if column.type in STRING_TYPES:
            raw = _fit_length(raw, column.length)
            if self.unique and column.length is not None:
                raw = _unique_within_length(raw, column.length, total_rows)
        self.pool = typed_array(list(raw), column.type)
        if column.type in INTEGER_TYPES or column.type == "decimal":
            self.pool = fit_numbers(column, self.pool)
        self._suffixes = None  # (head, tail) text per pool value, for rows beyond the pool
        if self.unique and is_text(self.pool) and len(self.pool) < total_rows:
            self._suffixes = _suffix_text(self.pool)
        if self.unique and column.type not in STRING_TYPES and len(self.pool) < total_rows:
            raise SpecError(
                f"`unique: true` needs {total_rows} distinct values, but provider "
                f"{column.faker!r} gave only {len(self.pool)}; use a sequence or a string type"
            )

    def values(self, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Values for global row numbers `rows`."""
        if self.unique and is_text(self.pool):
            return self._unique_text(rows)
        if self.unique:
            return unique_values(self.pool, rows)
        return take(self.pool, rng.integers(0, len(self.pool), len(rows)))

    def _unique_text(self, rows: np.ndarray):
        """``unique_values`` in Arrow: pool[r % n], and beyond the pool the round r // n
        between each value's head and tail (``local+2@domain``, ``value #2``)."""
        n = len(self.pool)
        index = rows % n
        out = self.pool.take(index)
        later = rows >= n
        if self._suffixes is None or not later.any():
            return out
        head, tail = self._suffixes
        picked = index[later]
        rounds = text_array(pa.array(rows[later] // n).cast(pa.large_string()))
        return put_text(out, later, join_text(head.take(picked), rounds, tail.take(picked)))


def _suffix_text(pool):
    """``suffix_parts`` of a text pool, in Arrow: (``local+``, ``@domain``) for a value with
    one ``@``, (``value #``, ``""``) for any other."""
    if pool.isna().any():  # str(None) is "None": as suffix_parts does it
        head, tail = suffix_parts(np.asarray(pool, dtype=object))
        return text_array(head), text_array(tail)
    parts = pc.extract_regex(arrow(pool), r"^(?P<local>[^@]*)@(?P<domain>[^@]*)$")
    email = pc.is_valid(parts)
    local, domain = (text_array(pc.struct_field(parts, [i])) for i in (0, 1))
    head = pc.if_else(email, arrow(join_text(local, "+")), arrow(join_text(pool, " #")))
    tail = pc.if_else(email, arrow(join_text("@", domain)), pa.scalar("", pa.large_string()))
    return text_array(head), text_array(tail)


def _fit_length(values: np.ndarray, length: int | None) -> np.ndarray:
    """Strings never longer than the column: the database would refuse them."""
    if length is None:
        return values
    long = _longer_than(values, length)  # pool-sized, not row-sized
    if not len(long):
        return values
    out = values.copy()
    for i in long.tolist():
        out[i] = out[i][:length].rstrip()
    return out


def _longer_than(values: np.ndarray, length: int) -> np.ndarray:
    """Positions of the str values with more than `length` characters."""
    try:  # all str (or None): counted in Arrow, as len() counts them
        text = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowException, TypeError):
        return np.flatnonzero([isinstance(v, str) and len(v) > length for v in values.tolist()])
    longer = pc.fill_null(pc.greater(pc.utf8_length(text), length), False)
    return np.flatnonzero(longer.to_numpy(zero_copy_only=False))


def _unique_within_length(pool: np.ndarray, length: int, total_rows: int) -> np.ndarray:
    """Distinct pool values short enough that the round suffix unique values get beyond the
    pool (`` #12``, ``+12@``) still fits the column."""
    pool = np.asarray(list(dict.fromkeys(pool.tolist())), dtype=object)
    for _ in range(3):  # shortening may merge values, which may add a round: settle it
        rounds = (total_rows - 1) // max(len(pool), 1)
        room = 2 + len(str(rounds)) if rounds else 0
        if room >= length:
            raise SpecError(
                f"`unique: true` in a column of length {length} cannot hold {total_rows} "
                "distinct values from this provider; use a sequence or a longer column"
            )
        fitted = _fit_length(pool, length - room)
        shorter = np.asarray(list(dict.fromkeys(fitted.tolist())), dtype=object)
        if len(shorter) == len(pool):
            return shorter
        pool = shorter
    return pool


def typed_array(values: list, column_type: str) -> np.ndarray:
    """A list of Python values as the column type's canonical array (text: ``text_array``)."""
    if column_type in INTEGER_TYPES:
        return np.asarray(values, dtype=np.int64)
    if column_type in ("float", "decimal"):
        return np.asarray([float(v) for v in values], dtype=np.float64)
    if column_type == "boolean":
        return np.asarray(values, dtype=bool)
    if column_type in DATE_UNIT:
        unit = DATE_UNIT[column_type]
        return np.asarray([_as_datetime64(v, unit) for v in values], dtype=f"datetime64[{unit}]")
    if column_type == "json":
        return text_array([None if v is None else json_text(v) for v in values])
    return text_array([None if v is None else str(v) for v in values])


def _as_datetime64(value, unit: str) -> np.datetime64:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return np.datetime64(value, unit)

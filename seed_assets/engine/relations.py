"""Columns made after the rest of their row, because they read it: derived values (`expr`),
conditional sources (`when`), feature-driven events (`logit`) and copies (`copy_of`).

``DependentColumns.fill`` runs once per chunk, after the plain, FK and temporal columns (and
their nulls) are made; each column draws from its own streams, so a chunk stays reproducible
alone. Referenced rows' values come through the chunk's parent view (the driving slice, or the
parent rows each FK picked), as `after` rules read theirs.
"""

from __future__ import annotations

import numpy as np

from seed_assets.engine import values
from seed_assets.engine.aggregates import ChildAggregates
from seed_assets.engine.expressions import evaluate
from seed_assets.engine.frames import DATE_UNIT, null_mask, with_nulls
from seed_assets.engine.rng import stream
from seed_assets.engine.text import as_array, as_objects, is_text, put_text
from seed_assets.spec.dependencies import dependent_order, resolve
from seed_assets.spec.expressions import parse
from seed_assets.spec.models import INTEGER_TYPES, STRING_TYPES, ColumnSpec


def cast(column: ColumnSpec, array: np.ndarray) -> np.ndarray:
    """An expression's result as the column type's canonical array (rounded, typed)."""
    kind = column.type
    array = np.asarray(array)
    if kind in INTEGER_TYPES:
        floats = np.asarray(values_as_float(array), dtype=np.float64)
        if column.expr is not None and (column.min is not None or column.max is not None):
            floats = np.clip(floats, column.min, column.max)
        missing = np.isnan(floats)
        ints = np.rint(np.where(missing, 0, floats)).astype(np.int64)
        ints = values.fit_numbers(column, ints)
        return with_nulls(ints, missing) if missing.any() else ints
    if kind in ("float", "decimal"):
        floats = np.asarray(values_as_float(array), dtype=np.float64)
        if column.expr is not None and (column.min is not None or column.max is not None):
            floats = np.clip(floats, column.min, column.max)
        digits = column.round if column.round is not None else column.scale
        if digits is not None:
            floats = np.round(floats, digits)
        return values.fit_numbers(column, floats)
    if kind == "boolean":
        if array.dtype == object:
            return array
        return array.astype(bool)
    if kind in DATE_UNIT:
        if array.dtype.kind != "M":
            raise TypeError(f"the expression gives {array.dtype}, not dates")
        return array.astype(f"datetime64[{DATE_UNIT[kind]}]")
    out = np.empty(len(array), dtype=object)
    text = array.astype(object) if array.dtype != object else array
    out[:] = [None if v is None else str(v) for v in text.tolist()]
    if kind in STRING_TYPES and column.length is not None:
        out[:] = [v if v is None or len(v) <= column.length else v[: column.length] for v in out]
    return out


def values_as_float(array: np.ndarray) -> np.ndarray:
    if array.dtype == object:
        return np.asarray([np.nan if v is None else float(v) for v in array.tolist()])
    return array.astype(np.float64, copy=False)


def calibrated_intercept(score: np.ndarray, rate: float) -> float:
    """The b that makes mean(sigmoid(b + score)) equal `rate` (Newton's method, bracketed)."""
    return event_probabilities(score, rate)[0]


def event_probabilities(score: np.ndarray, rate: float) -> tuple[float, np.ndarray]:
    """The calibrated intercept and each row's probability, sigmoid(b + score).

    Solved per chunk, so the chunk's event rate holds whatever its features' mix: first on an
    evenly strided sample of the scores (cheap), then polished on all of them, whose last pass
    gives the probabilities."""
    if not len(score) or rate <= 0 or rate >= 1:
        return 0.0, np.full(len(score), min(max(rate, 0.0), 1.0))
    stride = max(1, len(score) // 65_536)
    sample = score[::stride]
    b, p = _solve(sample, rate, float(np.log(rate / (1 - rate)) - np.median(sample)), 1e-7)
    if stride == 1:
        return b, p
    # Polished to 1e-4 of the rate: far inside the binomial noise of any chunk's events.
    return _solve(score, rate, b, 1e-4)


def _sigmoid(score: np.ndarray, b: float, out: np.ndarray) -> np.ndarray:
    np.add(score, b, out=out)
    np.negative(out, out=out)
    with np.errstate(over="ignore"):  # exp overflows to inf: p is then 0, as it should
        np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def _solve(score: np.ndarray, rate: float, b: float, tolerance: float):
    low, high = -60.0 - float(score.max()), 60.0 - float(score.min())
    p = np.empty_like(score, dtype=np.float64)
    for _ in range(60):
        _sigmoid(score, b, p)
        mean = float(p.mean())
        error = mean - rate
        if abs(error) < tolerance * rate:
            return b, p
        if error > 0:
            high = b
        else:
            low = b
        # mean of p(1 - p); einsum, not np.dot: BLAS's dot wakes its threads, which then spin
        # for a while on the other core (a tenth of the CPU time of a run)
        slope = mean - float(np.einsum("i,i->", p, p)) / len(p)
        step = b - error / slope if slope > 0 else (low + high) / 2
        b = step if low < step < high else (low + high) / 2
    return b, _sigmoid(score, b, p)


def event_score(expression_text: str, resolve_name, n: int) -> np.ndarray:
    """A `logit` expression's score per row (nulls score 0: no evidence either way)."""
    raw = np.asarray(evaluate(parse(expression_text), resolve_name, n))
    score = np.broadcast_to(values_as_float(raw), (n,)).astype(np.float64)
    score[~np.isfinite(score)] = 0.0
    return score


class DependentColumns:
    """The relational columns of one table, made in dependency order for each chunk."""

    def __init__(self, generator) -> None:
        self.generator = generator
        self.spec = generator.spec
        self.name = generator.name
        self.table = generator.table
        self.order = dependent_order(self.spec, self.name)
        self.aggregates = ChildAggregates(generator)

    def fill(self, chunk, cols: dict, parent_rows: dict, context, made) -> None:
        made = set(made)
        resolver = _Resolver(self, chunk, cols, parent_rows, context)  # parents read once
        for name in self.order:
            if name in made:
                cols[name] = self.column_values(name, chunk, resolver)

    def column_values(self, name: str, chunk, resolver) -> np.ndarray:
        column = self.table.columns[name]
        n = chunk.rows
        seed, table = self.generator.seed, self.name
        if column.aggregate is not None:
            out = cast(column, self.aggregates.values(name, column, chunk))
        elif column.expr is not None:
            rng = stream(seed, table, chunk.index, name)
            out = cast(column, evaluate(parse(column.expr), resolver, n, rng))
        elif column.logit is not None:
            score = event_score(column.logit, resolver, n)
            _, p = event_probabilities(score, column.rate)
            out = stream(seed, table, chunk.index, name).random(n) < p
        elif _choice_cases(column):
            out = self._choice_with_cases(name, column, chunk, resolver)
        elif column.source is not None:
            out = self.generator.plain_values(name, column, chunk)
        else:
            out = None
        if column.when is not None and out is not None and not _choice_cases(column):
            out = self._cases(name, column, chunk, resolver, out)
        if column.copy_of is not None:
            out = self._copy(name, column, chunk, resolver, out)
        return self._nulls(name, column, chunk, resolver, out)

    def case_masks(self, column: ColumnSpec, resolver) -> list[tuple[str, np.ndarray]]:
        """Per case of `when`: its key and the rows whose `column` value matches it.

        A value of the driving parent is compared once per parent, not once per child."""
        fk, ref = resolve(self.spec, self.name, column.when.column)
        owner = self.spec.tables[fk.references.table if fk else self.name]
        kind = owner.columns[ref].type
        local = None
        if fk is not None and fk is self.generator.driving and resolver.chunk.rows:
            chunk = resolver.chunk
            parents = np.arange(chunk.parent_start, chunk.parent_stop)
            on = as_array(resolver.context.values(fk, ref, parents))
            local = resolver.parent_rows[fk.label] - chunk.parent_start
        else:
            on = as_array(resolver(column.when.column))
        out = []
        for key in column.when.cases:
            mask = np.asarray(on == typed_key(key, kind), dtype=bool)
            out.append((key, mask if local is None else mask[local]))
        return out

    def _choice_with_cases(self, name, column, chunk, resolver):
        """A `choice` whose cases change only the choice: the picks of the column's own draw
        and of each case's (the streams ``_plain`` and ``_cases`` use, so the same values),
        into one list of options, taken once (text is not written, then replaced row by row)."""
        seed, n = self.generator.seed, chunk.rows
        rng = stream(seed, self.name, chunk.index, name)
        picks = values.weighted_picks(np.asarray(column.choice.probabilities), n, rng)
        options = list(column.choice.values)
        for key, mask in self.case_masks(column, resolver):
            case = column.when.cases[key]
            if (case.choice is None and case.min is None and case.max is None) or not mask.any():
                continue  # nothing redrawn (a case of only null_fraction: ``_nulls``)
            choice = case.choice or column.choice
            rng = stream(seed, self.name, chunk.index, f"{name}:case:{key}")
            drawn = values.weighted_picks(np.asarray(choice.probabilities), int(mask.sum()), rng)
            picks[mask] = drawn + len(options)
            options.extend(choice.values)
        return values.take(values.typed_array(options, column.type), picks)

    def _cases(self, name, column, chunk, resolver, out) -> np.ndarray:
        for key, mask in self.case_masks(column, resolver):
            case = column.when.cases[key]
            update = {
                f: getattr(case, f)
                for f in ("choice", "distribution", "rate", "min", "max")
                if getattr(case, f) is not None
            }
            if not update or not mask.any():
                continue
            changed = column.model_copy(update=update)
            rng = stream(self.generator.seed, self.name, chunk.index, f"{name}:case:{key}")
            count = int(mask.sum())
            match changed.source:
                case "choice":
                    drawn = values.choice_values(changed, count, rng)
                case "distribution":
                    drawn = values.numeric_values(changed, count, rng)
                case "rate":
                    drawn = values.rate_values(changed, count, rng)
                case _:
                    continue
            if out.dtype != drawn.dtype and out.dtype.kind in "iu" and drawn.dtype.kind == "f":
                out = out.astype(np.float64)
            if is_text(out) or is_text(drawn):
                out = put_text(out, mask, drawn)
                continue
            out = out.copy()
            out[mask] = drawn
        return out

    def _copy(self, name, column, chunk, resolver, own) -> np.ndarray:
        spec = column.copy_of
        copied = as_objects(resolver(spec.column))
        if column.type in INTEGER_TYPES or column.type in ("float", "decimal"):
            copied = cast(column, copied)
        rng = stream(self.generator.seed, self.name, chunk.index, f"{name}:copy")
        n = len(copied)
        if spec.probability >= 1:
            return copied
        exact = rng.random(n) < spec.probability
        if spec.noise is not None:
            factor = 1.0 + rng.normal(0.0, spec.noise, n)
            other = cast(column, values_as_float(copied) * factor)
        else:
            other = own
        if copied.dtype != other.dtype:
            copied, other = copied.astype(object), other.astype(object)
        return np.where(exact, copied, other)

    def _nulls(self, name, column, chunk, resolver, out) -> np.ndarray:
        fractions = None
        if column.when is not None and any(
            c.null_fraction is not None for c in column.when.cases.values()
        ):
            fractions = np.full(chunk.rows, column.null_fraction)
            for key, mask in self.case_masks(column, resolver):
                case = column.when.cases[key]
                if case.null_fraction is not None:
                    fractions[mask] = case.null_fraction
        elif column.null_fraction:
            fractions = column.null_fraction
        if fractions is None:
            return out
        draws = stream(self.generator.seed, self.name, chunk.index, f"null:{name}").random(
            chunk.rows
        )
        return with_nulls(out, draws < fractions)


def _choice_cases(column: ColumnSpec) -> bool:
    """A plain (not unique) `choice` whose `when` cases draw other choices and nothing else."""
    return (
        column.when is not None
        and column.source == "choice"
        and not column.unique
        and all(c.distribution is None and c.rate is None for c in column.when.cases.values())
    )


def typed_key(key: str, kind: str):
    if kind in INTEGER_TYPES:
        return int(key)
    if kind in ("float", "decimal"):
        return float(key)
    if kind == "boolean":
        return key.lower() in ("true", "1", "yes")
    return key


class _Resolver:
    """A name of an expression as an array per row of the chunk: this row's column, or a
    referenced row's (null where the FK is null)."""

    def __init__(self, owner: DependentColumns, chunk, cols, parent_rows, context) -> None:
        self.owner = owner
        self.chunk = chunk
        self.cols = cols
        self.parent_rows = parent_rows
        self.context = context
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, name: str) -> np.ndarray:
        owner = self.owner
        fk, ref = resolve(owner.spec, owner.name, name)
        if fk is None:  # this row's: read as it is now (columns are added as they are made)
            return self.cols[ref]
        if name not in self._cache:
            self._cache[name] = self._value(fk, ref)
        return self._cache[name]

    def _value(self, fk, ref: str) -> np.ndarray:
        owner = self.owner
        picked = self.parent_rows[fk.label]
        driving = fk is owner.generator.driving
        missing = None if driving else picked < 0
        if not driving:
            column_null = null_mask(np.asarray(self.cols[fk.columns[0]]))
            missing = column_null if missing is None else (missing | column_null)
        if missing is not None and missing.any():
            taken = self.context.values(fk, ref, np.where(missing, 0, picked))
            return with_nulls(as_array(taken), missing)
        return as_array(self.context.values(fk, ref, picked))

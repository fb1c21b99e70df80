"""Evaluate a checked expression (``spec/expressions.py``) with NumPy over a chunk's columns.

Every node becomes one vectorised NumPy operation over whole arrays; scalars broadcast. Names
are looked up through `resolve` (the row's columns, or a referenced row's gathered per row),
random draws come from the `rng` given (the column's own stream), in the order the tree is read.
Dates are ``datetime64``; a date minus a date is a ``timedelta64`` that ``days()`` turns into
fractional days.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

import numpy as np

from seed_assets.engine.text import as_objects, is_text
from seed_assets.spec.expressions import Expression, reference

Resolve = Callable[[str], np.ndarray]


def evaluate(
    expression: Expression, resolve: Resolve, n: int, rng: np.random.Generator | None = None
) -> np.ndarray:
    """The expression's value for each of `n` rows (an array of length `n`)."""
    value = _Evaluator(resolve, n, rng).eval(expression.tree)
    array = np.asarray(value)
    if array.ndim == 0:
        array = np.full(n, value, dtype=array.dtype if array.dtype.kind != "U" else object)
    elif array.dtype.kind == "U":
        array = array.astype(object)
    return array


# NumPy's element-wise function for each operator a checked expression may use (``**``, on
# floats, is _BinOp's own).
_OPERATORS = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
    ast.FloorDiv: np.floor_divide,
    ast.Mod: np.mod,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
}


def _apply(op: ast.operator | ast.cmpop, left, right):
    function = _OPERATORS.get(type(op))
    if function is None:
        raise AssertionError(op)
    if isinstance(op, ast.Div | ast.FloorDiv):  # a zero divisor gives inf or NaN, quietly
        with np.errstate(divide="ignore", invalid="ignore"):
            return function(left, right)
    return function(left, right)


def _number(value):
    """Booleans and object arrays of numbers as float arithmetic can use them."""
    array = np.asarray(value)
    if array.dtype.kind == "O":
        return np.asarray(
            [np.nan if v is None else v for v in array.tolist()], dtype=np.float64
        ).reshape(array.shape)
    return value


def _is_text(value) -> bool:
    return isinstance(value, str) or (isinstance(value, np.ndarray) and value.dtype.kind in "OU")


def _as_text(value, n: int) -> np.ndarray:
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "M":
            out = np.datetime_as_string(value, unit="auto").astype(object)
            out[np.isnat(value)] = None
            return out
        if value.dtype.kind == "f":
            return np.asarray([None if v != v else f"{v:g}" for v in value.tolist()], dtype=object)
        return value.astype(str).astype(object) if value.dtype.kind != "O" else value
    return np.full(n, str(value), dtype=object)


def _datetimes(value) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind != "M":
        raise ValueError(f"expected a date or timestamp, got {array.dtype}")
    return array


class _Evaluator:
    def __init__(self, resolve: Resolve, n: int, rng: np.random.Generator | None) -> None:
        self.resolve = resolve
        self.n = n
        self.rng = rng

    def eval(self, node: ast.expr):
        method = getattr(self, f"_{type(node).__name__}")
        return method(node)

    def _Constant(self, node: ast.Constant):
        return node.value

    def _Name(self, node):
        return as_objects(self.resolve(reference(node)))  # text: str or None per value

    _Attribute = _Name

    def _BinOp(self, node: ast.BinOp):
        left, right = self.eval(node.left), self.eval(node.right)
        op = node.op
        if isinstance(op, ast.Add) and (_is_text(left) or _is_text(right)):
            return _as_text(left, self.n) + _as_text(right, self.n)
        if isinstance(op, (ast.Add, ast.Sub)) and (
            np.asarray(left).dtype.kind == "M" or np.asarray(right).dtype.kind == "M"
        ):
            return left + right if isinstance(op, ast.Add) else left - right
        left, right = _number(left), _number(right)
        if isinstance(op, ast.Pow):
            return np.power(np.asarray(left, dtype=np.float64), right)
        return _apply(op, left, right)

    def _UnaryOp(self, node: ast.UnaryOp):
        value = self.eval(node.operand)
        if isinstance(node.op, (ast.Not, ast.Invert)):
            return np.logical_not(value)
        return np.negative(_number(value)) if isinstance(node.op, ast.USub) else value

    def _BoolOp(self, node: ast.BoolOp):
        values = [np.asarray(self.eval(v), dtype=bool) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        out = values[0]
        for value in values[1:]:
            out = combine(out, value)
        return out

    def _Compare(self, node: ast.Compare):
        found = self._text_equals(node)
        if found is not None:
            return found
        left, op = self.eval(node.left), node.ops[0]
        if isinstance(op, (ast.In, ast.NotIn)):
            options = [e.value for e in node.comparators[0].elts]
            found = np.isin(np.asarray(left), np.asarray(options, dtype=object))
            return found if isinstance(op, ast.In) else ~found
        right = self.eval(node.comparators[0])
        left, right = _comparable(left), _comparable(right)
        return _apply(op, left, right)

    def _text_equals(self, node: ast.Compare) -> np.ndarray | None:
        """``column == 'text'`` (or ``!=``) over a text column, compared in Arrow: no str made
        per row. A missing value equals nothing, as None did. None when the node is not that."""
        op, right = node.ops[0], node.comparators[0]
        if not (
            isinstance(op, ast.Eq | ast.NotEq)
            and isinstance(node.left, ast.Name | ast.Attribute)
            and isinstance(right, ast.Constant)
            and isinstance(right.value, str)
        ):
            return None
        column = self.resolve(reference(node.left))
        if not is_text(column):
            return None
        same = np.asarray(column == right.value, dtype=bool)  # missing: False
        return same if isinstance(op, ast.Eq) else ~same

    def _IfExp(self, node: ast.IfExp):
        test = np.asarray(self.eval(node.test), dtype=bool)
        return np.where(test, self.eval(node.body), self.eval(node.orelse))

    def _Call(self, node: ast.Call):
        name = node.func.id
        if name == "date":
            return np.datetime64(node.args[0].value, "s")
        args = [self.eval(a) for a in node.args]
        return getattr(self, f"_fn_{name}")(*args)

    # -- functions ------------------------------------------------------------------------------

    def _fn_log(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(_number(x))

    def _fn_log1p(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(_number(x))

    def _fn_exp(self, x):
        with np.errstate(over="ignore"):
            return np.exp(_number(x))

    def _fn_sqrt(self, x):
        with np.errstate(invalid="ignore"):
            return np.sqrt(_number(x))

    def _fn_abs(self, x):
        return np.abs(_number(x))

    def _fn_floor(self, x):
        return np.floor(_number(x))

    def _fn_ceil(self, x):
        return np.ceil(_number(x))

    def _fn_round(self, x, digits=0):
        return np.round(_number(x), int(digits))

    def _fn_clip(self, x, low, high):
        return np.clip(_number(x), low, high)

    def _fn_min(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = np.minimum(out, x)
        return out

    def _fn_max(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = np.maximum(out, x)
        return out

    def _fn_sigmoid(self, x):
        return 1.0 / (1.0 + np.exp(-np.asarray(_number(x), dtype=np.float64)))

    def _fn_where(self, test, a, b):
        return np.where(np.asarray(test, dtype=bool), a, b)

    def _fn_is_null(self, x):
        array = np.asarray(x)
        if array.dtype.kind == "M":
            return np.isnat(array)
        if array.dtype.kind == "f":
            return np.isnan(array)
        if array.dtype.kind == "O":
            return np.equal(array, None)
        return np.zeros(array.shape, dtype=bool)

    def _fn_coalesce(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = np.where(self._fn_is_null(out), x, out)
        return out

    def _fn_days(self, x):
        array = np.asarray(x)
        if array.dtype.kind == "m":
            seconds = array.astype("timedelta64[s]", copy=False)
            out = seconds.view(np.int64) / 86_400.0
            out[np.isnat(seconds)] = np.nan
            return out
        return _number(x)

    def _fn_hours(self, x):
        return self._fn_days(x) * 24.0

    def _fn_add_days(self, when, days):
        when = _datetimes(when)
        seconds = np.rint(np.asarray(_number(days), dtype=np.float64) * 86_400)
        return when.astype("datetime64[s]") + seconds.astype(np.int64).astype("timedelta64[s]")

    def _fn_hour(self, x):
        seconds = _datetimes(x).astype("datetime64[s]", copy=False).view(np.int64)
        return seconds % 86_400 // 3_600  # floor modulo: right before 1970 too

    def _fn_weekday(self, x):
        days = _datetimes(x).astype("datetime64[D]", copy=False).view(np.int64)
        return (days + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0

    def _fn_month(self, x):
        months = _datetimes(x).astype("datetime64[M]").astype(np.int64)
        return months % 12 + 1

    def _fn_year(self, x):
        return _datetimes(x).astype("datetime64[Y]").astype(np.int64) + 1970

    def _fn_concat(self, *xs):
        out = _as_text(xs[0], self.n)
        for x in xs[1:]:
            out = out + _as_text(x, self.n)
        return out

    def _fn_str(self, x):
        return _as_text(x, self.n)

    def _fn_upper(self, x):
        return np.asarray([None if v is None else v.upper() for v in _as_text(x, self.n)], object)

    def _fn_lower(self, x):
        return np.asarray([None if v is None else v.lower() for v in _as_text(x, self.n)], object)

    def _draw(self):
        if self.rng is None:
            raise ValueError("a random draw needs the column's stream")
        return self.rng

    def _fn_uniform(self, low, high):
        return self._draw().uniform(low, high, self.n)

    def _fn_normal(self, mean, sd):
        return self._draw().normal(mean, sd, self.n)

    def _fn_lognormal(self, mean, sigma):
        return self._draw().lognormal(mean, sigma, self.n)

    def _fn_exponential(self, scale):
        return self._draw().exponential(scale, self.n)

    def _fn_poisson(self, mean):
        return self._draw().poisson(mean, self.n).astype(np.float64)

    def _fn_bernoulli(self, p):
        return self._draw().random(self.n) < p


def _comparable(value):
    """Object arrays of numbers compare as floats; text stays text."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "O":
        return value
    return value

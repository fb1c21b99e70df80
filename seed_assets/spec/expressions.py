"""The expression language of derived columns, event models and features: parsed, never run.

Spec text is parsed with Python's ``ast`` and every node is checked against a whitelist (no
attribute access beyond ``table.column``, no subscripts, no lambdas, no keywords, only the
functions in ``FUNCTIONS``); ``engine/expressions.py`` then evaluates the checked tree with
NumPy over a chunk's columns. Nothing is ever handed to ``eval``.

Why our own: the engine holds a chunk as NumPy arrays (object arrays for text), parent values
come gathered per row, and random draws must come from the column's own seeded stream. DuckDB
or polars would need each chunk copied to Arrow and back and give no seeded per-column draws;
a whitelisted ``ast`` is about 200 lines and evaluates in place.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache

# name -> (fewest, most arguments); None: any number.
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    # numbers
    "log": (1, 1),
    "log1p": (1, 1),
    "exp": (1, 1),
    "sqrt": (1, 1),
    "abs": (1, 1),
    "floor": (1, 1),
    "ceil": (1, 1),
    "round": (1, 2),
    "clip": (3, 3),
    "min": (2, None),
    "max": (2, None),
    "sigmoid": (1, 1),
    "where": (3, 3),
    "coalesce": (2, None),
    "is_null": (1, 1),
    # dates and times
    "days": (1, 1),
    "hours": (1, 1),
    "add_days": (2, 2),
    "hour": (1, 1),
    "weekday": (1, 1),
    "month": (1, 1),
    "year": (1, 1),
    "date": (1, 1),
    # text
    "concat": (1, None),
    "str": (1, 1),
    "upper": (1, 1),
    "lower": (1, 1),
    # random draws, from the column's own stream (so reproducible)
    "uniform": (2, 2),
    "normal": (2, 2),
    "lognormal": (2, 2),
    "exponential": (1, 1),
    "poisson": (1, 1),
    "bernoulli": (1, 1),
}
RANDOM_FUNCTIONS = {"uniform", "normal", "lognormal", "exponential", "poisson", "bernoulli"}

_BINARY = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_COMPARE = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)
_UNARY = (ast.USub, ast.UAdd, ast.Not, ast.Invert)


@dataclass(frozen=True)
class Expression:
    """A checked expression: its tree, the columns it reads and whether it draws at random."""

    text: str
    tree: ast.expr
    names: tuple[str, ...]  # `column` of the row or `table.column` of a referenced row
    random: bool


@lru_cache(maxsize=1024)
def parse(text: str) -> Expression:
    """Parse and check `text`; ValueError names what is not allowed and where."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("the expression is empty")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        where = f"{exc.msg} (column {exc.offset})"
        raise ValueError(f"cannot read expression {text!r}: {where}") from None
    names: list[str] = []
    random = _check(tree, text, names)
    return Expression(text, tree, tuple(dict.fromkeys(names)), random)


def reference(node: ast.expr) -> str | None:
    """``col`` or ``table.col`` as text, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def _bad(node: ast.AST, text: str, what: str) -> ValueError:
    part = ast.get_source_segment(text.strip(), node) or type(node).__name__
    return ValueError(f"{what} in expression {text!r}: {part!r}")


def _check(node: ast.AST, text: str, names: list[str]) -> bool:
    """Walk the tree; collect the names read; True when something is drawn at random."""
    match node:
        case ast.Constant(value=value):
            if value is None or isinstance(value, (int, float, str, bool)):
                return False
            raise _bad(node, text, "unsupported constant")
        case ast.Name() | ast.Attribute():
            name = reference(node)
            if name is None:
                raise _bad(node, text, "only `column` or `table.column` may be named")
            if name in FUNCTIONS:
                raise _bad(node, text, f"`{name}` is a function; call it")
            names.append(name)
            return False
        case ast.BinOp(left=left, op=op, right=right):
            if not isinstance(op, _BINARY):
                raise _bad(node, text, "unsupported operator")
            return _check(left, text, names) | _check(right, text, names)
        case ast.UnaryOp(op=op, operand=operand):
            if not isinstance(op, _UNARY):
                raise _bad(node, text, "unsupported operator")
            return _check(operand, text, names)
        case ast.BoolOp(values=values):
            return any([_check(v, text, names) for v in values])
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            if len(ops) != 1 or not isinstance(ops[0], _COMPARE):
                raise _bad(node, text, "one comparison at a time (write `a < b and b < c`)")
            right = comparators[0]
            if isinstance(ops[0], (ast.In, ast.NotIn)):
                if not isinstance(right, (ast.List, ast.Tuple)) or not all(
                    isinstance(e, ast.Constant) for e in right.elts
                ):
                    raise _bad(node, text, "`in` takes a list of constants")
                return _check(left, text, names)
            return _check(left, text, names) | _check(right, text, names)
        case ast.IfExp(test=test, body=body, orelse=orelse):
            return any([_check(n, text, names) for n in (test, body, orelse)])
        case ast.Call(func=func, args=args, keywords=keywords):
            if not isinstance(func, ast.Name) or func.id not in FUNCTIONS:
                known = ", ".join(sorted(FUNCTIONS))
                raise _bad(node, text, f"unknown function (known: {known})")
            if keywords:
                raise _bad(node, text, "arguments are positional only")
            low, high = FUNCTIONS[func.id]
            if len(args) < low or (high is not None and len(args) > high):
                most = "any number of" if high is None else str(high)
                raise _bad(node, text, f"{func.id} takes {low} to {most} arguments")
            if func.id == "date" and not (
                isinstance(args[0], ast.Constant) and isinstance(args[0].value, str)
            ):
                raise _bad(node, text, "date() takes a text constant such as '2026-01-01'")
            drawn = any([_check(a, text, names) for a in args])
            return drawn or func.id in RANDOM_FUNCTIONS
    raise _bad(node, text, "not allowed")

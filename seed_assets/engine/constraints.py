"""Table constraints on a generated chunk: understood CHECKs repaired, then every row that still
breaks one (or repeats a composite key) dropped, so the database never sees a failing row.

Repairs move a value the least that satisfies a conjunct (a range: clip; an IN list: a value from
the list; ``a < b``: the side no key depends on, one step past the other), and only in columns
that nothing else relies on: never a key, a foreign key, a sequence or a constant. What a repair
cannot fix (a CHECK that contradicts another, or a key column out of range) is dropped, after the
whole CHECK is evaluated with SQL's rules (a CHECK fails only when it is FALSE, not NULL).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from seed_assets.engine.frames import DATE_UNIT, null_mask
from seed_assets.engine.values import numeric_bounds
from seed_assets.spec import checks as ck
from seed_assets.spec.models import (
    INTEGER_TYPES,
    NUMERIC_TYPES,
    TEMPORAL_TYPES,
    ColumnSpec,
    TableSpec,
)

FALSE, UNKNOWN, TRUE = 0, 1, 2  # Kleene logic: AND is min, OR is max, NOT is 2 - x


def understood(table: TableSpec) -> list[tuple[ck.Node | None, str]]:
    """Each CHECK of the table (domains' included) as (tree or None when not understood, SQL)."""
    names = tuple(table.columns)
    return [(ck.understand(sql, names), sql) for sql in check_sql(table)]


def check_sql(table: TableSpec) -> list[str]:
    """The SQL of every CHECK on the table: its own, and its columns' domain checks on them."""
    out = [c.sql for c in table.checks]
    for name, column in table.columns.items():
        if column.domain is not None and column.domain.check:
            out.append(ck.replace_value(column.domain.check, name))
    return out


def opaque_checks(table: TableSpec) -> list[str]:
    """The CHECKs the generator does not understand: only the database can evaluate them."""
    return [sql for node, sql in understood(table) if node is None]


def composite_keys(table: TableSpec) -> list[list[str]]:
    keys = [list(table.primary_key)] if len(table.primary_key) > 1 else []
    return keys + [list(k) for k in table.unique if len(k) > 1]


def chunk_local(table: TableSpec, key: list[str]) -> bool:
    """Whether two rows with the same `key` can only come from the same chunk (so dropping
    repeats chunk by chunk keeps the key unique): the key holds the driving FK, which puts all
    children of a parent in one chunk, or a column unique on its own."""
    driving = table.driving_fk
    if driving is not None and set(driving.columns) <= set(key):
        return True
    return any(
        table.columns[c].unique or [c] == table.primary_key or [c] in table.unique for c in key
    )


def may_drop_rows(table: TableSpec) -> bool:
    """Whether generation can drop rows of this table (so its row count is an upper bound)."""
    keys = [k for k in composite_keys(table) if not numbered_per_parent(table, k)]
    return bool(table.checks or keys) or any(
        c.domain is not None and c.domain.check for c in table.columns.values()
    )


def numbered_per_parent(table: TableSpec, key: list[str]) -> bool:
    """A key that cannot repeat by construction: the driving FK and a sequence restarted per
    parent (order lines numbered 1..k in each order), never null."""
    driving = table.driving_fk
    if driving is None or not set(driving.columns) <= set(key):
        return False
    return any(
        (column := table.columns[c]).sequence is not None
        and column.sequence.per_parent
        and not column.null_fraction
        for c in key
    )


# -- evaluation ------------------------------------------------------------------------------


class _Frame:
    """The chunk's columns, with comparable views: numbers as float, dates as integer units."""

    def __init__(self, cols: dict[str, np.ndarray], table: TableSpec) -> None:
        self.cols = cols
        self.table = table

    def values(self, operand: ck.Operand, like: ck.Operand | None, n: int):
        """(values, null mask) of an operand; a literal takes the type of the column beside it."""
        if isinstance(operand, ck.Column):
            column = self.table.columns[operand.name]
            return _comparable(self.cols[operand.name], column)
        column = None
        if isinstance(like, ck.Column):
            column = self.table.columns[like.name]
        value = _literal(operand.value, column)
        if value is None:
            return np.zeros(n), np.ones(n, dtype=bool)
        return np.full(n, value, dtype=object if isinstance(value, str) else None), np.zeros(
            n, dtype=bool
        )


def _comparable(array: np.ndarray, column: ColumnSpec):
    null = null_mask(array)
    if column.type in TEMPORAL_TYPES:
        unit = DATE_UNIT[column.type]
        return array.astype(f"datetime64[{unit}]").view(np.int64), null
    if column.type in NUMERIC_TYPES or column.type == "boolean":
        if array.dtype == object:
            out = np.zeros(len(array), dtype=np.float64)
            out[~null] = array[~null].astype(np.float64)
            return out, null
        return array.astype(np.float64, copy=False), null
    out = array.astype(object)
    if null.any():
        out = out.copy()
        out[null] = ""
    return out, null


def _literal(value, column: ColumnSpec | None):
    """A literal as the column compares it: a number, integer date units, or text."""
    if value is None or column is None:
        return value
    if column.type in TEMPORAL_TYPES:
        unit = DATE_UNIT[column.type]
        stamp = np.datetime64(str(value).strip().replace(" ", "T")[:19])
        return int(stamp.astype(f"datetime64[{unit}]").astype(np.int64))
    if column.type in NUMERIC_TYPES or column.type == "boolean":
        if isinstance(value, str):
            if value.lower() in ("t", "true", "f", "false"):
                return float(value.lower() in ("t", "true"))
            return float(value)
        return float(value)
    return str(value)


_COMPARE = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "=": np.equal,
    "<>": np.not_equal,
}


def evaluate(node: ck.Node, cols: dict[str, np.ndarray], table: TableSpec, n: int) -> np.ndarray:
    """The expression per row, as FALSE / UNKNOWN / TRUE (int8)."""
    frame = _Frame(cols, table)
    return _eval(node, frame, n)


def _tri(truth: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    out = np.where(truth, TRUE, FALSE).astype(np.int8)
    out[unknown] = UNKNOWN
    return out


def _eval(node, frame: _Frame, n: int) -> np.ndarray:
    match node:
        case ck.Compare(left=left, op=op, right=right):
            a, a_null = frame.values(left, right, n)
            b, b_null = frame.values(right, left, n)
            return _tri(_COMPARE[op](a, b).astype(bool), a_null | b_null)
        case ck.Between(operand=o, low=low, high=high, negated=neg):
            inside = ck.And((ck.Compare(o, ">=", low), ck.Compare(o, "<=", high)))
            result = _eval(inside, frame, n)
            return (TRUE - result).astype(np.int8) if neg else result
        case ck.InList(operand=o, values=values, negated=neg):
            a, a_null = frame.values(o, None, n)
            like = o if isinstance(o, ck.Column) else None
            column = frame.table.columns[like.name] if like else None
            options = [_literal(v, column) for v in values if v is not None]
            found = np.isin(a, np.asarray(options, dtype=a.dtype)) if options else np.zeros(n, bool)
            result = _tri(found, a_null)
            if any(v is None for v in values):  # x IN (.., NULL) is never FALSE
                result[result == FALSE] = UNKNOWN
            return (TRUE - result).astype(np.int8) if neg else result
        case ck.IsNull(operand=o, negated=neg):
            _, null = frame.values(o, None, n)
            return _tri(~null if neg else null, np.zeros(n, dtype=bool))
        case ck.And(items=items):
            return np.minimum.reduce([_eval(i, frame, n) for i in items])
        case ck.Or(items=items):
            return np.maximum.reduce([_eval(i, frame, n) for i in items])
        case ck.Not(item=item):
            return (TRUE - _eval(item, frame, n)).astype(np.int8)
    raise TypeError(node)


# -- repair ----------------------------------------------------------------------------------


def _fixed_columns(table: TableSpec) -> set[str]:
    """Columns a repair must not touch: keys, FK columns, sequences and constants."""
    fixed = set(table.primary_key)
    for key in table.unique:
        fixed.update(key)
    for fk in table.foreign_keys:
        fixed.update(fk.columns)
    for name, column in table.columns.items():
        if column.unique or column.source in ("sequence", "constant"):
            fixed.add(name)
    return fixed


def _step(column: ColumnSpec):
    """The smallest move that makes a strict inequality hold, in the column's units."""
    if column.type in TEMPORAL_TYPES or column.type in INTEGER_TYPES or column.type == "boolean":
        return 1
    if column.type == "decimal":
        return 10.0 ** -(column.scale if column.scale is not None else 2)
    return 10.0 ** -(column.round if column.round is not None else 6)


class Repairer:
    """Moves values of one chunk so that understood CHECKs hold; `rng` draws IN-list values."""

    def __init__(self, cols: dict[str, np.ndarray], table: TableSpec, rng: np.random.Generator):
        self.cols = cols
        self.table = table
        self.rng = rng
        self.fixed = _fixed_columns(table)
        self.n = len(next(iter(cols.values()))) if cols else 0

    def repair(self, node: ck.Node) -> None:
        for part in ck.conjuncts(node):
            self._repair(part, np.ones(self.n, dtype=bool))

    def _movable(self, operand) -> bool:
        return isinstance(operand, ck.Column) and operand.name not in self.fixed

    def _failing(self, node, where: np.ndarray) -> np.ndarray:
        return where & (evaluate(node, self.cols, self.table, self.n) == FALSE)

    def _repair(self, node, where: np.ndarray) -> None:
        match node:
            case ck.Or(items=items):
                guards = [i for i in items if isinstance(i, ck.IsNull)]
                rest = [i for i in items if not isinstance(i, ck.IsNull)]
                if guards and len(rest) == 1:  # x IS NULL OR cond: cond where x is not null
                    held = np.maximum.reduce(
                        [evaluate(g, self.cols, self.table, self.n) for g in guards]
                    )
                    self._repair(rest[0], where & (held != TRUE))
            case ck.Compare(left=ck.Literal(), op=op, right=ck.Column() as right):
                self._repair(ck.Compare(right, ck.FLIPPED[op], node.left), where)
            case ck.Compare(left=ck.Column() as left, op=op, right=ck.Literal(value=value)):
                if self._movable(left) and value is not None:
                    self._to_bound(left.name, op, value, self._failing(node, where))
            case ck.Compare(left=ck.Column() as left, op=op, right=ck.Column() as right):
                self._order(node, left, op, right, where)
            case ck.Between(
                operand=ck.Column() as o, low=ck.Literal() as lo, high=ck.Literal() as hi
            ):
                if not node.negated and self._movable(o):
                    self._to_bound(o.name, ">=", lo.value, self._failing(node, where))
                    self._to_bound(o.name, "<=", hi.value, self._failing(node, where))
            case ck.InList(operand=ck.Column() as o, values=values, negated=False):
                options = [v for v in values if v is not None]
                if self._movable(o) and options:
                    self._draw(o.name, options, self._failing(node, where))

    def _to_bound(self, name: str, op: str, value, rows: np.ndarray) -> None:
        if not rows.any():
            return
        column = self.table.columns[name]
        target = _literal(value, column)
        step = _step(column)
        if op in (">", "<>"):
            target = target + step
        elif op == "<":
            target = target - step
        self._set(name, rows, np.full(int(rows.sum()), target))

    def _order(self, node, left: ck.Column, op: str, right: ck.Column, where) -> None:
        if op == "<>" or not (self._movable(left) or self._movable(right)):
            return
        rows = self._failing(node, where)
        if not rows.any():
            return
        # Move the side whose value is meant to follow: the one an `after` rule places after the
        # other, else the side the comparison says is the larger.
        a, b = self.table.columns[left.name], self.table.columns[right.name]
        if not self._movable(right) or (self._movable(left) and a.after == right.name):
            moved, other, op_moved = left, right, op
        elif not self._movable(left) or b.after == left.name:
            moved, other, op_moved = right, left, ck.FLIPPED[op]
        elif op in (">", ">="):
            moved, other, op_moved = left, right, op
        else:
            moved, other, op_moved = right, left, ck.FLIPPED[op]
        column = self.table.columns[moved.name]
        base, _ = _comparable(self.cols[other.name], self.table.columns[other.name])
        base = base[rows]
        step = _step(column)
        if op_moved == ">":
            base = base + step
        elif op_moved == "<":
            base = base - step
        self._set(moved.name, rows, base)

    def _draw(self, name: str, options: list, rows: np.ndarray) -> None:
        if not rows.any():
            return
        column = self.table.columns[name]
        picks = self.rng.integers(0, len(options), int(rows.sum()))
        values = [options[i] for i in picks]
        if column.type in NUMERIC_TYPES or column.type == "boolean" or column.type in DATE_UNIT:
            values = [_literal(v, column) for v in values]
        self._set(name, rows, np.asarray(values, dtype=object))

    def _set(self, name: str, rows: np.ndarray, values: np.ndarray) -> None:
        """Write comparable values (numbers, integer date units, text) back in the column's
        own dtype, within the range its type holds."""
        column = self.table.columns[name]
        array = self.cols[name].copy()
        if column.type in TEMPORAL_TYPES:
            unit = DATE_UNIT[column.type]
            stamps = np.asarray(values, dtype=np.int64).astype(f"datetime64[{unit}]")
            array[rows] = stamps.astype(array.dtype)
        elif column.type in NUMERIC_TYPES:
            numbers = np.asarray(values, dtype=np.float64)
            low, high = numeric_bounds(column)
            if low is not None:
                numbers = np.clip(numbers, low, high)
            if column.type in INTEGER_TYPES:
                numbers = np.rint(numbers)
            elif column.scale is not None or column.round is not None:
                digits = column.round if column.round is not None else column.scale
                numbers = np.round(numbers, digits)
            if array.dtype == object:
                array[rows] = [int(v) if column.type in INTEGER_TYPES else v for v in numbers]
            else:
                array[rows] = numbers.astype(array.dtype)
        elif column.type == "boolean":
            array[rows] = np.asarray(values, dtype=np.float64) != 0
        else:
            array[rows] = values
        self.cols[name] = array


# -- the chunk -------------------------------------------------------------------------------


def enforce(
    cols: dict[str, np.ndarray], table: TableSpec, rng: np.random.Generator
) -> np.ndarray | None:
    """Repair the chunk in place for understood CHECKs; the rows to keep (None: all of them)."""
    n = len(next(iter(cols.values()))) if cols else 0
    nodes = [node for node, _ in understood(table) if node is not None]
    keep = np.ones(n, dtype=bool)
    if nodes:
        repairer = Repairer(cols, table, rng)
        for node in nodes:
            repairer.repair(node)
        for node in nodes:
            keep &= evaluate(node, cols, table, n) != FALSE
    for key in composite_keys(table):
        keep &= ~_repeated(cols, key, keep)
    return None if keep.all() else keep


def _repeated(cols: dict[str, np.ndarray], key: Iterable[str], keep: np.ndarray) -> np.ndarray:
    """Rows whose key repeats one kept earlier in the chunk (a key with a NULL never repeats)."""
    key = list(key)
    frame = pd.DataFrame({c: cols[c] for c in key})
    null = frame.isna().any(axis=1).to_numpy()
    candidates = keep & ~null
    repeated = np.zeros(len(frame), dtype=bool)
    if candidates.sum() > 1:
        rows = np.flatnonzero(candidates)
        repeated[rows] = frame.iloc[rows].duplicated(keep="first").to_numpy()
    return repeated

"""Aggregates of children, checked exactly when the children are checked: each parent's
`aggregate` column equals its children's values combined (the parent was written first, from
children it made itself; these are the children as written).

Fed chunk by chunk: children of a parent are contiguous (the driving FK orders the table), so
each chunk completes every parent before its last one, whose rows are carried to the next
chunk; parents without children are compared too (a count or sum of 0, else null). Only the
parent rows of the range in hand are read, never the parent table whole.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from seed_assets.engine.aggregates import combine, frame_array
from seed_assets.engine.expressions import evaluate
from seed_assets.engine.frames import null_mask
from seed_assets.engine.relations import cast, values_as_float
from seed_assets.spec.expressions import parse
from seed_assets.spec.models import Spec

# (table, column, positions) -> that column's values at those rows
ParentAt = Callable[[str, str, np.ndarray], np.ndarray]


def aggregates_over(spec: Spec, child: str) -> list[tuple[str, str]]:
    """The (parent table, column) pairs that aggregate `child`'s rows."""
    return [
        (table, name)
        for table, spec_table in spec.tables.items()
        for name, column in spec_table.columns.items()
        if column.aggregate is not None and column.aggregate.table == child
    ]


class AggregateCheck:
    """One parent column aggregating this table's rows, compared parent by parent."""

    def __init__(self, spec: Spec, child: str, parent: str, column: str, parents: range) -> None:
        self.spec = spec
        self.parent = parent
        self.column = column
        self.spec_column = spec.tables[parent].columns[column]
        self.aggregate = self.spec_column.aggregate
        self.expression = parse(self.aggregate.expr) if self.aggregate.expr else None
        self.next = parents.start  # the first parent not compared yet
        self.stop = parents.stop
        self.carried: tuple[np.ndarray, np.ndarray | None] | None = None
        self.differing = 0
        self.compared = 0
        self.samples: list[dict] = []

    @property
    def subject(self) -> str:
        what = self.aggregate.expr or "rows"
        return f"{self.parent}.{self.column} = {self.aggregate.function}({what}): differing"

    def add(self, frame: pd.DataFrame, positions: np.ndarray, parent_at: ParentAt) -> None:
        keep = positions >= 0
        positions = positions[keep]
        values = None
        if self.expression is not None:
            arrays = {c: frame_array(frame[c]) for c in self.expression.names}
            made = np.asarray(evaluate(self.expression, arrays.__getitem__, len(frame)))
            values = made[keep]
        if self.carried is not None:
            positions = np.concatenate([self.carried[0], positions])
            if values is not None:
                values = np.concatenate([self.carried[1], values])
        if len(positions) and (np.diff(positions) < 0).any():
            raise ValueError(f"{self.parent} rows are not in parent order; cannot sum children")
        if not len(positions):
            self.carried = None
            return
        last = int(positions[-1])
        open_rows = positions == last
        self.carried = (positions[open_rows], None if values is None else values[open_rows])
        done = ~open_rows
        self._compare(last, positions[done], None if values is None else values[done], parent_at)

    def finish(self, parent_at: ParentAt) -> None:
        positions, values = self.carried or (np.zeros(0, np.int64), None)
        if self.expression is not None and values is None:
            values = np.zeros(0)
        self._compare(self.stop, positions, values, parent_at)
        self.carried = None

    def _compare(self, upto: int, positions, values, parent_at: ParentAt) -> None:
        """Parents [next, upto): their children are all in `positions` (sorted)."""
        if upto <= self.next:
            return
        inside = (positions >= self.next) & (positions < upto)
        groups = positions[inside] - self.next
        picked = None if values is None else values[inside]
        expected = cast(
            self.spec_column, combine(self.aggregate.function, picked, groups, upto - self.next)
        )
        rows = np.arange(self.next, upto)
        actual = np.asarray(parent_at(self.parent, self.column, rows))
        bad = _differ(actual, expected)
        self.differing += int(bad.sum())
        self.compared += len(rows)
        for at in np.flatnonzero(bad)[: max(0, 5 - len(self.samples))]:
            self.samples.append(
                {
                    "parent_row": int(rows[at]),
                    self.column: str(actual[at]),
                    "children give": str(expected[at]),
                }
            )
        self.next = upto


def _differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    na, nb = null_mask(a), null_mask(b)
    if "M" not in (a.dtype.kind, b.dtype.kind):
        fa, fb = values_as_float(a), values_as_float(b)
        with np.errstate(invalid="ignore"):
            unequal = ~np.isclose(fa, fb, rtol=1e-9, atol=1e-6)
        return (na != nb) | (~na & ~nb & unequal)
    unequal = np.asarray(a.astype("datetime64[s]") != b.astype("datetime64[s]"), dtype=bool)
    return (na != nb) | (~na & ~nb & unequal)

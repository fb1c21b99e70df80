"""Derived equalities within a row that hold exactly: a number that is always the product, sum
or difference of two others of its row (a line's total is its quantity times its price).

Every candidate is checked by the database over every row of the table, in one query (a count
of the rows where the column differs from the candidate by more than half its last digit); a
candidate is learned only where no row disagrees. It is written as the spec's `expr`, which the
engine computes and the `relations` check verifies row by row; the column's own distribution
goes.
"""

from __future__ import annotations

import itertools
from typing import Any

import sqlalchemy as sa

from seed_assets.sources.profile.aggregates import tolerance
from seed_assets.sources.profile.sampling import Sampler
from seed_assets.spec.models import NUMERIC_TYPES

MIN_ROWS = 20  # fewer rows than this prove no equality
MAX_INPUTS = 8  # numbers of a row tried as inputs (pairs grow with their square)
# Sources an exact equality does not replace (a fitted `when`, `copy_of` or `expr` it does).
_FIXED = ("aggregate", "constant", "sequence", "unique", "after", "before")
_OPERATORS = ("*", "+", "-")


def learn(sampler: Sampler, table: str, data: dict[str, Any], keys: set[str], comments) -> None:
    """Write an `expr` into each column of `table` that another two of its row give exactly."""
    columns = data["columns"]
    numbers = [
        name
        for name, fields in columns.items()
        if fields.get("type") in NUMERIC_TYPES and name not in keys
    ][:MAX_INPUTS]
    targets = [name for name in numbers if not any(k in columns[name] for k in _FIXED)]
    if len(numbers) < 3 or not targets or sampler.row_count(table) < MIN_ROWS:
        return
    candidates = []
    for target in targets:
        inputs = [n for n in numbers if n != target and not _reads(columns[n], target)]
        for a, b in itertools.combinations(inputs, 2):
            for op in _OPERATORS:
                candidates.append((target, f"{a} {op} {b}"))
                if op == "-":
                    candidates.append((target, f"{b} {op} {a}"))
    wrong = _disagreements(sampler, table, data, candidates)
    done: set[str] = set()
    read: set[str] = set()  # inputs of the equalities written: never derived themselves
    for (target, expr), count in zip(candidates, wrong, strict=True):
        if count == 0 and target not in done | read and not _reads_any(expr, done | {target}):
            done.add(target)
            read.update(expr.split(" ")[::2])
            fields = columns[target]
            for key in ("distribution", "min", "max", "choice", "round", "when", "copy_of"):
                fields.pop(key, None)
            fields["expr"] = expr
            comments[("column", table, target)] = (
                f"profiled; equals {expr} in every row of the source"
            )


def _reads(fields: dict, column: str) -> bool:
    """This column's own dependency reads `column` (it could not be an input then)."""
    when = fields.get("when") or {}
    texts = [fields.get("expr") or "", fields.get("logit") or ""]
    return when.get("column") == column or any(column in text for text in texts)


def _reads_any(expr: str, derived: set[str]) -> bool:
    """An input of `expr` is itself derived here (no chains: each reads plain columns)."""
    inputs = expr.split(" ")[::2]
    return any(name in derived for name in inputs)


def _disagreements(sampler: Sampler, table: str, data: dict, candidates) -> list[int | None]:
    t = sampler.table(table)
    if not candidates:
        return []
    picked = [sa.func.count()]
    for target, expr in candidates:
        a, op, b = expr.split(" ")
        x, y = (sa.cast(t.c[name], sa.Float) for name in (a, b))
        made = x * y if op == "*" else x + y if op == "+" else x - y
        real = sa.cast(t.c[target], sa.Float)
        limit = tolerance(data["columns"][target])
        wrong = sa.or_(
            t.c[target].is_(None),
            t.c[a].is_(None),
            t.c[b].is_(None),
            sa.func.abs(made - real) > limit,
        )
        picked.append(sa.func.sum(sa.case((wrong, 1), else_=0)))
    targets = list(dict.fromkeys(target for target, _ in candidates))
    distinct = [sa.func.count(sa.distinct(t.c[target])) for target in targets]
    try:
        with sampler.conn.engine.connect() as conn:  # as aggregates.py: a failure learns nothing
            row = list(conn.execute(sa.select(*picked, *distinct)).one())
    except sa.exc.SQLAlchemyError:
        return [None] * len(candidates)
    rows, counts = row[0], row[1 : 1 + len(candidates)]
    varied = {t for t, k in zip(targets, row[1 + len(candidates) :], strict=True) if (k or 0) > 1}
    return [
        count if rows >= MIN_ROWS and target in varied else None
        for (target, _), count in zip(candidates, counts, strict=True)
    ]

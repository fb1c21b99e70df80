"""Aggregate equalities that hold exactly: a parent's number that is always its children's
count, or the sum of one of their numbers or of a product of two (an invoice's total is the
sum of its lines' ``UnitPrice * Quantity``).

Each candidate is checked by the database over every parent row (a LEFT JOIN on the children
grouped by their FK; a parent with no children counts as 0), so nothing is sampled and nothing
but a count of disagreeing rows is read. A candidate is learned only if no parent row
disagrees by more than half the column's last digit. It is written in the spec's own form,
``aggregate: {table, function, expr}``; the child's FK to the parent then drives its rows (the
engine makes a parent's children before the parent's aggregate), and the FK that drove it
before picks its parents by its measured spread instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations_with_replacement
from typing import Any

import sqlalchemy as sa

from seed_assets.sources.profile.keys import parse_reference
from seed_assets.sources.profile.sampling import Sampler
from seed_assets.spec.models import INTEGER_TYPES, NUMERIC_TYPES

MIN_PARENTS = 10  # fewer parent rows than this prove no equality
_TAKEN = ("aggregate", "expr", "copy_of", "when", "constant", "sequence", "unique")


@dataclass
class Equality:
    parent: str
    column: str
    child: str
    fk_index: int
    function: str  # "count" or "sum"
    expr: str | None

    @property
    def fields(self) -> dict[str, Any]:
        spec = {"table": self.child, "function": self.function}
        return spec | ({"expr": self.expr} if self.expr else {})

    @property
    def words(self) -> str:
        what = "count of" if self.function == "count" else f"sum of {self.expr} over"
        return f"equals the {what} its {self.child} rows in every row of the source"


def learn(sampler: Sampler, tables: dict[str, dict], comments: dict) -> list[Equality]:
    """Find every exact aggregate equality and write it into `tables`."""
    found = []
    for child, data in tables.items():
        for index, fk in enumerate(data.get("foreign_keys", [])):
            found += _for_fk(sampler, tables, child, data, index, fk)
    taken: set[tuple[str, str]] = set()
    drivers: dict[str, int] = {}
    for item in found:
        if (item.parent, item.column) in taken or drivers.get(item.child, item.fk_index) != (
            item.fk_index
        ):
            continue  # one aggregate per column; a child is driven by one FK
        taken.add((item.parent, item.column))
        drivers[item.child] = item.fk_index
        _write(item, tables, comments)
    return [i for i in found if (i.parent, i.column) in taken]


def _for_fk(sampler, tables, child, data, index, fk) -> list[Equality]:
    """Each of the parent's numbers that is an aggregate of the children through `fk`."""
    parent, refs = parse_reference(fk)
    columns = [fk["columns"]] if isinstance(fk["columns"], str) else list(fk["columns"])
    if (
        parent == child
        or parent not in tables
        or fk.get("via") is not None
        or len(columns) != 1
        or len(refs) != 1
        or not ("spread" in fk or "cardinality" in fk)
        or data["columns"][columns[0]].get("null_fraction")
        or any(parse_reference(f)[0] == child for f in tables[parent].get("foreign_keys", []))
        or _reads_parent(data, parent)
        or _may_drop_rows(tables[parent])
        # A per-parent sequence counts within the FK that drives now: that one only.
        or ("cardinality" not in fk and any(_per_parent(f) for f in data["columns"].values()))
    ):
        return []
    parent_keys = set(tables[parent].get("primary_key", [])) | {
        c for f in tables[parent].get("foreign_keys", []) for c in _names(f["columns"])
    }
    targets = [
        name
        for name, fields in tables[parent]["columns"].items()
        if fields.get("type") in NUMERIC_TYPES
        and name not in parent_keys
        and not any(k in fields for k in _TAKEN)
    ]
    keys = set(data.get("primary_key", [])) | {
        c for f in data.get("foreign_keys", []) for c in _names(f["columns"])
    }
    numbers = [
        name
        for name, fields in data["columns"].items()
        if fields.get("type") in NUMERIC_TYPES and name not in keys
    ]
    if not targets or sampler.row_count(parent) < MIN_PARENTS:
        return []
    candidates: list[tuple[str, str | None]] = [("count", None)]
    candidates += [("sum", name) for name in numbers]
    candidates += [("sum", f"{a} * {b}") for a, b in combinations_with_replacement(numbers, 2)]
    wrong = _disagreements(sampler, tables, parent, refs[0], targets, child, columns[0], candidates)
    found = []
    for target in targets:
        for function, expr in candidates:  # the simplest first
            if wrong.get((target, function, expr)) == 0:
                found.append(Equality(parent, target, child, index, function, expr))
                break
    return found


def _disagreements(sampler, tables, parent, key, targets, child, fk, candidates) -> dict:
    """Per (target, function, expr): the parent rows whose target differs from the children's
    aggregate by more than half a last digit, all counted in one query (one scan of each
    table). Targets that are constant or on too few rows are left out (no equality worth
    writing)."""
    p, c = sampler.table(parent), sampler.table(child)
    values = []
    for function, expr in candidates:
        if function == "count":
            values.append(sa.func.count())
            continue
        # As floats: a product of two integer columns can overflow the database's integers.
        factors = [sa.cast(c.c[name.strip()], sa.Float) for name in expr.split("*")]
        values.append(sa.func.sum(factors[0] if len(factors) == 1 else factors[0] * factors[1]))
    grouped = (
        sa.select(c.c[fk].label("fk"), *(v.label(f"v{i}") for i, v in enumerate(values)))
        .group_by(c.c[fk])
        .subquery()
    )
    picked, labels = [sa.func.count()], []
    for target in targets:
        real = sa.cast(p.c[target], sa.Float)
        limit = tolerance(tables[parent]["columns"][target])
        picked.append(sa.func.count(sa.distinct(p.c[target])))
        for i, candidate in enumerate(candidates):
            made = sa.cast(sa.func.coalesce(grouped.c[f"v{i}"], 0), sa.Float)
            wrong = sa.or_(p.c[target].is_(None), sa.func.abs(made - real) > limit)
            picked.append(sa.func.sum(sa.case((wrong, 1), else_=0)))
            labels.append((target, *candidate))
    query = sa.select(*picked).select_from(p.outerjoin(grouped, p.c[key] == grouped.c.fk))
    try:
        # On a connection of its own: a failed query must not end the profile's transaction
        # (and the sampler's connection streams its results, which a SAVEPOINT cannot).
        with sampler.conn.engine.connect() as conn:
            row = list(conn.execute(query).one())
    except sa.exc.SQLAlchemyError:
        return {}  # a type the database cannot add up as a float (money, interval): no equality
    rows, out, at = row[0], {}, 1
    for _ in targets:
        distinct = row[at] or 0
        at += 1
        for _ in candidates:
            label = labels[len(out)]
            out[label] = row[at] if rows >= MIN_PARENTS and distinct > 1 else None
            at += 1
    return out


def tolerance(fields: dict) -> float:
    """Half the column's last digit: how far a stored value may be from its exact figure."""
    if fields["type"] in INTEGER_TYPES:
        return 0.5
    scale = fields.get("scale")
    return 0.5 * 10.0**-scale if isinstance(scale, int) else 1e-6


def _write(item: Equality, tables: dict, comments: dict) -> None:
    fields = tables[item.parent]["columns"][item.column]
    for key in ("distribution", "min", "max", "choice", "round", "null_fraction", "faker"):
        fields.pop(key, None)
    fields["aggregate"] = item.fields
    parent = tables[item.parent]
    pairs = [p for p in parent.get("correlations", []) if item.column not in p["columns"]]
    if pairs:
        parent["correlations"] = pairs
    else:
        parent.pop("correlations", None)
    key = ("column", item.parent, item.column)
    comments[key] = f"profiled; {item.words}"
    fks = tables[item.child]["foreign_keys"]
    for index, fk in enumerate(fks):
        if index == item.fk_index and "spread" in fk:
            fk["cardinality"] = fk.pop("spread")
        elif index != item.fk_index and "cardinality" in fk:
            fk["spread"] = fk.pop("cardinality")
        else:
            continue
        role = "drives the row count" if index == item.fk_index else "parents picked in proportion"
        old = comments.get(("fk", item.child, str(index)), "")
        comments[("fk", item.child, str(index))] = (
            old.rsplit("; ", 1)[0]
            + f"; {role}"
            + (
                f" ({item.parent}.{item.column} is their aggregate)"
                if index == item.fk_index
                else ""
            )
        )


def _may_drop_rows(data: dict) -> bool:
    """The table's CHECKs or composite keys may drop generated rows (engine/constraints.py):
    its row count is then known only by making its rows, whose aggregate would need its
    children, who need that count: the engine cannot order it."""
    keys = [data.get("primary_key") or [], *(data.get("unique") or [])]
    return (
        bool(data.get("checks"))
        or any(isinstance(k, list) and len(k) > 1 for k in keys)
        or any("domain" in f for f in data["columns"].values())
    )


def _reads_parent(data: dict, parent: str) -> bool:
    """A child column made from the parent's row (a copy, a case, a date after it): the
    parent's aggregate would need the children first, and they the parent: a circle."""
    for fields in data["columns"].values():
        for key in ("when", "copy_of", "expr", "logit", "after", "before"):
            if f"{parent}." in str(fields.get(key) or ""):
                return True
    return False


def _per_parent(fields: dict) -> bool:
    return isinstance(fields.get("sequence"), dict) and bool(fields["sequence"].get("per_parent"))


def _names(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)

"""Planning a reflected schema: table order, which FK drives each table's row count (and which
FKs of a cycle are deferred), `via` copies, cardinalities and row counts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from seed_assets.sources.reflect.model import Table

IGNORED_TABLES = {"seed_assets_tables", "sqlite_sequence"}
ROOT_ROWS = 200
LOOKUP_ROWS = 20
_LOOKUP = re.compile(
    r"categor|department|type|status|region|countr|currenc|tag|role|brand|genre|language|unit|"
    r"level|group|team|office|branch|warehouse|store|location",
    re.I,
)


def spec_name(database: str) -> str:
    stem = re.sub(r"\.\w+$", "", database.rsplit("/", 1)[-1])
    cleaned = re.sub(r"\W", "_", stem) or "reflected"
    return cleaned if not cleaned[0].isdigit() else f"db_{cleaned}"


def order_tables(tables: dict[str, Table]) -> list[str]:
    """Parents first where the FKs allow it (a cycle keeps the remaining tables by name)."""
    deps = {
        t: {
            fk["_table"]
            for fk in table.foreign_keys
            if fk["_table"] != t and fk["_table"] in tables
        }
        for t, table in tables.items()
    }
    order: list[str] = []
    while deps:
        ready = sorted(t for t, d in deps.items() if not d)
        if not ready:  # a cycle: take the table whose FKs into it are all nullable
            ready = [_cycle_entry(tables, deps)]
        for t in ready:
            order.append(t)
            del deps[t]
        for d in deps.values():
            d.difference_update(ready)
    return order


def _cycle_entry(tables: dict[str, Table], deps: dict[str, set[str]]) -> str:
    def nullable_out(t: str) -> bool:
        table = tables[t]
        return all(
            any(table.nullable[c] for c in fk["columns"])
            for fk in table.foreign_keys
            if fk["_table"] in deps[t]
        )

    candidates = sorted(deps)
    return next((t for t in candidates if nullable_out(t)), candidates[0])


@dataclass
class TablePlan:
    driving: dict[str, Any] | None = None
    cardinality: str | None = None
    cardinality_why: str = ""
    rows: int | None = None
    rows_why: str = ""
    via: dict[int, str] = field(default_factory=dict)  # FK index -> column it goes through


def plan_table(table: Table, tables: dict[str, Table], plans: dict) -> TablePlan:
    plan = TablePlan()
    for i, fk in enumerate(table.foreign_keys):
        through = _via(table, fk, tables, plan)
        if through is not None:
            plan.via[i] = through
    candidates = [
        fk
        for i, fk in enumerate(table.foreign_keys)
        if i not in plan.via
        and fk["_table"] != table.name
        and not any(table.nullable[c] for c in fk["columns"])
    ]
    keys = [table.primary_key, *table.unique]
    candidates.sort(key=lambda fk: not any(set(fk["columns"]) <= set(k) for k in keys if k))
    if not candidates:
        lookup = bool(_LOOKUP.search(table.name))
        plan.rows = LOOKUP_ROWS if lookup else ROOT_ROWS
        plan.rows_why = "a lookup table: few rows" if lookup else "a root table: default rows"
        return plan
    plan.driving = candidates[0]
    parent_plan = plans.get(plan.driving["_table"])
    small_parent = parent_plan is not None and parent_plan.rows == LOOKUP_ROWS
    plan.cardinality, plan.cardinality_why = _cardinality(table, plan.driving, small_parent)
    return plan


def _via(table: Table, fk: dict, tables: dict[str, Table], plan: TablePlan) -> str | None:
    """A denormalised FK: another FK of this table leads to a table that references the same
    parent key, so this value must be that row's (``transactions.customer_id`` is the
    customer of its account)."""
    for j, other in enumerate(table.foreign_keys):
        middle = other["_table"]
        if other is fk or middle in (table.name, fk["_table"]) or middle not in tables:
            continue
        if any(table.nullable[c] for c in other["columns"]):
            continue
        if plan.via.get(j) == fk["columns"][0]:
            continue  # the other one is already copied through this one
        for candidate in tables[middle].foreign_keys:
            same_target = (candidate["_table"], candidate["_columns"]) == (
                fk["_table"],
                fk["_columns"],
            )
            if same_target and not any(tables[middle].nullable[c] for c in candidate["columns"]):
                return other["columns"][0]
    return None


def _cardinality(table: Table, fk: dict, small_parent: bool) -> tuple[str, str]:
    name = table.name.lower()
    in_pk = set(fk["columns"]) <= set(table.primary_key) and len(table.primary_key) > len(
        fk["columns"]
    )
    parent = fk["_table"]
    keys = [table.primary_key, *table.unique]
    if any(set(k) == set(fk["columns"]) for k in keys if k):
        return "bernoulli(0.7)", f"at most one per {parent} (the FK is unique): 70% have one"
    if re.search(r"invoice|receipt|refund|shipment|payment|return|cancellation", name):
        return "bernoulli(0.5)", f"at most one per {parent} (table name): half have one"
    if re.search(r"(item|line|detail|entry|entries|part)s?$", name):
        return "uniform(1, 4)", "line items: 1 to 4 per " + parent
    if in_pk:
        return (
            "poisson(2, min=1)",
            f"history of its {parent} row (key includes the FK): 1+, about 2",
        )
    if re.search(r"address|profile|setting|preference|detail", name):
        return "poisson(1.5, min=1)", f"1 or a few per {parent}"
    if small_parent:
        return "poisson(10)", f"about 10 per {parent} (a lookup table)"
    return "poisson(3)", f"about 3 per {parent}"


def estimate_rows(order: list[str], tables: dict[str, Table], plans) -> dict[str, int]:
    rows: dict[str, int] = {}
    for t in order:
        plan = plans[t]
        if plan.driving is None:
            rows[t] = plan.rows
        else:
            mean = float(re.findall(r"[\d.]+", plan.cardinality)[0])
            if plan.cardinality.startswith("uniform"):
                low, high = (float(x) for x in re.findall(r"[\d.]+", plan.cardinality)[:2])
                mean = (low + high) / 2
            rows[t] = int(rows.get(plan.driving["_table"], ROOT_ROWS) * mean) + 1
    return rows

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


# Tables that describe other rows (kinds, places, codes) and never own them: an FK to one of
# them is a plain reference, never the FK that drives a table's row count.
_REFERENCE = re.compile(
    r"type|status|categor|genre|language|currenc|countr|region|city|cities|address|unit|level|"
    r"role|tag|brand|media|format|kind|locale|timezone|zone|lookup|code",
    re.I,
)


def order_tables(tables: dict[str, Table]) -> list[str]:
    """Parents first where the FKs allow it; in a cycle, first the table whose FKs into it can
    be filled afterwards (see ``_cycle_entry``)."""
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
        if not ready:
            ready = [_cycle_entry(tables, deps)]
        for t in ready:
            order.append(t)
            del deps[t]
        for d in deps.values():
            d.difference_update(ready)
    return order


def _cycle_entry(tables: dict[str, Table], deps: dict[str, set[str]]) -> str:
    """The table of a cycle made first: its FKs back into the cycle are deferred (filled from
    rows made later), so the best one has only nullable such FKs (a links step fills them),
    else only unique ones (a 1:1 such as ``store.manager_staff_id``: a deferred FK is better
    than a driving one that would give one child per parent at most), else the one that looks
    most like a small owner (stores before staff)."""

    def into_cycle(t: str) -> list[dict]:
        return [fk for fk in tables[t].foreign_keys if fk["_table"] in deps[t]]

    def score(t: str) -> tuple:
        table = tables[t]
        fks = into_cycle(t)
        nullable = all(any(table.nullable[c] for c in fk["columns"]) for fk in fks)
        keys = [k for k in [table.primary_key, *table.unique] if k]
        unique = all(any(set(k) == set(fk["columns"]) for k in keys) for fk in fks)
        return (not nullable, not unique, not _LOOKUP.search(t), t)

    return min(deps, key=score)


@dataclass
class TablePlan:
    driving: dict[str, Any] | None = None
    cardinality: str | None = None
    cardinality_why: str = ""
    rows: int | None = None
    rows_why: str = ""
    via: dict[int, str] = field(default_factory=dict)  # FK index -> column it goes through
    suggestions: list[str] = field(default_factory=list)  # review notes for the YAML


def plan_table(table: Table, tables: dict[str, Table], plans: dict) -> TablePlan:
    """Which FK drives the row count (the owner), and which FKs copy another's row (`via`)."""
    plan = TablePlan()
    for i, fk in enumerate(table.foreign_keys):
        through, certain = _via(table, fk, tables, plan)
        if through is None:
            continue
        if certain:
            plan.via[i] = through
        else:
            plan.suggestions.append(
                f"{table.name}.{', '.join(fk['columns'])} may be the {fk['_table']} of its "
                f"{through} row; if the data says so, add `via: {through}` to that foreign key"
            )
    keys = [k for k in [table.primary_key, *table.unique] if k]
    scored = []
    for i, fk in enumerate(table.foreign_keys):
        parent = fk["_table"]
        if i in plan.via or parent == table.name or parent not in plans:
            continue  # a copy, a self-reference, or a parent made later (a cycle: deferred)
        owner = _owner_score(table, fk, keys)
        if owner is not None:
            scored.append((owner, i, fk))
    if not scored and _finite_key(table) is not None:
        plan.rows, plan.rows_why = 1, f"its key {_finite_key(table)} takes few values: one row"
        plan.suggestions.append(
            f"{table.name}: the primary key {_finite_key(table)} is an enum; one row is "
            "generated (raise `rows` and give each label once by hand if more are needed)"
        )
        return plan
    if not scored:
        lookup = bool(_LOOKUP.search(table.name))
        plan.rows = LOOKUP_ROWS if lookup else ROOT_ROWS
        plan.rows_why = "a lookup table: few rows" if lookup else "a root table: default rows"
        return plan
    plan.driving = min(scored, key=lambda item: item[:2])[2]
    parent_plan = plans.get(plan.driving["_table"])
    small_parent = parent_plan is not None and parent_plan.rows == LOOKUP_ROWS
    plan.cardinality, plan.cardinality_why = _cardinality(table, plan.driving, small_parent)
    return plan


def _finite_key(table: Table) -> str | None:
    """The single-column primary key when its values are a few labels (an enum, a SET, a
    boolean): random rows would repeat them."""
    if len(table.primary_key) != 1:
        return None
    fields = table.columns[table.primary_key[0]]
    if (
        "_labels" in fields
        or fields.get("type") == "boolean"
        or "choice" in fields.get("_value", {})
    ):
        return table.primary_key[0]
    return None


def _owner_score(table: Table, fk: dict, keys: list[list[str]]) -> tuple | None:
    """How much `fk` looks like the table's owner (lower is more), or None when it must not
    drive: a reference to a kind/place/code table (``media_type``, ``address``) unless the FK
    is part of the table's key."""
    parent = fk["_table"].lower()
    stem = re.sub(r"(ies|es|s)$", "", parent)
    named_after = table.name.lower().startswith(stem)  # order_details -> orders
    is_key = any(set(fk["columns"]) == set(k) for k in keys)  # 1:1, values must not repeat
    in_key = any(set(fk["columns"]) <= set(k) and len(k) > len(fk["columns"]) for k in keys)
    reference = bool(_REFERENCE.search(parent))
    nullable = any(table.nullable[c] for c in fk["columns"])
    if reference and not in_key and not named_after and not is_key:
        return None
    return (not is_key, not named_after, not in_key, nullable, reference)


def _via(table: Table, fk: dict, tables: dict[str, Table], plan: TablePlan) -> tuple:
    """(the column of another FK whose row this FK's value should be copied from, whether that
    is certain). Certain: the two FKs share a column, so the database forces the copy (a
    composite FK). Otherwise the structure only suggests it (``payment.customer_id`` and the
    customer of its rental) and the choice is left to a person."""
    for j, other in enumerate(table.foreign_keys):
        middle = other["_table"]
        if other is fk or middle in (table.name, fk["_table"]) or middle not in tables:
            continue
        if plan.via.get(j) == fk["columns"][0]:
            continue  # the other one is already copied through this one
        for candidate in tables[middle].foreign_keys:
            same_target = (candidate["_table"], candidate["_columns"]) == (
                fk["_table"],
                fk["_columns"],
            )
            if not same_target:
                continue
            shared = set(fk["columns"]) & set(other["columns"])
            certain = bool(shared) and not any(table.nullable[c] for c in other["columns"])
            return other["columns"][0], certain
    return None, False


def _cardinality(table: Table, fk: dict, small_parent: bool) -> tuple[str, str]:
    name = table.name.lower()
    in_pk = set(fk["columns"]) <= set(table.primary_key) and len(table.primary_key) > len(
        fk["columns"]
    )
    parent = fk["_table"]
    keys = [table.primary_key, *table.unique]
    if any(set(k) == set(fk["columns"]) for k in keys if k):
        return "bernoulli(0.7)", f"at most one per {parent} (the FK is unique): 70% have one"
    if re.search(r"(item|line|detail|entry|entries|part)s?$", name):
        return "uniform(1, 4)", "line items: 1 to 4 per " + parent
    if re.search(
        r"invoice|receipt|refund|shipment|payment|return|cancellation", name
    ) and re.search(
        r"order|rental|booking|reservation|purchase|sale|shipment|invoice", parent, re.I
    ):
        return "bernoulli(0.5)", f"at most one per {parent} (table names): half have one"
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

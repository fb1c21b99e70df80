"""JSON generation plans, the format a person or an LLM writes, as specs.

A plan lists tables with a record count and, per column, a Faker provider and its params::

    {"tables": [{"name": "customers", "record_count": 100,
                 "columns": [{"name": "email", "faker_provider": "email", "params": {}}]}],
     "insertion_order": ["customers", "orders"], "rationale": "..."}

It is validated strictly before anything runs: unknown keys, tables, columns, providers and
params are errors naming the table and column, with the closest valid names; a declared
insertion order must agree with the foreign keys. With a target database, the plan is laid over
the spec reflected from it: what the plan leaves out (keys, foreign keys, dates ordered after
their parents', other columns) comes from reflection and inference. Without one, each plan
table stands alone, its column types taken from the values its providers give.
"""

from __future__ import annotations

import datetime as dt
import decimal
import difflib
import math
import uuid
from typing import Any

from seed_assets.errors import MissingDatabase, SpecError
from seed_assets.providers.faker_pool import check_locale, sample_values
from seed_assets.spec.models import (
    INTEGER_TYPES,
    NUMERIC_TYPES,
    TEMPORAL_TYPES,
    TEXT_TYPES,
    Spec,
)

# `strategy` (per table) and `fallbacks` are what `plan --llm` keeps: the model's explanation and
# the columns it could not get right, left to inference.
PLAN_KEYS = ("tables", "insertion_order", "rationale", "name", "seed", "locale", "fallbacks")
TABLE_KEYS = ("name", "record_count", "columns", "strategy")
COLUMN_KEYS = ("name", "faker_provider", "params")
# Column fields a plan's provider replaces (the value source and what shapes it).
_SOURCE_FIELDS = (
    "faker", "params", "locale", "pool_size", "choice", "distribution", "round", "min", "max",
    "sequence", "constant", "between", "after", "gap", "until", "rate",
)  # fmt: skip


def is_plan(data: Any) -> bool:
    """A plan is a mapping whose `tables` is a list (a spec's is a mapping)."""
    return isinstance(data, dict) and isinstance(data.get("tables"), list)


def _suggest(name: str, options) -> str:
    close = difflib.get_close_matches(str(name), list(options), n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def _known_keys(found: dict, allowed: tuple[str, ...], what: str, source, table=None, column=None):
    for key in found:
        if key not in allowed:
            raise SpecError(
                f"unknown key {key!r} in {what}{_suggest(key, allowed)} "
                f"(allowed: {', '.join(allowed)})",
                source=source,
                table=table,
                column=column,
            )


# -- reading the plan ------------------------------------------------------------------------


def read_plan(data: dict, source: str) -> list[dict]:
    """The plan's tables, structure checked (names, counts, columns, key spelling)."""
    _known_keys(data, PLAN_KEYS, "the plan", source)
    for key in ("rationale", "name"):
        if key in data and not isinstance(data[key], str):
            raise SpecError(f"`{key}` must be a string", source=source)
    fallbacks = data.get("fallbacks", [])
    if not isinstance(fallbacks, list) or not all(isinstance(f, str) for f in fallbacks):
        raise SpecError("`fallbacks` must be a list of strings", source=source)
    tables: list[dict] = []
    seen: set[str] = set()
    for i, entry in enumerate(data["tables"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise SpecError(
                f"tables[{i}] needs a `name` (a string) naming the table", source=source
            )
        name = entry["name"]
        _known_keys(entry, TABLE_KEYS, "a plan table", source, table=name)
        if name in seen:
            raise SpecError(
                "the plan lists this table twice; list it once", source=source, table=name
            )
        seen.add(name)
        count = entry.get("record_count")
        if count is not None and (
            not isinstance(count, int) or isinstance(count, bool) or count < 0
        ):
            raise SpecError(
                f"record_count must be a whole number >= 0, not {count!r}",
                source=source,
                table=name,
            )
        if not isinstance(entry.get("strategy", ""), str):
            raise SpecError("`strategy` must be a string", source=source, table=name)
        columns = entry.get("columns", [])
        if not isinstance(columns, list):
            raise SpecError("`columns` must be a list of columns", source=source, table=name)
        names: set[str] = set()
        for j, column in enumerate(columns):
            if not isinstance(column, dict) or not isinstance(column.get("name"), str):
                raise SpecError(
                    f"columns[{j}] needs a `name` (a string) naming the column",
                    source=source,
                    table=name,
                )
            column_name = column["name"]
            _known_keys(column, COLUMN_KEYS, "a plan column", source, name, column_name)
            if column_name in names:
                raise SpecError(
                    "the plan lists this column twice",
                    source=source,
                    table=name,
                    column=column_name,
                )
            names.add(column_name)
            if not isinstance(column.get("faker_provider"), str):
                raise SpecError(
                    "`faker_provider` must name a Faker provider (a string)",
                    source=source,
                    table=name,
                    column=column_name,
                )
            if not isinstance(column.get("params", {}), dict):
                raise SpecError(
                    "`params` must be an object of keyword arguments",
                    source=source,
                    table=name,
                    column=column_name,
                )
        tables.append(entry)
    if not tables:
        raise SpecError("the plan lists no tables", source=source)
    return tables


def _samples(table: str, column: dict, locale: str, source: str) -> list:
    try:
        return sample_values(column["faker_provider"], column.get("params") or {}, locale)
    except ValueError as exc:
        raise SpecError(str(exc), source=source, table=table, column=column["name"]) from None


# -- a plan with a target: over the reflected spec -------------------------------------------


def spec_from_plan(
    data: dict,
    *,
    source: str = "<plan>",
    target: str | None = None,
    name: str | None = None,
    reflected: dict | None = None,
) -> Spec:
    """Validate a plan and turn it into a spec (over the spec reflected from `target`, or over
    `reflected`, the data of such a reflection, when the caller has it: it is not changed)."""
    import copy

    from seed_assets.spec.loader import spec_from_dict

    tables = read_plan(data, source)
    locale = data.get("locale", "en_US")
    try:
        check_locale(locale)
    except ValueError as exc:
        raise SpecError(str(exc), source=source) from None
    spec_data = None
    if reflected is not None:
        spec_data = _over_reflection(data, tables, copy.deepcopy(reflected), locale, source)
    elif target is not None:
        from seed_assets.sources.reflect import reflect

        try:
            base = reflect(target).data
        except MissingDatabase:  # no tables yet: the plan makes them, as without a target
            base = None
        if base is not None:
            spec_data = _over_reflection(data, tables, base, locale, source)
    if spec_data is None:
        spec_data = _standalone(tables, locale, source)
    spec_data["name"] = data.get("name") or name or spec_data.get("name") or "plan"
    spec_data["locale"] = locale
    if "seed" in data:
        spec_data["seed"] = data["seed"]
    if data.get("rationale"):
        spec_data["description"] = str(data["rationale"])[:2000]
    spec = spec_from_dict(spec_data, source=source)
    _check_order(spec, [t["name"] for t in tables], data.get("insertion_order"), source)
    return spec


def _over_reflection(data: dict, tables: list[dict], base: dict, locale: str, source: str):
    from seed_assets.spec.loader import spec_from_dict

    base_tables = base["tables"]
    base_spec = spec_from_dict(base, source=f"<reflected from {source}>")
    for entry in tables:
        table_name = entry["name"]
        if table_name not in base_tables:
            hint = _suggest(table_name, base_tables)
            raise SpecError(
                f"the target database has no table {table_name!r}{hint}",
                source=source,
                table=table_name,
            )
        table = base_tables[table_name]
        spec_table = base_spec.tables[table_name]
        for column in entry.get("columns", []):
            _apply_column(table_name, table, spec_table, column, locale, source)
    _apply_counts(base, base_spec, tables, source)
    return base


def _apply_column(table_name, table: dict, spec_table, column: dict, locale: str, source: str):
    column_name = column["name"]
    if column_name not in table["columns"]:
        raise SpecError(
            f"table {table_name!r} has no column {column_name!r}"
            f"{_suggest(column_name, table['columns'])}",
            source=source,
            table=table_name,
            column=column_name,
        )
    fk = spec_table.fk_for_column(column_name)
    if fk is not None:
        raise SpecError(
            f"the column is a foreign key to {fk.references.table}: its values are the parent's "
            "keys; leave it out of the plan",
            source=source,
            table=table_name,
            column=column_name,
        )
    current = spec_table.columns[column_name]
    if column_name in spec_table.primary_key and current.source == "sequence":
        raise SpecError(
            "the column is the table's key, numbered so that foreign keys can reference it; "
            "leave it out of the plan",
            source=source,
            table=table_name,
            column=column_name,
        )
    values = _samples(table_name, column, locale, source)
    problem = _misfit(values, current)
    if problem:
        raise SpecError(problem, source=source, table=table_name, column=column_name)
    # The provider replaces the source; an ENUM's labels go with its `choice` (the table exists,
    # so its type does not change, and the values were checked against the labels above).
    old = table["columns"][column_name]
    fields = {k: v for k, v in old.items() if k not in _SOURCE_FIELDS and k != "enum"}
    fields["faker"] = column["faker_provider"]
    if column.get("params"):
        fields["params"] = dict(column["params"])
    table["columns"][column_name] = fields


def _misfit(values: list, column) -> str | None:
    """Why values of the provider cannot go into the column (None when they can)."""
    kind = column.type
    sample = next((v for v in values if v is not None), None)
    if sample is None:
        return None
    ok = True
    if kind in INTEGER_TYPES:
        ok = isinstance(sample, int) and not isinstance(sample, bool)
    elif kind in NUMERIC_TYPES:
        ok = isinstance(sample, int | float | decimal.Decimal) and not isinstance(sample, bool)
    elif kind == "boolean":
        ok = isinstance(sample, bool)
    elif kind in TEMPORAL_TYPES:
        ok = isinstance(sample, dt.date)
    elif kind == "uuid":
        ok = isinstance(sample, uuid.UUID | str)
    if not ok:
        return (
            f"the provider gives {type(sample).__name__} values (e.g. {sample!r}), which do not "
            f"fit the column's type ({kind}); pick a provider that gives {kind} values"
        )
    if column.enum and column.choice is not None:
        allowed = {str(v) for v in column.choice.values}
        outside = sorted({str(v) for v in values} - allowed)
        if outside:
            return (
                f"the provider gives {outside[0]!r}, which the column's ENUM does not allow "
                f"(allowed: {', '.join(sorted(allowed))}); use random_element with those values"
            )
    return None


def expected_rows(spec: Spec) -> dict[str, float]:
    """Rows each table is expected to get at scale 1 (roots exact, children by the mean of
    their cardinality)."""
    from seed_assets.spec.graph import topological_order

    rows: dict[str, float] = {}
    for name in topological_order(spec):
        table = spec.tables[name]
        driving = table.driving_fk
        if driving is None:
            rows[name] = float(table.rows or 0)
        else:
            rows[name] = rows[driving.references.table] * driving.cardinality.expected_mean()
    return rows


def _apply_counts(base: dict, base_spec: Spec, tables: list[dict], source: str) -> None:
    """Record counts: `rows` of root tables; for children, a cardinality on the driving FK
    whose mean gives the count (kept as reflected when the plan's count is that estimate)."""
    from seed_assets.spec.graph import topological_order

    wanted = {t["name"]: t["record_count"] for t in tables if t.get("record_count") is not None}
    estimate = expected_rows(base_spec)
    rows: dict[str, float] = {}
    for name in topological_order(base_spec):
        table = base["tables"][name]
        spec_table = base_spec.tables[name]
        driving = spec_table.driving_fk
        count = wanted.get(name)
        if driving is None:
            if count is not None:
                table["rows"] = count
            rows[name] = float(table["rows"])
            continue
        parent_rows = rows[driving.references.table]
        if count is None or count == round(estimate[name]):
            rows[name] = parent_rows * driving.cardinality.expected_mean()
            continue
        rows[name] = float(count)
        fk = next(f for f in table["foreign_keys"] if "cardinality" in f)
        fk["cardinality"] = _cardinality_for(name, driving, count, parent_rows, source)


def _cardinality_for(name: str, driving, count: int, parent_rows: float, source: str) -> str:
    parent = driving.references.table
    if parent_rows <= 0:
        raise SpecError(
            f"record_count {count} needs rows of {parent}, which gets none",
            source=source,
            table=name,
        )
    mean = count / parent_rows
    at_most_one = driving.cardinality.max == 1
    if at_most_one:
        if mean > 1:
            raise SpecError(
                f"record_count {count} is more than one per {parent} row ({parent_rows:.0f} "
                f"rows), but each {parent} row has at most one",
                source=source,
                table=name,
            )
        return f"bernoulli({mean:.6g})"
    if mean == 0:
        return "fixed(0)"
    return f"poisson({mean:.6g})"


# -- a plan alone ----------------------------------------------------------------------------


def _standalone(tables: list[dict], locale: str, source: str) -> dict:
    out: dict[str, Any] = {"tables": {}}
    for entry in tables:
        name = entry["name"]
        if entry.get("record_count") is None:
            raise SpecError(
                "record_count is required when no target database gives the table's rows",
                source=source,
                table=name,
            )
        if not entry.get("columns"):
            raise SpecError("the table lists no columns", source=source, table=name)
        columns = {}
        for column in entry["columns"]:
            values = _samples(name, column, locale, source)
            fields = _type_of(values)
            if fields is None:
                raise SpecError(
                    f"provider {column['faker_provider']!r} gives "
                    f"{type(values[0]).__name__} values, which no column type holds",
                    source=source,
                    table=name,
                    column=column["name"],
                )
            fields["faker"] = column["faker_provider"]
            if column.get("params"):
                fields["params"] = dict(column["params"])
            columns[column["name"]] = fields
        out["tables"][name] = {"rows": entry["record_count"], "columns": columns}
    return out


def _type_of(values: list) -> dict[str, Any] | None:
    """A column type for a provider's values."""
    sample = next((v for v in values if v is not None), None)
    match sample:
        case bool():
            return {"type": "boolean"}
        case int():
            return {"type": "bigint"}
        case float():
            return {"type": "float"}
        case decimal.Decimal():
            scale = max((-v.as_tuple().exponent for v in values if v is not None), default=2)
            digits = max(len(str(abs(int(v)))) for v in values if v is not None)
            return {"type": "decimal", "precision": min(max(digits + scale + 4, 10), 38),
                    "scale": max(scale, 0)}  # fmt: skip
        case dt.datetime():
            return {"type": "timestamptz" if sample.tzinfo else "timestamp"}
        case dt.date():
            return {"type": "date"}
        case uuid.UUID():
            return {"type": "uuid"}
        case dict() | list():
            return {"type": "json"}
        case str() | None:
            return {"type": "text"}
    if isinstance(sample, bytes | bytearray):
        return None
    return {"type": "text"}


# -- insertion order -------------------------------------------------------------------------


def _check_order(spec: Spec, planned: list[str], order: Any, source: str) -> None:
    """The declared order lists the plan's tables once each, parents before children."""
    if order is None:
        return
    if not isinstance(order, list) or not all(isinstance(t, str) for t in order):
        raise SpecError("insertion_order must be a list of table names", source=source)
    for name in order:
        if name not in spec.tables:
            raise SpecError(
                f"insertion_order names unknown table {name!r}{_suggest(name, spec.tables)}",
                source=source,
            )
    repeated = sorted({t for t in order if order.count(t) > 1})
    if repeated:
        raise SpecError(
            f"insertion_order lists {', '.join(repeated)} more than once", source=source
        )
    left_out = [t for t in planned if t not in order]
    if left_out:
        raise SpecError(
            f"insertion_order leaves out {', '.join(left_out)}; list every table of the plan",
            source=source,
        )
    position = {t: i for i, t in enumerate(order)}
    cyclic = _cyclic_edges(spec)
    for child, table in spec.tables.items():
        for fk in table.foreign_keys:
            parent = fk.references.table
            if parent == child or child not in position or parent not in position:
                continue
            if (child, parent) in cyclic and any(table.columns[c].is_nullable for c in fk.columns):
                continue  # a nullable FK in a cycle: filled after both tables exist
            if position[parent] > position[child]:
                raise SpecError(
                    f"insertion_order puts {child} before {parent}, but {child}."
                    f"{','.join(fk.columns)} references {parent}: insert {parent} first",
                    source=source,
                    table=child,
                    column=fk.columns[0],
                )


def _cyclic_edges(spec: Spec) -> set[tuple[str, str]]:
    """(child, parent) FK edges that lie on a cycle of tables."""
    edges = {
        (child, fk.references.table)
        for child, table in spec.tables.items()
        for fk in table.foreign_keys
        if fk.references.table != child
    }
    reach: dict[str, set[str]] = {t: set() for t in spec.tables}
    for child, parent in edges:
        reach[child].add(parent)
    changed = True
    while changed:
        changed = False
        for t in reach:
            extra = set().union(*(reach[p] for p in reach[t])) - reach[t] if reach[t] else set()
            if extra:
                reach[t] |= extra
                changed = True
    return {(c, p) for c, p in edges if c in reach[p]}


def plan_from_spec(spec: Spec, rationale: str) -> dict[str, Any]:
    """A plan for `spec` (as ``seed-assets plan`` writes it): each table's expected record
    count and, for columns whose values a Faker provider can give, that provider and params.
    Keys, foreign keys, ordered dates, uuids and json are left out: reflection fills them."""
    from seed_assets.spec.graph import topological_order

    rows = expected_rows(spec)
    tables = []
    for name in topological_order(spec):
        table = spec.tables[name]
        columns = []
        for column_name, column in table.columns.items():
            if table.fk_for_column(column_name) is not None:
                continue
            provider = _as_provider(column)
            if provider is not None:
                columns.append({"name": column_name, **provider})
        tables.append({"name": name, "record_count": round(rows[name]), "columns": columns})
    return {
        "tables": tables,
        "insertion_order": topological_order(spec),
        "rationale": rationale,
    }


def _as_provider(column) -> dict[str, Any] | None:
    """The Faker provider (and params) that gives a column's values, when one does."""
    match column.source:
        case "faker":
            return {"faker_provider": column.faker, "params": dict(column.params)}
        case "choice" if column.type in TEXT_TYPES | INTEGER_TYPES:
            return {
                "faker_provider": "random_element",
                "params": {"elements": list(column.choice.values)},
            }
        case "rate":
            chance = max(1, min(99, round(column.rate * 100)))
            return {"faker_provider": "boolean", "params": {"chance_of_getting_true": chance}}
        case "distribution":
            return _numeric_provider(column)
    return None


def _numeric_provider(column) -> dict[str, Any] | None:
    dist = column.distribution
    low = column.min
    high = column.max
    if dist.kind == "uniform":
        low = dist.low if low is None else max(low, dist.low)
        high = dist.high if high is None else min(high, dist.high)
    elif dist.kind == "lognormal":
        low = 0.01 if low is None else low
        cap = math.exp(dist.mean + 2 * dist.sigma)  # about the 98th percentile
        high = cap if high is None else min(high, cap)
    else:
        return None
    if column.type in INTEGER_TYPES:
        return {
            "faker_provider": "random_int",
            "params": {"min": math.ceil(low), "max": math.floor(high)},
        }
    digits = column.round if column.round is not None else (column.scale or 2)
    return {
        "faker_provider": "pyfloat",
        "params": {
            "min_value": round(low, digits),
            "max_value": round(high, digits),
            "right_digits": digits,
        },
    }

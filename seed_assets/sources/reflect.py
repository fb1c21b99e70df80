"""A spec from a live database: SQLAlchemy's inspector, then inference for the values.

Reflection keeps what the database declares (exact types, nullability, defaults, identity, keys,
foreign keys, unique keys, CHECKs) so that the spec's DDL re-creates the same schema and its rows
are accepted by the original one. Value sources are inferred (``infer.py``); each comes with the
reason the YAML writer prints beside it. Row counts: 200 rows per root table (20 for lookup tables
such as categories), children by a cardinality on the foreign key that drives them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from seed_assets.errors import SpecError, TargetError
from seed_assets.sources.infer import ColumnContext, anchor_column, infer_column
from seed_assets.spec import checks as ck
from seed_assets.spec.models import INTEGER_TYPES, STRING_TYPES, TEMPORAL_TYPES

IGNORED_TABLES = {"seed_assets_tables", "sqlite_sequence"}
ROOT_ROWS = 200
LOOKUP_ROWS = 20
_LOOKUP = re.compile(
    r"categor|department|type|status|region|countr|currenc|tag|role|brand|genre|language|unit|"
    r"level|group|team|office|branch|warehouse|store|location",
    re.I,
)
_JSON_VALID = re.compile(r"^\s*\(?\s*json_valid\s*\(\s*[`\"]?(\w+)[`\"]?\s*\)\s*\)?\s*$", re.I)
_TEXT_DATE = re.compile(r"(_date|_on|^date|_day)$|birth", re.I)
_TEXT_TIME = re.compile(r"(_at|_time|timestamp|_ts)$", re.I)


@dataclass
class Reflection:
    """The reflected spec as plain data (in writing order), the reason for each inferred
    choice, and what a person should review."""

    data: dict[str, Any]
    comments: dict[tuple[str, ...], str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    dialect: str = ""


@dataclass
class _Table:
    name: str
    columns: dict[str, dict[str, Any]]  # column -> spec fields (type part)
    nullable: dict[str, bool]
    defaults: dict[str, str | None]
    identity: dict[str, int]  # column -> start
    comments: dict[str, str | None]
    primary_key: list[str]
    foreign_keys: list[dict[str, Any]]
    unique: list[list[str]]
    checks: list[dict[str, Any]]
    description: str | None = None


def reflect(url: str, *, name: str | None = None) -> Reflection:
    """Read every table of the database at `url` into a spec (plain data, validated)."""
    from seed_assets.targets.base import mask_url
    from seed_assets.targets.connect import (
        check_connection,
        check_sqlite_exists,
        describe_db_error,
    )
    from seed_assets.targets.drivers import check_driver

    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise TargetError(f"cannot open {mask_url(url)}: {exc}") from None
    check_driver(url)
    check_sqlite_exists(url)
    check_connection(engine)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            dialect = conn.dialect
            names = [t for t in inspector.get_table_names() if t not in IGNORED_TABLES]
            if not names:
                raise TargetError(f"{mask_url(url)} has no tables to reflect")
            notes: list[str] = []
            tables = {t: _read_table(inspector, dialect, t, notes) for t in sorted(names)}
    except sa.exc.SQLAlchemyError as exc:
        raise describe_db_error(exc, url) or TargetError(
            f"cannot read {mask_url(url)}: {exc.__class__.__name__}: {exc}"
        ) from None
    finally:
        engine.dispose()
    spec_name = name or _spec_name(sa.make_url(url).database or "reflected")
    return _build(spec_name, tables, dialect.name, notes, mask_url(url))


# -- reading ---------------------------------------------------------------------------------


def _read_table(inspector, dialect, table: str, notes: list[str]) -> _Table:
    raw_checks = inspector.get_check_constraints(table)
    json_columns = set()
    checks = []
    for check in raw_checks:
        match = _JSON_VALID.match(check["sqltext"])
        if match:  # MariaDB's JSON: LONGTEXT with CHECK (json_valid(col)), made by the type
            json_columns.add(match.group(1))
            continue
        entry = {"sql": _clean_sql(check["sqltext"])}
        if check.get("name") and not str(check["name"]).startswith("CONSTRAINT_"):
            entry["name"] = str(check["name"])
        checks.append(entry)
    pk = inspector.get_pk_constraint(table).get("constrained_columns") or []
    columns, nullable, defaults, identity, comments = {}, {}, {}, {}, {}
    for col in inspector.get_columns(table):
        name = col["name"]
        fields = _column_type(col["type"], dialect, name, col["name"] in json_columns)
        if "note" in fields:
            notes.append(f"{table}.{name}: {fields.pop('note')}")
        columns[name] = fields
        nullable[name] = bool(col.get("nullable", True)) and name not in pk
        comments[name] = col.get("comment")
        start = _identity_start(col, pk, fields)
        default = col.get("default")
        if start is not None:
            identity[name] = start
            default = None  # the identity (or SERIAL) makes its own default
            fields["identity"] = _identity_kind(col)
        defaults[name] = default
        if default is not None:
            fields["server_default"] = str(default)
    fks = []
    for fk in inspector.get_foreign_keys(table):
        if fk.get("referred_schema") not in (None, inspector.default_schema_name):
            notes.append(
                f"{table}: foreign key to {fk['referred_schema']}.{fk['referred_table']} (another "
                "schema) left out"
            )
            continue
        entry = {
            "columns": list(fk["constrained_columns"]),
            "references": f"{fk['referred_table']}({', '.join(fk['referred_columns'])})",
            "_table": fk["referred_table"],
            "_columns": list(fk["referred_columns"]),
        }
        if fk.get("name"):
            entry["name"] = str(fk["name"])
        fks.append(entry)
    unique = [list(u["column_names"]) for u in inspector.get_unique_constraints(table)]
    for index in inspector.get_indexes(table):
        if index.get("unique") and not index.get("duplicates_constraint"):
            key = list(index["column_names"])
            if None not in key and key not in unique:
                unique.append(key)
    try:
        description = inspector.get_table_comment(table).get("text")
    except NotImplementedError:
        description = None
    return _Table(
        table,
        columns,
        nullable,
        defaults,
        identity,
        comments,
        list(pk),
        fks,
        unique,
        checks,
        description,
    )


def _clean_sql(sql: str) -> str:
    """A CHECK's text: the rendered form when it is understood (quotes and casts dropped, the
    same on every dialect), else as the database gave it."""
    text = sql.strip()
    try:
        return ck.render(ck.parse(text))
    except (ck.NotUnderstood, RecursionError):
        return text


def _identity_start(col: dict, pk: list[str], fields: dict) -> int | None:
    if fields["type"] not in INTEGER_TYPES:
        return None
    if col.get("identity"):
        return int(col["identity"].get("start") or 1)
    default = str(col.get("default") or "")
    if default.startswith("nextval("):
        return 1
    if col.get("autoincrement") is True and pk == [col["name"]]:
        return 1
    return None


def _identity_kind(col: dict) -> str:
    identity = col.get("identity")
    if identity:
        return "always" if identity.get("always") else "by_default"
    return "auto_increment"


def _column_type(sa_type, dialect, name: str, is_json: bool) -> dict[str, Any]:
    """Spec type fields for a reflected type; `sql_type` keeps the exact type when the spec
    type alone would emit another one."""
    if is_json:
        return {"type": "json"}
    if isinstance(sa_type, postgresql.DOMAIN):
        fields = _column_type(sa_type.data_type, dialect, name, False)
        check = sa_type.check.text if sa_type.check is not None else None
        fields["domain"] = {"name": str(sa_type.name), **({"check": check} if check else {})}
        return fields
    if isinstance(sa_type, sa.Enum):
        labels = [str(v) for v in sa_type.enums]
        fields = {
            "type": "string",
            "length": max((len(v) for v in labels), default=1),
            "_labels": labels,
            "enum": str(sa_type.name) if dialect.name == "postgresql" and sa_type.name else True,
        }
        return fields
    fields = _base_type(sa_type, dialect)
    if fields["type"] in STRING_TYPES and fields["type"] != "char":
        if _TEXT_DATE.search(name):
            fields = {
                "type": "date",
                "sql_type": fields.get("sql_type") or _compiled(sa_type, dialect),
            }
            fields["_why"] = "a date kept as text"
            return fields
        if _TEXT_TIME.search(name):
            fields = {
                "type": "timestamp",
                "sql_type": fields.get("sql_type") or _compiled(sa_type, dialect),
                "_why": "a timestamp kept as text",
            }
            return fields
    ours = _ours(fields, dialect)
    theirs = _compiled(sa_type, dialect)
    if ours is None or _normal(ours, dialect) != _normal(theirs, dialect):
        fields["sql_type"] = theirs
    return fields


def _base_type(sa_type, dialect) -> dict[str, Any]:
    if isinstance(sa_type, mysql.TINYINT) and getattr(sa_type, "display_width", None) == 1:
        return {"type": "boolean"}  # MySQL's BOOLEAN
    if isinstance(sa_type, sa.Boolean):
        return {"type": "boolean"}
    if isinstance(sa_type, sa.Integer):
        fields: dict[str, Any] = {"type": _integer_kind(sa_type)}
        if getattr(sa_type, "unsigned", False):
            fields["unsigned"] = True
        return fields
    if isinstance(sa_type, sa.Float):
        return {"type": "float"}
    if isinstance(sa_type, sa.Numeric):
        fields = {"type": "decimal"}
        if sa_type.precision is not None:
            fields["precision"] = sa_type.precision
            fields["scale"] = sa_type.scale or 0
        return fields
    if isinstance(sa_type, sa.Uuid):
        return {"type": "uuid"}
    if isinstance(sa_type, sa.JSON):
        return {"type": "json"}
    if isinstance(sa_type, sa.DateTime):
        return {"type": "timestamptz" if sa_type.timezone else "timestamp"}
    if isinstance(sa_type, sa.Date):
        return {"type": "date"}
    if isinstance(sa_type, sa.CHAR | sa.NCHAR) and sa_type.length:
        return {"type": "char", "length": sa_type.length}
    if isinstance(sa_type, sa.String):
        if isinstance(sa_type, sa.Text | sa.UnicodeText) or not sa_type.length:
            return {"type": "text"}
        return {"type": "string", "length": sa_type.length}
    text = _compiled(sa_type, dialect)
    return {
        "type": "text",
        "sql_type": text,
        "note": f"type {text} is not generated natively; filled as text (review it)",
    }


def _integer_kind(sa_type) -> str:
    if isinstance(sa_type, mysql.TINYINT):
        return "tinyint"
    if isinstance(sa_type, sa.SmallInteger):
        return "smallint"
    if isinstance(sa_type, sa.BigInteger):
        return "bigint"
    return "integer"


def _compiled(sa_type, dialect) -> str:
    try:
        return str(sa_type.compile(dialect=dialect))
    except sa.exc.CompileError:
        return str(sa_type)


def _ours(fields: dict[str, Any], dialect) -> str | None:
    from seed_assets.spec.models import ColumnSpec
    from seed_assets.targets.ddl import column_type

    try:
        column = ColumnSpec.model_validate(
            {k: v for k, v in fields.items() if not k.startswith("_") and k != "note"}
            | {"constant": None}
        )
    except ValueError:
        return None
    return _compiled(column_type(column), dialect)


def _normal(text: str, dialect) -> str:
    text = re.sub(r'\s+(CHARACTER SET|COLLATE)\s+("[^"]*"|\w+)', "", text.upper())
    text = re.sub(r"\b(TINYINT|SMALLINT|MEDIUMINT|INT|INTEGER|BIGINT)\(\d+\)", r"\1", text)
    text = re.sub(r"\bINT\b", "INTEGER", text)
    text = text.replace("DECIMAL", "NUMERIC").replace(" ", "")
    if dialect.name in ("mysql", "mariadb"):
        text = text.replace("BOOLEAN", "BOOL")
    return text


# -- building --------------------------------------------------------------------------------


def _spec_name(database: str) -> str:
    stem = re.sub(r"\.\w+$", "", database.rsplit("/", 1)[-1])
    cleaned = re.sub(r"\W", "_", stem) or "reflected"
    return cleaned if not cleaned[0].isdigit() else f"db_{cleaned}"


def _order(tables: dict[str, _Table]) -> list[str]:
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


def _cycle_entry(tables: dict[str, _Table], deps: dict[str, set[str]]) -> str:
    def nullable_out(t: str) -> bool:
        table = tables[t]
        return all(
            any(table.nullable[c] for c in fk["columns"])
            for fk in table.foreign_keys
            if fk["_table"] in deps[t]
        )

    candidates = sorted(deps)
    return next((t for t in candidates if nullable_out(t)), candidates[0])


def _build(
    spec_name: str, tables: dict[str, _Table], dialect: str, notes: list[str], shown_url: str
) -> Reflection:
    reflection = Reflection(
        {"name": spec_name, "seed": 0, "description": f"Reflected from {shown_url}."},
        notes=notes,
        dialect=dialect,
    )
    order = _order(tables)
    plans: dict[str, _TablePlan] = {}
    for t in order:
        plans[t] = _plan_table(tables[t], tables, plans)
    rows = _estimate_rows(order, tables, plans)
    out_tables: dict[str, Any] = {}
    for t in order:
        out_tables[t] = _table_data(tables[t], tables, plans, rows, reflection)
    reflection.data["tables"] = out_tables
    _validate(reflection)
    return reflection


@dataclass
class _TablePlan:
    driving: dict[str, Any] | None = None
    cardinality: str | None = None
    cardinality_why: str = ""
    rows: int | None = None
    rows_why: str = ""
    via: dict[int, str] = field(default_factory=dict)  # FK index -> column it goes through


def _plan_table(table: _Table, tables: dict[str, _Table], plans: dict) -> _TablePlan:
    plan = _TablePlan()
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


def _via(table: _Table, fk: dict, tables: dict[str, _Table], plan: _TablePlan) -> str | None:
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


def _cardinality(table: _Table, fk: dict, small_parent: bool) -> tuple[str, str]:
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


def _estimate_rows(order: list[str], tables: dict[str, _Table], plans) -> dict[str, int]:
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


def _table_data(table: _Table, tables, plans, rows: dict[str, int], out: Reflection) -> dict:
    plan = plans[table.name]
    data: dict[str, Any] = {}
    if table.description:
        data["description"] = table.description
    if plan.rows is not None:
        data["rows"] = plan.rows
        out.comments[("rows", table.name)] = plan.rows_why
    if table.primary_key:
        data["primary_key"] = list(table.primary_key)
    fk_columns = {c for fk in table.foreign_keys for c in fk["columns"]}
    singles = {k[0] for k in table.unique if len(k) == 1}
    if len(table.primary_key) == 1:
        singles.add(table.primary_key[0])
    composite = [k for k in [table.primary_key, *table.unique] if len(k) > 1]
    nodes = [ck.understand(c["sql"], tuple(table.columns)) for c in table.checks]
    for column, fields in table.columns.items():
        if fields.get("domain", {}).get("check"):
            nodes.append(
                ck.understand(
                    ck.replace_value(fields["domain"]["check"], column), tuple(table.columns)
                )
            )
    facts = ck.column_facts(n for n in nodes if n is not None)
    anchors = _parent_anchors(table, tables, plan)
    types = {c: f["type"] for c, f in table.columns.items()}
    driving_cols = set(plan.driving["columns"]) if plan.driving else set()
    unique_text = _unique_for_keys(table, composite, driving_cols, singles, fk_columns)
    columns: dict[str, Any] = {}
    for column, type_fields in table.columns.items():
        fields = {k: v for k, v in type_fields.items() if not k.startswith("_")}
        labels = type_fields.get("_labels")
        if labels is not None:
            fields["choice"] = list(labels)
        why = type_fields.get("_why")
        if column in fk_columns:
            reason = _fk_reason(table, column)
            if table.nullable[column]:
                self_ref = any(
                    column in fk["columns"] and fk["_table"] == table.name
                    for fk in table.foreign_keys
                )
                fields["null_fraction"] = 0.2 if self_ref else 0.1
                reason += f"; nullable: {fields['null_fraction']:.0%} NULL"
        else:
            in_key = any(column in k for k in composite)
            ctx = ColumnContext(
                table=table.name,
                name=column,
                type=fields["type"],
                length=fields.get("length"),
                precision=fields.get("precision"),
                scale=fields.get("scale"),
                unsigned=bool(fields.get("unsigned")),
                nullable=table.nullable[column],
                unique=column in singles or column in unique_text,
                in_key=in_key and column not in unique_text,
                identity_start=table.identity.get(column),
                default=table.defaults.get(column),
                labels=labels,
                facts=facts.get(column, ck.ColumnFacts()),
                siblings=types,
                parent_anchor=anchors.get(column),
                per_parent=_per_parent(table, column, driving_cols),
                rows=rows[table.name],
            )
            inferred = infer_column(ctx)
            fields.update(inferred.fields)
            reason = inferred.reason
            if column in unique_text:
                reason += f"; unique, so that ({', '.join(unique_text[column])}) stays unique"
        if column in singles and column not in table.primary_key:
            fields["unique"] = True
        if column in unique_text:
            fields["unique"] = True
        if table.nullable[column] and "null_fraction" not in fields and column not in fk_columns:
            fields["nullable"] = True
        if table.comments.get(column):
            fields["description"] = table.comments[column]
        if why:
            reason = f"{why}; {reason}"
        columns[column] = _ordered(fields)
        out.comments[("column", table.name, column)] = reason
    data["columns"] = columns
    fks = []
    for i, fk in enumerate(table.foreign_keys):
        entry = {k: v for k, v in fk.items() if not k.startswith("_")}
        if i in plan.via:
            entry["via"] = plan.via[i]
            out.comments[("fk", table.name, str(i))] = (
                f"denormalised: the {fk['_table']} of its {plan.via[i]} row"
            )
        elif fk is plan.driving:
            entry["cardinality"] = plan.cardinality
            out.comments[("fk", table.name, str(i))] = plan.cardinality_why
        fks.append(entry)
    if fks:
        data["foreign_keys"] = fks
    composite_unique = [k for k in table.unique if len(k) > 1]
    if composite_unique:
        data["unique"] = composite_unique
    if table.checks:
        data["checks"] = [dict(c) if c.get("name") else c["sql"] for c in table.checks]
        for i, (check, node) in enumerate(zip(table.checks, nodes, strict=False)):
            if node is None:
                out.notes.append(
                    f"{table.name}: CHECK ({check['sql']}) is not understood; the database "
                    "judges each generated row and rows it refuses are dropped"
                )
                out.comments[("check", table.name, str(i))] = (
                    "not understood: evaluated in the database while generating"
                )
            else:
                out.comments[("check", table.name, str(i))] = "understood: honoured when generating"
    return data


def _fk_reason(table: _Table, column: str) -> str:
    fk = next(fk for fk in table.foreign_keys if column in fk["columns"])
    return f"foreign key -> {fk['references']}"


def _per_parent(table: _Table, column: str, driving_cols: set[str]) -> bool:
    pk = table.primary_key
    return (
        bool(driving_cols)
        and column in pk
        and driving_cols <= set(pk)
        and set(pk) - driving_cols == {column}
        and table.columns[column]["type"] in INTEGER_TYPES
    )


def _unique_for_keys(table, composite, driving_cols, singles, fk_columns) -> dict[str, list[str]]:
    """For a composite key that could repeat across chunks (no driving FK in it, nothing unique
    in it), a text column of it made unique on its own: the key then never repeats."""
    chosen: dict[str, list[str]] = {}
    for key in composite:
        if driving_cols and driving_cols <= set(key):
            continue
        if any(c in singles for c in key):
            continue
        for column in key:
            if column not in fk_columns and table.columns[column]["type"] in STRING_TYPES:
                chosen[column] = key
                break
    return chosen


def _parent_anchors(table: _Table, tables, plan: _TablePlan) -> dict[str, tuple[str, str]]:
    """Temporal columns that should follow a parent row's creation time: the table's own
    creation column, after the creation column of the parent of its driving FK (or of another
    NOT NULL FK when that parent has none)."""
    types = {c: f["type"] for c, f in table.columns.items()}
    anchor = anchor_column(types, set())
    if anchor is None:
        return {}
    fks = sorted(
        (fk for fk in table.foreign_keys if fk["_table"] != table.name),
        key=lambda fk: fk is not plan.driving,
    )
    for fk in fks:
        parent = tables.get(fk["_table"])
        if parent is None or any(table.nullable[c] for c in fk["columns"]):
            continue
        if sum(1 for other in table.foreign_keys if other["_table"] == fk["_table"]) != 1:
            continue  # `after` needs one FK to the parent
        parent_anchor = anchor_column({c: f["type"] for c, f in parent.columns.items()}, set())
        if parent_anchor is not None and types[anchor] in TEMPORAL_TYPES:
            return {anchor: (fk["_table"], parent_anchor)}
    return {}


_FIELD_ORDER = [
    "type",
    "length",
    "precision",
    "scale",
    "unsigned",
    "nullable",
    "null_fraction",
    "faker",
    "params",
    "choice",
    "distribution",
    "min",
    "max",
    "round",
    "sequence",
    "constant",
    "between",
    "after",
    "gap",
    "until",
    "rate",
    "unique",
    "enum",
    "identity",
    "server_default",
    "sql_type",
    "domain",
    "description",
]


def _ordered(fields: dict[str, Any]) -> dict[str, Any]:
    known = {k: fields[k] for k in _FIELD_ORDER if k in fields}
    return known | {k: v for k, v in fields.items() if k not in known}


def _validate(reflection: Reflection) -> None:
    """Load the reflected data as a spec; a problem becomes a note (the spec is still written,
    for the user to adjust)."""
    from seed_assets.spec.loader import spec_from_dict

    try:
        spec_from_dict(reflection.data, source="<reflected>")
    except SpecError as exc:
        reflection.notes.append(f"the reflected spec does not load as it is: {exc}")

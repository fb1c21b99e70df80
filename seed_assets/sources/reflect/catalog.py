"""Reading the catalog: a table's columns, keys, FKs, unique keys and CHECKs as declared."""

from __future__ import annotations

import re

from seed_assets.sources.reflect.model import Table
from seed_assets.sources.reflect.types import column_type
from seed_assets.spec import checks as ck
from seed_assets.spec.models import INTEGER_TYPES

_JSON_VALID = re.compile(r"^\s*\(?\s*json_valid\s*\(\s*[`\"]?(\w+)[`\"]?\s*\)\s*\)?\s*$", re.I)


def read_table(inspector, dialect, table: str, notes: list[str]) -> Table:
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
        if col.get("computed"):  # the database computes it: never written, not in the spec
            kind = "stored" if col["computed"].get("persisted") else "virtual"
            notes.append(
                f"{table}.{name}: a generated column ({kind}, AS {col['computed']['sqltext']}); "
                "left to the database, not in the spec"
            )
            continue
        fields = column_type(col["type"], dialect, name, col["name"] in json_columns)
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
            if None in key or any(c not in columns for c in key):
                continue  # an expression index: only the database can judge it
            where = _partial(index)
            # Unique where a condition holds: unique everywhere satisfies it, unless a key
            # column takes a few values only (a boolean, an enum), which the rows would
            # exhaust; then the database judges it.
            if where is not None and any(_finite(columns[c]) for c in key):
                notes.append(
                    f"{table}: unique index {index.get('name')} on ({', '.join(key)}) "
                    f"WHERE {where} is partial on a column of few values; not generated "
                    "as unique (review it)"
                )
                continue
            if key not in unique:
                unique.append(key)
    try:
        description = inspector.get_table_comment(table).get("text")
    except NotImplementedError:
        description = None
    return Table(
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


def _partial(index: dict) -> str | None:
    """The WHERE of a partial index (PostgreSQL, SQLite), else None."""
    options = index.get("dialect_options") or {}
    where = options.get("postgresql_where") or options.get("sqlite_where")
    return None if where is None else str(where)


def _finite(fields: dict) -> bool:
    return (
        fields.get("type") == "boolean"
        or "_labels" in fields
        or "choice" in fields.get("_value", {})
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

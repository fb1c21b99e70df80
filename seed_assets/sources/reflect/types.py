"""Spec types for reflected SQL types: the exact type kept in `sql_type` when ours differs, and
a value source for types the generator has no native kind for."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from seed_assets.sources.reflect.special_types import special_type
from seed_assets.spec.models import STRING_TYPES

_TEXT_DATE = re.compile(r"(_date|_on|^date|_day)$|birth", re.I)
_TEXT_TIME = re.compile(r"(_at|_time|timestamp|_ts)$", re.I)


def column_type(sa_type, dialect, name: str, is_json: bool) -> dict[str, Any]:
    """Spec type fields for a reflected type; `sql_type` keeps the exact type when the spec
    type alone would emit another one."""
    if is_json:
        return {"type": "json"}
    if isinstance(sa_type, postgresql.DOMAIN):
        fields = column_type(sa_type.data_type, dialect, name, False)
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
    special = special_type(
        sa_type, dialect, _compiled(sa_type, dialect), getattr(sa_type, "length", None)
    )
    if special is not None:
        return special
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

"""Values for SQL types the spec has no kind of its own for: arrays, full-text vectors, binary,
network, interval, range, geometric and spatial types, MySQL's SET, YEAR and BIT.

Each is kept exactly (`sql_type`) and given a value source whose values the database accepts
as input for that type; what has no such literal is NULL when the column allows it, with a
review note. Keys starting with `_` are for the spec writer: `_value` replaces inference and
`_why` is the reason printed beside the column.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

# PostgreSQL input literals, by the type's name (lower case, without modifiers).
_PG_LITERALS: dict[str, list[str]] = {
    "tsvector": ["alpha beta", "gamma", "delta epsilon zeta"],
    "tsquery": ["alpha & beta", "gamma"],
    "inet": ["10.0.0.1", "192.168.1.20", "172.16.4.7"],
    "cidr": ["10.0.0.0/8", "192.168.1.0/24", "172.16.0.0/16"],
    "macaddr": ["08:00:2b:01:02:03", "08:00:2b:01:02:04"],
    "macaddr8": ["08:00:2b:01:02:03:04:05"],
    "interval": ["1 day", "2 hours", "30 minutes", "7 days"],
    "int4range": ["[1,10)", "[5,20)"],
    "int8range": ["[1,10)", "[5,20)"],
    "numrange": ["[1.5,10)", "[5,20.25)"],
    "daterange": ["[2024-01-01,2024-02-01)", "[2024-03-01,2024-03-15)"],
    "tsrange": ["[2024-01-01 08:00,2024-01-01 17:00)"],
    "tstzrange": ["[2024-01-01 08:00+00,2024-01-01 17:00+00)"],
    "point": ["(1,2)", "(3.5,-4)", "(0,0)"],
    "line": ["{1,-1,0}"],
    "lseg": ["[(0,0),(1,1)]"],
    "box": ["((0,0),(1,1))"],
    "path": ["((0,0),(1,1),(2,0))"],
    "polygon": ["((0,0),(1,1),(1,0))"],
    "circle": ["<(0,0),1>"],
    "xml": ["<item/>", "<item>1</item>"],
    "bit": ["0", "1"],
    "varbit": ["0", "1", "101"],
    "bit varying": ["0", "1", "101"],
    "txid_snapshot": ["10:20:10,14,15"],
    "pg_lsn": ["16/B374D848"],
}
_BINARY = re.compile(r"^(bytea|(tiny|medium|long)?blob|(var)?binary|image|raw)\b", re.I)
# MySQL/MariaDB spatial values in the server's internal form: SRID 0, then WKB POINT(x y).
# All bytes are ASCII, so the value travels as an ordinary string parameter.
_MYSQL_POINT = "\x00\x00\x00\x00\x01\x01\x00\x00\x00" + "\x00" * 16
_SPATIAL = re.compile(r"^(geometry|point|linestring|polygon|multi\w+|geometrycollection)", re.I)


def special_type(sa_type, dialect, text: str, length: int | None) -> dict[str, Any] | None:
    """Type fields and a value source for a type without a spec kind; None for ordinary
    types. `text` is the type as the database declares it."""
    name = re.sub(r"\(.*$", "", text).strip().lower()
    if isinstance(sa_type, mysql.SET):
        labels = [str(v) for v in sa_type.values]
        return _kept(
            "string",
            text,
            {"choice": labels},
            "SET: one member per row",
            length=max(map(len, labels)),
        )
    if isinstance(sa_type, mysql.YEAR):
        return _kept("integer", text, {"distribution": "uniform(1990, 2025)"}, "YEAR: 1990-2025")
    if isinstance(sa_type, mysql.BIT) or (dialect.name != "postgresql" and name == "bit"):
        return _kept("integer", text, {"choice": [0, 1]}, "BIT: 0 or 1")
    if isinstance(sa_type, postgresql.ARRAY) or text.endswith("]"):
        return _kept("text", text, {"constant": "{}"}, "array: empty (review it)")
    if _BINARY.match(name) or isinstance(sa_type, sa.LargeBinary | sa.types._Binary):
        size = min(length or 16, 16)
        return _kept(
            "text",
            text,
            {"faker": "lexify", "params": {"text": "?" * size}},
            f"binary: {size} letters as bytes",
        )
    if dialect.name in ("mysql", "mariadb") and _SPATIAL.match(name):
        if name in ("geometry", "point"):
            return _kept("text", text, {"constant": _MYSQL_POINT}, "spatial: POINT(0 0)")
        return _null(text, "a spatial value other than a point")
    if dialect.name == "postgresql":
        if name == "money":
            return _kept(
                "decimal",
                text,
                {"distribution": "lognormal(3.5, 1)", "min": 0.01, "round": 2},
                "money: an amount",
                precision=12,
                scale=2,
            )
        literals = _PG_LITERALS.get(name)
        if literals is not None:
            return _kept("text", text, {"choice": literals}, f"{name}: valid input literals")
    return None


def _kept(kind: str, text: str, value: dict, why: str, **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"type": kind, **{k: v for k, v in extra.items() if v is not None}}
    if kind in ("string",) and "length" not in fields:
        fields["length"] = 255
    fields["sql_type"] = text
    fields["_value"] = value
    fields["_why"] = why
    return fields


def _null(text: str, what: str) -> dict[str, Any]:
    return {
        "type": "text",
        "sql_type": text,
        "_value": {"constant": None},
        "_why": f"{what}: NULL (no literal)",
        "note": f"type {text}: {what} has no input literal here; written NULL (review it)",
    }

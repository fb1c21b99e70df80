"""A column's exact database type (``sql_type``) for the database the DDL is for.

`sql_type` is written in the dialect the spec was reflected from: PostgreSQL's ``bytea`` or
``text[]``, MySQL's ``MEDIUMBLOB`` or ``SET('a','b')``, SQLite's ``BLOB``. Generating into
another database keeps the type where that database knows its name, maps binary types to the
target's binary type, and otherwise falls back to the type the spec's `type` alone gives (the
values are generated for that type anyway).
"""

from __future__ import annotations

import re

import sqlalchemy as sa

_BINARY = re.compile(r"^(bytea|(tiny|medium|long)?blob|(var)?binary|image|raw)\b", re.I)
_BINARY_TYPE = {"postgresql": "BYTEA", "mysql": "LONGBLOB", "mariadb": "LONGBLOB"}
# SQLite takes any type name (it only picks an affinity from it) but no other syntax.
_SQLITE_NAME = re.compile(r"^[a-z_][\w ]*(\(\s*[+-]?\d+\s*(,\s*[+-]?\d+\s*)?\))?$", re.I)
# PostgreSQL's own spellings SQLAlchemy's reflection table does not list.
_PG_ALIASES = {
    "varchar", "char", "int", "int2", "int4", "int8", "bool", "float4", "float8", "decimal",
    "timestamptz", "timetz", "varbit", "xml", "point", "line", "lseg", "box", "path",
    "polygon", "circle", "pg_lsn", "txid_snapshot", "bpchar",
}  # fmt: skip
_MYSQL_SPATIAL = {
    "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
    "multipolygon", "geometrycollection", "double", "real", "bool",
}  # fmt: skip


def known_by(text: str, dialect: sa.Dialect) -> bool:
    """Whether `dialect` accepts the type `text` as written."""
    name = dialect.name
    if name == "sqlite":  # INTEGER(1) reads back with a warning: an integer type takes none
        return bool(_SQLITE_NAME.match(text.strip())) and not re.match(
            r"^\w*int\w*\s*\(", text, re.I
        )
    bare = re.sub(r"\([^)]*\)", "", text).strip().lower()
    if name == "postgresql":
        bare = re.sub(r"(\s*\[\s*\d*\s*\])+$", "", bare).strip()
        return bare in dialect.ischema_names or bare in _PG_ALIASES
    if name in ("mysql", "mariadb"):
        if "[" in bare:
            return False
        first = bare.split()[0] if bare else ""
        return first in dialect.ischema_names or first in _MYSQL_SPATIAL
    return True


class Verbatim(sa.types.UserDefinedType):
    """A column type given as SQL text (``sql_type``, a domain name)."""

    cache_ok = True

    def __init__(self, text: str) -> None:
        self.text = text

    def get_col_spec(self, **_kw) -> str:
        return self.text


class ExactType(sa.types.TypeDecorator):
    """`sql_type` where the target knows it; else its binary type or the spec type's own."""

    impl = sa.types.NullType
    cache_ok = True

    def __init__(self, text: str, fallback: sa.types.TypeEngine) -> None:
        super().__init__()
        self.text = text
        self.fallback = fallback

    def load_dialect_impl(self, dialect):
        if known_by(self.text, dialect):
            return Verbatim(self.text)
        if _BINARY.match(self.text.strip()):
            return Verbatim(_BINARY_TYPE.get(dialect.name, "BLOB"))
        return dialect.type_descriptor(self.fallback)

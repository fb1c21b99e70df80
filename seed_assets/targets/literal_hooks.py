"""Every literal SQLAlchemy writes into a statement goes through ``literal.sql_literal``.

SQLAlchemy renders literals itself in DDL: a CHECK built from a `choice` (``IN (...)``), enum
labels, ``COMMENT``s. Its renderers follow what it detected about the server when it first
connected (MySQL's NO_BACKSLASH_ESCAPES, PostgreSQL's standard_conforming_strings), while the
session the tool runs in sets its own modes; and they pass a NUL or a CR through raw, which the
command-line clients cut a line at. So the dialect's statement compiler is given our renderer:
one escaping per dialect for INSERTs and DDL alike, for the session mode the tool sets.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from seed_assets.targets.literal import sql_literal

_HOOKED = "_seed_assets_literals"
# Values our renderer takes; anything else (JSON documents, arrays) stays SQLAlchemy's.
_SCALARS = (str, int, float, decimal.Decimal, dt.date, bytes)
_PERCENT = ("format", "pyformat")


def _name(dialect: sa.engine.Dialect) -> str:
    return "mysql" if dialect.name in ("mysql", "mariadb") else dialect.name


def use_our_literals(dialect: sa.engine.Dialect) -> sa.engine.Dialect:
    """Make `dialect` (an engine's, or one compiled against) render literals as scripts do."""
    if getattr(dialect, _HOOKED, False) or _name(dialect) not in ("postgresql", "mysql", "sqlite"):
        return dialect
    if _name(dialect) == "mysql":
        hook_mysql_enum()
    base = dialect.statement_compiler

    class LiteralCompiler(base):  # type: ignore[misc, valid-type]
        def render_literal_value(self, value, type_):
            if isinstance(value, bool) or not isinstance(value, _SCALARS):
                return super().render_literal_value(value, type_)
            text = sql_literal(_name(self.dialect), value)
            # psycopg/pymysql read '%' in a statement as a placeholder: doubled, as SQLAlchemy's
            # own literals are for these paramstyles.
            return text.replace("%", "%%") if self.dialect.paramstyle in _PERCENT else text

    dialect.statement_compiler = LiteralCompiler
    setattr(dialect, _HOOKED, True)
    return dialect


def _enum_labels(type_, compiler, **_kw) -> str:
    """MySQL's ENUM(...) labels, escaped by our renderer (SQLAlchemy only doubles quotes)."""
    labels = ",".join(sql_literal("mysql", str(label)) for label in type_.enums)
    if compiler.dialect.paramstyle in _PERCENT:
        labels = labels.replace("%", "%%")
    return f"ENUM({labels})"


compiles(sa.Enum, "mysql", "mariadb")(_enum_labels)


@functools.cache
def hook_mysql_enum() -> None:
    """MySQL's own ENUM type (reflected columns) gets the same labels. Registered with the first
    MySQL dialect (every one the tool compiles with comes through ``use_our_literals``), so
    other runs never import SQLAlchemy's MySQL dialect."""
    from sqlalchemy.dialects import mysql

    compiles(mysql.ENUM, "mysql", "mariadb")(_enum_labels)

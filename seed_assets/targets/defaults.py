"""A column's DEFAULT (``server_default``, SQL text kept from the database it was reflected
from) rendered for the database the DDL is for.

A reflected default speaks its own dialect: PostgreSQL's ``'G'::mpaa_rating`` or
``('now'::text)::date``, MySQL's ``current_timestamp()``, SQLite's ``datetime('now')``. Another
database refuses those, so the common forms are translated (a literal keeps its value without
the cast; "now" becomes CURRENT_TIMESTAMP or CURRENT_DATE in that dialect's spelling). A default
that cannot be translated (another dialect's function, the source's own sequence) is left out:
the generator writes every value anyway.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateColumn

# A PostgreSQL cast after a value: ``::text``, ``::character varying(20)``, ``::text[]``.
_CAST = re.compile(r"::\s*[a-z_][\w .]*?(\(\s*\d+(\s*,\s*\d+)?\s*\))?(\[\])*(?=\)|::|\s*$)", re.I)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_STRING = re.compile(r"^'(?:[^']|'')*'$")
_NOW_TIMESTAMP = re.compile(
    r"^(now\(\)|current_timestamp(\(\d*\))?|localtimestamp(\(\d*\))?|getdate\(\)|"
    r"datetime\('now'(,\s*'localtime')?\))$",
    re.I,
)
_NOW_DATE = re.compile(r"^(current_date(\(\))?|curdate\(\)|date\('now'(,\s*'localtime')?\))$", re.I)
_LITERAL_WORDS = {"null", "true", "false"}


def _unwrap(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth, quoted = 0, False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted:
            depth += (ch == "(") - (ch == ")")
            if depth < 0:
                return False
    return depth == 0 and not quoted


def _without_casts(text: str) -> str:
    """``('now'::text)::date`` -> ``'now'``; the casts of a literal only name its type, which
    the column declares already. Strings are left alone."""
    out, rest = [], text
    while rest:
        if rest[0] == "'":
            end = 1
            while end < len(rest):
                if rest[end] == "'" and (end + 1 == len(rest) or rest[end + 1] != "'"):
                    break
                end += 2 if rest[end] == "'" else 1
            out.append(rest[: end + 1])
            rest = rest[end + 1 :]
            continue
        match = _CAST.match(rest)
        if match and match.start() == 0:
            rest = rest[match.end() :]
            continue
        out.append(rest[0])
        rest = rest[1:]
    return _unwrap("".join(out))


def portable_default(text: str, dialect: str, kind: str) -> str | None:
    """`text` as `dialect` (sqlite, postgresql, mysql, mariadb) accepts it for a column of spec
    type `kind`; None when it has no such form."""
    if re.search(r"\bnextval\s*\(", text, re.I):
        return None  # the source's own sequence, which the target lacks (identity replaces it)
    on_update = re.search(r"\s+ON\s+UPDATE\s+.*$", text, re.I | re.S)
    if on_update and dialect not in ("mysql", "mariadb"):
        text = text[: on_update.start()]  # MySQL's column clause: its own dialect only
    # A literal's casts only name a type the column declares (and an enum's type may not exist
    # where the column is not an enum): every dialect, PostgreSQL included, gets the bare value.
    bare = _without_casts(_unwrap(text))
    cast_to_date = bool(re.search(r"::\s*date\s*\)?\s*$", text, re.I))
    now = _NOW_TIMESTAMP.match(bare) or ("::" in text and bare.lower() == "'now'")
    if _NOW_DATE.match(bare) or (cast_to_date and now):
        return _current("date" if kind != "timestamp" else "timestamp", dialect)
    if now:
        return _current("date" if kind == "date" else "timestamp", dialect)
    if _NUMBER.match(bare) or _STRING.match(bare) or bare.lower() in _LITERAL_WORDS:
        if kind == "boolean" and dialect == "postgresql" and bare in ("1", "0", "'1'", "'0'"):
            return "true" if "1" in bare else "false"  # MySQL's TINYINT(1) default
        return bare  # SQLite and MySQL read TRUE/FALSE as 1/0 themselves
    if re.search(r"\b(datetime|strftime|julianday)\s*\(", bare, re.I):
        return text if dialect == "sqlite" else None
    if dialect == "postgresql" or "::" not in text:
        return text  # PostgreSQL's own expression, or one without a dialect's marks
    return None  # a PostgreSQL expression elsewhere: nothing equivalent to say


def _current(what: str, dialect: str) -> str:
    if what == "timestamp":
        return "CURRENT_TIMESTAMP"
    # MySQL/MariaDB take an expression default in parentheses; DATE has no bare keyword there.
    return "(CURRENT_DATE)" if dialect in ("mysql", "mariadb") else "CURRENT_DATE"


class ServerDefault(sa.sql.expression.ColumnElement):
    """A column's DEFAULT, rendered per dialect by `portable_default` when DDL is compiled."""

    inherit_cache = False

    def __init__(self, text: str, kind: str) -> None:
        self.text = text
        self.kind = kind


# What an untranslatable default renders as, removed with its DEFAULT keyword from the column's
# DDL: SQLAlchemy renders a DEFAULT for every server default, and "NOT NULL DEFAULT NULL" is
# refused by MySQL.
_DROPPED = "seed_assets_dropped_default"
_DROPPED_CLAUSE = re.compile(rf"\s+DEFAULT\s+\(?{_DROPPED}\)?", re.I)


@compiles(ServerDefault)
def _render(element: ServerDefault, compiler, **_kw) -> str:
    rendered = portable_default(element.text, compiler.dialect.name, element.kind)
    return _DROPPED if rendered is None else rendered


@compiles(CreateColumn)
def _create_column(element, compiler, **kw) -> str:
    text = compiler.visit_create_column(element, **kw)
    return _DROPPED_CLAUSE.sub("", text) if text and _DROPPED in text else text

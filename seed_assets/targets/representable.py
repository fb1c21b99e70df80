"""Whether a dialect can represent a spec: values it cannot hold, DDL over its limits.
(Sizes, name lengths, column counts and free disk are ``capacity.py``'s.)

Asked before anything is written (``check --dialect``, ``sql``, ``generate``), so a spec that
cannot load is refused up front with the table and column to change, instead of failing half
way through a script or a load.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from seed_assets.errors import SpecError
from seed_assets.spec.models import Spec
from seed_assets.targets.literal import DIALECTS, check_dialect
from seed_assets.targets.urls import url_dialect

# MariaDB stores a CHECK's text in 64 KiB (it refused 66,000 characters, took 65,000); the
# margin covers the charset introducers and escapes it adds when it prints the expression.
MYSQL_CHECK_BYTES = 60_000
MYSQL_ENUM_LABEL_CHARS = 255  # MySQL and MariaDB: ER_TOO_LONG_SET_ENUM_VALUE beyond it
POSTGRES_ENUM_LABEL_BYTES = 63  # NAMEDATALEN - 1
MYSQL_COMMENT_CHARS = {"table": 2048, "column": 1024}  # strict mode refuses longer ones


def unfit(spec: Spec, dialect: str) -> list[SpecError]:
    """Every reason `spec` cannot be written as it is to `dialect` (empty: it fits)."""
    dialect = check_dialect(dialect)
    found: list[SpecError] = []
    if dialect == "postgresql":
        found += _nul_texts(spec)
    found += _enum_labels(spec, dialect)
    if dialect == "mysql":
        found += _mysql_checks(spec)
        found += _mysql_comments(spec)
    return found


def refuse_unfit_url(spec: Spec, url: str) -> None:
    """`refuse_unfit` for the SQL dialect a target URL names (Parquet holds any value)."""
    if (dialect := url_dialect(url)) in DIALECTS:
        refuse_unfit(spec, dialect)


def refuse_unfit(spec: Spec, dialect: str) -> None:
    """Raise the first reason `spec` does not fit `dialect` (with how many more there are)."""
    found = unfit(spec, dialect)
    if not found:
        return
    first = found[0]
    more = f" ({len(found) - 1} more like it)" if len(found) > 1 else ""
    raise SpecError(
        first.message + more, source=spec.source, table=first.table, column=first.column
    )


_DISPLAY = {"postgresql": "PostgreSQL", "mysql": "MySQL/MariaDB", "sqlite": "SQLite"}


def nested_strings(value: Any) -> Iterator[str]:
    """Every string inside a value (a JSON constant may nest them; dict keys included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from nested_strings(key)
            yield from nested_strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from nested_strings(item)


def _column_texts(column) -> Iterator[tuple[str, str]]:
    """(where, text) for every text of a column that reaches the database."""
    if column.choice is not None:
        for value in column.choice.values:
            yield from (("a `choice` value", s) for s in nested_strings(value))
    if column.constant is not None:
        yield from (("the `constant`", s) for s in nested_strings(column.constant))
    if column.sequence is not None and column.sequence.format:
        yield "the sequence `format`", column.sequence.format
    if column.description:
        yield "the `description`", column.description
    if column.domain is not None and column.domain.check:
        yield "the domain's `check`", column.domain.check
    if column.server_default:
        yield "the `server_default`", column.server_default


def _nul_texts(spec: Spec) -> list[SpecError]:
    found = []
    message = (
        "{what} holds a NUL character (\\x00), which PostgreSQL cannot store in text. "
        "Remove it, or write to mysql or sqlite"
    )
    for name, table in spec.tables.items():
        texts = [(None, "the table `description`", table.description or "")]
        texts += [(None, "a `checks` entry", check.sql) for check in table.checks]
        for column_name, column in table.columns.items():
            texts += [(column_name, what, text) for what, text in _column_texts(column)]
        for column_name, what, text in texts:
            if "\x00" in text:
                found.append(SpecError(message.format(what=what), table=name, column=column_name))
    return found


def _enum_labels(spec: Spec, dialect: str) -> list[SpecError]:
    found = []
    for name, table in spec.tables.items():
        for column_name, column in table.columns.items():
            if not column.enum or column.choice is None or dialect == "sqlite":
                continue
            for label in map(str, column.choice.values):
                if dialect == "postgresql":
                    size, limit, unit = len(label.encode()), POSTGRES_ENUM_LABEL_BYTES, "bytes"
                else:
                    size, limit, unit = len(label), MYSQL_ENUM_LABEL_CHARS, "characters"
                if size > limit:
                    found.append(
                        SpecError(
                            f"enum label {_preview(label)} is {size:,} {unit} long; "
                            f"{_DISPLAY[dialect]} takes at most {limit}. Shorten it, or drop "
                            "`enum` (a CHECK then limits the column to the values)",
                            table=name,
                            column=column_name,
                        )
                    )
    return found


def _mysql_checks(spec: Spec) -> list[SpecError]:
    from seed_assets.targets.ddl import build_metadata
    from seed_assets.targets.literal import sa_dialect

    dialect = sa_dialect("mysql")
    found = []
    for sa_table in build_metadata(spec).tables.values():
        for constraint in sa_table.constraints:
            if not isinstance(constraint, sa.CheckConstraint):
                continue
            text = str(
                constraint.sqltext.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
            )
            size = len(text.encode())
            if size > MYSQL_CHECK_BYTES:
                columns = [c.name for c in constraint.columns] or _named_in(text, sa_table)
                found.append(
                    SpecError(
                        f"the CHECK {constraint.name} is {size:,} bytes of SQL; MariaDB and "
                        f"MySQL keep at most about 64 KiB of a CHECK (this tool allows "
                        f"{MYSQL_CHECK_BYTES:,}). Use fewer or shorter values, or write to "
                        "postgresql or sqlite",
                        table=sa_table.name,
                        column=columns[0] if columns else None,
                    )
                )
    return found


def _named_in(text: str, sa_table: sa.Table) -> list[str]:
    return [c.name for c in sa_table.columns if c.name in text]


def _mysql_comments(spec: Spec) -> list[SpecError]:
    found = []
    for name, table in spec.tables.items():
        places = [(None, "table", table.description)]
        places += [(c, "column", col.description) for c, col in table.columns.items()]
        for column_name, kind, text in places:
            limit = MYSQL_COMMENT_CHARS[kind]
            if text and any(ord(char) > 0xFFFF for char in text):
                # Comments are utf8mb3 in the data dictionary: an emoji comes back as '?'.
                found.append(
                    SpecError(
                        f"the {kind} `description` holds a character beyond U+FFFF (an emoji, "
                        "say); MySQL/MariaDB store comments in 3-byte UTF-8 and would keep a "
                        "'?'. Remove it, or write to postgresql or sqlite",
                        table=name,
                        column=column_name,
                    )
                )
            if text and kind == "table" and "\x00" in text:
                # MariaDB 10.11 keeps a table comment only up to a NUL (checked: '\0x' came
                # back as two NULs); a column comment keeps it.
                found.append(
                    SpecError(
                        "the table `description` holds a NUL character (\\x00), which "
                        "MariaDB does not keep in a table comment. Remove it",
                        table=name,
                    )
                )
            if text and len(text) > limit:
                found.append(
                    SpecError(
                        f"the {kind} `description` is {len(text):,} characters; MySQL/MariaDB "
                        f"keep at most {limit:,} in a {kind} comment. Shorten it",
                        table=name,
                        column=column_name,
                    )
                )
    return found


def _preview(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "…")

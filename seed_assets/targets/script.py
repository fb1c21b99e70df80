"""A spec -> a SQL script for one dialect: DDL, then multi-row INSERTs of literal values.

The rows come from the same engine run as ``seed-assets generate`` (same seed, same scale), so
loading the script into an empty database gives the same tables and rows. The script is
produced statement by statement; nothing holds all of it in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TextIO

import sqlalchemy as sa

from seed_assets.engine.run import ComponentStep, LinksStep, iter_plan
from seed_assets.engine.table import TableGenerator, sort_key
from seed_assets.spec.models import Spec
from seed_assets.targets.ddl import build_metadata
from seed_assets.targets.literal import (
    check_dialect,
    insert_statements,
    quote_identifier,
    render_column,
    sa_dialect,
    sql_literal,
)

MARKER = "-- seed-assets SQL script"

_MOCK_URLS = {
    "postgresql": "postgresql+psycopg://",
    "mysql": "mysql+pymysql://",
    "sqlite": "sqlite://",
}

_LOAD = {
    "postgresql": [
        "Load into an empty database: psql -v ON_ERROR_STOP=1 -d DATABASE -f FILE",
        "One transaction: if any statement fails, nothing is left behind.",
    ],
    "mysql": [
        "Load into an empty database: mariadb DATABASE < FILE   (or: mysql DATABASE < FILE)",
        "MySQL commits DDL at once, so the tables are created before the one transaction that",
        "fills them: a load that fails leaves them empty. Zone-aware times are written in UTC.",
    ],
    "sqlite": [
        "Load into a new file: sqlite3 -bail DATABASE.sqlite < FILE",
        "One transaction; -bail stops at the first error so it is never committed.",
    ],
}

# Session settings the literals rely on.
_PREAMBLE = {
    "postgresql": [
        "SET client_encoding = 'UTF8'",
        "SET standard_conforming_strings = on",  # backslashes in '...' are plain characters
    ],
    "mysql": [
        "SET NAMES utf8mb4",  # emoji and every other astral-plane character
        # Backslash escapes on (the literals use them); strict mode on (refuse, never
        # truncate); a 0 in an AUTO_INCREMENT key stays 0 instead of taking the next number.
        "SET SESSION sql_mode = CONCAT_WS(',', NULLIF(REPLACE(@@SESSION.sql_mode, "
        "'NO_BACKSLASH_ESCAPES', ''), ''), 'STRICT_ALL_TABLES', 'NO_AUTO_VALUE_ON_ZERO')",
        "SET time_zone = '+00:00'",  # as the writer: TIMESTAMP columns, if any, mean UTC
    ],
    "sqlite": ["PRAGMA foreign_keys = ON"],  # outside the transaction, or it does nothing
}
_BEGIN = {"postgresql": "BEGIN", "mysql": "START TRANSACTION", "sqlite": "BEGIN"}


def preamble(dialect: str) -> list[str]:
    """The session settings a script's literals rely on (statements without ';')."""
    return list(_PREAMBLE[check_dialect(dialect)])


def begin(dialect: str) -> str:
    """The statement that opens the script's transaction."""
    return _BEGIN[check_dialect(dialect)]


def ddl_statements(spec: Spec, dialect: str) -> list[str]:
    """CREATE TABLE (and COMMENT ON where the dialect needs it) for every table, parents first."""
    dialect = check_dialect(dialect)
    compiler = sa_dialect(dialect)
    statements: list[str] = []

    def collect(element, *_multiparams, **_params) -> None:
        statements.append(str(element.compile(dialect=compiler)).strip())

    # SQLAlchemy's own sequence of DDL, kept as text: tables parents first, then the FKs that
    # close a cycle (ALTER TABLE; SQLite declares them inline).
    mock = sa.create_mock_engine(_MOCK_URLS[dialect], collect)
    build_metadata(spec).create_all(mock, checkfirst=False)
    return statements


def script_statements(
    spec: Spec,
    dialect: str,
    *,
    seed: int | None = None,
    scale: float = 1.0,
    ddl: bool = True,
    rows_per_statement: int = 500,
    on_table: Callable[[TableGenerator], None] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> Iterator[str]:
    """The whole script, one piece at a time; each piece ends with a newline."""
    dialect = check_dialect(dialect)
    run_seed = spec.seed if seed is None else seed
    yield f"{MARKER}: spec '{spec.name}', seed {run_seed}, scale {scale:g}, for {dialect}.\n"
    for line in _LOAD[dialect]:
        yield f"-- {line}\n"
    for statement in _PREAMBLE[dialect]:
        yield f"{statement};\n"
    tables = ddl_statements(spec, dialect) if ddl else []
    if dialect == "mysql":  # DDL commits implicitly in MySQL: create first, then begin
        yield from (f"{s};\n" for s in tables)
        yield f"{_BEGIN[dialect]};\n"
    else:
        yield f"{_BEGIN[dialect]};\n"
        yield from (f"{s};\n" for s in tables)
    for step in iter_plan(spec, seed=run_seed, scale=scale):
        if isinstance(step, LinksStep):  # a nullable cycle: the FKs inserted NULL, now set
            yield from _link_updates(dialect, spec, step)
            continue
        if isinstance(step, ComponentStep):  # a NOT NULL cycle: FK checks deferred
            yield from (f"{s};\n" for s in _DEFER.get(dialect, ()))
            for name, frames in step.frames.items():
                if on_table:
                    on_table(step.generators[name])
                yield from _inserts(dialect, name, frames, spec, rows_per_statement, on_rows)
            yield from (f"{s};\n" for s in _UNDEFER.get(dialect, ()))
            continue
        if on_table:
            on_table(step.generator)
        yield from _inserts(dialect, step.name, step.chunks, spec, rows_per_statement, on_rows)
    yield "COMMIT;\n"


# PostgreSQL's cycle FKs are DEFERRABLE INITIALLY DEFERRED in the DDL; SQLite defers until
# COMMIT on request; MySQL cannot defer, so its checks are off while the cycle is inserted.
_DEFER = {"sqlite": ["PRAGMA defer_foreign_keys = ON"], "mysql": ["SET FOREIGN_KEY_CHECKS = 0"]}
_UNDEFER = {"mysql": ["SET FOREIGN_KEY_CHECKS = 1"]}


def _inserts(dialect, name, frames, spec, rows_per_statement, on_rows) -> Iterator[str]:
    table = spec.tables[name]
    for frame in frames:
        for statement in insert_statements(dialect, name, frame, table, rows_per_statement):
            yield statement + ";\n"
        if on_rows:
            on_rows(len(frame))
    if dialect == "postgresql":  # the generator filled identity columns: move their sequences
        for column_name, column in table.columns.items():
            if column.identity is not None:
                t, c = quote_identifier(dialect, name), quote_identifier(dialect, column_name)
                # Names as literals too: a quote in a name must not end the string.
                names = f"{sql_literal(dialect, t)}, {sql_literal(dialect, column_name)}"
                yield (
                    f"SELECT setval(pg_get_serial_sequence({names}), "
                    f"COALESCE(MAX({c}), 1), MAX({c}) IS NOT NULL) FROM {t};\n"
                )


def _link_updates(dialect: str, spec: Spec, step: LinksStep) -> Iterator[str]:
    """One UPDATE per row for the FK columns a links step fills (by primary key)."""
    table = spec.tables[step.table]
    key = sort_key(table)
    target = quote_identifier(dialect, step.table)
    for frame in step.frames:
        columns = [c for c in frame.columns if c not in key]
        rendered = {
            c: render_column(dialect, frame[c], table.columns[c].type, table=step.table, column=c)
            for c in frame.columns
        }
        for i in range(len(frame)):
            sets = ", ".join(f"{quote_identifier(dialect, c)} = {rendered[c][i]}" for c in columns)
            where = " AND ".join(f"{quote_identifier(dialect, c)} = {rendered[c][i]}" for c in key)
            yield f"UPDATE {target} SET {sets} WHERE {where};\n"


def write_script(spec: Spec, dialect: str, stream: TextIO, **options) -> None:
    """Write the script to `stream` (opened with encoding utf-8 and newline='')."""
    for piece in script_statements(spec, dialect, **options):
        stream.write(piece)


def is_script(first_line: str) -> bool:
    """Whether a file starting with this line is a script this tool wrote (safe to replace)."""
    return first_line.startswith(MARKER)

"""A spec -> a SQL script for one dialect: DDL, then multi-row INSERTs of literal values.

The rows come from the same engine run as ``seed-assets generate`` (same seed, same scale), so
loading the script into an empty database gives the same tables and rows. The script is
produced statement by statement; nothing holds all of it in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TextIO

import sqlalchemy as sa

from seed_assets.engine.run import iter_spec
from seed_assets.engine.table import TableGenerator
from seed_assets.spec.graph import topological_order
from seed_assets.spec.models import Spec
from seed_assets.sql.ddl import build_metadata
from seed_assets.sql.literal import check_dialect, insert_statements, sa_dialect

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

    # SQLAlchemy's own sequence of DDL for a table, as `generate` runs it, but kept as text.
    mock = sa.create_mock_engine(_MOCK_URLS[dialect], collect)
    metadata = build_metadata(spec)
    for name in topological_order(spec):
        metadata.tables[name].create(mock, checkfirst=False)
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
    for generator, chunks in iter_spec(spec, seed=run_seed, scale=scale):
        if on_table:
            on_table(generator)
        table = spec.tables[generator.name]
        for frame in chunks:
            for statement in insert_statements(
                dialect, generator.name, frame, table, rows_per_statement
            ):
                yield statement + ";\n"
            if on_rows:
                on_rows(len(frame))
    yield "COMMIT;\n"


def write_script(spec: Spec, dialect: str, stream: TextIO, **options) -> None:
    """Write the script to `stream` (opened with encoding utf-8 and newline='')."""
    for piece in script_statements(spec, dialect, **options):
        stream.write(piece)


def is_script(first_line: str) -> bool:
    """Whether a file starting with this line is a script this tool wrote (safe to replace)."""
    return first_line.startswith(MARKER)

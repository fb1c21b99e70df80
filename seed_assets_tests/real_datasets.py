"""Load the real sample databases (seed_assets_tests/datasets/) into SQLite or a server."""

from __future__ import annotations

import gzip
import re
import sqlite3
from pathlib import Path

import sqlalchemy as sa

DATASETS = Path(__file__).parent / "datasets"


def _text(path: Path) -> str:
    return gzip.open(path, "rt", encoding="utf-8-sig").read()


def chinook_sqlite(path: Path) -> str:
    """Chinook in a SQLite file at `path`; its URL."""
    conn = sqlite3.connect(path)
    conn.executescript(_text(DATASETS / "chinook" / "Chinook_Sqlite.sql.gz"))
    conn.commit()
    conn.close()
    return f"sqlite:///{path}"


def chinook_postgres(url: str) -> str:
    """Chinook loaded into the (empty) PostgreSQL database at `url`."""
    script = _text(DATASETS / "chinook" / "Chinook_PostgreSql.sql.gz")
    # The script makes its own database (DROP/CREATE/\\c): run the rest into ours.
    script = re.sub(r"(?m)^(DROP DATABASE|CREATE DATABASE|\\c).*$", "", script)
    engine = sa.create_engine(url)
    try:
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur:
                cur.execute(script)
            raw.commit()
        finally:
            raw.close()
    finally:
        engine.dispose()
    return url


def chinook_mysql(url: str) -> str:
    """Chinook loaded into the (empty) MariaDB/MySQL database at `url`."""
    script = _text(DATASETS / "chinook" / "Chinook_MySql.sql.gz")
    script = re.sub(r"(?m)^(DROP DATABASE|CREATE DATABASE|USE ).*$", "", script)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in re.split(r";\s*\n", script):
                body = re.sub(r"(?s)/\*.*?\*/", "", statement).strip()
                if body:
                    conn.exec_driver_sql(body.replace("%", "%%"))
    finally:
        engine.dispose()
    return url

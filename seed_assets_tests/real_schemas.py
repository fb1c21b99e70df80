"""Real public schemas (``schemas/real/`` and ``datasets/``): where each DDL file is, and how to
load it into a fresh database with the dialect's own client (``psql``, ``mariadb``, ``sqlite3``),
as a user would. See ``schemas/README.md`` for their sources and licences."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
REAL = HERE / "schemas" / "real"
DATASETS = HERE / "datasets"


@dataclass(frozen=True)
class RealSchema:
    name: str
    dialect: str  # sqlite, postgresql, mysql
    path: Path
    tables: int  # tables the reflected spec must hold

    def text(self) -> str:
        if self.path.suffix == ".gz":
            with gzip.open(self.path, "rt", encoding="utf-8-sig") as f:
                return f.read()
        return self.path.read_text(encoding="utf-8-sig")


SCHEMAS = [
    RealSchema("chinook_sqlite", "sqlite", DATASETS / "chinook/Chinook_Sqlite.sql.gz", 11),
    RealSchema("chinook_pg", "postgresql", DATASETS / "chinook/Chinook_PostgreSql.sql.gz", 11),
    RealSchema("chinook_mysql", "mysql", DATASETS / "chinook/Chinook_MySql.sql.gz", 11),
    RealSchema("sakila_pg", "postgresql", DATASETS / "sakila/postgres-sakila-schema.sql.gz", 15),
    RealSchema("sakila_mysql", "mysql", DATASETS / "sakila/mysql-sakila-schema.sql.gz", 15),
    RealSchema("sakila_sqlite", "sqlite", DATASETS / "sakila/sqlite-sakila-schema.sql.gz", 16),
    RealSchema("northwind_pg", "postgresql", DATASETS / "northwind/northwind.sql.gz", 14),
    RealSchema("employees_mysql", "mysql", REAL / "employees_mysql.sql", 6),
    RealSchema("employees_partitioned_mysql", "mysql", REAL / "employees_partitioned_mysql.sql", 6),
    RealSchema("tpch_pg", "postgresql", REAL / "tpch.sql", 8),
    RealSchema("zabbix3_pg", "postgresql", REAL / "zabbix3_postgresql.sql", 113),
    RealSchema("zabbix3_mysql", "mysql", REAL / "zabbix3_mysql.sql", 113),
    RealSchema("zabbix3_sqlite", "sqlite", REAL / "zabbix3_sqlite3.sql", 113),
    RealSchema("qloapps_mysql", "mysql", REAL / "qloapps_mysql.sql", 236),
]
BY_NAME = {s.name: s for s in SCHEMAS}

# Statements that pick or replace a database: the test chooses a fresh one instead.
_OWN_DATABASE = re.compile(
    r"^\s*(DROP\s+(DATABASE|SCHEMA)\b[^;\n]*;|CREATE\s+(DATABASE|SCHEMA)\b[^;\n]*;|USE\s+`?\w+`?\s*;|"
    r"\\c\s+\S+.*$|\\connect\s+\S+.*$)",
    re.I | re.M,
)


def prepared(schema: RealSchema) -> str:
    """The file's text without statements that leave the database the test created (CREATE
    DATABASE chinook; USE sakila; \\c chinook)."""
    text = _OWN_DATABASE.sub("", schema.text())
    if schema.dialect == "postgresql":  # dumps that revoke/grant to roles this server lacks
        text = re.sub(
            r"^\s*(ALTER\s+\S+\s+\S+\s+OWNER\s+TO|GRANT|REVOKE)\b[^;]*;",
            "",
            text,
            flags=re.I | re.M,
        )
    if schema.dialect == "mysql":  # views and routines naming the file's own database
        text = re.sub(r"\bsakila\.", "", text)
    return text


def load(schema: RealSchema, url: str) -> None:
    """Run the schema's file into the (empty) database at `url` with the dialect's client."""
    text = prepared(schema)
    target = sa.make_url(url)
    if schema.dialect == "sqlite":
        command = ["sqlite3", "-bail", target.database]
    elif schema.dialect == "postgresql":
        command = [
            "psql",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            target.host or "127.0.0.1",
            "-p",
            str(target.port or 5432),
            "-U",
            target.username or "postgres",
            target.database,
        ]
    else:
        client = shutil.which("mariadb") or "mysql"
        command = [
            client,
            "-h",
            target.host or "127.0.0.1",
            "-P",
            str(target.port or 3306),
            "-u",
            target.username or "root",
            target.database,
        ]
        if target.password:
            command.insert(1, f"-p{target.password}")
    done = subprocess.run(command, input=text, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"loading {schema.name} failed: {done.stderr[-2000:]}")


def empty(url: str) -> None:
    """Delete every row a schema file inserted (sample data, version rows): the generated rows
    go into the same tables, whose DDL stays as the file made it."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            names = sa.inspect(conn).get_table_names()
            backend = conn.dialect.name
            if backend == "postgresql":
                if names:
                    quoted = ", ".join(f'"{n}"' for n in names)
                    conn.exec_driver_sql(f"TRUNCATE {quoted} CASCADE")
                return
            conn.exec_driver_sql(
                "PRAGMA foreign_keys = OFF" if backend == "sqlite" else "SET FOREIGN_KEY_CHECKS = 0"
            )
            for name in names:
                quote = "`" if backend != "sqlite" else '"'
                conn.exec_driver_sql(f"DELETE FROM {quote}{name}{quote}")
            if backend != "sqlite":
                conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
    finally:
        engine.dispose()

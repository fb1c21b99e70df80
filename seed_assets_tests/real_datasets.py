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
    _run_postgres(url, _text(DATASETS / "chinook" / "Chinook_PostgreSql.sql.gz"))
    return url


def northwind_postgres(url: str) -> str:
    """Northwind (schema and rows) in the (empty) PostgreSQL database at `url`."""
    _run_postgres(url, _text(DATASETS / "northwind" / "northwind.sql.gz"))
    return url


def _run_postgres(url: str, script: str) -> None:
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


# -- Sakila: upstream ships its rows for PostgreSQL only (COPY); the SQLite and MySQL copies are
# upstream's own schema files filled with those rows, as a user porting the data would. --------

SAKILA = DATASETS / "sakila"
_COPY = re.compile(r"^COPY (?:public\.)?(\w+) \(([^)]*)\) FROM stdin;$")
_SAKILA_UPDATE = "2006-02-15 22:12:30"
_COPY_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


def sakila_rows() -> list[tuple[str, list[str], list[list[str | None]]]]:
    """(table, columns, rows) of upstream's COPY data, values as COPY text (None for NULL);
    PostgreSQL's monthly payment partitions read as `payment`."""
    blocks, current = [], None
    for line in _text(SAKILA / "postgres-sakila-insert-data-using-copy.sql.gz").splitlines():
        if current is None:
            match = _COPY.match(line)
            if match:
                table = re.sub(r"_p\d{4}_\d{2}$", "", match.group(1))
                current = (table, [c.strip() for c in match.group(2).split(",")], [])
            continue
        if line == "\\.":
            blocks.append(current)
            current = None
            continue
        current[2].append([_copy_value(v) for v in line.split("\t")])
    return blocks


def _copy_value(text: str) -> str | None:
    if text == "\\N":
        return None
    return re.sub(r"\\(.)", lambda m: _COPY_ESCAPES.get(m.group(1), m.group(1)), text)


def sakila_postgres(url: str) -> str:
    """Sakila (schema and rows, upstream's files) in the (empty) PostgreSQL database at `url`."""
    from seed_assets_tests.real_schemas import BY_NAME, RealSchema, load

    load(BY_NAME["sakila_pg"], url)
    rows = SAKILA / "postgres-sakila-insert-data-using-copy.sql.gz"
    load(RealSchema("sakila_pg_rows", "postgresql", rows, 0), url)
    return url


def sakila_sqlite(path: Path) -> str:
    """Sakila in a SQLite file at `path` (upstream's SQLite schema, triggers included)."""
    from seed_assets_tests.real_schemas import BY_NAME, load

    url = f"sqlite:///{path}"
    load(BY_NAME["sakila_sqlite"], url)
    _insert_sakila(url)
    return url


def sakila_mysql(url: str) -> str:
    """Sakila in the (empty) MariaDB/MySQL database at `url` (upstream's MySQL schema; its
    triggers fill `film_text`)."""
    from seed_assets_tests.real_schemas import BY_NAME, load

    load(BY_NAME["sakila_mysql"], url)
    _insert_sakila(url)
    return url


def pagila_postgres(url: str) -> str:
    """Pagila (one pg_dump: schema and rows) in the (empty) PostgreSQL database at `url`."""
    from seed_assets_tests.real_schemas import RealSchema, load

    load(RealSchema("pagila", "postgresql", DATASETS / "pagila" / "pagila.sql.gz", 0), url)
    return url


def _insert_sakila(url: str) -> None:
    """The COPY rows into the columns the target's schema has: PostgreSQL's arrays become
    MySQL SETs, its t/f booleans 1/0."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
            else:
                conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
            for table, columns, rows in sakila_rows():
                have = {c["name"]: c for c in sa.inspect(conn).get_columns(table)}
                keep = [i for i, c in enumerate(columns) if c in have]
                # SQLite's payment.last_update (NOT NULL, no default) is not in PostgreSQL's
                # rows: MySQL's upstream rows give every payment this one.
                extra = "last_update" in have and "last_update" not in columns
                quote = conn.dialect.identifier_preparer.quote
                names = ", ".join([quote(columns[i]) for i in keep] + ["last_update"] * extra)
                marks = ", ".join([f":c{i}" for i in keep] + [f"'{_SAKILA_UPDATE}'"] * extra)
                # Text, untyped: each database converts its own literals, as its client would.
                insert = sa.text(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})")
                records = [{f"c{i}": _sakila_value(row[i]) for i in keep} for row in rows]
                conn.execute(insert, records)
            if conn.dialect.name != "sqlite":
                conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
    finally:
        engine.dispose()


def _sakila_value(text: str | None):
    if text in ("t", "f"):
        return int(text == "t")
    if text is not None and text.startswith("{") and text.endswith("}"):
        return ",".join(v.strip('"') for v in re.findall(r'"[^"]*"|[^,{}]+', text))
    return text


def jaffle_shop_parquet(folder: Path) -> str:
    """dbt's jaffle_shop seeds (customers, orders, payments: CSV, no keys declared) as a
    Parquet export, one file per table; its URL."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("raw_customers", "raw_orders", "raw_payments"):
        frame = pd.read_csv(DATASETS / "jaffle_shop" / f"{name}.csv.gz")
        if "order_date" in frame:
            frame["order_date"] = pd.to_datetime(frame["order_date"]).dt.date
        pq.write_table(
            pa.Table.from_pandas(frame, preserve_index=False), folder / f"{name}.parquet"
        )
    return f"parquet://{folder}"

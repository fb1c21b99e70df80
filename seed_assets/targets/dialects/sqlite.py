"""SQLite: FKs enforced, WAL, DDL in the same transaction as the rows, executemany batches."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from seed_assets.spec.models import TableSpec
from seed_assets.targets.base import Target
from seed_assets.targets.convert import Columns


class SQLiteTarget(Target):
    # sqlite3's executemany holds the GIL for each row it binds: a thread making the next batch
    # would take turns with it, a worker process runs beside it (both cores busy).
    workers_ahead = 2
    pragmas = (
        "foreign_keys = ON",
        "journal_mode = WAL",
        "synchronous = NORMAL",
        "busy_timeout = 60000",  # sibling assets may write from other processes
    )
    row_error_types = (sa.exc.IntegrityError, sa.exc.DataError, sqlite3.IntegrityError)

    def _encode(self, frame: pd.DataFrame, table: TableSpec, name: str) -> Columns:
        return Columns.of(frame, table)

    def _send(self, conn: sa.Connection, sa_table: sa.Table, frame: pd.DataFrame, encoded) -> None:
        # Straight to sqlite3, which takes any iterable of rows (SQLAlchemy wants a list): the
        # columns zipped one row at a time, as the driver binds them.
        columns = ", ".join(self._quote(c) for c in frame.columns)
        marks = ", ".join("?" * len(frame.columns))
        statement = f"INSERT INTO {self._quote(sa_table.name)} ({columns}) VALUES ({marks})"
        rows = encoded.rows() if isinstance(encoded, Columns) else encoded
        try:
            conn.connection.driver_connection.executemany(statement, rows)
        except sqlite3.Error as exc:  # as SQLAlchemy would have raised it
            raise sa.exc.DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc

    def _create_engine(self, url: str) -> sa.Engine:
        database = sa.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):
            # Let SQLAlchemy, not the sqlite3 module, decide where transactions start.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            for pragma in self.pragmas:
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    def _locate(self, conn: sa.Connection, sa_table: sa.Table, frame: pd.DataFrame, message: str):
        # SQLite names no constraint for a failed FK: find the FK whose parent row is missing.
        if "FOREIGN KEY" in message:
            row = frame.iloc[0]
            for fk in sa_table.foreign_key_constraints:
                values = [row[c.name] for c in fk.columns]
                if any(pd.isna(v) for v in values):
                    continue
                parent = fk.referred_table
                where = " AND ".join(f"{self._quote(e.column.name)} = ?" for e in fk.elements)
                query = f"SELECT 1 FROM {self._quote(parent.name)} WHERE {where} LIMIT 1"
                params = tuple(v.item() if hasattr(v, "item") else v for v in values)
                if conn.exec_driver_sql(query, params).first() is None:
                    return fk.name, fk.columns.keys()[0]
        # "UNIQUE constraint failed: t.a, t.b" names columns, not the key: find the key.
        if message.startswith("UNIQUE constraint failed:"):
            named = [c.strip().split(".")[-1] for c in message.split(":", 1)[1].split(",")]
            for key in sa_table.constraints:
                is_key = isinstance(key, (sa.PrimaryKeyConstraint, sa.UniqueConstraint))
                if is_key and [c.name for c in key.columns] == named:
                    return key.name, named[0]
        return super()._locate(conn, sa_table, frame, message)

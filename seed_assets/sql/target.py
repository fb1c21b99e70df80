"""A target database: one writer interface, one subclass per dialect for what differs.

A table is written in one transaction: prepared (created, or emptied if this tool wrote it
before), filled chunk by chunk, and recorded as complete. An error or Ctrl+C rolls all of it
back, so no half-written table is ever left looking complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from seed_assets.engine.frames import canonical_frame
from seed_assets.engine.table import sort_key
from seed_assets.errors import TargetError
from seed_assets.spec.graph import descendants
from seed_assets.spec.models import Spec
from seed_assets.sql import registry
from seed_assets.sql.convert import row_tuples
from seed_assets.sql.ddl import build_metadata


class PartitionRejected(TargetError):
    """``approve()`` said no: the partition's transaction was rolled back."""


def mask_url(url: str) -> str:
    """The URL with its password hidden, for logs, metadata and reports."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparseable URL>"


class Target:
    """Writes spec tables into one database and reads their columns back."""

    batch_rows = 50_000

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = self._create_engine(url)

    @staticmethod
    def for_url(url: str) -> Target:
        from seed_assets.output.parquet import ParquetTarget, is_parquet_url

        if is_parquet_url(url):  # a directory of Parquet files, same writer interface
            return ParquetTarget(url)
        try:
            backend = sa.make_url(url).get_backend_name()
        except sa.exc.ArgumentError as exc:
            raise TargetError(f"cannot read target URL {mask_url(url)!r}: {exc}") from None
        if backend == "sqlite":
            return SQLiteTarget(url)
        raise TargetError(
            f"target {mask_url(url)}: the {backend} writer is not available yet; use sqlite:///FILE"
        )

    def _create_engine(self, url: str) -> sa.Engine:
        return sa.create_engine(url)

    @property
    def display_url(self) -> str:
        return mask_url(self.url)

    def dispose(self) -> None:
        self.engine.dispose()

    # -- writing -------------------------------------------------------------------------------

    def write_table(
        self,
        spec: Spec,
        name: str,
        frames: Iterable[pd.DataFrame],
        *,
        seed: int,
        scale: float,
        on_rows: Callable[[int], None] | None = None,
        approve: Callable[[], bool] | None = None,
    ) -> int:
        """Replace what an earlier run wrote to `name` with `frames`, all in one transaction;
        `approve()`, called after the last row, returning False rolls it all back."""
        sa_table = build_metadata(spec).tables[name]
        with self.engine.begin() as conn:
            registry.ensure(conn)
            created = self._prepare(conn, spec, name, sa_table)
            written = 0
            for frame in frames:
                for start in range(0, len(frame), self.batch_rows):
                    part = frame.iloc[start : start + self.batch_rows]
                    self._insert(conn, sa_table, part, spec.tables[name])
                    written += len(part)
                    if on_rows:
                        on_rows(len(part))
            if approve is not None and not approve():
                raise PartitionRejected(f"{name} was not written: its checks failed")
            registry.record(
                conn,
                name,
                spec_name=spec.name,
                created_by_tool=created,
                status="complete",
                row_count=written,
                seed=seed,
                scale=scale,
            )
        return written

    def write_partition(
        self,
        spec: Spec,
        name: str,
        frames: Iterable[pd.DataFrame],
        *,
        partition: int,
        partitions: int,
        seed: int,
        scale: float,
        key_range=None,
        on_rows: Callable[[int], None] | None = None,
        approve: Callable[[], bool] | None = None,
    ) -> int:
        """Replace one partition of `name` in its own transaction: its rows (`key_range`: rows
        whose column lies in [low, high]) are deleted, `frames` inserted, and the partition
        recorded; `approve()` after the last row returning False rolls all of it back.

        The table stays `partial` until its whole-table check calls ``complete_partitions``.
        Rows below it would lose their parents: those tables are emptied, as a whole-table
        write empties them.
        """
        sa_table = build_metadata(spec).tables[name]
        table = spec.tables[name]
        created = self._ensure_table(spec, name, sa_table)
        with self.engine.begin() as conn:
            owned = registry.entry(conn, name)
            if owned is not None and owned.spec_name != spec.name and self._count(conn, name):
                raise TargetError(
                    f"table '{name}' in {self.display_url} holds rows written by spec "
                    f"'{owned.spec_name}'; refusing to overwrite them"
                )
            if owned is None and not created and self._count(conn, name):
                raise TargetError(
                    f"table '{name}' in {self.display_url} already holds rows written by someone "
                    "else (not this tool); refusing to overwrite them. Empty it, or use another "
                    "target"
                )
            self._clear_descendants(conn, spec, name)
            if key_range is not None:
                column = sa_table.c[key_range.column]
                conn.execute(
                    sa.delete(sa_table).where(column.between(key_range.low, key_range.high))
                )
            written = 0
            for frame in frames:
                for start in range(0, len(frame), self.batch_rows):
                    part = frame.iloc[start : start + self.batch_rows]
                    self._insert(conn, sa_table, part, table)
                    written += len(part)
                    if on_rows:
                        on_rows(len(part))
            if approve is not None and not approve():
                raise PartitionRejected(f"partition {partition} of {name}: its checks failed")
            registry.record_partition(
                conn,
                name,
                partition,
                partitions=partitions,
                row_count=written,
                seed=seed,
                scale=scale,
            )
            rows = sum(p["rows"] for p in registry.partitions_of(conn, name).values())
            registry.record(
                conn,
                name,
                spec_name=spec.name,
                created_by_tool=bool(owned.created_by_tool) if owned else created,
                status="partial",
                row_count=rows,
                seed=seed,
                scale=scale,
            )
        return written

    def _ensure_table(self, spec: Spec, name: str, sa_table: sa.Table) -> bool:
        """Create `name` and the registry tables when missing (own transaction: partitions of
        one table may be written by parallel steps). Returns whether it created the table."""
        for attempt in range(3):
            try:
                with self.engine.begin() as conn:
                    registry.ensure(conn)
                    registry.ensure_partitions(conn)
                    if sa.inspect(conn).has_table(name):
                        return False
                    sa_table.create(conn)
                    return True
            except sa.exc.DBAPIError:  # another step created it first: look again
                if attempt == 2:
                    raise
        return False

    def partition_entries(self, spec: Spec, name: str) -> dict[int, dict]:
        """The partitions written of `name`: number -> rows, seed, scale."""
        with self.engine.connect() as conn:
            return registry.partitions_of(conn, name)

    def complete_partitions(self, spec: Spec, name: str, *, rows: int) -> None:
        """Record a table written by partitions as complete (after its whole-table checks)."""
        with self.engine.begin() as conn:
            registry.record(conn, name, status="complete", row_count=rows)

    def _prepare(self, conn: sa.Connection, spec: Spec, name: str, sa_table: sa.Table) -> bool:
        """Make `name` an empty table of the spec's shape; returns whether the tool created it."""
        inspector = sa.inspect(conn)
        if not inspector.has_table(name):
            sa_table.create(conn)
            return True
        owned = registry.entry(conn, name)
        if owned is None or owned.spec_name != spec.name:
            if self._count(conn, name):
                whose = f"spec '{owned.spec_name}'" if owned else "someone else (not this tool)"
                raise TargetError(
                    f"table '{name}' in {self.display_url} already holds rows written by "
                    f"{whose}; refusing to overwrite them. Empty it, or use another target"
                )
            return False  # an empty table of the user's: fill it, never drop it
        self._clear_descendants(conn, spec, name)
        registry.forget_partitions(conn, name)  # replaced whole: no partition of it stands
        have = {c["name"] for c in inspector.get_columns(name)}
        if owned.created_by_tool and have != set(sa_table.c.keys()):
            sa_table.drop(conn)  # the spec changed shape since the last run
            sa_table.create(conn)
        else:
            conn.execute(sa.delete(sa_table))
        return bool(owned.created_by_tool)

    def _clear_descendants(self, conn: sa.Connection, spec: Spec, name: str) -> None:
        """Children of replaced rows would be orphans: empty them (deepest first) and say so."""
        inspector = sa.inspect(conn)
        for child in reversed(descendants(spec, name)):
            if not inspector.has_table(child):
                continue
            owned = registry.entry(conn, child)
            if owned is None or owned.spec_name != spec.name:
                if self._count(conn, child):
                    raise TargetError(
                        f"replacing '{name}' would orphan the rows of '{child}', which this spec "
                        "did not write; refusing"
                    )
                continue
            conn.execute(sa.text(f"DELETE FROM {self._quote(child)}"))
            registry.record(conn, child, status="cleared", row_count=0)
            registry.forget_partitions(conn, child)

    def _insert(self, conn: sa.Connection, sa_table: sa.Table, frame: pd.DataFrame, table) -> None:
        columns = ", ".join(self._quote(c) for c in frame.columns)
        marks = ", ".join(["?"] * len(frame.columns))
        statement = f"INSERT INTO {self._quote(sa_table.name)} ({columns}) VALUES ({marks})"
        conn.exec_driver_sql(statement, row_tuples(frame, table))

    def _quote(self, identifier: str) -> str:
        return self.engine.dialect.identifier_preparer.quote(identifier)

    def _count(self, conn: sa.Connection, name: str) -> int:
        return conn.execute(sa.text(f"SELECT COUNT(*) FROM {self._quote(name)}")).scalar_one()

    # -- reading -------------------------------------------------------------------------------

    def read_columns(self, spec: Spec, name: str, columns: list[str]) -> pd.DataFrame:
        """Columns of a written table, in primary-key order, with the engine's dtypes."""
        table = spec.tables[name]
        order = sort_key(table)
        query = f"SELECT {', '.join(self._quote(c) for c in columns)} FROM {self._quote(name)}"
        if order:
            query += f" ORDER BY {', '.join(self._quote(c) for c in order)}"
        with self.engine.connect() as conn:
            frame = pd.read_sql_query(sa.text(query), conn)
        return canonical_frame(frame, table)

    def row_counts(self, names: Iterable[str]) -> dict[str, int | None]:
        """Rows per table (None where the table does not exist)."""
        with self.engine.connect() as conn:
            inspector = sa.inspect(conn)
            return {n: self._count(conn, n) if inspector.has_table(n) else None for n in names}

    def status(self) -> dict[str, sa.Row]:
        with self.engine.connect() as conn:
            return registry.entries(conn)


class SQLiteTarget(Target):
    """SQLite: FKs enforced, WAL, and DDL inside the same transaction as the rows."""

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
            for pragma in (
                "foreign_keys = ON",
                "journal_mode = WAL",
                "synchronous = NORMAL",
                "busy_timeout = 60000",  # sibling assets may write from other processes
            ):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

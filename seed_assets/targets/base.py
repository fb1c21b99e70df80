"""A target database: one writer interface, one subclass per dialect for what differs.

A table is written in one transaction: prepared (created, or emptied if this spec wrote it),
filled batch by batch, and recorded as complete. An error, a refused row or Ctrl+C rolls all of
it back, so no half-written table is ever left looking complete.

Batches are encoded (CSV for COPY, row tuples or columns for executemany) in a background
thread while the database loads the previous one, or come encoded from a worker process
(``ahead.py``, for dialects with ``workers_ahead``), and each batch runs in a savepoint: when
the database refuses it, the batch is split in halves until the refused rows are found, each
reported with the constraint, column and value it broke.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import pandas as pd
import sqlalchemy as sa

from seed_assets.engine.frames import canonical_frame
from seed_assets.engine.table import sort_key
from seed_assets.errors import TargetError
from seed_assets.spec.graph import linked_fks, replaced_with
from seed_assets.spec.models import Spec, TableSpec
from seed_assets.targets import links, ownership, registry
from seed_assets.targets.ahead import EncodedStream
from seed_assets.targets.cancel import CancelToken
from seed_assets.targets.convert import EncodedRows, row_tuples
from seed_assets.targets.ddl import build_metadata
from seed_assets.targets.drivers import check_driver
from seed_assets.targets.identity import advance_identities
from seed_assets.targets.literal import use_our_literals
from seed_assets.targets.load_report import (
    IF_EXISTS,
    KEPT_ERRORS,
    ON_ERROR,
    IfExists,
    LoadCancelled,
    LoadError,
    NotApproved,
    OnError,
    RowError,
    WriteResult,
    cell_value,
    committing,
)
from seed_assets.targets.partition_writes import PartitionWrites
from seed_assets.targets.prefetch import prefetch
from seed_assets.targets.urls import DRIVERS, dialect_class, mask_url


class Target(PartitionWrites):
    """Writes spec tables into one database and reads their columns back."""

    batch_rows = 50_000
    workers_ahead = 0  # > 0: tables generated and encoded by worker processes (ahead.py)
    transactional_ddl = True  # False: CREATE/DROP commit on their own (MySQL)

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = self._create_engine(url)
        use_our_literals(self.engine.dialect)  # DDL literals escaped as the INSERTs are

    @staticmethod
    def for_url(url: str, *, for_writing: bool = True) -> Target:
        """The writer for a SQLAlchemy URL (its driver named and installed), or for a
        ``parquet:///dir`` directory (``targets/parquet.py``, same interface). Checked usable
        before anything is written (``targets/connect.py``): a server answers, a file or
        folder can be written."""
        from seed_assets.targets import connect
        from seed_assets.targets.parquet_urls import is_parquet_url

        if is_parquet_url(url):
            from seed_assets.targets.parquet import ParquetTarget  # pyarrow: only when asked

            target = ParquetTarget(url)
            if for_writing:
                connect.check_parquet_dir(target.root)
            return target
        try:
            parsed = sa.make_url(url)
        except sa.exc.ArgumentError as exc:
            raise TargetError(f"cannot read target URL {mask_url(url)!r}: {exc}") from None
        backend = parsed.get_backend_name()
        if backend == "mariadb":
            backend = "mysql"
        if backend not in DRIVERS:
            raise TargetError(
                f"target {mask_url(url)}: {backend} is not a supported target; use one of "
                + ", ".join(DRIVERS.values())
            )
        check_driver(url)  # names what to install, or the installed driver to name instead
        if backend == "sqlite" and for_writing:
            connect.check_sqlite_file(parsed.database)  # before the file or its folder is made
        try:
            target = dialect_class(backend)(url)
        except (ImportError, sa.exc.NoSuchModuleError) as exc:
            driver = parsed.get_driver_name()
            raise TargetError(
                f"target {mask_url(url)}: the driver '{driver}' is not installed or not known "
                f"to SQLAlchemy ({exc}). Name an installed driver, e.g. {DRIVERS[backend]}"
            ) from None
        if backend != "sqlite":
            connect.check_connection(target.engine)
        return target

    def _create_engine(self, url: str) -> sa.Engine:
        return sa.create_engine(url)

    @property
    def display_url(self) -> str:
        return mask_url(self.url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

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
        if_exists: IfExists = "fail",
        on_error: OnError = "fail",
        approve: Callable[[], bool] | None = None,
        cancel: CancelToken | None = None,
        rejects: Callable[[RowError], None] | None = None,
    ) -> WriteResult:
        """Write `frames` to table `name` in one transaction.

        `if_exists` decides what happens when the table already holds rows: ``fail``; ``replace``
        (only rows this spec wrote, with its descendants emptied); ``append``. Refused rows fail
        the load (``on_error="fail"``, nothing committed) or are skipped and reported
        (``"continue"``). `approve()`, when given, is asked after the last row and before the
        commit; False rolls the table back (``result.committed`` is then False).
        """
        if if_exists not in IF_EXISTS:
            raise TargetError(f"if_exists must be one of {', '.join(IF_EXISTS)}, not {if_exists!r}")
        if on_error not in ON_ERROR:
            raise TargetError(f"on_error must be one of {', '.join(ON_ERROR)}, not {on_error!r}")
        sa_table = build_metadata(spec).tables[name]
        table = spec.tables[name]
        result = WriteResult(name, sink=rejects)  # `rejects`: every refused row, as it comes
        self.__dict__.pop("_constraints_seen", None)  # a user may have changed them since
        self._ensure_registry()
        if not self.transactional_ddl:
            with self.engine.begin() as conn:
                self._create_or_reshape(conn, spec, name, sa_table, if_exists)
        with committing(result), self.engine.begin() as conn:
            kept = ownership.kept_rows(conn, spec, name, if_exists)  # appended to: still ours
            created = self._prepare(conn, spec, name, sa_table, if_exists)
            bulk = self._start_bulk(conn, sa_table, created)
            self._load_all(conn, sa_table, table, frames, result, on_error, on_rows, cancel)
            if bulk:
                self._finish_bulk(conn, sa_table, table, result, on_error)
            self._end_load(conn, name, table, result, on_error, approve)
            registry.record(
                conn,
                name,
                spec_name=spec.name,
                created_by_tool=created,
                # Deferred FKs a links step fills (nullable cycles): not complete before.
                status="linking" if linked_fks(spec, name) else "complete",
                row_count=kept + result.rows,  # only the rows it wrote: others stay others'
                seed=seed,
                scale=scale,
            )
        return result

    def _ensure_registry(self) -> None:
        # Sibling assets may create it at the same moment: a lost race is not an error.
        try:
            with self.engine.begin() as conn:
                registry.ensure(conn)
        except sa.exc.DatabaseError:
            with self.engine.connect() as conn:
                if not sa.inspect(conn).has_table(registry.REGISTRY):
                    raise

    def _create_or_reshape(
        self, conn: sa.Connection, spec: Spec, name: str, sa_table: sa.Table, if_exists: str
    ) -> None:
        """DDL outside the data transaction, for dialects whose DDL commits by itself.

        A table created here is registered at once (empty), so a failed load leaves an empty
        table the tool still knows it owns.
        """
        inspector = sa.inspect(conn)
        if not inspector.has_table(name):
            links.create_tables(conn, spec, name, sa_table.metadata)  # with its cycle's
            registry.record(
                conn, name, spec_name=spec.name, created_by_tool=True, status="cleared",
                row_count=0, seed=spec.seed, scale=1.0,
            )  # fmt: skip
            return
        owned = registry.entry(conn, name)
        if (
            owned is not None
            and owned.spec_name == spec.name
            and owned.created_by_tool
            and self._shape_changed(inspector, name, sa_table)
            and (if_exists == "replace" or not self._count(conn, name))
        ):
            why = "replacing it would drop them"
            ownership.refuse_foreign(conn, spec, name, self.display_url, why)
            self._refuse_reach(conn, spec, name)
            self._clear_descendants(conn, spec, name)
            links.recreate_table(conn, spec, name, sa_table.metadata)

    def _prepare(
        self, conn: sa.Connection, spec: Spec, name: str, sa_table: sa.Table, if_exists: str
    ) -> bool:
        """Make `name` ready to receive rows; returns whether the tool created it."""
        inspector = sa.inspect(conn)
        if not inspector.has_table(name):
            links.create_tables(conn, spec, name, sa_table.metadata)  # with its cycle's
            return True
        owned = registry.entry(conn, name)
        ours = owned is not None and owned.spec_name == spec.name
        created = bool(owned is not None and owned.created_by_tool)
        held = self._count(conn, name)
        if held and if_exists == "fail":
            whose = (
                f"an earlier run of spec '{owned.spec_name}'"
                if owned
                else "someone else (not this tool)"
            )
            raise TargetError(
                f"table '{name}' in {self.display_url} already holds {held:,} rows written by "
                f"{whose}. Pass --if-exists replace to replace what this spec wrote, or "
                "--if-exists append to add to it"
            )
        if held and if_exists == "replace":  # rows a user added (or appended to) stay
            why = "replace only replaces what this spec wrote"
            ownership.refuse_foreign(conn, spec, name, self.display_url, why)
        if if_exists == "append" and held:
            return created
        if ours:
            self._refuse_reach(conn, spec, name)
            self._clear_descendants(conn, spec, name)
            registry.forget_partitions(conn, name)  # replaced whole: no partition of it stands
            if created and self._shape_changed(inspector, name, sa_table):
                # The spec changed shape since the last run.
                links.recreate_table(conn, spec, name, sa_table.metadata)
            elif held:
                self._empty(conn, [name])
        return created

    def _refuse_reach(self, conn: sa.Connection, spec: Spec, name: str) -> None:
        """Refuse when emptying `name` and its descendants would cascade into rows the tool
        did not write (an FK of the database with ON DELETE CASCADE or SET NULL)."""
        inspector = sa.inspect(conn)
        emptied = [t for t in (name, *replaced_with(spec, name).deleted) if inspector.has_table(t)]
        ownership.refuse_reach(conn, spec, emptied, self.display_url)

    def _shape_changed(self, inspector: sa.Inspector, name: str, sa_table: sa.Table) -> bool:
        have = {c["name"] for c in inspector.get_columns(name)}
        if have != set(sa_table.c.keys()):
            return True
        wanted = {fk.name for fk in sa_table.foreign_key_constraints}
        found = {fk["name"] for fk in inspector.get_foreign_keys(name)}
        if wanted - found:  # e.g. dropped with a parent that was re-created
            return True
        # A partitioned table whose keys were never built (its whole-table check did not
        # complete it), now written whole: made again, with them.
        keyed = inspector.get_pk_constraint(name).get("constrained_columns")
        return bool(sa_table.primary_key.columns) and not keyed

    def _clear_descendants(self, conn: sa.Connection, spec: Spec, name: str) -> None:
        """Children of replaced rows would be orphans: empty them (deepest first) and say so;
        deferred FKs pointing at replaced rows go back to NULL (``links.clear_for``)."""
        links.clear_for(self, conn, spec, name)

    def _empty(self, conn: sa.Connection, names: list[str]) -> None:
        """Delete every row of `names` (children before parents)."""
        for name in names:
            conn.execute(sa.text(f"DELETE FROM {self._quote(name)}"))

    # -- batches -------------------------------------------------------------------------------

    def batches(self, frames: Iterable[pd.DataFrame], table: TableSpec, name: str):
        """(batch, encoded) pairs of at most `batch_rows` rows: what ``_load`` takes (a worker
        process's ``EncodedRows`` come encoded already)."""
        for frame in frames:
            for start in range(0, len(frame), self.batch_rows):
                part = frame.iloc[start : start + self.batch_rows]
                yield part, self._encoded(part, table, name)
            frame = part = None  # a slice keeps its chunk: not held while the next is made

    def _load_all(
        self, conn, sa_table: sa.Table, table: TableSpec, frames, result, on_error, on_rows, cancel
    ) -> None:
        """Every batch of `frames` into `sa_table` (made ahead, in a thread), row positions
        counted for refused-row reports; `on_rows(n)` after each batch."""
        name = sa_table.name
        position = 0
        batches = self.batches(frames, table, name)
        # a worker's batches are made in another process: no thread to take the GIL from us
        for frame, encoded in batches if isinstance(frames, EncodedStream) else prefetch(batches):
            if cancel is not None and cancel.requested:
                raise LoadCancelled(name)
            self._load(conn, sa_table, table, frame, encoded, position, result, on_error)
            position += len(frame)
            if on_rows:
                on_rows(len(frame))
            frame = encoded = None  # nor here (see ``batches``)

    def _end_load(self, conn, name: str, table: TableSpec, result, on_error, approve) -> None:
        """After the last batch: refused rows fail the load (unless it continues past them),
        `approve()` may still refuse it (rolled back), identity sequences move past the rows."""
        if result.rejected_count and on_error == "fail":
            raise LoadError(name, self.display_url, result.rejected, result.rejected_count)
        if approve is not None and not approve():
            raise NotApproved
        advance_identities(conn, name, table)

    def _encode(self, frame: pd.DataFrame, table: TableSpec, name: str):
        """A batch in the form `_send` takes: DB-API row tuples by default."""
        return row_tuples(frame, table)

    def _encoded(self, frame, table: TableSpec, name: str):
        return frame.rows if isinstance(frame, EncodedRows) else self._encode(frame, table, name)

    def _send(self, conn: sa.Connection, sa_table: sa.Table, frame: pd.DataFrame, encoded) -> None:
        columns = ", ".join(self._quote(c) for c in frame.columns)
        marks = ", ".join([self.paramstyle_mark] * len(frame.columns))
        statement = f"INSERT INTO {self._quote(sa_table.name)} ({columns}) VALUES ({marks})"
        conn.exec_driver_sql(statement, encoded)

    paramstyle_mark = "?"

    def _load(
        self,
        conn: sa.Connection,
        sa_table: sa.Table,
        table: TableSpec,
        frame: pd.DataFrame,
        encoded,
        first_row: int,
        result: WriteResult,
        on_error: str,
    ) -> None:
        """Load a batch in a savepoint; when refused, halve it until the bad rows are found."""
        try:
            with conn.begin_nested():
                self._send(conn, sa_table, frame, encoded)
            result.rows += len(frame)
            return
        except Exception as exc:
            if not self._is_row_error(exc):
                raise
            if len(frame) == 1:
                result.reject(self._row_error(conn, sa_table, frame, first_row, exc))
                if on_error == "fail" and result.rejected_count >= KEPT_ERRORS:
                    raise LoadError(
                        sa_table.name, self.display_url, result.rejected, result.rejected_count
                    ) from None
                return
        middle = len(frame) // 2
        for offset, part in ((0, frame.iloc[:middle]), (middle, frame.iloc[middle:])):
            encoded_part = self._encoded(part, table, sa_table.name)
            self._load(
                conn, sa_table, table, part, encoded_part, first_row + offset, result, on_error
            )

    # -- bulk mode (dialects that load faster without some constraints, then re-check) ---------

    def _start_bulk(self, conn: sa.Connection, sa_table: sa.Table, created: bool) -> bool:
        return False

    def _finish_bulk(
        self,
        conn: sa.Connection,
        sa_table: sa.Table,
        table: TableSpec,
        result: WriteResult,
        on_error: str,
    ) -> None:
        return None

    # -- refused rows --------------------------------------------------------------------------

    row_error_types: tuple[type[BaseException], ...] = (sa.exc.IntegrityError, sa.exc.DataError)

    def _is_row_error(self, exc: BaseException) -> bool:
        return isinstance(exc, self.row_error_types)

    def _row_error(
        self, conn: sa.Connection, sa_table: sa.Table, frame: pd.DataFrame, row: int, exc
    ) -> RowError:
        message = self._error_message(exc)
        if isinstance(frame, EncodedRows):
            frame = frame.to_frame()
        constraint, column = self._locate(conn, sa_table, frame, message)
        return RowError(sa_table.name, row, constraint, column, cell_value(frame, column), message)

    def _error_message(self, exc: BaseException) -> str:
        orig = getattr(exc, "orig", exc)
        return str(orig).strip().splitlines()[0]

    def _locate(
        self, conn: sa.Connection, sa_table: sa.Table, frame: pd.DataFrame, message: str
    ) -> tuple[str | None, str | None]:
        """Which constraint and column a driver message is about, from the names in it."""
        for constraint in sa_table.constraints:
            if constraint.name and re.search(rf"\b{re.escape(constraint.name)}\b", message):
                columns = [c.name for c in constraint.columns]
                return constraint.name, columns[0] if columns else None
        for name, columns in self._user_constraints(conn, sa_table.name).items():
            if re.search(rf"\b{re.escape(name)}\b", message):
                return name, next((c for c in columns if c in frame.columns), None)
        for column in sa_table.columns:
            if re.search(rf"[`'\".]{re.escape(column.name)}\b", message):
                return None, column.name
        return None, None

    def _user_constraints(self, conn: sa.Connection, name: str) -> dict[str, list[str]]:
        """Named constraints of the table as it exists (a user's may have its own CHECKs)."""
        cache = self.__dict__.setdefault("_constraints_seen", {})
        if name not in cache:
            cache[name] = self._read_constraints(conn, name)
        return cache[name]

    def _read_constraints(self, conn: sa.Connection, name: str) -> dict[str, list[str]]:
        inspector = sa.inspect(conn)
        found: dict[str, list[str]] = {}
        try:
            for fk in inspector.get_foreign_keys(name):
                found[fk["name"]] = fk["constrained_columns"]
            for unique in inspector.get_unique_constraints(name):
                found[unique["name"]] = unique["column_names"]
            columns = [c["name"] for c in inspector.get_columns(name)]
            for check in inspector.get_check_constraints(name):
                text = check.get("sqltext") or ""
                found[check["name"]] = [
                    c for c in columns if re.search(rf"\b{re.escape(c)}\b", text)
                ]
        except (NotImplementedError, sa.exc.DBAPIError):
            pass
        return {k: v for k, v in found.items() if k}

    # -- helpers -------------------------------------------------------------------------------

    def _quote(self, identifier: str) -> str:
        return self.engine.dialect.identifier_preparer.quote(identifier)

    def _count(self, conn: sa.Connection, name: str) -> int:
        return conn.execute(sa.text(f"SELECT COUNT(*) FROM {self._quote(name)}")).scalar_one()

    # -- reading -------------------------------------------------------------------------------

    def read_columns(self, spec: Spec, name: str, columns: list[str]) -> pd.DataFrame:
        """Columns of a written table, in primary-key order, with the engine's dtypes."""
        return canonical_frame(self.read_in_key_order(spec, name, columns), spec.tables[name])

    def read_in_key_order(
        self, spec: Spec, name: str, columns: list[str], engine: sa.Engine | None = None
    ) -> pd.DataFrame:
        """Columns of a table as the database gives them, in primary-key order (through
        `engine` when given: a reader's own connections)."""
        order = sort_key(spec.tables[name])
        query = f"SELECT {', '.join(self._quote(c) for c in columns)} FROM {self._quote(name)}"
        if order:
            query += f" ORDER BY {', '.join(self._quote(c) for c in order)}"
        with (engine or self.engine).connect() as conn:
            return pd.read_sql_query(sa.text(query), conn)

    def row_counts(self, names: Iterable[str]) -> dict[str, int | None]:
        """Rows per table (None where the table does not exist)."""
        with self.engine.connect() as conn:
            inspector = sa.inspect(conn)
            return {n: self._count(conn, n) if inspector.has_table(n) else None for n in names}

    def status(self) -> dict[str, sa.Row]:
        with self.engine.connect() as conn:
            return registry.entries(conn)

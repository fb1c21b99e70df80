"""PostgreSQL: COPY in CSV from Arrow, FKs re-added after the load, refused rows via diag."""

from __future__ import annotations

import io
import re
from typing import ClassVar

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa

from seed_assets.errors import TargetError
from seed_assets.spec.graph import component_of
from seed_assets.spec.models import STRING_TYPES, TableSpec
from seed_assets.targets import registry
from seed_assets.targets.base import Target
from seed_assets.targets.ddl import build_metadata, create_types
from seed_assets.targets.load_report import (
    RowError,
    WriteResult,
    cell_value,
    plain_value,
    summarise,
)

CSV_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="needed")
ORPHANS_SHOWN = 1000
KEYS = (sa.ForeignKeyConstraint, sa.PrimaryKeyConstraint, sa.UniqueConstraint)
UNIQUE_KEYS = (sa.PrimaryKeyConstraint, sa.UniqueConstraint)


def csv_bytes(frame: pd.DataFrame, table: TableSpec) -> bytes:
    """A batch as COPY CSV: strings always quoted, so ``""`` is empty and a bare field NULL."""
    arrays = []
    for name in frame.columns:
        kind = table.columns[name].type if name in table.columns else "string"
        values = frame[name]
        if isinstance(values.dtype, pd.StringDtype):  # Arrow (or Python) strings: as they are
            arrays.append(pa.array(values, from_pandas=True))
        elif kind in STRING_TYPES or values.dtype == object:
            arrays.append(
                pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
            )
        elif kind == "date":
            arrays.append(pa.array(values.to_numpy().astype("datetime64[D]"), from_pandas=True))
        elif kind == "timestamptz":  # the engine's timestamps are UTC: say so, whatever TimeZone
            utc = pa.timestamp("s", tz="UTC")
            arrays.append(pa.array(values.to_numpy(), from_pandas=True).cast(utc))
        else:
            arrays.append(pa.Array.from_pandas(values))
    sink = io.BytesIO()
    pacsv.write_csv(pa.Table.from_arrays(arrays, names=list(frame.columns)), sink, CSV_OPTIONS)
    return sink.getvalue()


class PostgresTarget(Target):
    """COPY FROM STDIN. A table the tool created loads with its own FKs dropped and re-added
    (one anti-join per FK instead of a trigger per row); a refused FK names its orphans."""

    batch_rows = 200_000
    # Settings while keys and FKs are built after the load: each check is planned and run
    # once over the whole table, so compiling it (JIT) costs more than it saves.
    bulk_settings: ClassVar[dict[str, str]] = {"jit": "off"}
    row_error_types = (
        sa.exc.IntegrityError,
        sa.exc.DataError,
        psycopg.errors.IntegrityError,
        psycopg.errors.DataError,
    )

    def _create_engine(self, url: str) -> sa.Engine:
        engine = sa.create_engine(url)

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):
            # DDL literals (CHECKs, comments) are written for it, whatever the server's default.
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET standard_conforming_strings = on")
            dbapi_connection.commit()

        return engine

    def _encode(self, frame: pd.DataFrame, table: TableSpec, name: str) -> bytes:
        return csv_bytes(frame, table)

    def _send(self, conn: sa.Connection, sa_table: sa.Table, frame: pd.DataFrame, encoded) -> None:
        columns = ", ".join(self._quote(c) for c in frame.columns)
        statement = f"COPY {self._quote(sa_table.name)} ({columns}) FROM STDIN (FORMAT csv)"
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            copy.write(encoded)

    def _empty(self, conn: sa.Connection, names: list[str]) -> None:
        # TRUNCATE is instant but needs every referencing table in the same statement.
        try:
            with conn.begin_nested():
                conn.exec_driver_sql(f"TRUNCATE TABLE {', '.join(self._quote(n) for n in names)}")
        except sa.exc.DBAPIError:
            super()._empty(conn, names)

    def _row_error(self, conn, sa_table, frame, row, exc) -> RowError:
        orig = getattr(exc, "orig", exc)
        diag = getattr(orig, "diag", None)
        constraint = getattr(diag, "constraint_name", None)
        column = getattr(diag, "column_name", None)
        if constraint and not column:
            found = next((c for c in sa_table.constraints if c.name == constraint), None)
            if found is not None and len(found.columns):
                column = found.columns.keys()[0]
            else:
                columns = self._user_constraints(conn, sa_table.name).get(constraint, [])
                column = next((c for c in columns if c in frame.columns), None)
        if not column:  # COPY names the column in its context: "COPY t, line 1, column c: ..."
            found = re.search(r"column (\w+):", getattr(diag, "context", None) or "")
            column = found.group(1) if found and found.group(1) in frame.columns else None
        if not constraint and not column:
            return super()._row_error(conn, sa_table, frame, row, exc)
        detail = getattr(diag, "message_detail", None)
        message = getattr(diag, "message_primary", None) or str(orig).splitlines()[0]
        if detail:
            message = f"{message} ({detail})"
        return RowError(sa_table.name, row, constraint, column, cell_value(frame, column), message)

    # -- FKs after the load --------------------------------------------------------------------

    def _prepare(self, conn, spec, name, sa_table, if_exists) -> bool:
        # A new table (outside FK cycles) is created without its FKs, which are added after the
        # load. Dropping FKs of an existing table instead would take an ACCESS EXCLUSIVE lock on
        # the parent table until commit, blocking sibling steps that read it.
        self._fresh = False
        if sa.inspect(conn).has_table(name) or component_of(spec, name).is_cycle:
            return super()._prepare(conn, spec, name, sa_table, if_exists)
        self._create_bare(conn, sa_table)
        self._fresh = True
        return True

    def _create_bare(self, conn: sa.Connection, sa_table: sa.Table) -> None:
        """`sa_table` without its keys and FKs: one index build and one anti-join per FK after
        the load cost less than maintaining an index and firing a trigger row by row."""
        bare = sa_table.to_metadata(sa.MetaData())
        for constraint in list(bare.constraints):
            if isinstance(constraint, KEYS):
                bare.constraints.discard(constraint)
        bare.primary_key = sa.PrimaryKeyConstraint()
        create_types(sa_table, conn)
        bare.create(conn)

    def _create_for_partitions(self, conn, spec, name, sa_table) -> None:
        # Its partitions load side by side into a bare table; its keys and FKs are built once,
        # over the whole table, when its whole-table check completes it. Until then the table
        # is `partial`, and no table below it loads.
        if component_of(spec, name).is_cycle:
            super()._create_for_partitions(conn, spec, name, sa_table)
        else:
            self._create_bare(conn, sa_table)

    def start_all_partitions(self, spec, name) -> None:
        """Every partition of `name` is about to load: a table this spec's tool created is
        emptied and loses its keys and FKs (built again once, by ``_complete_keys``), so the
        partitions load bare as into a new table. A table anything outside the spec refers
        to keeps them, and its partitions load into it as it is."""
        if component_of(spec, name).is_cycle:
            return
        metadata = build_metadata(spec)
        self._ensure_registry()
        self._ensure_table(spec, name, metadata.tables[name])  # a new one is bare already
        with self.engine.begin() as conn:
            owned = self._claim_for_partitions(conn, spec, name, created=False)
            ours = owned is not None and owned.spec_name == spec.name and owned.created_by_tool
            if not ours or self._referred_from_outside(conn, metadata, name):
                return
            self._empty(conn, [name])
            registry.forget_partitions(conn, name)
            registry.record(conn, name, status="cleared", row_count=0)
            self._drop_keys(conn, metadata.tables[name])

    def _referred_from_outside(self, conn, metadata: sa.MetaData, name: str) -> bool:
        """Whether an FK the spec does not declare refers to `name` (a user's table): dropping
        `name`'s key would drop that FK with it."""
        ours = {
            fk.name
            for table in metadata.tables.values()
            for fk in table.foreign_key_constraints
            if fk.referred_table.name == name
        }
        query = sa.text(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' "
            "AND confrelid = to_regclass(quote_ident(:name))"
        )
        return bool(set(conn.execute(query, {"name": name}).scalars()) - ours)

    def _drop_keys(self, conn, sa_table: sa.Table) -> None:
        """Drop the spec's keys and FKs of an empty `sa_table`; FKs of the (emptied) tables
        below that refer to its key go with it, and come back with it (``_complete_keys``)."""
        inspector = sa.inspect(conn)
        ours = {c.name for c in sa_table.constraints if isinstance(c, KEYS)}
        found = [fk["name"] for fk in inspector.get_foreign_keys(sa_table.name)]
        found += [u["name"] for u in inspector.get_unique_constraints(sa_table.name)]
        dropped = [name for name in found if name in ours]
        primary = inspector.get_pk_constraint(sa_table.name)  # named by the database
        wanted = [c.name for c in sa_table.primary_key.columns]
        if wanted and primary.get("constrained_columns") == wanted:
            dropped.append(primary["name"])
        table = self._quote(sa_table.name)
        for name in dropped:
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {self._quote(name)} CASCADE")

    def _complete_keys(self, conn, spec, name) -> list[str]:
        """The keys and FKs of `name` not in the database yet, built over its rows, then the
        FKs of the tables below that refer to it (dropped with its key); rows that break one
        are named and nothing is built."""
        metadata = build_metadata(spec)
        sa_table = metadata.tables[name]
        inspector = sa.inspect(conn)
        built = {c["name"] for c in inspector.get_unique_constraints(name)}
        built |= {fk["name"] for fk in inspector.get_foreign_keys(name)}
        keyed = bool(inspector.get_pk_constraint(name).get("constrained_columns"))
        keys = [
            k
            for k in sa_table.constraints
            if isinstance(k, UNIQUE_KEYS)
            and k.columns
            and not (keyed if isinstance(k, sa.PrimaryKeyConstraint) else k.name in built)
        ]
        fks = [fk for fk in sa_table.foreign_key_constraints if fk.name not in built]
        named = [
            f"primary key ({', '.join(k.columns.keys())})"
            if isinstance(k, sa.PrimaryKeyConstraint)
            else k.name
            for k in [*keys, *fks]
        ]
        if keys or fks:
            result = WriteResult(name)
            self._build_keys(conn, sa_table, keys, fks, result, "fail")
            if result.rejected_count:
                raise TargetError(
                    f"the keys of '{name}' could not be built in {self.display_url}; it stays "
                    f"partial (materialise its partitions again):\n"
                    f"{summarise(result.rejected, result.rejected_count)}"
                )
        for child in metadata.tables.values():
            if child.name == name or not inspector.has_table(child.name):
                continue
            present = {fk["name"] for fk in inspector.get_foreign_keys(child.name)}
            for fk in child.foreign_key_constraints:
                if fk.referred_table.name == name and fk.name not in present:
                    # The child was emptied when `name` was: nothing to validate.
                    conn.execute(sa.schema.AddConstraint(fk, isolate_from_table=False))
                    named.append(f"{fk.name} (of {child.name})")
        return named

    def _start_bulk(self, conn: sa.Connection, sa_table: sa.Table, created: bool) -> bool:
        return self._fresh

    def _finish_bulk(self, conn, sa_table, table, result: WriteResult, on_error: str) -> None:
        keys = [c for c in sa_table.constraints if isinstance(c, UNIQUE_KEYS) and c.columns]
        fks = list(sa_table.foreign_key_constraints)
        self._build_keys(conn, sa_table, keys, fks, result, on_error)

    def _build_keys(self, conn, sa_table, keys, fks, result: WriteResult, on_error: str) -> None:
        """Add `keys`, then `fks` (not when a key refused rows and the load fails)."""
        if conn.dialect.server_version_info >= (11,):  # PostgreSQL 11 brought JIT
            for setting, value in self.bulk_settings.items():  # this transaction only
                conn.execute(sa.text("SELECT set_config(:s, :v, true)"), {"s": setting, "v": value})
        for key in keys:
            self._add_key(conn, sa_table, key, result, on_error)
        if result.rejected_count and on_error == "fail":
            return
        self._add_foreign_keys(conn, sa_table, fks, result, on_error)

    def _add_key(self, conn, sa_table, key, result: WriteResult, on_error: str) -> None:
        """Add a primary/unique key after the load; name the repeated values when it fails."""
        try:
            with conn.begin_nested():
                conn.execute(sa.schema.AddConstraint(key, isolate_from_table=False))
            return
        except sa.exc.IntegrityError:
            pass
        columns = [c.name for c in key.columns]
        listed = ", ".join(self._quote(c) for c in columns)
        query = (
            f"SELECT {listed}, COUNT(*) FROM {self._quote(sa_table.name)} "
            f"GROUP BY {listed} HAVING COUNT(*) > 1 LIMIT {ORPHANS_SHOWN}"
        )
        for row in conn.exec_driver_sql(query):
            values = [plain_value(v) for v in row[: len(columns)]]
            for _ in range(int(row[-1]) - 1):
                result.reject(
                    RowError(
                        sa_table.name,
                        None,
                        key.name,
                        columns[0],
                        values[0],
                        f"({', '.join(columns)}) = ({', '.join(map(repr, values))}) is repeated",
                    )
                )
        if on_error == "fail":
            return
        table = self._quote(sa_table.name)
        match = " AND ".join(
            f"a.{self._quote(c)} IS NOT DISTINCT FROM b.{self._quote(c)}" for c in columns
        )
        deleted = conn.exec_driver_sql(
            f"DELETE FROM {table} a USING {table} b WHERE {match} AND a.ctid > b.ctid"
        ).rowcount
        result.rows -= deleted
        conn.execute(sa.schema.AddConstraint(key, isolate_from_table=False))

    def _add_foreign_keys(self, conn, sa_table, fks, result: WriteResult, on_error: str) -> None:
        # Rows just loaded have no statistics yet: without them the planner nests loops over
        # the whole table to validate each FK.
        analysed = [sa_table.name, *self._unanalysed_parents(conn, sa_table)]
        conn.exec_driver_sql(f"ANALYZE {', '.join(self._quote(n) for n in analysed)}")
        for fk in fks:
            try:
                with conn.begin_nested():
                    conn.execute(sa.schema.AddConstraint(fk, isolate_from_table=False))
                continue
            except sa.exc.IntegrityError:
                pass  # some rows have no parent: name them
            for key, values in self._orphans(conn, fk):
                result.reject(
                    RowError(
                        sa_table.name,
                        None,
                        fk.name,
                        fk.columns.keys()[0],
                        plain_value(values[0]),
                        f"no row of {fk.referred_table.name} has "
                        f"({', '.join(e.column.name for e in fk.elements)}) = "
                        f"({', '.join(map(repr, map(plain_value, values)))}); key {key}",
                    )
                )
            if on_error == "fail":
                return
            result.rows -= self._delete_orphans(conn, fk)
            conn.execute(sa.schema.AddConstraint(fk, isolate_from_table=False))

    def _unanalysed_parents(self, conn: sa.Connection, sa_table: sa.Table) -> list[str]:
        """Referenced tables whose statistics are missing, or describe less than half of their
        pages now. A parent this tool loaded was analysed then: analysing it again for each
        child cost as much as the child's own ANALYZE, and locked the parent meanwhile."""
        parents = sorted({fk.column.table.name for fk in sa_table.foreign_keys} - {sa_table.name})
        if not parents:
            return []
        query = sa.text(
            "SELECT name FROM unnest(CAST(:names AS text[])) AS name "
            "JOIN pg_class c ON c.oid = to_regclass(quote_ident(name)) "
            "WHERE c.reltuples < 0 OR 2 * c.relpages::bigint < "
            "pg_relation_size(c.oid) / current_setting('block_size')::bigint"
        )
        return sorted(conn.execute(query, {"names": parents}).scalars())

    def _orphan_condition(self, fk: sa.ForeignKeyConstraint) -> str:
        child, parent = fk.parent, fk.referred_table
        present = " AND ".join(f"c.{self._quote(c.name)} IS NOT NULL" for c in fk.columns)
        match = " AND ".join(
            f"p.{self._quote(e.column.name)} = c.{self._quote(e.parent.name)}" for e in fk.elements
        )
        return (
            f"{present} AND NOT EXISTS (SELECT 1 FROM {self._quote(parent.name)} p WHERE {match})"
        ), child

    def _orphans(self, conn: sa.Connection, fk: sa.ForeignKeyConstraint) -> list:
        condition, child = self._orphan_condition(fk)
        key_columns = [c.name for c in child.primary_key.columns] or [fk.columns.keys()[0]]
        columns = [*key_columns, *fk.columns.keys()]
        query = (
            f"SELECT {', '.join('c.' + self._quote(c) for c in columns)} "
            f"FROM {self._quote(child.name)} c WHERE {condition} LIMIT {ORPHANS_SHOWN}"
        )
        found = []
        for row in conn.exec_driver_sql(query):
            key = dict(zip(key_columns, map(plain_value, row[: len(key_columns)]), strict=True))
            found.append((key, list(row[len(key_columns) :])))
        return found

    def _delete_orphans(self, conn: sa.Connection, fk: sa.ForeignKeyConstraint) -> int:
        condition, child = self._orphan_condition(fk)
        return conn.exec_driver_sql(
            f"DELETE FROM {self._quote(child.name)} c WHERE {condition}"
        ).rowcount

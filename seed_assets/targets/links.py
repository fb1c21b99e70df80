"""Writing FK cycles: the tables of a cycle created together, deferred FK columns filled by
UPDATE (nullable cycles), and NOT NULL cycles written in one transaction with deferred checks.

Per dialect, "deferred checks" means: PostgreSQL ``SET CONSTRAINTS ALL DEFERRED`` (the FKs
that close the cycle are DEFERRABLE; an existing non-deferrable one is refused), SQLite
``PRAGMA defer_foreign_keys = ON``, MySQL/MariaDB ``FOREIGN_KEY_CHECKS = 0`` for the
transaction, followed by an explicit orphan query that fails the write before commit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping

import pandas as pd
import sqlalchemy as sa

from seed_assets.engine.table import sort_key
from seed_assets.errors import TargetError
from seed_assets.spec.graph import (
    component_of,
    deferred_of,
    linked_fks,
    links_name,
    replaced_with,
)
from seed_assets.spec.models import ForeignKeySpec, Spec
from seed_assets.targets import ownership, registry
from seed_assets.targets.cancel import CancelToken
from seed_assets.targets.ddl import build_metadata, column_type
from seed_assets.targets.load_report import (
    LoadError,
    NotApproved,
    RowError,
    WriteResult,
    committing,
)

ORPHAN_SAMPLES = 5


def _quote(conn: sa.Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _is_mysql(conn: sa.Connection) -> bool:
    return conn.dialect.name in ("mysql", "mariadb")


# -- creating the tables of a cycle ----------------------------------------------------------------


def create_tables(conn: sa.Connection, spec: Spec, name: str, metadata: sa.MetaData) -> None:
    """Create `name`; in a cycle, also every other missing table of it (empty, recorded as
    the tool's), so each FK of the cycle can be declared as the tables come to exist."""
    inspector = sa.inspect(conn)
    component = component_of(spec, name)
    missing = [t for t in component.tables if t == name or not inspector.has_table(t)]
    metadata.create_all(conn, tables=[metadata.tables[t] for t in missing], checkfirst=False)
    for other in missing:
        if other != name:
            registry.record(
                conn,
                other,
                spec_name=spec.name,
                created_by_tool=True,
                status="cleared",
                row_count=0,
                seed=spec.seed,
                scale=1.0,
            )


def recreate_table(conn: sa.Connection, spec: Spec, name: str, metadata: sa.MetaData) -> None:
    """Drop and create `name` again (its shape changed), keeping the FKs other tables declare
    towards it (PostgreSQL drops them with the table; they are added back)."""
    sa_table = metadata.tables[name]
    referencing = [
        (other, fkc)
        for other in metadata.tables.values()
        if other.name != name
        for fkc in other.foreign_key_constraints
        if fkc.referred_table.name == name
    ]
    inspector = sa.inspect(conn)
    existing = [(o, f) for o, f in referencing if inspector.has_table(o.name)]
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"DROP TABLE {_quote(conn, name)} CASCADE")
    else:
        with _checks_off(conn):
            sa_table.drop(conn)
    metadata.create_all(conn, tables=[sa_table], checkfirst=False)
    if conn.dialect.name == "postgresql":
        for _other, fkc in existing:
            conn.execute(sa.schema.AddConstraint(fkc, isolate_from_table=False))


@contextlib.contextmanager
def _checks_off(conn: sa.Connection) -> Iterator[None]:
    """MySQL/MariaDB refuse to drop a table other tables reference, even empty: FK checks off."""
    if not _is_mysql(conn):
        yield
        return
    conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
    try:
        yield
    finally:
        conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")


# -- replacing rows that others reference ----------------------------------------------------------


def clear_for(target, conn: sa.Connection, spec: Spec, name: str) -> None:
    """Before `name`'s rows are replaced: NULL the deferred FKs that point into rows about to
    go, then empty the tables whose rows would be orphans (deepest first), saying so."""
    replacement = replaced_with(spec, name)
    inspector = sa.inspect(conn)
    for owner, fk in replacement.unlinked:
        if not inspector.has_table(owner):
            continue
        columns = ", ".join(f"{_quote(conn, c)} = NULL" for c in fk.columns)
        conn.exec_driver_sql(f"UPDATE {_quote(conn, owner)} SET {columns}")
        entry = registry.entry(conn, owner)
        if owner != name and entry is not None and entry.status == "complete":
            registry.record(conn, owner, status="linking")
    deleted = [t for t in replacement.deleted if inspector.has_table(t)]
    for child in deleted:
        if ownership.foreign_rows(conn, spec, child):
            raise TargetError(
                f"replacing '{name}' would orphan the rows of '{child}', which this spec "
                "did not write (all or some of them); refusing"
            )
    cleared = [t for t in deleted if (e := registry.entry(conn, t)) and e.spec_name == spec.name]
    together = any(component_of(spec, t).together for t in cleared)
    deferring = deferred_checks(conn, spec, cleared, check=False)
    emptied = list(reversed(cleared))  # deepest first
    if component_of(spec, name).is_cycle:
        # Its rows go too (the caller empties or re-creates it next): in one call, so that
        # PostgreSQL can TRUNCATE tables that reference each other, instead of DELETE leaving
        # dead rows that every FK check of the next DELETE scans.
        emptied.append(name)
    with deferring if together else contextlib.nullcontext():
        target._empty(conn, emptied)
    for child in cleared:
        registry.record(conn, child, status="cleared", row_count=0)
        registry.forget_partitions(conn, child)


# -- deferred constraint checks --------------------------------------------------------------------


@contextlib.contextmanager
def deferred_checks(
    conn: sa.Connection, spec: Spec, tables: Iterable[str], *, check: bool = True
) -> Iterator[None]:
    """FK checks deferred to commit for the statements inside (this transaction).

    MySQL/MariaDB cannot defer: checks are off inside. So, on every dialect (unless `check` is
    False, for deletes of whole FK closures), an orphan query over every FK of `tables` runs at
    the end and raises TargetError naming table, column and values: the transaction rolls back.
    """
    tables = list(tables)
    dialect = conn.dialect.name
    if conn.info.get(_DEFERRED):  # an outer block already deferred them (and checks at its end)
        yield
        return
    conn.info[_DEFERRED] = True
    try:
        with _deferring(conn, spec, tables, dialect, check=check):
            yield
    finally:
        conn.info.pop(_DEFERRED, None)


_DEFERRED = "seed_assets_deferred_checks"


@contextlib.contextmanager
def _deferring(
    conn: sa.Connection, spec: Spec, tables: list[str], dialect: str, *, check: bool
) -> Iterator[None]:
    mysql = _is_mysql(conn)
    if dialect == "sqlite":
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # until this transaction ends
    elif dialect == "postgresql":
        altered = _make_deferrable(conn, spec, tables)
        conn.exec_driver_sql("SET CONSTRAINTS ALL DEFERRED")  # until this transaction ends
    elif mysql:
        conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")  # the session's: restored below
    else:
        raise TargetError(f"{dialect}: writing an FK cycle is not supported on this database")
    try:
        yield
        # The commit would check too (except on MySQL), but this names table, column, values.
        if check:
            raise_orphans(conn, spec, tables)
        if dialect == "postgresql":  # check what is pending now; later DDL needs none pending
            conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
            for table, constraint in altered:  # as the schema had them, in this transaction
                conn.exec_driver_sql(
                    f"ALTER TABLE {_quote(conn, table)} ALTER CONSTRAINT "
                    f"{_quote(conn, constraint)} NOT DEFERRABLE"
                )
    finally:
        if mysql:
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")


def settle(conn: sa.Connection) -> None:
    """PostgreSQL: run the deferred checks queued so far (ALTER TABLE refuses a table with
    pending ones), then keep deferring."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
        conn.exec_driver_sql("SET CONSTRAINTS ALL DEFERRED")


def _make_deferrable(conn: sa.Connection, spec: Spec, tables: list[str]) -> list[tuple]:
    """Make each existing NOT DEFERRABLE deferred FK of `tables` deferrable for this
    transaction (a NOT NULL cycle is only written with it checked at commit); returns the
    (table, constraint) pairs altered, to restore once the checks have run. DDL is
    transactional in PostgreSQL: a rollback restores them too."""
    altered = []
    inspector = sa.inspect(conn)
    for name in tables:
        if not inspector.has_table(name):
            continue
        for fk in deferred_of(spec, name):
            for found in inspector.get_foreign_keys(name):
                if found["referred_table"] != fk.references.table or list(
                    found["constrained_columns"]
                ) != list(fk.columns):
                    continue
                deferrable = conn.execute(
                    sa.text(
                        "SELECT condeferrable FROM pg_constraint "
                        "WHERE conname = :name AND conrelid = CAST(:table AS regclass)"
                    ),
                    {"name": found["name"], "table": _quote(conn, name)},
                ).scalar()
                if deferrable is False:
                    conn.exec_driver_sql(
                        f"ALTER TABLE {_quote(conn, name)} ALTER CONSTRAINT "
                        f"{_quote(conn, found['name'])} DEFERRABLE INITIALLY DEFERRED"
                    )
                    altered.append((name, found["name"]))
    return altered


def raise_orphans(conn: sa.Connection, spec: Spec, tables: Iterable[str]) -> None:
    """Raise TargetError for the first FK of `tables` whose values have no parent row."""
    for name in tables:
        for fk in spec.tables[name].foreign_keys:
            count, samples = orphans(conn, name, fk)
            if count:
                shown = ", ".join(
                    str(s[0]) if len(s) == 1 else str(tuple(s)) for s in samples[:ORPHAN_SAMPLES]
                )
                raise TargetError(
                    f"table '{name}' column '{fk.columns[0]}': {count} row(s) reference "
                    f"{fk.references.table}({', '.join(fk.references.columns)}) values that do "
                    f"not exist (e.g. {shown}); nothing was written"
                )


def orphans(conn: sa.Connection, name: str, fk: ForeignKeySpec) -> tuple[int, list[tuple]]:
    """How many non-null `fk` values of `name` have no parent row, and a few of them."""
    q = lambda identifier: _quote(conn, identifier)  # noqa: E731
    child, parent = q(name), q(fk.references.table)
    join = " AND ".join(
        f"p.{q(r)} = c.{q(c)}" for c, r in zip(fk.columns, fk.references.columns, strict=True)
    )
    present = " AND ".join(f"c.{q(c)} IS NOT NULL" for c in fk.columns)
    missing = f"NOT EXISTS (SELECT 1 FROM {parent} p WHERE {join})"
    where = f"FROM {child} c WHERE {present} AND {missing}"
    count = conn.exec_driver_sql(f"SELECT COUNT(*) {where}").scalar_one()
    samples: list[tuple] = []
    if count:
        cols = ", ".join(f"c.{q(c)}" for c in fk.columns)
        rows = conn.exec_driver_sql(f"SELECT DISTINCT {cols} {where} LIMIT {ORPHAN_SAMPLES}")
        samples = [tuple(r) for r in rows]
    return count, samples


# -- the links step of a nullable cycle ------------------------------------------------------------


def update_links(
    target,
    spec: Spec,
    name: str,
    links: Iterable[pd.DataFrame],
    *,
    rows: int,
    seed: int,
    scale: float,
    approve: Callable[[], bool] | None = None,
) -> WriteResult:
    """Write `name`'s deferred FK columns from `links` (frames of its key and those columns,
    key order; `rows` in all) in one transaction: loaded into a temporary table frame by frame,
    then one UPDATE joined on the key. `approve()`, asked after the UPDATE, returning False
    rolls it back. Marks the table complete; the result counts the rows updated."""
    if not hasattr(target, "engine"):  # a file target (Parquet) rewrites the file itself
        return target.update_links(
            spec, name, links, rows=rows, seed=seed, scale=scale, approve=approve
        )
    table = spec.tables[name]
    fks = linked_fks(spec, name)
    if not fks:
        raise ValueError(f"{name} has no FK filled by a links step")
    key = sort_key(table)
    columns = [c for fk in fks for c in fk.columns]
    metadata = build_metadata(spec)
    target._ensure_registry()
    if not target.transactional_ddl:  # MySQL: ALTER TABLE commits by itself, so it comes first
        with target.engine.begin() as conn:
            _ensure_foreign_keys(conn, metadata, name, fks)
    result = WriteResult(links_name(name))
    with committing(result), target.engine.begin() as conn:
        entry = registry.entry(conn, name)
        held = target._count(conn, name) if sa.inspect(conn).has_table(name) else None
        if entry is None or entry.status not in ("linking", "complete") or held != rows:
            state = "missing" if held is None else f"{held:,} rows"
            raise TargetError(
                f"table '{name}' in {target.display_url} is not ready for its links "
                f"({state}, status {entry.status if entry else 'unknown'}; the links are "
                f"for {rows:,} rows): materialise {name} first"
            )
        _ensure_foreign_keys(conn, metadata, name, fks)
        result.rows = _update_from_temporary(conn, target, spec, name, key, columns, links)
        if approve is not None and not approve():
            raise NotApproved
        registry.record(conn, name, status="complete", seed=seed, scale=scale)
    if not result.committed:
        result.rows = 0
    return result


def _ensure_foreign_keys(
    conn: sa.Connection, metadata: sa.MetaData, name: str, fks: list[ForeignKeySpec]
) -> None:
    """Add the deferred FK constraints the database lacks (their table was created before
    the one they reference, or that one was dropped with CASCADE)."""
    if conn.dialect.name == "sqlite":
        return  # declared inline at CREATE TABLE; SQLite has no ADD CONSTRAINT
    found = sa.inspect(conn).get_foreign_keys(name)
    have = {(f["referred_table"], tuple(f["constrained_columns"])) for f in found}
    for fkc in metadata.tables[name].foreign_key_constraints:
        pair = (fkc.referred_table.name, tuple(fkc.column_keys))
        wanted = any((fk.references.table, tuple(fk.columns)) == pair for fk in fks)
        if wanted and pair not in have:
            conn.execute(sa.schema.AddConstraint(fkc, isolate_from_table=False))


def _update_from_temporary(
    conn: sa.Connection,
    target,
    spec: Spec,
    name: str,
    key: list[str],
    columns: list[str],
    links: Iterable[pd.DataFrame],
    batch_rows: int = 20_000,
) -> int:
    table = spec.tables[name]
    q = lambda identifier: _quote(conn, identifier)  # noqa: E731
    temp = f"seed_links_{name}"[:60]
    metadata = sa.MetaData()
    sa_temp = sa.Table(
        temp,
        metadata,
        *(
            sa.Column(c, column_type(table.columns[c]), primary_key=c in key)
            for c in [*key, *columns]
        ),
        prefixes=["TEMPORARY"],
    )
    if _is_mysql(conn):
        conn.exec_driver_sql(f"DROP TEMPORARY TABLE IF EXISTS {q(temp)}")
    else:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {q(temp)}")
    sa_temp.create(conn)
    try:
        for links_frame in links:
            frame = links_frame[[*key, *columns]]
            for start in range(0, len(frame), batch_rows):  # the bulk path (COPY on PG)
                part = frame.iloc[start : start + batch_rows]
                target._send(conn, sa_temp, part, target._encode(part, table, temp))
        if conn.dialect.name == "postgresql":  # temporary tables get no automatic statistics
            conn.exec_driver_sql(f"ANALYZE {q(temp)}")
        t, s = q(name), q(temp)
        on = " AND ".join(f"{t}.{q(k)} = s.{q(k)}" for k in key)
        if _is_mysql(conn):
            sets = ", ".join(f"{t}.{q(c)} = s.{q(c)}" for c in columns)
            statement = f"UPDATE {t} JOIN {s} s ON {on} SET {sets}"
        else:
            sets = ", ".join(f"{q(c)} = s.{q(c)}" for c in columns)
            statement = f"UPDATE {t} SET {sets} FROM {s} s WHERE {on}"
        result = conn.exec_driver_sql(statement)
        updated = result.rowcount
    finally:
        if _is_mysql(conn):
            conn.exec_driver_sql(f"DROP TEMPORARY TABLE IF EXISTS {q(temp)}")
        else:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {q(temp)}")
    return updated


# -- a NOT NULL cycle in one transaction -----------------------------------------------------------


def write_component(
    target,
    spec: Spec,
    frames: Mapping[str, Iterable[pd.DataFrame]],
    *,
    seed: int,
    scale: float,
    on_rows: Callable[[str, int], None] | None = None,
    if_exists: str = "fail",
    on_error: str = "fail",
    cancel: CancelToken | None = None,
    approve: Callable[[], bool] | None = None,
    rejects: Callable[[RowError], None] | None = None,
) -> dict[str, WriteResult]:
    """Write every table of a NOT NULL cycle in ONE transaction, FK checks deferred to its end
    (see ``deferred_checks``): the same preparation, batches and refused-row reports as
    ``Target.write_table``, for all of them at once. `approve()`, asked after the last row of
    the last table, returning False rolls everything back (``committed`` False). Returns each
    table's result."""
    if not hasattr(target, "engine"):  # a file target (Parquet): no FK checks to defer
        return target.write_component(
            spec,
            frames,
            seed=seed,
            scale=scale,
            on_rows=on_rows,
            if_exists=if_exists,
            on_error=on_error,
            cancel=cancel,
            approve=approve,
        )
    names = list(frames)
    metadata = build_metadata(spec)
    results = {name: WriteResult(name, sink=rejects) for name in names}
    target._ensure_registry()
    if not target.transactional_ddl:  # MySQL: DDL commits by itself, so it comes first
        with target.engine.begin() as conn, deferred_checks(conn, spec, names, check=False):
            for name in names:
                target._create_or_reshape(conn, spec, name, metadata.tables[name], if_exists)
    with committing(*results.values()), target.engine.begin() as conn:
        with deferred_checks(conn, spec, names):
            kept = {name: ownership.kept_rows(conn, spec, name, if_exists) for name in names}
            created = {
                name: target._prepare(conn, spec, name, metadata.tables[name], if_exists)
                for name in names
            }
            settle(conn)  # the rows they held are gone; bulk mode alters the tables next
            bulk = {
                name: target._start_bulk(conn, metadata.tables[name], created[name])
                for name in names
            }
            for name in names:
                hook = (lambda n, name=name: on_rows(name, n)) if on_rows else None
                target._load_all(
                    conn,
                    metadata.tables[name],
                    spec.tables[name],
                    frames[name],
                    results[name],
                    on_error,
                    hook,
                    cancel,
                )
            for name in names:  # every table is loaded: the FKs between them can be checked
                if bulk[name]:
                    target._finish_bulk(
                        conn, metadata.tables[name], spec.tables[name], results[name], on_error
                    )
            for name, result in results.items():
                if result.rejected_count and on_error == "fail":
                    raise LoadError(
                        name, target.display_url, result.rejected, result.rejected_count
                    )
            if approve is not None and not approve():
                raise NotApproved
        for name in names:
            registry.record(
                conn,
                name,
                spec_name=spec.name,
                created_by_tool=created[name],
                status="complete",
                row_count=kept[name] + results[name].rows,
                seed=seed,
                scale=scale,
            )
    return results

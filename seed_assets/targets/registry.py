"""Which tables of a database this tool wrote, so re-runs replace them and nothing else.

A table the tool created may be dropped and re-created; a user's existing (empty) table that it
filled may be emptied again by the same spec, never dropped; any other table is left alone.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

REGISTRY = "seed_assets_tables"

_metadata = sa.MetaData()


def _run_columns() -> list[sa.Column]:
    """What both tables keep of the run that wrote the rows (new Column objects per table)."""
    return [
        sa.Column("row_count", sa.BigInteger, nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("scale", sa.Float, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    ]


registry_table = sa.Table(
    REGISTRY,
    _metadata,
    sa.Column("table_name", sa.String(128), primary_key=True),
    sa.Column("spec_name", sa.String(128), nullable=False),
    sa.Column("created_by_tool", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # complete | cleared
    *_run_columns(),
)


def ensure(conn: sa.Connection) -> None:
    registry_table.create(conn, checkfirst=True)


def entry(conn: sa.Connection, table: str) -> sa.Row | None:
    query = sa.select(registry_table).where(registry_table.c.table_name == table)
    return conn.execute(query).first()


def lock_entry(conn: sa.Connection, table: str) -> sa.Row | None:
    """`table`'s entry, its row locked until the transaction ends (no-op on SQLite, which has
    one writer): partitions of one table written at once take turns through it."""
    query = sa.select(registry_table).where(registry_table.c.table_name == table)
    return conn.execute(query.with_for_update()).first()


def record(conn: sa.Connection, table: str, **values) -> None:
    values["updated_at"] = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    found = entry(conn, table)
    if found is None:
        conn.execute(sa.insert(registry_table).values(table_name=table, **values))
    else:
        where = registry_table.c.table_name == table
        conn.execute(sa.update(registry_table).where(where).values(**values))


def entries(conn: sa.Connection) -> dict[str, sa.Row]:
    if not sa.inspect(conn).has_table(REGISTRY):
        return {}
    return {row.table_name: row for row in conn.execute(sa.select(registry_table))}


# Partitions written of a partitioned table (a Dagster asset in N partitions): which, with how
# many rows, for which seed and scale. The whole-table check reads this to know it is whole.
PARTITIONS = "seed_assets_partitions"
partitions_table = sa.Table(
    PARTITIONS,
    _metadata,
    sa.Column("table_name", sa.String(128), primary_key=True),
    sa.Column("partition_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("partitions", sa.Integer, nullable=False),
    *_run_columns(),
)


def ensure_partitions(conn: sa.Connection) -> None:
    partitions_table.create(conn, checkfirst=True)


def record_partition(conn: sa.Connection, table: str, number: int, **values) -> None:
    values["updated_at"] = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    where = (partitions_table.c.table_name == table) & (partitions_table.c.partition_no == number)
    conn.execute(sa.delete(partitions_table).where(where))
    conn.execute(
        sa.insert(partitions_table).values(table_name=table, partition_no=number, **values)
    )


def partitions_of(conn: sa.Connection, table: str, *, latest: bool = False) -> dict[int, dict]:
    """The partitions recorded of `table`; `latest`: as last committed, not as this
    transaction's snapshot first saw them (a locking read: MySQL's REPEATABLE READ would
    otherwise miss a partition committed since)."""
    if not sa.inspect(conn).has_table(PARTITIONS):
        return {}
    query = sa.select(partitions_table).where(partitions_table.c.table_name == table)
    if latest:
        query = query.with_for_update(read=True)
    return {
        row.partition_no: {"rows": row.row_count, "seed": row.seed, "scale": row.scale}
        for row in conn.execute(query)
    }


def forget_partitions(conn: sa.Connection, table: str) -> None:
    """The table was replaced whole or emptied: no partition of it stands any more."""
    if sa.inspect(conn).has_table(PARTITIONS):
        conn.execute(sa.delete(partitions_table).where(partitions_table.c.table_name == table))

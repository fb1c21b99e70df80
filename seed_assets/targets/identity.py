"""Identity and auto-increment columns after a load: their counters moved past our values.

The generator fills identity columns itself (children must know the keys they reference), so the
database's counter has not moved. PostgreSQL's sequences are set to the largest value loaded;
MySQL/MariaDB and SQLite move their counters past explicitly inserted values by themselves.
"""

from __future__ import annotations

import sqlalchemy as sa

from seed_assets.spec.models import TableSpec


def advance_identities(conn: sa.Connection, name: str, table: TableSpec) -> None:
    """Point each identity column's sequence past the largest value now in table `name`."""
    if conn.dialect.name != "postgresql":
        return
    quote = conn.dialect.identifier_preparer.quote
    for column_name, column in table.columns.items():
        if column.identity is None:
            continue
        sequence = conn.execute(
            sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": quote(name), "column": column_name},
        ).scalar()
        if sequence is None:
            continue
        column_sql, table_sql = quote(column_name), quote(name)
        conn.execute(
            sa.text(
                f"SELECT setval(CAST(:sequence AS regclass), COALESCE(MAX({column_sql}), 1), "
                f"MAX({column_sql}) IS NOT NULL) FROM {table_sql}"
            ),
            {"sequence": sequence},
        )

"""MySQL/MariaDB: strict SQL mode, utf8mb4, UTC, multi-row INSERT batches.

LOAD DATA LOCAL INFILE is not used, though ``bench_targets.py`` measures it at about half the
bare multi-row INSERT's time on clean rows. With LOCAL the server cannot stop the client's
stream, so even in this strict sql_mode MariaDB 10.11 loads a too-long string truncated, an
out-of-range number clamped, a bad date as 0000-00-00 and NULL in a NOT NULL column as '',
and skips duplicate and orphan rows, each with only a warning (the duplicate's and the FK's
without a row number). It could be made strict by loading each batch in a savepoint and, on
any warning, rolling the batch back and sending it as INSERTs (which name the refused rows).
It stays out because PyMySQL's ``local_infile`` lets the server read any file of the client
it names, not only the one sent: a risk for a tool pointed at any URL.
"""

from __future__ import annotations

import re

import pandas as pd
import pymysql
import sqlalchemy as sa

from seed_assets.spec.models import TableSpec
from seed_assets.targets.base import Target
from seed_assets.targets.literal import insert_statements

ROWS_PER_INSERT = 1000

# A value that does not fit must fail, never be truncated or zeroed.
# NO_AUTO_VALUE_ON_ZERO: a generated key 0 stays 0 in an AUTO_INCREMENT column.
SQL_MODE = (
    "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
    "NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION"
)
# Server errors that mean "this row is refused", not "the load is broken".
ROW_ERROR_CODES = {
    1048,  # column cannot be null
    1062,  # duplicate entry
    1265,  # data truncated (MariaDB: a value outside a SET, ENUM or the type)
    1264,  # out of range
    1292,  # incorrect date/time value
    1366,  # incorrect value for column
    1406,  # data too long
    1451,  # child row exists
    1452,  # FK: no parent row
    3819,  # MySQL: check constraint violated
    4025,  # MariaDB: CONSTRAINT failed
}


class MySQLTarget(Target):
    batch_rows = 20_000
    transactional_ddl = False  # CREATE/DROP TABLE commit implicitly

    def _create_engine(self, url: str) -> sa.Engine:
        parsed = sa.make_url(url)
        connect_args = {} if "charset" in parsed.query else {"charset": "utf8mb4"}
        engine = sa.create_engine(parsed, connect_args=connect_args)

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET SESSION sql_mode = '{SQL_MODE}'")
                cursor.execute("SET SESSION time_zone = '+00:00'")

        return engine

    def _empty(self, conn: sa.Connection, names: list[str]) -> None:
        # InnoDB checks a self-reference row by row while deleting, so a parent row may go
        # before its children and be refused: cut the tree first (self-references are nullable).
        inspector = sa.inspect(conn)
        for name in names:
            for fk in inspector.get_foreign_keys(name):
                if fk["referred_table"] == name:
                    sets = ", ".join(f"{self._quote(c)} = NULL" for c in fk["constrained_columns"])
                    conn.exec_driver_sql(f"UPDATE {self._quote(name)} SET {sets}")
        super()._empty(conn, names)

    def _encode(self, frame: pd.DataFrame, table: TableSpec, name: str) -> list[str]:
        # Literal multi-row INSERTs, escaped column by column: pymysql's per-value escaping in
        # Python would be the bottleneck. Rows go as text, so no '%' is ever interpolated.
        return list(insert_statements("mysql", name, frame, table, ROWS_PER_INSERT))

    def _send(self, conn: sa.Connection, sa_table: sa.Table, frame: pd.DataFrame, encoded) -> None:
        with conn.connection.driver_connection.cursor() as cursor:
            for statement in encoded:
                cursor.execute(statement)

    def _is_row_error(self, exc: BaseException) -> bool:
        orig = getattr(exc, "orig", exc)
        return (
            isinstance(orig, pymysql.err.MySQLError)
            and bool(orig.args)
            and (orig.args[0] in ROW_ERROR_CODES)
        )

    def _locate(self, conn: sa.Connection, sa_table: sa.Table, frame: pd.DataFrame, message: str):
        if re.search(r"for key '(\w+\.)?PRIMARY'", message) and sa_table.primary_key.name:
            return sa_table.primary_key.name, sa_table.primary_key.columns.keys()[0]
        return super()._locate(conn, sa_table, frame, message)

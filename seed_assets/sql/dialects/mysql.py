"""MySQL/MariaDB: strict SQL mode, utf8mb4, UTC, multi-row INSERT batches.

LOAD DATA LOCAL INFILE is not used: with LOCAL, the server turns duplicate-key and conversion
errors into warnings (it cannot stop the client's stream), which would load bad rows silently.
"""

from __future__ import annotations

import re

import pandas as pd
import pymysql
import sqlalchemy as sa

from seed_assets.sql.target import Target

# A value that does not fit must fail, never be truncated or zeroed.
SQL_MODE = (
    "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
    "NO_ENGINE_SUBSTITUTION"
)
# Server errors that mean "this row is refused", not "the load is broken".
ROW_ERROR_CODES = {
    1048,  # column cannot be null
    1062,  # duplicate entry
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
    paramstyle_mark = "%s"

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

"""CHECKs the engine does not understand, judged by the target database itself.

Each generated chunk of a table with such CHECKs is copied into a temporary table of the same
column types (in the target database; for SQLite, an in-memory one, which evaluates the same
way), and the database says which rows make a CHECK false. Those rows are dropped before anyone
sees them, children included, so rows that fail are never loaded. The verdict depends only on
the rows, so it is as deterministic as they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from seed_assets.engine.constraints import opaque_checks
from seed_assets.errors import TargetError
from seed_assets.spec.models import Spec
from seed_assets.targets.convert import row_tuples
from seed_assets.targets.ddl import column_type, enum_type_name

ROW = "seed_assets_row"
# A table keeping less than this share of its rows after the database's CHECKs is an error:
# it would silently be much smaller than asked. Judged once this many rows were seen.
MIN_KEPT = 0.5
MIN_SEEN = 20


class DatabaseCheckFilter:
    """A ``RowFilter`` for the engine: which rows of a chunk the database's CHECKs accept."""

    def __init__(self, spec: Spec, url: str) -> None:
        self.spec = spec
        parsed = sa.make_url(url)
        # SQLite evaluates the same in memory, and a second connection to the target file
        # would wait on the writer's lock.
        if parsed.get_backend_name() == "sqlite":
            # one connection, used by whichever thread generates (the writer prefetches chunks
            # in a thread) and closed by the caller's: sqlite3 must not refuse that
            self.engine = sa.create_engine(
                "sqlite://",
                connect_args={"check_same_thread": False},
                poolclass=sa.pool.StaticPool,
            )
        else:
            self.engine = sa.create_engine(url)
        self.seen: dict[str, list[int]] = {}  # table -> [rows seen, rows kept]
        self.conn: sa.Connection | None = None
        self.temp: dict[str, sa.Table] = {}
        self.metadata = sa.MetaData()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.engine.dispose()

    def __call__(self, name: str, frame: pd.DataFrame) -> np.ndarray:
        checks = opaque_checks(self.spec.tables[name])
        keep = np.ones(len(frame), dtype=bool)
        if not checks or not len(frame):
            return keep
        conn = self._connection()
        temp = self._temp_table(conn, name)
        quote = conn.dialect.identifier_preparer.quote
        table = self.spec.tables[name]
        rows = [(*row, i) for i, row in enumerate(row_tuples(frame, table))]
        columns = ", ".join(quote(c) for c in [*frame.columns, ROW])
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        marks = ", ".join([mark] * (len(frame.columns) + 1))
        failing = " OR ".join(f"NOT ({sql})" for sql in checks)
        if conn.dialect.paramstyle in ("format", "pyformat"):
            failing = failing.replace("%", "%%")  # LIKE '%x%': not a placeholder
        try:
            with conn.begin():
                conn.execute(sa.delete(temp))
                conn.exec_driver_sql(
                    f"INSERT INTO {quote(temp.name)} ({columns}) VALUES ({marks})", rows
                )
                found = conn.exec_driver_sql(
                    f"SELECT {quote(ROW)} FROM {quote(temp.name)} WHERE {failing}"
                ).all()
        except sa.exc.DBAPIError as exc:
            raise TargetError(
                f"table '{name}': the database could not evaluate its CHECKs on generated rows "
                f"({str(getattr(exc, 'orig', exc)).splitlines()[0]}); so that no refused row is "
                "loaded, fix or remove the CHECK in the spec's `checks`"
            ) from None
        keep[[r[0] for r in found]] = False
        self._count(name, len(frame), int(keep.sum()), checks)
        return keep

    def _count(self, name: str, seen: int, kept: int, checks: list[str]) -> None:
        totals = self.seen.setdefault(name, [0, 0])
        totals[0] += seen
        totals[1] += kept
        if totals[0] >= MIN_SEEN and totals[1] < MIN_KEPT * totals[0]:
            listed = "; ".join(f"CHECK ({' '.join(sql.split())})" for sql in checks)
            raise TargetError(
                f"table '{name}': the database's CHECKs refused {totals[0] - totals[1]} of the "
                f"first {totals[0]} generated rows ({listed}), so the table would be far smaller "
                "than the spec asks. Give the columns they test values that satisfy them: a "
                "`choice` of accepted values, or a `faker: regex`/`like` pattern for a text "
                "pattern CHECK, or a `distribution` inside its bounds"
            )

    def _connection(self) -> sa.Connection:
        if self.conn is None:
            self.conn = self.engine.connect()
            if self.conn.dialect.name in ("mysql", "mariadb"):
                self.conn.exec_driver_sql("SET SESSION time_zone = '+00:00'")
            self.conn.commit()
        return self.conn

    def _temp_table(self, conn: sa.Connection, name: str) -> sa.Table:
        """A temporary table with the columns' types (enum types only where they exist; no
        constraints, no domains: only the CHECKs decide)."""
        if name in self.temp:
            return self.temp[name]
        table = self.spec.tables[name]
        existing = _pg_enum_types(conn)
        columns = []
        for column_name, column in table.columns.items():
            update: dict = {"domain": None}
            enum_name = None
            if column.enum and column.choice is not None:
                enum_name = enum_type_name(name, column_name, column)
                if conn.dialect.name == "postgresql" and enum_name not in existing:
                    update["enum"] = None  # made in the writer's open transaction: not visible
            plain = column.model_copy(update=update)
            sa_type = column_type(plain, enum_name=enum_name)
            columns.append(sa.Column(column_name, sa_type, nullable=True))
        columns.append(sa.Column(ROW, sa.BigInteger, nullable=False))
        temp = sa.Table(
            f"seed_assets_check_{len(self.temp)}", self.metadata, *columns, prefixes=["TEMPORARY"]
        )
        with conn.begin():
            temp.create(conn)
        self.temp[name] = temp
        return temp


def _pg_enum_types(conn: sa.Connection) -> set[str]:
    if conn.dialect.name != "postgresql":
        return set()
    with conn.begin():
        rows = conn.exec_driver_sql("SELECT typname FROM pg_type WHERE typtype = 'e'").all()
    return {r[0] for r in rows}


def check_filter(spec: Spec, url: str) -> DatabaseCheckFilter | None:
    """The filter a run into `url` needs: None when the engine understands every CHECK."""
    if any(opaque_checks(table) for table in spec.tables.values()):
        return DatabaseCheckFilter(spec, url)
    return None

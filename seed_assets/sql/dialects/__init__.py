"""One Target subclass per dialect, for what differs: connection setup, bulk load, errors."""

from seed_assets.sql.dialects.mysql import MySQLTarget
from seed_assets.sql.dialects.postgres import PostgresTarget
from seed_assets.sql.dialects.sqlite import SQLiteTarget

TARGETS = {"sqlite": SQLiteTarget, "postgresql": PostgresTarget, "mysql": MySQLTarget}

__all__ = ["TARGETS", "MySQLTarget", "PostgresTarget", "SQLiteTarget"]

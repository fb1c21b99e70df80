"""One Target subclass per dialect, for what differs: connection setup, bulk load, errors."""

from seed_assets.targets.dialects.mysql import MySQLTarget
from seed_assets.targets.dialects.postgres import PostgresTarget
from seed_assets.targets.dialects.sqlite import SQLiteTarget

TARGETS = {"sqlite": SQLiteTarget, "postgresql": PostgresTarget, "mysql": MySQLTarget}

__all__ = ["TARGETS", "MySQLTarget", "PostgresTarget", "SQLiteTarget"]

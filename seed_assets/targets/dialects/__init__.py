"""One Target subclass per dialect, for what differs: connection setup, bulk load, errors.

Each is imported only when asked for (``urls.dialect_class``, or an attribute of this package):
a SQLite run never pays for the PostgreSQL and MySQL drivers."""

from __future__ import annotations

import importlib

_CLASSES = {
    "MySQLTarget": "seed_assets.targets.dialects.mysql",
    "PostgresTarget": "seed_assets.targets.dialects.postgres",
    "SQLiteTarget": "seed_assets.targets.dialects.sqlite",
}
_BACKENDS = {"sqlite": "SQLiteTarget", "postgresql": "PostgresTarget", "mysql": "MySQLTarget"}

__all__ = ["TARGETS", "MySQLTarget", "PostgresTarget", "SQLiteTarget"]


def __getattr__(name: str):
    if name in _CLASSES:
        return getattr(importlib.import_module(_CLASSES[name]), name)
    if name == "TARGETS":
        return {backend: __getattr__(cls) for backend, cls in _BACKENDS.items()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Target URLs: the supported backends, their dialect classes (found by name) and masking."""

from __future__ import annotations

import importlib

import sqlalchemy as sa

DRIVERS = {
    "sqlite": "sqlite:///path/to/file.sqlite",
    "postgresql": "postgresql+psycopg://user:password@host:5432/database",
    "mysql": "mysql+pymysql://user:password@host:3306/database",
}


# The subclass of each backend, found by name when a URL asks for it: the dialect modules import
# this one (they subclass Target), so this one must not import them.
DIALECTS = {
    "sqlite": "seed_assets.targets.dialects.sqlite:SQLiteTarget",
    "postgresql": "seed_assets.targets.dialects.postgres:PostgresTarget",
    "mysql": "seed_assets.targets.dialects.mysql:MySQLTarget",
}


def dialect_class(backend: str) -> type:
    """The ``base.Target`` subclass for a backend name (a key of ``DIALECTS``)."""
    module, name = DIALECTS[backend].split(":")
    return getattr(importlib.import_module(module), name)


def url_dialect(url: str) -> str | None:
    """The writer a target URL names: "parquet" or a key of ``DRIVERS`` (MariaDB is "mysql");
    None when the URL cannot be read or names another backend (``Target.for_url`` says why)."""
    from seed_assets.targets.parquet_urls import is_parquet_url

    if is_parquet_url(url):
        return "parquet"
    try:
        backend = sa.make_url(url).get_backend_name()
    except sa.exc.ArgumentError:
        return None
    backend = "mysql" if backend == "mariadb" else backend
    return backend if backend in DRIVERS else None


def mask_url(url: str | sa.URL) -> str:
    """The URL with its password hidden, for logs, metadata and reports."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparseable URL>"

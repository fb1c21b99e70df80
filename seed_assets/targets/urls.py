"""Target URLs: the supported backends, their dialect classes (found by name) and masking."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from seed_assets.spec.models import Spec

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


def default_url(spec: Spec) -> str:
    """``sqlite:///data/<spec file stem>.sqlite``: the embedded default, relative to the cwd."""
    return f"sqlite:///data/{spec.source_stem}.sqlite"


def dialect_class(backend: str) -> type:
    """The ``base.Target`` subclass for a backend name (a key of ``DIALECTS``)."""
    module, name = DIALECTS[backend].split(":")
    return getattr(importlib.import_module(module), name)


def mask_url(url: str) -> str:
    """The URL with its password hidden, for logs, metadata and reports."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparseable URL>"

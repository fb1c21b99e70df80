"""Dagster instances on the shipped PostgreSQL storage config, as a deployment would set them up."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa

from seed_assets_tests.conftest import ROOT

POSTGRES_CONFIG = ROOT / "deploy" / "dagster-postgres.yaml"
DEFAULT_CONFIG = ROOT / "dagster.yaml"


def postgres_env(url: str) -> dict[str, str]:
    """The DAGSTER_PG_* variables the shipped config reads, naming the database of `url`."""
    parsed = sa.make_url(url)
    return {
        "DAGSTER_PG_HOST": parsed.host or "127.0.0.1",
        "DAGSTER_PG_PORT": str(parsed.port or 5432),
        "DAGSTER_PG_DB": parsed.database or "",
        "DAGSTER_PG_USERNAME": parsed.username or "postgres",
        "DAGSTER_PG_PASSWORD": parsed.password or "",
    }


def write_home(home: Path, config: Path) -> Path:
    """A DAGSTER_HOME holding `config` as its dagster.yaml (what the Makefile does)."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(config, home / "dagster.yaml")
    return home

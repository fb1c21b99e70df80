"""Dagster instances on the shipped PostgreSQL storage config, as a deployment would set them up."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


def materialize_with_cli(
    tmp_path: Path, specs: str, target_url: str
) -> subprocess.CompletedProcess[str]:
    """`dagster asset materialize --select *` of `seed_assets.definitions`, in its own process
    with a fresh DAGSTER_HOME, the specs and the target given as a user gives them: by env."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SEED_ASSETS_SPECS": specs,
        "SEED_ASSETS_TARGET_URL": target_url,
    }
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "dagster"),
            *("asset", "materialize", "-m", "seed_assets.definitions", "--select", "*"),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )

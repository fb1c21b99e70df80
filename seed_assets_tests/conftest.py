"""Shared fixtures: the shipped and test specs, temporary SQLite targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from seed_assets.sources.files import load_spec

ROOT = Path(__file__).resolve().parent.parent
BANKING = ROOT / "seed_assets" / "examples" / "banking.yaml"
SHOP = Path(__file__).parent / "specs" / "shop.yaml"
# Banking, small, with transactions and invoices partitioned (test_partitions, test_celery).
BANK_PARTS = Path(__file__).parent / "specs" / "bank_parts.yaml"
# The tags of a run of several partitions (a backfill with a single-run policy).
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


@pytest.fixture(scope="session", autouse=True)
def server_reports_in_tmp(tmp_path_factory):
    """Server targets' reports go to a temporary folder, never data/ in the checkout."""
    import os

    from seed_assets.reports.report import REPORT_DIR_ENV

    folder = tmp_path_factory.mktemp("server-reports")
    saved = os.environ.get(REPORT_DIR_ENV)
    os.environ[REPORT_DIR_ENV] = str(folder)
    yield folder
    if saved is None:
        os.environ.pop(REPORT_DIR_ENV, None)
    else:
        os.environ[REPORT_DIR_ENV] = saved


@pytest.fixture(scope="session")
def banking():
    return load_spec(BANKING)


@pytest.fixture(scope="session")
def shop():
    return load_spec(SHOP)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


# -- real servers: one fresh database per test session (see servers.py) ------------------------


@pytest.fixture(scope="session")
def pg_database():
    from seed_assets_tests.servers import PG_SERVER, fresh_database

    with fresh_database(PG_SERVER, "pg") as url:
        yield url


@pytest.fixture(scope="session")
def mysql_database():
    from seed_assets_tests.servers import MYSQL_SERVER, fresh_database

    with fresh_database(MYSQL_SERVER, "my") as url:
        yield url


@pytest.fixture
def pg_url(pg_database):
    """The session's PostgreSQL database, emptied for this test."""
    from seed_assets_tests.servers import reset_database

    reset_database(pg_database)
    return pg_database


@pytest.fixture
def mysql_url(mysql_database):
    """The session's MariaDB/MySQL database, emptied for this test."""
    from seed_assets_tests.servers import reset_database

    reset_database(mysql_database)
    return mysql_database


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def any_url(request, tmp_path):
    """Each real target in turn: the shared writer suite runs against all of them."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    fixture = "pg_url" if request.param == "postgresql" else "mysql_url"
    return request.getfixturevalue(fixture)


@pytest.fixture
def dagster_pg_home(tmp_path, monkeypatch):
    """A DAGSTER_HOME with the shipped PostgreSQL storage config, on a fresh database of its own,
    with the DAGSTER_PG_* variables set. Yields (home, database URL)."""
    from seed_assets_tests.instances import POSTGRES_CONFIG, postgres_env, write_home
    from seed_assets_tests.servers import PG_SERVER, fresh_database

    with fresh_database(PG_SERVER, "dg") as url:
        for name, value in postgres_env(url).items():
            monkeypatch.setenv(name, value)
        yield write_home(tmp_path / "dagster_home", POSTGRES_CONFIG), url

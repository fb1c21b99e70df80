"""Real sample databases with their rows: `profile` and `reflect` each write a spec that
`generate` loads with every constraint into SQLite and into another server, whatever dialect the
spec came from, and `compare` scores it.

- Sakila on SQLite, PostgreSQL and MariaDB: a reflected PostgreSQL domain, `'G'::mpaa_rating`
  and `('now'::text)::date` defaults, MySQL's `ON UPDATE current_timestamp()`, TINYINT(1)
  booleans, SQLite's BLOB and LIKE '%...%' CHECKs;
- Pagila (a pg_dump of the same model, 2022 dates): timestamptz partition bounds written
  `+00`, a composite key with an identity column (payment), a PNG in a BYTEA column,
  partitions that `compare` reads through their parent."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from seed_assets.cli import app
from seed_assets.reports.fidelity_run import compare
from seed_assets.sources.files import load_spec
from seed_assets_tests.real_datasets import (
    pagila_postgres,
    sakila_mysql,
    sakila_postgres,
    sakila_sqlite,
)
from seed_assets_tests.servers import reset_database

runner = CliRunner()
# Rows the generated tables must hold (scale 1 keeps the source's counts for roots).
ROOTS = {"actor": 200, "category": 16, "language": 6, "country": 109}


def _generate(spec: str, target: str) -> None:
    result = runner.invoke(app, ["generate", spec, "--target", target])
    assert result.exit_code == 0, result.output[-3000:]


def _declared_keys(url: str) -> dict[str, int]:
    """Foreign keys per table as the generated database declares them."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            names = [t for t in inspector.get_table_names() if not t.startswith("seed_assets")]
            return {t: len(inspector.get_foreign_keys(t)) for t in names}
    finally:
        engine.dispose()


def _count(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()


def _check(source: str, other: str, tmp_path, known_broken=()) -> None:
    """Profile and reflect `source`; generate both into SQLite and into `other`."""
    for mode in ("profile", "reflect"):
        spec = str(tmp_path / f"{mode}.yaml")
        result = runner.invoke(app, [mode, source, "--out", spec])
        assert result.exit_code == 0, result.output[-3000:]
        assert "does not load" not in result.output
        synth = f"sqlite:///{tmp_path / f'{mode}.db'}"
        _generate(spec, synth)
        _generate(spec, other)
        # Every FK of the spec is declared (and so enforced) in both generated databases, and
        # the spec has the source's (a partition's FKs are its parent's).
        wanted = {t: len(table.foreign_keys) for t, table in load_spec(spec).tables.items()}
        assert wanted["payment"] == 3 and wanted["rental"] == 3
        for generated in (synth, other):
            declared = _declared_keys(generated)
            assert {t: declared[t] for t in wanted} == wanted
        if mode == "profile":
            assert {t: _count(synth, t) for t in ROOTS} == ROOTS
            report = compare(source, synth)
            broken = [r["rule"] for r in report["rules"] if r["broken"]]
            assert report["rules"] and set(broken) <= set(known_broken)
            assert report["quality"]["quality"] > 0.85  # measured 0.90-0.95
        reset_database(other)


@pytest.fixture
def other_pg():
    from seed_assets_tests.servers import PG_SERVER, fresh_database

    with fresh_database(PG_SERVER, "sk") as url:
        yield url


@pytest.fixture
def other_mysql():
    from seed_assets_tests.servers import MYSQL_SERVER, fresh_database

    with fresh_database(MYSQL_SERVER, "sk") as url:
        yield url


def test_sakila_sqlite_generates_everywhere(other_pg, tmp_path):
    _check(sakila_sqlite(tmp_path / "sakila.db"), other_pg, tmp_path)


# Sources go into a database of their own: the samples' views, functions and procedures would
# outlive the emptying of the session's shared database between tests.
@pytest.fixture
def source_pg():
    from seed_assets_tests.servers import PG_SERVER, fresh_database

    with fresh_database(PG_SERVER, "src") as url:
        yield url


@pytest.fixture
def source_mysql():
    from seed_assets_tests.servers import MYSQL_SERVER, fresh_database

    with fresh_database(MYSQL_SERVER, "src") as url:
        yield url


def test_sakila_postgres_generates_everywhere(source_pg, other_mysql, tmp_path):
    _check(sakila_postgres(source_pg), other_mysql, tmp_path)


def test_sakila_mariadb_generates_everywhere(source_mysql, other_pg, tmp_path):
    _check(sakila_mysql(source_mysql), other_pg, tmp_path)


def test_pagila_generates_everywhere(source_pg, other_mysql, tmp_path):
    # Known: a return is never before the staff's (one) last update in the data; the profile
    # keeps one `after` per column (the rental date), so a few returns come before it.
    known = ("return_date >= staff.last_update", "return_date >= last_update")
    _check(pagila_postgres(source_pg), other_mysql, tmp_path, known)

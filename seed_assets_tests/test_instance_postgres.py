"""Dagster's own state (runs, event logs) in PostgreSQL through deploy/dagster-postgres.yaml."""

from __future__ import annotations

import json

import sqlalchemy as sa
from dagster import DagsterInstance
from dagster._core.storage.runs import SqliteRunStorage
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

from seed_assets.definitions import build_definitions
from seed_assets_tests.instances import DEFAULT_CONFIG, write_home

SCALE = 0.1


def test_a_run_and_its_materialisations_land_in_postgresql(dagster_pg_home, banking, tmp_path):
    home, dagster_url = dagster_pg_home
    target = f"sqlite:///{tmp_path / 'bank.sqlite'}"
    job = build_definitions([banking]).resolve_job_def("generate_banking")
    run_config = {
        "resources": {
            "target": {"config": {"url": target}},
            "generation": {"config": {"scale": SCALE}},
        }
    }
    with DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        result = job.execute_in_process(run_config=run_config, instance=instance)
        assert result.success

    # Straight from the database, not through Dagster's storage classes.
    engine = sa.create_engine(dagster_url)
    try:
        with engine.connect() as conn:
            runs = conn.execute(sa.text("SELECT run_id, pipeline_name, status FROM runs")).all()
            keys = conn.execute(
                sa.text(
                    "SELECT asset_key FROM event_logs WHERE run_id = :run "
                    "AND dagster_event_type = 'ASSET_MATERIALIZATION'"
                ),
                {"run": result.run_id},
            ).scalars()
            materialised = sorted(json.loads(key)[0] for key in keys)
    finally:
        engine.dispose()
    assert runs == [(result.run_id, "generate_banking", "SUCCESS")]
    assert materialised == sorted(banking.tables)


def test_the_webserver_setup_keeps_its_connections(dagster_pg_home):
    """`dagster-webserver` sets a statement timeout on every new connection; with psycopg 3 that
    hook closes the connection, which is why the shipped config names psycopg2."""
    home, _ = dagster_pg_home
    with DagsterInstance.from_config(str(home)) as instance:
        instance.optimize_for_webserver(statement_timeout=5000, pool_recycle=3600, max_overflow=5)
        assert instance.get_runs() == []
        assert instance.get_runs_count() == 0


def test_the_default_instance_needs_no_setup(tmp_path, monkeypatch):
    """`make demo` with no environment: SQLite files under DAGSTER_HOME."""
    for name in ("DAGSTER_PG_HOST", "DAGSTER_PG_DB", "DAGSTER_PG_USERNAME"):
        monkeypatch.delenv(name, raising=False)
    home = write_home(tmp_path / "home", DEFAULT_CONFIG)
    with DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.run_storage, SqliteRunStorage)
        assert instance.get_runs() == []
    assert (home / "history").is_dir()

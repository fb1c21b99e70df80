"""materialize_all_celery across two real dagster-celery workers, all Dagster state in PostgreSQL
and the tables in a PostgreSQL target: the steps spread over both workers and the tables equal
a single-process run's (SQLite)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack, suppress
from pathlib import Path

import pytest
import yaml
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, materialize

from seed_assets.assets import build_table_assets
from seed_assets.distributed import CELERY_BROKER_ENV, CELERY_EXECUTION, CELERY_JOB
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets_tests.conftest import BANKING, ROOT
from seed_assets_tests.dbcompare import assert_same_tables, read_all
from seed_assets_tests.servers import BROKER, drop_queue, require_broker

BIN = Path(sys.executable).parent
WORKER_CONFIG = ROOT / "deploy" / "celery-worker.yaml"
SCALE = 0.1
WORKERS = 2
READY_SECONDS = 120


def test_shipped_worker_config_is_the_jobs():
    """Workers and launcher must agree: the YAML the workers start with is the job's config."""
    shipped = yaml.safe_load(WORKER_CONFIG.read_text())
    assert shipped == {"execution": {"config": CELERY_EXECUTION}}


def _start_worker(name: str, config: Path, queue: str, env: dict, cwd: Path) -> subprocess.Popen:
    log = (cwd / f"{name}.log").open("w")
    command = [
        str(BIN / "dagster-celery"),
        "worker",
        "start",
        "-A",
        "dagster_celery.app",
        "-y",
        str(config),
        "-q",
        queue,
        "-n",
        name,
        # Imported once before the pool forks, so a step does not pay for them.
        "-i",
        "seed_assets.definitions",
        "-i",
        "great_expectations",
        "--",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
    ]
    # Own process group: the CLI, celery and its pool child are stopped together.
    return subprocess.Popen(
        command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(process: subprocess.Popen) -> None:
    """Stop the worker's whole process group: the CLI, celery and its pool child."""
    with suppress(ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    with suppress(ProcessLookupError):  # what did not stop in time, or outlived the CLI
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _wait_ready(workers: dict[str, subprocess.Popen], logs: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    waiting = set(workers)
    while waiting:
        for name in list(waiting):
            text = (logs / f"{name}.log").read_text()
            if " ready." in text:
                waiting.discard(name)
            elif workers[name].poll() is not None:
                pytest.fail(f"worker {name} exited:\n{text[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"workers {sorted(waiting)} not ready after {READY_SECONDS}s")
        time.sleep(0.3)


def _worker_of_each_step(instance: DagsterInstance, run_id: str) -> dict[str, str]:
    """step key -> the Celery worker that ran it, from the engine events the workers logged."""
    where = {}
    for record in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        event = record.dagster_event
        metadata = event.engine_event_data.metadata if event.engine_event_data else {}
        if "Celery worker" in metadata:
            where[event.step_key] = metadata["Celery worker"].value
    return where


def test_celery_job_spreads_steps_over_two_workers(dagster_pg_home, pg_url, banking, tmp_path):
    require_broker(BROKER)
    home, _ = dagster_pg_home
    queue = f"seed_assets_test_{uuid.uuid4().hex[:10]}"  # other test sessions share the broker
    execution = yaml.safe_load(WORKER_CONFIG.read_text())
    execution["execution"]["config"]["config_source"]["task_default_queue"] = queue
    worker_config = tmp_path / "worker.yaml"
    worker_config.write_text(yaml.safe_dump(execution))
    run_config = tmp_path / "run.yaml"
    run_config.write_text(
        yaml.safe_dump({**execution, "resources": {"generation": {"config": {"scale": SCALE}}}})
    )
    # A database server, as workers on several machines would need (SQLite: one machine only).
    target = pg_url
    env = {
        **os.environ,
        # `dagster-celery worker start` runs `celery` from the PATH.
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DAGSTER_HOME": str(home),
        CELERY_BROKER_ENV: BROKER,
        "SEED_ASSETS_SPECS": str(BANKING),
        "SEED_ASSETS_TARGET_URL": target,
    }
    # Create the instance's tables once, before several processes race to.
    with DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_runs() == []

    with ExitStack() as cleanup:
        cleanup.callback(drop_queue, BROKER, queue)
        names = [f"{queue}_w{i}" for i in range(WORKERS)]
        workers = {}
        for name in names:
            workers[name] = _start_worker(name, worker_config, queue, env, tmp_path)
            cleanup.callback(_stop, workers[name])

        # The single-process reference, while the workers start.
        reference = f"sqlite:///{tmp_path / 'reference.sqlite'}"
        single = materialize(
            build_table_assets(banking),
            resources={
                "target": TargetResource(url=reference),
                "generation": GenerationResource(scale=SCALE),
            },
        )
        assert single.success

        _wait_ready(workers, tmp_path)
        launch = subprocess.run(
            [
                *(str(BIN / "dagster"), "job", "execute", "-m", "seed_assets.definitions"),
                *("-j", CELERY_JOB, "-c", str(run_config)),
            ],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert launch.returncode == 0, launch.stderr[-4000:]

    with DagsterInstance.from_config(str(home)) as instance:
        (run,) = instance.get_runs()
        assert run.job_name == CELERY_JOB and run.status == DagsterRunStatus.SUCCESS
        where = _worker_of_each_step(instance, run.run_id)
    steps = {*banking.tables, "customer_features", "fraud_model"}
    assert set(where) == steps
    # Worker names are `<name>@<host>`.
    assert {worker.split("@")[0] for worker in where.values()} == set(names)
    assert_same_tables(read_all(banking, target), read_all(banking, reference))

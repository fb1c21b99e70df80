"""Steps on two real dagster-celery workers, all Dagster state in PostgreSQL and the tables in a
PostgreSQL target: `materialize_all_celery` on banking, and a partitioned spec materialised run by
run with ``SEED_ASSETS_EXECUTOR=celery``. Steps spread over both workers, and the tables equal a
single-process run's (SQLite)."""

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
from dagster import (
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    in_process_executor,
    materialize,
)

from seed_assets.assets import build_table_assets
from seed_assets.definitions import (
    EXECUTOR_ENV,
    SPECS_ENV,
    STEP_EXECUTOR,
    TARGET_ENV,
    executor_for,
)
from seed_assets.distributed import (
    CELERY_BROKER_ENV,
    CELERY_EXECUTION,
    CELERY_EXECUTOR,
    CELERY_JOB,
)
from seed_assets.engine.partitions import partition_keys
from seed_assets.errors import SeedAssetsError
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.sources.files import load_spec
from seed_assets.spec.loader import spec_from_dict
from seed_assets.targets.base import Target
from seed_assets_tests.conftest import BANK_PARTS, BANKING, ROOT
from seed_assets_tests.dbcompare import assert_same_tables, read_all
from seed_assets_tests.servers import BROKER, drop_queue, require_broker

BIN = Path(sys.executable).parent
WORKER_CONFIG = ROOT / "deploy" / "celery-worker.yaml"
SCALE = 0.1
WORKERS = 2
READY_SECONDS = 120
LAUNCH_SECONDS = 300


def test_shipped_worker_config_is_the_jobs():
    """Workers and launcher must agree: the YAML the workers start with is the job's config."""
    shipped = yaml.safe_load(WORKER_CONFIG.read_text())
    assert shipped == {"execution": {"config": CELERY_EXECUTION}}


@pytest.mark.parametrize(
    ("setting", "executor"),
    [
        (None, STEP_EXECUTOR),
        ("", STEP_EXECUTOR),
        ("multiprocess", STEP_EXECUTOR),
        ("celery", CELERY_EXECUTOR),
        (" Celery ", CELERY_EXECUTOR),
        ("in_process", in_process_executor),
    ],
)
def test_the_executor_setting_picks_the_default_executor(setting, executor):
    assert executor_for(setting) is executor


def test_an_unknown_executor_setting_is_refused_naming_the_choices():
    with pytest.raises(SeedAssetsError) as info:
        executor_for("k8s")
    assert str(info.value) == (
        "SEED_ASSETS_EXECUTOR='k8s' is not an executor; use one of: multiprocess, celery, "
        "in_process (unset: multiprocess)"
    )


# -- two real workers ------------------------------------------------------------------------


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


class Workers:
    """Two workers on a queue of their own (other test sessions share the broker), and the run
    config that sends a run's steps to it: the queue, laid over the shipped executor settings."""

    def __init__(self, cleanup: ExitStack, env: dict, cwd: Path) -> None:
        self.queue = f"seed_assets_test_{uuid.uuid4().hex[:10]}"
        shipped = yaml.safe_load(WORKER_CONFIG.read_text())
        shipped["execution"]["config"]["config_source"]["task_default_queue"] = self.queue
        config = cwd / "worker.yaml"
        config.write_text(yaml.safe_dump(shipped))
        queue_only = {"config_source": {"task_default_queue": self.queue}}
        self.run_config = {"execution": {"config": queue_only}}
        cleanup.callback(drop_queue, BROKER, self.queue)
        self.names = [f"{self.queue}_w{i}" for i in range(WORKERS)]
        self.processes = {}
        for name in self.names:
            self.processes[name] = _start_worker(name, config, self.queue, env, cwd)
            cleanup.callback(_stop, self.processes[name])
        self.cwd = cwd

    def wait_ready(self) -> None:
        _wait_ready(self.processes, self.cwd)


def _celery_env(home: Path, spec: Path, target: str, **more: str) -> dict[str, str]:
    """What launcher and workers share: instance, broker, specs and target."""
    return {
        **os.environ,
        # `dagster-celery worker start` runs `celery` from the PATH.
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DAGSTER_HOME": str(home),
        CELERY_BROKER_ENV: BROKER,
        SPECS_ENV: str(spec),
        TARGET_ENV: target,
        **more,
    }


def _migrate(home: Path) -> None:
    """Create the instance's tables once, before several processes race to."""
    with DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_runs() == []


def _launch_together(commands: list[list[str]], env: dict, cwd: Path) -> None:
    """Start every `dagster` command at once (separate runs, launched concurrently); each must
    succeed."""
    logs = [cwd / f"launch_{uuid.uuid4().hex[:8]}.log" for _ in commands]
    processes = []
    try:
        for command, log in zip(commands, logs, strict=True):
            with log.open("w") as out:
                processes.append(
                    subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=out)
                )
        for process, command, log in zip(processes, commands, logs, strict=True):
            process.wait(timeout=LAUNCH_SECONDS)
            assert process.returncode == 0, (command, log.read_text()[-4000:])
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def _worker_of_each_step(instance: DagsterInstance, run_id: str) -> dict[str, str]:
    """step key -> the Celery worker that ran it, from the engine events the workers logged."""
    where = {}
    for record in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        event = record.dagster_event
        metadata = event.engine_event_data.metadata if event.engine_event_data else {}
        if "Celery worker" in metadata:
            where[event.step_key] = metadata["Celery worker"].value
    return where


def _short(worker: str) -> str:
    return worker.split("@")[0]  # worker names are `<name>@<host>`


def test_celery_job_spreads_steps_over_two_workers(dagster_pg_home, pg_url, banking, tmp_path):
    require_broker(BROKER)
    home, _ = dagster_pg_home
    # A database server, as workers on several machines would need (SQLite: one machine only).
    target = pg_url
    env = _celery_env(home, BANKING, target)
    _migrate(home)

    with ExitStack() as cleanup:
        workers = Workers(cleanup, env, tmp_path)
        run_config = tmp_path / "run.yaml"
        run_config.write_text(
            yaml.safe_dump(
                {**workers.run_config, "resources": {"generation": {"config": {"scale": SCALE}}}}
            )
        )

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

        workers.wait_ready()
        _launch_together(
            [
                [
                    *(str(BIN / "dagster"), "job", "execute", "-m", "seed_assets.definitions"),
                    *("-j", CELERY_JOB, "-c", str(run_config)),
                ]
            ],
            env,
            tmp_path,
        )

    with DagsterInstance.from_config(str(home)) as instance:
        (run,) = instance.get_runs()
        assert run.job_name == CELERY_JOB and run.status == DagsterRunStatus.SUCCESS
        where = _worker_of_each_step(instance, run.run_id)
    steps = {*banking.tables, "customer_features", "fraud_model"}
    assert set(where) == steps
    assert {_short(worker) for worker in where.values()} == set(workers.names)
    assert_same_tables(read_all(banking, target), read_all(banking, reference))


def _unpartitioned(path: Path):
    raw = yaml.safe_load(path.read_text())
    for table in raw["tables"].values():
        table.pop("partitions", None)
    return spec_from_dict(raw)


def test_partitions_run_concurrently_on_two_workers(dagster_pg_home, pg_url, tmp_path):
    """SEED_ASSETS_EXECUTOR=celery: `dagster asset materialize` runs, in DAG order, each step on
    a worker; the partitions of a table are separate runs launched together."""
    require_broker(BROKER)
    home, _ = dagster_pg_home
    parts = load_spec(BANK_PARTS)
    env = _celery_env(home, BANK_PARTS, pg_url, **{EXECUTOR_ENV: "celery"})
    _migrate(home)

    with ExitStack() as cleanup:
        workers = Workers(cleanup, env, tmp_path)
        run_config = tmp_path / "run.yaml"
        run_config.write_text(yaml.safe_dump(workers.run_config))

        def materialize_cli(select: str, partition: str | None = None) -> list[str]:
            return [
                *(str(BIN / "dagster"), "asset", "materialize", "-m", "seed_assets.definitions"),
                *("--select", select, "-c", str(run_config)),
                *(("--partition", partition) if partition else ()),
            ]

        # The reference: the same tables unpartitioned, in this process, while workers start.
        reference = f"sqlite:///{tmp_path / 'reference.sqlite'}"
        single = materialize(
            build_table_assets(_unpartitioned(BANK_PARTS)),
            resources={"target": TargetResource(url=reference), "generation": GenerationResource()},
        )
        assert single.success

        workers.wait_ready()
        # DAG order: parents; every partition of transactions together; its whole-table check;
        # the same for invoices.
        phases = [[("customers,accounts", None)]]
        for table in ("transactions", "invoices"):
            phases.append([(table, key) for key in partition_keys(parts.tables[table].partitions)])
            phases.append([(f"{table}_checked", None)])
        for phase in phases:
            _launch_together([materialize_cli(*run) for run in phase], env, tmp_path)

    with DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        assert all(run.status == DagsterRunStatus.SUCCESS for run in runs)
        where = {run.run_id: _worker_of_each_step(instance, run.run_id) for run in runs}
    # Every run ran all of its steps on a worker, and each partition ran exactly once.
    made = [(sorted(where[run.run_id]), run.tags.get("dagster/partition", "")) for run in runs]
    launched = [(sorted(s.split(",")), key or "") for phase in phases for s, key in phase]
    assert sorted(made) == sorted(launched)
    workers_used = {_short(w) for steps in where.values() for w in steps.values()}
    assert workers_used == set(workers.names)

    assert_same_tables(read_all(parts, pg_url), read_all(parts, reference))
    db = Target.for_url(pg_url)
    try:
        assert {name: entry.status for name, entry in db.status().items()} == dict.fromkeys(
            parts.tables, "complete"
        )
    finally:
        db.dispose()

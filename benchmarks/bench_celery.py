"""Partitioned tables across dagster-celery workers: one worker against two (issue 18, item 6).

For each worker count, a fresh PostgreSQL database for Dagster's state, a fresh target
(PostgreSQL, or ``--target parquet``), and that many ``dagster-celery`` workers (one process
each, ``--concurrency=1``, Dagster and Great Expectations imported before the pool forks, as
``make worker`` starts them) on a queue of their own. Then, with ``SEED_ASSETS_EXECUTOR=celery``,
``dagster asset materialize`` in the graph's order, as docs/deploy.md shows: the parents; every
partition of ``transactions`` as a run of its own, launched together; ``transactions_checked``;
the same for ``invoices``. Each phase's wall time is measured from its launch to its last run's
end; each step's seconds and worker come from the run's events.

The bare baseline is the same phases with one worker: two workers should take the partitions'
phases in about half the time when nothing else shares the cores. On this 2-core machine the
launchers (a Python process per run importing the definitions, about 6 s each) and, for
PostgreSQL, the database server share the same two cores.

Run: ``flock /work/wt/bench.lock .venv/bin/python benchmarks/bench_celery.py --rows 10M``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_dagster import spec_file  # noqa: E402
from bench_scale import PG_SERVER, _Database, _size, rows_per_scale  # noqa: E402

from seed_assets_tests.instances import POSTGRES_CONFIG, postgres_env, write_home  # noqa: E402
from seed_assets_tests.servers import BROKER, drop_queue, require_broker  # noqa: E402

BIN = Path(sys.executable).parent
WORKER_CONFIG = ROOT / "deploy" / "celery-worker.yaml"
TABLES = ("transactions", "invoices")


def _worker(name: str, config: Path, queue: str, env: dict, log: Path) -> subprocess.Popen:
    command = [
        str(BIN / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app",
        "-y", str(config), "-q", queue, "-n", name,
        "-i", "seed_assets.definitions", "-i", "great_expectations",
        "--", "--concurrency=1", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    out = log.open("w")
    return subprocess.Popen(
        command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(process: subprocess.Popen) -> None:
    import signal

    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=15)
            return
        except (ProcessLookupError, subprocess.TimeoutExpired):
            continue


def _wait_ready(logs: list[Path], timeout: float = 180) -> float:
    start = time.perf_counter()
    while not all(" ready." in log.read_text() for log in logs):
        if time.perf_counter() - start > timeout:
            raise SystemExit(f"workers not ready after {timeout:.0f} s: {logs}")
        time.sleep(0.3)
    return time.perf_counter() - start


def _phase(commands: list[list[str]], env: dict, work: Path) -> dict:
    """Launch `commands` together; wall seconds until the last one ends."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    running = []
    for command in commands:
        log = work / f"launch_{uuid.uuid4().hex[:8]}.log"
        with log.open("w") as out:
            running.append((subprocess.Popen(command, env=env, stdout=out, stderr=out), log))
    for process, log in running:
        if process.wait() != 0:
            sys.stderr.write(log.read_text()[-4000:])
            raise SystemExit(f"a run failed: {log}")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "load_average": round((load + os.getloadavg()[0]) / 2, 2)}


def _steps(home: Path) -> dict[str, dict]:
    """step (with its partition) -> seconds and the worker that ran it, from the events."""
    from dagster import DagsterEventType, DagsterInstance

    steps: dict[str, dict] = {}
    with DagsterInstance.from_config(str(home)) as instance:
        for run in instance.get_runs():
            partition = run.tags.get("dagster/partition")
            for record in instance.all_logs(run.run_id):
                event = record.dagster_event
                if event is None or event.step_key is None:
                    continue
                key = event.step_key + (f"[{partition}]" if partition else "")
                step = steps.setdefault(key, {})
                if event.event_type == DagsterEventType.STEP_START:
                    step["start"] = record.timestamp
                elif event.event_type == DagsterEventType.STEP_SUCCESS:
                    step["seconds"] = round(record.timestamp - step["start"], 2)
                elif event.event_type == DagsterEventType.ENGINE_EVENT:
                    metadata = event.engine_event_data.metadata or {}
                    if "Celery worker" in metadata:
                        step["worker"] = metadata["Celery worker"].value.split("@")[0]
    return steps


def run_workers(count: int, spec: Path, scale: float, parts: int, args, work: Path) -> dict:
    """Every phase with `count` workers, in a fresh instance and target."""
    import yaml

    queue = f"parallel_bench_{uuid.uuid4().hex[:8]}"
    out: dict = {"workers": count, "phases": {}}
    with ExitStack() as stack:
        state = stack.enter_context(_Database(args.pg))
        home = write_home(work / f"home_{count}", POSTGRES_CONFIG)
        if args.target == "parquet":
            target = f"parquet://{work / f'target_{count}'}"
        else:
            target = stack.enter_context(_Database(args.pg))
        env = {
            **os.environ,
            **postgres_env(state),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "DAGSTER_HOME": str(home),
            "SEED_ASSETS_CELERY_BROKER": args.broker,
            "SEED_ASSETS_SPECS": str(spec),
            "SEED_ASSETS_TARGET_URL": target,
            "SEED_ASSETS_EXECUTOR": "celery",
            "SEED_ASSETS_REPORT_DIR": str(work),
        }
        shipped = yaml.safe_load(WORKER_CONFIG.read_text())
        shipped["execution"]["config"]["config_source"]["task_default_queue"] = queue
        config = work / f"worker_{count}.yaml"
        config.write_text(yaml.safe_dump(shipped))
        run_config = work / f"run_{count}.yaml"
        run_config.write_text(
            yaml.safe_dump(
                {
                    "execution": {"config": {"config_source": {"task_default_queue": queue}}},
                    "resources": {"generation": {"config": {"scale": scale}}},
                }
            )
        )
        stack.callback(drop_queue, args.broker, queue)
        subprocess.run(  # the instance's tables, once, before several launchers race to
            [sys.executable, "-c", "from dagster import DagsterInstance as D; D.get().get_runs()"],
            env=env,
            check=True,
        )
        logs = [work / f"worker_{count}_{i}.log" for i in range(count)]
        for i, log in enumerate(logs):
            process = _worker(f"{queue}_w{i}", config, queue, env, log)
            stack.callback(_stop, process)
        out["ready_seconds"] = round(_wait_ready(logs), 1)

        def launch(select: str, partition: str | None = None) -> list[str]:
            return [
                *(str(BIN / "dagster"), "asset", "materialize", "-m", "seed_assets.definitions"),
                *("--select", select, "-c", str(run_config)),
                *(("--partition", partition) if partition else ()),
            ]

        width = len(str(parts - 1))
        phases = {"parents": [launch("customers,accounts")]}
        for table in TABLES:
            phases[f"{table} partitions"] = [launch(table, f"{i:0{width}d}") for i in range(parts)]
            phases[f"{table}_checked"] = [launch(f"{table}_checked")]
        for name, commands in phases.items():
            out["phases"][name] = _phase(commands, env, work)
            phase = out["phases"][name]
            print(
                f"  {count} worker(s): {name:<24} {phase['seconds']:7.1f} s "
                f"({len(commands)} run(s)), load {phase['load_average']:.1f}",
                flush=True,
            )
        os.environ.update(postgres_env(state))  # this process reads the instance too
        out["steps"] = _steps(home)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10M")
    parser.add_argument("--parts", type=int, default=4)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--target", choices=["postgres", "parquet"], default="postgres")
    parser.add_argument("--pg", default=PG_SERVER)
    parser.add_argument("--broker", default=BROKER)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args(argv)
    require_broker(args.broker)
    rows = _size(args.rows)
    scale = round(rows / rows_per_scale(), 3)
    print(f"{rows:,} rows (banking scale {scale:g}), {args.parts} partitions, {args.target}:")
    work = Path(tempfile.mkdtemp(prefix="bench_celery_"))
    results = {}
    try:
        spec = spec_file(work, args.parts)
        for count in [int(c) for c in args.workers.split(",")]:
            results[count] = run_workers(count, spec, scale, args.parts, args, work)
            for key, step in sorted(results[count]["steps"].items()):
                print(f"    {key:<28} {step.get('seconds', 0):7.1f} s  on {step.get('worker')}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if 1 in results and 2 in results:
        print()
        for name, one in results[1]["phases"].items():
            two = results[2]["phases"][name]
            print(f"{name:<24} 1 worker {one['seconds']:7.1f} s, 2 workers {two['seconds']:7.1f} s"
                  f": {one['seconds'] / two['seconds']:.2f}x")  # fmt: skip
        total = [sum(p["seconds"] for p in results[c]["phases"].values()) for c in (1, 2)]
        print(f"{'all phases':<24} 1 worker {total[0]:7.1f} s, 2 workers {total[1]:7.1f} s: "
              f"{total[0] / total[1]:.2f}x")  # fmt: skip
    Path(args.out).mkdir(parents=True, exist_ok=True)
    path = Path(args.out) / "bench_celery.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    old[f"{rows}/{args.target}/parts{args.parts}"] = results
    path.write_text(json.dumps(old, indent=2, default=str))


if __name__ == "__main__":
    main()

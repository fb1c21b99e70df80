"""Dagster with every blocking check against the CLI load of the same rows (issue 18, items 5, 6).

For each size, into a fresh PostgreSQL database each (a target that takes concurrent writers), or
a fresh Parquet folder each (``--target parquet``: no server sharing the two cores):

- ``cli``:     ``seed-assets generate SPEC --target URL --scale S --if-exists replace``, no
  check: the bare baseline. Its peak RSS is the process's (``wait4``).
- ``dagster``: ``dagster job execute -m seed_assets.definitions -j generate_<spec>``, every
  table asset with its blocking checks (streamed integrity checks on every row, Pandera and GX
  on a sample, the report), one process per step (the multiprocess executor, forked from a
  server that preloaded the definitions). Each step's seconds come from the run's events; its
  peak RSS from its materialization (``peak_rss_mb``, the step process's VmHWM); the cores
  the machine kept busy meanwhile (``/proc/stat``: the database server's too), which bound
  what a second process can add (``--concurrent 1,2`` prints that bound).
- ``dagster_in_process`` (``--in-process``): the same job with ``SEED_ASSETS_EXECUTOR=in_process``,
  every step in the run's own process (no forkserver, no process per step): the run-level cost
  of the multiprocess executor is the difference. A step's peak is then the process's so far.

``--parts N`` gives banking's transactions and invoices ``partitions: N``: the parents run, then
each of those tables' every partition in one run (``--partition-range``, loaded side by side by
``GenerationResource.workers`` processes) and its whole-table check. ``--concurrent 1,2``
compares one process against two (the executor's ``max_concurrent`` and those workers).

Run: ``flock /work/wt/bench.lock .venv/bin/python benchmarks/bench_dagster.py --rows 10M``
Results go to ``<out>/bench_dagster.json``. The machine is shared: the load average is printed
beside each figure.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
if str(ROOT) not in sys.path:  # measure the checkout this script sits in, installed or not
    sys.path.insert(0, str(ROOT))

from bench_scale import PG_SERVER, SPEC, _Database, _size, rows_per_scale  # noqa: E402

BIN = Path(sys.executable).parent
TARGET_RATIO = 1.3
TARGET_STEP_MB = 1024
TARGET_SPEEDUP = 1.7


def _timed(command: list[str], env: dict, log: Path) -> dict:
    """Run `command`; its wall seconds, its own peak RSS (the process waited for, not its
    children), and the machine's load around it."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.stderr.write(log.read_text()[-6000:])
        raise SystemExit(f"{command[0]} failed with exit code {process.returncode}")
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "load_average": round((load + os.getloadavg()[0]) / 2, 2),
    }


class BusyCores:
    """The machine's busy cores over any span of the runs: /proc/stat (every process, the
    database server's too) sampled in a thread. What one process keeps busy bounds what two
    can gain on this machine: ``cores / busy`` at most."""

    INTERVAL = 0.25

    def __init__(self) -> None:
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> BusyCores:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while True:
            with open("/proc/stat") as stat:
                ticks = [int(v) for v in stat.readline().split()[1:]]
            idle = ticks[3] + ticks[4]  # idle, iowait
            self.samples.append((time.time(), sum(ticks[:8]) - idle))
            if self._stop.wait(self.INTERVAL):
                return

    def between(self, start: float, end: float) -> float | None:
        """Busy cores on average from `start` to `end` (epoch seconds); None if not sampled."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            return None
        (t0, b0), (t1, b1) = inside[0], inside[-1]
        return (b1 - b0) / os.sysconf("SC_CLK_TCK") / (t1 - t0)


def spec_file(work: Path, parts: int) -> Path:
    """Banking, its two big tables in `parts` partitions when asked."""
    if not parts:
        return SPEC
    raw = yaml.safe_load(SPEC.read_text())
    for table in ("transactions", "invoices"):
        raw["tables"][table]["partitions"] = parts
    path = work / f"banking_parts{parts}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def run_cli(spec: Path, url: str, scale: float, work: Path) -> dict:
    command = [str(BIN / "seed-assets"), "generate", str(spec), "--target", url]
    command += ["--scale", str(scale), "--if-exists", "replace", "--report-dir", str(work)]
    return _timed(command, {**os.environ}, work / "cli.log")


def _dagster_env(home: Path, spec: Path, url: str, work: Path, executor: str) -> dict:
    return {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SEED_ASSETS_SPECS": str(spec),
        "SEED_ASSETS_TARGET_URL": url,
        "SEED_ASSETS_REPORT_DIR": str(work),
        "SEED_ASSETS_EXECUTOR": executor,
    }


def _commands(spec: Path, config: Path, parts: int, reread: bool = False) -> list[list[str]]:
    """The runs that make every table: the spec's job; with partitioned tables, the parents,
    then each partitioned table's every partition in one run and its whole-table check
    (`reread`: then again, reading the table back instead of adding up its partitions')."""
    module = ["-m", "seed_assets.definitions", "-c", str(config)]
    if not parts:
        job = "generate_" + yaml.safe_load(spec.read_text())["name"]
        return [[str(BIN / "dagster"), "job", "execute", *module, "-j", job]]
    materialize = [str(BIN / "dagster"), "asset", "materialize", *module, "--select"]
    runs = [[*materialize, "customers,accounts"]]
    last = f"{parts - 1:0{len(str(parts - 1))}d}"
    for table in ("transactions", "invoices"):
        runs.append([*materialize, table, "--partition-range", f"{'0' * len(last)}...{last}"])
        runs.append([*materialize, f"{table}_checked"])
    if reread:
        tables = ("transactions", "invoices")
        runs += [[*materialize, f"{table}_checked", REREAD] for table in tables]
    return runs


# Marks a run of `_commands` whose whole-table check reads the table back (not a dagster option:
# taken off the command, it sets SEED_ASSETS_PARTITION_CHECKS=reread).
REREAD = "--reread"


def run_dagster(spec: Path, url: str, scale: float, work: Path, concurrent: int | None,
                parts: int, executor: str = "multiprocess",
                reread: bool = False, busy: BusyCores | None = None) -> dict:  # fmt: skip
    """The runs in a fresh instance; their wall time and each step's figures. `concurrent`
    is the executor's max_concurrent, and with partitions the processes loading them.
    `executor`: ``multiprocess`` (a process per step) or ``in_process`` (the run's own)."""
    from dagster import DagsterEventType, DagsterInstance

    home = Path(tempfile.mkdtemp(prefix="home_", dir=work))
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    generation: dict = {"scale": scale}
    config: dict = {"resources": {"generation": {"config": generation}}}
    if concurrent:
        config["execution"] = {"config": {"max_concurrent": concurrent}}
        generation["workers"] = concurrent
    (home / "run.yaml").write_text(yaml.safe_dump(config))
    env = _dagster_env(home, spec, url, work, executor)
    result: dict = {"seconds": 0.0, "peak_rss_mb": 0.0, "runs": []}
    labels = []
    for i, command in enumerate(_commands(spec, home / "run.yaml", parts, reread)):
        again = command[-1] == REREAD
        labels.append(" (reread)" if again else "")
        run_env = {**env, "SEED_ASSETS_PARTITION_CHECKS": "reread"} if again else env
        command = command[:-1] if again else command
        one = _timed(command, run_env, work / f"dagster_{executor}_{concurrent}_{i}.log")
        result["runs"].append(one)
        if again:  # not part of making the tables: kept apart
            result.setdefault("reread_seconds", 0.0)
            result["reread_seconds"] += one["seconds"]
            continue
        result["seconds"] += one["seconds"]
        result["peak_rss_mb"] = max(result["peak_rss_mb"], one["peak_rss_mb"])
    result["load_average"] = max(r["load_average"] for r in result["runs"])
    steps: dict[str, dict] = {}
    with DagsterInstance.from_config(str(home)) as instance:
        for run, label in zip(reversed(instance.get_runs()), labels, strict=True):
            for record in instance.all_logs(run.run_id):
                event = record.dagster_event
                if event is None or event.step_key is None:
                    continue
                step = steps.setdefault(event.step_key + label, {})
                if event.event_type == DagsterEventType.STEP_START:
                    step["start"] = record.timestamp
                elif event.event_type in (
                    DagsterEventType.STEP_SUCCESS,
                    DagsterEventType.STEP_FAILURE,
                ):
                    step["seconds"] = record.timestamp - step["start"]
                    if busy is not None:
                        step["busy_cores"] = busy.between(step["start"], record.timestamp)
                    step["ok"] = event.event_type == DagsterEventType.STEP_SUCCESS
                elif event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
                    metadata = event.step_materialization_data.materialization.metadata
                    step["rows"] = metadata["dagster/row_count"].value
                    step["peak_rss_mb"] = metadata["peak_rss_mb"].value
                    if "cpu_seconds" in metadata:
                        step["cpu_seconds"] = metadata["cpu_seconds"].value
                    if "processes" in metadata:
                        step["processes"] = metadata["processes"].value
    if not all(s.get("ok") for s in steps.values()):
        raise SystemExit(f"a Dagster run failed: {steps}")
    result["steps"] = steps
    kept = {k: s for k, s in steps.items() if "(reread)" not in k}
    result["step_seconds"] = sum(s["seconds"] for s in kept.values())
    result["step_cpu_seconds"] = sum(s.get("cpu_seconds", 0.0) for s in kept.values())
    result["rows"] = sum(s.get("rows", 0) for k, s in steps.items() if "_checked" not in k)
    return result


@contextlib.contextmanager
def _target(args, work: Path, name: str):
    """A fresh PostgreSQL database, or a fresh Parquet folder (`--target parquet`), or a fresh
    SQLite file (`--target sqlite`, the default target)."""
    if args.target == "parquet":
        yield f"parquet://{work / name}"
        shutil.rmtree(work / name, ignore_errors=True)
        return
    if args.target == "sqlite":
        path = work / f"{name}.db"
        yield f"sqlite:///{path}"
        for leftover in work.glob(f"{name}.db*"):
            leftover.unlink()
        return
    with _Database(args.pg) as url:
        yield url


def measure(rows: int, args) -> dict:
    scale = round(rows / rows_per_scale(), 3)
    print(f"{rows:,} rows (banking scale {scale:g}):", flush=True)
    work = Path(tempfile.mkdtemp(prefix="bench_dagster_", dir=args.out))
    spec = spec_file(work, args.parts)
    out: dict = {"scale": scale, "parts": args.parts}
    try:
        with _target(args, work, "cli") as url:
            out["cli"] = run_cli(spec, url, scale, work)
        cli = out["cli"]
        print(
            f"  cli      {cli['seconds']:7.1f} s ({cli['cpu_seconds']:.1f} s CPU), peak "
            f"{cli['peak_rss_mb']:,.0f} MB, "
            f"load {cli['load_average']:.1f}",
            flush=True,
        )
        runs = [("multiprocess", c) for c in args.concurrent]
        if args.in_process:
            runs.append(("in_process", None))
        for executor, concurrent in runs:
            key = "dagster_in_process" if executor == "in_process" else f"dagster_{concurrent}"
            with _target(args, work, key) as url:
                reread = args.reread and (executor, concurrent) == runs[0]  # once is enough
                with BusyCores() as busy:
                    result = run_dagster(
                        spec, url, scale, work, concurrent, args.parts, executor, reread, busy
                    )
            out[key] = result
            print(
                f"  dagster ({executor}, max_concurrent {concurrent}) {result['seconds']:7.1f} s "
                f"wall, {result['step_seconds']:.1f} s of steps "
                f"({result['step_cpu_seconds']:.1f} s CPU), load "
                f"{result['load_average']:.1f}",
                flush=True,
            )
            for key, step in result["steps"].items():
                peak, rows = step.get("peak_rss_mb", 0), step.get("rows", 0)
                cpu = step.get("cpu_seconds", 0.0)
                cores = step.get("busy_cores")
                print(
                    f"    {key:<28} {step['seconds']:7.1f} s ({cpu:6.1f} CPU)  {peak:6,} MB  "
                    f"{rows:>12,} rows"
                    + (f"  machine {cores:.2f} cores busy" if cores is not None else "")
                )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return out


def verdicts(rows: int, out: dict) -> list[str]:
    cli = out["cli"]["seconds"]
    lines = []
    runs = {k: v for k, v in out.items() if k.startswith("dagster_")}
    for key, result in runs.items():
        peak = max(s.get("peak_rss_mb", 0) for s in result["steps"].values())
        wall, steps = result["seconds"] / cli, result["step_seconds"] / cli
        cpu = result.get("step_cpu_seconds", 0.0) / out["cli"]["cpu_seconds"]
        lines.append(
            f"{rows:,} rows, {key}: run {wall:.2f}x the CLI, steps {steps:.2f}x "
            f"(CPU of the steps {cpu:.2f}x the CLI's) "
            f"({'MET' if wall <= TARGET_RATIO else 'NOT MET'} <= {TARGET_RATIO}x, run wall); "
            f"largest step peak {peak:,} MB "
            f"({'MET' if peak < TARGET_STEP_MB else 'NOT MET'} < {TARGET_STEP_MB} MB)"
        )
    if "dagster_1" in runs and "dagster_2" in runs:
        speedup = runs["dagster_1"]["seconds"] / runs["dagster_2"]["seconds"]
        one, two = runs["dagster_1"]["steps"], runs["dagster_2"]["steps"]
        for key in one:
            if one[key].get("processes") and key in two:
                part = one[key]["seconds"] / two[key]["seconds"]
                line = f"{rows:,} rows: step {key}: two processes {part:.2f}x one"
                busy = one[key].get("busy_cores")
                if busy:  # the cores one process left idle are all two can add
                    line += (
                        f" (one process kept {busy:.2f} of {os.cpu_count()} cores busy: "
                        f"at most {min(2.0, os.cpu_count() / busy):.2f}x here)"
                    )
                lines.append(line)
        lines.append(
            f"{rows:,} rows: all runs, two processes {speedup:.2f}x one "
            f"({'MET' if speedup >= TARGET_SPEEDUP else 'NOT MET'} >= {TARGET_SPEEDUP}x)"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10M", help="sizes, e.g. 1M,10M,100M")
    parser.add_argument("--pg", default=PG_SERVER, help="PostgreSQL server URL (no database)")
    parser.add_argument("--target", choices=["postgres", "parquet", "sqlite"], default="postgres")
    parser.add_argument("--parts", type=int, default=0, help="partitions of the big tables")
    parser.add_argument(
        "--concurrent", default="", help="max_concurrent values, e.g. 1,2 (default: per core)"
    )
    parser.add_argument(
        "--reread",
        action="store_true",
        help="time each whole-table check reading back too (first --concurrent only)",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="also run the job with SEED_ASSETS_EXECUTOR=in_process (every step in one process)",
    )
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--keep", action="store_true", help="keep the logs and instance")
    args = parser.parse_args(argv)
    args.concurrent = [int(c) for c in args.concurrent.split(",") if c] or [None]
    Path(args.out).mkdir(parents=True, exist_ok=True)
    results = {}
    for size in args.rows.split(","):
        rows = _size(size)
        results[str(rows)] = measure(rows, args)
    print()
    for rows, out in results.items():
        print("\n".join(verdicts(int(rows), out)))
    path = Path(args.out) / "bench_dagster.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    old.update({f"{rows}/{args.target}/parts{args.parts}": out for rows, out in results.items()})
    path.write_text(json.dumps(old, indent=2))


if __name__ == "__main__":
    main()

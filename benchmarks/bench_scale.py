"""Scale: the banking schema at 1M / 10M / 100M rows, streamed in bounded memory.

For each size, each phase in a fresh interpreter (its peak RSS is its own, read from
``ru_maxrss``; a PostgreSQL server's own memory is not in it):

- ``generate``:  the engine alone (``iter_spec``: every frame of every table made, nothing kept);
- ``parquet``:   the engine and the Parquet writer (``parquet:///dir``), end to end;
- ``postgres``:  the engine and the PostgreSQL writer (COPY), end to end, as
  ``seed-assets generate --if-exists replace`` runs it, into a fresh database;
- ``bare_copy``: the floor for the same rows: CSV files made from the Parquet output *before*
  the clock starts, then COPY into tables without constraints, every constraint added after,
  then ANALYZE (as ``bench_targets.py`` defines a bare load, issue 18), into a fresh database.

Once per run, ``row_loop``: the tutorial's row-by-row generator (``bench_banking.py``) on a few
thousand customers, the baseline the rows/s are compared with.

Run: ``.venv/bin/python benchmarks/bench_scale.py [--rows 1M,10M] [--pg URL] [--out DIR]``
(``--rows 100M`` takes several minutes and ~10 GB of disk for the Parquet and CSV files, which
are deleted afterwards unless ``--keep``). Results also go to ``<out>/bench_scale.json``. The
machine is shared: seconds are wall-clock and noisy; CPU seconds are printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "seed_assets" / "examples" / "banking.yaml"
if str(ROOT) not in sys.path:  # measure the checkout this script sits in, installed or not
    sys.path.insert(0, str(ROOT))

TARGET_GENERATE_ROWS_S = 3_000_000
TARGET_COPY_RATIO = 1.15  # issue 18
TARGET_PEAK_MB = 2048
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
COPY_BLOCK = 8 << 20  # bytes per COPY write from a CSV file


def _usage() -> dict:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return {"peak_rss_mb": me.ru_maxrss / 1024, "process_cpu_seconds": me.ru_utime + me.ru_stime}


class _Clock:
    """Wall and CPU seconds (this process, all its threads) of the timed region, and the
    machine's load average around it (the machine is shared)."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.load = os.getloadavg()[0]
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.wall
        self.cpu_seconds = time.process_time() - self.cpu
        self.load_after = os.getloadavg()[0]

    def result(self, **values) -> dict:
        return {
            **values,
            "seconds": self.seconds,
            "cpu_seconds": self.cpu_seconds,
            "load_average": round((self.load + self.load_after) / 2, 2),
        }


def _spec():
    from seed_assets.sources.files import load_spec

    return load_spec(SPEC)


def rows_per_scale() -> int:
    """Rows of all tables at scale 1 (planned, not generated)."""
    from seed_assets.engine.regenerated import RegeneratedParents

    spec = _spec()
    source = RegeneratedParents(spec, scale=1.0)
    return sum(source.row_count(name) for name in spec.tables)


# -- phases (each runs in its own interpreter) ----------------------------------------------------


def phase_generate(args) -> dict:
    from seed_assets.engine.run import iter_spec

    spec = _spec()
    start = _usage()
    tables, total = {}, 0
    with _Clock() as clock:
        for generator, frames in iter_spec(spec, seed=spec.seed, scale=args.scale):
            mark = time.perf_counter()
            rows = sum(len(frame) for frame in frames)
            tables[generator.name] = {"rows": rows, "seconds": time.perf_counter() - mark}
            total += rows
    return clock.result(rows=total, tables=tables, start_rss_mb=start["peak_rss_mb"])


def _write_all(url: str, scale: float) -> dict:
    from seed_assets.engine.run import iter_plan
    from seed_assets.targets.base import Target
    from seed_assets.targets.prefetch import threaded_ahead

    spec = _spec()
    start = _usage()
    target = Target.for_url(url)
    tables, total = {}, 0
    try:
        with _Clock() as clock:
            # as the CLI runs it: the next table generated while this one builds its keys
            for step in threaded_ahead(iter_plan(spec, seed=spec.seed, scale=scale)):
                mark = time.perf_counter()
                result = target.write_table(
                    spec, step.name, step.chunks, seed=spec.seed, scale=scale, if_exists="replace"
                )
                seconds = time.perf_counter() - mark
                tables[step.name] = {"rows": result.rows, "seconds": seconds}
                total += result.rows
    finally:
        target.dispose()
    return clock.result(rows=total, tables=tables, start_rss_mb=start["peak_rss_mb"])


def phase_parquet(args) -> dict:
    return _write_all(f"parquet://{args.dir}", args.scale)


def phase_postgres(args) -> dict:
    return _write_all(args.url, args.scale)


def phase_csv(args) -> dict:
    """The Parquet output as one CSV file per table (COPY's format), for the bare load."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    spec = _spec()
    folder = Path(args.dir)
    total = 0
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    with _Clock() as clock:
        for name in spec.tables:
            source = pq.ParquetFile(folder / spec.name / f"{name}.parquet")
            path = folder / f"{name}.csv"
            with pacsv.CSVWriter(path, source.schema_arrow, write_options=options) as out:
                for batch in source.iter_batches(batch_size=250_000):
                    out.write_batch(batch)
                    total += batch.num_rows
    return clock.result(rows=total)


def phase_bare_copy(args) -> dict:
    """COPY the CSV files into tables without constraints, then add every constraint."""
    import sqlalchemy as sa

    from seed_assets.spec.graph import topological_order
    from seed_assets.targets.ddl import build_metadata

    spec = _spec()
    folder = Path(args.dir)
    metadata = build_metadata(spec)
    engine = sa.create_engine(args.url)
    order = topological_order(spec)
    total = 0
    clock = _Clock().__enter__()
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        for name in order:
            table = metadata.tables[name]
            columns = ", ".join(f'"{c.name}" {c.type.compile(engine.dialect)}' for c in table.c)
            conn.exec_driver_sql(f'CREATE TABLE "{name}" ({columns})')
            with (
                raw.cursor() as cursor,
                cursor.copy(f'COPY "{name}" FROM STDIN (FORMAT csv)') as copy,
                open(folder / f"{name}.csv", "rb") as csv,
            ):
                while block := csv.read(COPY_BLOCK):
                    copy.write(block)
            total += conn.exec_driver_sql(f'SELECT COUNT(*) FROM "{name}"').scalar_one()
        for name in order:  # every constraint after the rows, FKs last
            for constraint in metadata.tables[name].constraints:
                if not isinstance(constraint, sa.ForeignKeyConstraint):
                    conn.execute(sa.schema.AddConstraint(constraint))
        for name in order:
            for fk in metadata.tables[name].foreign_key_constraints:
                conn.execute(sa.schema.AddConstraint(fk))
        conn.exec_driver_sql("ANALYZE " + ", ".join(f'"{n}"' for n in order))
    clock.__exit__(None, None, None)
    engine.dispose()
    return clock.result(rows=total)


def phase_row_loop(args) -> dict:
    """The tutorial's customers -> accounts -> transactions, one Python iteration per row."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_banking import phase_baseline

    with _Clock() as clock:
        result = phase_baseline(argparse.Namespace(baseline_customers=args.loop_customers))
    result["cpu_seconds"] = clock.cpu_seconds
    result["load_average"] = clock.result()["load_average"]
    return result


PHASES = {
    "generate": phase_generate,
    "parquet": phase_parquet,
    "csv": phase_csv,
    "bare_copy": phase_bare_copy,
    "postgres": phase_postgres,
    "row_loop": phase_row_loop,
}


# -- orchestration ------------------------------------------------------------------------------


def _run(phase: str, **options) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--phase", phase]
    for key, value in options.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    print(f"  {phase} ...", flush=True)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-5000:])
        raise SystemExit(f"phase {phase} failed with exit code {done.returncode}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"    {result['rows']:,} rows in {result['seconds']:.1f} s "
        f"({result['rows'] / result['seconds']:,.0f} rows/s; CPU {result['cpu_seconds']:.1f} s), "
        f"peak {result['peak_rss_mb']:,.0f} MB, load average {result['load_average']:.1f}",
        flush=True,
    )
    return result


class _Database:
    """A fresh PostgreSQL database for one phase, dropped afterwards."""

    def __init__(self, server: str) -> None:
        import sqlalchemy as sa

        self.server = sa.make_url(server)
        self.name = f"seed_assets_scale_{uuid.uuid4().hex[:8]}"
        self.admin = sa.create_engine(self.server.set(database="postgres"),
                                      isolation_level="AUTOCOMMIT")  # fmt: skip

    def __enter__(self) -> str:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        return self.server.set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *exc) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.dispose()


def _size(text: str) -> int:
    text = text.strip().upper()
    factor = {"K": 1_000, "M": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("KM")) * factor)


def measure(rows: int, per_scale: int, args) -> dict:
    scale = round(rows / per_scale, 3)
    print(f"{rows:,} rows (banking scale {scale:g}):", flush=True)
    work = Path(tempfile.mkdtemp(prefix="bench_scale_", dir=args.out))
    results: dict[str, dict] = {"scale": scale}
    try:
        results["generate"] = _run("generate", scale=scale)
        results["parquet"] = _run("parquet", scale=scale, dir=work)
        results["parquet"]["mb_on_disk"] = (
            sum(p.stat().st_size for p in work.rglob("*.parquet")) / 1e6
        )
        results["csv"] = _run("csv", scale=scale, dir=work)
        with _Database(args.pg) as url:
            results["bare_copy"] = _run("bare_copy", scale=scale, dir=work, url=url)
        for path in work.glob("*.csv"):
            path.unlink()
        with _Database(args.pg) as url:
            results["postgres"] = _run("postgres", scale=scale, url=url)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return results


def report(all_results: dict, loop: dict) -> list[str]:
    loop_speed = loop["rows"] / loop["seconds"]
    lines = [
        f"banking.yaml on {platform.machine()} / Python {platform.python_version()}; "
        f"row loop: {loop['rows']:,} rows at {loop_speed:,.0f} rows/s",
        "",
        f"{'rows':>12} {'phase':<10} {'seconds':>8} {'CPU s':>7} {'rows/s':>11} "
        f"{'rows/CPU s':>11} {'peak MB':>8} {'x loop':>8} {'x bare':>7} {'load':>5}",
    ]
    verdicts = []
    for rows, results in all_results.items():
        bare = results["bare_copy"]["seconds"]
        for phase in ("generate", "parquet", "postgres", "bare_copy"):
            r = results[phase]
            speed = r["rows"] / r["seconds"]
            versus_bare = f"{r['seconds'] / bare:.2f}" if phase == "postgres" else ""
            lines.append(
                f"{r['rows']:>12,} {phase:<10} {r['seconds']:>8.1f} {r['cpu_seconds']:>7.1f} "
                f"{speed:>11,.0f} {r['rows'] / r['cpu_seconds']:>11,.0f} "
                f"{r['peak_rss_mb']:>8,.0f} {speed / loop_speed:>8,.0f} {versus_bare:>7} "
                f"{r['load_average']:>5.1f}"
            )
        gen = results["generate"]
        speed = gen["rows"] / gen["seconds"]
        cpu_speed = gen["rows"] / gen["cpu_seconds"]
        ratio = results["postgres"]["seconds"] / bare
        peak = max(results[p]["peak_rss_mb"] for p in ("generate", "parquet", "postgres"))
        verdicts.append(
            f"{int(rows):,} rows: generation {speed:,.0f} rows/s wall, {cpu_speed:,.0f} per CPU "
            f"second ({'MET' if speed >= TARGET_GENERATE_ROWS_S else 'NOT MET'} >= 3M wall); "
            "PostgreSQL "
            f"{ratio:.2f}x bare COPY ({'MET' if ratio <= TARGET_COPY_RATIO else 'NOT MET'} <= "
            f"{TARGET_COPY_RATIO}x); peak RSS {peak:,.0f} MB "
            f"({'MET' if peak < TARGET_PEAK_MB else 'NOT MET'} < 2 GB)"
        )
    return [*lines, "", *verdicts]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1M,10M", help="sizes, e.g. 1M,10M,100M")
    parser.add_argument("--pg", default=PG_SERVER, help="PostgreSQL server URL (no database)")
    parser.add_argument("--loop-customers", type=int, default=2000)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--keep", action="store_true", help="keep the Parquet output")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        result = PHASES[args.phase](args)
        result.update(_usage())
        print(json.dumps(result))
        return

    Path(args.out).mkdir(parents=True, exist_ok=True)
    per_scale = rows_per_scale()
    loop = _run("row_loop", loop_customers=args.loop_customers)
    all_results = {}
    for size in args.rows.split(","):
        rows = _size(size)
        all_results[str(rows)] = measure(rows, per_scale, args)
    lines = report(all_results, loop)
    print()
    print("\n".join(lines))
    out = Path(args.out) / "bench_scale.json"
    old = json.loads(out.read_text()) if out.exists() else {}
    old.setdefault("sizes", {}).update(all_results)
    old["row_loop"] = loop
    out.write_text(json.dumps(old, indent=2))


if __name__ == "__main__":
    main()

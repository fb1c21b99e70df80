"""Rows per second per target, end to end, beside the bare load of the same rows in the same run.

For each target (SQLite, PostgreSQL, MariaDB/MySQL) two phases, each in a fresh interpreter:

- ``end_to_end``: what ``seed-assets generate --if-exists replace`` does: the engine, the writer
  (batches, savepoints, COPY / executemany), every constraint present and valid at the end;
- ``bare``: the physical limit: the same rows generated and serialised *before* the clock
  starts, then loaded with nothing else: PostgreSQL COPY into tables without constraints, then
  every constraint added (``ALTER TABLE``), then ANALYZE; MySQL one ``executemany`` per table;
  SQLite one ``executemany`` per table with the writer's settings (FKs on, WAL, synchronous
  NORMAL), each table its own transaction, as issue 18 defines it.

The ratio end_to_end / bare is the price of generating while loading, batching and recovery.

Run: ``.venv/bin/python benchmarks/bench_targets.py [--scale 100] [--targets sqlite,postgresql,
mysql] [--pg URL] [--mysql URL] [--repeat 3]``. CPU s is the process's CPU time (all threads)
in the timed part: on a shared machine it moves far less than the wall time. Server URLs name
a server; a fresh database is created on it for the run and dropped afterwards.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "seed_assets" / "examples" / "banking.yaml"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Issue 18's goals: end to end within these multiples of the bare load of the same rows.
# Generation worker processes (targets/ahead.py); None: the target's own number.
WORKERS: int | None = None
# Extra SQLite PRAGMAs for both phases (--pragma), and rows per batch end to end (--batch-rows).
PRAGMAS: list[str] = []
BATCH_ROWS: int | None = None
TARGET_RATIO = {"postgresql": 1.15, "sqlite": 1.2, "mysql": 1.2}
SERVERS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432",
    "mysql": "mysql+pymysql://root@127.0.0.1:3306",
}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _spec():
    from seed_assets.sources.files import load_spec

    return load_spec(SPEC)


def phase_end_to_end(url: str, scale: float) -> dict:
    from seed_assets.engine.run import iter_plan
    from seed_assets.targets.ahead import generated_ahead
    from seed_assets.targets.base import Target

    spec = _spec()
    target = Target.for_url(url)
    if PRAGMAS:
        target.pragmas = (*target.pragmas, *PRAGMAS)
    if BATCH_ROWS:
        target.batch_rows = BATCH_ROWS
    tables, total = {}, 0
    started, cpu = time.perf_counter(), time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    plan = iter_plan(spec, seed=spec.seed, scale=scale)
    try:
        with generated_ahead(target, plan, workers=WORKERS) as steps:  # as `generate` does
            for step in steps:
                mark = time.perf_counter()
                result = target.write_table(
                    spec, step.name, step.chunks, seed=spec.seed, scale=scale, if_exists="replace"
                )
                tables[step.name] = {"rows": result.rows, "seconds": time.perf_counter() - mark}
                total += result.rows
    finally:
        target.dispose()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "rows": total,
        "seconds": seconds,
        "cpu": time.process_time() - cpu,
        # generation workers (targets/ahead.py): their CPU time and the largest one's peak
        "workers_cpu": after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime,
        "workers_peak_mb": after.ru_maxrss / 1024,
        "tables": tables,
    }


def phase_bare(url: str, scale: float) -> dict:
    import sqlalchemy as sa

    from seed_assets.engine.run import generate_all
    from seed_assets.spec.graph import topological_order
    from seed_assets.targets.convert import row_tuples
    from seed_assets.targets.ddl import build_metadata
    from seed_assets.targets.dialects.postgres import csv_bytes

    spec = _spec()
    frames = generate_all(spec, seed=spec.seed, scale=scale)
    metadata = build_metadata(spec)
    engine = sa.create_engine(url)
    backend = engine.dialect.name
    order = topological_order(spec)
    if backend == "postgresql":
        payload = {n: csv_bytes(frames[n], spec.tables[n]) for n in order}
    else:
        payload = {n: row_tuples(frames[n], spec.tables[n]) for n in order}
    total = sum(len(f) for f in frames.values())
    del frames
    if backend == "sqlite":
        return _bare_sqlite(engine, metadata, order, payload, total)
    started, cpu = time.perf_counter(), time.process_time()
    with engine.begin() as conn:
        if backend == "postgresql":
            raw = conn.connection.driver_connection
            for name in order:
                table = metadata.tables[name]
                columns = ", ".join(f'"{c.name}" {c.type.compile(engine.dialect)}' for c in table.c)
                conn.exec_driver_sql(f'CREATE TABLE "{name}" ({columns})')
                with (
                    raw.cursor() as cursor,
                    cursor.copy(f'COPY "{name}" FROM STDIN (FORMAT csv)') as copy,
                ):
                    copy.write(payload[name])
            for name in order:  # every constraint after the rows, FKs last
                table = metadata.tables[name]
                for constraint in table.constraints:
                    if not isinstance(constraint, sa.ForeignKeyConstraint):
                        conn.execute(sa.schema.AddConstraint(constraint))
            for name in order:
                for fk in metadata.tables[name].foreign_key_constraints:
                    conn.execute(sa.schema.AddConstraint(fk))
            conn.exec_driver_sql("ANALYZE " + ", ".join(f'"{n}"' for n in order))
        else:
            mark = "?" if backend == "sqlite" else "%s"
            if backend == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys = ON")
            for name in order:
                table = metadata.tables[name]
                table.create(conn)
                columns = ", ".join(
                    engine.dialect.identifier_preparer.quote(c.name) for c in table.c
                )
                marks = ", ".join([mark] * len(table.c))
                conn.exec_driver_sql(
                    f"INSERT INTO {engine.dialect.identifier_preparer.quote(name)} ({columns}) "
                    f"VALUES ({marks})",
                    payload[name],
                )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return {"rows": total, "seconds": seconds, "cpu": cpu}


def _bare_sqlite(engine, metadata, order, payload, total) -> dict:
    """One executemany per table, each in its own transaction, FKs on, WAL, synchronous
    NORMAL (what the writer sets): the same DDL, nothing else."""
    import sqlite3

    import sqlalchemy as sa

    ddl = {n: str(sa.schema.CreateTable(metadata.tables[n]).compile(engine)) for n in order}
    indexes = {
        n: [str(sa.schema.CreateIndex(i).compile(engine)) for i in metadata.tables[n].indexes]
        for n in order
    }
    raw = sqlite3.connect(engine.url.database, isolation_level=None)
    for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = NORMAL", *PRAGMAS):
        raw.execute(f"PRAGMA {pragma}")
    started, cpu = time.perf_counter(), time.process_time()
    for name in order:
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(ddl[name])
        for statement in indexes[name]:
            raw.execute(statement)
        columns = ", ".join(f'"{c.name}"' for c in metadata.tables[name].c)
        marks = ", ".join("?" * len(metadata.tables[name].c))
        raw.executemany(f'INSERT INTO "{name}" ({columns}) VALUES ({marks})', payload[name])
        raw.execute("COMMIT")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    raw.close()
    engine.dispose()
    return {"rows": total, "seconds": seconds, "cpu": cpu}


def phase_load_data(url: str, scale: float) -> dict:
    """MySQL/MariaDB ``LOAD DATA LOCAL INFILE``: the same rows as CSV files written before the
    clock starts, one LOAD per table into tables with every constraint (the bare load's DDL),
    each in its own transaction, checked strict: any warning fails the phase (with LOCAL the
    server turns refused rows into warnings and loads truncated or zeroed values)."""
    import sqlalchemy as sa

    from seed_assets.engine.run import generate_all
    from seed_assets.spec.graph import topological_order
    from seed_assets.targets.ddl import build_metadata
    from seed_assets.targets.dialects.mysql import SQL_MODE
    from seed_assets.targets.dialects.postgres import csv_bytes

    spec = _spec()
    frames = generate_all(spec, seed=spec.seed, scale=scale)
    metadata = build_metadata(spec)
    engine = sa.create_engine(url, connect_args={"local_infile": True, "charset": "utf8mb4"})
    order = topological_order(spec)
    folder = Path(tempfile.mkdtemp(prefix="bench_load_data_"))
    for name in order:
        frame = frames[name]
        for column in frame.select_dtypes("bool").columns:  # MySQL reads 1/0, not true/false
            frame[column] = frame[column].astype("int8")
        (folder / f"{name}.csv").write_bytes(csv_bytes(frame, spec.tables[name]))
    expected = {name: len(frame) for name, frame in frames.items()}
    total = sum(expected.values())
    del frames
    started, cpu = time.perf_counter(), time.process_time()
    for name in order:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"SET SESSION sql_mode = '{SQL_MODE}'")
            metadata.tables[name].create(conn)
            path = (folder / f"{name}.csv").as_posix()
            loaded = conn.exec_driver_sql(
                f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE `{name}` CHARACTER SET utf8mb4 "
                "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' "
                "LINES TERMINATED BY '\\n'"
            )
            warnings = conn.exec_driver_sql("SELECT @@warning_count").scalar_one()
            if warnings or loaded.rowcount != expected[name]:
                shown = conn.exec_driver_sql("SHOW WARNINGS LIMIT 5").all()
                raise SystemExit(
                    f"LOAD DATA into {name}: {loaded.rowcount:,} of {expected[name]:,} rows, "
                    f"{warnings} warnings, e.g. {shown}"
                )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    engine.dispose()
    return {"rows": total, "seconds": seconds, "cpu": cpu}


PHASES = {"end_to_end": phase_end_to_end, "bare": phase_bare, "load_data": phase_load_data}


def _run_phase(phase: str, url: str, scale: float) -> dict:
    """One phase in a fresh interpreter, so peak memory is its own."""
    workers = [] if WORKERS is None else ["--workers", str(WORKERS)]
    workers += [f"--pragma={p}" for p in PRAGMAS]
    workers += ["--batch-rows", str(BATCH_ROWS)] if BATCH_ROWS else []
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--url", url, "--scale", str(scale), *workers],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{phase} on {url} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _phases(target: str) -> tuple[str, ...]:
    # LOAD DATA LOCAL is measured beside MySQL's bare load, not used by the writer (see mysql.py)
    return ("bare", "end_to_end", "load_data") if target == "mysql" else ("bare", "end_to_end")


def _fresh(target: str, args) -> tuple[str, callable]:
    """A URL to an empty database for `target`, and how to drop it."""
    import sqlalchemy as sa

    if target == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="bench_targets_"))
        return f"sqlite:///{folder / 'bench.sqlite'}", lambda: None
    server = sa.make_url(getattr(args, "pg" if target == "postgresql" else "mysql"))
    name = f"seed_assets_bench_{uuid.uuid4().hex[:8]}"
    admin_url = server.set(database="postgres") if target == "postgresql" else server
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    quote = '"' if target == "postgresql" else "`"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {quote}{name}{quote}")

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {quote}{name}{quote}")
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=100.0)
    parser.add_argument("--targets", default="sqlite,postgresql,mysql")
    parser.add_argument("--pg", default=SERVERS["postgresql"])
    parser.add_argument("--mysql", default=SERVERS["mysql"])
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each phase this many times, alternating, and keep the best (a shared machine "
        "disturbs single runs)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="generation worker processes end to end (0: generate in the loading process); "
        "default: the target's own",
    )
    parser.add_argument(
        "--pragma",
        action="append",
        default=[],
        help="an extra SQLite PRAGMA for both phases, e.g. 'cache_size = -65536' (repeatable)",
    )
    parser.add_argument("--batch-rows", type=int, help="rows per batch end to end")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    global WORKERS, PRAGMAS, BATCH_ROWS
    WORKERS, PRAGMAS, BATCH_ROWS = args.workers, args.pragma, args.batch_rows
    if args.phase:
        result = PHASES[args.phase](args.url, args.scale)
        result["peak_rss_mb"] = _peak_rss_mb()
        print(json.dumps(result))
        return

    report = io.StringIO()
    print(f"banking at scale {args.scale:g}; each phase in its own interpreter\n", file=report)
    print(
        f"{'target':<11} {'phase':<11} {'rows':>11} {'seconds':>8} {'rows/s':>10} {'CPU s':>8} "
        f"{'peak MB':>8}",
        file=report,
    )
    verdicts = []
    for target in args.targets.split(","):
        results: dict[str, dict] = {}
        for _ in range(args.repeat):
            for phase in _phases(target):
                url, drop = _fresh(target, args)
                try:
                    r = _run_phase(phase, url, args.scale)
                finally:
                    drop()
                best = results.setdefault(phase, r)
                best["cpu"] = min(best["cpu"], r["cpu"])
                if r["seconds"] < best["seconds"]:
                    best.update({k: v for k, v in r.items() if k != "cpu"})
        for phase in _phases(target):
            r = results[phase]
            print(
                f"{target:<11} {phase:<11} {r['rows']:>11,} {r['seconds']:>8.2f} "
                f"{r['rows'] / r['seconds']:>10,.0f} {r['cpu']:>8.2f} {r['peak_rss_mb']:>8.0f}",
                file=report,
            )
            if r.get("workers_cpu"):
                print(
                    f"{'':<11} {'  workers':<11} {'':>11} {'':>8} {'':>10} "
                    f"{r['workers_cpu']:>8.2f} {r['workers_peak_mb']:>8.0f}",
                    file=report,
                )
        ratio = results["end_to_end"]["seconds"] / results["bare"]["seconds"]
        goal = TARGET_RATIO[target]
        verdict = "within" if ratio <= goal else "OVER"
        verdicts.append(f"{target}: end to end = {ratio:.2f}x the bare load ({verdict} "
                        f"{goal}x; best of {args.repeat})")  # fmt: skip
        if "load_data" in results:
            versus = results["load_data"]["seconds"] / results["bare"]["seconds"]
            verdicts.append(f"{target}: strict LOAD DATA LOCAL = {versus:.2f}x the bare load")
    print(report.getvalue())
    print("\n".join(verdicts))


if __name__ == "__main__":
    main()

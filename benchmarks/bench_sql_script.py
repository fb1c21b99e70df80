"""Rows per second of literal SQL rendering (``seed-assets sql``) for the banking example.

Two measures per dialect, each against the engine alone measured in the same run:

- ``render``: ``insert_statements`` over frames already in memory (what the MySQL writer
  reuses), per table; the target is for `transactions`;
- ``script``: the whole script as ``seed-assets sql`` writes it (engine + DDL + INSERTs) into
  /dev/null, rows of every table per second of wall time.

Run: ``.venv/bin/python benchmarks/bench_sql_script.py [--scale 10] [--repeat 3]``. The fastest
of `--repeat` runs is reported.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "seed_assets" / "examples" / "banking.yaml"
if str(ROOT) not in sys.path:  # measure the checkout this script sits in, installed or not
    sys.path.insert(0, str(ROOT))

from seed_assets.engine.run import generate_all, iter_spec  # noqa: E402
from seed_assets.sources.files import load_spec  # noqa: E402
from seed_assets.targets.literal import DIALECTS, insert_statements  # noqa: E402
from seed_assets.targets.script import write_script  # noqa: E402

# Rendering must keep up with a database load: at least this for banking's transactions.
TARGET_RENDER_ROWS_S = 300_000


def _best(repeat: int, run) -> float:
    return min(_timed(run) for _ in range(repeat))


def _timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    spec = load_spec(SPEC)

    def engine_only() -> None:
        for _generator, chunks in iter_spec(spec, seed=spec.seed, scale=args.scale):
            for _frame in chunks:
                pass

    engine_s = _best(args.repeat, engine_only)
    frames = generate_all(spec, seed=spec.seed, scale=args.scale)
    total = sum(len(f) for f in frames.values())
    print(f"banking at scale {args.scale:g}: {total:,} rows; cpus {os.cpu_count()}")
    print(f"engine alone: {engine_s:.2f} s, {total / engine_s:,.0f} rows/s")
    print()
    print(f"{'dialect':<11} {'transactions render':>20} {'all tables render':>18} {'script':>14}")
    failures = []
    for dialect in DIALECTS:
        per_table = {}
        for name, frame in frames.items():
            table = spec.tables[name]

            def render(dialect=dialect, name=name, frame=frame, table=table) -> None:
                for _ in insert_statements(dialect, name, frame, table, 500):
                    pass

            per_table[name] = _best(args.repeat, render)
        with open(os.devnull, "w", encoding="utf-8", newline="") as sink:
            script_s = _best(
                args.repeat,
                lambda sink=sink, dialect=dialect: write_script(
                    spec, dialect, sink, seed=spec.seed, scale=args.scale
                ),
            )
        rate = len(frames["transactions"]) / per_table["transactions"]
        overall = total / sum(per_table.values())
        print(
            f"{dialect:<11} {rate:>14,.0f} rows/s {overall:>11,.0f} rows/s "
            f"{total / script_s:>7,.0f} rows/s"
        )
        if rate < TARGET_RENDER_ROWS_S:
            failures.append(dialect)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(f"peak RSS {peak:,.0f} MB (all frames held in memory for the render measure)")
    verdict = "not met by " + ", ".join(failures) if failures else "met"
    print(f"target: render transactions >= {TARGET_RENDER_ROWS_S:,} rows/s: {verdict}")


if __name__ == "__main__":
    main()

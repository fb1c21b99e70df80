"""Profile + generate + compare on real sample databases: time, peak memory, fidelity.

Usage: python benchmarks/bench_fidelity.py [--postgres URL_OF_A_SERVER]
Chinook (SQLite) always; with --postgres, Chinook's PostgreSQL copy and Northwind too (each
loaded into a fresh database there). Prints seconds for profile and generate against a bare
baseline (reading every row of the real database once, the least a profiler must do), rows/s,
peak memory, and the quality figures of `seed-assets compare` beside the reflected spec's.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import re
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seed_assets.cli import app  # noqa: E402
from seed_assets.reports.fidelity_run import compare  # noqa: E402
from seed_assets.sources.profile import profile  # noqa: E402
from seed_assets.sources.reflect import reflect  # noqa: E402
from seed_assets.sources.yaml_writer import reflection_yaml  # noqa: E402
from seed_assets_tests.real_datasets import chinook_postgres, chinook_sqlite  # noqa: E402


def _bare_read(url: str) -> int:
    engine = sa.create_engine(url)
    rows = 0
    with engine.connect() as conn:
        for name in sa.inspect(conn).get_table_names():
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            rows += sum(1 for _ in conn.execute(sa.select(table)))
    engine.dispose()
    return rows


def _write(reflection, path: Path, url: str) -> float:
    """Write the spec as YAML and generate it into `url` with `seed-assets generate`."""
    path.write_text(reflection_yaml(reflection), encoding="utf-8")
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        app(["generate", str(path), "--target", url], standalone_mode=False)
    return time.perf_counter() - start


def run(name: str, url: str, workdir: Path) -> None:
    start = time.perf_counter()
    rows = _bare_read(url)
    bare = time.perf_counter() - start
    start = time.perf_counter()
    profiled = profile(url)
    t_profile = time.perf_counter() - start
    synth = f"sqlite:///{workdir / f'{name}_synth.db'}"
    t_generate = _write(profiled, workdir / f"{name}.yaml", synth)
    tracemalloc.start()  # a second profile, for its peak only (tracing slows it down)
    profile(url)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    start = time.perf_counter()
    report = compare(url, synth)
    t_compare = time.perf_counter() - start
    reflected = f"sqlite:///{workdir / f'{name}_reflected.db'}"
    _write(reflect(url), workdir / f"{name}_reflected.yaml", reflected)
    base = compare(url, reflected)["quality"]
    q = report["quality"]
    broken = sum(r["broken"] for r in report["rules"])
    props = " ".join(f"{k}={v:.3f}" for k, v in q["properties"].items())
    print(
        f"{name}: {rows:,} real rows; bare read {bare:.2f}s ({rows / bare:,.0f} rows/s); "
        f"profile {t_profile:.2f}s + generate {t_generate:.2f}s = {t_profile + t_generate:.2f}s; "
        f"compare {t_compare:.2f}s; profile peak {peak:.0f} MiB\n"
        f"  quality {q['quality']:.3f} ({props}); reflected spec {base['quality']:.3f}; "
        f"date rules {len(report['rules'])}, broken {broken}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="a PostgreSQL server URL (postgresql+psycopg://...)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run("chinook-sqlite", chinook_sqlite(work / "chinook.db"), work)
        if args.postgres:
            for name, loader in (("chinook-postgres", chinook_postgres), ("northwind", _northwind)):
                with _fresh(args.postgres) as url:
                    run(name, loader(url), work)


def _northwind(url: str) -> str:
    path = ROOT / "seed_assets_tests/datasets/northwind/northwind.sql.gz"
    with gzip.open(path, "rt", encoding="utf-8-sig") as handle:
        script = handle.read()
    script = re.sub(r"(?m)^(DROP DATABASE|CREATE DATABASE|\\c).*$", "", script)
    engine = sa.create_engine(url)
    raw = engine.raw_connection()
    with raw.cursor() as cur:
        cur.execute(script)
    raw.commit()
    raw.close()
    engine.dispose()
    return url


class _fresh:
    def __init__(self, server: str) -> None:
        self.server = sa.make_url(server)
        self.name = f"bench_{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> str:
        self.admin = sa.create_engine(
            self.server.set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        return self.server.set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *exc) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.dispose()


if __name__ == "__main__":
    main()

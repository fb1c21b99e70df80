"""Profile + generate + compare on real sample databases: time, peak memory, fidelity.

Usage: python benchmarks/bench_fidelity.py [--postgres SERVER_URL] [--mysql SERVER_URL]
Chinook and Sakila (SQLite) and Chinook exported to a Parquet folder always; with --postgres,
Chinook's PostgreSQL copy, Northwind, Sakila and Pagila there; with --mysql, Sakila on MariaDB/MySQL
(each loaded into a fresh database). Prints seconds for profile and generate against a bare
baseline (reading every row of the real database once, the least a profiler must do), rows/s,
peak memory, and the figures of `seed-assets compare` beside the reflected spec's: quality,
broken keys (synthetic rows whose FK finds no parent), date rules broken, free text copied.
"""

from __future__ import annotations

import argparse
import contextlib
import io
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
from seed_assets_tests.real_datasets import (  # noqa: E402
    chinook_postgres,
    chinook_sqlite,
    northwind_postgres,
    pagila_postgres,
    sakila_mysql,
    sakila_postgres,
    sakila_sqlite,
)


def _bare_read(url: str) -> int:
    if url.startswith("parquet:"):
        import pyarrow.dataset as ds

        from seed_assets.sources.parquet.folder import open_folder

        folder = open_folder(url)
        return sum(
            len(batch)
            for table in folder.files
            for batch in ds.dataset([str(p) for p in folder.files[table]]).to_batches()
        )
    engine = sa.create_engine(url)
    rows = 0
    with engine.connect() as conn:
        for name in sa.inspect(conn).get_table_names():
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            rows += sum(1 for _ in conn.execute(sa.select(table)))
    engine.dispose()
    return rows


def broken_keys(url: str) -> int:
    """Rows of the database at `url` whose (non-NULL) FK finds no parent row."""
    engine = sa.create_engine(url)
    broken = 0
    with engine.connect() as conn:
        inspector, meta = sa.inspect(conn), sa.MetaData()
        for name in inspector.get_table_names():
            for fk in inspector.get_foreign_keys(name):
                child = sa.Table(name, meta, autoload_with=conn)
                # an alias: a self-reference joins the table to itself
                parent = sa.Table(fk["referred_table"], meta, autoload_with=conn).alias("p")
                pairs = list(zip(fk["constrained_columns"], fk["referred_columns"], strict=True))
                on = sa.and_(*(child.c[a] == parent.c[b] for a, b in pairs))
                query = (
                    sa.select(sa.func.count())
                    .select_from(child.outerjoin(parent, on))
                    .where(*(child.c[a].is_not(None) for a, _ in pairs))
                    .where(parent.c[pairs[0][1]].is_(None))
                )
                broken += int(conn.execute(query).scalar_one())
    engine.dispose()
    return broken


def _write(reflection, path: Path, url: str) -> float:
    """Write the spec as YAML and generate it into `url` with `seed-assets generate`."""
    path.write_text(reflection_yaml(reflection), encoding="utf-8")
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        app(["generate", str(path), "--target", url], standalone_mode=False)
    return time.perf_counter() - start


def run(name: str, url: str, workdir: Path, real: str | None = None) -> None:
    """`url` profiled and generated into SQLite; scored against `real` (default `url`)."""
    real = real or url
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
    report = compare(real, synth)
    t_compare = time.perf_counter() - start
    base = "-"
    if not url.startswith("parquet:"):
        reflected = f"sqlite:///{workdir / f'{name}_reflected.db'}"
        _write(reflect(url), workdir / f"{name}_reflected.yaml", reflected)
        base = f"{compare(real, reflected)['quality']['quality']:.3f}"
    q = report["quality"]
    broken = sum(r["broken"] for r in report["rules"])
    copied = sum(sum(p["free_text_shared"].values()) for p in report["privacy"])
    props = " ".join(f"{k}={v:.3f}" for k, v in q["properties"].items())
    print(
        f"{name}: {rows:,} real rows; bare read {bare:.2f}s ({rows / bare:,.0f} rows/s); "
        f"profile {t_profile:.2f}s + generate {t_generate:.2f}s = {t_profile + t_generate:.2f}s; "
        f"compare {t_compare:.2f}s; profile peak {peak:.0f} MiB\n"
        f"  quality {q['quality']:.3f} ({props}); reflected spec {base}; "
        f"broken keys {broken_keys(synth)}; date rules {len(report['rules'])}, broken {broken}; "
        f"free-text values shared {copied}",
        flush=True,
    )


def _parquet_export(url: str, folder: Path) -> str:
    """Every table of `url` as one Parquet file (a production export without keys)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            frame = pd.read_sql_table(table, conn)
            pq.write_table(
                pa.Table.from_pandas(frame, preserve_index=False), folder / f"{table}.parquet"
            )
    engine.dispose()
    return f"parquet://{folder}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="a PostgreSQL server URL (postgresql+psycopg://...)")
    parser.add_argument("--mysql", help="a MariaDB/MySQL server URL (mysql+pymysql://...)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        chinook = chinook_sqlite(work / "chinook.db")
        run("chinook-sqlite", chinook, work)
        run("chinook-parquet", _parquet_export(chinook, work / "chinook_parquet"), work, chinook)
        run("sakila-sqlite", sakila_sqlite(work / "sakila.db"), work)
        if args.postgres:
            for name, loader in (
                ("chinook-postgres", chinook_postgres),
                ("northwind-postgres", northwind_postgres),
                ("sakila-postgres", sakila_postgres),
                ("pagila-postgres", pagila_postgres),
            ):
                with _fresh(args.postgres) as url:
                    run(name, loader(url), work)
        if args.mysql:
            with _fresh(args.mysql) as url:
                run("sakila-mariadb", sakila_mysql(url), work)


class _fresh:
    """A fresh database on a PostgreSQL or MariaDB/MySQL server, dropped afterwards."""

    def __init__(self, server: str) -> None:
        self.server = sa.make_url(server)
        self.name = f"bench_{uuid.uuid4().hex[:8]}"
        self.mysql = self.server.get_backend_name() == "mysql"

    def __enter__(self) -> str:
        admin_url = self.server if self.mysql else self.server.set(database="postgres")
        self.admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        quoted = f"`{self.name}`" if self.mysql else f'"{self.name}"'
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {quoted}")
        return self.server.set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *exc) -> None:
        with self.admin.connect() as conn:
            if self.mysql:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{self.name}`")
            else:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.dispose()


if __name__ == "__main__":
    main()

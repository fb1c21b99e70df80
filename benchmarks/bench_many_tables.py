"""Cost per table against the number of tables: a generated N-table spec (about 100 rows per
table) written into a fresh SQLite file, N = 50, 200, 800 by default.

The spec is a forest of small trees like an application schema: a fifth of the tables are roots
(100 rows), every other table has a driving FK to an earlier table (cardinality ~1 per parent,
so ~100 rows) and a second, nullable FK to a random earlier table (a lookup), plus a handful of
typed columns. Every tenth table also closes a nullable cycle back to its parent.

For each N: seconds to load and check the spec, seconds to generate and write it, and seconds
per table. Cost per table should not grow with N (the spec-wide analysis is computed once per
spec, not once per table). The bare baseline in the same run: the same row count written as one
table (``--n 1`` equivalent), so its seconds per table are the floor.

Run: ``.venv/bin/python benchmarks/bench_many_tables.py [--n 50,200,800] [--rows 100]``.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def spec_data(n: int, rows: int, seed: int = 1) -> dict:
    """A plain-data spec of `n` tables of about `rows` rows each."""
    rnd = random.Random(seed)
    tables: dict[str, dict] = {}
    names = [f"t{i:04d}" for i in range(n)]
    for i, name in enumerate(names):
        columns = {
            "id": {"type": "integer", "sequence": True},
            "code": {"type": "string", "length": 16, "sequence": f"{name.upper()}-{{:06d}}"},
            "amount": {
                "type": "decimal",
                "precision": 10,
                "scale": 2,
                "distribution": "lognormal(3, 1)",
            },
            "created_at": {"type": "timestamp", "between": ["2020-01-01", "2024-12-31"]},
            "active": {"type": "boolean", "rate": 0.8},
            "label": {"type": "string", "length": 40, "faker": "word"},
        }
        table: dict = {"primary_key": "id", "columns": columns}
        fks = []
        if i % 5 == 0 or i < 2:
            table["rows"] = rows
        else:
            parent = names[rnd.randrange(max(0, i - 20), i)]
            columns["parent_id"] = {"type": "integer"}
            fks.append(
                {
                    "columns": "parent_id",
                    "references": f"{parent}(id)",
                    "cardinality": "uniform(0, 2)" if i % 3 else "fixed(1)",
                }
            )
            lookup = names[rnd.randrange(0, i)]
            columns["lookup_id"] = {"type": "integer", "null_fraction": 0.3}
            fks.append({"columns": "lookup_id", "references": f"{lookup}(id)"})
            if i % 10 == 7:  # a nullable cycle back to the driving parent's table
                tables[parent]["columns"][f"last_{name}_id"] = {
                    "type": "integer",
                    "null_fraction": 0.5,
                }
                tables[parent].setdefault("foreign_keys", []).append(
                    {"columns": f"last_{name}_id", "references": f"{name}(id)"}
                )
        if fks:
            table["foreign_keys"] = fks
        tables[name] = table
    return {"name": f"many_{n}", "seed": 5, "tables": tables}


def run(n: int, rows: int, folder: Path) -> dict:
    from seed_assets.engine.run import ComponentStep, LinksStep, iter_plan
    from seed_assets.spec.loader import spec_from_dict
    from seed_assets.targets.base import Target
    from seed_assets.targets.links import update_links, write_component

    data = spec_data(n, rows)
    start = time.perf_counter()
    spec = spec_from_dict(data, source=f"<many_{n}>")
    loaded = time.perf_counter() - start
    url = f"sqlite:///{folder / f'many_{n}.sqlite'}"
    db = Target.for_url(url)
    written = 0
    start = time.perf_counter()
    try:
        for step in iter_plan(spec, seed=1):
            if isinstance(step, LinksStep):
                update_links(db, spec, step.table, step.frames, rows=step.rows, seed=1, scale=1.0)
            elif isinstance(step, ComponentStep):
                results = write_component(db, spec, step.frames, seed=1, scale=1.0)
                written += sum(r.rows for r in results.values())
            else:
                written += db.write_table(spec, step.name, step.chunks, seed=1, scale=1.0).rows
    finally:
        db.dispose()
    took = time.perf_counter() - start
    return {
        "n": n,
        "rows": written,
        "load_s": loaded,
        "generate_s": took,
        "s_per_table": (loaded + took) / n,
        "rows_per_s": written / took,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", default="50,200,800")
    parser.add_argument("--rows", type=int, default=100)
    args = parser.parse_args()
    sizes = [int(x) for x in args.n.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = run(1, args.rows * 50, folder)  # the floor: the same kind of rows, one table
        print(
            f"baseline: 1 table of {base['rows']:,} rows in {base['generate_s']:.2f} s "
            f"({base['rows_per_s']:,.0f} rows/s)"
        )
        print(
            f"{'tables':>7} {'rows':>8} {'load s':>7} {'write s':>8} {'s/table':>8} {'rows/s':>9}"
        )
        for n in sizes:
            r = run(n, args.rows, folder)
            print(
                f"{r['n']:>7} {r['rows']:>8,} {r['load_s']:>7.2f} {r['generate_s']:>8.2f} "
                f"{r['s_per_table']:>8.4f} {r['rows_per_s']:>9,.0f}",
                flush=True,
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()

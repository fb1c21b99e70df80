"""What FK cycles cost per target: the links UPDATE and the one-transaction write of a NOT NULL
cycle, beside plain inserts of the same tables measured in the same run.

Two specs of two tables each, `rows` parents and one child each (fixed(1)):

- ``nullable``: ``nodes.partner_id -> edges`` nullable (deferred): nodes written with it NULL,
  edges, then the links step fills it (UPDATE via a temporary table);
- ``not_null``: the same FK NOT NULL: both tables in one transaction, FK checks deferred;
- ``baseline``: the same two tables without the cycle FK (plain ``write_table`` each).

Each case is written twice: into an empty database, then again with ``--if-exists replace``
(emptying and unlinking first).

Run: ``.venv/bin/python benchmarks/bench_cycles.py [--rows 200000] [--targets sqlite,postgresql,
mysql]``. A fresh database per target and case (see ``bench_targets.py``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_targets import SERVERS, _fresh  # noqa: E402


def _spec(rows: int, case: str):
    from seed_assets.spec.loader import spec_from_dict

    nodes = {
        "rows": rows,
        "primary_key": "node_id",
        "columns": {
            "node_id": {"type": "integer", "sequence": True},
            "label": {"type": "string", "length": 12, "sequence": "N{:09d}"},
        },
    }
    if case != "baseline":
        fraction = 0.2 if case == "nullable" else 0
        nodes["columns"]["partner_id"] = {"type": "integer", "null_fraction": fraction}
        nodes["foreign_keys"] = [{"columns": "partner_id", "references": "edges(edge_id)"}]
    edges = {
        "primary_key": "edge_id",
        "columns": {
            "edge_id": {"type": "integer", "sequence": True},
            "node_id": {"type": "integer"},
            "weight": {"type": "float", "distribution": "uniform(0, 1)"},
        },
        "foreign_keys": [
            {"columns": "node_id", "references": "nodes(node_id)", "cardinality": "fixed(1)"}
        ],
    }
    data = {"name": f"ring_{case}", "seed": 3, "tables": {"nodes": nodes, "edges": edges}}
    return spec_from_dict(data)


def run_case(url: str, rows: int, case: str) -> dict[str, tuple[int, float]]:
    """Seconds and rows of each step of writing the case's spec to `url`."""
    from seed_assets.engine.run import ComponentStep, LinksStep, iter_plan
    from seed_assets.targets import links
    from seed_assets.targets.base import Target

    spec = _spec(rows, case)
    target = Target.for_url(url)
    steps: dict[str, tuple[int, float]] = {}
    try:
        for run, if_exists in (("write", "fail"), ("replace", "replace")):
            for step in iter_plan(spec):
                started = time.perf_counter()
                if isinstance(step, LinksStep):
                    done = links.update_links(
                        target,
                        spec,
                        step.table,
                        step.frames,
                        rows=step.rows,
                        seed=spec.seed,
                        scale=1.0,
                    ).rows
                elif isinstance(step, ComponentStep):
                    results = links.write_component(
                        target, spec, step.frames, seed=spec.seed, scale=1.0, if_exists=if_exists
                    )
                    done = sum(r.rows for r in results.values())
                else:
                    done = target.write_table(
                        spec, step.name, step.chunks, seed=spec.seed, scale=1.0, if_exists=if_exists
                    ).rows
                steps[f"{run}: {step.name}"] = (done, time.perf_counter() - started)
    finally:
        target.dispose()
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--targets", default="sqlite,postgresql,mysql")
    parser.add_argument("--pg", default=SERVERS["postgresql"])
    parser.add_argument("--mysql", default=SERVERS["mysql"])
    args = parser.parse_args()
    print(f"{args.rows:,} nodes and {args.rows:,} edges per case\n")
    print(f"{'target':<11} {'case':<9} {'step':<26} {'rows':>9} {'seconds':>8} {'rows/s':>10}")
    for target in args.targets.split(","):
        for case in ("baseline", "nullable", "not_null"):
            url, drop = _fresh(target, args)
            try:
                steps = run_case(url, args.rows, case)
            finally:
                drop()
            for step, (done, seconds) in steps.items():
                print(
                    f"{target:<11} {case:<9} {step:<26} {done:>9,} {seconds:>8.2f} "
                    f"{done / seconds:>10,.0f}"
                )
            total = sum(s for _, s in steps.values())
            print(f"{target:<11} {case:<9} {'(total)':<26} {'':>9} {total:>8.2f}")


if __name__ == "__main__":
    main()

"""Rows per second and peak memory for the banking example, against the tutorial's row loop.

Three phases, each in a fresh interpreter so their peak memory cannot contaminate each other:

- ``generate``: the engine alone (``iter_spec``, every chunk of every table consumed);
- ``sqlite``:   the engine plus the SQLite writer, end to end, as ``seed-assets generate`` does;
- ``baseline``: the tutorial's row-by-row generator (Faker per row, ``iterrows``,
  ``np.random.choice`` per row) on a few thousand customers.

Run: ``.venv/bin/python benchmarks/bench_banking.py [--scale 100] [--baseline-customers 2000]
[--repeat 3] [--out DIR]``. Each phase runs `--repeat` times and the fastest run is reported
(every run's seconds are printed too). The SQLite file and a JSON copy of the results go to
``--out`` (default ``benchmarks/results``, which git ignores).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "seed_assets" / "examples" / "banking.yaml"
if str(ROOT) not in sys.path:  # measure the checkout this script sits in, installed or not
    sys.path.insert(0, str(ROOT))

# The targets the engine is held to, in one process at scale 100.
TARGET_GENERATE_ROWS_S = 3_000_000
TARGET_GENERATE_SPEEDUP = 200
TARGET_SQLITE_ROWS_S = 120_000

PHASES = ("baseline", "generate", "sqlite")


# -- measurements ----------------------------------------------------------------------------


def _peak_rss_mb() -> float:
    """This process's peak resident set size so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _load_spec():
    from seed_assets.sources.files import load_spec

    return load_spec(SPEC)


def phase_generate(args) -> dict:
    """The engine alone: every chunk of every table made, nothing written."""
    from seed_assets.engine.run import iter_spec

    spec = _load_spec()
    start_rss = _peak_rss_mb()
    tables: dict[str, dict] = {}
    total = 0
    started = time.perf_counter()
    mark = started
    for generator, chunks in iter_spec(spec, seed=spec.seed, scale=args.scale):
        rows = sum(len(frame) for frame in chunks)
        now = time.perf_counter()  # a table's time includes setting up its generator
        tables[generator.name] = {"rows": rows, "seconds": now - mark}
        mark = now
        total += rows
    seconds = time.perf_counter() - started
    return {"rows": total, "seconds": seconds, "start_rss_mb": start_rss, "tables": tables}


def phase_sqlite(args) -> dict:
    """The engine and the SQLite writer, table by table, exactly as ``seed-assets generate``."""
    from seed_assets.engine.run import iter_spec
    from seed_assets.targets.base import Target

    spec = _load_spec()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    database = out / "bench_banking.sqlite"
    for path in out.glob("bench_banking.sqlite*"):  # the file, and its -wal and -shm
        path.unlink()
    db = Target.for_url(f"sqlite:///{database}")
    start_rss = _peak_rss_mb()
    tables: dict[str, dict] = {}
    total = 0
    started = time.perf_counter()
    try:
        mark = started
        for generator, chunks in iter_spec(spec, seed=spec.seed, scale=args.scale):
            rows = db.write_table(
                spec, generator.name, chunks, seed=spec.seed, scale=args.scale
            ).rows
            now = time.perf_counter()
            tables[generator.name] = {"rows": rows, "seconds": now - mark}
            mark = now
            total += rows
    finally:
        db.dispose()
    seconds = time.perf_counter() - started
    return {
        "rows": total,
        "seconds": seconds,
        "start_rss_mb": start_rss,
        "tables": tables,
        "database": str(database),
        "database_mb": database.stat().st_size / 1e6,
    }


# -- the tutorial's row loop, reimplemented faithfully -----------------------------------------


def _tutorial():
    """The tutorial's three generators, as written there: one Python iteration per row."""
    import numpy as np
    import pandas as pd
    from faker import Faker

    fake = Faker("en_IN")
    np.random.seed(42)

    def generate_customers(n=1000):
        ids = [f"CUST{str(i).zfill(6)}" for i in range(1, n + 1)]
        start = datetime(2020, 1, 1)
        end = datetime(2026, 1, 1)
        date_range = (end - start).days
        reg_dates = [
            start + timedelta(days=int(np.random.randint(0, date_range))) for _ in range(n)
        ]
        return pd.DataFrame(
            {
                "customer_id": ids,
                "name": [fake.name() for _ in range(n)],
                "email": [fake.email() for _ in range(n)],
                "registration_date": reg_dates,
                "segment": np.random.choice(
                    ["retail", "sme", "enterprise"], size=n, p=[0.6, 0.3, 0.1]
                ),
            }
        )

    def generate_accounts(customers_df, avg_accounts_per_customer=1.8):
        rows = []
        account_counter = 1
        for _, customer in customers_df.iterrows():
            n_accounts = max(1, int(np.random.poisson(avg_accounts_per_customer)))
            for _ in range(n_accounts):
                reg_date = customer["registration_date"]
                days_since_reg = (datetime(2026, 1, 1) - reg_date).days
                account_open_date = reg_date + timedelta(
                    days=int(np.random.randint(0, max(1, days_since_reg)))
                )
                rows.append(
                    {
                        "account_id": f"ACC{str(account_counter).zfill(8)}",
                        "customer_id": customer["customer_id"],
                        "account_type": np.random.choice(
                            ["savings", "current", "loan"], p=[0.5, 0.35, 0.15]
                        ),
                        "opened_date": account_open_date,
                        "balance": round(np.random.lognormal(10, 1.2), 2),
                    }
                )
                account_counter += 1
        return pd.DataFrame(rows)

    def generate_transactions(accounts_df, transactions_per_account=15):
        rows = []
        txn_counter = 1
        for _, account in accounts_df.iterrows():
            n_transactions = max(1, int(np.random.poisson(transactions_per_account)))
            for _ in range(n_transactions):
                open_date = account["opened_date"]
                days_active = (datetime(2026, 3, 1) - open_date).days
                txn_date = open_date + timedelta(
                    days=int(np.random.randint(0, max(1, days_active)))
                )
                rows.append(
                    {
                        "transaction_id": f"TXN{str(txn_counter).zfill(10)}",
                        "account_id": account["account_id"],
                        "customer_id": account["customer_id"],
                        "transaction_date": txn_date,
                        "amount": round(np.random.lognormal(6, 1.5), 2),
                        "transaction_type": np.random.choice(["credit", "debit"], p=[0.45, 0.55]),
                        "is_fraud": int(np.random.random() < 0.008),
                    }
                )
                txn_counter += 1
        return pd.DataFrame(rows)

    return generate_customers, generate_accounts, generate_transactions


def phase_baseline(args) -> dict:
    """The tutorial's customers -> accounts -> transactions on `--baseline-customers`."""
    generate_customers, generate_accounts, generate_transactions = _tutorial()
    start_rss = _peak_rss_mb()
    tables: dict[str, dict] = {}
    started = time.perf_counter()
    t = time.perf_counter()
    customers = generate_customers(args.baseline_customers)
    tables["customers"] = {"rows": len(customers), "seconds": time.perf_counter() - t}
    t = time.perf_counter()
    accounts = generate_accounts(customers)
    tables["accounts"] = {"rows": len(accounts), "seconds": time.perf_counter() - t}
    t = time.perf_counter()
    transactions = generate_transactions(accounts)
    tables["transactions"] = {"rows": len(transactions), "seconds": time.perf_counter() - t}
    seconds = time.perf_counter() - started
    total = len(customers) + len(accounts) + len(transactions)
    return {"rows": total, "seconds": seconds, "start_rss_mb": start_rss, "tables": tables}


# -- orchestration ----------------------------------------------------------------------------


def run_phase(name: str, args) -> dict:
    """A phase `--repeat` times, each in a fresh interpreter: the fastest run, the highest peak.

    The best of a few runs is what the code can do; slower runs measure the machine's other
    work (this is a shared machine more often than not). Every run's seconds are kept.
    """
    runs = [_run_once(name, args) for _ in range(args.repeat)]
    best = dict(min(runs, key=lambda r: r["seconds"]))
    best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    best["all_seconds"] = [round(r["seconds"], 3) for r in runs]
    return best


def _run_once(name: str, args) -> dict:
    """One phase in a fresh interpreter; its last stdout line is the JSON result."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--phase",
        name,
        "--scale",
        str(args.scale),
        "--baseline-customers",
        str(args.baseline_customers),
        "--out",
        str(args.out),
    ]
    print(f"running {name} ...", flush=True)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"phase {name} failed with exit code {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _met(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def report(results: dict[str, dict], args) -> None:
    base = results["baseline"]
    base_speed = base["rows"] / base["seconds"]
    labels = {
        "baseline": f"baseline row loop ({args.baseline_customers:,} customers)",
        "generate": f"generation alone (scale {args.scale:g})",
        "sqlite": f"generation + SQLite (scale {args.scale:g})",
    }
    header = (
        f"{'phase':<42} {'rows':>11} {'seconds':>9} {'rows/s':>12} "
        f"{'peak RSS MB':>12} {'start RSS MB':>13} {'vs baseline':>12}"
    )
    print()
    print(
        f"banking.yaml on {platform.machine()} / Python {platform.python_version()}, "
        f"best of {args.repeat} run(s) per phase"
    )
    print(header)
    print("-" * len(header))
    for name in PHASES:
        r = results[name]
        speed = r["rows"] / r["seconds"]
        print(
            f"{labels[name]:<42} {r['rows']:>11,} {r['seconds']:>9.2f} {speed:>12,.0f} "
            f"{r['peak_rss_mb']:>12,.0f} {r['start_rss_mb']:>13,.0f} "
            f"{speed / base_speed:>11,.1f}x"
        )
    print()
    print("per table (seconds; rows/s):")
    for name in PHASES:
        parts = ", ".join(
            f"{table} {t['rows']:,} rows {t['seconds']:.2f}s "
            f"({t['rows'] / t['seconds'] if t['seconds'] else 0:,.0f}/s)"
            for table, t in results[name]["tables"].items()
        )
        print(f"  {name:<9} {parts}")
    print("every run (seconds): " + "; ".join(f"{n} {results[n]['all_seconds']}" for n in PHASES))

    gen = results["generate"]["rows"] / results["generate"]["seconds"]
    sql = results["sqlite"]["rows"] / results["sqlite"]["seconds"]
    print()
    print("targets:")
    print(
        f"  generation >= {TARGET_GENERATE_ROWS_S:,} rows/s: {gen:,.0f} -> "
        f"{_met(gen >= TARGET_GENERATE_ROWS_S)}"
    )
    print(
        f"  generation >= {TARGET_GENERATE_SPEEDUP}x the row loop: {gen / base_speed:,.1f}x -> "
        f"{_met(gen / base_speed >= TARGET_GENERATE_SPEEDUP)}"
    )
    print(
        f"  SQLite end to end >= {TARGET_SQLITE_ROWS_S:,} rows/s: {sql:,.0f} -> "
        f"{_met(sql >= TARGET_SQLITE_ROWS_S)}"
    )
    print()
    print(
        "Peak RSS is each phase's own interpreter, the highest of its runs (imports included; "
        "'start RSS' is the peak before timing began). The baseline makes customers, accounts "
        "and transactions only, as the tutorial does; the engine also makes invoices."
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=100.0, help="engine scale (100 ≈ 4M rows)")
    parser.add_argument(
        "--baseline-customers",
        type=int,
        default=2000,
        help="customers for the row-by-row baseline",
    )
    parser.add_argument(
        "--out",
        default=str(ROOT / "benchmarks" / "results"),
        help="directory for the SQLite file and results JSON",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="fresh-process runs per phase; the fastest is reported (default 3)",
    )
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.phase:
        run = {"generate": phase_generate, "sqlite": phase_sqlite, "baseline": phase_baseline}
        result = run[args.phase](args)
        result["peak_rss_mb"] = _peak_rss_mb()
        print(json.dumps(result))
        return

    results = {name: run_phase(name, args) for name in PHASES}
    report(results, args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = {
        "scale": args.scale,
        "baseline_customers": args.baseline_customers,
        "repeat": args.repeat,
    }
    (out / "bench_banking.json").write_text(json.dumps({**stamp, "results": results}, indent=2))


if __name__ == "__main__":
    main()

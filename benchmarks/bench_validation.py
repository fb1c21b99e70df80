"""Rows per second of the integrity report on a banking-shaped database of 30M transactions,
against the tutorial's pandas checks (``isin`` for orphans, ``merge`` for dates) on the same rows.

The frames are built with NumPy in the shapes and dtypes the engine produces (object strings,
datetime64[s], float64, bool): about 1.02M customers, 2M accounts (Poisson(1.8), at least one),
30M transactions (Poisson(15), at least one). Only the `transactions` checks are timed: it is the
table with every kind of rule (two FKs, one denormalised, a date after its parent's, a driving
cardinality, a rare event, a primary key, NOT NULL columns).

Run: ``.venv/bin/python benchmarks/bench_validation.py [--transactions 30000000] [--baseline]``
(the pandas baseline adds about a minute at 30M rows). Customer ids pass 999,999 here, so they are
11 characters, longer than banking.yaml's `length: 10`: the Pandera and GX checks (not timed
here) would rightly flag them; the integrity report does not look at lengths.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "seed_assets" / "examples" / "banking.yaml"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from seed_assets.engine.keys import format_ids  # noqa: E402
from seed_assets.sources.files import load_spec  # noqa: E402
from seed_assets.validation.frames import check_table  # noqa: E402

# What the integrity report should reach on one core here: 30M rows in well under 15 s.
TARGET_ROWS_S = 2_000_000


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_frames(transactions: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Customers, accounts and transactions with intact keys, dates and counts."""
    rng = np.random.default_rng(seed)
    n_accounts = max(1, round(transactions / 15.0))
    n_customers = max(1, round(n_accounts / 1.965))
    per_customer = np.maximum(rng.poisson(1.8, n_customers), 1)
    # Trim or pad the last customer's accounts so the totals land where asked.
    n_accounts = int(per_customer.sum())
    per_account = np.maximum(rng.poisson(15.0, n_accounts), 1)
    n_tx = int(per_account.sum())

    day0 = np.datetime64("2020-01-01", "s")
    day = np.timedelta64(86_400, "s")
    customer_ids = format_ids("CUST{:07d}", np.arange(1, n_customers + 1))
    registered = day0 + rng.integers(0, 2192, n_customers) * day
    customers = pd.DataFrame(
        {
            "customer_id": pd.Series(customer_ids, dtype=object),
            "registration_date": pd.Series(registered.astype("datetime64[s]")),
        }
    )
    owner = np.repeat(np.arange(n_customers), per_customer)
    account_ids = format_ids("ACC{:08d}", np.arange(1, n_accounts + 1))
    opened = registered[owner] + rng.integers(0, 400, n_accounts) * day
    accounts = pd.DataFrame(
        {
            "account_id": pd.Series(account_ids, dtype=object),
            "customer_id": pd.Series(customer_ids[owner], dtype=object),
            "opened_date": pd.Series(opened.astype("datetime64[s]")),
        }
    )
    account = np.repeat(np.arange(n_accounts), per_account)
    tx = pd.DataFrame(
        {
            "transaction_id": pd.Series(
                format_ids("TXN{:010d}", np.arange(1, n_tx + 1)), dtype=object
            ),
            "account_id": pd.Series(account_ids[account], dtype=object),
            "customer_id": pd.Series(customer_ids[owner[account]], dtype=object),
            "transaction_date": pd.Series(
                (opened[account] + rng.integers(0, 300, n_tx) * day).astype("datetime64[s]")
            ),
            "amount": np.round(rng.lognormal(6, 1.5, n_tx), 2),
            "transaction_type": pd.Series(
                np.array(["credit", "debit"], dtype=object)[rng.integers(0, 2, n_tx)], dtype=object
            ),
            "is_fraud": rng.random(n_tx) < 0.008,
        }
    )
    return {"customers": customers, "accounts": accounts, "transactions": tx}


def pandas_baseline(frames: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The tutorial's validation suite (isin, merge, mean), timed per step."""
    tx, accounts, customers = frames["transactions"], frames["accounts"], frames["customers"]
    timings: dict[str, float] = {}
    started = time.perf_counter()
    orphans = (~tx["account_id"].isin(accounts["account_id"])).sum()
    orphans += (~tx["customer_id"].isin(customers["customer_id"])).sum()
    timings["orphans (isin)"] = time.perf_counter() - started
    step = time.perf_counter()
    merged = tx[["account_id", "transaction_date"]].merge(
        accounts[["account_id", "opened_date"]], on="account_id", how="left"
    )
    late = (merged["transaction_date"] < merged["opened_date"]).sum()
    timings["temporal (merge)"] = time.perf_counter() - step
    step = time.perf_counter()
    duplicates = tx["transaction_id"].duplicated().sum()
    timings["duplicates (duplicated)"] = time.perf_counter() - step
    _ = len(tx) / len(accounts), tx["is_fraud"].mean(), orphans, late, duplicates
    timings["total"] = time.perf_counter() - started
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=30_000_000)
    parser.add_argument("--baseline", action="store_true", help="also time the pandas checks")
    args = parser.parse_args()

    spec = load_spec(SPEC)
    started = time.perf_counter()
    frames = build_frames(args.transactions)
    rows = len(frames["transactions"])
    print(
        f"built {rows:,} transactions, {len(frames['accounts']):,} accounts, "
        f"{len(frames['customers']):,} customers in {time.perf_counter() - started:.1f} s"
    )

    started = time.perf_counter()
    results = check_table(
        spec, "transactions", frames["transactions"], frames, engines={"integrity"}
    )
    seconds = time.perf_counter() - started
    print(f"\nintegrity report on transactions: {seconds:.2f} s, {rows / seconds:,.0f} rows/s")
    for result in results:
        figures = "; ".join(f"{m.subject} = {m.figure}" for m in result.measurements)
        print(f"  {result.status:5} {result.name}: {figures}")
    failed = [r.name for r in results if not r.passed]
    verdict = "meets" if rows / seconds >= TARGET_ROWS_S else "MISSES"
    print(f"  {verdict} the target of {TARGET_ROWS_S:,} rows/s; peak RSS {_peak_rss_mb():,.0f} MiB")
    if failed:
        print(f"  unexpected failures on intact data: {', '.join(failed)}")

    if args.baseline:
        timings = pandas_baseline(frames)
        print(f"\npandas baseline (tutorial's checks): {timings['total']:.2f} s")
        for step, took in timings.items():
            if step != "total":
                print(f"  {step}: {took:.2f} s")
        print(f"  speed-up of the integrity report: {timings['total'] / seconds:.1f}x")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

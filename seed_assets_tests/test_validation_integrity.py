"""The integrity report on generated frames: healthy data passes, each kind of damage fails the
check made for it (and only what it should), with counts and the failing rows as samples."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from seed_assets.engine.cardinality import draw_counts
from seed_assets.engine.run import generate_all
from seed_assets.spec.distributions import (
    BernoulliCount,
    FixedCount,
    NegBinomialCount,
    PoissonCount,
    UniformCount,
    ZipfCount,
)
from seed_assets.spec.graph import topological_order
from seed_assets.spec.loader import spec_from_dict
from seed_assets.validation import integrity
from seed_assets.validation.frames import check_table
from seed_assets.validation.rules import rules_for

INTEGRITY = {"integrity"}


@pytest.fixture(scope="module")
def bank(banking):
    return generate_all(banking, scale=0.4)


@pytest.fixture(scope="module")
def shop_frames(shop):
    return generate_all(shop)


def _check(spec, frames, table, rule, frame=None):
    results = check_table(
        spec, table, frames[table] if frame is None else frame, frames, engines=INTEGRITY
    )
    return {r.rule: r for r in results}[rule], {r.rule: r for r in results}


@pytest.mark.parametrize("spec_name", ["banking", "shop"])
def test_healthy_data_passes_every_integrity_check(spec_name, request, bank, shop_frames):
    spec = request.getfixturevalue(spec_name)
    frames = bank if spec_name == "banking" else shop_frames
    for table in topological_order(spec):
        results = check_table(spec, table, frames[table], frames, engines=INTEGRITY)
        assert [r.rule for r in results] == [
            r.name for r in rules_for(spec, table, engines=INTEGRITY)
        ]
        for result in results:
            assert result.status == "PASS", (result.name, result.failures())
            assert result.measurements, result.name


def test_an_orphan_fk_fails_orphan_fks_with_its_row(banking, bank):
    broken = bank["transactions"].copy()
    broken.loc[7, "account_id"] = "ACC99999999"
    result, others = _check(banking, bank, "transactions", "orphan_fks", broken)
    assert result.status == "FAIL"
    assert result.counts["orphans: account_id -> accounts"] == 1
    assert result.counts["orphans: customer_id -> customers"] == 0
    assert result.samples[0]["row"] == 7 and result.samples[0]["account_id"] == "ACC99999999"
    # The orphan has no account to copy a customer from: that is not a second failure.
    assert others["denormalised_fks"].passed and others["temporal"].passed


def test_a_composite_fk_orphan_is_found(shop, shop_frames):
    broken = shop_frames["shipments"].copy()
    broken.loc[2, "line_no"] = 99  # (order_id, 99) names no order line
    result, _ = _check(shop, shop_frames, "shipments", "orphan_fks", broken)
    assert result.status == "FAIL"
    assert result.measurements[0].value == 1
    assert result.samples[0]["line_no"] == 99


def test_a_child_dated_before_its_parent_fails_temporal(banking, bank):
    broken = bank["transactions"].copy()
    broken.loc[[3, 4], "transaction_date"] = pd.Timestamp("2019-06-01")  # before any account opened
    result, _ = _check(banking, bank, "transactions", "temporal", broken)
    assert result.status == "FAIL"
    assert result.counts["violations: transaction_date"] == 2
    assert result.samples[0]["transaction_date"].startswith("2019-06-01")
    assert result.samples[0]["[accounts.opened_date]"] > "2019-06-01"


def test_a_same_row_date_order_violation_fails_temporal(shop, shop_frames):
    broken = shop_frames["orders"].copy()
    broken.loc[0, "shipped_at"] = broken.loc[0, "placed_at"] - pd.Timedelta(days=1)
    result, _ = _check(shop, shop_frames, "orders", "temporal", broken)
    assert result.counts == {"violations: placed_at": 0, "violations: shipped_at": 1}


def test_a_denormalised_fk_that_disagrees_fails_only_that_check(banking, bank):
    broken = bank["transactions"].copy()
    owner = broken.loc[10, "customer_id"]
    other = next(c for c in bank["customers"]["customer_id"] if c != owner)
    broken.loc[10, "customer_id"] = other  # a real customer, just not the account's owner
    result, others = _check(banking, bank, "transactions", "denormalised_fks", broken)
    assert result.status == "FAIL" and result.measurements[0].value == 1
    assert result.samples[0]["customer_id"] == other
    assert result.samples[0]["[accounts.customer_id]"] == owner
    assert others["orphan_fks"].passed


def _constant_children(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """Every account gets exactly n transactions (copies of its first), ids renumbered."""
    firsts = frame.drop_duplicates("account_id")
    out = firsts.loc[firsts.index.repeat(n)].reset_index(drop=True)
    out["transaction_id"] = [f"TXN{i:010d}" for i in range(1, len(out) + 1)]
    out["is_fraud"] = np.arange(len(out)) % 100 == 0  # 1%: inside the rate bounds
    return out


def test_a_constant_number_of_children_fails_the_distribution_not_the_mean(banking, bank):
    broken = _constant_children(bank["transactions"], 15)
    result, others = _check(banking, bank, "transactions", "cardinality", broken)
    mean, fit, expected_mean = result.measurements
    assert mean.passed and expected_mean.passed  # 15.0 is the right mean...
    assert not fit.passed  # ...but Poisson(15) never comes out as exactly 15 everywhere
    assert fit.value < 1e-6
    assert result.counts["variance_children"] == 0
    assert result.counts["expected_variance"] > 10
    assert {"children": 15, "parents": len(bank["accounts"])} in [
        {k: s[k] for k in ("children", "parents")} for s in result.samples
    ]
    assert others["rare_events"].passed and others["orphan_fks"].passed


def test_a_fixed_cardinality_matches_its_own_spec():
    spec = spec_from_dict(
        {
            "name": "fixed",
            "tables": {
                "parent": {
                    "rows": 50,
                    "primary_key": "id",
                    "columns": {"id": {"type": "integer", "sequence": True}},
                },
                "child": {
                    "primary_key": "id",
                    "columns": {
                        "id": {"type": "integer", "sequence": True},
                        "parent_id": {"type": "integer"},
                    },
                    "foreign_keys": [
                        {
                            "columns": "parent_id",
                            "references": "parent(id)",
                            "cardinality": "fixed(3)",
                        }
                    ],
                },
            },
        }
    )
    frames = generate_all(spec)
    result, _ = _check(spec, frames, "child", "cardinality")
    assert result.status == "PASS"
    extra = pd.concat(
        [frames["child"], frames["child"].tail(1).assign(id=10_000)], ignore_index=True
    )
    result, _ = _check(spec, frames, "child", "cardinality", extra)
    fit = result.measurements[1]
    assert not fit.passed and "1 impossible counts" in fit.figure  # one parent with 4 children


@pytest.mark.parametrize(
    "dist",
    [
        PoissonCount(mean=1.8, min=1),
        PoissonCount(mean=15, min=1),
        UniformCount(min=1, max=6),
        NegBinomialCount(mean=4, dispersion=1.5),
        ZipfCount(a=2.5, max=3),
        BernoulliCount(p=0.3),
        FixedCount(n=4),
    ],
)
def test_generated_counts_fit_their_distribution(dist):
    counts = draw_counts(dist, 20_000, np.random.default_rng(5))
    fit = integrity.distribution_fit(counts, dist)
    assert fit["impossible"] == 0
    assert fit["p_value"] > 1e-4
    upto = len(fit["expected"]) - 1
    probs = integrity.clipped_pmf(dist, upto)
    assert probs.sum() == pytest.approx(1.0)
    assert float(np.arange(upto + 1) @ probs) == pytest.approx(dist.expected_mean(), rel=1e-6)
    # A different mean is rejected by the same test.
    if not isinstance(dist, FixedCount):
        shifted = counts + 1
        assert (
            integrity.distribution_fit(shifted, dist)["p_value"] < 1e-6
            or integrity.distribution_fit(shifted, dist)["impossible"] > 0
        )


def test_fraud_rate_out_of_bounds_fails_rare_events(banking, bank):
    broken = bank["transactions"].copy()
    broken["is_fraud"] = np.arange(len(broken)) % 10 == 0  # 10%
    result, _ = _check(banking, bank, "transactions", "rare_events", broken)
    assert result.status == "FAIL"
    measurement = result.measurements[0]
    assert measurement.value == pytest.approx(0.1, abs=0.001)
    assert "expectations.rates" in measurement.bound
    assert all(s["is_fraud"] for s in result.samples)


def test_a_rate_without_explicit_bounds_gets_binomial_ones(shop, shop_frames):
    broken = shop_frames["orders"].copy()
    broken["gift"] = False
    result, _ = _check(shop, shop_frames, "orders", "rare_events", broken)
    assert not result.passed and "rate 0.05" in result.measurements[0].bound


def test_a_duplicate_key_fails_duplicate_keys(banking, bank):
    broken = bank["transactions"].copy()
    broken.loc[5, "transaction_id"] = broken.loc[2, "transaction_id"]
    result, _ = _check(banking, bank, "transactions", "duplicate_keys", broken)
    assert result.status == "FAIL"
    assert result.counts["duplicates: transaction_id"] == 1
    assert result.samples == [{"row": 5, "transaction_id": broken.loc[2, "transaction_id"]}]


def test_a_composite_duplicate_key_is_found(shop, shop_frames):
    broken = shop_frames["order_items"].copy()
    broken.loc[1, ["order_id", "line_no"]] = broken.loc[0, ["order_id", "line_no"]].to_numpy()
    result, _ = _check(shop, shop_frames, "order_items", "duplicate_keys", broken)
    assert result.counts["duplicates: order_id, line_no"] == 1


def test_nulls_where_the_spec_forbids_them_and_null_shares_off_target(shop, shop_frames):
    broken = shop_frames["customers"].copy()
    broken.loc[3, "email"] = None
    broken["referrer"] = "someone"  # null_fraction 0.7, now none
    result, _ = _check(shop, shop_frames, "customers", "null_rates", broken)
    failing = {m.subject for m in result.measurements if not m.passed}
    assert failing == {"NOT NULL columns (4): nulls", "email: nulls", "referrer: null share"}
    assert result.samples[0]["row"] == 3


def test_a_check_that_cannot_run_is_an_error_not_a_pass(banking, bank):
    broken = bank["transactions"].copy()
    broken["transaction_date"] = broken["transaction_date"].dt.strftime("%Y-%m-%d").astype(object)
    result, _ = _check(banking, bank, "transactions", "temporal", broken)
    assert result.status == "ERROR" and not result.passed
    assert "not dates" in result.error
    assert result.failures() == [f"transactions_temporal: ERROR: {result.error}"]


def test_timestamps_keep_their_seconds_in_samples(shop, shop_frames):
    broken = shop_frames["orders"].copy()
    when = dt.datetime(2021, 1, 1, 12, 30, 5)
    broken.loc[0, "placed_at"] = when
    result, _ = _check(shop, shop_frames, "orders", "temporal", broken)
    assert result.samples[0]["placed_at"] == "2021-01-01T12:30:05"

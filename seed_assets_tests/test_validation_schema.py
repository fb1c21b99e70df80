"""Pandera schemas and Great Expectations suites built from the spec, run on real frames."""

from __future__ import annotations

import pandas as pd
import pytest

from seed_assets.engine.run import generate_all
from seed_assets.spec.graph import topological_order
from seed_assets.validation.gx_suite import build_expectations, gx_suite
from seed_assets.validation.inputs import TableData
from seed_assets.validation.pandera_schema import build_schema, pandera_schema


@pytest.fixture(scope="module")
def bank(banking):
    return generate_all(banking, scale=0.2)


@pytest.fixture(scope="module")
def shop_frames(shop):
    return generate_all(shop)


def _data(spec, frames, table, frame=None):
    return TableData(spec, table, frames[table] if frame is None else frame, frames, scale=0.2)


# -- Pandera ------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec_name", ["banking", "shop"])
def test_healthy_frames_match_their_pandera_schema(spec_name, request, bank, shop_frames):
    spec = request.getfixturevalue(spec_name)
    frames = bank if spec_name == "banking" else shop_frames
    for table in topological_order(spec):
        result = pandera_schema(_data(spec, frames, table))
        assert result.status == "PASS", (table, result.failures(), result.samples)
        assert result.counts["rules"] > len(spec.tables[table].columns)


def test_the_schema_comes_from_the_spec(banking, shop):
    schema = build_schema(banking, "transactions")
    assert set(schema.columns) == set(banking.tables["transactions"].columns)
    assert schema.strict is True
    assert str(schema.columns["amount"].dtype) == "float64"
    assert schema.columns["transaction_id"].unique
    checks = {str(c) for c in schema.columns["transaction_type"].checks}
    assert any("isin" in c for c in checks)
    orders = build_schema(shop, "orders")
    assert [c.name for c in orders.checks] == ["shipped_at >= placed_at"]
    items = build_schema(shop, "order_items")
    assert [c.name for c in items.checks] == ["unique(order_id, line_no)"]


def test_a_wrong_dtype_fails_the_pandera_schema(banking, bank):
    broken = bank["transactions"].copy()
    broken["amount"] = broken["amount"].map("{:.2f}".format).astype(object)
    result = pandera_schema(_data(banking, bank, "transactions", broken))
    assert result.status == "FAIL"
    failing = {m.subject for m in result.measurements if not m.passed}
    assert "amount: dtype('float64')" in failing
    assert any(s.get("check") == "dtype('float64')" for s in result.samples)


def test_values_outside_the_spec_fail_with_their_rows(banking, bank):
    broken = bank["customers"].copy()
    broken.loc[4, "segment"] = "vip"
    broken.loc[6, "registration_date"] = pd.Timestamp("2030-01-01")
    result = pandera_schema(_data(banking, bank, "customers", broken))
    failing = {m.subject.split(":")[0] for m in result.measurements if not m.passed}
    assert {"segment", "registration_date"} <= failing
    rows = {s["row"] for s in result.samples}
    assert {4, 6} <= rows


def test_a_same_row_rule_and_a_composite_key_fail_in_pandera(shop, shop_frames):
    orders = shop_frames["orders"].copy()
    orders.loc[0, "shipped_at"] = orders.loc[0, "placed_at"] - pd.Timedelta(hours=1)
    result = pandera_schema(_data(shop, shop_frames, "orders", orders))
    assert any("shipped_at >= placed_at" in m.subject for m in result.measurements if not m.passed)
    items = shop_frames["order_items"].copy()
    items.loc[1, ["order_id", "line_no"]] = items.loc[0, ["order_id", "line_no"]].to_numpy()
    result = pandera_schema(_data(shop, shop_frames, "order_items", items))
    assert any("unique(order_id, line_no)" in m.subject for m in result.measurements)
    assert not result.passed


# -- Great Expectations -------------------------------------------------------------------------


def test_healthy_banking_passes_its_gx_suites(banking, bank):
    for table in topological_order(banking):
        result = gx_suite(_data(banking, bank, table))
        assert result.status == "PASS", (table, result.failures())
        assert result.counts["expectations"] == len(build_expectations(banking, table, scale=0.2))


def test_the_suite_holds_the_relational_expectations(banking):
    subjects = [e.meta["subject"] for e in build_expectations(banking, "transactions", scale=1.0)]
    assert "account_id in accounts(account_id) (joined)" in subjects
    assert "transaction_date >= accounts.opened_date" in subjects
    assert "customer_id = accounts.customer_id via account_id" in subjects
    assert "is_fraud: rate" in subjects
    roots = [e.meta["subject"] for e in build_expectations(banking, "customers", scale=0.5)]
    assert "row count" in roots  # 1000 rows x 0.5


def test_gx_fails_on_relational_damage_after_the_join(banking, bank):
    broken = bank["transactions"].copy()
    owner = broken.loc[1, "customer_id"]
    broken.loc[1, "customer_id"] = next(c for c in bank["customers"]["customer_id"] if c != owner)
    broken.loc[2, "transaction_date"] = pd.Timestamp("2019-01-01")
    broken.loc[3, "account_id"] = "ACC99999999"
    result = gx_suite(_data(banking, bank, "transactions", broken))
    assert result.status == "FAIL"
    failing = {m.subject: m.value for m in result.measurements if not m.passed}
    assert failing == {
        "customer_id = accounts.customer_id via account_id": 1,
        "transaction_date >= accounts.opened_date": 1,
        "account_id in accounts(account_id) (joined)": 1,
    }
    assert {s["row"] for s in result.samples} == {1, 2, 3}


def test_gx_flags_a_composite_orphan(shop, shop_frames):
    broken = shop_frames["shipments"].copy()
    broken.loc[0, "line_no"] = 99
    result = gx_suite(_data(shop, shop_frames, "shipments", broken))
    failing = {m.subject for m in result.measurements if not m.passed}
    assert "line_no in order_items(order_id, line_no) (joined)" in failing


def test_an_expectation_that_errors_fails_the_check_loudly(banking, bank):
    """A column the engine cannot evaluate is ERROR, never PASS, never a quiet data failure."""
    broken = bank["transactions"].copy()
    broken["amount"] = broken["amount"].map("{:.2f}".format).astype(object)
    result = gx_suite(_data(banking, bank, "transactions", broken))
    assert result.status == "ERROR" and not result.passed
    assert "amount: range" in result.error
    assert "raised instead of evaluating" in result.error
    assert result.counts["errored"] >= 1
    assert [m.figure for m in result.measurements if m.subject == "amount: range"] == ["ERROR"]


def test_a_missing_column_errors_in_gx(banking, bank):
    broken = bank["transactions"].drop(columns=["amount"])
    result = gx_suite(_data(banking, bank, "transactions", broken))
    assert result.status == "ERROR"
    assert "amount" in result.error
    columns = next(m for m in result.measurements if m.subject == "columns of the spec present")
    assert columns.figure == "missing: amount" and not columns.passed

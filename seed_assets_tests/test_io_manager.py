"""The public API in a user's own Definitions: validated tables as inputs (pandas, PyArrow, a
chunked reader), refused when their latest blocking checks failed or the report is not approved;
the approval guard for a user's own asset."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa
import pytest

from seed_assets.api import (
    GENERATION_KEY,
    TABLE_IO_MANAGER_KEY,
    TARGET_KEY,
    SeedTable,
    load_spec,
    require_approved,
    seed_definitions,
)
from seed_assets.assets.tables import build_table_assets
from seed_assets.reports.report import load_report, report_paths
from seed_assets_tests.conftest import SHOP

SEEN: dict[str, object] = {}


@dg.asset(ins={"customers": dg.AssetIn(metadata={"columns": ["customer_id", "email"]})})
def customer_emails(customers: pd.DataFrame) -> dg.MaterializeResult:
    SEEN["customers"] = customers
    return dg.MaterializeResult(metadata={"rows": len(customers)})


@dg.asset
def product_table(products: pa.Table) -> None:
    SEEN["products"] = products


@dg.asset
def order_chunks(orders: SeedTable) -> None:
    SEEN["orders"] = [len(f) for f in orders.frames(100)]
    SEEN["orders_count"] = orders.count()


USER_ASSETS = [customer_emails, product_table, order_chunks]


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def _merged(url: str) -> dg.Definitions:
    return dg.Definitions.merge(
        seed_definitions(SHOP, target_url=url, jobs=False),
        dg.Definitions(assets=USER_ASSETS),
    )


def _materialize(defs: dg.Definitions, selection: list[str], raise_on_error: bool = True):
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        asset_selection=[dg.AssetKey(name) for name in selection], raise_on_error=raise_on_error
    )


@pytest.fixture(scope="module")
def shop_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("shop")
    db = folder / "shop.sqlite"
    defs = _merged(f"sqlite:///{db}")
    spec = load_spec(SHOP)
    result = _materialize(defs, list(spec.tables))
    assert result.success
    return db


def test_resources_are_under_their_documented_keys(tmp_path):
    defs = seed_definitions(SHOP, target_url=f"sqlite:///{tmp_path / 's.sqlite'}")
    assert set(defs.resources) == {TARGET_KEY, GENERATION_KEY, TABLE_IO_MANAGER_KEY}
    assert defs.resources[TARGET_KEY].url.endswith("s.sqlite")
    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert set(load_spec(SHOP).tables) <= keys


def test_inputs_arrive_validated_in_the_form_they_ask_for(shop_db):
    defs = _merged(f"sqlite:///{shop_db}")
    SEEN.clear()
    result = _materialize(defs, ["customer_emails", "product_table", "order_chunks"])
    assert result.success
    customers = SEEN["customers"]
    assert isinstance(customers, pd.DataFrame)
    assert list(customers.columns) == ["customer_id", "email"]
    assert len(customers) == _count(shop_db, "customers")
    products = SEEN["products"]
    assert isinstance(products, pa.Table) and products.num_rows == _count(shop_db, "products")
    orders = _count(shop_db, "orders")
    assert SEEN["orders_count"] == orders
    assert sum(SEEN["orders"]) == orders and max(SEEN["orders"]) == 100
    assert len(SEEN["orders"]) == -(-orders // 100)


def test_a_table_whose_latest_checks_failed_is_refused_saying_which(tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    spec = load_spec(SHOP)
    assert _materialize(_merged(url), list(spec.tables)).success

    def duplicate_email(name, frame):
        if name == "customers":
            frame = frame.copy()
            frame.loc[1, "email"] = frame.loc[0, "email"]
        return frame

    broken = dg.materialize(
        build_table_assets(spec, frame_hook=duplicate_email),
        selection=["customers"],
        resources=seed_definitions(SHOP, target_url=url).resources,
        raise_on_error=False,
    )
    assert not broken.success
    failed = [e.asset_check_key.name for e in broken.get_asset_check_evaluations() if not e.passed]
    assert failed

    result = _materialize(_merged(url), ["customer_emails"], raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.message
    assert "the latest blocking checks of customers failed" in message
    assert all(name in message for name in failed)

    # Another table of the same database: not refused for its own checks, but the report is not
    # approved any more, and the message says so.
    other = _materialize(_merged(url), ["product_table"], raise_on_error=False)
    assert not other.success
    message = next(
        e for e in other.all_events if e.event_type_value == "STEP_FAILURE"
    ).event_specific_data.error.message
    assert "is not approved" in message and "customers failed" in message

    with pytest.raises(dg.Failure, match="the latest blocking checks of customers failed"):
        require_approved(SHOP, url, ["customers"])
    report = load_report(report_paths(url, "shop"))
    assert report is not None and not report["approved"]


def test_the_guard_passes_an_approved_database(shop_db):
    report = require_approved(SHOP, f"sqlite:///{shop_db}")
    assert report["approved"] and report["spec"] == "shop"

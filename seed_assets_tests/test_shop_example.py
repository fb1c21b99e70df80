"""The second shipped example, an online shop: it loads beside banking in one code location,
materialises through Dagster with every blocking check passing, and shows what banking does
not (a category tree, a timestamp chain, per-order line numbers, heavy tails, rare refunds)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from dagster import AssetKey, materialize

from seed_assets.assets import build_table_assets
from seed_assets.definitions import build_definitions, spec_paths
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.sources.files import load_spec
from seed_assets_tests.conftest import ROOT

EXAMPLES = ROOT / "seed_assets" / "examples"
SHOP = EXAMPLES / "shop.yaml"


@pytest.fixture(scope="module")
def shop():
    return load_spec(SHOP)


@pytest.fixture(scope="module")
def materialised(shop, tmp_path_factory):
    folder = tmp_path_factory.mktemp("shop")
    url = f"sqlite:///{folder / 'shop.sqlite'}"
    result = materialize(
        build_table_assets(shop),
        resources={"target": TargetResource(url=url), "generation": GenerationResource()},
        raise_on_error=False,
    )
    return result, folder


def test_both_examples_load_in_one_code_location():
    specs = [load_spec(p) for p in spec_paths(str(EXAMPLES))]
    assert {s.name for s in specs} == {"banking", "shop"}
    defs = build_definitions(specs)
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"customers", "fraud_model", "shop/customers", "shop/reviews"} <= keys
    assert graph.get(AssetKey(["shop", "orders"])).parent_keys == {AssetKey(["shop", "customers"])}
    assert graph.get(AssetKey(["shop", "reviews"])).parent_keys == {
        AssetKey(["shop", "order_items"])
    }
    # The tree's self-reference is no dependency; the reference FK to products is one.
    assert graph.get(AssetKey(["shop", "categories"])).parent_keys == set()
    assert graph.get(AssetKey(["shop", "order_items"])).parent_keys == {
        AssetKey(["shop", "orders"]),
        AssetKey(["shop", "products"]),
    }
    assert {"generate_banking", "generate_shop"} <= {j.name for j in defs.resolve_all_job_defs()}


def test_every_check_passes_and_the_report_approves(shop, materialised):
    result, folder = materialised
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) >= 5 * len(shop.tables)
    assert [e.asset_check_key.name for e in evaluations if not e.passed] == []
    report = json.loads((folder / "shop.report.json").read_text())
    assert report["approved"] and list(report["tables"]) == list(
        ["categories", "customers", "products", "orders", "order_items", "refunds", "reviews"]
    )
    assert (folder / "shop.report.html").is_file()


def _rows(folder, query: str) -> list[tuple]:
    with sqlite3.connect(folder / "shop.sqlite") as conn:
        return conn.execute(query).fetchall()


def test_the_category_tree_has_roots_and_no_cycles(materialised):
    _, folder = materialised
    parent = dict(_rows(folder, "SELECT category_id, parent_id FROM categories"))
    roots = [c for c, p in parent.items() if p is None]
    assert 3 <= len(roots) < len(parent)
    for category in parent:
        seen = set()
        while category is not None:
            assert category not in seen, "a cycle in the tree"
            seen.add(category)
            category = parent[category]


def test_timestamps_follow_each_other_across_tables_and_within_a_row(materialised):
    _, folder = materialised
    [(early_orders, unshipped, early_refunds)] = _rows(
        folder,
        """SELECT
             (SELECT COUNT(*) FROM orders o JOIN customers c USING (customer_id)
               WHERE o.placed_at < c.signed_up_at),
             (SELECT COUNT(*) FROM orders WHERE shipped_at < placed_at),
             (SELECT COUNT(*) FROM refunds r JOIN orders o USING (order_id)
               WHERE r.refunded_at < o.shipped_at)""",
    )
    assert (early_orders, unshipped, early_refunds) == (0, 0, 0)
    [(same_day,)] = _rows(
        folder, "SELECT AVG(julianday(shipped_at) - julianday(placed_at) < 4.001) FROM orders"
    )
    assert same_day == 1.0  # uniform(0.05, 4) days


def test_order_lines_are_numbered_per_order_and_lines_are_heavy_tailed(materialised):
    _, folder = materialised
    lines = _rows(
        folder, "SELECT COUNT(*), MIN(line_no), MAX(line_no) FROM order_items GROUP BY order_id"
    )
    assert all(low == 1 and high == count for count, low, high in lines)
    counts = sorted(c for c, _, _ in lines)
    assert counts[len(counts) // 2] == 1 and counts[-1] >= 10  # Zipf: most one line, a few many


def test_orders_per_customer_are_overdispersed_and_refunds_rare(materialised):
    _, folder = materialised
    per_customer = [
        n
        for (n,) in _rows(
            folder,
            "SELECT COUNT(o.order_id) FROM customers c LEFT JOIN orders o USING (customer_id) "
            "GROUP BY c.customer_id",
        )
    ]
    mean = sum(per_customer) / len(per_customer)
    variance = sum((n - mean) ** 2 for n in per_customer) / len(per_customer)
    assert 2.5 < mean < 3.5 and variance > 2 * mean  # negative binomial, not Poisson
    assert per_customer.count(0) > 0
    [(refunded,)] = _rows(
        folder, "SELECT COUNT(DISTINCT order_id) * 1.0 / (SELECT COUNT(*) FROM orders) FROM refunds"
    )
    assert 0.015 < refunded < 0.05

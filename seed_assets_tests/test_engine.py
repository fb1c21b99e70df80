"""The engine: integrity by construction, distributions not constants, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seed_assets.engine.cardinality import draw_counts
from seed_assets.engine.keys import format_ids, within_parent_positions
from seed_assets.engine.rng import stream
from seed_assets.engine.run import generate_all
from seed_assets.engine.table import TableGenerator, canonical_parent
from seed_assets.providers.faker_pool import build_pool, unique_values
from seed_assets.spec.loader import spec_from_dict
from seed_assets_tests.integrity import orphans, temporal_violations


@pytest.fixture(scope="module")
def banking_tables(banking):
    return generate_all(banking, scale=2)


@pytest.fixture(scope="module")
def shop_tables(shop):
    return generate_all(shop)


def test_banking_has_zero_orphans(banking, banking_tables):
    assert orphans(banking, banking_tables) == {
        "accounts.customer_id": 0,
        "transactions.account_id": 0,
        "transactions.customer_id": 0,
        "invoices.transaction_id": 0,
        "invoices.account_id": 0,
    }


def test_banking_temporal_rules_hold(banking, banking_tables):
    assert temporal_violations(banking, banking_tables) == {
        "accounts.opened_date": 0,
        "transactions.transaction_date": 0,
        "invoices.issued_date": 0,
    }


def test_bounds_hold(banking_tables):
    customers = banking_tables["customers"]
    assert customers["registration_date"].min() >= pd.Timestamp("2020-01-01")
    assert customers["registration_date"].max() <= pd.Timestamp("2026-01-01")
    assert banking_tables["accounts"]["opened_date"].max() <= pd.Timestamp("2026-01-01")
    assert banking_tables["transactions"]["transaction_date"].max() <= pd.Timestamp("2026-03-01")
    assert banking_tables["transactions"]["amount"].min() >= 0.01


def test_denormalised_fk_agrees_with_its_path(banking_tables):
    txn = banking_tables["transactions"]
    owner = banking_tables["accounts"].set_index("account_id")["customer_id"]
    assert (txn["customer_id"].to_numpy() == owner.loc[txn["account_id"]].to_numpy()).all()
    inv = banking_tables["invoices"]
    account_of = txn.set_index("transaction_id")["account_id"]
    assert (inv["account_id"].to_numpy() == account_of.loc[inv["transaction_id"]].to_numpy()).all()


def test_row_counts_follow_scale_and_cardinality(banking, banking_tables):
    assert len(banking_tables["customers"]) == 2000
    per_customer = banking_tables["accounts"].groupby("customer_id").size()
    assert per_customer.min() >= 1  # poisson(1.8, min=1)
    assert len(per_customer) == 2000  # every customer has an account
    target = banking.tables["accounts"].driving_fk.cardinality.expected_mean()
    assert per_customer.mean() == pytest.approx(target, rel=0.05)


def test_children_per_parent_is_a_distribution_not_a_constant(banking_tables):
    per_account = banking_tables["transactions"].groupby("account_id").size()
    assert per_account.mean() == pytest.approx(15, rel=0.05)
    # Poisson: variance close to the mean, many distinct counts, never "exactly 15".
    assert per_account.var() == pytest.approx(15, rel=0.2)
    assert per_account.nunique() > 10
    assert (per_account == 15).mean() < 0.2


@pytest.mark.parametrize(
    "text",
    ["poisson(15, min=1)", "uniform(0, 10)", "fixed(4)", "negbinom(6, 1.2)", "bernoulli(0.3)"],
)
def test_drawn_counts_match_the_expected_mean(text):
    from pydantic import TypeAdapter

    from seed_assets.spec.distributions import Cardinality

    dist = TypeAdapter(Cardinality).validate_python(text)
    counts = draw_counts(dist, 200_000, stream(1, "t", 0, "counts"))
    assert counts.mean() == pytest.approx(dist.expected_mean(), rel=0.02)
    assert counts.min() >= dist.min


def test_zipf_counts_are_heavy_tailed_and_bounded():
    from seed_assets.spec.distributions import ZipfCount

    counts = draw_counts(ZipfCount(a=2.0, max=500), 100_000, stream(3, "t", 0, "counts"))
    assert counts.min() >= 1 and counts.max() <= 500
    assert (counts == 1).mean() == pytest.approx(1 / sum(k**-2.0 for k in range(1, 501)), rel=0.05)
    assert counts.max() > 100  # the tail is there
    assert counts.mean() == pytest.approx(ZipfCount(a=2.0, max=500).expected_mean(), rel=0.1)


def test_rare_event_rate(banking_tables):
    fraud = banking_tables["transactions"]["is_fraud"]
    assert fraud.dtype == bool
    assert fraud.mean() == pytest.approx(0.008, abs=0.002)


def test_choice_probabilities(banking_tables):
    share = banking_tables["customers"]["segment"].value_counts(normalize=True)
    assert share["retail"] == pytest.approx(0.6, abs=0.04)
    assert share["sme"] == pytest.approx(0.3, abs=0.04)
    assert share["enterprise"] == pytest.approx(0.1, abs=0.03)


def test_keys_are_unique_and_formatted(banking_tables):
    for table, key, prefix in [
        ("customers", "customer_id", "CUST"),
        ("accounts", "account_id", "ACC"),
        ("transactions", "transaction_id", "TXN"),
    ]:
        ids = banking_tables[table][key]
        assert ids.is_unique
        assert ids.str.startswith(prefix).all()
    assert banking_tables["customers"]["customer_id"].iloc[0] == "CUST000001"
    assert banking_tables["customers"]["email"].is_unique


def test_same_seed_same_data_other_seed_other_data(banking):
    first, again = generate_all(banking), generate_all(banking)
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name])
    other = generate_all(banking, seed=banking.seed + 1)
    assert not first["customers"]["name"].equals(other["customers"]["name"])


def test_exact_values_for_a_fixed_seed(banking):
    """Pins the generated data: a change here changes every user's database for their seed."""
    tables = generate_all(banking)
    assert {name: len(frame) for name, frame in tables.items()} == {
        "customers": 1000,
        "accounts": 1983,
        "transactions": 29658,
        "invoices": 9012,
    }
    first = tables["accounts"].iloc[0]
    assert (first["account_id"], first["customer_id"]) == ("ACC00000001", "CUST000001")
    assert str(first["opened_date"].date()) == "2025-10-25"
    assert first["balance"] == 20025.5
    # Changed on purpose with stratified draws (engine/rng.stratified): quantile amounts.
    assert round(tables["transactions"]["amount"].sum(), 2) == pytest.approx(28142645.12, abs=0.01)


def test_any_chunk_can_be_made_alone(shop):
    """Chunks draw from their own streams: one chunk alone equals that chunk of a full run."""
    full = generate_all(shop)
    parents = {"customers": full["customers"]}
    generator = TableGenerator(shop, "orders", parents)
    assert len(generator.chunks) > 3  # shop.yaml sets chunk_rows: 50 on 300 customers
    third = generator.chunks[3]
    alone = TableGenerator(shop, "orders", parents).chunk_frame(third)
    expected = full["orders"].iloc[third.row_start : third.row_start + third.rows]
    pd.testing.assert_frame_equal(alone, expected.reset_index(drop=True))


def test_parent_order_does_not_matter(shop):
    """Parents read back from a database may come in any order: output is the same."""
    full = generate_all(shop)
    shuffled = full["customers"].sample(frac=1, random_state=3)
    from_shuffled = TableGenerator(shop, "orders", {"customers": shuffled}).frame()
    pd.testing.assert_frame_equal(from_shuffled, full["orders"])


def test_shop_integrity(shop, shop_tables):
    assert set(orphans(shop, shop_tables).values()) == {0}
    assert set(temporal_violations(shop, shop_tables).values()) == {0}


def test_self_reference_forms_a_forest(shop_tables):
    categories = shop_tables["categories"]
    parent_of = dict(zip(categories["category_id"], categories["parent_id"], strict=True))
    roots = categories["parent_id"].isna()
    assert roots.iloc[0] and 0 < roots.mean() < 1
    for start in categories["category_id"]:  # every chain ends at a root: no cycles
        seen, node = set(), start
        while not pd.isna(node):
            assert node not in seen
            seen.add(node)
            node = parent_of[node]


def test_composite_key_numbered_per_parent(shop_tables):
    items = shop_tables["order_items"]
    assert not items.duplicated(["order_id", "line_no"]).any()
    lines = items.groupby("order_id")["line_no"]
    assert (lines.min() == 1).all()
    assert (lines.max() == lines.size()).all()  # 1..k with no gaps
    assert lines.size().min() >= 1 and lines.size().max() <= 6


def test_composite_fk_copies_whole_parent_tuples(shop_tables):
    items = set(map(tuple, shop_tables["order_items"][["order_id", "line_no"]].to_numpy()))
    shipped = map(tuple, shop_tables["shipments"][["order_id", "line_no"]].to_numpy())
    assert all(pair in items for pair in shipped)


def test_nulls_and_unique_numbers(shop_tables):
    referrer = shop_tables["customers"]["referrer"]
    assert referrer.isna().mean() == pytest.approx(0.7, abs=0.08)
    barcode = shop_tables["products"]["barcode"]
    assert barcode.is_unique and barcode.between(1_000_000, 9_999_999).all()
    assert shop_tables["orders"]["gift"].dtype == bool


def test_within_row_temporal_rule(shop_tables):
    orders = shop_tables["orders"]
    gap = (orders["shipped_at"] - orders["placed_at"]).dt.total_seconds() / 86_400
    assert gap.min() >= 0.1 - 1e-6 and gap.max() <= 5


def test_unique_faker_values_beyond_the_pool(shop_tables):
    emails = shop_tables["customers"]["email"]  # pool_size: 50 for 300 rows
    assert emails.is_unique
    assert emails.str.fullmatch(r"[^@\s]+@[^@\s]+").all()
    assert emails.str.contains(r"\+\d+@").sum() == 250


def test_uniqueness_at_a_million_values():
    pool = build_pool("email", {}, "en_US", 2_000, seed=5, distinct=True)
    values = unique_values(pool, np.arange(1_000_000))
    assert len(values) == 1_000_000
    assert pd.Series(values).is_unique


def test_format_ids_and_positions():
    assert list(format_ids("CUST{:06d}", np.array([1, 42]))) == ["CUST000001", "CUST000042"]
    assert list(format_ids("{:>4}", np.array([7]))) == ["   7"]  # the general path
    assert list(within_parent_positions(np.array([3, 0, 2]))) == [0, 1, 2, 0, 1]


def test_canonical_parent_sorts_by_primary_key(shop):
    frame = pd.DataFrame({"customer_id": [3, 1, 2], "signed_up_at": pd.to_datetime(["2024"] * 3)})
    assert list(canonical_parent(frame, shop.tables["customers"])["customer_id"]) == [1, 2, 3]


def test_missing_parent_rows_is_a_clear_error(banking):
    with pytest.raises(ValueError, match="generating accounts needs the rows of customers"):
        TableGenerator(banking, "accounts", {})


def test_unique_column_that_runs_out_names_table_and_column():
    from seed_assets.errors import SpecError

    spec = spec_from_dict(
        {
            "name": "tiny",
            "tables": {
                "a": {
                    "rows": 3,
                    "primary_key": "id",
                    "columns": {"id": {"type": "integer", "sequence": True}},
                },
                "b": {
                    "primary_key": "code",
                    "columns": {
                        "code": {"type": "string", "choice": ["x", "y"], "unique": True},
                        "a_id": {"type": "integer"},
                    },
                    "foreign_keys": [
                        {"columns": "a_id", "references": "a(id)", "cardinality": "fixed(2)"}
                    ],
                },
            },
        }
    )
    with pytest.raises(SpecError) as info:
        generate_all(spec)
    assert (info.value.table, info.value.column) == ("b", "code")
    assert "needs 6 distinct values" in str(info.value)

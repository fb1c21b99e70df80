"""What the code location declares for validation: blocking checks per table, the whole-graph
job, and its nightly schedule (off until someone turns it on)."""

from __future__ import annotations

from dagster import AssetKey, DefaultScheduleStatus

from seed_assets.assets import build_table_assets
from seed_assets.assets.checks import build_check_specs
from seed_assets.definitions import ALL_JOB, build_definitions
from seed_assets.validation.rules import RULES


def test_every_table_declares_blocking_checks_named_table_rule(banking):
    for asset in build_table_assets(banking):
        table = asset.key.to_user_string()
        specs = list(asset.check_specs)
        assert specs, table
        assert all(s.blocking for s in specs)
        assert all(s.asset_key == asset.key for s in specs)
        names = [s.name for s in specs]
        assert all(
            n.startswith(f"{table}_") and n.removeprefix(f"{table}_") in {r.name for r in RULES}
            for n in names
        )
    transactions = {
        s.name for s in build_check_specs(banking, "transactions", AssetKey("transactions"))
    }
    assert transactions == {
        "transactions_orphan_fks",
        "transactions_denormalised_fks",
        "transactions_temporal",
        "transactions_cardinality",
        "transactions_rare_events",
        "transactions_relations",  # the fraud mechanism, conditional types, derived amounts
        "transactions_duplicate_keys",
        "transactions_null_rates",
        "transactions_pandera_schema",
        "transactions_gx_suite",
    }
    customers = {s.name for s in build_check_specs(banking, "customers", AssetKey("customers"))}
    assert "customers_orphan_fks" not in customers and "customers_cardinality" not in customers


def test_the_whole_graph_job_and_its_nightly_schedule(banking):
    defs = build_definitions([banking])
    job = defs.resolve_job_def(ALL_JOB)
    keys = {k.to_user_string() for k in job.asset_layer.selected_asset_keys}
    assert keys == {*banking.tables, "customer_features", "fraud_model"}
    checks = {k.name for k in job.asset_layer.asset_graph.asset_check_keys}
    assert "transactions_gx_suite" in checks and "invoices_orphan_fks" in checks
    schedule = defs.resolve_schedule_def(f"{ALL_JOB}_nightly")
    assert schedule.job_name == ALL_JOB
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.default_status == DefaultScheduleStatus.STOPPED


def test_ml_assets_follow_the_spec_prefix(banking):
    prefixed = banking.model_copy(update={"asset_prefix": "bank"})
    defs = build_definitions([prefixed])
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"bank/customer_features", "bank/fraud_model", "bank/transactions"} <= keys

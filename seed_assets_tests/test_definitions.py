"""The Dagster adapter: one asset per table, deps = FK edges, same rows however it runs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from dagster import AssetKey, DagsterInstance, materialize
from typer.testing import CliRunner

from seed_assets.assets import build_table_assets
from seed_assets.cli import app
from seed_assets.definitions import build_definitions, spec_paths
from seed_assets.errors import SpecError
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.spec.graph import parents
from seed_assets_tests.conftest import BANKING, SHOP
from seed_assets_tests.dbcompare import assert_same_tables, read_all
from seed_assets_tests.instances import materialize_with_cli


def _deps(assets_def) -> set[str]:
    (key,) = assets_def.keys
    return {k.to_user_string() for k in assets_def.asset_deps[key]}


@pytest.mark.parametrize("fixture", ["banking", "shop"])
def test_asset_keys_and_deps_equal_the_fk_edges(fixture, request):
    spec = request.getfixturevalue(fixture)
    assets = {a.key.to_user_string(): a for a in build_table_assets(spec)}
    assert set(assets) == set(spec.tables)
    for name, asset in assets.items():
        assert _deps(asset) == set(parents(spec, name)), name
        assert asset.group_names_by_key[asset.key] == spec.name


def test_banking_graph_is_the_tutorials(banking):
    deps = {a.key.to_user_string(): _deps(a) for a in build_table_assets(banking)}
    assert deps == {
        "customers": set(),
        "accounts": {"customers"},
        "transactions": {"accounts", "customers"},
        "invoices": {"transactions", "accounts"},
    }


def test_assets_carry_description_and_columns(banking):
    (accounts,) = [a for a in build_table_assets(banking) if a.key == AssetKey("accounts")]
    spec = accounts.specs_by_key[accounts.key]
    assert "Poisson(1.8)" in spec.description and "poisson (mean 1.97)" in spec.description
    schema = spec.metadata["dagster/column_schema"]
    assert [c.name for c in schema.columns] == list(banking.tables["accounts"].columns)
    described = {c.name: c.description for c in schema.columns}
    # What the values are, from the spec, not the bare name of their source.
    assert described["customer_id"] == (
        "references customers.customer_id, poisson(1.8, min=1) per customers row"
    )
    assert described["opened_date"] == "after customers.registration_date, until 2026-01-01"
    assert described["account_type"] == "one of savings 50%, current 35%, loan 15%"
    assert described["balance"].startswith("lognormal(10, 1.2), rounded to 2 places; ")
    assert "by account_type: loan: lognormal(11.5, 0.8)" in described["balance"]
    (invoices,) = [a for a in build_table_assets(banking) if a.key == AssetKey("invoices")]
    issued = next(
        c
        for c in invoices.specs_by_key[invoices.key].metadata["dagster/column_schema"].columns
        if c.name == "issued_date"
    )
    assert issued.description == (
        "after transactions.transaction_date, gap exponential(10) days, until 2026-04-30"
    )


def test_definitions_module_loads_the_example_and_a_job():
    from seed_assets.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    tables = {"customers", "accounts", "transactions", "invoices"}
    assert keys == tables | {"customer_features", "fraud_model"}
    assert defs.resolve_job_def("generate_banking") is not None


def test_spec_paths_from_the_setting(tmp_path):
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "a.yaml").write_text("x")
    (folder / "notes.txt").write_text("x")
    assert spec_paths(None)[0].name == "banking.yaml"
    assert spec_paths(f"{folder}{os.pathsep}{BANKING}") == [folder / "a.yaml", BANKING]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SpecError, match="names no spec files"):
        spec_paths(str(empty))


def test_users_point_the_code_location_at_their_own_specs(tmp_path):
    """SEED_ASSETS_SPECS, not code edits, chooses the specs: checked in a fresh interpreter."""
    # Both specs have a `customers` table: the second gets an asset_prefix.
    prefixed = tmp_path / "shop.yaml"
    prefixed.write_text(f"asset_prefix: shop\n{SHOP.read_text()}")
    env = {**os.environ, "SEED_ASSETS_SPECS": f"{prefixed}{os.pathsep}{BANKING}"}
    code = (
        "from seed_assets.definitions import defs;"
        "g = defs.resolve_asset_graph();"
        "print(sorted(k.to_user_string() for k in g.get_all_asset_keys()))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    keys = eval(out.stdout.strip().splitlines()[-1])
    assert "shop/categories" in keys and "shop/customers" in keys and "customers" in keys
    assert len(keys) == 12  # 6 + 4 tables, and the 2 ML assets


def test_two_specs_with_one_table_name_are_refused(banking):
    with pytest.raises(SpecError, match=r"table 'customers' is defined by both.*asset_prefix"):
        build_definitions([banking, banking])


def test_materialize_writes_a_referentially_intact_database(banking, sqlite_url):
    result = materialize(
        build_table_assets(banking),
        resources={"target": TargetResource(url=sqlite_url), "generation": GenerationResource()},
    )
    assert result.success
    rows = {
        e.asset_key.to_user_string(): e.materialization.metadata["dagster/row_count"].value
        for e in result.get_asset_materialization_events()
    }
    assert rows == {"customers": 1000, "accounts": 1983, "transactions": 29658, "invoices": 9012}
    import sqlite3

    db = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    orphans = db.execute(
        "SELECT COUNT(*) FROM transactions t LEFT JOIN accounts a USING (account_id) "
        "WHERE a.account_id IS NULL"
    ).fetchone()
    assert orphans == (0,)
    early = db.execute(
        "SELECT COUNT(*) FROM transactions t JOIN accounts a USING (account_id) "
        "WHERE t.transaction_date < a.opened_date"
    ).fetchone()
    assert early == (0,)
    # The tutorial's feature query works on it.
    features = db.execute(
        "SELECT c.customer_id, COUNT(DISTINCT a.account_id), COUNT(t.transaction_id) "
        "FROM customers c JOIN accounts a ON c.customer_id = a.customer_id "
        "JOIN transactions t ON a.account_id = t.account_id GROUP BY c.customer_id"
    ).fetchall()
    assert len(features) == 1000


def test_a_child_before_its_parents_fails_clearly(banking, sqlite_url):
    accounts = [a for a in build_table_assets(banking) if a.key == AssetKey("accounts")]
    result = materialize(
        accounts,
        resources={"target": TargetResource(url=sqlite_url), "generation": GenerationResource()},
        raise_on_error=False,
    )
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error
    assert "accounts needs the rows of customers" in failure.message
    assert "materialise customers first" in failure.message


def test_same_rows_from_cli_in_process_and_multiprocess(shop, tmp_path):
    """One seed, three ways to run it (CLI, in-process, multiprocess executor): one database."""
    cli_url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    result = CliRunner().invoke(app, ["generate", str(SHOP), "--target", cli_url])
    assert result.exit_code == 0, result.output

    in_process_url = f"sqlite:///{tmp_path / 'in_process.sqlite'}"
    materialized = materialize(
        build_table_assets(shop),
        resources={
            "target": TargetResource(url=in_process_url),
            "generation": GenerationResource(),
        },
    )
    assert materialized.success

    multi_url = f"sqlite:///{tmp_path / 'multi.sqlite'}"
    run = materialize_with_cli(tmp_path, str(SHOP), multi_url)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Executing steps using multiprocess executor" in run.stderr
    assert run.stderr.count("Launching subprocess for") == len(shop.tables)
    # The run is recorded in the instance, as `dagster dev` would show it.
    home = tmp_path / "dagster_home"  # where materialize_with_cli keeps the instance
    with DagsterInstance.from_config(str(home)) as instance:
        assert len(instance.get_runs()) == 1

    cli = read_all(shop, cli_url)
    assert_same_tables(cli, read_all(shop, in_process_url))
    assert_same_tables(cli, read_all(shop, multi_url))

"""The gate, end to end through Dagster: deliberately broken data fails the right blocking check,
is never written, and keeps the ML assets from running; healthy data passes every check."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dagster import materialize

from seed_assets.assets import build_ml_assets, build_table_assets
from seed_assets.assets.checks import build_check_specs
from seed_assets.assets.tables import table_key
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.sources.files import load_spec

GATE = Path(__file__).parent / "specs" / "bank_gate.yaml"
PARENTS = ["customers", "accounts", "statements"]
BELOW = ["transactions", "statement_lines", "customer_features", "fraud_model"]


@pytest.fixture(scope="module")
def gate():
    return load_spec(GATE)


def _assets(spec, hook=None):
    return [*build_table_assets(spec, frame_hook=hook), *build_ml_assets(spec)]


def _resources(url: str) -> dict:
    return {"target": TargetResource(url=url), "generation": GenerationResource()}


def _materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def _evaluations(result) -> dict:
    return {e.asset_check_key.name: e for e in result.get_asset_check_evaluations()}


def _tables(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


@pytest.fixture(scope="module")
def parents_db(gate, tmp_path_factory) -> Path:
    """customers, accounts and statements, approved and written once for all failure tests."""
    folder = tmp_path_factory.mktemp("parents")
    url = f"sqlite:///{folder / 'bank.sqlite'}"
    result = materialize(_assets(gate), selection=PARENTS, resources=_resources(url))
    assert _materialized(result) == set(PARENTS)
    return folder


@pytest.fixture(scope="module")
def healthy(gate, tmp_path_factory):
    folder = tmp_path_factory.mktemp("healthy")
    url = f"sqlite:///{folder / 'bank.sqlite'}"
    result = materialize(_assets(gate), resources=_resources(url), raise_on_error=False)
    return result, folder


def _copy(folder: Path, to: Path) -> Path:
    for item in folder.iterdir():
        if item.is_file():
            shutil.copy(item, to / item.name)
    return to / "bank.sqlite"


# -- the failure modes --------------------------------------------------------------------------


def _orphan(frame):
    frame.loc[5, "account_id"] = "ACC99999999"
    return frame


def _before_parent(frame):
    frame.loc[[8, 9], "transaction_date"] = pd.Timestamp("2019-01-01")
    return frame


def _disagreeing_copy(frame):
    owner = frame.loc[12, "customer_id"]
    frame.loc[12, "customer_id"] = "CUST000001" if owner != "CUST000001" else "CUST000002"
    return frame


def _fraud_burst(frame):
    frame["is_fraud"] = np.arange(len(frame)) % 8 == 0  # 12.5%, bounds [0.5%, 2%]
    return frame


def _constant_children(frame):
    firsts = frame.drop_duplicates("account_id")
    out = firsts.loc[firsts.index.repeat(15)].reset_index(drop=True)
    out["transaction_id"] = [f"TXN{i:010d}" for i in range(1, len(out) + 1)]
    out["is_fraud"] = np.arange(len(out)) % 100 == 0
    return out


def _duplicate_key(frame):
    frame.loc[3, "transaction_id"] = frame.loc[2, "transaction_id"]
    return frame


def _wrong_dtype(frame):
    frame["amount"] = frame["amount"].map("{:.2f}".format).astype(object)
    return frame


def _composite_orphan(frame):
    frame.loc[0, "statement_no"] = 99
    return frame


MODES = {
    # mode: (table, damage, failing checks, (check, metadata key, value))
    "orphan_fk": (
        "transactions",
        _orphan,
        {"transactions_orphan_fks", "transactions_gx_suite"},
        ("transactions_orphan_fks", "orphans: account_id -> accounts", 1),
    ),
    "composite_fk_orphan": (
        "statement_lines",
        _composite_orphan,
        {"statement_lines_orphan_fks", "statement_lines_gx_suite"},
        ("statement_lines_orphan_fks", "orphans: account_id,statement_no -> statements", 1),
    ),
    "child_before_parent": (
        "transactions",
        _before_parent,
        {"transactions_temporal", "transactions_gx_suite"},
        ("transactions_temporal", "violations: transaction_date", 2),
    ),
    "denormalised_fk_disagrees": (
        "transactions",
        _disagreeing_copy,
        {"transactions_denormalised_fks", "transactions_gx_suite"},
        ("transactions_denormalised_fks", "disagreeing: customer_id -> customers", 1),
    ),
    "fraud_rate_out_of_bounds": (
        "transactions",
        _fraud_burst,
        {"transactions_rare_events", "transactions_gx_suite"},
        ("transactions_rare_events", "rows: is_fraud", None),
    ),
    "cardinality_drift": (
        "transactions",
        _constant_children,
        {"transactions_cardinality"},
        ("transactions_cardinality", "variance_children", 0.0),
    ),
    "duplicate_key": (
        "transactions",
        _duplicate_key,
        {"transactions_duplicate_keys", "transactions_pandera_schema", "transactions_gx_suite"},
        ("transactions_duplicate_keys", "duplicates: transaction_id", 1),
    ),
    "wrong_dtype": (
        "transactions",
        _wrong_dtype,
        {"transactions_pandera_schema", "transactions_gx_suite"},
        ("transactions_pandera_schema", "failures: amount: dtype('float64')", None),
    ),
}


@pytest.mark.parametrize("mode", list(MODES))
def test_broken_data_fails_its_check_and_blocks_everything_below(mode, gate, parents_db, tmp_path):
    table, damage, expected_failures, (check, key, value) = MODES[mode]
    db = _copy(parents_db, tmp_path)
    url = f"sqlite:///{db}"

    def hook(name, frame):
        return damage(frame.copy()) if name == table else frame

    result = materialize(
        _assets(gate, hook), selection=BELOW, resources=_resources(url), raise_on_error=False
    )

    assert not result.success
    evaluations = _evaluations(result)
    failed = {name for name, e in evaluations.items() if not e.passed}
    assert failed == expected_failures
    # Every other check of the broken table ran and passed: the failure is pinned down.
    declared = {s.name for s in build_check_specs(gate, table, table_key(gate, table))}
    assert declared <= set(evaluations)
    metadata = evaluations[check].metadata
    assert metadata["status"].value in ("FAIL", "ERROR")
    if value is not None:
        assert metadata[key].value == value
    else:
        assert metadata[key].value > 0
    assert "failing_samples" in metadata or "error" in metadata

    sibling = "statement_lines" if table == "transactions" else "transactions"
    assert _materialized(result) == {sibling}  # ML assets and the broken table: not materialised
    step_failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert [e.step_key for e in step_failures] == [table]
    assert "was not written" in step_failures[0].event_specific_data.error.message

    tables = _tables(db)
    assert table not in tables  # the bad rows never reached the database
    assert "customer_features" not in tables
    assert _count(db, sibling) > 0
    assert not (tmp_path / "bank.fraud_model.joblib").exists()
    report = json.loads((tmp_path / "bank.report.json").read_text())
    assert report["approved"] is False
    assert report["tables"][table]["written"] is False
    assert any(f.startswith(check) for f in report["failures"])
    assert f"| {check} |" in (tmp_path / "bank.report.md").read_text()


def test_wrong_dtype_is_an_error_in_gx_not_a_pass(gate, parents_db, tmp_path):
    db = _copy(parents_db, tmp_path)

    def hook(name, frame):
        return _wrong_dtype(frame.copy()) if name == "transactions" else frame

    result = materialize(
        _assets(gate, hook),
        selection=["transactions"],
        resources=_resources(f"sqlite:///{db}"),
        raise_on_error=False,
    )
    gx = _evaluations(result)["transactions_gx_suite"]
    assert not gx.passed
    assert gx.metadata["status"].value == "ERROR"
    assert "amount: range" in gx.metadata["error"].value


# -- healthy data -------------------------------------------------------------------------------


def test_healthy_data_passes_every_check_and_trains_the_model(gate, healthy):
    result, folder = healthy
    assert result.success
    evaluations = _evaluations(result)
    declared = {
        s.name
        for table in gate.tables
        for s in build_check_specs(gate, table, table_key(gate, table))
    }
    assert set(evaluations) == declared
    assert all(e.passed for e in evaluations.values()), [
        n for n, e in evaluations.items() if not e.passed
    ]
    assert all(e.metadata["status"].value == "PASS" for e in evaluations.values())
    assert _materialized(result) == {*gate.tables, "customer_features", "fraud_model"}
    report = json.loads((folder / "bank.report.json").read_text())
    assert report["approved"] is True and report["verdict"] == "approved for ML use"
    assert report["failures"] == []
    assert list(report["tables"]) == [
        "customers",
        "accounts",
        "transactions",
        "statements",
        "statement_lines",
    ]
    assert "**Verdict: PASS, approved for ML use.**" in (folder / "bank.report.md").read_text()
    html = folder / "bank.report.html"
    linked = {
        e.asset_key.to_user_string(): e.materialization.metadata["report_html"].value
        for e in result.get_asset_materialization_events()
        if "report_html" in e.materialization.metadata
    }
    assert set(linked) == set(gate.tables) and set(linked.values()) == {html.resolve().as_uri()}
    # The verdict is written only once known: never "not approved" while tables are pending.
    materializations = {
        e.asset_key.to_user_string(): e.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    verdicts = [
        m["database_verdict"].value for m in materializations.values() if "database_verdict" in m
    ]
    assert verdicts and set(verdicts) == {"approved for ML use"}
    shown = materializations["transactions"]["validation_report"].value
    assert "## transactions" in shown and "transactions_orphan_fks" in shown
    # Each check's target is the materialization it checked: this run's, not an earlier one.
    evaluations = result.get_asset_check_evaluations()
    assert evaluations
    for evaluation in evaluations:
        target = evaluation.target_materialization_data
        assert target is not None and target.run_id == result.run_id, evaluation.check_name
    assert "PASS: approved for ML use" in html.read_text()
    db = folder / "bank.sqlite"
    assert _count(db, "customer_features") == _count(db, "customers") == 200
    assert (folder / "bank.fraud_model.joblib").stat().st_size > 0


def test_a_failed_rerun_keeps_the_approved_rows_and_ml_refuses_to_run(gate, healthy, tmp_path):
    _, folder = healthy
    db = _copy(folder, tmp_path)
    url = f"sqlite:///{db}"
    with sqlite3.connect(db) as conn:
        before = conn.execute("SELECT * FROM transactions ORDER BY transaction_id").fetchall()
        features_before = conn.execute("SELECT * FROM customer_features").fetchall()

    def hook(name, frame):
        return _orphan(frame.copy()) if name == "transactions" else frame

    result = materialize(
        _assets(gate, hook),
        selection=["transactions"],
        resources=_resources(url),
        raise_on_error=False,
    )
    assert not result.success and _materialized(result) == set()
    with sqlite3.connect(db) as conn:
        after = conn.execute("SELECT * FROM transactions ORDER BY transaction_id").fetchall()
        status = conn.execute(
            "SELECT status FROM seed_assets_tables WHERE table_name = 'transactions'"
        ).fetchone()
    assert after == before and status == ("complete",)

    # Run alone, the ML assets read the report's verdict, which the failed check revoked.
    ml = materialize(
        _assets(gate),
        selection=["customer_features"],
        resources=_resources(url),
        raise_on_error=False,
    )
    assert not ml.success and _materialized(ml) == set()
    failure = next(e for e in ml.all_events if e.event_type_value == "STEP_FAILURE")
    assert "not approved for ML use" in failure.event_specific_data.error.message
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT * FROM customer_features").fetchall() == features_before

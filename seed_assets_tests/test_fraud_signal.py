"""The shipped banking example carries a fraud signal: materialised through Dagster into SQLite,
the `fraud_model` asset learns it (held-out AUC >= 0.8), shows the spec's ground-truth AUC
beside its own, and the fraud rate holds its bounds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dagster import materialize

from seed_assets.assets import build_ml_assets, build_table_assets
from seed_assets.reports.report import load_report, report_paths
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.sources.files import load_spec

BANKING = Path(__file__).parents[1] / "seed_assets" / "examples" / "banking.yaml"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    spec = load_spec(BANKING)
    folder = tmp_path_factory.mktemp("fraud")
    url = f"sqlite:///{folder / 'banking.sqlite'}"
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result = materialize(
            [*build_table_assets(spec), *build_ml_assets(spec)],
            resources={"target": TargetResource(url=url), "generation": GenerationResource()},
        )
    finally:
        os.chdir(cwd)
    events = {e.asset_key.to_user_string(): e for e in result.get_asset_materialization_events()}
    return spec, events, url


def test_the_fraud_model_learns_the_shipped_mechanism(trained):
    _, events, _ = trained
    metadata = events["fraud_model"].materialization.metadata
    auc, truth = metadata["auc"].value, metadata["spec_auc"].value
    assert auc >= 0.8, f"held-out AUC {auc:.3f}"
    # The spec's own score is the best any model can do (up to sampling noise on a quarter).
    assert 0.8 <= truth <= 1.0 and auc <= truth + 0.05


def test_the_fraud_rate_and_the_decile_curve_pass_their_checks(trained):
    spec, _, url = trained
    report = load_report(report_paths(url, spec.name))
    assert report["approved"], report["failures"]
    checks = {c["rule"]: c for c in report["tables"]["transactions"]["checks"]}
    rate = next(m for m in checks["rare_events"]["measurements"] if "is_fraud" in m["subject"])
    low, high = next(r.between for r in spec.expectations.rates if r.column == "is_fraud")
    assert low <= rate["value"] <= high
    deciles = [m for m in checks["relations"]["measurements"] if "score decile" in m["subject"]]
    assert len(deciles) == 10 and all(m["status"] == "PASS" for m in deciles)
    # The mechanism is strong: the top tenth of scores is far riskier than the bottom tenth.
    assert deciles[-1]["value"] > 10 * max(deciles[0]["value"], 1e-4)


def test_the_model_reads_the_features_the_mechanism_uses(trained):
    _, events, _ = trained
    features = events["fraud_model"].materialization.metadata["features"].value.split(", ")
    for name in ("log_amount_vs_account_mean", "log_account_age_at_transaction", "hour_of_day"):
        assert name in features

"""The ML assets: features computed in the database equal the same features computed in pandas;
the fraud model reports AUC, class balance and training size, and is saved as a usable file."""

from __future__ import annotations

import os
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from dagster import Failure, materialize

from seed_assets.assets import build_ml_assets, build_table_assets
from seed_assets.assets.ml import fits_ml, require_approved, training_query
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.sources.files import load_spec

GATE = Path(__file__).parent / "specs" / "bank_gate.yaml"


@pytest.fixture(scope="module")
def gate():
    return load_spec(GATE)


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql"])
def trained(gate, tmp_path_factory, request):
    """The gate spec and its ML assets materialised into each target (reports in `folder`)."""
    from seed_assets_tests.servers import MYSQL_SERVER, PG_SERVER, fresh_database

    folder = tmp_path_factory.mktemp("ml")
    if request.param == "sqlite":
        yield _materialise(gate, f"sqlite:///{folder / 'bank.sqlite'}", folder)
        return
    server = PG_SERVER if request.param == "postgresql" else MYSQL_SERVER
    with fresh_database(server, "ml") as url:
        yield _materialise(gate, url, folder)


def _materialise(gate, url: str, folder: Path):
    cwd = os.getcwd()
    os.chdir(folder)  # a server database's report and model go to the working directory
    try:
        result = materialize(
            [*build_table_assets(gate), *build_ml_assets(gate)],
            resources={"target": TargetResource(url=url), "generation": GenerationResource()},
        )
    finally:
        os.chdir(cwd)
    events = {e.asset_key.to_user_string(): e for e in result.get_asset_materialization_events()}
    return events, folder, url


def _read(url: str, query: str) -> pd.DataFrame:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return pd.read_sql_query(sa.text(query), conn)
    finally:
        engine.dispose()


def test_customer_features_equal_the_same_features_in_pandas(trained):
    events, _, db = trained
    features = _read(db, "SELECT * FROM customer_features ORDER BY customer_id").set_index(
        "customer_id"
    )
    customers = _read(db, "SELECT * FROM customers")
    accounts = _read(db, "SELECT * FROM accounts")
    tx = _read(db, "SELECT * FROM transactions")
    as_of = pd.Timestamp(tx["transaction_date"].max())

    joined = accounts.merge(tx, on="account_id", how="left", suffixes=("", "_tx"))
    expected = pd.DataFrame(
        {
            "num_accounts": accounts.groupby("customer_id")["account_id"].nunique(),
            "total_transactions": joined.groupby("customer_id")["transaction_id"].count(),
            "avg_transaction_amount": joined.groupby("customer_id")["amount"].mean(),
            "fraud_count": joined.groupby("customer_id")["is_fraud"].sum().astype(int),
            "account_age_days": (
                as_of - pd.to_datetime(accounts.groupby("customer_id")["opened_date"].min())
            ).dt.days,
        }
    ).reindex(customers["customer_id"].sort_values())
    expected["segment"] = customers.set_index("customer_id")["segment"]
    assert len(features) == len(customers) == 200
    pd.testing.assert_series_equal(features["segment"], expected["segment"], check_names=False)
    for column in ("num_accounts", "total_transactions", "fraud_count", "account_age_days"):
        assert features[column].astype(int).tolist() == expected[column].astype(int).tolist(), (
            column
        )
    np.testing.assert_allclose(
        features["avg_transaction_amount"], expected["avg_transaction_amount"]
    )
    assert features["fraud_count"].sum() == tx["is_fraud"].sum() > 0
    meta = events["customer_features"].materialization.metadata
    assert meta["dagster/row_count"].value == 200
    assert pd.Timestamp(meta["as_of"].value) == as_of
    assert meta["validation_verdict"].value == "approved for ML use"


def test_the_fraud_model_reports_its_measures_and_is_saved(gate, trained):
    events, folder, db = trained
    meta = events["fraud_model"].materialization.metadata
    labels = _read(db, "SELECT is_fraud FROM transactions")["is_fraud"].astype(int)
    total, fraud = len(labels), int(labels.sum())
    assert 0.0 <= meta["auc"].value <= 1.0
    assert meta["fraud_rate"].value == pytest.approx(fraud / total)
    assert meta["class_balance"].value.endswith(f"({fraud:,} of {total:,})")
    assert meta["training_rows"].value + meta["test_rows"].value == total
    assert meta["test_rows"].value == pytest.approx(total * 0.25, abs=1)
    assert "fraud_count" not in meta["features"].value  # the label summed: leakage
    path = Path(meta["model_path"].value)
    if db.startswith("sqlite"):
        assert path == folder / "bank.fraud_model.joblib"
    else:
        # Beside the spec's report: <database>.<spec>, in the report folder (a tmp one here).
        assert path.name == f"{sa.make_url(db).database}.bank_gate.fraud_model.joblib"
        path = folder / path
    model = joblib.load(path)
    query, numeric, categorical = training_query(gate, sa.make_url(db).get_backend_name())
    rows = _read(db, query).head(50)
    scores = model.predict_proba(rows[numeric + categorical])[:, 1]
    assert scores.shape == (50,) and ((scores >= 0) & (scores <= 1)).all()


def test_ml_assets_exist_only_for_the_banking_shape(banking, shop, gate):
    assert fits_ml(banking) and fits_ml(gate) and not fits_ml(shop)
    assert build_ml_assets(shop) == []
    keys = {a.key.to_user_string() for a in build_ml_assets(gate)}
    assert keys == {"customer_features", "fraud_model"}
    features = next(
        a for a in build_ml_assets(gate) if a.key.to_user_string() == "customer_features"
    )
    upstream = {k.to_user_string() for k in features.asset_deps[features.key]}
    assert upstream == set(gate.tables)  # every table's blocking checks gate it


def test_ml_refuses_a_database_without_an_approved_report(gate, tmp_path):
    url = f"sqlite:///{tmp_path / 'none.sqlite'}"
    with pytest.raises(Failure, match="no validation report"):
        require_approved(url, gate)

"""ML assets downstream of the tables: per-customer features (computed in the database) and a
fraud model trained on them. They depend on every table of the spec, whose checks are blocking,
so in a run they only materialise when every check passed; run on their own, they refuse a
database whose validation report is not "approved for ML use".

Built only for specs with the banking shape the feature query reads (customers, accounts and
transactions with the columns in ``REQUIRED``); for any other spec, ``build_ml_assets`` is empty.
"""

import datetime as dt
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from dagster import (
    AssetDep,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from seed_assets.assets.guard import require_approved
from seed_assets.assets.keys import spec_keys, target_pool, upstream_deps
from seed_assets.reports.report import report_paths
from seed_assets.resources import GenerationResource, TargetResource
from seed_assets.spec.models import Spec

if TYPE_CHECKING:  # SQLAlchemy (~0.15 s) is imported by the steps, not at every launch
    import sqlalchemy as sa

FEATURES = "customer_features"
MODEL = "fraud_model"
ML_GROUP = "ml"
REQUIRED = {
    "customers": ["customer_id"],
    "accounts": ["account_id", "customer_id", "opened_date"],
    "transactions": ["transaction_id", "account_id", "transaction_date", "amount", "is_fraud"],
}
# Categorical columns used when the spec has them.
OPTIONAL = {"customers": ["segment"], "transactions": ["transaction_type"]}


def fits_ml(spec: Spec) -> bool:
    """Whether the spec has the tables and columns the feature query reads."""
    return all(
        table in spec.tables and all(c in spec.tables[table].columns for c in columns)
        for table, columns in REQUIRED.items()
    )


def _has(spec: Spec, table: str, column: str) -> bool:
    return column in spec.tables[table].columns


def build_ml_assets(spec: Spec) -> list[AssetsDefinition]:
    """``customer_features`` and ``fraud_model`` for a spec of the banking shape, else []."""
    if not fits_ml(spec):
        return []
    return [_features_asset(spec), _model_asset(spec)]


def beside_database(url: str, spec: Spec, suffix: str) -> Path:
    """``data/banking.sqlite`` + ``.fraud_model.joblib`` -> ``data/banking.fraud_model.joblib``
    (beside the spec's report)."""
    json_path = report_paths(url, spec.name).json
    return json_path.with_name(json_path.name.removesuffix(".report.json") + suffix)


class FeaturesConfig(Config):
    as_of: str = Field(
        "",
        description="Date account age is measured at (YYYY-MM-DD, or 'now'). Empty: the date of "
        "the latest transaction, so the features do not change with the day they are computed.",
    )


def _deps_of(spec: Spec, key):
    """A data asset as an ML dep: a partitioned table through all its partitions and check."""
    table = key.path[-1]
    if table in spec.tables:
        return upstream_deps(spec, table)
    return [AssetDep(key)]


def _sql_target(target: TargetResource, spec: Spec):
    """The ML assets compute features in SQL: a Parquet directory is refused clearly."""
    db = target.target_for(spec)
    if not hasattr(db, "engine"):
        raise Failure(
            f"the ML assets compute features in a SQL database; {db.display_url} is a Parquet "
            "directory. Point SEED_ASSETS_TARGET_URL at SQLite, PostgreSQL or MySQL to train"
        )
    return db


def days_between(dialect: str, later: str, earlier: str) -> str:
    """SQL for the days (with fraction) from `earlier` to `later`, in the target's dialect."""
    if dialect == "postgresql":
        return (
            f"(EXTRACT(EPOCH FROM (CAST({later} AS timestamp) - CAST({earlier} AS timestamp)))"
            " / 86400.0)"
        )
    if dialect in ("mysql", "mariadb"):
        return f"(TIMESTAMPDIFF(SECOND, {earlier}, {later}) / 86400.0)"
    return f"(julianday({later}) - julianday({earlier}))"


def whole_days(dialect: str, later: str, earlier: str) -> str:
    """Completed days from `earlier` to `later` (truncated, as the tutorial's CAST did)."""
    days = days_between(dialect, later, earlier)
    if dialect == "sqlite":
        return f"CAST({days} AS INTEGER)"
    return f"CAST(FLOOR({days}) AS {'SIGNED' if dialect in ('mysql', 'mariadb') else 'INTEGER'})"


def feature_query(spec: Spec, dialect: str = "sqlite") -> str:
    """The tutorial's feature query, per customer (customers without accounts included), as an
    INSERT ... SELECT in the target's dialect."""
    segment = _has(spec, "customers", "segment")
    group = "c.customer_id, c.segment" if segment else "c.customer_id"
    return f"""
INSERT INTO {FEATURES} (customer_id{", segment" if segment else ""}, num_accounts,
    total_transactions, avg_transaction_amount, fraud_count, account_age_days)
SELECT
    c.customer_id,{" c.segment," if segment else ""}
    COUNT(DISTINCT a.account_id),
    COUNT(t.transaction_id),
    AVG(t.amount),
    COALESCE(SUM(CASE WHEN t.is_fraud THEN 1 ELSE 0 END), 0),
    {whole_days(dialect, ":as_of", "MIN(a.opened_date)")}
FROM customers c
LEFT JOIN accounts a ON a.customer_id = c.customer_id
LEFT JOIN transactions t ON t.account_id = a.account_id
GROUP BY {group}
"""


def features_table(spec: Spec) -> "sa.Table":
    import sqlalchemy as sa

    from seed_assets.targets.ddl import column_type

    metadata = sa.MetaData()
    key = spec.tables["customers"].columns["customer_id"]
    columns = [sa.Column("customer_id", column_type(key), primary_key=True)]
    if _has(spec, "customers", "segment"):
        columns.append(
            sa.Column("segment", column_type(spec.tables["customers"].columns["segment"]))
        )
    columns += [
        sa.Column("num_accounts", sa.Integer, nullable=False),
        sa.Column("total_transactions", sa.Integer, nullable=False),
        sa.Column("avg_transaction_amount", sa.Double),
        sa.Column("fraud_count", sa.Integer, nullable=False),
        sa.Column("account_age_days", sa.Integer),
    ]
    return sa.Table(FEATURES, metadata, *columns)


def ml_key(spec: Spec, name: str) -> AssetKey:
    """An ML asset's key, under the spec's `asset_prefix` like its tables."""
    return AssetKey([spec.asset_prefix, name] if spec.asset_prefix else [name])


def _features_asset(spec: Spec) -> AssetsDefinition:
    @asset(
        key=ml_key(spec, FEATURES),
        group_name=ML_GROUP,
        pool=target_pool(spec),  # it writes a table into the target too
        deps=[dep for key in spec_keys(spec) for dep in _deps_of(spec, key)],
        kinds={"table", "sql"},
        description="Per customer: number of accounts, total transactions, mean amount, fraud "
        "count and account age in days, computed in the database (the tutorial's feature query). "
        "Runs only on a database whose every check passed.",
    )
    def customer_features(
        context: AssetExecutionContext,
        config: FeaturesConfig,
        target: TargetResource,
        generation: GenerationResource,
    ) -> MaterializeResult:
        import sqlalchemy as sa

        from seed_assets.targets import registry

        url = target.url_for(spec)
        report = require_approved(url, spec)
        db = _sql_target(target, spec)
        sa_table = features_table(spec)
        try:
            with db.engine.begin() as conn:
                registry.ensure(conn)
                as_of = (
                    config.as_of
                    or conn.execute(
                        sa.text("SELECT MAX(transaction_date) FROM transactions")
                    ).scalar_one()
                )
                if as_of is None:
                    raise Failure(
                        "transactions is empty: there is nothing to compute features from"
                    )
                _replace_own_table(conn, spec, sa_table, db.display_url)
                query = feature_query(spec, db.dialect)
                conn.execute(sa.text(query), {"as_of": str(as_of)})
                rows = conn.execute(sa.text(f"SELECT COUNT(*) FROM {FEATURES}")).scalar_one()
                registry.record(
                    conn,
                    FEATURES,
                    spec_name=spec.name,
                    created_by_tool=True,
                    status="complete",
                    row_count=rows,
                    seed=generation.seed_for(spec),
                    scale=generation.scale,
                )
            with db.engine.connect() as conn:
                preview = pd.read_sql_query(
                    sa.text(f"SELECT * FROM {FEATURES} ORDER BY customer_id LIMIT 5"), conn
                )
        finally:
            db.dispose()
        context.log.info(f"{rows:,} customer feature rows as of {as_of}")
        return MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "as_of": str(as_of),
                "target": db.display_url,
                "preview": MetadataValue.md(preview.to_markdown(index=False)),
                "validation_verdict": report["verdict"],
            }
        )

    return customer_features


def _replace_own_table(conn: "sa.Connection", spec: Spec, sa_table: "sa.Table", where: str) -> None:
    """Drop and re-create a table this tool made for this spec; never touch anyone else's."""
    import sqlalchemy as sa

    from seed_assets.targets import registry

    inspector = sa.inspect(conn)
    if inspector.has_table(sa_table.name):
        owned = registry.entry(conn, sa_table.name)
        if owned is None or owned.spec_name != spec.name:
            raise Failure(
                f"table '{sa_table.name}' in {where} was not written by spec '{spec.name}'; "
                "refusing to replace it",
                allow_retries=False,
            )
        sa_table.drop(conn)
    sa_table.create(conn)


def hour_of(dialect: str, column: str) -> str:
    """SQL for the hour of the day (0-23) of a timestamp, in the target's dialect."""
    if dialect == "postgresql":
        return f"CAST(EXTRACT(HOUR FROM CAST({column} AS timestamp)) AS INTEGER)"
    if dialect in ("mysql", "mariadb"):
        return f"HOUR({column})"
    return f"CAST(strftime('%H', {column}) AS INTEGER)"


def training_query(spec: Spec, dialect: str = "sqlite") -> tuple[str, list[str], list[str]]:
    """One row per transaction: its features, its account's and customer's, and the label.

    ``fraud_count`` is left out: it is the label summed per customer. What an analyst would
    derive is derived here too (``add_derived_features``): the amount against the account's
    mean amount, the account's age at the transaction (log), the hour of the day.
    """
    numeric = [
        "amount",
        "account_age_at_transaction",
        "num_accounts",
        "total_transactions",
        "avg_transaction_amount",
        "account_age_days",
        "account_mean_amount",
    ]
    categorical = ["hour_of_day"]
    select = [
        "t.amount AS amount",
        days_between(dialect, "t.transaction_date", "a.opened_date")
        + " AS account_age_at_transaction",
        "f.num_accounts",
        "f.total_transactions",
        "f.avg_transaction_amount",
        "f.account_age_days",
        "m.account_mean_amount AS account_mean_amount",
        hour_of(dialect, "t.transaction_date") + " AS hour_of_day",
    ]
    if _has(spec, "transactions", "transaction_type"):
        select.append("t.transaction_type AS transaction_type")
        categorical.append("transaction_type")
    if _has(spec, "customers", "segment"):
        select.append("f.segment AS segment")
        categorical.append("segment")
    query = f"""
SELECT {", ".join(select)}, t.is_fraud AS is_fraud
FROM transactions t
JOIN accounts a ON a.account_id = t.account_id
JOIN {FEATURES} f ON f.customer_id = a.customer_id
JOIN (SELECT account_id, AVG(amount) AS account_mean_amount FROM transactions
      GROUP BY account_id) m ON m.account_id = t.account_id
ORDER BY t.transaction_id
"""
    return query, numeric, categorical


# Made from the query's columns by the model's first step (so the saved model scores the
# query's rows as they come).
DERIVED = ["log_amount_vs_account_mean", "log_account_age_at_transaction"]


def add_derived_features(data: pd.DataFrame) -> pd.DataFrame:
    """The query's rows with ``DERIVED`` added: the log of the amount against the account's
    mean amount, and of the account's age (days) at the transaction."""
    data = data.copy()
    amount = pd.to_numeric(data["amount"], errors="coerce").astype(float)
    mean = pd.to_numeric(data["account_mean_amount"], errors="coerce").astype(float)
    ratio = (amount / mean.where(mean > 0)).where(lambda r: r > 0)
    data["log_amount_vs_account_mean"] = np.log(ratio).fillna(0.0)
    age = pd.to_numeric(data["account_age_at_transaction"], errors="coerce").astype(float)
    data["log_account_age_at_transaction"] = np.log1p(age.clip(lower=0)).fillna(0.0)
    return data


def spec_auc(report: dict) -> float | None:
    """The ground-truth AUC the `relations` check measured for `transactions.is_fraud` (the
    spec's own fraud score against the generated labels), when the spec has a `logit`."""
    section = report.get("tables", {}).get("transactions") or {}
    for check in section.get("checks", []):
        if check.get("rule") == "relations":
            value = check.get("counts", {}).get("is_fraud: spec AUC")
            return None if value is None else float(value)
    return None


def _model_asset(spec: Spec) -> AssetsDefinition:
    @asset(
        key=ml_key(spec, MODEL),
        group_name=ML_GROUP,
        deps=[
            ml_key(spec, FEATURES),
            *upstream_deps(spec, "transactions"),
            *upstream_deps(spec, "accounts"),
        ],
        kinds={"scikitlearn"},
        description="Logistic regression (scikit-learn) predicting is_fraud per transaction from "
        "its amount (and against its account's mean), type, hour and account age, and its "
        "customer's features; AUC on a held-out quarter, beside the spec's ground-truth AUC. "
        "Saved beside the database as <db stem>.fraud_model.joblib.",
    )
    def fraud_model(
        context: AssetExecutionContext, target: TargetResource, generation: GenerationResource
    ) -> MaterializeResult:
        import joblib
        import sqlalchemy as sa
        from sklearn.compose import ColumnTransformer
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import roc_auc_score
        from sklearn.model_selection import train_test_split
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

        started = time.perf_counter()
        url = target.url_for(spec)
        report = require_approved(url, spec)
        db = _sql_target(target, spec)
        query, numeric, categorical = training_query(spec, db.dialect)
        try:
            with db.engine.connect() as conn:
                data = pd.read_sql_query(sa.text(query), conn)
        finally:
            db.dispose()
        y = data.pop("is_fraud").astype(int).to_numpy()
        positives, total = int(y.sum()), len(y)
        if positives < 4 or total - positives < 4:
            raise Failure(
                f"{positives} fraud and {total - positives} other transactions: too few of one "
                "class to train and measure a model",
                allow_retries=False,
            )
        x_train, x_test, y_train, y_test = train_test_split(
            data,
            y,
            test_size=0.25,
            stratify=y,
            random_state=generation.seed_for(spec) % 2**32,
        )
        model = Pipeline(
            [
                ("derive", FunctionTransformer(add_derived_features)),
                (
                    "features",
                    ColumnTransformer(
                        [
                            ("numeric", StandardScaler(), numeric + DERIVED),
                            ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
                        ]
                    ),
                ),
                ("classifier", LogisticRegression(class_weight="balanced", max_iter=1000)),
            ]
        )
        x_train = x_train.fillna({c: 0.0 for c in numeric})
        x_test = x_test.fillna({c: 0.0 for c in numeric})
        model.fit(x_train, y_train)
        auc = float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]))
        path = beside_database(url, spec, ".fraud_model.joblib")
        reports = report_paths(url, spec.name)
        _dump_atomic(joblib, model, path)
        context.log.info(f"fraud model AUC {auc:.3f} on {len(y_test):,} held-out transactions")
        truth = spec_auc(report)
        return MaterializeResult(
            metadata={
                "auc": round(auc, 4),
                # The spec's own fraud score against the labels (every row): what a perfect
                # model of the mechanism would reach. None: the spec's fraud is a coin flip.
                "spec_auc": truth if truth is not None else MetadataValue.text("no logit"),
                "class_balance": f"{positives / total:.3%} fraud ({positives:,} of {total:,})",
                "fraud_rate": positives / total,
                "training_rows": len(y_train),
                "training_fraud": int(np.sum(y_train)),
                "test_rows": len(y_test),
                "features": ", ".join(numeric + DERIVED + categorical),
                "model_path": MetadataValue.path(str(path)),
                "validation_report": MetadataValue.path(str(reports.markdown)),
                "validation_report_html": MetadataValue.url(reports.html.resolve().as_uri()),
                "validation_verdict": report["verdict"],
                "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "seconds": round(time.perf_counter() - started, 3),
            }
        )

    return fraud_model


def _dump_atomic(joblib, model, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        joblib.dump(model, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

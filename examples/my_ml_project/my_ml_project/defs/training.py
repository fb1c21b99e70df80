"""This project's own asset: a fraud classifier trained on the validated banking tables.

The tables arrive as inputs through seed-assets' ``seed_tables`` IO manager, each in the form its
annotation asks for: customers as a PyArrow table, accounts as a pandas DataFrame (only the
columns named in ``AssetIn`` metadata), and transactions as a ``SeedTable``, read a chunk at a time
so the model trains with bounded memory however many transactions there are. The IO manager
refuses a table whose latest blocking checks failed, or a database whose report is not approved.
"""

import zlib

import dagster as dg
import numpy as np
import pandas as pd
import pyarrow as pa

from seed_assets.api import SeedTable

CHUNK_ROWS = 5_000
HELD_OUT = 4  # every 4th transaction (by a hash of its id) is held out to measure the model
SEGMENTS = ["retail", "sme", "enterprise"]
ACCOUNT_TYPES = ["savings", "current", "loan"]
FEATURES = [
    "log_amount",
    "is_debit",
    "account_age_days",
    *(f"segment_{s}" for s in SEGMENTS),
    *(f"account_{t}" for t in ACCOUNT_TYPES),
]


def features(chunk: pd.DataFrame, accounts: pd.DataFrame, segments: pd.Series) -> np.ndarray:
    """One row of FEATURES per transaction of `chunk`."""
    rows = chunk.merge(accounts, on="account_id", how="left", suffixes=("", "_account"))
    age = pd.to_datetime(rows["transaction_date"]) - pd.to_datetime(rows["opened_date"])
    segment = rows["customer_id"].map(segments)
    columns = [
        np.log1p(rows["amount"].astype(float)),
        (rows["transaction_type"] == "debit").astype(float),
        age.dt.days.astype(float),
        *((segment == s).astype(float) for s in SEGMENTS),
        *((rows["account_type"] == t).astype(float) for t in ACCOUNT_TYPES),
    ]
    return np.column_stack([c.to_numpy() for c in columns])


def held_out(ids: pd.Series) -> np.ndarray:
    return np.array([zlib.crc32(i.encode()) % HELD_OUT == 0 for i in ids])


@dg.asset(
    group_name="my_ml",
    kinds={"scikitlearn"},
    ins={
        "customers": dg.AssetIn(metadata={"columns": ["customer_id", "segment"]}),
        "accounts": dg.AssetIn(
            metadata={"columns": ["account_id", "customer_id", "account_type", "opened_date"]}
        ),
        "transactions": dg.AssetIn(),
    },
    description="Logistic regression (SGD, trained a chunk of transactions at a time) "
    "predicting is_fraud from amount, type, account age, segment and account type; AUC on "
    "the held-out quarter.",
)
def spending_fraud_model(
    context: dg.AssetExecutionContext,
    customers: pa.Table,
    accounts: pd.DataFrame,
    transactions: SeedTable,
) -> dg.MaterializeResult:
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.preprocessing import StandardScaler

    segments = customers.to_pandas().set_index("customer_id")["segment"]
    scaler, positives, seen, chunks = StandardScaler(), 0, 0, 0
    for chunk in transactions.frames(CHUNK_ROWS):  # pass 1: scale and class balance
        scaler.partial_fit(features(chunk, accounts, segments))
        positives += int(chunk["is_fraud"].sum())
        seen += len(chunk)
        chunks += 1
    if positives < 4 or seen - positives < 4:
        raise dg.Failure(f"{positives} fraud among {seen} transactions: too few to train")
    weight = (seen - positives) / positives  # the rare class counts as much as the other
    model = SGDClassifier(loss="log_loss", alpha=1e-4, random_state=0)
    trained = 0
    for chunk in transactions.frames(CHUNK_ROWS):  # pass 2: train on the kept rows
        x = scaler.transform(features(chunk, accounts, segments))
        y = chunk["is_fraud"].astype(int).to_numpy()
        keep = ~held_out(chunk["transaction_id"])
        model.partial_fit(
            x[keep], y[keep], classes=[0, 1], sample_weight=np.where(y[keep] == 1, weight, 1.0)
        )
        trained += int(keep.sum())
    scores, labels = [], []
    for chunk in transactions.frames(CHUNK_ROWS):  # pass 3: score the held-out rows
        test = held_out(chunk["transaction_id"])
        x = scaler.transform(features(chunk[test], accounts, segments))
        scores.append(model.predict_proba(x)[:, 1])
        labels.append(chunk.loc[test, "is_fraud"].astype(int).to_numpy())
    auc = float(roc_auc_score(np.concatenate(labels), np.concatenate(scores)))
    context.log.info(f"AUC {auc:.3f}; trained on {trained:,} transactions in {chunks} chunks")
    return dg.MaterializeResult(
        metadata={
            "auc": round(auc, 4),
            "transactions": seen,
            "trained_rows": trained,
            "held_out_rows": seen - trained,
            "chunks": chunks,
            "fraud_rate": round(positives / seen, 5),
            "customers_read_as": type(customers).__module__ + "." + type(customers).__name__,
            "features": ", ".join(FEATURES),
        }
    )

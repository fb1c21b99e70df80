"""How close a synthetic database is to a real one: SDMetrics' multi-table QualityReport
measures, re-implemented (SDMetrics does not install beside the project's pins), plus date-rule
conformance and privacy.

Scored columns follow the project's yardstick: numbers, dates, booleans, and text whose values
repeat (at most 50 distinct, at most 0.6 distinct per non-null row). Keys and free text are left
out. Measures, as SDMetrics 0.32 computes them:

- shapes: per column, 1 - KS statistic (numbers, dates) or 1 - total variation (categories);
- pair trends: per pair in a table, 1 - |r_real - r_synth| / 2 (Pearson, numbers and dates) or
  1 - TV of the joint frequencies (categories; a number beside a category is cut in 10 bins),
  counted only where the real pair is related (|r| > 0.5, Cramér's V > 0.3);
- cardinality: per FK, 1 - KS statistic of children per parent (parents with none included);
- inter-table trends: the pair trends of (parent column, child column) over child rows joined
  to their parent;
- quality: the mean of the four.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from scipy.stats import ks_2samp
from scipy.stats.contingency import association

MAX_LABELS = 50
MAX_LABEL_SHARE = 0.6
CORRELATION_THRESHOLD = 0.5
ASSOCIATION_THRESHOLD = 0.3
SKIP_PREFIXES = ("seed_assets_", "sqlite_")


@dataclass
class Schema:
    """Scored columns per table (name -> 'numerical' | 'datetime' | 'categorical' | 'boolean'),
    single-column keys and the FKs between them, as the yardstick reads them."""

    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    relationships: list[tuple[str, str, str, str]] = field(default_factory=list)
    free_text: dict[str, list[str]] = field(default_factory=dict)


def read_tables(url: str, max_rows: int = 200_000) -> tuple[sa.Inspector, dict[str, pd.DataFrame]]:
    """Every table (the first `max_rows` rows of each), for scoring: of a database, or of a
    Parquet folder (its keys from its `keys.yaml`, or inferred as `profile` infers them)."""
    from seed_assets.targets.parquet_urls import is_parquet_url

    if is_parquet_url(url):
        from seed_assets.sources.parquet import open_source
        from seed_assets.sources.parquet.inspector import ParquetInspector

        inspector = ParquetInspector(open_source(url))
        frames = {t: inspector.head(t, max_rows) for t in inspector.get_table_names()}
        return _schema(inspector, frames), frames
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            names = [t for t in inspector.get_table_names() if t not in partitions(conn)]
            frames = {}
            quote = conn.dialect.identifier_preparer.quote
            for name in names:
                # The driver's own values: a column whose declared type SQLAlchemy misreads
                # (BYTEA in SQLite) cannot break the read; `prepared` converts what is scored.
                result = conn.exec_driver_sql(f"SELECT * FROM {quote(name)} LIMIT {max_rows}")
                frame = pd.DataFrame.from_records(
                    [tuple(r) for r in result], columns=list(result.keys())
                )
                for column in [c for c in frame.columns if frame[c].dtype == object]:
                    if frame[column].map(lambda v: isinstance(v, _AS_TEXT)).any():
                        frame[column] = frame[column].map(_as_text)
                frames[name] = frame
            schema = _schema(inspector, frames)
    finally:
        engine.dispose()
    return schema, frames


def partitions(conn) -> set[str]:
    """Tables not scored on their own: the tool's and SQLite's bookkeeping, and PostgreSQL
    partitions (their rows are read through the partitioned table)."""
    from seed_assets.sources.reflect.partitions import children_of_parents

    names = sa.inspect(conn).get_table_names()
    return {t for t in names if t.startswith(SKIP_PREFIXES)} | set(children_of_parents(conn))


_AS_TEXT = (list, dict, bytes, bytearray, memoryview)


def _as_text(value):
    """Arrays and JSON compared as their text, binary values (a BYTEA picture) as hex."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value) if isinstance(value, (list, dict)) else value


def _schema(inspector, frames: dict[str, pd.DataFrame]) -> Schema:
    schema = Schema()
    for table, frame in frames.items():
        pk = inspector.get_pk_constraint(table).get("constrained_columns") or []
        fk_cols = {c for fk in inspector.get_foreign_keys(table) for c in fk["constrained_columns"]}
        scored: dict[str, str] = {}
        text: list[str] = []
        for col in inspector.get_columns(table):
            name = col["name"]
            if (len(pk) == 1 and name == pk[0]) or name in fk_cols:
                continue
            try:
                py = col["type"].python_type
            except (NotImplementedError, AttributeError):
                py = None
            series = frame[name]
            if py is bool:
                scored[name] = "boolean"
            elif py in (int, float) or (py is not None and py.__name__ == "Decimal"):
                scored[name] = "numerical"
            elif py is not None and py.__name__ in ("date", "datetime"):
                scored[name] = "datetime"
            else:
                k, m = series.nunique(dropna=True), int(series.notna().sum())
                if m and k <= MAX_LABELS and k <= MAX_LABEL_SHARE * m:
                    scored[name] = "categorical"
                else:
                    text.append(name)
        schema.columns[table] = scored
        schema.free_text[table] = text
        if len(pk) == 1:
            schema.keys[table] = pk[0]
    for table in frames:
        for fk in inspector.get_foreign_keys(table):
            parent = fk["referred_table"]
            cols, refs = fk["constrained_columns"], fk["referred_columns"]
            if len(cols) == 1 and schema.keys.get(parent) == refs[0] and parent != table:
                schema.relationships.append((parent, refs[0], table, cols[0]))
    return schema


def prepared(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Scored columns in comparable form: floats, naive UTC timestamps, text labels."""
    out = pd.DataFrame(index=frame.index)
    for name, kind in columns.items():
        series = frame[name] if name in frame else pd.Series([None] * len(frame))
        if kind == "numerical":
            out[name] = pd.to_numeric(series, errors="coerce").astype(float)
        elif kind == "datetime":
            stamps = pd.to_datetime(series, errors="coerce", utc=True).dt.tz_localize(None)
            out[name] = stamps
        else:
            out[name] = (
                series.astype(object)
                .where(series.notna(), None)
                .map(lambda v: v if v is None else str(v))
            )
    return out


def _numeric(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        values = series.astype("datetime64[ns]").astype("int64").astype(float)
        return values.where(series.notna(), np.nan)
    return series.astype(float)


def ks_complement(real: pd.Series, synth: pd.Series) -> float:
    r, s = _numeric(real).dropna(), _numeric(synth).dropna()
    if r.empty or s.empty:
        return math.nan
    with warnings.catch_warnings():  # "exact calculation unsuccessful": the statistic stands
        warnings.simplefilter("ignore", RuntimeWarning)
        return 1.0 - float(ks_2samp(r.to_numpy(), s.to_numpy()).statistic)


def tv_complement(real: pd.Series, synth: pd.Series) -> float:
    r, s = real.dropna(), synth.dropna()
    if r.empty or s.empty:
        return math.nan
    fr, fs = r.value_counts(normalize=True), s.value_counts(normalize=True)
    index = fr.index.union(fs.index)
    diff = (fr.reindex(index, fill_value=0) - fs.reindex(index, fill_value=0)).abs().sum()
    return 1.0 - 0.5 * float(diff)


def _binned(series: pd.Series) -> np.ndarray:
    values = _numeric(series)
    edges = np.histogram_bin_edges(values.dropna()) if values.notna().any() else [0, 1]
    return np.digitize(values, bins=edges)


def pair_score(real: pd.DataFrame, synth: pd.DataFrame, a: str, b: str, kinds) -> dict | None:
    """The SDMetrics pair trend of columns a and b, or None where the real pair is unrelated
    (or the measure is undefined, as for a constant column)."""
    continuous = {k: kinds[k] in ("numerical", "datetime") for k in (a, b)}
    if continuous[a] and continuous[b]:
        r = real[[a, b]].apply(_numeric).dropna()
        s = synth[[a, b]].apply(_numeric).dropna()
        if len(r) < 2 or len(s) < 2 or r[a].nunique() < 2 or r[b].nunique() < 2:
            return None
        if s[a].nunique() < 2 or s[b].nunique() < 2:
            return None
        rr = float(np.corrcoef(r[a], r[b])[0, 1])
        if not abs(rr) > CORRELATION_THRESHOLD:
            return None
        rs = float(np.corrcoef(s[a], s[b])[0, 1])
        return {"metric": "correlation", "score": 1 - abs(rr - rs) / 2, "real": rr, "synth": rs}
    try:
        r = pd.DataFrame({k: _binned(real[k]) if continuous[k] else real[k] for k in (a, b)})
        s = pd.DataFrame({k: _binned(synth[k]) if continuous[k] else synth[k] for k in (a, b)})
    except ValueError:  # no 10 finite bins (a near-constant range): SDMetrics skips it too
        return None
    counts = r.groupby([a, b], dropna=False).size()
    table = counts.unstack(fill_value=0)
    if table.to_numpy().sum() == 0 or min(table.shape) < 2:
        return None
    v = float(association(table.to_numpy(), method="cramer"))
    if not v > ASSOCIATION_THRESHOLD:
        return None
    fr = counts / len(r)
    fs = s.groupby([a, b], dropna=False).size() / max(len(s), 1)
    index = fr.index.union(fs.index)
    diff = (fr.reindex(index, fill_value=0) - fs.reindex(index, fill_value=0)).abs().fillna(0)
    return {"metric": "contingency", "score": 1 - float(diff.sum()) / 2, "real": v}


def _children(keys: pd.Series, fks: pd.Series) -> np.ndarray:
    """Children per parent, parents with none included."""
    return keys.map(fks.value_counts()).fillna(0).to_numpy(dtype=float)


def cardinality_score(real: tuple[pd.Series, pd.Series], synth: tuple[pd.Series, pd.Series]):
    r, s = _children(*real), _children(*synth)
    if not len(r) or not len(s):
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return 1.0 - float(ks_2samp(r, s).statistic)


def _mean(scores: list[float]) -> float:
    kept = [x for x in scores if x is not None and not math.isnan(x)]
    return float(np.mean(kept)) if kept else math.nan


def quality(schema: Schema, real: dict[str, pd.DataFrame], synth: dict[str, pd.DataFrame]):
    """The four properties, their mean, and every detail behind them."""
    R = {t: prepared(real[t], cols) for t, cols in schema.columns.items()}
    S = {
        t: prepared(synth.get(t, pd.DataFrame(columns=list(cols))), cols)
        for t, cols in schema.columns.items()
    }
    shapes = []
    for t, cols in schema.columns.items():
        for c, kind in cols.items():
            measure = ks_complement if kind in ("numerical", "datetime") else tv_complement
            score = measure(R[t][c], S[t][c])
            shapes.append({"table": t, "column": c, "kind": kind, "score": score})
    pairs = []
    for t, cols in schema.columns.items():
        names = list(cols)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                found = pair_score(R[t], S[t], a, b, cols)
                if found is not None:
                    pairs.append({"table": t, "columns": [a, b], **found})
    cardinality, intertable = [], []
    for parent, key, child, fk in schema.relationships:
        if parent not in real or child not in real:
            continue
        synth_parent = synth.get(parent, pd.DataFrame(columns=[key]))
        synth_child = synth.get(child, pd.DataFrame(columns=[fk]))
        score = cardinality_score(
            (real[parent][key], real[child][fk]), (synth_parent[key], synth_child[fk])
        )
        cardinality.append({"parent": parent, "child": child, "fk": fk, "score": score})
        intertable += _intertable(schema, real, synth, parent, key, child, fk)
    properties = {
        "Column Shapes": _mean([d["score"] for d in shapes]),
        "Column Pair Trends": _mean([d["score"] for d in pairs]),
        "Cardinality": _mean([d["score"] for d in cardinality]),
        "Intertable Trends": _mean([d["score"] for d in intertable]),
    }
    return {
        "quality": _mean(list(properties.values())),
        "properties": properties,
        "shapes": shapes,
        "pairs": pairs,
        "cardinality": cardinality,
        "intertable": intertable,
    }


def _key_text(series: pd.Series) -> np.ndarray:
    """Keys as text, so an integer key meets its copy read back as text or float."""

    def text(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)

    return series.map(text).to_numpy(dtype=object)


def _intertable(schema, real, synth, parent, key, child, fk) -> list[dict[str, Any]]:
    pcols, ccols = schema.columns[parent], schema.columns[child]
    if not pcols or not ccols:
        return []
    kinds = {f"{parent}.{c}": k for c, k in pcols.items()} | {
        f"{child}.{c}": k for c, k in ccols.items()
    }

    def joined(data):
        p = data.get(parent, pd.DataFrame(columns=[key, *pcols]))
        c = data.get(child, pd.DataFrame(columns=[fk, *ccols]))
        left = prepared(c, ccols).add_prefix(f"{child}.")
        left["_fk"] = _key_text(c[fk]) if fk in c else None
        right = prepared(p, pcols).add_prefix(f"{parent}.")
        right["_key"] = _key_text(p[key]) if key in p else None
        return left.merge(right, left_on="_fk", right_on="_key")

    r, s = joined(real), joined(synth)
    out = []
    for pc in pcols:
        for cc in ccols:
            a, b = f"{parent}.{pc}", f"{child}.{cc}"
            found = pair_score(r, s, a, b, kinds)
            if found is not None:
                out.append({"parent": parent, "child": child, "columns": [a, b], **found})
    return out

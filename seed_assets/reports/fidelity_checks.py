"""Beyond the quality score: the date rules of the real data checked on the synthetic data, and
privacy (exact row copies, distance to the closest real record, free-text values shared)."""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from seed_assets.reports.fidelity import Schema, partitions, prepared

DCR_ROWS = 2_000  # synthetic rows measured per table (distance is quadratic in rows)


def date_rules(real_url: str, synth_url: str) -> list[dict[str, Any]]:
    """Every `later >= earlier` that holds on all real rows (in a table, or across a
    single-column FK), with the synthetic rows that break it."""
    rules = []
    with contextlib.ExitStack() as stack:
        inspector, real, skipped = _reader(real_url, stack)
        synth_inspector, synth, _ = _reader(synth_url, stack)
        synth_tables = set(synth_inspector.get_table_names())
        for table in inspector.get_table_names():
            if table not in synth_tables or table in skipped:
                continue
            dates = _dates(inspector, table)
            for later in dates:
                for earlier in dates:
                    if later != earlier:
                        rules.append(_rule(real, synth, table, None, later, earlier))
            fks = inspector.get_foreign_keys(table)
            targets = [fk["referred_table"] for fk in fks]
            for fk in fks:
                parent = fk["referred_table"]
                if parent == table or targets.count(parent) != 1:
                    continue
                if parent not in synth_tables:
                    continue
                for earlier in _dates(inspector, parent):
                    for later in dates:
                        rules.append(_rule(real, synth, table, fk, later, earlier))
    return [r for r in rules if r is not None]


def _reader(url: str, stack: contextlib.ExitStack):
    """(inspector, sampler, tables not scored) of a database or a Parquet folder, closed
    with `stack`."""
    from seed_assets.sources.profile.sampling import Sampler
    from seed_assets.targets.parquet_urls import is_parquet_url

    if is_parquet_url(url):
        from seed_assets.sources.parquet import ParquetSampler, open_source
        from seed_assets.sources.parquet.inspector import ParquetInspector

        source = open_source(url)
        return ParquetInspector(source), ParquetSampler(source.folder, 1), set()
    engine = sa.create_engine(url)
    stack.callback(engine.dispose)
    conn = stack.enter_context(engine.connect())
    return sa.inspect(conn), Sampler(conn, 1), partitions(conn)


def _dates(inspector, table: str) -> list[str]:
    out = []
    for col in inspector.get_columns(table):
        try:
            py = col["type"].python_type
        except (NotImplementedError, AttributeError):
            continue
        if py.__name__ in ("date", "datetime"):
            out.append(col["name"])
    return out


def _rule(real, synth, table, fk, later, earlier) -> dict[str, Any] | None:
    parent = fk["referred_table"] if fk else None
    cols = fk["constrained_columns"] if fk else None
    refs = fk["referred_columns"] if fk else None
    if real.count_before(table, cols, parent, refs, later, earlier):
        return None  # does not hold in the real data: no rule
    if not real.has_pairs(table, cols, parent, refs, later, earlier):
        return None
    broken = synth.count_before(table, cols, parent, refs, later, earlier)
    earlier_name = f"{parent}.{earlier}" if parent else earlier
    return {"table": table, "rule": f"{later} >= {earlier_name}", "broken": broken}


def privacy(schema: Schema, real: dict[str, pd.DataFrame], synth: dict[str, pd.DataFrame]):
    """Per table: synthetic rows equal to a real row (scored columns), the median distance to
    the closest real record next to the real data's own (each real row to its nearest other
    one), and free-text values found in both."""
    out = []
    for table, cols in schema.columns.items():
        if table not in synth:
            continue
        entry: dict[str, Any] = {"table": table, "rows": len(synth[table]), "columns": len(cols)}
        if cols:
            r, s = prepared(real[table], cols), prepared(synth[table], cols)
            keys_r = set(map(tuple, r.astype(str).to_numpy()))
            matches = sum(1 for row in map(tuple, s.astype(str).to_numpy()) if row in keys_r)
            entry["exact_matches"] = matches
            entry["exact_share"] = matches / max(len(s), 1)
            entry |= _dcr(r, s, cols)
        shared = {}
        for column in schema.free_text.get(table, []):
            if column in synth[table]:
                real_values = set(real[table][column].dropna().astype(str))
                found = synth[table][column].dropna().astype(str)
                common = int(found.isin(real_values).sum())
                if common:
                    shared[column] = common
        entry["free_text_shared"] = shared
        out.append(entry)
    return out


def _dcr(real: pd.DataFrame, synth: pd.DataFrame, cols: dict[str, str]) -> dict[str, float]:
    """Distances on the numeric and date columns scaled to [0, 1] (categories: 0 or 1)."""

    def encode(frame: pd.DataFrame, ref: pd.DataFrame) -> np.ndarray:
        parts = []
        for c, kind in cols.items():
            if kind in ("numerical", "datetime"):

                def num(x):
                    if pd.api.types.is_datetime64_any_dtype(x):
                        return x.astype("datetime64[ns]").astype("int64").astype(float)
                    return x.astype(float)

                v, base = num(frame[c]), num(ref[c])
                lo, hi = base.min(), base.max()
                span = (hi - lo) or 1.0
                parts.append(((v - lo) / span).fillna(-1).to_numpy())
            else:
                labels = {k: i for i, k in enumerate(ref[c].dropna().unique())}
                parts.append(frame[c].map(labels).fillna(-1).to_numpy(dtype=float))
        return np.column_stack(parts) if parts else np.zeros((len(frame), 0))

    rng = np.random.default_rng(0)
    r = encode(real, real)
    s = encode(synth, real)
    if not len(r) or not len(s) or not r.shape[1]:
        return {}
    s = s[rng.permutation(len(s))[:DCR_ROWS]]
    probe = r[rng.permutation(len(r))[:DCR_ROWS]]

    def nearest(a: np.ndarray, b: np.ndarray, same: bool) -> np.ndarray:
        out = np.empty(len(a))
        for i in range(0, len(a), 256):
            d = np.abs(a[i : i + 256, None, :] - b[None, :, :]).sum(axis=2)
            if same:
                d[d == 0] = np.inf  # itself (and real duplicates) left out
            out[i : i + 256] = d.min(axis=1)
        return out

    synth_d = nearest(s, r, False)
    real_d = nearest(probe, r, True)
    real_d = real_d[np.isfinite(real_d)]
    return {
        "dcr_median": float(np.median(synth_d)),
        "dcr_real_median": float(np.median(real_d)) if len(real_d) else float("nan"),
        "dcr_zero_share": float(np.mean(synth_d == 0)),
    }

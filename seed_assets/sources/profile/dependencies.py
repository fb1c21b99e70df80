"""Dependencies between columns, found in the sample and written in the spec's relationship
language: copies from a referenced row (`copy_of`, with the share of rows that copy),
conditional categories and distributions (`when`), and linear relations between numbers
(`expr: a + b * x + normal(0, s)`). Each is kept only where the real data shows it strongly
(Cramér's V, the correlation ratio or |r| above the thresholds a reviewer would call related);
each column gets at most one, the strongest, and no circle forms."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats.contingency import association

from seed_assets.sources.profile.columns import QUANTILE_KNOTS, quantile_knots
from seed_assets.spec.models import NUMERIC_TYPES, STRING_TYPES, TEMPORAL_TYPES

MIN_COPY_SHARE = 0.5
MIN_ASSOCIATION = 0.3  # Cramér's V, or the correlation ratio, of categories
MIN_CORRELATION = 0.5  # |r| of numbers
MIN_CASE_ROWS = 20
# Rows whose driver value has a case. The driver itself is generated from its kept labels
# only, so rows of its rare values never come: their share must be small, or the cases
# would stand in for the whole column (ship countries from 8 customer countries of 21).
MIN_COVERAGE = 0.8  # rows of a case before it gets its own distribution
_NULL = "\x00null"  # a NULL as a label of its own while counting
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class Found:
    column: str
    strength: float
    reads: str  # a same-row column or "Parent.column"
    fields: dict[str, Any]
    why: str
    also: tuple[str, ...] = ()  # further columns it reads (a `logit`'s other features)


def _family(kind: str) -> str:
    if kind in NUMERIC_TYPES:
        return "number"
    if kind in STRING_TYPES:
        return "text"
    if kind in TEMPORAL_TYPES:
        return "time"
    return kind


def _plain(fields: dict[str, Any]) -> bool:
    return not any(k in fields for k in ("sequence", "after", "before", "unique", "identity"))


def candidates(
    table: str,
    data: dict[str, Any],
    sample: pd.DataFrame,
    parents: dict[str, tuple[dict[str, Any], pd.DataFrame]],
    fk_columns: set[str],
    min_count: int,
) -> list[Found]:
    """Every dependency the sample supports. `parents`: parent table -> (its spec data, the
    child sample joined to it, parent columns prefixed ``Parent.``)."""
    columns = data["columns"]
    own = {
        c: f
        for c, f in columns.items()
        if c in sample
        and c not in fk_columns
        and _plain(f)
        and c not in data.get("primary_key", [])
    }
    found: list[Found] = []
    for target, fields in own.items():
        if fields["type"] in TEMPORAL_TYPES:
            continue  # dates follow their own rules (`after`)
        for source, sfields in own.items():
            if source != target:
                found += _pair(
                    target, fields, sample[target], source, sfields, sample[source], min_count
                )
        for parent, (pdata, joined) in parents.items():
            for pcol, pfields in pdata["columns"].items():
                name = f"{parent}.{pcol}"
                if (
                    name not in joined
                    or not _plain(pfields)
                    or ("choice" not in pfields and _family(pfields["type"]) != "number")
                ):
                    continue
                # A copy of a parent that kept fewer labels (its rare ones left out) would lose
                # this column's: it keeps its own categories then.
                fewer = "choice" in fields and len(pfields.get("choice") or fields["choice"]) < len(
                    fields["choice"]
                )
                if _family(pfields["type"]) == _family(fields["type"]) and not fewer:
                    share = _copy_share(joined[target], joined[name])
                    if share >= MIN_COPY_SHARE:
                        copy = {"column": name, "probability": round(share, 4)}
                        why = f"equals {name} in {share:.0%} of rows"
                        noise = _copy_noise(joined[target], joined[name]) if share < 1 else None
                        if noise is not None and "choice" not in fields:
                            copy["noise"] = noise
                            why += f", the others within {noise:.0%} of it (root mean square)"
                        found.append(Found(target, 1.0 + share, name, {"copy_of": copy}, why))
                found += _pair(
                    target, fields, joined[target], name, pfields, joined[name], min_count
                )
    return found


def _as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _copy_share(child: pd.Series, parent: pd.Series) -> float:
    """The share of rows equal to the parent's value, beyond what chance gives (two columns
    that are mostly 1 agree without any copying)."""
    both = child.notna() & parent.notna()
    if both.sum() < 2 or child[both].nunique() < 2:
        return 0.0
    a, b = child[both], parent[both]
    pa = _labels(a).value_counts(normalize=True)
    pb = _labels(b).value_counts(normalize=True)
    chance = float((pa * pb.reindex(pa.index, fill_value=0)).sum())
    try:
        same = np.isclose(a.astype(float), b.astype(float))
    except (TypeError, ValueError):
        same = a.astype(str).to_numpy() == b.astype(str).to_numpy()
    share = float(np.mean(same))
    # Half the room above chance at least: 0.99/1.99 prices copied in every row count, two
    # columns both mostly 1 do not.
    return share if share - chance >= 0.5 * (1 - chance) and share > chance else 0.0


MAX_COPY_NOISE = 0.5  # relative spread of a copy's other rows, beyond which they are unrelated


def _copy_noise(child: pd.Series, parent: pd.Series) -> float | None:
    """Where a number is not its parent's exactly (a line's price from before a price
    change), how far it is, relative to the parent's: the root mean square of child / parent
    - 1 over those rows, so `copy_of.noise` keeps them near their parent's value rather than
    drawn on their own. None when those rows are few or unrelated."""
    frame = pd.DataFrame(
        {"c": pd.to_numeric(child, errors="coerce"), "p": pd.to_numeric(parent, errors="coerce")}
    ).dropna()
    frame = frame[(frame["p"] != 0) & ~np.isclose(frame["c"], frame["p"])]
    if len(frame) < MIN_CASE_ROWS:
        return None
    rms = float(np.sqrt(np.mean((frame["c"] / frame["p"] - 1.0) ** 2)))
    return round(rms, 4) if 0 < rms <= MAX_COPY_NOISE else None


def _pair(target, fields, values, source, sfields, by, min_count) -> list[Found]:
    """`target` as a function of `source` (same row or parent): categories on a category,
    a distribution per category, or a line through a number."""
    kind, skind = fields["type"], sfields["type"]
    if "choice" in sfields:  # a categorical driver: `when`
        # The driver is generated from its kept labels only: cases for those alone.
        kept = {str(_number_text(x)) for x in sfields["choice"]}
        by = _labels(by).where(_labels(by).isin(kept))
        if "rate" in fields:
            return _when_rate(target, values, source, by, min_count)
        if "choice" in fields:
            return _when_choice(target, fields, values, source, by, min_count)
        if "distribution" in fields and kind in NUMERIC_TYPES:
            return _when_distribution(target, fields, values, source, by, min_count)
        return []
    numbers = kind in NUMERIC_TYPES and skind in NUMERIC_TYPES
    named = all(_NAME.match(p) for p in source.split("."))
    same_row = "." not in source  # a same-row pair is a copula correlation (`correlations`)
    if (
        numbers
        and named
        and not same_row
        and "distribution" in fields
        and "distribution" in sfields
    ):
        return _line(target, fields, values, source, by)
    return []


def _labels(series: pd.Series) -> pd.Series:
    return series.map(
        lambda v: (
            None if v is None or (isinstance(v, float) and math.isnan(v)) else str(_number_text(v))
        )
    )


def _number_text(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if hasattr(v, "is_integer") and not isinstance(v, float):  # Decimal
        f = float(v)
        return int(f) if f.is_integer() else f
    return v


def _when_choice(target, fields, values, source, by, min_count) -> list[Found]:
    """Categories per value of the driver, and the NULL share per value (a state that only
    some countries have)."""
    labels = _labels(values).fillna(_NULL)
    everything = pd.DataFrame({"t": labels, "s": _labels(by)})
    rows = int(everything["t"].notna().sum())
    frame = everything.dropna()
    table = pd.crosstab(frame["s"], frame["t"])
    if table.shape[0] < 2 or table.shape[1] < 2:
        return []
    if table.shape[0] > table.shape[1]:
        return []  # a finer column depends on a coarser one (state on country), not back
    v = float(association(table.to_numpy(), method="cramer"))
    if v <= MIN_ASSOCIATION:
        return []
    allowed = {str(_number_text(x)) for x in fields["choice"]}
    overall_null = float(fields.get("null_fraction", 0.0))
    cases = {}
    for case, row in table.iterrows():
        if row.sum() < min_count:
            continue
        nulls = int(row.get(_NULL, 0))
        row = row.drop(_NULL, errors="ignore")
        case_spec: dict[str, Any] = {}
        share = float(nulls / (nulls + row.sum()))
        if abs(share - overall_null) > 0.05:
            case_spec["null_fraction"] = round(min(share, 0.999), 4)
        kept = row[(row >= min_count) & row.index.isin(allowed)]
        if not kept.empty:
            shares = (kept / kept.sum()).round(4)
            choice = {_typed(k, fields["type"]): float(s) for k, s in shares.items()}
            first = next(iter(choice))
            choice[first] = round(1.0 - sum(x for k, x in choice.items() if k != first), 4)
            case_spec["choice"] = choice
        if case_spec:
            cases[case] = case_spec
    # Rows whose driver value has a case: a driver that lost its rare labels covers fewer.
    covered = float(table.loc[list(cases)].to_numpy().sum() / max(rows, 1)) if cases else 0.0
    v *= covered
    if not cases or covered < MIN_COVERAGE:
        return []
    base = _residual(table.drop(index=list(cases)), allowed, fields["type"], min_count)
    return [
        Found(
            target,
            v,
            source,
            {"when": {"column": source, "cases": cases}, **base},
            f"categories depend on {source} (Cramér's V {v:.2f})",
        )
    ]


def _residual(rest: pd.DataFrame, allowed: set[str], kind: str, min_count: int) -> dict:
    """The column's own source for rows no case covers: what those rows hold (labels seen at
    least `min_count` times), so the cases do not count twice."""
    if rest.empty:
        return {}
    counts = rest.sum(axis=0)
    nulls = int(counts.get(_NULL, 0))
    counts = counts.drop(_NULL, errors="ignore")
    kept = counts[(counts >= min_count) & counts.index.isin(allowed)]
    if kept.empty:
        return {}
    shares = (kept / kept.sum()).round(4)
    choice = {_typed(k, kind): float(x) for k, x in shares.items()}
    first = next(iter(choice))
    choice[first] = round(1.0 - sum(x for k, x in choice.items() if k != first), 4)
    share = float(nulls / (nulls + counts.sum()))
    return {"choice": choice, "null_fraction": round(min(share, 0.999), 4)}


def _typed(label: str, kind: str):
    if kind in NUMERIC_TYPES:
        f = float(label)
        return int(f) if kind not in ("float", "decimal") else f
    return label


def _when_found(target, eta, source, groups, cases, rows, what: str) -> list[Found]:
    """`target`'s `when:` rule by `source`, kept only if its cases cover most of the rows."""
    covered = sum(len(part) for case, part in groups if case in cases) / max(rows, 1)
    if not cases or covered < MIN_COVERAGE:
        return []
    return [
        Found(
            target,
            eta**2,
            source,
            {"when": {"column": source, "cases": cases}},
            f"{what} depends on {source} (correlation ratio {eta:.2f})",
        )
    ]


def _when_rate(target, values, source, by, min_count) -> list[Found]:
    """A rare event's rate per value of its driver (fraud by channel), where the rates differ
    (correlation ratio above the threshold) and the cases cover most rows."""
    flags = values.map(lambda v: None if v is None else float(bool(v)))
    rows = int(flags.notna().sum())
    frame = pd.DataFrame({"t": flags, "s": _labels(by)}).dropna()
    if len(frame) < 2 * MIN_CASE_ROWS or frame["t"].nunique() < 2:
        return []
    groups = frame.groupby("s")["t"]
    mean = frame["t"].mean()
    total = ((frame["t"] - mean) ** 2).sum()
    eta = math.sqrt((groups.count() * (groups.mean() - mean) ** 2).sum() / total) if total else 0.0
    if eta <= MIN_ASSOCIATION:
        return []
    cases = {
        case: {"rate": round(float(part.mean()), 4)}
        for case, part in groups
        if len(part) >= max(MIN_CASE_ROWS, min_count)
    }
    return _when_found(target, eta, source, groups, cases, rows, "event rate")


def _when_distribution(target, fields, values, source, by, min_count) -> list[Found]:
    numbers = pd.to_numeric(values, errors="coerce")
    rows = int(numbers.notna().sum())
    frame = pd.DataFrame({"t": numbers, "s": _labels(by)}).dropna()
    if len(frame) < 2 * MIN_CASE_ROWS or frame["t"].nunique() < 2:
        return []
    groups = frame.groupby("s")["t"]
    total = ((frame["t"] - frame["t"].mean()) ** 2).sum()
    between = (groups.count() * (groups.mean() - frame["t"].mean()) ** 2).sum()
    eta = math.sqrt(between / total) if total else 0.0
    if eta <= math.sqrt(MIN_ASSOCIATION):
        return []
    cases = {}
    for case, part in groups:
        if len(part) < max(MIN_CASE_ROWS, min_count):
            continue
        knots = quantile_knots(part.to_numpy(dtype=float), min_count)
        cases[case] = {
            "distribution": {"kind": "quantiles", "values": knots},
            "min": knots[0],
            "max": knots[-1],
        }
    return _when_found(target, eta, source, groups, cases, rows, "distribution")


def _line(target, fields, values, source, by) -> list[Found]:
    frame = pd.DataFrame(
        {"t": pd.to_numeric(values, errors="coerce"), "s": pd.to_numeric(by, errors="coerce")}
    ).dropna()
    if len(frame) < 30 or frame["s"].std() == 0 or frame["t"].std() == 0:
        return []
    r = float(np.corrcoef(frame["s"], frame["t"])[0, 1])
    if abs(r) <= MIN_CORRELATION:
        return []
    slope, intercept = np.polyfit(frame["s"], frame["t"], 1)
    noise = float(np.std(frame["t"] - (intercept + slope * frame["s"])))
    low, high = fields.get("min"), fields.get("max")
    body = f"{intercept:.6g} + {slope:.6g} * {source} + normal(0, {max(noise, 1e-9):.6g})"
    expr = f"clip({body}, {low:.6g}, {high:.6g})" if low is not None and high is not None else body
    return [
        Found(
            target,
            r * r,
            source,
            {"expr": expr},
            f"a line through {source} (r = {r:.2f}), residual sd {noise:.3g}",
        )
    ]


MIN_RANK = 0.3  # |Spearman| of two numbers or dates before a `correlations` entry


def correlations(data: dict[str, Any], sample: pd.DataFrame, keys: set[str]) -> list[dict]:
    """Rank correlations between the table's independently drawn numbers and dates (a Gaussian
    copula keeps each column's own distribution), strongest first, kept only while their
    matrix stays possible (positive definite)."""
    from seed_assets.spec.correlations import REORDERABLE, pearson_of

    names = [
        c
        for c, f in data["columns"].items()
        if c in sample
        and c not in keys
        and (f["type"] in NUMERIC_TYPES or f["type"] in TEMPORAL_TYPES)
        and _source(f) in REORDERABLE
        and not any(
            k in f for k in ("when", "copy_of", "expr", "unique", "sequence", "after", "before")
        )
    ]
    numeric = pd.DataFrame({c: _as_number(sample[c]) for c in names})
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            both = numeric[[a, b]].dropna()
            if len(both) < 30 or both[a].nunique() < 2 or both[b].nunique() < 2:
                continue
            rank = float(both[a].rank().corr(both[b].rank()))
            if abs(rank) > MIN_RANK:
                pairs.append((abs(rank), a, b, round(rank, 3)))
    kept: list[tuple[str, str, float]] = []
    for _, a, b, rank in sorted(pairs, reverse=True):
        trial = [*kept, (a, b, rank)]
        cols = sorted({c for x, y, _ in trial for c in (x, y)})
        index = {c: k for k, c in enumerate(cols)}
        m = np.eye(len(cols))
        for x, y, r in trial:
            m[index[x], index[y]] = m[index[y], index[x]] = pearson_of(r)
        if np.linalg.eigvalsh(m).min() > 1e-6:
            kept = trial
    return [{"columns": [a, b], "rank": r} for a, b, r in kept]


def _source(fields: dict[str, Any]) -> str | None:
    for key in ("distribution", "between", "choice", "faker"):
        if key in fields:
            return key
    return None


def _as_number(series: pd.Series) -> pd.Series:
    if series.map(lambda v: hasattr(v, "year")).any():
        stamps = pd.to_datetime(series, errors="coerce", utc=True)
        return stamps.astype("int64").where(stamps.notna()).astype(float)
    return pd.to_numeric(series, errors="coerce").astype(float)


def choose(found: list[Found]) -> list[Found]:
    """The strongest dependency per column, skipping any that would close a circle."""
    chosen: dict[str, Found] = {}
    for item in sorted(found, key=lambda f: -f.strength):
        if item.column not in chosen and not _reaches(item, item.column, chosen):
            chosen[item.column] = item
    return list(chosen.values())


def _reaches(item: Found, column: str, chosen: dict[str, Found]) -> bool:
    """`item` reads `column`, directly or through the same-row columns chosen so far."""
    stack, seen = [item.reads, *item.also], set()
    while stack:
        step = stack.pop()
        if "." in step or step in seen:
            continue  # a parent's column is made before this table
        if step == column:
            return True
        seen.add(step)
        if step in chosen:
            stack += [chosen[step].reads, *chosen[step].also]
    return False


def apply(found: Found, fields: dict[str, Any]) -> None:
    """Write one dependency into a column's fields (the column keeps its own source where the
    language wants one: a copy's other rows, a `when`'s other values)."""
    if "expr" in found.fields:
        for key in ("distribution", "min", "max", "choice"):
            fields.pop(key, None)
    fields.update(found.fields)


__all__ = ["QUANTILE_KNOTS", "Found", "apply", "candidates", "choose"]

"""Rare events driven by numbers: a flag whose rate rises or falls with the row's amounts (or
its parent row's), written as the spec's `logit` score beside the measured `rate`.

For each number the sample offers (as it is, or as ``log1p`` when it is never negative and
skewed), a one-feature logistic regression is compared with the flag's plain rate by a
likelihood-ratio test; only numbers that pass at p < 0.001 are kept (at most four, the
strongest), and a joint fit gives their slopes. The intercept is not written: the engine
solves it per chunk so that the overall `rate` holds. Nothing but slopes and the rate leaves
the sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seed_assets.sources.profile.dependencies import Found
from seed_assets.spec.models import NUMERIC_TYPES

MAX_RARE_RATE = 0.25  # an event: true (or false) in at most this share of rows
MIN_EVENTS = 20  # rows on each side before a slope is measured
LR_THRESHOLD = 10.83  # chi-squared, 1 degree of freedom, p = 0.001
MAX_FEATURES = 4
_DEPENDENT = ("when", "copy_of", "expr", "aggregate", "sequence", "unique", "after", "before")


def candidates(data: dict, sample: pd.DataFrame, parents: dict, keys: set[str]) -> list[Found]:
    """A `logit` for each rare boolean event of the table that numbers drive."""
    columns = data["columns"]
    found = []
    for target, fields in columns.items():
        if fields.get("type") != "boolean" or "rate" not in fields or target not in sample:
            continue
        if not 0 < min(fields["rate"], 1 - fields["rate"]) <= MAX_RARE_RATE:
            continue
        features = {
            name: sample[name]
            for name, f in columns.items()
            if name in sample and name not in keys and _number(f)
        }
        item = _fit_event(target, sample[target], features)
        for parent, (pdata, joined) in parents.items():
            if item is not None or target not in joined:
                continue
            features = {
                f"{parent}.{name}": joined[f"{parent}.{name}"]
                for name, f in pdata["columns"].items()
                if f"{parent}.{name}" in joined and _number(f)
            }
            item = _fit_event(target, joined[target], features)
        if item is not None:
            found.append(item)
    return found


def _number(fields: dict) -> bool:
    return fields.get("type") in NUMERIC_TYPES and not any(k in fields for k in _DEPENDENT)


def _fit_event(target: str, flags: pd.Series, features: dict[str, pd.Series]) -> Found | None:
    y = flags.map(lambda v: None if v is None or v != v else float(bool(v)))
    y = pd.to_numeric(y, errors="coerce")
    tested = []
    for name, series in features.items():
        x = pd.to_numeric(series, errors="coerce").astype(float)
        both = y.notna() & x.notna()
        if both.sum() < 4 * MIN_EVENTS or x[both].nunique() < 3:
            continue
        yy = y[both].to_numpy()
        if min(yy.sum(), len(yy) - yy.sum()) < MIN_EVENTS:
            continue
        best = None
        forms = [("plain", x[both].to_numpy())]
        if (x[both] >= 0).all() and x[both].skew() > 1:
            forms.append(("log1p", np.log1p(x[both].to_numpy())))
        for form, values in forms:
            ratio = _likelihood_ratio(values, yy)
            if ratio > LR_THRESHOLD and (best is None or ratio > best[0]):
                best = (ratio, name, form)
        if best is not None:
            tested.append(best)
    if not tested:
        return None
    kept = sorted(tested, reverse=True)[:MAX_FEATURES]
    frame = pd.DataFrame({"y": y})
    for _, name, form in kept:
        x = pd.to_numeric(features[name], errors="coerce").astype(float)
        frame[name] = np.log1p(x) if form == "log1p" else x
    frame = frame.dropna()
    names = [name for _, name, _ in kept]
    x = frame[names].to_numpy()
    mean, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1.0
    beta = _logistic((x - mean) / sd, frame["y"].to_numpy())
    slopes = beta[1:] / sd
    score = x @ slopes
    r = float(np.corrcoef(score, frame["y"])[0, 1]) if np.std(score) > 0 else 0.0
    terms = []
    for (_, name, form), slope in zip(kept, slopes, strict=True):
        feature = f"log1p({name})" if form == "log1p" else name
        terms.append(f"{float(slope):.4g} * {feature}")
    expr = " + ".join(terms)
    why = (
        f"event more likely with {', '.join(names)} (logistic slopes, likelihood-ratio test "
        f"p < 0.001; score r = {r:.2f})"
    )
    return Found(target, abs(r), names[0], {"logit": expr}, why, tuple(names[1:]))


def _likelihood_ratio(x: np.ndarray, y: np.ndarray) -> float:
    """2 (log L(one feature) - log L(rate alone))."""
    sd = x.std()
    if sd == 0:
        return 0.0
    z = ((x - x.mean()) / sd)[:, None]
    beta = _logistic(z, y)
    p = _sigmoid(beta[0] + z[:, 0] * beta[1])
    rate = y.mean()
    null = len(y) * (rate * np.log(rate) + (1 - rate) * np.log(1 - rate))
    return float(2 * (_log_likelihood(p, y) - null))


def _logistic(x: np.ndarray, y: np.ndarray, rounds: int = 30) -> np.ndarray:
    """Intercept and slopes by Newton's method (a small ridge keeps separable data finite)."""
    design = np.column_stack([np.ones(len(x)), x])
    beta = np.zeros(design.shape[1])
    for _ in range(rounds):
        p = _sigmoid(design @ beta)
        w = p * (1 - p)
        hessian = design.T @ (design * w[:, None]) + 1e-6 * np.eye(len(beta))
        step = np.linalg.solve(hessian, design.T @ (y - p))
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def _log_likelihood(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))

"""The integrity checks' measures and bounds: dates, children-per-parent fits, rare-event
rates, null shares, keys. ``stream.TableChecker`` counts chunk by chunk and concludes with
these; bounds come from the spec (its generation parameters and its ``expectations``), never
from per-table code.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from seed_assets.spec.distributions import EmpiricalCount, FixedCount
from seed_assets.spec.models import Spec, TableSpec
from seed_assets.spec.relations import conditional_nulls, conditional_rate
from seed_assets.validation.results import (
    SAMPLE_ROWS,
    CheckResult,
    Measurement,
    fmt_num,
    fmt_rate,
)

ENGINE = "integrity"
# Rates and null fractions drawn per row are binomial: a bound of 5 standard errors is missed
# by correct data about once in 1.7 million checks, while real drift still shows.
SIGMAS = 5.0
# A chi-square p-value below this says the children-per-parent counts do not follow the spec's
# distribution. Generated data misses it once in a million runs; drifted data has p ~ 0.
MIN_P_VALUE = 1e-6
MIN_EXPECTED_PER_BIN = 5.0


def column_dates(series: pd.Series, where: str) -> np.ndarray:
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        raise TypeError(f"{where} holds {series.dtype}, not dates; see the pandera_schema check")
    return series.to_numpy().astype("datetime64[s]")


def distribution_label(dist) -> str:
    """``poisson(mean=15, min=1)``: the spec's arguments, defaults left out."""
    if isinstance(dist, FixedCount):
        return f"fixed(n={dist.n})"
    if isinstance(dist, EmpiricalCount):
        return f"empirical({len(dist.counts)} counts, max={max(dist.counts)})"
    values = dist.model_dump(exclude={"kind"})
    defaults = {name: f.default for name, f in type(dist).model_fields.items()}
    order = [*dist.positional, *(k for k in values if k not in dist.positional)]
    args = [
        f"{k}={values[k]:g}"
        for k in order
        if values[k] is not None and values[k] != defaults.get(k)
    ]
    return f"{dist.kind}({', '.join(args)})"


def clipped_pmf(dist, upto: int) -> np.ndarray:
    """P(children = k) for k = 0..upto as generated: drawn, then clipped to [min, max].

    The mass the pmf leaves beyond `upto` lands on `upto` (the last bin reads "upto or more").
    """
    raw = np.asarray(dist.pmf(upto), dtype=np.float64)[: upto + 1]
    raw = np.concatenate([raw, np.zeros(upto + 1 - len(raw))])
    raw[upto] += max(0.0, 1.0 - raw.sum())
    low, high = dist.min, dist.max if dist.max is not None else upto
    out = np.zeros(upto + 1)
    ks = np.clip(np.arange(upto + 1), low, min(high, upto))
    np.add.at(out, ks, raw)
    return out / out.sum()


def support_bound(dist, observed_max: int) -> int:
    """A count past which the distribution has (almost) no mass, and past every observation."""
    if dist.max is not None:
        return max(int(dist.max), observed_max)
    upto = max(16, observed_max, int(4 * dist.expected_mean()) + 16)
    while upto < 10_000_000:
        if float(np.sum(dist.pmf(upto))) >= 1.0 - 1e-12:
            break
        upto *= 2
    return max(upto, observed_max)


HISTOGRAM_SLICE = 1 << 22


def count_histogram(counts: np.ndarray) -> np.ndarray:
    """Parents per number of children (``np.bincount(counts)``), a slice at a time: bincount
    copies its input to 64-bit integers, 8 bytes per parent (70M parents at 100M rows)."""
    total = np.zeros(1, dtype=np.int64)
    for start in range(0, len(counts), HISTOGRAM_SLICE):
        part = np.bincount(counts[start : start + HISTOGRAM_SLICE])
        if len(part) > len(total):
            part[: len(total)] += total
            total = part
        else:
            total[: len(part)] += part
    return total


def histogram_variance(histogram: np.ndarray) -> float:
    """The variance of the counts a `count_histogram` describes (without expanding them)."""
    n = histogram.sum()
    if not n:
        return float("nan")
    k = np.arange(len(histogram), dtype=np.float64)
    mean = float((histogram * k).sum() / n)
    return float((histogram * (k - mean) ** 2).sum() / n)


def distribution_fit(counts: np.ndarray, dist) -> dict[str, float]:
    """Chi-square goodness of fit of children-per-parent `counts` to the spec's distribution.

    Counts the distribution cannot produce (outside [min, max], or any count but n for
    fixed(n)) are reported apart as `impossible`. Bins are merged until each expects at least
    five parents; with fewer than two bins the test has nothing to say and p is 1.
    """
    n = len(counts)
    observed_max = int(counts.max()) if n else 0
    upto = support_bound(dist, observed_max)
    probs = clipped_pmf(dist, upto)
    observed = np.zeros(upto + 1)
    histogram = count_histogram(counts)[: upto + 1]
    observed[: len(histogram)] = histogram
    possible = probs > 0
    impossible = int(observed[~possible].sum())
    expected_counts = probs * n
    bins_o, bins_e, acc_o, acc_e = [], [], 0.0, 0.0
    for k in np.flatnonzero(possible):
        acc_o += observed[k]
        acc_e += expected_counts[k]
        if acc_e >= MIN_EXPECTED_PER_BIN:
            bins_o.append(acc_o)
            bins_e.append(acc_e)
            acc_o = acc_e = 0.0
    if acc_e > 0 or acc_o > 0:
        if bins_e:
            bins_o[-1] += acc_o
            bins_e[-1] += acc_e
        else:
            bins_o.append(acc_o)
            bins_e.append(acc_e)
    o, e = np.asarray(bins_o), np.asarray(bins_e)
    dof = len(e) - 1
    chi2 = float(np.sum((o - e) ** 2 / e)) if dof >= 1 else 0.0
    from scipy.special import chdtrc  # scipy takes ~0.15 s to import: only when a test runs

    p_value = float(chdtrc(dof, chi2)) if dof >= 1 else 1.0
    ks = np.arange(upto + 1)
    mean = float(np.sum(ks * probs))
    return {
        "chi2": chi2,
        "dof": dof,
        "p_value": p_value,
        "impossible": impossible,
        "expected_variance": float(np.sum(probs * (ks - mean) ** 2)),
        "observed": observed,
        "expected": expected_counts,
    }


def cardinality_from_counts(
    spec, name: str, children_per_parent, *, only_driving: bool = False, fks=None
) -> CheckResult:
    """``cardinality`` from children-per-parent counts given by `children_per_parent(fk)`
    (counted chunk by chunk when streaming), for the FKs `fks` covers (default: all).
    `only_driving` leaves out the ``expectations.children_per_parent`` rules (a partition's
    parents are not all there)."""
    result = CheckResult(
        name,
        "cardinality",
        ENGINE,
        "Children per parent against the spec: the mean within tolerance, and the distribution "
        "(chi-square against the pmf, so Poisson(15) data may not come out as exactly 15).",
    )
    table = spec.tables[name]
    covered = table.foreign_keys if fks is None else fks
    tolerance = spec.expectations.cardinality_tolerance
    driving = table.driving_fk
    if driving is not None and any(fk is driving for fk in covered):
        parent = driving.references.table
        counts = children_per_parent(driving)
        dist = driving.cardinality
        label = distribution_label(dist)
        target = dist.expected_mean()
        mean = float(counts.mean()) if len(counts) else float("nan")
        ok = len(counts) == 0 or abs(mean - target) <= tolerance * target
        result.measurements.append(
            Measurement(
                f"children per {parent}: mean",
                fmt_num(mean),
                f"{target:.3f} ± {tolerance:.0%}",
                ok,
                None if math.isnan(mean) else mean,
            )
        )
        fit = distribution_fit(counts, dist) if len(counts) else None
        if fit is None:
            result.measurements.append(
                Measurement(f"children per {parent}: fits {label}", "no parents", "-", True)
            )
        else:
            fits = fit["impossible"] == 0 and fit["p_value"] >= MIN_P_VALUE
            figure = f"chi2={fit['chi2']:.1f} (df {fit['dof']}), p={fit['p_value']:.3g}"
            if fit["impossible"]:
                figure += f", {fit['impossible']:,} impossible counts"
            result.measurements.append(
                Measurement(
                    f"children per {parent}: fits {label}",
                    figure,
                    f"p >= {MIN_P_VALUE:g}, no impossible counts",
                    fits,
                    fit["p_value"],
                )
            )
            variance = histogram_variance(count_histogram(counts))
            result.counts.update(
                {
                    "parents": len(counts),
                    "children": int(counts.sum()),
                    "mean_children": mean,
                    "expected_mean": target,
                    "variance_children": variance,
                    "expected_variance": fit["expected_variance"],
                    "min_children": int(counts.min()),
                    "max_children": int(counts.max()),
                    "p_value": fit["p_value"],
                }
            )
            if not (ok and fits):
                result.samples += _histogram_samples(fit)
    for rule in spec.expectations.children_per_parent:
        if rule.table != name:
            continue
        fk = next(f for f in table.foreign_keys if f.references.table == rule.parent)
        if not any(fk is f for f in covered):
            continue  # not filled yet, or not this step's
        if only_driving and fk is not driving:
            continue
        counts = children_per_parent(fk)
        mean = float(counts.mean()) if len(counts) else float("nan")
        low, high = rule.mean
        ok = len(counts) == 0 or low <= mean <= high
        result.measurements.append(
            Measurement(
                f"children per {rule.parent} ({', '.join(fk.columns)}): mean",
                fmt_num(mean),
                f"[{low:g}, {high:g}]",
                ok,
                None if math.isnan(mean) else mean,
            )
        )
    return result


def _histogram_samples(fit: dict) -> list[dict]:
    """The counts where observed and expected parents differ most."""
    observed, expected = fit["observed"], fit["expected"]
    order = np.argsort(-np.abs(observed - expected), kind="stable")[:SAMPLE_ROWS]
    return [
        {
            "children": int(k),
            "parents": int(observed[k]),
            "expected_parents": round(float(expected[k]), 1),
        }
        for k in sorted(order)
    ]


# -- rare events ---------------------------------------------------------------------------------


def binomial_bound(p: float, n: int) -> tuple[float, float]:
    sigma = math.sqrt(max(p * (1 - p), 0.0) / n) if n else 0.0
    return max(0.0, p - SIGMAS * sigma), min(1.0, p + SIGMAS * sigma)


def rate_columns(spec: Spec, table: str) -> list[str]:
    """The columns whose share of true rows is checked: `rate` columns and `expectations.rates`."""
    explicit = {r.column for r in spec.expectations.rates if r.table == table}
    columns = spec.tables[table].columns
    return [
        c
        for c, col in columns.items()
        if (col.rate is not None and not conditional_rate(col)) or c in explicit
    ]


def rate_measurement(spec: Spec, table: str, name: str, events: int, n: int) -> Measurement:
    """`events` true rows of `n` in `table.name`, against its bounds (explicit, or the rate's
    binomial interval)."""
    explicit = {r.column: tuple(r.between) for r in spec.expectations.rates if r.table == table}
    rate = events / n if n else float("nan")
    if name in explicit:
        low, high = explicit[name]
        source = "expectations.rates"
    else:
        expected = spec.tables[table].columns[name].rate
        low, high = binomial_bound(expected, n)
        source = f"rate {expected:g} ± {SIGMAS:g} s.e."
    return Measurement(
        f"{name}: rate",
        fmt_rate(rate),
        f"[{low:.4%}, {high:.4%}] ({source})",
        n == 0 or low <= rate <= high,
        None if math.isnan(rate) else rate,
        low=float(low),
        high=float(high),
    )


def unique_keys(table: TableSpec) -> list[list[str]]:
    keys = [list(table.primary_key)] if table.primary_key else []
    keys += [list(k) for k in table.unique]
    keys += [[c] for c, col in table.columns.items() if col.unique]
    out: list[list[str]] = []
    for key in keys:
        if key not in out:
            out.append(key)
    return out


def inherited_nulls(table: TableSpec, name: str) -> bool:
    """Columns whose nulls follow another column's (a copied FK, a date after a nullable FK),
    or the driving FK, which is never null: no fraction of their own to check."""
    column = table.columns[name]
    fk = table.fk_for_column(name)
    if fk is not None and (fk.via is not None or fk.cardinality is not None):
        return True
    return column.after is not None or column.before is not None or conditional_nulls(column)

"""The `relations` check: columns that depend on others hold what the spec says they do.

- `when`: in the rows of each case, event rates, choice shares and null shares within their
  binomial bounds (5 standard errors, as the rare-event check);
- `logit`: the event rate in each tenth of the spec's score (deciles) within the bounds of the
  spec's curve, whose intercept is calibrated to the spec's `rate` over every row; the spec's
  own (ground-truth) AUC is measured alongside;
- `expr` without random draws: every value equals the expression recomputed from its row;
- `copy_of`: the share of exact copies within the bounds of its probability (all of them at 1);
- `before`: no date after the date it must precede (time windows, with `after` in ``temporal``).

``RelationsCheck`` is fed chunk by chunk (``validation/stream.py``, which also checks whole
frames); referenced rows through a ``ParentAccess``; aggregates of
children are compared in ``validation/aggregates.py``.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
import pandas as pd

from seed_assets.engine.aggregates import frame_array
from seed_assets.engine.expressions import evaluate
from seed_assets.engine.frames import null_mask
from seed_assets.engine.relations import (
    calibrated_intercept,
    cast,
    event_score,
    typed_key,
    values_as_float,
)
from seed_assets.spec.dependencies import resolve
from seed_assets.spec.expressions import parse
from seed_assets.spec.models import ForeignKeySpec, Spec
from seed_assets.spec.relations import relational
from seed_assets.validation.aggregates import AggregateCheck, aggregates_over
from seed_assets.validation.gathered import few_texts
from seed_assets.validation.results import CheckResult, Measurement, fmt_count, fmt_rate

ENGINE = "integrity"
RULE = "relations"
DESCRIPTION = (
    "Dependent columns: conditional rates and shares, feature-driven event rates by score "
    "decile, derived and copied values, `before` windows."
)
SIGMAS = 5.0
# Scores are binned this finely to calibrate, cut deciles and measure the AUC at the end.
_BIN = 0.01
_LIMIT = 60.0
_BINS = int(2 * _LIMIT / _BIN)
DECILES = 10
# Rows sampled for rank correlations: at most this many per chunk, this many in all.
CORRELATION_CHUNK = 20_000
CORRELATION_SAMPLE = 200_000


# One-sided tail of SIGMAS normal standard errors, for counts too small for the normal curve.
_TAIL = 0.5 * math.erfc(SIGMAS / math.sqrt(2))
_POISSON_UP_TO = 50.0


def poisson_most(expected: float) -> float:
    """The most events a decile may hold when `expected` are due and few: the count a
    Poisson tail passes only with the probability of SIGMAS standard errors. The normal curve
    alone would fail a single event where 0.03 are due, a 3% chance in every decile."""
    if expected >= _POISSON_UP_TO:
        return 0.0  # the normal bound stands
    k, term = 0, math.exp(-expected)
    below = term
    while 1.0 - below > _TAIL:
        k += 1
        term *= expected / k
        below += term
    return float(k)


def applies(spec: Spec, table: str) -> bool:
    columns = spec.tables[table].columns.values()
    aggregated = bool(aggregates_over(spec, table)) or bool(spec.tables[table].correlations)
    return aggregated or any(relational(c) or c.before is not None for c in columns)


class ParentAccess(Protocol):
    """How a check reads referenced rows (streamed: a ParentSource; whole: a TableData)."""

    def values(self, fk: ForeignKeySpec, ref: str) -> np.ndarray:
        """`fk`'s target's `ref` for each row of the frame (null where none)."""

    def positions(self, fk: ForeignKeySpec) -> np.ndarray:
        """`fk`'s target row for each row of the frame (-1: none)."""

    def at(self, table: str, column: str, positions: np.ndarray) -> np.ndarray:
        """`table.column` at rows `positions`."""

    def count(self, table: str) -> int:
        """The rows of `table`."""


def own_values(series: pd.Series) -> np.ndarray:
    """A column of the chunk as the rules read it (``frame_array``), Arrow text of a few
    distinct values (a choice) as one object per value instead of one per row."""
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        return few_texts(series)
    return frame_array(series)


def _checked(column) -> bool:
    """Whether ``RelationsCheck.add`` measures anything on `column`."""
    return any(
        x is not None
        for x in (column.when, column.logit, column.expr, column.copy_of, column.before)
    )


def _bound(p: float, n: int) -> tuple[float, float]:
    sigma = math.sqrt(max(p * (1 - p), 0.0) / n) if n else 0.0
    return max(0.0, p - SIGMAS * sigma), min(1.0, p + SIGMAS * sigma)


class RelationsCheck:
    """Counts per rule over the chunks fed; ``conclude`` gives the measurements."""

    def __init__(self, spec: Spec, table: str, parent_range: tuple[int, int] | None = None):
        self.spec = spec
        self.name = table
        self.table = spec.tables[table]
        self.parent_range = parent_range
        self.aggregates: list[AggregateCheck] | None = None
        self._access: ParentAccess | None = None
        self.correlated: dict[str, list[np.ndarray]] = {}  # column -> sampled values
        self._sampled = 0
        self.counts: dict[str, list[float]] = {}  # subject -> [hits, rows]
        self.bounds: dict[str, float] = {}  # subject -> expected share
        self.histograms: dict[str, np.ndarray] = {}  # logit column -> [rows, events] per bin
        self.samples: list[dict] = []
        self.at_least: set[str] = set()  # shares bounded from below only

    def _count(self, subject: str, hits: int, rows: int, expected: float | None = None) -> None:
        have = self.counts.setdefault(subject, [0, 0])
        have[0] += hits
        have[1] += rows
        if expected is not None:
            self.bounds[subject] = expected

    def add(self, frame: pd.DataFrame, parents: ParentAccess) -> None:
        parent_values = parents.values
        self._add_aggregates(frame, parents)
        self._add_correlated(frame)
        cache: dict[str, np.ndarray] = {}

        def value(name: str) -> np.ndarray:
            if name not in cache:
                fk, ref = resolve(self.spec, self.name, name)
                cache[name] = (
                    own_values(frame[ref]) if fk is None else np.asarray(parent_values(fk, ref))
                )
            return cache[name]

        n = len(frame)
        for name, column in self.table.columns.items():
            if not _checked(column):
                continue  # no rule over it: not converted (text would cost a str per row)
            # Its nulls from the frame's own column (Arrow's validity, a NumPy mask): not
            # ``pd.isna`` over the objects a text or boolean column is converted to. Converted
            # (``value``, cached) only for the rules that compare its values.
            if column.when is not None or column.logit is not None:
                nulls = frame[name].isna().to_numpy(dtype=bool)
            if column.when is not None:
                self._add_cases(name, column, value(name), nulls, value)
            if column.logit is not None:
                score = event_score(column.logit, value, n)
                self._add_events(name, column, frame[name], nulls, score)
            if column.expr is not None and not parse(column.expr).random:
                expected = cast(column, evaluate(parse(column.expr), value, n))
                differing = _differ(value(name), expected)
                self._count(f"{name} = {column.expr}: differing", differing, n)
            if column.copy_of is not None:
                mine = value(name)
                copied = value(column.copy_of.column)
                if column.type in ("integer", "bigint", "float", "decimal"):
                    copied = cast(column, copied)
                same = ~_differ_mask(mine, copied)
                p = column.copy_of.probability
                subject = f"{name} = {column.copy_of.column}: copies"
                self._count(subject, int(same.sum()), n, p)
                if p < 1 and column.copy_of.noise is None and column.source != "distribution":
                    # The other rows draw from a discrete source that may give the same value.
                    self.at_least.add(subject)
            if column.before is not None:
                upper = value(column.before).astype("datetime64[s]")
                mine_s = value(name).astype("datetime64[s]")
                bad = ~np.isnat(mine_s) & ~np.isnat(upper) & (mine_s > upper)
                self._count(f"{name} <= {column.before}: violations", int(bad.sum()), n)

    def _add_correlated(self, frame: pd.DataFrame) -> None:
        """A bounded, evenly strided sample of the correlated columns (ranks need no more)."""
        names = list(dict.fromkeys(c for p in self.table.correlations for c in p.columns))
        if not names or self._sampled >= CORRELATION_SAMPLE:
            return
        step = max(1, len(frame) // CORRELATION_CHUNK)
        part = frame.iloc[::step].iloc[: CORRELATION_SAMPLE - self._sampled]
        for name in names:
            values = frame_array(part[name])
            if values.dtype.kind == "M":
                values = np.where(np.isnat(values), np.nan, values.view(np.int64).astype(float))
            self.correlated.setdefault(name, []).append(values_as_float(values))
        self._sampled += len(part)

    def _conclude_correlations(self, result: CheckResult) -> None:
        for pair in self.table.correlations:
            a, b = (np.concatenate(self.correlated.get(c) or [np.zeros(0)]) for c in pair.columns)
            both = ~np.isnan(a) & ~np.isnan(b)
            n = int(both.sum())
            measured = spearman(a[both], b[both]) if n > 2 else float("nan")
            slack = pair.tolerance + SIGMAS * (1 - pair.rank**2) / math.sqrt(max(n - 1, 1))
            low, high = max(-1.0, pair.rank - slack), min(1.0, pair.rank + slack)
            subject = f"rank correlation {pair.columns[0]} ~ {pair.columns[1]}"
            result.measurements.append(
                Measurement(
                    subject,
                    "n/a" if math.isnan(measured) else f"{measured:.3f}",
                    f"[{low:.3f}, {high:.3f}] (spec {pair.rank:g}, {n:,} rows sampled)",
                    n <= 2 or low <= measured <= high,
                    None if math.isnan(measured) else measured,
                    low=low,
                    high=high,
                )
            )
            result.counts[f"{subject}: spec"] = pair.rank

    def _add_aggregates(self, frame: pd.DataFrame, parents: ParentAccess) -> None:
        over = aggregates_over(self.spec, self.name)
        if not over:
            return
        self._access = parents
        driving = self.table.driving_fk
        if self.aggregates is None:
            target = driving.references.table
            low, high = self.parent_range or (0, parents.count(target))
            self.aggregates = [
                AggregateCheck(self.spec, self.name, parent, column, range(low, high))
                for parent, column in over
            ]
        positions = np.asarray(parents.positions(driving), dtype=np.int64)
        for check in self.aggregates:
            check.add(frame, positions, parents.at)

    def _add_cases(self, name, column, mine, nulls, value) -> None:
        on = value(column.when.column)
        fk, ref = resolve(self.spec, self.name, column.when.column)
        owner = self.spec.tables[fk.references.table if fk else self.name]
        kind = owner.columns[ref].type
        for key, case in column.when.cases.items():
            rows = np.asarray(on == typed_key(key, kind), dtype=bool)
            where = f"{column.when.column} = {key}"
            if case.null_fraction is not None:
                share = case.null_fraction
                hits = int((nulls & rows).sum())
                self._count(f"{name} | {where}: null share", hits, int(rows.sum()), share)
            present = rows & ~nulls
            if case.rate is not None:
                hits = int(np.asarray(mine[present], dtype=bool).sum())
                self._count(f"{name} | {where}: rate", hits, int(present.sum()), case.rate)
            median = distribution_median(column, case)
            if median is not None:
                values = values_as_float(np.asarray(mine[present]))
                hits = int((values < median).sum())
                subject = f"{name} | {where}: share below the median {median:,.4g}"
                self._count(subject, hits, int(present.sum()), 0.5)
            if case.choice is not None:
                for option, p in zip(case.choice.values, case.choice.probabilities, strict=True):
                    hits = int((mine[present] == option).sum())
                    subject = f"{name} | {where}: share of {option}"
                    self._count(subject, hits, int(present.sum()), p)

    def _add_events(self, name, column, series: pd.Series, nulls, score) -> None:
        present = ~nulls
        events = series.to_numpy(dtype=bool, na_value=False)[present]
        bins = np.clip(((score[present] + _LIMIT) / _BIN).astype(np.int64), 0, _BINS - 1)
        histogram = self.histograms.setdefault(name, np.zeros((2, _BINS), dtype=np.int64))
        histogram[0] += np.bincount(bins, minlength=_BINS)
        histogram[1] += np.bincount(bins, weights=events, minlength=_BINS).astype(np.int64)

    def conclude(self, result: CheckResult) -> CheckResult:
        for subject, (hits, rows) in self.counts.items():
            hits, rows = int(hits), int(rows)
            if subject in self.bounds:
                p = self.bounds[subject]
                low, high = _bound(p, rows)
                if subject in self.at_least:
                    high = 1.0
                share = hits / rows if rows else float("nan")
                result.measurements.append(
                    Measurement(
                        subject,
                        fmt_rate(share),
                        f"[{low:.2%}, {high:.2%}] (spec {p:g} ± {SIGMAS:g} s.e.)",
                        rows == 0 or low <= share <= high,
                        None if math.isnan(share) else share,
                        low=low,
                        high=high,
                    )
                )
            else:
                result.measurements.append(
                    Measurement(subject, fmt_count(hits), "0", hits == 0, hits)
                )
            result.counts[subject] = hits
        for name, histogram in self.histograms.items():
            self._conclude_events(result, name, histogram)
        self._conclude_correlations(result)
        for check in self.aggregates or []:
            check.finish(self._access.at)
            count = check.differing
            figure = Measurement(check.subject, fmt_count(count), "0", count == 0, count)
            result.measurements.append(figure)
            result.counts[check.subject] = count
            result.counts[f"{check.parent}.{check.column}: parents compared"] = check.compared
            result.samples += check.samples[: max(0, 5 - len(result.samples))]
        return result

    def _conclude_events(self, result: CheckResult, name: str, histogram: np.ndarray) -> None:
        column = self.table.columns[name]
        rows, events = histogram
        centres = -_LIMIT + (np.arange(_BINS) + 0.5) * _BIN
        used = rows > 0
        total = int(rows.sum())
        result.counts[f"{name}: spec AUC"] = round(binned_auc(rows, events), 4)
        if not total:
            return
        b = weighted_intercept(centres[used], rows[used], column.rate)
        p = 1.0 / (1.0 + np.exp(-(b + centres)))
        edges = np.searchsorted(np.cumsum(rows), np.linspace(0, total, DECILES + 1)[1:-1])
        groups = np.split(np.arange(_BINS), edges)
        for index, group in enumerate(groups, start=1):
            n = int(rows[group].sum())
            if not n:
                continue
            expected = float((rows[group] * p[group]).sum())
            sd = math.sqrt(float((rows[group] * p[group] * (1 - p[group])).sum()))
            # Chunks calibrate their own intercepts: allow 10% of the expectation besides noise.
            low = max(0.0, expected - SIGMAS * sd - 0.1 * expected) / n
            high = max(expected + SIGMAS * sd + 0.1 * expected, poisson_most(expected)) / n
            observed = int(events[group].sum()) / n
            result.measurements.append(
                Measurement(
                    f"{name}: rate in score decile {index}",
                    fmt_rate(observed),
                    f"[{low:.2%}, {high:.2%}] (spec curve {expected / n:.2%})",
                    low <= observed <= high,
                    observed,
                    low=low,
                    high=high,
                )
            )
            result.counts[f"{name}: spec rate in decile {index}"] = expected / n


def distribution_median(column, case) -> float | None:
    """The median of a case's continuous distribution (after its clipping), where it is known
    and not blurred by rounding to whole numbers; else None."""
    dist = case.distribution
    if dist is None or column.type not in ("float", "decimal"):
        return None
    match dist.kind:
        case "uniform":
            median = (dist.low + dist.high) / 2
        case "normal":
            median = dist.mean
        case "lognormal":
            median = math.exp(dist.mean)
        case "exponential":
            median = dist.scale * math.log(2)
        case _:
            return None
    low = case.min if case.min is not None else column.min
    high = case.max if case.max is not None else column.max
    if (low is not None and median <= low) or (high is not None and median >= high):
        return None
    return median


def weighted_intercept(centres: np.ndarray, weights: np.ndarray, rate: float) -> float:
    """``calibrated_intercept`` over binned scores, each bin weighted by its rows: the b making
    the weighted mean of sigmoid(b + centre) equal `rate` (bisection; the mean rises with b).
    Every row counts: capping a bin's weight flattens the scores toward the tails, which at
    millions of rows moved the expected curve outside its own bounds."""
    if not len(centres) or rate <= 0 or rate >= 1:
        return calibrated_intercept(centres, rate)
    w = weights / weights.sum()
    logit = math.log(rate / (1 - rate))
    low, high = logit - float(centres.max()) - 50.0, logit - float(centres.min()) + 50.0
    for _ in range(200):
        b = (low + high) / 2
        with np.errstate(over="ignore"):
            mean = float((w / (1.0 + np.exp(-(b + centres)))).sum())
        if mean < rate:
            low = b
        else:
            high = b
        if high - low < 1e-9:
            break
    return (low + high) / 2


def binned_auc(rows: np.ndarray, events: np.ndarray) -> float:
    """The AUC of the score against the events, from counts per score bin (ties count half)."""
    positives = events.astype(np.float64)
    negatives = (rows - events).astype(np.float64)
    total_pos, total_neg = positives.sum(), negatives.sum()
    if not total_pos or not total_neg:
        return float("nan")
    below = np.cumsum(negatives) - negatives
    return float((positives * (below + 0.5 * negatives)).sum() / (total_pos * total_neg))


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation (average ranks for ties)."""
    from scipy.stats import rankdata

    ra, rb = rankdata(a), rankdata(b)
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def _differ_mask(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    na, nb = null_mask(np.asarray(a)), null_mask(np.asarray(b))
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        fa, fb = values_as_float(np.asarray(a)), values_as_float(np.asarray(b))
        with np.errstate(invalid="ignore"):
            unequal = ~np.isclose(fa, fb, rtol=1e-9, atol=1e-9)
    else:
        unequal = np.asarray(a != b, dtype=bool)
    return (na != nb) | (~na & ~nb & unequal)


def _differ(a: np.ndarray, b: np.ndarray) -> int:
    return int(_differ_mask(a, b).sum())

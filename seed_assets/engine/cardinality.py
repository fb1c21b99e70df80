"""Children per parent, drawn from the spec's distribution (never a loop constant)."""

from __future__ import annotations

import numpy as np

from seed_assets.engine.rng import stratified
from seed_assets.spec.distributions import (
    BernoulliCount,
    EmpiricalCount,
    FixedCount,
    NegBinomialCount,
    PoissonCount,
    UniformCount,
    ZipfCount,
)


def draw_counts(dist, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` child counts, clipped to the distribution's [min, max]."""
    match dist:
        case PoissonCount():
            counts = rng.poisson(dist.mean, n)
        case UniformCount():
            counts = rng.integers(dist.min, dist.max + 1, n)
        case FixedCount():
            counts = np.full(n, dist.n)
        case NegBinomialCount():
            p = dist.dispersion / (dist.dispersion + dist.mean)
            counts = rng.negative_binomial(dist.dispersion, p, n)
        case ZipfCount():
            # Inverse-CDF on the truncated support 1..max: exact, and no rejection loop.
            support = np.arange(1, dist.max + 1, dtype=np.float64)
            cdf = np.cumsum(support ** (-dist.a))
            counts = np.searchsorted(cdf / cdf[-1], rng.random(n), side="right") + 1
        case BernoulliCount():
            counts = (rng.random(n) < dist.p).astype(np.int64)
        case EmpiricalCount():
            levels = np.fromiter(dist.counts, dtype=np.int64)
            shares = np.fromiter(dist.counts.values(), dtype=np.float64)
            cdf = np.cumsum(shares)
            # Stratified: one draw in each 1/n of the CDF, shuffled, so even a few parents
            # follow the measured histogram (a profile's small lookup tables).
            draws = stratified(n, rng)
            picks = np.searchsorted(cdf / cdf[-1], draws, side="right")
            counts = levels[np.minimum(picks, len(levels) - 1)]
        case _:
            raise TypeError(f"unknown cardinality {dist!r}")
    counts = counts.astype(np.int64, copy=False)  # a fresh array: clipped in place
    np.maximum(counts, dist.min, out=counts)
    if dist.max is not None:
        np.minimum(counts, dist.max, out=counts)
    return counts

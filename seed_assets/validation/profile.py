"""What the HTML report plots, measured on a table's rows: children per parent for each FK
(against the spec's distribution), and the gap behind each temporal rule (against the spec's
`gap`). Small JSON-ready summaries, stored in the table's report section.

Rates against their bounds come from the rare_events check itself (its measurements carry
the bounds), so the plot shows exactly what the gate judged.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from seed_assets.engine.values import draw_numbers
from seed_assets.spec.models import ColumnSpec, ForeignKeySpec
from seed_assets.validation.integrity import (
    clipped_pmf,
    count_histogram,
    distribution_label,
    support_bound,
)

MAX_COUNT_BINS = 40  # children-per-parent bars; the last one reads "k or more"
GAP_BINS = 30
EXPECTED_DRAWS = 200_000  # draws of a spec's gap distribution for its expected histogram
SECONDS_PER_DAY = 86_400.0


def _r(x: float, digits: int = 3) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


def _fold(values: np.ndarray, bins: int) -> list[float]:
    """`values` per count 0..; everything from `bins - 1` on summed into the last bin."""
    out = np.zeros(bins)
    head = min(len(values), bins - 1)
    out[:head] = values[:head]
    out[bins - 1] += values[bins - 1 :].sum() if len(values) >= bins else 0.0
    return [_r(v, 2) for v in out]


def counts_profile(
    table: str, fk: ForeignKeySpec, counts: np.ndarray, null_children: int
) -> dict[str, Any]:
    """`fk_profile` from children counted per parent row (by the streamed checks, chunk by
    chunk) and the number of children whose FK is null."""
    parent = fk.references.table
    n_parents = len(counts)
    observed = count_histogram(counts)
    expected = None
    if fk.cardinality is not None:
        role = "driving"
        dist = fk.cardinality
        target = distribution_label(dist)
        upto = support_bound(dist, int(counts.max()) if n_parents else 0)
        expected = clipped_pmf(dist, upto) * n_parents
    elif fk.via is not None:
        role, target = "via", f"follows from `via: {fk.via}`"
    elif parent == table:
        role, target = "tree", "a forest: parents drawn among earlier rows"
    else:
        role = "reference"
        children = int(counts.sum())
        target = f"each row picks a parent uniformly: binomial({children:,}, 1/{n_parents:,})"
        if n_parents:
            from scipy.stats import binom  # ~0.5 s to import: not at every Dagster launch

            upto = max(int(counts.max()), int(binom.isf(1e-9, children, 1 / n_parents)) + 1)
            expected = binom.pmf(np.arange(upto + 1), children, 1 / n_parents) * n_parents
    top = int(counts.max()) if n_parents else 0
    bins = min(top + 2, MAX_COUNT_BINS)
    if expected is not None:
        # Show where the spec expects parents too, not only where the data put them.
        nonzero = np.flatnonzero(expected >= 0.5)
        if len(nonzero):
            bins = min(max(bins, int(nonzero[-1]) + 2), MAX_COUNT_BINS)
    return {
        "fk": fk.label,
        "columns": list(fk.columns),
        "parent": parent,
        "role": role,
        "target": target,
        "parents": n_parents,
        "children": int(counts.sum()),
        "null_children": int(null_children),
        "mean": _r(counts.mean()) if n_parents else None,
        "expected_mean": _r(fk.cardinality.expected_mean()) if fk.cardinality else None,
        "max": top,
        "observed": _fold(observed.astype(float), bins),
        "expected": _fold(expected, bins) if expected is not None else None,
        "last_bin_open": bool(top >= bins - 1 or (expected is not None and len(expected) > bins)),
    }


def _round_width(raw: float, *, whole: bool) -> float:
    """A bin width people read easily: 1, 2 or 5 times a power of ten, or a week, or 30 days;
    whole days for dates."""
    choices = [m * 10.0**e for e in range(-4, 7) for m in (1, 2, 5)] + [7.0, 14.0, 30.0]
    fitting = [c for c in choices if c >= raw and (not whole or c >= 1)]
    return min(fitting) if fitting else raw


def gaps_profile(
    column: ColumnSpec, name: str, gap: np.ndarray, seed: int, *, every: int = 1
) -> dict[str, Any]:
    """`gap_profile` from the gaps in days (NaN where either date is missing); `every` > 1:
    they are every k-th row's (the streamed checks' sample), and the plot says so."""
    present = gap[~np.isnan(gap)]
    expected_draws = None
    if column.gap is not None:
        rng = np.random.default_rng(seed)
        expected_draws = np.maximum(draw_numbers(column.gap, EXPECTED_DRAWS, rng), 0.0)
        if column.type == "date":
            expected_draws = np.floor(expected_draws)
    reach = [np.quantile(present, 0.995)] if len(present) else []
    if expected_draws is not None:
        reach.append(np.quantile(expected_draws, 0.995))
    high = max([*reach, 1.0])
    width = _round_width(high / GAP_BINS, whole=column.type == "date")
    edges = np.arange(math.ceil(high / width) + 1) * width
    low_edge = min(0.0, float(present.min())) if len(present) else 0.0
    edges[0] = low_edge  # negative gaps (temporal violations) land in the first bin

    def histogram(values: np.ndarray) -> np.ndarray:
        counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), bins=edges)
        return counts.astype(float)

    observed = histogram(present)
    expected = None
    if expected_draws is not None and len(present):
        expected = histogram(expected_draws) * (len(present) / len(expected_draws))
    return {
        "column": name,
        "after": column.after,
        "unit": "days",
        "spec_gap": distribution_label(column.gap) if column.gap is not None else None,
        "until": column.until.isoformat() if column.until is not None else None,
        "edges": [_r(e, 4) for e in edges],
        "observed": [_r(v, 2) for v in observed],
        "expected": [_r(v, 2) for v in expected] if expected is not None else None,
        "rows": len(present),
        "min": _r(present.min()) if len(present) else None,
        "median": _r(np.median(present)) if len(present) else None,
        "p95": _r(np.quantile(present, 0.95)) if len(present) else None,
        "max": _r(present.max()) if len(present) else None,
        "negative": int((present < 0).sum()),
        "same_day": int((present < 1).sum()) if column.type == "date" else None,
        "every": every,
    }

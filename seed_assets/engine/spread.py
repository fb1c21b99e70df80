"""Parents of a non-driving FK picked in proportion to measured weights (its `spread`).

Each parent's weight is drawn once per table from the spread (a children-per-parent
histogram); rows read a low-discrepancy sequence (golden-ratio steps over their global row
number), so each parent's children come out close to its weight, without the noise of
independent picks. In a link table whose key holds both this FK and the driving one (a track
in playlists), the children of one driving parent get distinct parents: a repeat moves on to
the next parent with weight, as sampling without replacement would.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seed_assets.engine.cardinality import draw_counts

GOLDEN = (5**0.5 - 1) / 2  # the most evenly spreading step of a Weyl sequence
MAX_ROUNDS = 64


class SpreadPicker:
    def __init__(self, spread, n_parents: int, weight_seed: int, phase: float) -> None:
        weights = draw_counts(spread, n_parents, np.random.default_rng(weight_seed))
        weights = weights.astype(np.float64)
        if not weights.sum():
            weights[:] = 1.0
        self.n_parents = n_parents
        self.cdf = np.cumsum(weights) / weights.sum()
        self.phase = phase
        nonzero = np.flatnonzero(weights > 0)
        # The next parent with weight after each index (cyclic): where a repeat moves to.
        after = np.searchsorted(nonzero, np.arange(n_parents), side="right")
        self.next_nonzero = nonzero[after % len(nonzero)]
        self.with_weight = len(nonzero)

    def pick(self, row_start: int, n: int, groups: np.ndarray | None = None) -> np.ndarray:
        rows = np.arange(row_start, row_start + n, dtype=np.float64)
        draws = np.modf(rows * GOLDEN + self.phase)[0]
        picks = np.searchsorted(self.cdf, draws, side="right").clip(0, self.n_parents - 1)
        if groups is not None and len(picks):
            picks = self._distinct(picks, groups)
        return picks

    def _distinct(self, picks: np.ndarray, groups: np.ndarray) -> np.ndarray:
        picks = picks.astype(np.int64, copy=True)
        for _ in range(MAX_ROUNDS):
            repeated = pd.Series(groups * self.n_parents + picks).duplicated().to_numpy()
            if not repeated.any():
                break
            picks[repeated] = self.next_nonzero[picks[repeated]]
        return picks


def keyed_together(table, fk, driving) -> bool:
    """A key holds this FK and the driving one: one driving parent's rows need distinct
    parents here, or the key repeats."""
    both = set(fk.columns) | set(driving.columns)
    keys = [table.primary_key, *table.unique]
    return any(both <= set(k) for k in keys if k)

"""Correlated columns by a Gaussian copula that keeps each column's own distribution.

Per chunk and group of correlated columns: draw normal vectors with the group's correlation
matrix (from the column group's own stream), then reorder each column's already drawn values so
that their ranks follow the normal draws' ranks (Iman-Conover). Every column keeps exactly the
values it drew, so its distribution (and any check of it) is unchanged; only which row gets
which value moves. Vectorised: one Cholesky product and one argsort per column.
"""

from __future__ import annotations

import numpy as np

from seed_assets.engine.rng import stream
from seed_assets.spec.correlations import groups, matrix


def partners(table, name: str) -> list[str]:
    """The columns drawn together with `name` (made whenever it is)."""
    for group in groups(table.correlations):
        if name in group:
            return [c for c in group if c != name]
    return []


def reorder(values: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """`values` rearranged so that their ranks are the ranks of `normal`."""
    out = np.empty_like(values)
    out[np.argsort(normal, kind="stable")] = np.sort(values, kind="stable")
    return out


def correlate(generator, chunk, cols: dict) -> None:
    """Reorder the chunk's correlated columns in place (those made in this chunk)."""
    table = generator.table
    n = chunk.rows
    if n < 2:
        return
    for group in groups(table.correlations):
        present = [c for c in group if c in cols]
        if len(present) < 2:
            continue
        rng = stream(generator.seed, generator.name, chunk.index, "copula:" + ",".join(group))
        lower = np.linalg.cholesky(matrix(group, table.correlations))
        normal = rng.standard_normal((n, len(group))) @ lower.T
        for j, name in enumerate(group):
            if name in cols:
                cols[name] = reorder(np.asarray(cols[name]), normal[:, j])

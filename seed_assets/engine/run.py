"""Generate a whole spec in topological order.

``iter_spec`` streams: each table's chunks are made from parent rows regenerated on demand (see
``parents.RegeneratedParents``), so memory stays bounded whatever the row count. ``generate_all``
keeps every table in memory and hands children their parents' frames: for tests and small specs,
and an independent path the streamed output is compared against.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from seed_assets.engine.parents import RegeneratedParents
from seed_assets.engine.table import TableGenerator, parent_columns
from seed_assets.spec.graph import topological_order
from seed_assets.spec.models import Spec

# Rows per frame handed out by ``iter_spec``: a chunk of a child table can hold millions of rows
# (chunk_rows parents times their children), so it is made compactly and handed out in slices.
FRAME_ROWS = 250_000


def kept_columns(spec: Spec) -> dict[str, list[str]]:
    """For each table that is a parent, the union of the columns its children read."""
    kept: dict[str, list[str]] = {}
    for child in spec.tables:
        for parent, columns in parent_columns(spec, child).items():
            have = kept.setdefault(parent, [])
            have.extend(c for c in columns if c not in have)
    return kept


def iter_spec(
    spec: Spec,
    *,
    seed: int | None = None,
    scale: float = 1.0,
    max_rows: int | None = FRAME_ROWS,
) -> Iterator[tuple[TableGenerator, Iterator[pd.DataFrame]]]:
    """Each table's generator and its frames (at most `max_rows` rows each), parents first, in
    bounded memory.

    Tables may be consumed in any order, or skipped: nothing is carried from one to the next.
    """
    source = RegeneratedParents(spec, seed=seed, scale=scale)
    for name in topological_order(spec):
        generator = source.generator(name)
        yield generator, generator.frames(max_rows=max_rows)


def generate_all(
    spec: Spec, *, seed: int | None = None, scale: float = 1.0
) -> dict[str, pd.DataFrame]:
    """Every table as one DataFrame (for tests and small specs), parents handed over in memory."""
    result: dict[str, pd.DataFrame] = {}
    ordered: set[str] = set()
    for name in topological_order(spec):
        generator = TableGenerator(
            spec, name, result, seed=seed, scale=scale, ordered_parents=ordered
        )
        result[name] = generator.frame()
        if generator.in_key_order:
            ordered.add(name)
    return result

"""Generate a whole spec in topological order, keeping only what children read of parents."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from seed_assets.engine.table import TableGenerator, parent_columns
from seed_assets.spec.graph import topological_order
from seed_assets.spec.models import Spec


def kept_columns(spec: Spec) -> dict[str, list[str]]:
    """For each table that is a parent, the union of the columns its children read."""
    kept: dict[str, list[str]] = {}
    for child in spec.tables:
        for parent, columns in parent_columns(spec, child).items():
            have = kept.setdefault(parent, [])
            have.extend(c for c in columns if c not in have)
    return kept


def iter_spec(
    spec: Spec, *, seed: int | None = None, scale: float = 1.0
) -> Iterator[tuple[TableGenerator, Iterator[pd.DataFrame]]]:
    """Each table's generator and its chunks, parents first.

    Consume each table's chunks before asking for the next table: its children read them.
    """
    kept = kept_columns(spec)
    memory: dict[str, pd.DataFrame] = {}
    for name in topological_order(spec):
        generator = TableGenerator(spec, name, memory, seed=seed, scale=scale)
        yield generator, _keeping(generator, kept.get(name), memory)


def _keeping(generator: TableGenerator, columns, memory) -> Iterator[pd.DataFrame]:
    parts = []
    for frame in generator.frames():
        if columns:
            parts.append(frame[columns])
        yield frame
    if columns:
        memory[generator.name] = (
            pd.concat(parts, ignore_index=True) if parts else generator.empty_frame()[columns]
        )


def generate_all(
    spec: Spec, *, seed: int | None = None, scale: float = 1.0
) -> dict[str, pd.DataFrame]:
    """Every table as one DataFrame (for tests and small specs)."""
    result = {}
    for generator, chunks in iter_spec(spec, seed=seed, scale=scale):
        parts = list(chunks)
        result[generator.name] = (
            pd.concat(parts, ignore_index=True) if parts else generator.empty_frame()
        )
    return result

"""Generate a whole spec in topological order, keeping only what children read of parents."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from seed_assets.engine.table import RowFilter, TableGenerator, parent_columns
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
    spec: Spec,
    *,
    seed: int | None = None,
    scale: float = 1.0,
    row_filter: RowFilter | None = None,
) -> Iterator[tuple[TableGenerator, Iterator[pd.DataFrame]]]:
    """Each table's generator and its chunks, parents first.

    Consume each table's chunks before asking for the next table: its children read them.
    `row_filter` (see ``TableGenerator``) drops rows before children see them.
    """
    kept = kept_columns(spec)
    memory: dict[str, pd.DataFrame] = {}
    ordered: set[str] = set()  # tables kept in memory that are in key order by construction
    for name in topological_order(spec):
        generator = TableGenerator(
            spec,
            name,
            memory,
            seed=seed,
            scale=scale,
            ordered_parents=ordered,
            row_filter=row_filter,
        )
        yield generator, _keeping(generator, kept.get(name), memory, ordered)


def _keeping(
    generator: TableGenerator, columns, memory, ordered: set[str]
) -> Iterator[pd.DataFrame]:
    parts = []
    for frame in generator.frames():
        if columns:
            parts.append(frame[columns])
        yield frame
    if columns:
        if not parts:
            memory[generator.name] = generator.empty_frame()[columns]
        elif len(parts) == 1:
            memory[generator.name] = parts[0]
        else:
            memory[generator.name] = pd.concat(parts, ignore_index=True)
        if generator.in_key_order:
            ordered.add(generator.name)


def generate_all(
    spec: Spec,
    *,
    seed: int | None = None,
    scale: float = 1.0,
    row_filter: RowFilter | None = None,
) -> dict[str, pd.DataFrame]:
    """Every table as one DataFrame (for tests and small specs)."""
    result = {}
    for generator, chunks in iter_spec(spec, seed=seed, scale=scale, row_filter=row_filter):
        parts = list(chunks)
        result[generator.name] = (
            pd.concat(parts, ignore_index=True) if parts else generator.empty_frame()
        )
    return result


def expected_rows(spec: Spec, scale: float = 1.0) -> dict[str, float]:
    """Rows each table should get on average: root rows times `scale`, children the parent's
    expected rows times the driving FK's mean (for progress bars, before anything runs)."""
    out: dict[str, float] = {}
    for name in topological_order(spec):
        table = spec.tables[name]
        driving = table.driving_fk
        if driving is None:
            out[name] = float(round((table.rows or 0) * scale))
        else:
            out[name] = out[driving.references.table] * driving.cardinality.expected_mean()
    return out

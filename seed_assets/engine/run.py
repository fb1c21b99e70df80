"""Generate a whole spec in topological order, streaming: one path for every spec.

``iter_plan`` yields one step per unit of work: a table to write (``TableStep``), the deferred
FKs of a nullable cycle to fill once every table of the cycle is written (``LinksStep``), or a
NOT NULL cycle to write in one transaction (``ComponentStep``). Every step comes chunk by chunk:
each table's chunks are made from parent rows regenerated on demand
(``regenerated.RegeneratedParents``), so memory stays bounded whatever the row count (a parent
not in key order by construction, or whose CHECKs drop rows, is held whole: only the columns
its readers need). CHECKs only the database can judge go through `row_filter` chunk by chunk,
parents made again for their children included, so children only ever see surviving rows.
``iter_spec`` is the same for specs without cycles, as (generator, chunks) pairs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from seed_assets.engine.links import apply_links, component_frames, link_frames
from seed_assets.engine.regenerated import RegeneratedParents
from seed_assets.engine.table import RowFilter, TableGenerator
from seed_assets.spec.graph import components, linked_fks, links_name
from seed_assets.spec.limits import estimated_rows
from seed_assets.spec.models import Spec

# Rows per frame handed out when streaming: a chunk of a child table can hold millions of rows
# (chunk_rows parents times their children), so it is made compactly and handed out in slices.
FRAME_ROWS = 250_000


@dataclass
class TableStep:
    """One table, chunk by chunk; `linking`: its deferred FK columns are NULL until its
    ``LinksStep``."""

    generator: TableGenerator
    chunks: Iterator[pd.DataFrame]
    linking: bool = False

    @property
    def name(self) -> str:
        return self.generator.name


@dataclass
class LinksStep:
    """The deferred FK columns of `table` (with its key), filled, in key order, chunk by
    chunk; `rows`: how many rows they fill."""

    table: str
    frames: Iterator[pd.DataFrame]
    rows: int

    @property
    def name(self) -> str:
        return links_name(self.table)


@dataclass
class ComponentStep:
    """Every table of a NOT NULL cycle, complete, chunk by chunk, to be written in one
    transaction (FK checks deferred to its end)."""

    generators: dict[str, TableGenerator]
    frames: dict[str, Iterator[pd.DataFrame]]

    @property
    def name(self) -> str:
        return " + ".join(self.frames)


Step = TableStep | LinksStep | ComponentStep


def iter_plan(
    spec: Spec,
    *,
    seed: int | None = None,
    scale: float = 1.0,
    row_filter: RowFilter | None = None,
    max_rows: int | None = FRAME_ROWS,
) -> Iterator[Step]:
    """Every step of generating `spec`, parents first, in frames of at most `max_rows` rows.

    `row_filter` (see ``TableGenerator``) drops rows before children see them.
    """
    seed = spec.seed if seed is None else seed
    source = RegeneratedParents(spec, seed=seed, scale=scale, row_filter=row_filter)
    for component in components(spec):
        if component.together:
            yield ComponentStep(
                {n: source.generator(n) for n in component.tables},
                {
                    n: component_frames(spec, n, source, seed=seed, max_rows=max_rows)
                    for n in component.tables
                },
            )
            continue
        for name in component.tables:
            generator = source.generator(name)
            linking = bool(linked_fks(spec, name))
            yield TableStep(generator, generator.frames(max_rows=max_rows), linking=linking)
        for name in component.tables:
            fks = linked_fks(spec, name)
            if fks:
                frames = link_frames(spec, name, source, seed=seed, fks=fks)
                yield LinksStep(name, frames, source.row_count(name))


def iter_spec(spec: Spec, **options) -> Iterator[tuple[TableGenerator, Iterator[pd.DataFrame]]]:
    """Each table's generator and its chunks, parents first (specs without FK cycles; for
    those, use ``iter_plan``); `options`: those of ``iter_plan``."""
    cycles = [" + ".join(c.tables) for c in components(spec) if c.is_cycle]
    if cycles:
        raise ValueError(
            f"spec '{spec.name}' has FK cycles ({'; '.join(cycles)}); generate it with iter_plan"
        )
    for step in iter_plan(spec, **options):
        yield step.generator, step.chunks


def generate_all(spec: Spec, **options) -> dict[str, pd.DataFrame]:
    """Every table as one DataFrame (for tests and small specs): ``iter_plan``'s frames
    gathered (`options`: its own), a cycle's tables complete (in key order where links filled
    them)."""
    result: dict[str, pd.DataFrame] = {}

    def gather(generator: TableGenerator, frames) -> pd.DataFrame:
        parts = list(frames)
        return pd.concat(parts, ignore_index=True) if parts else generator.empty_frame()

    for step in iter_plan(spec, **options):
        if isinstance(step, TableStep):
            result[step.name] = gather(step.generator, step.chunks)
        elif isinstance(step, LinksStep):
            parts = list(step.frames)
            if parts:
                links = pd.concat(parts, ignore_index=True)
                result[step.table] = apply_links(spec, step.table, result[step.table], links)
        else:
            for name, frames in step.frames.items():
                result[name] = gather(step.generators[name], frames)
    return result


def expected_rows(spec: Spec, scale: float = 1.0) -> dict[str, float]:
    """Rows each table should get on average: root rows times `scale`, children the parent's
    expected rows times the driving FK's mean (for progress bars, before anything runs)."""
    return estimated_rows(spec, scale)

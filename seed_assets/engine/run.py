"""Generate a whole spec in topological order, keeping only what children read of parents.

``iter_plan`` yields one step per unit of work: a table to write (``TableStep``), the deferred
FKs of a nullable cycle to fill once every table of the cycle is written (``LinksStep``), or a
NOT NULL cycle to write whole in one transaction (``ComponentStep``). ``iter_spec`` is the
same for specs without cycles, as (generator, chunks) pairs.

A spec without cycles whose rows are all as planned (no CHECK or row filter drops any) streams:
each table's chunks are made from parent rows regenerated on demand
(``parents.RegeneratedParents``), so memory stays bounded whatever the row count. Otherwise the
columns children read are kept in memory as tables pass. ``generate_all`` always keeps them: an
independent path the streamed output is compared against.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from seed_assets.engine import constraints
from seed_assets.engine.links import apply_links, generate_component, link_columns, link_frame
from seed_assets.engine.regenerated import RegeneratedParents
from seed_assets.engine.table import RowFilter, TableGenerator, parent_columns
from seed_assets.spec.graph import components, linked_fks, links_name, topological_order
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
    """The deferred FK columns of `table` (with its key), filled, in key order."""

    table: str
    frame: pd.DataFrame

    @property
    def name(self) -> str:
        return links_name(self.table)


@dataclass
class ComponentStep:
    """Every table of a NOT NULL cycle, complete, to be written in one transaction."""

    generators: dict[str, TableGenerator]
    frames: dict[str, pd.DataFrame]

    @property
    def name(self) -> str:
        return " + ".join(self.frames)


Step = TableStep | LinksStep | ComponentStep


def kept_columns(spec: Spec) -> dict[str, list[str]]:
    """For each table that is read later, the union of the columns its readers need."""
    kept: dict[str, list[str]] = {}

    def keep(table: str, columns: list[str]) -> None:
        have = kept.setdefault(table, [])
        have.extend(c for c in columns if c not in have)

    for child in spec.tables:
        for parent, columns in parent_columns(spec, child).items():
            keep(parent, columns)
        fks = linked_fks(spec, child)
        if fks:
            for table, columns in link_columns(spec, child, fks).items():
                keep(table, columns)
    return kept


def streamable(spec: Spec, row_filter: RowFilter | None = None) -> bool:
    """Whether `spec` can stream: no FK cycle, and no table whose rows a CHECK, a repeated
    composite key or `row_filter` may drop (row positions are then known without the rows)."""
    if row_filter is not None or any(c.is_cycle for c in components(spec)):
        return False
    return not any(constraints.may_drop_rows(t) for t in spec.tables.values())


def iter_plan(
    spec: Spec,
    *,
    seed: int | None = None,
    scale: float = 1.0,
    row_filter: RowFilter | None = None,
    stream: bool | None = None,
    max_rows: int | None = FRAME_ROWS,
) -> Iterator[Step]:
    """Every step of generating `spec`, parents first.

    `row_filter` (see ``TableGenerator``) drops rows before children see them. `stream`: None
    streams when ``streamable``, in frames of at most `max_rows` rows; False keeps parents in
    memory.

    Consume each TableStep's chunks before asking for the next step: later steps read them.
    """
    seed = spec.seed if seed is None else seed
    if stream is None:
        stream = streamable(spec, row_filter)
    if stream:
        source = RegeneratedParents(spec, seed=seed, scale=scale)
        for name in topological_order(spec):
            generator = source.generator(name)
            yield TableStep(generator, generator.frames(max_rows=max_rows))
        return
    kept = kept_columns(spec)
    memory: dict[str, pd.DataFrame] = {}
    ordered: set[str] = set()  # tables kept in memory that are in key order by construction
    for component in components(spec):
        if component.together:
            made = generate_component(
                spec, component, memory, seed=seed, scale=scale, ordered_parents=ordered
            )
            for name, (_, frame) in made.items():
                if kept.get(name):
                    memory[name] = frame[kept[name]]
            yield ComponentStep(
                {n: g for n, (g, _) in made.items()}, {n: f for n, (_, f) in made.items()}
            )
            continue
        for name in component.tables:
            generator = TableGenerator(
                spec,
                name,
                memory,
                seed=seed,
                scale=scale,
                ordered_parents=ordered,
                row_filter=row_filter,
            )
            chunks = _keeping(generator, kept.get(name), memory, ordered)
            yield TableStep(generator, chunks, linking=bool(linked_fks(spec, name)))
        for name in component.tables:
            fks = linked_fks(spec, name)
            if fks:
                yield LinksStep(name, link_frame(spec, name, memory, seed=seed, fks=fks))


def iter_spec(
    spec: Spec,
    *,
    seed: int | None = None,
    scale: float = 1.0,
    row_filter: RowFilter | None = None,
    max_rows: int | None = FRAME_ROWS,
) -> Iterator[tuple[TableGenerator, Iterator[pd.DataFrame]]]:
    """Each table's generator and its chunks, parents first (specs without FK cycles; for
    those, use ``iter_plan``).

    Consume each table's chunks before asking for the next table: its children read them.
    `row_filter` (see ``TableGenerator``) drops rows before children see them.
    """
    cycles = [" + ".join(c.tables) for c in components(spec) if c.is_cycle]
    if cycles:
        raise ValueError(
            f"spec '{spec.name}' has FK cycles ({'; '.join(cycles)}); generate it with iter_plan"
        )
    for step in iter_plan(spec, seed=seed, scale=scale, row_filter=row_filter, max_rows=max_rows):
        yield step.generator, step.chunks


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
    """Every table as one DataFrame (for tests and small specs); cycles' tables complete.
    Parents are handed over in memory, never regenerated."""
    result: dict[str, pd.DataFrame] = {}
    for step in iter_plan(spec, seed=seed, scale=scale, row_filter=row_filter, stream=False):
        if isinstance(step, TableStep):
            parts = list(step.chunks)
            result[step.name] = (
                pd.concat(parts, ignore_index=True) if parts else step.generator.empty_frame()
            )
        elif isinstance(step, LinksStep):
            result[step.table] = apply_links(spec, step.table, result[step.table], step.frame)
        else:
            result.update(step.frames)
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

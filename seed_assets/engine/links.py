"""Fill deferred FKs (those closing a cycle) once the tables they reference exist.

A table's rows are taken in primary-key order and cut into chunks of ``chunk_rows``; each chunk
draws from its own streams (purposes ``link:<fk>`` and ``link-null:<fk>``), so the values do not
depend on how the table was generated, read back, or split between workers, and any chunk can
be filled alone. Parents are picked uniformly from the referenced table in key order.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from seed_assets.engine.frames import as_series, with_nulls
from seed_assets.engine.parents import ParentSource
from seed_assets.engine.regenerated import RegeneratedParents
from seed_assets.engine.rng import stream
from seed_assets.engine.table import (
    canonical_parent,
    sort_key,
)
from seed_assets.errors import SpecError
from seed_assets.spec.graph import deferred_of
from seed_assets.spec.models import ForeignKeySpec, Spec


def link_columns(spec: Spec, table_name: str, fks: list[ForeignKeySpec] | None = None):
    """The columns filling `table_name`'s deferred FKs reads: its own key, and for each table
    they reference, that table's key and the referenced columns."""
    needed: dict[str, list[str]] = {table_name: list(sort_key(spec.tables[table_name]))}
    for fk in deferred_of(spec, table_name) if fks is None else fks:
        target = fk.references.table
        have = needed.setdefault(target, list(sort_key(spec.tables[target])))
        have.extend(c for c in fk.references.columns if c not in have)
    return needed


def chunk_bounds(spec: Spec, rows: int) -> list[tuple[int, int]]:
    """[start, stop) of each links chunk of a table of `rows` rows (in key order)."""
    step = spec.chunk_rows
    return [(start, min(start + step, rows)) for start in range(0, rows, step)]


def link_frames(
    spec: Spec,
    table_name: str,
    source: ParentSource,
    *,
    seed: int,
    fks: list[ForeignKeySpec] | None = None,
) -> Iterator[pd.DataFrame]:
    """`table_name`'s key and its deferred FK columns, filled, chunk by chunk in key order.

    `source` serves the table's keys and the referenced tables' columns (regenerated, or read
    from a target); only one chunk's links exist at a time.
    """
    table = spec.tables[table_name]
    key = sort_key(table)
    fks = deferred_of(spec, table_name) if fks is None else fks
    for index, (start, stop) in enumerate(chunk_bounds(spec, source.row_count(table_name))):
        own = source.rows(table_name, key, start, stop)
        out: dict[str, pd.Series] = {c: own[c] for c in key}
        out.update(link_values(spec, table_name, fks, source, index, stop - start, seed=seed))
        yield pd.DataFrame(out, index=pd.RangeIndex(stop - start))


def link_values(
    spec: Spec,
    table_name: str,
    fks: list[ForeignKeySpec],
    source: ParentSource,
    index: int,
    size: int,
    *,
    seed: int,
) -> dict[str, pd.Series]:
    """The deferred FK columns of links chunk `index` (`size` rows) of `table_name`."""
    table = spec.tables[table_name]
    out: dict[str, pd.Series] = {}
    for fk in fks:
        target = fk.references.table
        picks, null = _draw(spec, table_name, fk, index, size, source.row_count(target), seed)
        for column, ref in zip(fk.columns, fk.references.columns, strict=True):
            values = np.asarray(source.take(target, ref, picks)) if size else np.zeros(0)
            if null is not None:
                values = with_nulls(values, null)
            out[column] = as_series(values, table.columns[column])
    return out


def _unique_fk(table, fk: ForeignKeySpec) -> bool:
    """Whether the FK's values may not repeat (a unique column or key of exactly its columns)."""
    if len(fk.columns) == 1 and table.columns[fk.columns[0]].unique:
        return True
    keys = [table.primary_key, *table.unique]
    return any(set(k) == set(fk.columns) for k in keys if k)


def _draw(
    spec: Spec, table_name: str, fk: ForeignKeySpec, index: int, size: int, n_parents: int, seed
) -> tuple[np.ndarray, np.ndarray | None]:
    """Parent row per row of links chunk `index` (key order), and which rows stay null."""
    table = spec.tables[table_name]
    fraction = max(table.columns[c].null_fraction for c in fk.columns)
    pick = stream(seed, table_name, index, f"link:{fk.label}").integers(0, max(n_parents, 1), size)
    null = None
    if fraction:
        null = stream(seed, table_name, index, f"link-null:{fk.label}").random(size) < fraction
    if _unique_fk(table, fk) and size:  # one parent per row at most: distinct picks
        first = index * spec.chunk_rows  # the chunk's rows in a permutation of the whole table
        if n_parents < first + size:
            raise SpecError(
                f"foreign key {fk.label} is unique and closes a cycle: its rows need as many "
                f"distinct {fk.references.table} rows, which has {n_parents}; give "
                f"{fk.references.table} more rows, or {table_name} fewer",
                table=table_name,
                column=fk.columns[0],
            )
        order = stream(seed, table_name, 0, f"link-unique:{fk.label}").permutation(n_parents)
        pick = order[first : first + size]
    if n_parents == 0 and size and (null is None or not null.all()):
        raise SpecError(
            f"foreign key {fk.label} closes a cycle, but {fk.references.table} has no rows to "
            "reference; give it rows, or make the FK nullable",
            table=table_name,
            column=fk.columns[0],
        )
    return pick, null


def component_frames(
    spec: Spec,
    table_name: str,
    source: RegeneratedParents,
    *,
    seed: int,
    max_rows: int | None = None,
) -> Iterator[pd.DataFrame]:
    """A table of a NOT NULL cycle chunk by chunk, complete: its deferred FKs filled (then in
    key order, as its links are drawn), for the one transaction that writes the cycle."""
    fks = deferred_of(spec, table_name)
    generator = source.generator(table_name)
    if not fks:
        yield from generator.frames(max_rows=max_rows)
        return
    columns = list(spec.tables[table_name].columns)
    for index, (start, stop) in enumerate(chunk_bounds(spec, source.row_count(table_name))):
        frame = source.rows(table_name, columns, start, stop)
        for column, values in link_values(
            spec, table_name, fks, source, index, stop - start, seed=seed
        ).items():
            frame[column] = values.set_axis(frame.index)
        yield frame


def apply_links(spec: Spec, table_name: str, frame: pd.DataFrame, links: pd.DataFrame):
    """`frame` in key order with its deferred FK columns taken from `links` (``link_frames``,
    concatenated)."""
    table = spec.tables[table_name]
    ordered = canonical_parent(frame, table).copy()
    key = sort_key(table)
    if len(ordered) != len(links) or not ordered[key].equals(links[key]):
        raise ValueError(f"the links of {table_name} do not match its rows")
    for column in links.columns:
        if column not in key:
            ordered[column] = as_series(links[column], table.columns[column])
    return ordered

"""Fill deferred FKs (those closing a cycle) once the tables they reference exist.

A table's rows are taken in primary-key order and cut into chunks of ``chunk_rows``; each chunk
draws from its own streams (purposes ``link:<fk>`` and ``link-null:<fk>``), so the values do not
depend on how the table was generated, read back, or split between workers, and any chunk can
be filled alone. Parents are picked uniformly from the referenced table in key order.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd

from seed_assets.engine.frames import as_series, with_nulls
from seed_assets.engine.parents import as_array as _as_array
from seed_assets.engine.rng import stream
from seed_assets.engine.table import (
    TableGenerator,
    canonical_parent,
    sort_key,
)
from seed_assets.errors import SpecError
from seed_assets.spec.cycles import Component
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


def link_frame(
    spec: Spec,
    table_name: str,
    rows: Mapping[str, pd.DataFrame],
    *,
    seed: int,
    fks: list[ForeignKeySpec] | None = None,
) -> pd.DataFrame:
    """`table_name`'s key columns and its deferred FK columns, filled, in key order.

    `rows` holds the table itself and every table its deferred FKs reference (at least the
    columns ``link_columns`` names), in any order.
    """
    table = spec.tables[table_name]
    key = sort_key(table)
    own = canonical_parent(rows[table_name][key], table)
    n = len(own)
    out: dict[str, pd.Series] = {c: own[c] for c in key}
    for fk in deferred_of(spec, table_name) if fks is None else fks:
        target_name = fk.references.table
        target = spec.tables[target_name]
        needed = list(dict.fromkeys([*sort_key(target), *fk.references.columns]))
        parent = canonical_parent(rows[target_name][needed], target)
        picks, null = _draw(spec, table_name, fk, n, len(parent), seed)
        for column, ref in zip(fk.columns, fk.references.columns, strict=True):
            values = _as_array(parent[ref])[picks]
            if null is not None:
                values = with_nulls(values, null)
            out[column] = as_series(values, table.columns[column])
    return pd.DataFrame(out, index=pd.RangeIndex(n))


def _draw(
    spec: Spec, table_name: str, fk: ForeignKeySpec, n: int, n_parents: int, seed: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """Parent row per row (key order), and which rows stay null, chunk by chunk."""
    table = spec.tables[table_name]
    fraction = max(table.columns[c].null_fraction for c in fk.columns)
    picks, nulls = [], []
    for index, (start, stop) in enumerate(chunk_bounds(spec, n)):
        size = stop - start
        rng = stream(seed, table_name, index, f"link:{fk.label}")
        picks.append(rng.integers(0, max(n_parents, 1), size))
        if fraction:
            mask = stream(seed, table_name, index, f"link-null:{fk.label}").random(size)
            nulls.append(mask < fraction)
    pick = np.concatenate(picks) if picks else np.zeros(0, dtype=np.int64)
    null = np.concatenate(nulls) if nulls else None
    if n_parents == 0 and n and (null is None or not null.all()):
        raise SpecError(
            f"foreign key {fk.label} closes a cycle, but {fk.references.table} has no rows to "
            "reference; give it rows, or make the FK nullable",
            table=table_name,
            column=fk.columns[0],
        )
    return pick, null


def apply_links(spec: Spec, table_name: str, frame: pd.DataFrame, links: pd.DataFrame):
    """`frame` in key order with its deferred FK columns taken from `links` (``link_frame``)."""
    table = spec.tables[table_name]
    ordered = canonical_parent(frame, table).copy()
    key = sort_key(table)
    if len(ordered) != len(links) or not ordered[key].equals(links[key]):
        raise ValueError(f"the links of {table_name} do not match its rows")
    for column in links.columns:
        if column not in key:
            ordered[column] = as_series(links[column], table.columns[column])
    return ordered


def generate_component(
    spec: Spec,
    component: Component,
    parents: Mapping[str, pd.DataFrame],
    *,
    seed: int,
    scale: float = 1.0,
    ordered_parents: Collection[str] = (),
) -> dict[str, tuple[TableGenerator, pd.DataFrame]]:
    """Every table of a cycle, complete (deferred FKs filled), from the rows of its outside
    parents. Used where the cycle is written in one transaction."""
    memory = dict(parents)
    generators: dict[str, TableGenerator] = {}
    for name in component.tables:
        generator = TableGenerator(
            spec, name, memory, seed=seed, scale=scale, ordered_parents=ordered_parents
        )
        generators[name] = generator
        memory[name] = generator.frame()
    out = {}
    for name in component.tables:
        frame = memory[name]
        if deferred_of(spec, name):
            frame = apply_links(spec, name, frame, link_frame(spec, name, memory, seed=seed))
        out[name] = (generators[name], frame)
    return out

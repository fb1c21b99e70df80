"""Aggregates of children (an order's total, its line count, its first line's date), made by
the parent before its children exist.

Chunks are deterministic, so a parent chunk makes the children of its rows itself (the child
table's chunks that cover those parents, only the columns the expression reads) and combines
them; the child table's own asset later makes the very same rows. Works the same on every path
and target, since nothing is read back. Children of one parent are contiguous in the child
table (its driving FK orders it), so sums and counts are ``bincount``s and minima and maxima
``reduceat``s over runs.

The children come from a ``RegeneratedParents`` over the same spec, seed and scale: the
generator's own source when it is one, else one made by the factory ``regenerated.py``
registers (this module cannot import it: it imports the table generator).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from seed_assets.engine.expressions import evaluate
from seed_assets.engine.frames import null_mask
from seed_assets.errors import SpecError
from seed_assets.spec.expressions import parse

_SOURCE_FACTORY: Callable | None = None


def use_source(factory: Callable) -> None:
    """Register how to make a regenerating source (``RegeneratedParents``)."""
    global _SOURCE_FACTORY
    _SOURCE_FACTORY = factory


def frame_array(series: pd.Series) -> np.ndarray:
    """A frame's column as the engine holds it (nullable integers as float, NaN for null)."""
    if isinstance(series.dtype, pd.Int64Dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    if isinstance(series.dtype, pd.BooleanDtype):
        return series.to_numpy(dtype=object, na_value=None)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series.to_numpy().astype("datetime64[s]")
    return series.to_numpy()


def combine(function: str, values: np.ndarray | None, groups: np.ndarray, size: int):
    """Per group 0..size-1 (`groups` sorted, one per child): the children's combined value.

    Groups without children: 0 for a count or a sum, NaN/NaT for the rest; null values are
    left out, as SQL's aggregates leave them."""
    if function == "count":
        return np.bincount(groups, minlength=size).astype(np.int64)
    present = ~null_mask(values)  # as SQL does: nulls take no part
    if not present.all():
        values, groups = values[present], groups[present]
    counts = np.bincount(groups, minlength=size)
    if values.dtype.kind == "M":
        unit = np.datetime_data(values.dtype)[0]
        ints = values.view(np.int64)
        out = np.full(size, np.iinfo(np.int64).min, dtype=np.int64)  # NaT
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]]) if len(groups) else []
        if len(starts):
            reduce = np.minimum if function == "min" else np.maximum
            out[groups[starts]] = reduce.reduceat(ints, starts)
        return out.view(f"datetime64[{unit}]")
    numbers = np.asarray(values, dtype=np.float64)
    if function in ("sum", "mean"):
        sums = np.bincount(groups, weights=numbers, minlength=size)
        if function == "sum":
            return sums
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    out = np.full(size, np.nan)
    if len(groups):
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        reduce = np.minimum if function == "min" else np.maximum
        out[groups[starts]] = reduce.reduceat(numbers, starts)
    return out


class ChildAggregates:
    """The aggregate columns of one table, made from its children chunk by chunk."""

    def __init__(self, generator) -> None:
        self.generator = generator
        self._source = None

    def _child(self, table: str):
        generator = self.generator
        source = generator.source
        if not hasattr(source, "generator"):  # frames given: regenerate the children
            if self._source is None:
                if _SOURCE_FACTORY is None:
                    raise SpecError("aggregates need seed_assets.engine.regenerated imported")
                self._source = _SOURCE_FACTORY(
                    generator.spec, seed=generator.seed, scale=generator.scale
                )
            source = self._source
        child = source.generator(table)
        if not child.rows_as_planned or not generator.rows_as_planned:
            raise SpecError(
                f"an aggregate of {table} needs both tables' rows as planned; CHECKs that drop "
                "rows make them unknown before the rows are made",
                table=generator.name,
            )
        return child

    def values(self, name: str, column, chunk) -> np.ndarray:
        """The column's values for the parent rows of `chunk`."""
        aggregate = column.aggregate
        child = self._child(aggregate.table)
        first, stop = chunk.row_start, chunk.row_start + chunk.rows
        expression = parse(aggregate.expr) if aggregate.expr else None
        needed = list(expression.names) if expression else []
        groups, parts = [], []
        step = child.spec.chunk_rows
        for index in range(first // step, -(-stop // step) if stop else 0):
            if index >= len(child.chunks):
                break
            part = child.chunks[index]
            counts = child.counts(part)
            parents = np.repeat(np.arange(part.parent_start, part.parent_stop), counts)
            inside = (parents >= first) & (parents < stop)
            if not inside.any():
                continue
            if expression is not None:
                frame = child.chunk_frame(part, columns=needed)
                arrays = {c: frame_array(frame[c]) for c in needed}
                made = evaluate(expression, arrays.__getitem__, part.rows)
                parts.append(np.asarray(made)[inside])
            groups.append(parents[inside] - first)
        group = np.concatenate(groups) if groups else np.zeros(0, dtype=np.int64)
        values = None
        if expression is not None:
            values = np.concatenate(parts) if parts else np.zeros(0)
        return combine(aggregate.function, values, group, chunk.rows)

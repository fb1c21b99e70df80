"""Partitions of a table: fixed ranges of its chunks, so any one can be made alone.

A table with ``partitions: N`` is cut into N ranges of its chunks (chunks are ``chunk_rows``
parent rows, or rows for a table no FK drives): partition p holds chunks
[p*C//N, (p+1)*C//N) of its C chunks. Chunks draw from their own random streams, so a partition
made alone, on any worker, equals those rows of the unpartitioned table, and the partitions in
order are the table. C depends on the run's seed and scale; N does not, so the partition keys
Dagster sees are fixed (a partition may be empty at a small scale).

Its rows are a contiguous range of the table's sequence key (or of its driving FK's parent key),
which is how a target deletes a partition before writing it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from seed_assets.engine.parents import sequence_key
from seed_assets.engine.table import Chunk, TableGenerator
from seed_assets.engine.values import sequence_values
from seed_assets.errors import SpecError
from seed_assets.spec.graph import partition_column
from seed_assets.spec.models import Spec


def partition_keys(count: int) -> list[str]:
    """Dagster partition keys: zero-padded numbers, so they sort as they run."""
    width = len(str(max(count - 1, 0)))
    return [f"{i:0{width}d}" for i in range(count)]


def chunk_range(n_chunks: int, count: int, index: int) -> range:
    """The chunks of partition `index` of `count`."""
    if not 0 <= index < count:
        raise ValueError(f"partition {index} does not exist; there are {count}")
    return range(index * n_chunks // count, (index + 1) * n_chunks // count)


@dataclass(frozen=True)
class KeyRange:
    """Rows whose `column` lies in [low, high]: what deleting a partition removes."""

    column: str
    low: object
    high: object


@dataclass(frozen=True)
class Partition:
    """Partition `index` of `count`: its chunks, rows and driving-parent rows."""

    index: int
    count: int
    chunks: tuple[Chunk, ...]
    row_start: int
    row_stop: int
    parent_start: int
    parent_stop: int
    key_range: KeyRange | None

    @property
    def rows(self) -> int:
        return self.row_stop - self.row_start

    @property
    def key(self) -> str:
        return partition_keys(self.count)[self.index]


def plan_partition(generator: TableGenerator, count: int, index: int) -> Partition:
    """Which rows partition `index` of `count` of the generator's table holds."""
    chunks = tuple(generator.chunks[i] for i in chunk_range(len(generator.chunks), count, index))
    if chunks:
        row_start = chunks[0].row_start
        row_stop = chunks[-1].row_start + chunks[-1].rows
        parent_start, parent_stop = chunks[0].parent_start, chunks[-1].parent_stop
    else:
        after = [c for c in generator.chunks[: len(generator.chunks) * index // count]]
        row_start = row_stop = after[-1].row_start + after[-1].rows if after else 0
        parent_start = parent_stop = after[-1].parent_stop if after else 0
    key_range = _key_range(generator, row_start, row_stop, parent_start, parent_stop)
    return Partition(
        index, count, chunks, row_start, row_stop, parent_start, parent_stop, key_range
    )


def _key_range(generator: TableGenerator, row_start, row_stop, parent_start, parent_stop):
    spec: Spec = generator.spec
    column, owner = partition_column(spec, generator.name)
    if owner == generator.name:
        low_row, high_row, total = row_start, row_stop, generator.total_rows
    else:
        low_row, high_row = parent_start, parent_stop
        total = generator.parent_count(owner)
    owner_table = spec.tables[owner]
    key = sequence_key(owner_table, total)
    if key is None:
        raise SpecError(
            f"the keys of {owner} do not sort as their numbers at {total:,} rows (the format "
            "is too narrow), so a partition is not a key range; widen the sequence format",
            table=generator.name,
        )
    if high_row <= low_row:
        return None
    ends = sequence_values(key, _positions(low_row, high_row - 1))
    return KeyRange(column, _plain(ends[0]), _plain(ends[1]))


def _positions(low: int, high: int):
    import numpy as np

    return np.array([low, high], dtype=np.int64)


def _plain(value):
    return value.item() if hasattr(value, "item") else value

"""Parents made again from the spec and seed, only the columns asked for (a ``ParentSource``).

Chunks are deterministic, so a parent chunk regenerated equals the one written; a key that is an
in-order sequence is computed from row numbers, never stored. That keeps a run bounded whatever
the row count.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable

import numpy as np
import pandas as pd

from seed_assets.engine import aggregates, values
from seed_assets.engine.frames import with_nulls
from seed_assets.engine.keys import sequence_positions, text_order
from seed_assets.engine.memory import keep_freed_memory
from seed_assets.engine.packed import Packed, pack
from seed_assets.engine.parents import (
    as_array,
    canonical_parent,
    indexed_lookup,
    sequence_key,
    sort_key,
)
from seed_assets.engine.table import RowFilter, TableGenerator, parent_columns
from seed_assets.spec.models import Spec


def _locked(method: Callable) -> Callable:
    """One caller at a time: a table's generator and its checks (``gate._Feeder``, another
    thread) read the same parents, through the same chunk cache."""

    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return locked


class RegeneratedParents:
    """Parents regenerated chunk by chunk from the spec and seed, only the columns asked for.

    A parent whose rows come out in key order by construction (a sequence key) is served slice by
    slice, its last chunks cached (consecutive child chunks read consecutive parent rows), and its
    key computed from positions. Any other parent, and any column read at random positions (a
    reference FK's target other than its sequence key), is made whole once and kept: memory then
    grows with that parent, which the docs say.

    `row_filter` (the target database judging CHECKs the engine does not understand) is given
    to every generator: a parent chunk made again for its children is filtered again, by the
    same CHECKs over the same rows, so the children see exactly the parent rows that were kept.
    """

    cached_chunks = 3
    # A chunk of a big child table (100,000 parents' children) can hold a million rows or more:
    # the cache keeps earlier chunks only while they fit this, and always each table's last.
    cached_bytes = 256 << 20
    # Chunks written earlier in this process keep the columns later tables read of them, up to
    # this many bytes in all (see ``offer``, packed: ``packed.py``): beyond it, they are made
    # again when read (banking's transactions: 8 bytes a row kept against about 40 ns a row made
    # again; all of them at 10M rows, about a third at 100M, where keeping them all would add
    # 570 MB to the peak for 2 s).
    kept_bytes = 192 << 20

    def __init__(
        self,
        spec: Spec,
        *,
        seed: int | None = None,
        scale: float = 1.0,
        row_filter: RowFilter | None = None,
        keeps_for: Iterable[str] | None = None,
    ) -> None:
        keep_freed_memory()  # every run makes its chunks through here
        self.spec = spec
        self.row_filter = row_filter
        self.seed = spec.seed if seed is None else seed
        self.scale = scale
        self._generators: dict[str, TableGenerator] = {}
        self._chunks: OrderedDict[tuple, dict] = OrderedDict()
        # Per table and reader (a thread), the chunk its last read began in.
        self._first_read: dict[tuple[str, threading.Thread], int] = {}
        self._whole: dict[tuple[str, str], np.ndarray] = {}
        self._sorted: dict[str, pd.DataFrame] = {}
        self._orders: dict[str, np.ndarray] = {}
        self._ranks: dict[str, np.ndarray | None] = {}
        self._owners: dict[tuple[str, str], str | None] = {}
        self._indexes: dict[tuple, tuple] = {}
        self._kept: dict[tuple[str, int], dict[tuple[str, bool], Packed]] = {}
        self._kept_size = 0
        self._read_later: dict[str, set[str]] | None = None
        # The tables this process makes after their parents, for which written chunks are kept
        # (``offer``): every table in a whole run; a Dagster step's own, whose children are
        # other steps' (keeping transactions' chunks for invoices took up to 192 MB there).
        self._keeps_for = None if keeps_for is None else frozenset(keeps_for)
        self._lock = threading.RLock()

    @_locked
    def generator(self, table: str) -> TableGenerator:
        """The table's generator over this source (made once; parents' made as needed)."""
        if table not in self._generators:
            self._generators[table] = TableGenerator(
                self.spec, table, self, seed=self.seed, scale=self.scale, row_filter=self.row_filter
            )
        return self._generators[table]

    @_locked
    def row_count(self, table: str) -> int:
        generator = self.generator(table)
        if not generator.rows_as_planned:  # CHECKs drop rows: count what is kept
            return len(
                self._sorted_frame(
                    table, sort_key(generator.table)[:1] or [next(iter(generator.table.columns))]
                )
            )
        return generator.total_rows

    def _sliceable(self, generator) -> bool:
        """Rows come in key order, each chunk exactly as planned: slices by position."""
        return generator.in_key_order and generator.rows_as_planned

    @_locked
    def key_column(self, table: str) -> str | None:
        """The name of the table's in-order sequence key, if it has one."""
        generator = self.generator(table)
        column = sequence_key(generator.table, generator.total_rows)
        if column is None or not generator.rows_as_planned:
            return None
        return sort_key(generator.table)[0]

    @_locked
    def key_owner(self, table: str, column: str) -> str | None:
        """The table whose sequence key `column` of `table` holds, if any (see
        ``TableGenerator.key_owner``): such columns can be served as positions."""
        generator = self.generator(table)
        if not self._sliceable(generator):
            return None
        key = (table, column)
        if key not in self._owners:
            self._owners[key] = generator.key_owner(column)
        return self._owners[key]

    @_locked
    def keys_at(self, owner: str, positions: np.ndarray) -> np.ndarray:
        """The sequence keys of `owner` at `positions` (None where a position is -1)."""
        generator = self.generator(owner)
        column = generator.table.columns[sort_key(generator.table)[0]]
        missing = positions < 0
        if not missing.any():
            return values.sequence_values(column, positions)
        return with_nulls(values.sequence_values(column, np.where(missing, 0, positions)), missing)

    @_locked
    def rows(
        self,
        table: str,
        columns: list[str],
        start: int,
        stop: int,
        *,
        positions: Collection[str] = (),
    ) -> pd.DataFrame:
        """Rows [start, stop) of `table`; columns in `positions` (each with a ``key_owner``) as
        int64 key positions instead of keys."""
        generator = self.generator(table)
        if not self._sliceable(generator):
            if positions:
                raise ValueError(f"{table} is not made in key order: no key positions")
            return (
                self._sorted_frame(table, columns).iloc[start:stop][columns].reset_index(drop=True)
            )
        starts = generator.chunk_starts
        first = int(np.searchsorted(starts, start, side="right")) - 1
        self._first_read[(table, threading.current_thread())] = max(first, 0)
        parts = []
        index = max(first, 0)
        while index < len(generator.chunks) and (stop > start or not parts):
            chunk = generator.chunks[index]
            frame = self._chunk(table, index, tuple(columns), tuple(positions))
            lo = max(start - chunk.row_start, 0)
            hi = min(stop - chunk.row_start, chunk.rows)
            parts.append(frame.iloc[lo:hi])
            if chunk.row_start + chunk.rows >= stop:
                break
            index += 1
        if not parts:
            empty = generator.empty_frame([c for c in columns if c not in positions])
            for c in positions:
                empty[c] = np.zeros(0, dtype=np.int64)
            return empty[columns]
        out = parts[0] if len(parts) == 1 else pd.concat(parts)
        return out.reset_index(drop=True)

    @property
    def kept_chunks(self) -> int:
        """How many written chunks ``offer`` keeps columns of."""
        return len(self._kept)

    @_locked
    def offer(self, table: str, index: int, frame: pd.DataFrame, positions: Collection[str]):
        """Chunk `index` of `table`, just made to be written (`positions`: its columns that
        came as key positions): the columns other tables read of it as values are kept, while
        they fit ``kept_bytes``, so that its children find them instead of making the chunk
        again. The same values either way: a chunk's columns do not depend on which are made.
        """
        if not self._sliceable(self.generator(table)):
            return
        if self._read_later is None:
            self._read_later = self._values_read()
        wanted = [c for c in self._read_later.get(table, ()) if c in frame.columns]
        if not wanted or (table, index) in self._kept:
            return
        kept = {(c, c in positions): pack(frame[c]) for c in wanted}
        size = sum(p.nbytes for p in kept.values())
        if self._kept_size + size <= self.kept_bytes:
            self._kept[(table, index)] = kept
            self._kept_size += size

    def _values_read(self) -> dict[str, set[str]]:
        """Per table, the columns other tables read of it as values (keys computed from
        positions excepted: those cost less to make than to keep)."""
        read: dict[str, set[str]] = {}
        for child in self.spec.tables:
            if self._keeps_for is not None and child not in self._keeps_for:
                continue  # made in another process
            for parent, columns in parent_columns(self.spec, child).items():
                if parent != child:
                    read.setdefault(parent, set()).update(
                        c for c in columns if self.key_owner(parent, c) is None
                    )
        return read

    def _chunk(self, table: str, index: int, columns: tuple, positions: tuple) -> pd.DataFrame:
        """A chunk's `columns` (those in `positions` as key positions), each regenerated once
        for every reader: the child's generator and each of its checks ask for different
        columns of the same parent chunk, some as keys and some as positions. A chunk is kept
        with every column asked of it so far, in each form asked (any subset of a chunk's
        columns equals the whole chunk's)."""
        key = (table, index)
        have: dict[tuple[str, bool], pd.Series] = dict(self._chunks.get(key, {}))
        wanted = [(c, c in positions) for c in columns]
        for pair, packed in self._kept.get(key, {}).items():
            if pair not in have and pair in wanted:  # unpacked once while the chunk is cached
                have[pair] = packed.series(pair[0])
        missing = [pair for pair in wanted if pair not in have]
        if missing:
            generator = self.generator(table)
            made = generator.chunk_frame(
                generator.chunks[index],
                columns=[c for c, _ in missing],
                positions=tuple(c for c, as_position in missing if as_position),
            )
            have = {**have, **{pair: made[pair[0]] for pair in missing}}
        self._chunks[key] = have
        self._chunks.move_to_end(key)
        self._evict()
        return pd.DataFrame({c: have[(c, p)] for c, p in wanted}, copy=False)

    def _evict(self) -> None:
        """Drop the least recently used chunks past the bounds, but never one a reader is on:
        the chunk its last read of that table began in, and the next. A child's chunks read
        consecutive chunks of each parent, so evicting, say, the big transactions chunk because
        an accounts chunk was read after it (the sampled GX check of invoices does) made it
        again for every child chunk; and a child chunk whose parent rows straddle two chunks
        reads both, for its generator and again for each check (keeping one made both again for
        every reader: an invoices step at 10M rows made transactions chunks 46 times instead of
        5). Readers are told apart by thread: a step's checks run a frame or two behind its
        generator (``gate._Feeder``), on chunks the generator has moved past. A chunk's size is
        fixed in parent rows, whatever the scale, so two per table and reader stay bounded."""
        while len(self._chunks) > 1 and (
            len(self._chunks) > self.cached_chunks or self._cached_bytes() > self.cached_bytes
        ):
            for reader in [r for r in self._first_read if not r[1].is_alive()]:
                del self._first_read[reader]  # a step's checks, or a table's prefetch, ended
            protected = {
                (table, index)
                for (table, _), first in self._first_read.items()
                for index in (first, first + 1)
            }
            victim = next((k for k in self._chunks if k not in protected), None)
            if victim is None:
                return
            del self._chunks[victim]

    def _cached_bytes(self) -> int:
        """About what the cached chunks hold (a str object counted as 64 bytes)."""
        return sum(
            len(series) * 72 if series.dtype == object else series.memory_usage(index=False)
            for columns in self._chunks.values()
            for series in columns.values()
        )

    def _sorted_frame(self, table: str, columns: list[str]) -> pd.DataFrame:
        """A parent not in key order by construction: the columns asked for, made whole and put
        in key order once (the order kept for columns asked for later), then kept."""
        generator = self.generator(table)
        have = self._sorted.get(table)
        missing = [c for c in columns if have is None or c not in have.columns]
        if missing:
            key = sort_key(generator.table)
            made = generator.frame([*dict.fromkeys([*key, *missing])])
            if table not in self._orders:
                self._orders[table] = self._key_order(generator, made)
            part = made.iloc[self._orders[table]].reset_index(drop=True)
            if have is None:
                have = part
            else:
                have = pd.concat([have, part[[c for c in missing if c not in have]]], axis=1)
            self._sorted[table] = have
        return have

    @staticmethod
    def _key_order(generator: TableGenerator, made: pd.DataFrame) -> np.ndarray:
        """The rows of `made` (the whole table) in key order: computed from the numbers for a
        sequence whose text stopped sorting as they do (banking's 2.4M ``CUST{:06d}`` at 100M
        rows, 2 s sorted as text), else by sorting the keys."""
        order = _text_order(generator)
        if order is not None:
            return order
        ordered = canonical_parent(made.assign(_row=np.arange(len(made))), generator.table)
        return ordered["_row"].to_numpy()

    def _sequence_ranks(self, table: str, columns: list[str]) -> np.ndarray | None:
        """For a table held in key order whole whose key is a sequence that stopped sorting as
        its numbers (``_key_order``): each row's place in key order, by the sequence position
        it was made at; None for any other table or columns."""
        generator = self.generator(table)
        if self._sliceable(generator) or columns != sort_key(generator.table)[:1]:
            return None
        if table not in self._ranks:
            order = None
            if _numbered(generator):  # then the order held, if any, is this one
                order = self._orders.get(table)
                order = _text_order(generator) if order is None else order
            ranks = None
            if order is not None:
                self._orders[table] = order
                ranks = np.empty(len(order), dtype=np.int64)
                ranks[order] = np.arange(len(order), dtype=np.int64)
            self._ranks[table] = ranks
        return self._ranks[table]

    @_locked
    def locates_arithmetically(self, table: str, columns: list[str]) -> bool:
        """Whether ``locate`` finds `columns` of `table` from the keys' text alone (a sequence
        key, parsed): they may then be given as Arrow text."""
        return columns == [self.key_column(table)] or (
            self._sequence_ranks(table, columns) is not None
        )

    @_locked
    def take(self, table: str, column: str, positions: np.ndarray) -> np.ndarray:
        generator = self.generator(table)
        if column == self.key_column(table):
            return values.sequence_values(generator.table.columns[column], positions)
        key = (table, column)
        if key not in self._whole:
            if self._sliceable(generator):
                parts = [f[column] for f in generator.frames(columns=[column])]
                frame = (
                    pd.DataFrame({column: pd.concat(parts, ignore_index=True)})
                    if parts
                    else (generator.empty_frame([column]))
                )
            else:
                frame = self._sorted_frame(table, [column])
            self._whole[key] = as_array(frame[column])
        return self._whole[key][positions]

    @_locked
    def locate(self, table: str, columns: list[str], values: list[np.ndarray]) -> np.ndarray:
        generator = self.generator(table)
        if len(columns) == 1 and columns[0] == self.key_column(table):
            return sequence_positions(
                generator.table.columns[columns[0]], values[0], generator.total_rows
            )
        ranks = self._sequence_ranks(table, columns)
        if ranks is not None:  # no index of every key (2.4M CUST keys at 100M: 230 MB)
            column = generator.table.columns[columns[0]]
            made = sequence_positions(column, values[0], generator.total_rows)
            return np.where(made >= 0, ranks[np.maximum(made, 0)], -1)

        def whole() -> pd.DataFrame:
            everything = np.arange(self.row_count(table))
            return pd.DataFrame({c: self.take(table, c, everything) for c in columns})

        return indexed_lookup(self._indexes, table, columns, whole, values)


def _numbered(generator: TableGenerator) -> bool:
    """Whether the table's key is a sequence made for every row (no row dropped): the key of
    row i is the sequence's i-th value."""
    key = sort_key(generator.table)
    column = generator.table.columns[key[0]] if len(key) == 1 else None
    return (
        column is not None
        and column.source == "sequence"
        and not column.sequence.per_parent
        and not column.null_fraction
        and generator.rows_as_planned
    )


def _text_order(generator: TableGenerator) -> np.ndarray | None:
    """The table's rows in key order, computed from its sequence's numbers (``text_order``),
    when ``_numbered``; else None."""
    if not _numbered(generator):
        return None
    column = generator.table.columns[sort_key(generator.table)[0]]
    return text_order(column.sequence, generator.total_rows)


aggregates.use_source(RegeneratedParents)  # parents that sum their children make them here

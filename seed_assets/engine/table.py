"""Generate one table, chunk by chunk, from its spec and its parents' rows.

Parents come from a ``ParentSource`` (``parents.py``), or as DataFrames, which are put in
primary-key order first, so the result is the same whether they come from memory, from a
database or are made again. Chunks are fixed by the spec (``chunk_rows`` parent rows, or rows
for a table no FK drives) and each chunk draws from its own streams: any chunk can be made
alone, anywhere. A chunk reads only its own parents' rows (the driving FK's slice) and, for a
reference FK, parent keys at the positions it picks, so no table is ever needed whole.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from seed_assets.engine import constraints, copula, values, windows
from seed_assets.engine.cardinality import draw_counts
from seed_assets.engine.chunk_parents import ChunkParents
from seed_assets.engine.fk_fill import ForeignKeyFilling
from seed_assets.engine.frames import as_series as _as_series
from seed_assets.engine.frames import with_nulls
from seed_assets.engine.keys import within_parent_positions
from seed_assets.engine.memory import before_chunk
from seed_assets.engine.parents import (
    FrameParents,
    ParentSource,
    canonical_parent,
    sequence_key,
    sort_key,
)
from seed_assets.engine.relations import DependentColumns
from seed_assets.engine.rng import stream, table_seed
from seed_assets.errors import SpecError
from seed_assets.spec.dependencies import parent_reads, same_row_reads
from seed_assets.spec.graph import deferred_of, is_deferred, resolve_after, resolve_via
from seed_assets.spec.models import (
    SELF_FILLING_TYPES,
    ColumnSpec,
    Spec,
)

__all__ = ["Chunk", "RowFilter", "TableGenerator", "canonical_parent", "parent_columns", "sort_key"]

# Given a table name and a chunk's rows, which rows to keep: how a caller with a database lets it
# judge the CHECKs the engine does not understand (``targets/check_filter.py``).
RowFilter = Callable[[str, pd.DataFrame], np.ndarray]


def parent_columns(spec: Spec, table_name: str) -> dict[str, list[str]]:
    """For each parent table, the columns generating `table_name` reads (its key first).

    Deferred FKs (closing a cycle) are filled later, from the rows ``link_columns`` names.
    """
    table = spec.tables[table_name]
    needed: dict[str, list[str]] = {}

    def need(parent: str, columns: list[str]) -> None:
        have = needed.setdefault(parent, list(sort_key(spec.tables[parent])))
        have.extend(c for c in columns if c not in have)

    for fk in table.foreign_keys:
        target = fk.references.table
        if target == table_name or is_deferred(spec, table_name, fk):
            continue
        if fk.via is None:
            need(target, fk.references.columns)
        else:
            through, copied = resolve_via(spec, table_name, fk)
            need(through.references.table, copied.columns)
    for column in table.columns.values():
        if column.after and "." in column.after:
            fk, ref = resolve_after(spec, table_name, column.after)
            need(fk.references.table, [*fk.references.columns, ref])
        for fk, ref in parent_reads(spec, table_name, column):  # derived columns, `before`
            need(fk.references.table, [*fk.references.columns, ref])
    return needed


@dataclass(frozen=True)
class Chunk:
    """Rows [row_start, row_start + rows) of a table, children of parents [first, last)."""

    index: int
    row_start: int
    rows: int
    parent_start: int = 0
    parent_stop: int = 0


class TableGenerator(ForeignKeyFilling):
    """Everything needed to make one table: row count known up front, values chunk by chunk."""

    def __init__(
        self,
        spec: Spec,
        table_name: str,
        parents: Mapping[str, pd.DataFrame] | ParentSource | None = None,
        *,
        seed: int | None = None,
        scale: float = 1.0,
        ordered_parents: Collection[str] = (),
        row_filter: RowFilter | None = None,
    ) -> None:
        """`parents`: whole frames, or a ``ParentSource``. `ordered_parents` names frames known
        to be in primary-key order already (made by this engine, see ``in_key_order``).
        `row_filter` drops rows a database would refuse (CHECKs only it can evaluate)."""
        self.spec = spec
        self.name = table_name
        self.table = spec.tables[table_name]
        self.seed = spec.seed if seed is None else seed
        self.scale = scale
        if isinstance(parents, ParentSource):
            self.source = parents
        else:
            self.source = FrameParents(
                spec,
                parents or {},
                ordered=ordered_parents,
                needs=parent_columns(spec, table_name),
                who=table_name,
            )
        self.driving = self.table.driving_fk
        self.deferred = deferred_of(spec, table_name)
        self._n_parents: dict[str, int] = {}
        self._counts_cache: tuple[int, np.ndarray] | None = None
        self.chunks = self._plan_chunks()
        self.chunk_starts = np.array([c.row_start for c in self.chunks], dtype=np.int64)
        self.total_rows = sum(c.rows for c in self.chunks)
        self._fakers: dict[str, values.FakerColumn] = {}
        self._spreads: dict = {}  # FK label -> its SpreadPicker (engine/spread.py)
        self._unique_ints: dict[str, np.ndarray] = {}
        # Only tables with CHECKs the engine cannot judge go through the filter: the others keep
        # their rows as planned (and so their positions known without making them).
        self.row_filter = row_filter if constraints.opaque_checks(self.table) else None
        self._constrained = constraints.may_drop_rows(self.table)
        self._dependent = DependentColumns(self) if self._has_dependent() else None
        if self._constrained and len(self.chunks) > 1:
            self._keys_stay_unique()

    def _keys_stay_unique(self) -> None:
        for key in constraints.composite_keys(self.table):
            if not constraints.chunk_local(self.table, key):
                raise SpecError(
                    f"the key ({', '.join(key)}) spans {len(self.chunks)} chunks and can repeat "
                    "across them: include the driving FK's columns in it, make one of its "
                    "columns unique, or raise `chunk_rows` above the row count",
                    table=self.name,
                )

    @property
    def rows_as_planned(self) -> bool:
        """Whether every chunk holds exactly its planned rows: no CHECK or row filter drops
        any. Only then are row positions known without making the rows (see parents.py)."""
        return not self._constrained and self.row_filter is None

    # -- set-up --------------------------------------------------------------------------------

    def parent_count(self, parent: str) -> int:
        if parent not in self._n_parents:
            self._n_parents[parent] = self.source.row_count(parent)
        return self._n_parents[parent]

    def _chunk_counts(self, index: int, n: int) -> np.ndarray:
        """Children per parent of one chunk of parents: drawn from that chunk's own stream."""
        return draw_counts(
            self.driving.cardinality, n, stream(self.seed, self.name, index, "counts")
        )

    def counts(self, chunk: Chunk) -> np.ndarray:
        """Children per parent of `chunk`'s parents (drawn again on demand: never all kept)."""
        cached = self._counts_cache
        if cached is None or cached[0] != chunk.index:
            n = chunk.parent_stop - chunk.parent_start
            cached = self._counts_cache = (chunk.index, self._chunk_counts(chunk.index, n))
        return cached[1]

    def _plan_chunks(self) -> list[Chunk]:
        step = self.spec.chunk_rows
        if self.driving is None:
            total = round(self.table.rows * self.scale)
            return [
                Chunk(i, start, min(step, total - start))
                for i, start in enumerate(range(0, total, step))
            ]
        n_parents = self.parent_count(self.driving.references.table)
        chunks, row = [], 0
        for i, start in enumerate(range(0, n_parents, step)):
            stop = min(start + step, n_parents)
            rows = int(self._chunk_counts(i, stop - start).sum())
            chunks.append(Chunk(i, row, rows, start, stop))
            row += rows
        return chunks

    @property
    def in_key_order(self) -> bool:
        """Whether the rows come out in primary-key order, keys unique, by construction.

        True for a single-column key that is a sequence (not restarted per parent, never null)
        whose formatted text sorts as its numbers do: what ``canonical_parent`` would confirm.
        """
        return sequence_key(self.table, self.total_rows) is not None

    # -- which columns a subset needs ----------------------------------------------------------

    def closure(self, columns: Collection[str] | None) -> list[str]:
        """`columns` plus every column of this table their values are made from, spec order."""
        if columns is None or not self.rows_as_planned:  # CHECKs judge whole rows
            return list(self.table.columns)
        unknown = [c for c in columns if c not in self.table.columns]
        if unknown:
            raise KeyError(f"{self.name} has no column(s) {', '.join(unknown)}")
        need = set(columns)
        while True:
            more = set()
            for name in need:
                column = self.table.columns[name]
                if column.after is not None:
                    fk, ref = resolve_after(self.spec, self.name, column.after)
                    if fk is None:
                        more.add(ref)
                    elif fk.via is not None:  # its parent is found by the copied key
                        more.update(fk.columns)
                more.update(same_row_reads(self.spec, self.name, column))  # derived, `before`
                more.update(copula.partners(self.table, name))  # correlated: drawn together
                fk = self.table.fk_for_column(name)
                if fk is not None and fk.via is not None:
                    through, _ = resolve_via(self.spec, self.name, fk)
                    more.update(through.columns)
                elif fk is not None and fk.references.table == self.name:
                    more.update(fk.references.columns)
            if more <= need:
                break
            need |= more
        return [c for c in self.table.columns if c in need]

    def _slice_columns(
        self, as_values: Collection[str], positions: Collection[str]
    ) -> tuple[list[str], list[str]]:
        """The driving parent's columns that making this chunk reads through the driving FK:
        as values, and as key positions where the source can give them (formatting only the
        keys the children pick)."""
        fk = self.driving
        parent = fk.references.table
        values_out: list[str] = []
        positions_out: list[str] = []
        owner_of = getattr(self.source, "key_owner", None)

        def add(cols):
            for c in cols:
                if owner_of is not None and owner_of(parent, c) is not None:
                    if c not in positions_out:
                        positions_out.append(c)
                elif c not in values_out:
                    values_out.append(c)

        for name in [c for c in self.table.columns if c in {*as_values, *positions}]:
            if name in fk.columns:
                add([fk.references.columns[fk.columns.index(name)]])
            column = self.table.columns[name]
            if column.after and "." in column.after:
                after_fk, ref = resolve_after(self.spec, self.name, column.after)
                if after_fk is fk:
                    add([ref])
            add([r for read_fk, r in parent_reads(self.spec, self.name, column) if read_fk is fk])
            via = self.table.fk_for_column(name)
            if via is not None and via.via is not None:
                through, copied = resolve_via(self.spec, self.name, via)
                if through is fk:
                    middle = copied.columns[via.columns.index(name)]
                    add([middle])
        return values_out, positions_out

    # -- generation ----------------------------------------------------------------------------

    def frames(
        self,
        columns: Collection[str] | None = None,
        *,
        max_rows: int | None = None,
        chunks: Iterable[Chunk] | None = None,
    ) -> Iterator[pd.DataFrame]:
        """The table in order, one DataFrame per chunk (only `columns`, when given).

        With `max_rows`, a bigger chunk comes in slices of at most that many rows: it is made
        with its own sequence key as positions (compact integers) and each slice's keys are
        written out as it is handed over, so unique strings never exist for more than one slice
        at a time. Same rows either way.
        """
        names = list(self.table.columns) if columns is None else list(columns)
        # Only the table's own key: FK columns gather their parents' strings, shared by siblings.
        lazy = [c for c in names if self.key_owner(c) == self.name] if max_rows else []
        # Whole chunks made to be written: the source may keep what later tables read of them.
        offer = getattr(self.source, "offer", None) if columns is None else None
        for chunk in self.chunks if chunks is None else chunks:
            before_chunk()  # a Dagster step's memory ceiling (``memory.py``)
            if max_rows is None or chunk.rows <= max_rows:
                frame = self.chunk_frame(chunk, columns=columns)
                if offer is not None:
                    offer(self.name, chunk.index, frame, ())
                yield frame
            else:
                frame = self.chunk_frame(chunk, columns=columns, positions=lazy)
                if offer is not None:
                    offer(self.name, chunk.index, frame, lazy)
                for start in range(0, chunk.rows, max_rows):
                    part = frame.iloc[start : start + max_rows].reset_index(drop=True)
                    for name in lazy:
                        keys = self.source.keys_at(self.key_owner(name), part[name].to_numpy())
                        part[name] = _as_series(keys, self.table.columns[name])
                    yield part
            # A chunk (or a slice, which keeps its chunk's buffers) let go of before the next
            # chunk is made, or two are resident at once (1.5M rows of transactions: ~130 MB).
            frame = part = None

    def frame(self, columns: Collection[str] | None = None) -> pd.DataFrame:
        """The whole table in one DataFrame."""
        parts = list(self.frames(columns))
        return pd.concat(parts, ignore_index=True) if parts else self.empty_frame(columns)

    def empty_frame(self, columns: Collection[str] | None = None) -> pd.DataFrame:
        names = list(self.table.columns) if columns is None else list(columns)
        return pd.DataFrame(
            {
                name: _as_series(_empty(self.table.columns[name]), self.table.columns[name])
                for name in names
            }
        )

    def chunk_frame(
        self,
        chunk: Chunk,
        columns: Collection[str] | None = None,
        *,
        positions: Collection[str] = (),
    ) -> pd.DataFrame:
        """One chunk's rows, every column (or `columns`) in spec order.

        A subset is made from the same streams as the whole, so its values are the same: a
        parent regenerated for its children costs only the columns they read. Columns named in
        `positions` (see ``key_owner``) come as int64 row positions in the table whose sequence
        key they hold (-1 for null), so children format only the keys they pick.
        """
        n = chunk.rows
        positions = set(positions)
        requested = list(self.table.columns) if columns is None else list(columns)
        as_values = self.closure([c for c in requested if c not in positions])
        made = self.closure([*as_values, *positions])
        rows = chunk.row_start + np.arange(n, dtype=np.int64)
        cols: dict[str, np.ndarray] = {}
        pos: dict[str, np.ndarray] = {}
        parent_rows: dict[str, np.ndarray] = {}  # FK label -> parent row index per child row
        counts = None
        driving_rows = None
        if self.driving is not None:
            counts = self.counts(chunk)
            parent_rows[self.driving.label] = np.repeat(
                np.arange(chunk.parent_start, chunk.parent_stop), counts
            )
            wanted, wanted_positions = self._slice_columns(as_values, positions & set(made))
            if wanted or wanted_positions:
                driving_rows = self._driving_rows(chunk, wanted, wanted_positions)
        else:
            wanted_positions = []
        context = ChunkParents(self, chunk, driving_rows, wanted_positions)

        for name in made:
            column = self.table.columns[name]
            if name in positions and column.source == "sequence":
                pos[name] = rows  # this table's own sequence key
                if name not in as_values:
                    continue
            if self._is_plain(name, column):
                cols[name] = self._plain(name, column, chunk, rows, counts)
        if self.table.correlations:  # ranks rearranged, values kept
            copula.correlate(self, chunk, cols)
        self._fill_foreign_keys(chunk, cols, pos, parent_rows, made, as_values, positions, context)
        for name in self._after_order():
            if name in made:
                cols[name] = self._after(name, chunk, cols, parent_rows, context)
        for name in made:
            column = self.table.columns[name]
            if name in cols and column.null_fraction and self.table.fk_for_column(name) is None:
                mask = stream(self.seed, self.name, chunk.index, f"null:{name}").random(n)
                cols[name] = with_nulls(cols[name], mask < column.null_fraction)
        if self._dependent is not None:  # columns that read the rest of their row
            self._dependent.fill(chunk, cols, parent_rows, context, made)
        out = [c for c in self.table.columns if c in set(requested)]
        if not self.rows_as_planned:
            return self._checked_rows(chunk, cols, out)
        return _chunk_frame(cols, self.table, out, {c: pos[c] for c in out if c in positions})

    def _checked_rows(self, chunk: Chunk, cols: dict, out: list[str]) -> pd.DataFrame:
        """The chunk less the rows that break a CHECK or repeat a key (understood CHECKs are
        repaired first; the rest are judged by `row_filter`)."""
        n = chunk.rows
        keep = None
        if self._constrained and n:
            rng = stream(self.seed, self.name, chunk.index, "checks")
            keep = constraints.enforce(cols, self.table, rng)
        frame = _chunk_frame(cols, self.table, list(self.table.columns))
        if self.row_filter is not None and len(frame):
            allowed = np.asarray(self.row_filter(self.name, frame), dtype=bool)
            keep = allowed if keep is None else keep & allowed
        if keep is not None and not keep.all():
            if not keep.any():
                raise SpecError(
                    f"every one of the {len(frame):,} rows generated for chunk {chunk.index} "
                    "breaks a CHECK of the table or repeats its key; change the value sources "
                    "so that the CHECKs can hold",
                    table=self.name,
                )
            frame = self._drop(frame, keep)
        return frame[out]

    def _drop(self, frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
        """The kept rows; a self-reference to a dropped row becomes a root (NULL)."""
        frame = frame[keep].reset_index(drop=True)
        for fk in self.table.foreign_keys:
            if fk.references.table != self.name or not len(frame):
                continue
            keys = pd.MultiIndex.from_frame(frame[fk.references.columns])
            refs = pd.MultiIndex.from_frame(frame[fk.columns])
            dangling = ~refs.isin(keys) & frame[fk.columns].notna().all(axis=1).to_numpy()
            if dangling.any():
                for column in fk.columns:
                    spec = self.table.columns[column]
                    frame[column] = _as_series(with_nulls(frame[column].to_numpy(), dangling), spec)
        return frame

    def _is_plain(self, name: str, column: ColumnSpec) -> bool:
        if windows.dependent(column):  # made by DependentColumns, after the rest of the row
            return False
        if column.source is None:  # a FK column, or a type that fills itself (uuid, json)
            return column.type in SELF_FILLING_TYPES and self.table.fk_for_column(name) is None
        return column.source not in ("after", "before")

    def _has_dependent(self) -> bool:
        return any(windows.dependent(c) for c in self.table.columns.values())

    def plain_values(self, name: str, column: ColumnSpec, chunk: Chunk) -> np.ndarray:
        """A column's own source for one chunk (what `when` and `copy_of` start from)."""
        rows = chunk.row_start + np.arange(chunk.rows, dtype=np.int64)
        counts = self.counts(chunk) if self.driving is not None else None
        return self._plain(name, column, chunk, rows, counts)

    def _driving_rows(self, chunk: Chunk, wanted: list[str], wanted_positions: list[str]):
        parent = self.driving.references.table
        if wanted_positions:
            return self.source.rows(
                parent,
                [*wanted, *wanted_positions],
                chunk.parent_start,
                chunk.parent_stop,
                positions=wanted_positions,
            )
        return self.source.rows(parent, wanted, chunk.parent_start, chunk.parent_stop)

    def key_owner(self, column: str) -> str | None:
        """The table whose sequence key `column` holds (the key itself, or an FK copied from
        one), when the source can compute those keys from positions; else None."""
        owner_of = getattr(self.source, "key_owner", None)
        if owner_of is None or not self.rows_as_planned:
            return None
        table = self.table
        if column == _sequence_key_name(table, self.total_rows):
            return self.name
        fk = table.fk_for_column(column)
        if fk is None or len(fk.columns) != 1 or fk.references.table == self.name:
            return None
        if fk.via is None:
            target = fk.references.table
            return target if owner_of(target, fk.references.columns[0]) == target else None
        through, copied = resolve_via(self.spec, self.name, fk)
        return owner_of(through.references.table, copied.columns[0])

    def _plain(self, name, column: ColumnSpec, chunk: Chunk, rows, counts) -> np.ndarray:
        n = len(rows)
        rng = stream(self.seed, self.name, chunk.index, name)
        try:
            match column.source:
                case "faker":
                    return self._faker(name, column).values(rows, rng)
                case "choice":
                    if column.unique:
                        return self._unique_choice(name, column, rows)
                    return values.choice_values(column, n, rng)
                case "distribution":
                    if column.unique:
                        return self._unique_int(name, column)[rows]
                    return values.numeric_values(column, n, rng)
                case "sequence":
                    positions = (
                        within_parent_positions(counts) if column.sequence.per_parent else rows
                    )
                    return values.sequence_values(column, positions)
                case "constant":
                    return values.constant_values(column, n)
                case "between":
                    return windows.patterned_between(column, n, rng)
                case "rate":
                    return values.rate_values(column, n, rng)
                case None if column.type == "uuid":
                    return values.uuid_values(n, rng)
                case None if column.type == "json":
                    return values.json_values(n, rng)
        except SpecError as exc:
            raise SpecError(exc.message, table=self.name, column=name) from None
        raise AssertionError(f"unhandled source {column.source}")

    def _faker(self, name: str, column: ColumnSpec) -> values.FakerColumn:
        if name not in self._fakers:
            seed = table_seed(self.seed, self.name, f"pool:{name}")
            self._fakers[name] = values.FakerColumn(column, self.spec.locale, self.total_rows, seed)
        return self._fakers[name]

    def _unique_int(self, name: str, column: ColumnSpec) -> np.ndarray:
        if name not in self._unique_ints:
            rng = np.random.default_rng(table_seed(self.seed, self.name, f"unique:{name}"))
            self._unique_ints[name] = values.unique_integers(column, self.total_rows, rng)
        return self._unique_ints[name]

    def _unique_choice(self, name: str, column: ColumnSpec, rows: np.ndarray) -> np.ndarray:
        options = values.typed_array(column.choice.values, column.type)
        if len(options) < self.total_rows:
            raise SpecError(
                f"`unique: true` needs {self.total_rows} distinct values, but the choice has "
                f"{len(options)}"
            )
        order = np.random.default_rng(table_seed(self.seed, self.name, f"unique:{name}"))
        return options[order.permutation(len(options))[rows]]

    def _after_order(self) -> list[str]:
        return windows.window_order(self.table)

    def _after(self, name: str, chunk: Chunk, cols: dict, parent_rows: dict, context) -> np.ndarray:
        column = self.table.columns[name]
        lower = self._bound(column.after, column, cols, parent_rows, context)
        upper = self._bound(column.before, column, cols, parent_rows, context)
        rng = stream(self.seed, self.name, chunk.index, name)
        return windows.window_values(column, lower, upper, rng, chunk.rows)

    def _bound(self, ref_text, column, cols, parent_rows, context) -> np.ndarray | None:
        """The `after` or `before` date each row is bounded by (None: no such rule)."""
        if ref_text is None:
            return None
        fk, ref = resolve_after(self.spec, self.name, ref_text)
        if fk is None:
            lower = cols[ref]
        else:
            picked = parent_rows[fk.label]
            # A null FK (found by key, -1) has no parent date to be after; the driving FK's
            # rows always have a parent. Kept at the parent's resolution: ``windows`` rounds
            # it to the child's inward (a date after a timestamp is the next day).
            unmatched = None if fk is self.driving else picked < 0
            if unmatched is not None and unmatched.any():
                lower = np.array(context.values(fk, ref, np.where(unmatched, 0, picked)))
                lower[unmatched] = np.datetime64("NaT")
            else:
                lower = context.values(fk, ref, picked)
        return lower


# -- arrays and frames -----------------------------------------------------------------------


def _sequence_key_name(table, total_rows: int) -> str | None:
    return sort_key(table)[0] if sequence_key(table, total_rows) is not None else None


def _chunk_frame(cols: dict, table, names: list[str], positions: dict | None = None):
    """The chunk's arrays as a frame of canonical dtypes, without copying them again; columns
    in `positions` as the int64 key positions given there instead.

    Every array was made for this chunk, so the frame may own it; one block per column also
    spares pandas a consolidating copy. An array serving two columns is copied for the second,
    so that no two columns ever share memory.
    """
    positions = positions or {}
    seen: set[int] = set()
    series = {}
    for name in names:
        array = positions[name] if name in positions else cols[name]
        if name in positions:
            series[name] = pd.Series(array, dtype=np.int64, copy=id(array) in seen)
        else:
            series[name] = _as_series(array, table.columns[name], copy=id(array) in seen)
        seen.add(id(array))
    return pd.DataFrame(series, copy=False)


def _empty(column: ColumnSpec) -> np.ndarray:
    return values.typed_array([], column.type)

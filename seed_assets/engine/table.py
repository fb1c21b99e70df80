"""Generate one table, chunk by chunk, from its spec and its parents' rows.

Parents arrive as DataFrames holding the columns ``parent_columns`` asks for. They are put in
primary-key order first, so the result is the same whether they come from memory or from a
database. Chunks are fixed by the spec (``chunk_rows`` parent rows, or rows for a table no FK
drives) and each chunk draws from its own streams: any chunk can be made alone, anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from seed_assets.engine import constraints, dates, values
from seed_assets.engine.cardinality import draw_counts
from seed_assets.engine.frames import DATE_UNIT
from seed_assets.engine.frames import as_series as _as_series
from seed_assets.engine.keys import sorts_as_numbers, within_parent_positions
from seed_assets.engine.rng import stream, table_seed
from seed_assets.errors import SpecError
from seed_assets.spec.graph import deferred_of, is_deferred, resolve_after, resolve_via
from seed_assets.spec.models import (
    SELF_FILLING_TYPES,
    ColumnSpec,
    ForeignKeySpec,
    Spec,
    TableSpec,
)

# Given a table name and a chunk's rows, which rows to keep: how a caller with a database lets it
# judge the CHECKs the engine does not understand (``sql/check_filter.py``).
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
    return needed


def sort_key(table: TableSpec) -> list[str]:
    """The columns that put a table's rows in canonical order: its primary key."""
    if table.primary_key:
        return list(table.primary_key)
    keys = table.unique or [[c] for c, col in table.columns.items() if col.unique]
    return list(keys[0]) if keys else []


def canonical_parent(frame: pd.DataFrame, table: TableSpec) -> pd.DataFrame:
    """Parent rows in primary-key order (a no-op when they already are, as sequences are)."""
    key = sort_key(table)
    if not key or len(frame) < 2:
        return frame.reset_index(drop=True)
    ordered = (
        _strictly_increasing(frame[key[0]])
        if len(key) == 1
        else pd.MultiIndex.from_frame(frame[key]).is_monotonic_increasing
    )
    if ordered:
        return frame.reset_index(drop=True)
    return frame.sort_values(key, kind="stable").reset_index(drop=True)


def _strictly_increasing(series: pd.Series) -> bool:
    """Sorted and unique: each value above the one before (one vectorised pass, no hashing)."""
    values = series.to_numpy()
    try:
        return bool(np.all(values[1:] > values[:-1]))
    except TypeError:  # None or pd.NA among the values, or values that do not compare
        return bool(series.is_monotonic_increasing and series.is_unique)


@dataclass(frozen=True)
class Chunk:
    """Rows [row_start, row_start + rows) of a table, children of parents [first, last)."""

    index: int
    row_start: int
    rows: int
    parent_start: int = 0
    parent_stop: int = 0


class TableGenerator:
    """Everything needed to make one table: row count known up front, values chunk by chunk."""

    def __init__(
        self,
        spec: Spec,
        table_name: str,
        parents: Mapping[str, pd.DataFrame] | None = None,
        *,
        seed: int | None = None,
        scale: float = 1.0,
        ordered_parents: Collection[str] = (),
        row_filter: RowFilter | None = None,
    ) -> None:
        """`ordered_parents` names parents whose frames are known to be in primary-key order
        already (made by this engine, see ``in_key_order``), so their order is not checked.
        `row_filter` drops rows a database would refuse (CHECKs only it can evaluate)."""
        self.spec = spec
        self.name = table_name
        self.table = spec.tables[table_name]
        self.seed = spec.seed if seed is None else seed
        self.scale = scale
        self.parents = self._prepare_parents(parents or {}, ordered_parents)
        self._parent_arrays: dict[tuple[str, str, str | None], np.ndarray] = {}
        self.driving = self.table.driving_fk
        self.deferred = deferred_of(spec, table_name)
        self.counts = self._draw_counts()
        self.chunks = self._plan_chunks()
        self.total_rows = sum(c.rows for c in self.chunks)
        self._fakers: dict[str, values.FakerColumn] = {}
        self._unique_ints: dict[str, np.ndarray] = {}
        self.row_filter = row_filter
        self._constrained = constraints.may_drop_rows(self.table)
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

    # -- set-up --------------------------------------------------------------------------------

    def _prepare_parents(
        self, given: Mapping[str, pd.DataFrame], ordered: Collection[str]
    ) -> dict[str, pd.DataFrame]:
        prepared = {}
        for parent, columns in parent_columns(self.spec, self.name).items():
            if parent not in given:
                raise ValueError(f"generating {self.name} needs the rows of {parent}")
            frame = given[parent]
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise ValueError(f"generating {self.name} needs {parent}.{', '.join(missing)}")
            prepared[parent] = (
                frame[columns].reset_index(drop=True)
                if parent in ordered
                else canonical_parent(frame[columns], self.spec.tables[parent])
            )
        return prepared

    def _draw_counts(self) -> np.ndarray | None:
        if self.driving is None:
            return None
        n_parents = len(self.parents[self.driving.references.table])
        step = self.spec.chunk_rows
        parts = [
            draw_counts(
                self.driving.cardinality,
                min(step, n_parents - start),
                stream(self.seed, self.name, start // step, "counts"),
            )
            for start in range(0, n_parents, step)
        ]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def _plan_chunks(self) -> list[Chunk]:
        step = self.spec.chunk_rows
        if self.counts is None:
            total = round(self.table.rows * self.scale)
            return [
                Chunk(i, start, min(step, total - start))
                for i, start in enumerate(range(0, total, step))
            ]
        chunks, row = [], 0
        for i, start in enumerate(range(0, len(self.counts), step)):
            stop = min(start + step, len(self.counts))
            rows = int(self.counts[start:stop].sum())
            chunks.append(Chunk(i, row, rows, start, stop))
            row += rows
        return chunks

    def _parent_column(self, parent: str, column: str, dtype: str | None = None) -> np.ndarray:
        """A parent column as a NumPy array (of `dtype` if given), converted once for all chunks."""
        key = (parent, column, dtype)
        if key not in self._parent_arrays:
            array = _as_array(self.parents[parent][column])
            self._parent_arrays[key] = array if dtype is None else array.astype(dtype, copy=False)
        return self._parent_arrays[key]

    @property
    def in_key_order(self) -> bool:
        """Whether the rows come out in primary-key order, keys unique, by construction.

        True for a single-column key that is a sequence (not restarted per parent, never null)
        whose formatted text sorts as its numbers do: what ``canonical_parent`` would confirm.
        """
        key = sort_key(self.table)
        if len(key) != 1:
            return False
        column = self.table.columns[key[0]]
        seq = column.sequence
        if column.source != "sequence" or seq.per_parent or column.null_fraction:
            return False
        last = seq.start + seq.step * max(self.total_rows - 1, 0)
        return seq.format is None or sorts_as_numbers(seq.format, seq.start, last)

    # -- generation ----------------------------------------------------------------------------

    def frames(self) -> Iterator[pd.DataFrame]:
        """The table, one DataFrame per chunk, in order."""
        for chunk in self.chunks:
            yield self.chunk_frame(chunk)

    def frame(self) -> pd.DataFrame:
        """The whole table in one DataFrame."""
        parts = list(self.frames())
        return pd.concat(parts, ignore_index=True) if parts else self.empty_frame()

    def empty_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {name: _as_series(_empty(col), col) for name, col in self.table.columns.items()}
        )

    def chunk_frame(self, chunk: Chunk) -> pd.DataFrame:
        """One chunk's rows, every column in spec order."""
        n = chunk.rows
        rows = chunk.row_start + np.arange(n, dtype=np.int64)
        cols: dict[str, np.ndarray] = {}
        parent_rows: dict[str, np.ndarray] = {}  # FK label -> parent row index per child row
        counts = None
        if self.driving is not None:
            counts = self.counts[chunk.parent_start : chunk.parent_stop]
            parent_rows[self.driving.label] = np.repeat(
                np.arange(chunk.parent_start, chunk.parent_stop), counts
            )

        plain = [c for c, col in self.table.columns.items() if self._is_plain(c, col)]
        for name in plain:
            column = self.table.columns[name]
            cols[name] = self._plain(name, column, chunk, rows, counts)
        self._fill_foreign_keys(chunk, cols, parent_rows)
        for name in self._after_order():
            cols[name] = self._after(name, chunk, cols, parent_rows)
        for name, column in self.table.columns.items():
            if column.null_fraction and self.table.fk_for_column(name) is None:
                mask = stream(self.seed, self.name, chunk.index, f"null:{name}").random(n)
                cols[name] = _with_nulls(cols[name], mask < column.null_fraction)
        keep = None
        if self._constrained and n:
            rng = stream(self.seed, self.name, chunk.index, "checks")
            keep = constraints.enforce(cols, self.table, rng)
        frame = _chunk_frame(cols, self.table)
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
        return frame

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
                    frame[column] = _as_series(
                        _with_nulls(frame[column].to_numpy(), dangling), spec
                    )
        return frame

    def _is_plain(self, name: str, column: ColumnSpec) -> bool:
        if column.source is None:  # a FK column, or a type that fills itself (uuid, json)
            return column.type in SELF_FILLING_TYPES and self.table.fk_for_column(name) is None
        return column.source != "after"

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
                    return dates.between_values(column, n, rng)
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

    def _fill_foreign_keys(self, chunk: Chunk, cols: dict, parent_rows: dict) -> None:
        n = chunk.rows
        nulls: dict[str, np.ndarray | None] = {}  # FK label -> the rows it left null, if any
        for fk in self.table.foreign_keys:
            target = fk.references.table
            if fk.via is not None:
                continue
            if any(fk is d for d in self.deferred):  # filled once its target exists
                for column in fk.columns:
                    cols[column] = np.full(n, None, dtype=object)
                continue
            if target == self.name:
                self._self_reference(fk, chunk, cols)
                continue
            if fk is not self.driving:
                rng = stream(self.seed, self.name, chunk.index, f"fk:{fk.label}")
                n_parents = len(self.parents[target])
                if n_parents == 0 and n:
                    raise SpecError(
                        f"foreign key {fk.label}: {target} has no rows to reference",
                        table=self.name,
                        column=fk.columns[0],
                    )
                parent_rows[fk.label] = rng.integers(0, max(n_parents, 1), n)
            picked = parent_rows[fk.label]
            null = nulls[fk.label] = self._fk_nulls(fk, chunk, n)
            for column, ref in zip(fk.columns, fk.references.columns, strict=True):
                taken = self._parent_column(target, ref)[picked]
                cols[column] = _with_nulls(taken, null) if null is not None else taken
        for fk in self.table.foreign_keys:
            if fk.via is not None:
                self._copy_via(fk, cols, parent_rows, nulls)

    def _fk_nulls(self, fk: ForeignKeySpec, chunk: Chunk, n: int) -> np.ndarray | None:
        fraction = max(self.table.columns[c].null_fraction for c in fk.columns)
        if not fraction or fk is self.driving:
            return None
        return stream(self.seed, self.name, chunk.index, f"null:{fk.label}").random(n) < fraction

    def _self_reference(self, fk: ForeignKeySpec, chunk: Chunk, cols: dict) -> None:
        """A forest: each row's parent is an earlier row of the same chunk, or none (a root)."""
        n = chunk.rows
        rng = stream(self.seed, self.name, chunk.index, f"fk:{fk.label}")
        local = np.arange(n)
        parent = np.floor(rng.random(n) * local).astype(np.int64)
        fraction = max(self.table.columns[c].null_fraction for c in fk.columns)
        root = (local == 0) | (rng.random(n) < fraction)
        for column, ref in zip(fk.columns, fk.references.columns, strict=True):
            if ref not in cols:
                raise SpecError(
                    f"self-reference to {ref}: that column must have its own source",
                    table=self.name,
                    column=column,
                )
            cols[column] = _with_nulls(cols[ref][parent], root)

    def _copy_via(self, fk: ForeignKeySpec, cols: dict, parent_rows: dict, nulls: dict) -> None:
        through, middle_fk = resolve_via(self.spec, self.name, fk)
        middle_name = through.references.table
        picked = parent_rows[through.label]
        # Where the FK it goes through is null; known when that FK was filled, else looked for.
        null = (
            nulls[through.label] if through.label in nulls else _null_mask(cols[through.columns[0]])
        )
        for column, middle_column in zip(fk.columns, middle_fk.columns, strict=True):
            taken = self._parent_column(middle_name, middle_column)[picked]
            cols[column] = _with_nulls(taken, null) if null is not None and null.any() else taken
        target = self.parents.get(fk.references.table)
        if target is not None:  # an `after` rule reads that parent: find its rows by key
            keys = pd.MultiIndex.from_frame(target[fk.references.columns])
            found = pd.MultiIndex.from_arrays([cols[c] for c in fk.columns])
            parent_rows[fk.label] = keys.get_indexer(found)

    def _after_order(self) -> list[str]:
        pending = [c for c, col in self.table.columns.items() if col.source == "after"]
        ordered: list[str] = []
        while pending:
            for name in list(pending):
                ref = self.table.columns[name].after
                if "." in ref or ref not in pending:
                    ordered.append(name)
                    pending.remove(name)
        return ordered

    def _after(self, name: str, chunk: Chunk, cols: dict, parent_rows: dict) -> np.ndarray:
        column = self.table.columns[name]
        fk, ref = resolve_after(self.spec, self.name, column.after)
        if fk is None:
            lower = cols[ref]
        else:
            picked = parent_rows[fk.label]
            unit = f"datetime64[{DATE_UNIT[column.type]}]"  # the child's resolution
            source = self._parent_column(fk.references.table, ref, unit)
            # A null FK (found by key, -1) has no parent date to be after; the driving FK's
            # rows always have a parent.
            unmatched = None if fk is self.driving else picked < 0
            if unmatched is not None and unmatched.any():
                lower = source[np.where(unmatched, 0, picked)]
                lower[unmatched] = np.datetime64("NaT")
            else:
                lower = source[picked]
        rng = stream(self.seed, self.name, chunk.index, name)
        return dates.after_values(column, lower, rng)


# -- arrays and frames -----------------------------------------------------------------------


def _chunk_frame(cols: dict[str, np.ndarray], table: TableSpec) -> pd.DataFrame:
    """The chunk's arrays as a frame of canonical dtypes, without copying them again.

    Every array was made for this chunk, so the frame may own it; one block per column also
    spares pandas a consolidating copy. An array serving two columns is copied for the second,
    so that no two columns ever share memory.
    """
    seen: set[int] = set()
    series = {}
    for name, column in table.columns.items():
        array = cols[name]
        series[name] = _as_series(array, column, copy=id(array) in seen)
        seen.add(id(array))
    return pd.DataFrame(series, copy=False)


def _as_array(series: pd.Series) -> np.ndarray:
    """A parent column as NumPy: text as object (whatever string dtype it came in), else as is."""
    array = series.to_numpy()
    if array.dtype.kind == "M":
        return array
    if array.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        return series.to_numpy(dtype=object)
    return array


def _null_mask(array: np.ndarray) -> np.ndarray:
    if array.dtype.kind == "M":
        return np.isnat(array)
    if array.dtype.kind == "f":
        return np.isnan(array)
    if array.dtype == object:
        return pd.isna(array)
    return np.zeros(len(array), dtype=bool)


def _with_nulls(array: np.ndarray, mask: np.ndarray) -> np.ndarray:
    if not mask.any():
        return array
    if array.dtype.kind == "M":
        out = array.copy()
        out[mask] = np.datetime64("NaT")
        return out
    if array.dtype.kind == "f":
        return np.where(mask, np.nan, array)
    out = array.astype(object)
    out[mask] = None
    return out


def _empty(column: ColumnSpec) -> np.ndarray:
    return values.typed_array([], column.type)

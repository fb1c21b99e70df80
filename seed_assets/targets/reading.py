"""Reading written tables back in bounded pieces, from a SQL target or a Parquet directory.

``TargetParents`` is the ``ParentSource`` over what a target holds: the Dagster assets generate a
table (or one partition of it) from its parents' committed rows, and check it against them,
reading only the slices of parent rows its chunks reference. Sequence keys are located
arithmetically and then confirmed against the rows read, so even a big parent's keys are never
read whole unless a value does not match (an orphan, or keys that are not the engine's).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import sqlalchemy as sa

from seed_assets.engine.frames import canonical_frame
from seed_assets.engine.keys import sequence_positions
from seed_assets.engine.parents import (
    as_array,
    find_keys,
    gather,
    key_index,
    sequence_key,
    sort_key,
)
from seed_assets.spec.models import Spec
from seed_assets.targets.parquet import ParquetTarget

READ_ROWS = 250_000


class _SqlCursor:
    """Where the last range read of a table stopped, so the next one continues by key."""

    def __init__(self) -> None:
        self.stop: int | None = None
        self.last_key: tuple | None = None


def tolerant_frame(frame: pd.DataFrame, spec: Spec, table_name: str) -> pd.DataFrame:
    """Spec columns in the engine's dtypes where the values fit, as read where they do not
    (text in a numeric column, which SQLite accepts): the Pandera check then names the dtype."""
    from seed_assets.engine.frames import as_series

    table = spec.tables[table_name]
    out = {}
    for name in frame.columns:
        series = frame[name]
        if name in table.columns:
            try:
                series = as_series(series, table.columns[name])
            except (TypeError, ValueError, OverflowError):
                series = pd.Series(series.to_numpy(dtype=object), dtype=object)
        out[name] = series.reset_index(drop=True)
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


class TableReader:
    """Row ranges, counts and whole columns of the tables of one spec in one target.

    `tolerant`: values that do not fit a column's type are kept as read (for validating a
    database someone else filled), instead of failing the read.
    """

    def __init__(self, target, spec: Spec, *, tolerant: bool = False) -> None:
        self.target = target
        self.spec = spec
        self.tolerant = tolerant
        self._cursors: dict[str, _SqlCursor] = {}
        self._counts: dict[str, int] = {}
        self.engine = None
        if not isinstance(target, ParquetTarget):
            self.engine = target.engine
            if self.engine.dialect.name == "sqlite":
                # The target's SQLite connections BEGIN IMMEDIATE (they write); reads run while
                # the same step holds the write transaction, so they get plain connections.
                self.engine = sa.create_engine(target.url, poolclass=sa.pool.NullPool)

    def _quote(self, name: str) -> str:
        return self.engine.dialect.identifier_preparer.quote(name)

    @property
    def is_parquet(self) -> bool:
        return isinstance(self.target, ParquetTarget)

    def has_table(self, table: str) -> bool:
        if self.is_parquet:
            return bool(self.target.files(self.spec, table))
        with self.engine.connect() as conn:
            return sa.inspect(conn).has_table(table)

    def present_columns(self, table: str) -> list[str]:
        """The spec's columns of `table` the target holds (a user's table may lack some)."""
        if self.is_parquet:
            have = set(pq.ParquetFile(self.target.files(self.spec, table)[0]).schema_arrow.names)
        else:
            with self.engine.connect() as conn:
                have = {c["name"] for c in sa.inspect(conn).get_columns(table)}
        return [c for c in self.spec.tables[table].columns if c in have]

    def count(self, table: str) -> int:
        if table not in self._counts:
            if self.is_parquet:
                self._counts[table] = self.target.count(self.spec, table)
            else:
                with self.engine.connect() as conn:
                    query = sa.text(f"SELECT COUNT(*) FROM {self._quote(table)}")
                    self._counts[table] = int(conn.execute(query).scalar_one())
        return self._counts[table]

    def columns(self, table: str, columns: list[str]) -> pd.DataFrame:
        """Whole columns, in primary-key order."""
        if self.is_parquet:
            return self.target.read_columns(self.spec, table, columns)
        frame = self.target.read_in_key_order(self.spec, table, columns, self.engine)
        return self._typed(frame, table)

    def read_range(self, table: str, columns: list[str], start: int, stop: int) -> pd.DataFrame:
        """Rows [start, stop) in primary-key order."""
        if stop <= start:
            return self.target_empty(table, columns)
        if self.is_parquet:
            return self.target.read_range(self.spec, table, columns, start, stop)
        return self._sql_range(table, columns, start, stop)

    def target_empty(self, table: str, columns: list[str]) -> pd.DataFrame:
        return canonical_frame(pd.DataFrame({c: [] for c in columns}), self.spec.tables[table])

    def _sql_range(self, table: str, columns: list[str], start: int, stop: int) -> pd.DataFrame:
        spec_table = self.spec.tables[table]
        order = sort_key(spec_table)
        quote = self._quote
        selected = list(dict.fromkeys([*columns, *order]))
        query = f"SELECT {', '.join(quote(c) for c in selected)} FROM {quote(table)}"
        params: dict = {}
        cursor = self._cursors.setdefault(table, _SqlCursor())
        if order and cursor.stop == start and cursor.last_key is not None:
            # Continue after the last key read: an index seek, not an OFFSET walk.
            names = [f"k{i}" for i in range(len(order))]
            left = ", ".join(quote(c) for c in order)
            right = ", ".join(f":{n}" for n in names)
            query += (
                f" WHERE ({left}) > ({right})"
                if len(order) > 1
                else (f" WHERE {quote(order[0])} > :k0")
            )
            params.update(dict(zip(names, cursor.last_key, strict=True)))
            offset = 0
        else:
            offset = start
        if order:
            query += f" ORDER BY {', '.join(quote(c) for c in order)}"
        query += f" LIMIT {stop - start}"
        if offset:
            query += f" OFFSET {offset}"
        with self.engine.connect() as conn:
            frame = pd.read_sql_query(sa.text(query), conn, params=params)
        if order and len(frame):
            last = frame.iloc[-1]
            cursor.last_key = tuple(_plain(last[c]) for c in order)
            cursor.stop = start + len(frame)
        return self._typed(frame[columns], table)

    def _typed(self, frame: pd.DataFrame, table: str) -> pd.DataFrame:
        if self.tolerant:
            return tolerant_frame(frame, self.spec, table)
        return canonical_frame(frame, self.spec.tables[table])

    def frames(self, table: str, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
        """The whole table in primary-key order, READ_ROWS rows at a time."""
        names = list(self.spec.tables[table].columns) if columns is None else columns
        total = self.count(table)
        for start in range(0, total, READ_ROWS):
            yield self.read_range(table, names, start, min(start + READ_ROWS, total))


def _plain(value):
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


class TargetParents:
    """A ``ParentSource`` over the tables a target holds (see the module docstring)."""

    def __init__(self, reader: TableReader) -> None:
        self.reader = reader
        self.spec = reader.spec
        self._whole: dict[tuple[str, str], np.ndarray] = {}
        self._indexes: dict[tuple, tuple] = {}
        self._window: dict[str, tuple[int, int, pd.DataFrame]] = {}

    def row_count(self, table: str) -> int:
        return self.reader.count(table)

    def rows(self, table: str, columns: list[str], start: int, stop: int) -> pd.DataFrame:
        cached = self._window.get(table)
        if cached is not None:
            lo, hi, frame = cached
            if lo <= start and stop <= hi and all(c in frame.columns for c in columns):
                return frame.iloc[start - lo : stop - lo][columns].reset_index(drop=True)
        frame = self.reader.read_range(table, columns, start, stop)
        self._window[table] = (start, stop, frame)
        return frame

    def column(self, table: str, column: str) -> np.ndarray:
        key = (table, column)
        if key not in self._whole:
            self._whole[key] = as_array(self.reader.columns(table, [column])[column])
        return self._whole[key]

    def take(self, table: str, column: str, positions: np.ndarray) -> np.ndarray:
        return self.column(table, column)[positions]

    def locates_arithmetically(self, table: str, columns: list[str]) -> bool:
        return False  # a guess from the text is confirmed against the rows read: objects

    def locate(self, table: str, columns: list[str], values: list[np.ndarray]) -> np.ndarray:
        """Sequence keys: guessed from their text, confirmed against the rows at the guessed
        positions; anything unconfirmed is looked up among all the table's keys."""
        n_rows = self.row_count(table)
        spec_table = self.spec.tables[table]
        key = sequence_key(spec_table, n_rows)
        positions = np.full(len(values[0]), -1, dtype=np.int64)
        pending = np.ones(len(positions), dtype=bool)
        for array in values:  # a null key references nothing: never looked up
            pending &= ~pd.isna(np.asarray(array, dtype=object))
        if key is not None and columns == sort_key(spec_table):
            guess = sequence_positions(key, np.asarray(values[0]), n_rows)
            found = np.flatnonzero((guess >= 0) & pending)
            if len(found):
                held = gather(self, table, columns, guess[found])[columns[0]]
                same = np.asarray(held, dtype=object) == np.asarray(values[0], dtype=object)[found]
                positions[found[same]] = guess[found[same]]
                pending[found[same]] = False
        if pending.any():
            rows = np.flatnonzero(pending)
            cache_key = (table, tuple(columns))
            if cache_key not in self._indexes:
                whole = pd.DataFrame({c: self.column(table, c) for c in columns})
                self._indexes[cache_key] = key_index(whole, columns)
            positions[rows] = find_keys(
                self._indexes[cache_key], [np.asarray(v)[rows] for v in values]
            )
        return positions

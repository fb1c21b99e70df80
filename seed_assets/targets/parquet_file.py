"""One Parquet file written from Arrow tables, its encodings chosen from its first rows."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 250_000  # row groups are what a range read skips by
# A column's values must repeat this many times on average for a dictionary to pay.
DICTIONARY_REPEATS = 10


def dictionary_columns(table: pa.Table) -> list[str]:
    """The columns of `table` whose values repeat ``DICTIONARY_REPEATS`` times or more on average.

    Parquet's dictionary encoding pays there (a choice, a flag, a parent's key among many
    children). Elsewhere (keys, amounts, times) Arrow builds a dictionary for every row group
    only to give it up past 1 MB. Banking's transactions and invoices, 8 frames each: 5.8M and
    5.1M rows per CPU second with a dictionary on every column, 8.4M and 10.9M so; the files
    31.1 and 4.3 MB instead of 33.7 and 5.7 MB.
    """
    most = table.num_rows // DICTIONARY_REPEATS
    return [
        name
        for name, column in zip(table.column_names, table.columns, strict=True)
        if pc.count_distinct(column).as_py() <= most
    ]


class ParquetFile:
    """Writes tables of `schema` to `path`, opened on the first table (whose columns decide the
    dictionaries: the same rows make the same file); ``close`` writes an empty file when no
    table came."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.schema = schema
        self._writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._writer = self._open(dictionary_columns(table))
        self._writer.write_table(table, ROW_GROUP_ROWS)

    def _open(self, dictionary: list[str]) -> pq.ParquetWriter:
        return pq.ParquetWriter(
            self.path, self.schema, compression="snappy", use_dictionary=dictionary
        )

    def close(self) -> None:
        """The file complete (an empty one if nothing was written)."""
        if self._writer is None:
            self._writer = self._open([])
        self._writer.close()

    def abandon(self) -> None:
        """Closed as it is, if still open, for the caller to remove: an error closing a file
        thrown away is not the one to report."""
        if self._writer is not None and self._writer.is_open:
            with contextlib.suppress(Exception):
                self._writer.close()

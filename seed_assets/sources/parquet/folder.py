"""A Parquet folder read as a database: one table per ``<table>.parquet`` file or per
``<table>/`` folder of part files (as a production export, or this tool's Parquet target,
``parquet:///dir``, writes them). Tables are read in record batches, a few columns at a time:
never a whole table in memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds

from seed_assets.errors import TargetError
from seed_assets.targets.parquet_urls import parquet_dir

BATCH_ROWS = 65_536
SIDECAR = "keys.yaml"
MANIFEST = "_seed_assets.json"  # the Parquet target's record of a spec folder


@dataclass
class ParquetFolder:
    root: Path
    files: dict[str, list[Path]]  # table -> its files, sorted (the read order)
    _datasets: dict[str, ds.Dataset] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)

    def dataset(self, table: str) -> ds.Dataset:
        if table not in self._datasets:
            paths = [str(p) for p in self.files[table]]
            try:
                self._datasets[table] = ds.dataset(paths, format="parquet")
            except (pa.ArrowInvalid, OSError) as exc:
                raise TargetError(
                    f"{self.files[table][0]}: not a readable Parquet file ({exc})"
                ) from None
        return self._datasets[table]

    def schema(self, table: str) -> pa.Schema:
        return self.dataset(table).schema

    def row_count(self, table: str) -> int:
        """From the files' footers: no row is read."""
        if table not in self._counts:
            self._counts[table] = self.dataset(table).count_rows()
        return self._counts[table]

    def batches(self, table: str, columns: list[str]) -> Iterator[pa.RecordBatch]:
        """`columns` of every row, in file and row-group order (the same order every run)."""
        try:
            scanner = self.dataset(table).scanner(columns=columns, batch_size=BATCH_ROWS)
            yield from scanner.to_batches()
        except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
            raise self._unreadable(table, exc) from None

    def read(self, table: str, columns: list[str], where=None) -> pa.Table:
        """`columns` of the rows matching `where` (a pyarrow expression): filtered as read."""
        try:
            return self.dataset(table).to_table(columns=columns, filter=where)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
            raise self._unreadable(table, exc) from None

    def _unreadable(self, table: str, exc: Exception) -> TargetError:
        """Part files that disagree (a column typed otherwise in one), or a damaged file."""
        first = " ".join(str(exc).split())[:300]
        where = self.files[table][0].parent if len(self.files[table]) > 1 else self.files[table][0]
        return TargetError(f"table {table!r} ({where}): its files cannot be read together: {first}")


def open_folder(url: str) -> ParquetFolder:
    """The tables of the folder at `url`. A folder holding a single spec folder (what
    `generate --target parquet:///dir` writes) is read through it."""
    root = parquet_dir(url)
    if not root.is_dir():
        raise TargetError(f"Parquet folder {root} does not exist")
    specs = [p for p in sorted(root.iterdir()) if (p / MANIFEST).is_file()]
    if len(specs) == 1 and not any(root.glob("*.parquet")):
        root = specs[0]
    files = _tables(root)
    if not files:
        raise TargetError(
            f"Parquet folder {root} holds no tables: give one <table>.parquet file or one "
            "<table>/ folder of part files per table"
        )
    return ParquetFolder(root, files)


def _tables(root: Path) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for path in sorted(root.iterdir()):
        if path.name.startswith((".", "_")):
            continue  # _SUCCESS, _seed_assets.json, .crc files
        if path.is_file() and path.suffix == ".parquet":
            found[path.stem] = [path]
        elif path.is_dir():
            parts = sorted(p for p in path.rglob("*.parquet") if not p.name.startswith((".", "_")))
            if parts:
                found[path.name] = parts
    return found

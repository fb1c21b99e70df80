"""A Parquet directory as a target, with the writer interface of ``targets.base.Target``.

``parquet:///path/dir`` holds one folder per spec and, in it, one file per table
(``<dir>/<spec>/<table>.parquet``) or, for a table written by partitions, one file per partition
(``<dir>/<spec>/<table>/part-00003.parquet``). Every file is written under a temporary name and
renamed into place only after its last row (and the caller's ``approve()``), so a half-written
table never looks complete. ``_seed_assets.json`` in the spec folder plays the part of the SQL
registry: which tables this tool wrote, for which spec, seed and scale, and whether complete.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from seed_assets.engine.frames import canonical_frame
from seed_assets.engine.table import sort_key
from seed_assets.errors import TargetError
from seed_assets.spec.graph import descendants, linked_fks, links_name
from seed_assets.spec.models import INTEGER_TYPES, TEXT_TYPES, ColumnSpec, Spec
from seed_assets.targets.behind import WriteBehind
from seed_assets.targets.load_report import LoadCancelled, WriteResult
from seed_assets.targets.lock import exclusive
from seed_assets.targets.parquet_file import ParquetFile
from seed_assets.targets.parquet_urls import SCHEME, is_parquet_url, masked, parquet_dir

MANIFEST = "_seed_assets.json"


def arrow_type(column: ColumnSpec) -> pa.DataType:
    kind = column.type
    if kind in TEXT_TYPES:  # uuid in its 36-character form, json as compact text
        return pa.string()
    if kind == "tinyint":
        return pa.int16()  # 0..255 unsigned too
    if kind == "smallint" or (kind == "integer" and not column.unsigned):
        return pa.int32()
    if kind in INTEGER_TYPES:
        return pa.int64()
    if kind == "boolean":
        return pa.bool_()
    if kind == "date":
        return pa.date32()
    if kind == "timestamptz":
        return pa.timestamp("s", tz="UTC")
    if kind == "timestamp":
        return pa.timestamp("s")
    if kind == "decimal":
        return pa.decimal128(
            column.precision or 18, column.scale if column.scale is not None else 2
        )
    return pa.float64()


def arrow_schema(spec: Spec, name: str) -> pa.Schema:
    table = spec.tables[name]
    return pa.schema(
        [
            pa.field(c, arrow_type(col), nullable=col.is_nullable)
            for c, col in table.columns.items()
        ],
        metadata={"spec": spec.name, "table": name},
    )


def to_arrow_table(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """An engine frame as Arrow in the spec's types (dates as dates, decimals as decimals)."""
    arrays = []
    for fld in schema:
        series = frame[fld.name]
        array = pa.array(series, from_pandas=True)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if pa.types.is_date32(fld.type) and pa.types.is_timestamp(array.type):
            array = array.cast(pa.timestamp("s")).cast(pa.date32())
        elif pa.types.is_timestamp(fld.type) and fld.type.tz and pa.types.is_timestamp(array.type):
            array = array.cast(pa.timestamp("s")).cast(fld.type)  # UTC, as the engine holds it
        elif not array.type.equals(fld.type):
            array = array.cast(fld.type)
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=schema)


def from_arrow_table(table: pa.Table, spec: Spec, name: str) -> pd.DataFrame:
    """Arrow read back -> the engine's canonical dtypes (text as object with None for null)."""
    columns = {}
    for column_name in table.column_names:
        array = table.column(column_name)
        if pa.types.is_decimal(array.type):
            array = pc.cast(array, pa.float64())
        if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
            columns[column_name] = pd.Series(array.to_numpy(zero_copy_only=False), dtype=object)
        elif pa.types.is_date32(array.type) or (
            pa.types.is_timestamp(array.type) and array.type.tz is not None
        ):
            columns[column_name] = pd.Series(pc.cast(array, pa.timestamp("s")).to_numpy())
        else:
            columns[column_name] = array.to_pandas()
    frame = pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))
    return canonical_frame(frame, spec.tables[name])


@dataclass
class Entry:
    """A manifest row: what the SQL registry records for a table."""

    table_name: str
    spec_name: str
    status: str  # complete | partial | cleared
    row_count: int
    seed: int
    scale: float
    created_by_tool: bool = True
    updated_at: str = ""
    partitions: dict[str, dict] = field(default_factory=dict)
    partition_count: int | None = None


class ParquetTarget:
    """Writes spec tables as Parquet files under one directory; reads them back."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.root = parquet_dir(url)

    @property
    def display_url(self) -> str:
        return self.url

    def dispose(self) -> None:
        """Nothing to release (the SQL targets close their connection pools here)."""

    # -- layout and manifest --------------------------------------------------------------------

    def spec_dir(self, spec: Spec) -> Path:
        return self.root / spec.name

    def table_path(self, spec: Spec, name: str) -> Path:
        return self.spec_dir(spec) / f"{name}.parquet"

    def partition_dir(self, spec: Spec, name: str) -> Path:
        return self.spec_dir(spec) / name

    def partition_path(self, spec: Spec, name: str, partition: int) -> Path:
        return self.partition_dir(spec, name) / f"part-{partition:05d}.parquet"

    def files(self, spec: Spec, name: str) -> list[Path]:
        """The table's files in row order: one file, or its partitions' files by number."""
        single = self.table_path(spec, name)
        if single.exists():
            return [single]
        folder = self.partition_dir(spec, name)
        return sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []

    @contextlib.contextmanager
    def _manifest(self, spec: Spec) -> Iterator[dict]:
        """The spec folder's manifest, locked for update (parallel partition steps)."""
        folder = self.spec_dir(spec)
        folder.mkdir(parents=True, exist_ok=True)
        with exclusive(folder / f"{MANIFEST}.lock"):
            path = folder / MANIFEST
            data = json.loads(path.read_text()) if path.exists() else {"tables": {}}
            yield data
            _write_atomic(path, json.dumps(data, indent=2, sort_keys=True))

    def _entries(self, spec_name: str | None = None) -> dict[str, Entry]:
        out: dict[str, Entry] = {}
        if not self.root.is_dir():
            return out
        for manifest in sorted(self.root.glob(f"*/{MANIFEST}")):
            if spec_name is not None and manifest.parent.name != spec_name:
                continue
            for name, values in json.loads(manifest.read_text())["tables"].items():
                out[name] = Entry(table_name=name, **values)
        return out

    def status(self) -> dict[str, Entry]:
        """What this tool wrote here, per table (as the SQL registry gives it)."""
        return self._entries()

    # -- writing --------------------------------------------------------------------------------

    def write_table(
        self,
        spec: Spec,
        name: str,
        frames: Iterable[pd.DataFrame],
        *,
        seed: int,
        scale: float,
        on_rows: Callable[[int], None] | None = None,
        if_exists: str = "fail",
        on_error: str = "fail",
        approve: Callable[[], bool] | None = None,
        cancel=None,
    ) -> WriteResult:
        """Write `frames` as `name`'s file, renamed into place after the last row.

        `if_exists`: a table this spec wrote before is replaced only with ``replace`` (its
        descendants' files removed, as the SQL writers empty them); ``append`` is not offered
        (a Parquet file is written whole). `approve()`, asked after the last row, returning
        False keeps nothing (``committed`` False). `on_error` has nothing to do: no constraint
        refuses a row here; the checks do that.
        """
        entry = self._entries(spec.name).get(name)
        if if_exists == "append" and self.files(spec, name):
            raise TargetError(
                f"{self.display_url}: a Parquet table is written whole; --if-exists append is "
                "not supported, use replace"
            )
        held = entry is not None and entry.status != "cleared" and entry.row_count
        if held and if_exists == "fail":
            raise TargetError(
                f"{self.table_path(spec, name)} already holds {entry.row_count:,} rows "
                "written by an earlier run of this spec. Pass --if-exists replace to "
                "replace them"
            )
        final = self.table_path(spec, name)
        self._refuse_foreign(spec, name, [final, self.partition_dir(spec, name)])
        result = WriteResult(name)
        if not self._write_file(spec, name, frames, final, on_rows, approve, cancel, result):
            return result
        with self._manifest(spec) as manifest:
            folder = self.partition_dir(spec, name)
            if folder.is_dir():
                shutil.rmtree(folder)
            self._clear_descendants(spec, name, manifest)
            # Deferred FKs a links step fills (nullable cycles): not complete before.
            status = "linking" if linked_fks(spec, name) else "complete"
            manifest["tables"][name] = _entry(spec, status, result.rows, seed, scale)
        result.committed = True
        return result

    # -- FK cycles: no constraint to defer, so files are written, then rewritten -----------------

    def update_links(
        self, spec: Spec, name: str, links, *, rows: int, seed: int, scale: float, approve=None
    ) -> WriteResult:
        """Fill `name`'s deferred FK columns from `links` (frames of its key and those columns,
        in key order, as its file is; `rows` in all): the file is rewritten and renamed into
        place, then marked complete. Returns the rows updated."""
        parts = list(links)
        links = pd.concat(parts, ignore_index=True) if parts else None
        if links is None or len(links) != rows:
            raise ValueError(f"the links of {name} hold other than {rows:,} rows")
        entry = self._entries(spec.name).get(name)
        rows = self.count(spec, name) if self.files(spec, name) else None
        if entry is None or entry.status not in ("linking", "complete") or rows != len(links):
            raise TargetError(
                f"{self.display_url} does not hold the {len(links):,} rows of {name} its links "
                f"fill (it holds {rows if rows is not None else 'no'} rows); materialise "
                f"{name} first"
            )
        frame = self.read_columns(spec, name, list(spec.tables[name].columns))
        key = sort_key(spec.tables[name])
        for column in key:
            if (
                not frame[column]
                .reset_index(drop=True)
                .equals(links[column].reset_index(drop=True))
            ):
                raise TargetError(
                    f"{self.table_path(spec, name)}: its {column} values are not the ones its "
                    "links were made for; materialise it again"
                )
        for fk in linked_fks(spec, name):
            for column in fk.columns:
                frame[column] = links[column].to_numpy()
        result = WriteResult(name)
        final = self.table_path(spec, name)
        if not self._write_file(spec, name, [frame], final, None, approve, None, result):
            return WriteResult(links_name(name))
        with self._manifest(spec) as manifest:
            manifest["tables"][name] = _entry(spec, "complete", len(frame), seed, scale)
        return WriteResult(links_name(name), rows=len(frame), committed=True)

    def write_component(
        self,
        spec: Spec,
        frames,
        *,
        seed: int,
        scale: float,
        on_rows=None,
        if_exists="fail",
        on_error="fail",
        cancel=None,
        approve=None,
    ) -> dict[str, WriteResult]:
        """A NOT NULL cycle's tables: every file written (no FK to defer). `approve()` is asked
        before the last file is renamed into place; the files before it stay (a file target has
        no transaction spanning files)."""
        results = {}
        last = list(frames)[-1] if frames else None
        for name, parts in frames.items():
            hook = (lambda n: on_rows(name, n)) if on_rows else None  # noqa: B023 (used now)
            results[name] = self.write_table(
                spec,
                name,
                parts,
                seed=seed,
                scale=scale,
                on_rows=hook,
                if_exists=if_exists,
                cancel=cancel,
                approve=approve if name == last else None,
            )
        return results

    def write_partition(
        self,
        spec: Spec,
        name: str,
        frames: Iterable[pd.DataFrame],
        *,
        partition: int,
        partitions: int,
        seed: int,
        scale: float,
        key_range=None,
        on_rows: Callable[[int], None] | None = None,
        on_error: str = "fail",
        approve: Callable[[], bool] | None = None,
        cancel=None,
    ) -> WriteResult:
        """Replace one partition's file; the table is `partial` until ``complete_partitions``.

        A partition is its own file, so `key_range` (what a SQL target deletes) is not needed.
        """
        self._refuse_foreign(spec, name, [self.table_path(spec, name)])
        final = self.partition_path(spec, name, partition)
        result = WriteResult(name)
        if not self._write_file(spec, name, frames, final, on_rows, approve, cancel, result):
            return result
        with self._manifest(spec) as manifest:
            single = self.table_path(spec, name)
            if single.exists():  # was written whole before: now by partitions
                single.unlink()
            old = manifest["tables"].get(name) or {}
            parts = dict(old.get("partitions", {})) if old.get("status") != "cleared" else {}
            parts[str(partition)] = {"rows": result.rows, "seed": seed, "scale": scale}
            self._clear_descendants(spec, name, manifest)
            entry = _entry(spec, "partial", sum(p["rows"] for p in parts.values()), seed, scale)
            entry["partitions"] = parts
            entry["partition_count"] = partitions
            manifest["tables"][name] = entry
        result.committed = True
        return result

    def partition_entries(self, spec: Spec, name: str) -> dict[int, dict]:
        """The partitions written of `name`: number -> rows, seed, scale."""
        entry = self._entries(spec.name).get(name)
        if entry is None or entry.status == "cleared":
            return {}
        return {int(k): v for k, v in entry.partitions.items()}

    def start_all_partitions(self, spec: Spec, name: str) -> None:
        """Nothing to prepare: each partition replaces its own file."""
        return None

    def complete_partitions(self, spec: Spec, name: str, *, rows: int) -> list[str]:
        """Record a table written by partitions as complete (after its whole-table checks);
        a file has no key to build."""
        with self._manifest(spec) as manifest:
            manifest["tables"][name]["status"] = "complete"
            manifest["tables"][name]["row_count"] = rows
        return []

    def _write_file(self, spec, name, frames, final: Path, on_rows, approve, cancel, result):
        """Frames into a temporary file, renamed to `final` when approved; False if not."""
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = final.with_name(f".{final.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        schema = arrow_schema(spec, name)
        file = ParquetFile(temp, schema)
        try:
            with WriteBehind(file.write, name=name) as behind:
                for frame in frames:
                    if cancel is not None and cancel.requested:
                        raise LoadCancelled(name)
                    if len(frame):  # encoded and written in a thread while the next is made
                        behind.put(to_arrow_table(frame, schema))
                    result.rows += len(frame)
                    if on_rows:
                        on_rows(len(frame))
                    # Not held while the next is made: a frame is a slice that keeps its whole
                    # chunk resident (two chunks at once: 130 MB more at 100M rows).
                    frame = None
            file.close()
            if approve is not None and not approve():
                result.rows = 0
                return False
            os.replace(temp, final)
        finally:
            file.abandon()
            temp.unlink(missing_ok=True)
        return True

    def _refuse_foreign(self, spec: Spec, name: str, paths: list[Path]) -> None:
        """Never overwrite files this tool did not write for this spec."""
        entry = self._entries(spec.name).get(name)
        if entry is not None:
            return
        for path in paths:
            if path.exists():
                raise TargetError(
                    f"{path} exists but was not written by seed-assets for spec '{spec.name}'; "
                    "refusing to overwrite it. Move it away, or use another directory"
                )

    def _clear_descendants(self, spec: Spec, name: str, manifest: dict) -> None:
        """Children of replaced rows would be orphans: remove their files, mark them cleared."""
        for child in descendants(spec, name):
            if child not in manifest["tables"]:
                continue
            for path in self.files(spec, child):
                path.unlink()
            folder = self.partition_dir(spec, child)
            if folder.is_dir():
                shutil.rmtree(folder)
            manifest["tables"][child].update(status="cleared", row_count=0, partitions={})

    # -- reading --------------------------------------------------------------------------------

    def _dataset(self, spec: Spec, name: str) -> list[pq.ParquetFile]:
        files = self.files(spec, name)
        if not files:
            raise TargetError(f"{self.display_url} holds no table '{name}' of spec '{spec.name}'")
        return [pq.ParquetFile(path) for path in files]

    def read_columns(self, spec: Spec, name: str, columns: list[str]) -> pd.DataFrame:
        """Columns of a written table, in row (= primary-key) order, with the engine's dtypes."""
        tables = [f.read(columns=columns) for f in self._dataset(spec, name)]
        return from_arrow_table(pa.concat_tables(tables), spec, name)

    def count(self, spec: Spec, name: str) -> int:
        return sum(f.metadata.num_rows for f in self._dataset(spec, name))

    def read_range(
        self, spec: Spec, name: str, columns: list[str], start: int, stop: int
    ) -> pd.DataFrame:
        """Rows [start, stop) of a written table: only the row groups holding them are read."""
        pieces = []
        offset = 0
        for file in self._dataset(spec, name):
            meta = file.metadata
            for group in range(meta.num_row_groups):
                rows = meta.row_group(group).num_rows
                lo, hi = max(start - offset, 0), min(stop - offset, rows)
                if lo < hi:
                    pieces.append(file.read_row_group(group, columns=columns).slice(lo, hi - lo))
                offset += rows
                if offset >= stop:
                    break
            if offset >= stop:
                break
        if not pieces:
            schema = arrow_schema(spec, name)
            empty = pa.table({c: pa.array([], type=schema.field(c).type) for c in columns})
            return from_arrow_table(empty, spec, name)
        return from_arrow_table(pa.concat_tables(pieces), spec, name)

    def row_counts(self, names: Iterable[str], spec: Spec | None = None) -> dict[str, int | None]:
        entries = self._entries(spec.name if spec else None)
        return {n: entries[n].row_count if n in entries else None for n in names}


def _entry(spec: Spec, status: str, rows: int, seed: int, scale: float) -> dict:
    return {
        "spec_name": spec.name,
        "status": status,
        "row_count": int(rows),
        "seed": int(seed),
        "scale": float(scale),
        "created_by_tool": True,
        "updated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }


def _write_atomic(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(text)
    os.replace(temp, path)


__all__ = [
    "SCHEME",
    "ParquetTarget",
    "arrow_schema",
    "is_parquet_url",
    "masked",
    "parquet_dir",
]

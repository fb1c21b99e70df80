"""A Parquet folder (a production export) as a profile and compare source: its tables read as
a database's (``folder.py``), keys from a ``keys.yaml`` sidecar (``sidecar.py``) or inferred
from the data (``keys.py``), and the profiler's reads streamed from the files (``sampler.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from seed_assets.sources.parquet.folder import SIDECAR, ParquetFolder, open_folder
from seed_assets.sources.parquet.keys import infer_keys
from seed_assets.sources.parquet.sampler import ParquetSampler
from seed_assets.sources.parquet.sidecar import Keys, read_sidecar

__all__ = ["ParquetSampler", "ParquetSource", "open_source"]


@dataclass
class ParquetSource:
    """A folder's tables with their keys, and where each key came from."""

    folder: ParquetFolder
    keys: dict[str, Keys]
    why_primary: dict[str, str] = field(default_factory=dict)
    why_fks: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def sa_type(self, kind: pa.DataType) -> sa.types.TypeEngine:
        """The SQLAlchemy type of an Arrow type (what the fidelity report's schema reads)."""
        if pa.types.is_boolean(kind):
            return sa.Boolean()
        if pa.types.is_integer(kind):
            return sa.BigInteger()
        if pa.types.is_floating(kind):
            return sa.Float()
        if pa.types.is_decimal(kind):
            return sa.Numeric(kind.precision, kind.scale)
        if pa.types.is_date(kind):
            return sa.Date()
        if pa.types.is_timestamp(kind):
            return sa.DateTime(timezone=kind.tz is not None)
        return sa.Text()


def open_source(url: str) -> ParquetSource:
    """The folder at `url` and its keys: declared in `keys.yaml` when there is one (its
    tables keep exactly those), inferred from the data for the others unless it says
    ``infer: false``."""
    folder = open_folder(url)
    path = folder.root / SIDECAR
    schemas = {t: folder.schema(t) for t in folder.files}
    declared = read_sidecar(path, schemas) if path.is_file() else None
    source = ParquetSource(folder, dict(declared.tables) if declared else {})
    if declared is not None:
        for table, keys in declared.tables.items():
            if keys.primary_key:
                source.why_primary[table] = f"declared in {SIDECAR}"
            for cols, _, _ in keys.foreign_keys:
                source.why_fks[(table, tuple(cols))] = f"declared in {SIDECAR}"
    if declared is None or declared.infer:
        for table, inferred in infer_keys(folder, source.keys).items():
            source.keys[table] = inferred.keys
            if inferred.why_primary:
                source.why_primary[table] = inferred.why_primary
            for cols, why in inferred.why_fks.items():
                source.why_fks[(table, cols)] = why
        source.notes.append(
            "keys inferred from the data"
            + (f" for the tables {SIDECAR} does not list" if declared else f" (no {SIDECAR})")
            + ": check each `inferred:` comment, or declare them in "
            f"{folder.root / SIDECAR}"
        )
    return source


def has_nulls(folder: ParquetFolder, table: str, column: str) -> bool:
    """From the files' row-group statistics (no row read); True when a file has none."""
    for path in folder.files[table]:
        meta = pq.ParquetFile(path).metadata
        index = meta.schema.to_arrow_schema().get_field_index(column)
        for group in range(meta.num_row_groups):
            stats = meta.row_group(group).column(index).statistics
            if stats is None or not stats.has_null_count or stats.null_count:
                return True
    return False

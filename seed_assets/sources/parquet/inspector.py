"""A Parquet folder seen through the few inspector calls the fidelity report makes (table
names, columns with SQLAlchemy types, primary and foreign keys), and its first rows."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from seed_assets.sources.parquet import ParquetSource
from seed_assets.sources.parquet.sampler import as_frame


class ParquetInspector:
    def __init__(self, source: ParquetSource) -> None:
        self.source = source

    def get_table_names(self) -> list[str]:
        return list(self.source.folder.files)

    def get_columns(self, table: str) -> list[dict]:
        schema = self.source.folder.schema(table)
        return [{"name": f.name, "type": self.source.sa_type(f.type)} for f in schema]

    def get_pk_constraint(self, table: str) -> dict:
        return {"constrained_columns": list(self.source.keys[table].primary_key)}

    def get_foreign_keys(self, table: str) -> list[dict]:
        return [
            {"constrained_columns": list(cols), "referred_table": parent,
             "referred_columns": list(refs)}
            for cols, parent, refs in self.source.keys[table].foreign_keys
        ]  # fmt: skip

    def head(self, table: str, rows: int) -> pd.DataFrame:
        """The first `rows` rows, read batch by batch."""
        folder, kept, seen = self.source.folder, [], 0
        for batch in folder.batches(table, folder.schema(table).names):
            kept.append(batch.slice(0, rows - seen))
            seen += len(kept[-1])
            if seen >= rows:
                break
        return as_frame(pa.Table.from_batches(kept, schema=folder.schema(table)))

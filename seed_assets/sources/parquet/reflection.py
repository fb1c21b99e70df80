"""The spec skeleton of a Parquet folder, as reflection gives one for a database: each Arrow
type as a spec type, NOT NULL where the files' statistics count no NULL, and the source's keys;
then reflection's own planning (row counts, driving FKs, value inference)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from seed_assets.sources.parquet import ParquetSource, has_nulls
from seed_assets.sources.reflect import Reflection, build
from seed_assets.sources.reflect.model import Table
from seed_assets.sources.reflect.planning import spec_name


def spec_type(kind: pa.DataType) -> tuple[dict[str, Any], str | None]:
    """Spec type fields for an Arrow type, and a review note when it is only approximated."""
    if pa.types.is_boolean(kind):
        return {"type": "boolean"}, None
    if pa.types.is_integer(kind):
        width = kind.bit_width + (1 if pa.types.is_unsigned_integer(kind) else 0)
        name = "smallint" if width <= 16 else "integer" if width <= 32 else "bigint"
        return {"type": name}, None
    if pa.types.is_floating(kind):
        return {"type": "float"}, None
    if pa.types.is_decimal(kind):
        return {"type": "decimal", "precision": kind.precision, "scale": kind.scale}, None
    if pa.types.is_date(kind):
        return {"type": "date"}, None
    if pa.types.is_timestamp(kind):
        return {"type": "timestamptz" if kind.tz else "timestamp"}, None
    if pa.types.is_null(kind):  # every value NULL in the export: its type is unknown
        return {"type": "text"}, "NULL in every row of the export (type unknown): text, NULL"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return {"type": "text"}, None
    return {"type": "text"}, f"Arrow type {kind} is not generated natively; filled as text"


def reflect_parquet(source: ParquetSource, shown_url: str, name: str | None) -> Reflection:
    folder = source.folder
    notes = list(source.notes)
    tables: dict[str, Table] = {}
    for table in folder.files:
        keys = source.keys[table]
        columns, nullable = {}, {}
        for field in folder.schema(table):
            fields, note = spec_type(field.type)
            if note:
                notes.append(f"{table}.{field.name}: {note}")
            columns[field.name] = fields
            nullable[field.name] = field.name not in keys.primary_key and has_nulls(
                folder, table, field.name
            )
        for cols, parent, refs in keys.foreign_keys:  # a key's type, whatever the export's
            for col, ref in zip(cols, refs, strict=True):  # (pandas writes ints with NULLs
                ref_type = folder.schema(parent).field(ref).type  # as floats)
                columns[col] = spec_type(ref_type)[0]
        fks = [
            {
                "columns": list(cols),
                "references": f"{parent}({', '.join(refs)})",
                "_table": parent,
                "_columns": list(refs),
            }
            for cols, parent, refs in keys.foreign_keys
        ]
        tables[table] = Table(
            name=table,
            columns=columns,
            nullable=nullable,
            defaults=dict.fromkeys(columns),
            identity={},
            comments=dict.fromkeys(columns),
            primary_key=list(keys.primary_key),
            foreign_keys=fks,
            unique=[],
            checks=[],
        )
    reflection = build(name or spec_name(folder.root.name), tables, "parquet", notes, shown_url)
    for table, why in source.why_primary.items():
        reflection.comments[("primary_key", table)] = why
    return reflection

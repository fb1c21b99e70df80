"""`keys.yaml` beside a Parquet export: the primary and foreign keys the files do not carry.

    tables:
      Customer:
        primary_key: CustomerId              # a column, or a list for a composite key
        foreign_keys:
          - columns: SupportRepId            # a column or a list
            references: Employee(EmployeeId) # or {table: Employee, columns: [EmployeeId]}
      PlaylistTrack:
        primary_key: [PlaylistId, TrackId]
        foreign_keys:
          - {columns: PlaylistId, references: Playlist(PlaylistId)}
          - {columns: TrackId, references: Track(TrackId)}
    infer: true   # keys of tables not listed here are inferred from the data (the default)

A listed table has exactly the keys given (none when left out). Every name is checked against
the files; a mistake is one message naming the file, table and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from seed_assets.errors import SpecError

_REFERENCE = re.compile(r"^\s*([^\s(]+)\s*\(([^()]*)\)\s*$")
_TOP = {"tables", "infer"}
_TABLE = {"primary_key", "foreign_keys"}
_FK = {"columns", "references"}


@dataclass
class Keys:
    """One table's keys: its primary key and (columns, parent, parent columns) per FK."""

    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[tuple[list[str], str, list[str]]] = field(default_factory=list)


@dataclass
class Sidecar:
    tables: dict[str, Keys]
    infer: bool


def read_sidecar(path: Path, schemas: dict[str, pa.Schema]) -> Sidecar:
    """`path` checked against the folder's tables (their Arrow schemas)."""
    where = str(path)
    columns = {t: schema.names for t, schema in schemas.items()}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SpecError(f"not valid YAML ({' '.join(str(exc).split())})", source=where) from None
    if not isinstance(data, dict) or not isinstance(data.get("tables"), dict):
        raise SpecError("expected a mapping with `tables:` (table -> its keys)", source=where)
    _unknown(data, _TOP, where, None)
    infer = data.get("infer", True)
    if not isinstance(infer, bool):
        raise SpecError("`infer` must be true or false", source=where)
    tables = {}
    for table, entry in data["tables"].items():
        table = str(table)
        if table not in columns:
            raise SpecError(
                f"no such table in the folder (tables: {', '.join(sorted(columns))})",
                source=where,
                table=table,
            )
        entry = entry or {}
        if not isinstance(entry, dict):
            raise SpecError("expected primary_key and foreign_keys", source=where, table=table)
        _unknown(entry, _TABLE, where, table)
        keys = Keys(primary_key=_columns(entry.get("primary_key"), table, columns, where, True))
        fks = entry.get("foreign_keys") or []
        if not isinstance(fks, list):
            raise SpecError("`foreign_keys` must be a list", source=where, table=table)
        for fk in fks:
            keys.foreign_keys.append(_foreign_key(fk, table, schemas, where))
        tables[table] = keys
    return Sidecar(tables, infer)


def _foreign_key(fk: Any, table: str, schemas: dict[str, pa.Schema], where: str):
    columns = {t: schema.names for t, schema in schemas.items()}
    if not isinstance(fk, dict):
        raise SpecError("each foreign key is {columns, references}", source=where, table=table)
    _unknown(fk, _FK, where, table)
    own = _columns(fk.get("columns"), table, columns, where, False)
    if not own:
        raise SpecError("a foreign key needs `columns`", source=where, table=table)
    ref = fk.get("references")
    if isinstance(ref, dict):
        parent, refs = str(ref.get("table", "")), ref.get("columns")
    elif isinstance(ref, str) and _REFERENCE.match(ref):
        match = _REFERENCE.match(ref)
        parent, refs = match.group(1), [c.strip() for c in match.group(2).split(",")]
    else:
        raise SpecError(
            f"`references` must be Table(column, ...) or {{table, columns}}, not {ref!r}",
            source=where,
            table=table,
            column=own[0],
        )
    if parent not in columns:
        raise SpecError(
            f"references {parent!r}, which is not a table of the folder",
            source=where,
            table=table,
            column=own[0],
        )
    refs = _columns(refs, parent, columns, where, False)
    if len(refs) != len(own):
        raise SpecError(
            f"{len(own)} column(s) reference {len(refs)} column(s) of {parent}",
            source=where,
            table=table,
            column=own[0],
        )
    for col, ref in zip(own, refs, strict=True):
        mine, theirs = schemas[table].field(col).type, schemas[parent].field(ref).type
        if value_family(mine) != value_family(theirs):
            raise SpecError(
                f"its type ({mine}) cannot hold the values of {parent}.{ref} ({theirs})",
                source=where,
                table=table,
                column=col,
            )
    return own, parent, refs


def value_family(kind: pa.DataType) -> str:
    """Integers and floats (an integer column with NULLs, as pandas writes one) are one
    family: key values compare as numbers."""
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "number"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "text"
    return str(kind)


def _columns(value: Any, table: str, columns: dict, where: str, optional: bool) -> list[str]:
    if value is None and optional:
        return []
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise SpecError(f"expected a column or a list of columns, not {value!r}", source=where,
                        table=table)  # fmt: skip
    for name in names:
        if name not in columns[table]:
            raise SpecError(
                f"no such column in the table's files (columns: {', '.join(columns[table])})",
                source=where,
                table=table,
                column=name,
            )
    return list(names)


def _unknown(mapping: dict, allowed: set[str], where: str, table: str | None) -> None:
    extra = sorted(str(k) for k in mapping if k not in allowed)
    if extra:
        raise SpecError(
            f"unknown key {extra[0]!r} (allowed: {', '.join(sorted(allowed))})",
            source=where,
            table=table,
        )

"""Sizes that cannot fit are refused before anything is written, never clipped or wrapped:
rows (estimated from the spec and scale, against `--max-rows`), bytes (against free disk for
file targets), the dialect's limits on names and columns, sequences past their integer type,
seeds and scales a run cannot use, and settings that would make one step take forever.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

from seed_assets.errors import SpecError
from seed_assets.spec.models import INTEGER_BOUNDS, Spec, TableSpec

DEFAULT_MAX_ROWS = 1_000_000_000  # a run beyond is a typo (1e12) more often than a plan
MAX_CHILDREN = 1_000_000  # per parent row: a cardinality's mean or bound
MAX_POOL = 1_000_000  # Faker values drawn per column (about 20 us each)
MAX_CHUNK_ROWS = 10_000_000  # parent rows per chunk, held in memory at once
MAX_LENGTH = 10_485_760  # PostgreSQL's varchar limit; longer strings go in `text`
MAX_SEED = 2**63 - 1  # stored in a signed 64-bit registry column
# The most columns any SQL target takes (MySQL's hard limit); per dialect below.
MAX_COLUMNS = 4096
DIALECT_LIMITS = {  # dialect: (identifier limit, in bytes or chars, column limit per table)
    "postgresql": (63, "bytes", 1600),
    "mysql": (64, "characters", 1017),  # InnoDB
    "sqlite": (None, None, 2000),  # SQLITE_MAX_COLUMN's default
}


def check_seed(seed: object, what: str = "seed") -> None:
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise SpecError(f"{what} is {seed!r}; it must be a whole number from 0 to {MAX_SEED}")


def check_scale_value(scale: float) -> None:
    if not math.isfinite(scale) or scale < 0:
        raise SpecError(f"--scale is {scale!r}; it must be a finite number >= 0")


MAX_TABLES = 10_000


def check_raw_shape(data: dict) -> None:
    """Column and table counts of a parsed spec, before the models validate every one (a
    200,000-column table would take them many seconds only to be refused)."""
    tables = data.get("tables")
    if not isinstance(tables, dict):
        return
    if len(tables) > MAX_TABLES:
        raise SpecError(f"the spec has {len(tables):,} tables; at most {MAX_TABLES:,}")
    for name, table in tables.items():
        columns = table.get("columns") if isinstance(table, dict) else None
        if isinstance(columns, dict) and len(columns) > MAX_COLUMNS:
            raise SpecError(_too_many(len(columns)), table=str(name))


def _too_many(count: int) -> str:
    return (
        f"has {count:,} columns; no SQL target takes more than {MAX_COLUMNS:,} "
        "(PostgreSQL 1,600, MySQL 1,017, SQLite 2,000)"
    )


def check_settings(spec: Spec) -> None:
    """Spec-wide settings and per-table bounds that need no row estimate."""
    check_seed(spec.seed, "`seed`")
    if spec.chunk_rows > MAX_CHUNK_ROWS:
        raise SpecError(f"`chunk_rows` is {spec.chunk_rows:,}; at most {MAX_CHUNK_ROWS:,}")
    for name, table in spec.tables.items():
        if len(table.columns) > MAX_COLUMNS:
            raise SpecError(_too_many(len(table.columns)), table=name)
        for column_name, column in table.columns.items():
            problem = None
            if column.pool_size is not None and column.pool_size > MAX_POOL:
                problem = f"`pool_size` is {column.pool_size:,}; at most {MAX_POOL:,}"
            elif column.length is not None and column.length > MAX_LENGTH:
                problem = (
                    f"`length` is {column.length:,}; at most {MAX_LENGTH:,} (use type text "
                    "for longer values)"
                )
            if problem:
                raise SpecError(problem, table=name, column=column_name)
        fk = table.driving_fk
        if fk is not None:
            _check_cardinality(name, fk)


def _check_cardinality(name: str, fk) -> None:
    card = fk.cardinality
    figures = [getattr(card, f, None) for f in ("n", "mean", "max", "min")]
    largest = max((f for f in figures if isinstance(f, int | float)), default=0)
    if largest > MAX_CHILDREN:
        raise SpecError(
            f"cardinality {card.kind} asks for up to {largest:,.0f} children per "
            f"{fk.references.table} row; at most {MAX_CHILDREN:,}",
            table=name,
            column=fk.columns[0],
        )


def estimated_rows(spec: Spec, scale: float = 1.0) -> dict[str, float]:
    from seed_assets.spec.graph import topological_order

    out: dict[str, float] = {}
    for name in topological_order(spec):
        table = spec.tables[name]
        driving = table.driving_fk
        if driving is None:
            wanted = (table.rows or 0) * scale
            out[name] = float(round(wanted)) if math.isfinite(wanted) else math.inf
        else:
            out[name] = out[driving.references.table] * driving.cardinality.expected_mean()
    return out


def check_size(spec: Spec, scale: float = 1.0, max_rows: int = DEFAULT_MAX_ROWS) -> dict:
    """Estimated rows per table at `scale`, refused past `max_rows` in all, and sequences
    that would pass their integer type. Returns the estimate."""
    check_scale_value(scale)
    rows = estimated_rows(spec, scale)
    total = sum(rows.values())
    if not total <= max_rows:  # NaN (inf parents, no children) is refused too
        biggest = max(rows, key=rows.__getitem__)
        at = f" at scale {scale:g}" if scale != 1 else ""
        raise SpecError(
            f"the spec would write about {_count(total)} rows{at} ({_count(rows[biggest])} in "
            f"this table), more than --max-rows {max_rows:,}; lower `rows` or the scale, or "
            "raise --max-rows",
            table=biggest,
        )
    for name, count in rows.items():
        _check_sequences(name, spec.tables[name], count)
    return rows


def _count(rows: float) -> str:
    return f"{rows:,.0f}" if rows < 1e15 else f"{rows:.3g}"


def _check_sequences(name: str, table: TableSpec, rows: float) -> None:
    if rows < 1:
        return
    for column_name, column in table.columns.items():
        seq = column.sequence
        if column.source != "sequence" or seq is None:
            continue
        if seq.format is not None:
            _format_fits(name, column_name, column, seq.start + seq.step * (math.ceil(rows) - 1))
            continue
        bounds = INTEGER_BOUNDS.get((column.type, column.unsigned))
        if bounds is None:
            continue
        last = seq.start + seq.step * (math.ceil(rows) - 1)
        if seq.start < bounds[0] or last > bounds[1]:
            raise SpecError(
                f"the sequence would overflow: from {seq.start:,} by {seq.step:,} over about "
                f"{math.ceil(rows):,} rows it reaches {last:,}, past the largest {column.type} "
                f"({bounds[1]:,}); lower `start`, use a wider type or fewer rows",
                table=name,
                column=column_name,
            )


def _format_fits(name: str, column_name: str, column, last: int) -> None:
    text = column.sequence.format.format(last)
    if column.length is not None and len(text) > column.length:
        raise SpecError(
            f"the sequence reaches {text!r} (about row {last:,}), longer than the column "
            f"(length {column.length}); shorten the format or raise `length`",
            table=name,
            column=column_name,
        )


def check_dialect(spec: Spec, dialect: str) -> None:
    """Names and column counts the dialect cannot hold (PostgreSQL would cut a long name
    silently, and two cut names could then collide)."""
    limit, unit, columns = DIALECT_LIMITS.get(dialect, (None, None, None))
    for name, table in spec.tables.items():
        if columns is not None and len(table.columns) > columns:
            raise SpecError(
                f"has {len(table.columns):,} columns; {dialect} takes at most {columns:,}",
                table=name,
            )
        if limit is None:
            continue
        _name_fits(name, limit, unit, dialect, table=name, what="table name")
        for column_name in table.columns:
            _name_fits(column_name, limit, unit, dialect, table=name, column=column_name)


def _name_fits(name, limit, unit, dialect, *, table, column=None, what="column name") -> None:
    size = len(name.encode("utf-8")) if unit == "bytes" else len(name)
    if size > limit:
        raise SpecError(
            f"the {what} {name!r} is {size} {unit} long; {dialect} takes at most {limit}: "
            "shorten it",
            table=table,
            column=column,
        )


# -- bytes -----------------------------------------------------------------------------------

_FIXED_BYTES = {
    "tinyint": 1, "smallint": 2, "integer": 4, "bigint": 8, "float": 8, "decimal": 9,
    "boolean": 1, "date": 4, "timestamp": 8, "timestamptz": 8, "uuid": 36, "json": 40,
    "text": 60,
}  # fmt: skip


def row_bytes(table: TableSpec) -> int:
    """A rough size of a stored row (strings at half their length, at most 100)."""
    total = 16  # row header
    for column in table.columns.values():
        if column.type in ("char", "string"):
            total += min(column.length or 40, 200) // 2 + 1
        else:
            total += _FIXED_BYTES.get(column.type, 8)
    return total


def check_free_disk(spec: Spec, rows: dict[str, float], where: Path) -> None:
    """Refuse a file target whose estimated size (rows times a rough row size, plus indexes)
    is more than the free space of the disk holding `where`."""
    folder = where
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    needed = sum(rows[name] * row_bytes(spec.tables[name]) * 1.5 for name in rows)
    if needed > free:
        raise SpecError(
            f"the run would write about {needed / 1e9:,.1f} GB, but the disk holding {where} "
            f"has {free / 1e9:,.1f} GB free; free space, choose another place or lower the scale"
        )

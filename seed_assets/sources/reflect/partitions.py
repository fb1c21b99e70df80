"""PostgreSQL partitioning read back: partitions and inheritance children are one table with
their parent, and the parent's partition key must take values some partition accepts."""

from __future__ import annotations

import re

import sqlalchemy as sa

from seed_assets.sources.reflect.model import Table
from seed_assets.spec.models import INTEGER_TYPES, TEMPORAL_TYPES


def children_of_parents(conn: sa.Connection) -> dict[str, str]:
    """Partitions and inheritance children of the current schema -> parent (SQLAlchemy lists
    them as tables of their own)."""
    if conn.dialect.name != "postgresql":
        return {}
    rows = conn.exec_driver_sql(
        "SELECT c.relname, p.relname FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
    )
    return dict(rows.all())


def partition_bounds(conn: sa.Connection) -> dict[str, tuple[str, str, list[str]]]:
    """Partitioned tables -> (key column, RANGE, BELOW or LIST, bound literals). PostgreSQL:
    RANGE with the FROM and TO literals of every partition, LIST with their values. MySQL:
    BELOW with the LESS THAN literals (the first partition takes everything below), LIST with
    the values. Left out: a default or MAXVALUE partition (any value fits), keys of several
    columns or expressions."""
    if conn.dialect.name in ("mysql", "mariadb"):
        return _mysql_bounds(conn)
    if conn.dialect.name != "postgresql":
        return {}
    rows = conn.exec_driver_sql(
        "SELECT p.relname, pg_get_partkeydef(p.oid), pg_get_expr(c.relpartbound, c.oid) "
        "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace "
        "WHERE n.nspname = current_schema() AND p.relkind = 'p'"
    ).all()
    partitions = []
    for parent, keydef, bound in rows:
        key = re.fullmatch(r"(RANGE|LIST) \(\"?(\w+)\"?\)", keydef or "")
        usable = key is not None and bound != "DEFAULT"
        partitions.append((parent, (key.group(2), key.group(1)) if usable else None, bound))
    return _bounds(partitions)


def _mysql_bounds(conn: sa.Connection) -> dict[str, tuple[str, str, list[str]]]:
    rows = conn.exec_driver_sql(
        "SELECT table_name, partition_method, partition_expression, partition_description "
        "FROM information_schema.partitions WHERE table_schema = DATABASE() "
        "AND partition_name IS NOT NULL"
    ).all()
    partitions = []
    for table, method, expression, description in rows:
        column = re.fullmatch(r"`?(\w+)`?", (expression or "").strip())
        kind = {"RANGE COLUMNS": "BELOW", "RANGE": "BELOW", "LIST COLUMNS": "LIST", "LIST": "LIST"}
        usable = column is not None and method in kind
        usable = usable and "MAXVALUE" not in (description or "").upper()
        key = (column.group(1), kind[method]) if usable else None
        partitions.append((table, key, description or ""))
    return _bounds(partitions)


def _bounds(
    partitions: list[tuple[str, tuple[str, str] | None, str]],
) -> dict[str, tuple[str, str, list[str]]]:
    """Each table's (key column, kind, literals) from its partitions' (table, (key column,
    kind) or None when the bound is not one to read, bound text): a table with any partition
    not to read (a default, MAXVALUE, an expression key) is left out."""
    found: dict[str, tuple[str, str, list[str]]] = {}
    skipped: set[str] = set()
    for table, key, bound in partitions:
        if key is None or table in skipped:
            skipped.add(table)
            found.pop(table, None)
            continue
        literals = re.findall(r"'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)", bound)
        entry = found.setdefault(table, (*key, []))
        entry[2].extend(quoted.replace("''", "'") or number for quoted, number in literals)
    return found


def bounded_source(table: Table, column: str, kind: str, values: list[str]) -> dict | None:
    """Value fields keeping `column` inside the partitions' bounds (RANGE: from the lowest FROM
    to before the highest TO; LIST: one of the values), or None when the type is not one these
    bounds can be read for."""
    kind_of = table.columns[column]["type"]
    if kind == "LIST":
        if kind_of in INTEGER_TYPES:
            return {"choice": sorted({int(v) for v in values})}
        return {"choice": sorted(set(values))}
    if not values:
        return None
    if kind == "BELOW":  # below the highest LESS THAN: a few years (or values) under it
        top = max(values)
        if kind_of in TEMPORAL_TYPES:
            return {"between": [_years_before(top, 5), _just_before(top)]}
        if kind_of in INTEGER_TYPES:
            high = int(float(top)) - 1
            return {"distribution": f"uniform({high - 1000}, {high})"}
        return None
    if kind_of in TEMPORAL_TYPES:
        low, high = min(values), max(values)
        return {"between": [_without_offset(low), _just_before(high)]}
    if kind_of in INTEGER_TYPES:
        numbers = [int(float(v)) for v in values]
        return {"distribution": f"uniform({min(numbers)}, {max(numbers) - 1})"}
    return None


def _years_before(literal: str, years: int) -> str:
    text = literal.strip()[:10]
    return f"{int(text[:4]) - years}{text[4:]}" if re.fullmatch(r"\d{4}-\d\d-\d\d", text) else text


def _without_offset(literal: str) -> str:
    """PostgreSQL renders a timestamptz bound with its offset, short (``+00``), which a spec's
    `between` does not parse: the moment in the server's zone, without it."""
    text = literal.strip()
    return (
        re.sub(r"(?<=\d\d:\d\d)(\.\d+)?[+-]\d\d(:?\d\d)?$", r"\1", text) if len(text) > 10 else text
    )


def _just_before(literal: str) -> str:
    """A RANGE's TO is exclusive: the day (or second) before it."""
    from datetime import date, datetime, timedelta

    text = literal.strip()
    try:
        if len(text) <= 10:
            return (date.fromisoformat(text) - timedelta(days=1)).isoformat()
        moment = datetime.fromisoformat(_without_offset(text).replace(" ", "T"))
        return (moment - timedelta(seconds=1)).isoformat(sep=" ")
    except ValueError:
        return text

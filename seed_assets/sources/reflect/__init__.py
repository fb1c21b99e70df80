"""A spec from a live database: SQLAlchemy's inspector, then inference for the values.

Reflection keeps what the database declares (exact types, nullability, defaults, identity, keys,
foreign keys, unique keys, CHECKs) so that the spec's DDL re-creates the same schema and its rows
are accepted by the original one. Value sources are inferred (``infer.py``); each comes with the
reason the YAML writer prints beside it. Row counts: 200 rows per root table (20 for lookup tables
such as categories), children by a cardinality on the foreign key that drives them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from seed_assets.errors import TargetError
from seed_assets.sources.reflect.catalog import read_table
from seed_assets.sources.reflect.model import Reflection, Table
from seed_assets.sources.reflect.planning import (
    IGNORED_TABLES,
    TablePlan,
    estimate_rows,
    order_tables,
    plan_table,
    spec_name,
)
from seed_assets.sources.reflect.writing import table_data, validate

__all__ = ["Reflection", "Table", "reflect"]


def children_of_parents(conn: sa.Connection) -> dict[str, str]:
    """PostgreSQL: partitions and inheritance children of the current schema -> parent. They
    are one logical table with the parent (SQLAlchemy lists them as tables of their own)."""
    if conn.dialect.name != "postgresql":
        return {}
    rows = conn.exec_driver_sql(
        "SELECT c.relname, p.relname FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
    )
    return dict(rows.all())


def reflect(url: str, *, name: str | None = None) -> Reflection:
    """Read every table of the database at `url` into a spec (plain data, validated)."""
    from seed_assets.targets.base import mask_url

    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise TargetError(f"cannot open {mask_url(url)}: {exc}") from None
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            dialect = conn.dialect
            names = [t for t in inspector.get_table_names() if t not in IGNORED_TABLES]
            if not names:
                raise TargetError(f"{mask_url(url)} has no tables to reflect")
            notes: list[str] = []
            for child, parent in sorted(children_of_parents(conn).items()):
                if child in names and parent in names:  # its rows are the parent's rows
                    names.remove(child)
                    notes.append(
                        f"{child}: a partition (or inheritance child) of {parent}; rows are "
                        f"written through {parent}"
                    )
            tables = {t: read_table(inspector, dialect, t, notes) for t in sorted(names)}
    except sa.exc.SQLAlchemyError as exc:
        raise TargetError(f"cannot read {mask_url(url)}: {exc.__class__.__name__}: {exc}") from None
    finally:
        engine.dispose()
    chosen = name or spec_name(sa.make_url(url).database or "reflected")
    return build(chosen, tables, dialect.name, notes, mask_url(url))


def build(
    name: str, tables: dict[str, Table], dialect: str, notes: list[str], shown_url: str
) -> Reflection:
    reflection = Reflection(
        {"name": name, "seed": 0, "description": f"Reflected from {shown_url}."},
        notes=notes,
        dialect=dialect,
    )
    order = order_tables(tables)
    plans: dict[str, TablePlan] = {}
    for t in order:
        plans[t] = plan_table(tables[t], tables, plans)
    rows = estimate_rows(order, tables, plans)
    out_tables: dict[str, Any] = {}
    for t in order:
        out_tables[t] = table_data(tables[t], tables, plans, rows, reflection)
    reflection.data["tables"] = out_tables
    validate(reflection)
    return reflection

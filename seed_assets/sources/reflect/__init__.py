"""A spec from a live database: SQLAlchemy's inspector, then inference for the values.

Reflection keeps what the database declares (exact types, nullability, defaults, identity, keys,
foreign keys, unique keys, CHECKs) so that the spec's DDL re-creates the same schema and its rows
are accepted by the original one. Value sources are inferred (``infer.py``); each comes with the
reason the YAML writer prints beside it. Row counts: 200 rows per root table (20 for lookup tables
such as categories), children by a cardinality on the foreign key that drives them.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from seed_assets.errors import MissingDatabase, TargetError
from seed_assets.sources.reflect.catalog import read_table
from seed_assets.sources.reflect.model import Reflection, Table
from seed_assets.sources.reflect.partitions import (
    bounded_source,
    children_of_parents,
    partition_bounds,
)
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


_INSERT_INTO = re.compile(r"\bINSERT\s+(?:OR\s+\w+\s+)?INTO\s+[`\"\[]?(\w+)", re.I)


def trigger_filled(conn: sa.Connection) -> dict[str, str]:
    """Tables that a trigger on another table inserts into (MySQL's ``film_text``, a copy of
    ``film`` kept by triggers) -> that other table."""
    backend = conn.dialect.name
    if backend == "sqlite":
        query = "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
    elif backend in ("mysql", "mariadb"):
        query = (
            "SELECT event_object_table, action_statement FROM information_schema.triggers "
            "WHERE trigger_schema = DATABASE()"
        )
    elif backend == "postgresql":
        query = (
            "SELECT c.relname, p.prosrc FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
        )
    else:
        return {}
    found: dict[str, str] = {}
    for table, body in conn.exec_driver_sql(query).all():
        for target in _INSERT_INTO.findall(body or ""):
            found.setdefault(target, table)
    return found


def reflect(url: str, *, name: str | None = None) -> Reflection:
    """Read every table of the database at `url` into a spec (plain data, validated)."""
    from seed_assets.targets.base import mask_url
    from seed_assets.targets.connect import (
        check_connection,
        check_sqlite_exists,
        read_error,
    )
    from seed_assets.targets.drivers import check_driver

    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise TargetError(f"cannot open {mask_url(url)}: {exc}") from None
    check_driver(url)
    check_sqlite_exists(url)
    check_connection(engine)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            dialect = conn.dialect
            names = [t for t in inspector.get_table_names() if t not in IGNORED_TABLES]
            if not names:
                raise MissingDatabase(f"{mask_url(url)} has no tables to reflect")
            notes: list[str] = []
            folded: dict[str, str] = {}
            for child, parent in sorted(children_of_parents(conn).items()):
                if child in names and parent in names:
                    folded[child] = parent  # its rows are the parent's rows
                    names.remove(child)
                    notes.append(
                        f"{child}: a partition (or inheritance child) of {parent}; rows are "
                        f"written through {parent}"
                    )
            referenced = set()
            for t in names:
                referenced |= {fk["referred_table"] for fk in inspector.get_foreign_keys(t)}
            for filled, source in sorted(trigger_filled(conn).items()):
                if filled in names and filled not in referenced and source != filled:
                    names.remove(filled)  # generating it too would clash with the trigger's rows
                    notes.append(
                        f"{filled}: filled by a trigger on {source}; left to the trigger (not "
                        "generated)"
                    )
            bounds = partition_bounds(conn)
            tables = {t: read_table(inspector, dialect, t, notes) for t in sorted(names)}
            for child, parent in folded.items():
                _adopt_foreign_keys(tables[parent], inspector.get_foreign_keys(child), notes)
            for parent, (column, kind, values) in bounds.items():
                if parent in tables and column in tables[parent].columns:
                    source = bounded_source(tables[parent], column, kind, values)
                    if source is not None:  # rows must land in some partition
                        tables[parent].columns[column]["_value"] = source
                        tables[parent].columns[column]["_why"] = "partition key: within bounds"
    except sa.exc.SQLAlchemyError as exc:
        raise read_error(exc, url) from None
    finally:
        engine.dispose()
    chosen = name or spec_name(sa.make_url(url).database or "reflected")
    return build(chosen, tables, dialect.name, notes, mask_url(url))


def _adopt_foreign_keys(parent: Table, child_fks: list[dict], notes: list[str]) -> None:
    """FKs declared on a partition (or inheritance child) but not on its parent hold for the
    parent's rows too: they become the parent's (each once)."""
    have = {tuple(fk["columns"]) for fk in parent.foreign_keys}
    for fk in child_fks:
        columns = tuple(fk["constrained_columns"])
        if columns in have or any(c not in parent.columns for c in columns):
            continue
        have.add(columns)
        parent.foreign_keys.append(
            {
                "columns": list(columns),
                "references": f"{fk['referred_table']}({', '.join(fk['referred_columns'])})",
                "_table": fk["referred_table"],
                "_columns": list(fk["referred_columns"]),
            }
        )
        notes.append(
            f"{parent.name}: foreign key ({', '.join(columns)}) -> {fk['referred_table']} "
            "declared on a partition, moved to the parent"
        )


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

"""Spec -> SQLAlchemy MetaData: types, keys, FKs, UNIQUE, NOT NULL and CHECK for choices.

An FK that closes a cycle (``graph.deferred_fks``) is created with ALTER TABLE once both tables
exist (``use_alter``); in a NOT NULL cycle it is also DEFERRABLE INITIALLY DEFERRED, so the
cycle's tables can be filled in one transaction. Its columns, and a self-reference's, are
indexed. MySQL/MariaDB know no DEFERRABLE: the clause
is left out there (they defer by switching FK checks off, see ``sql/links.py``).
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from seed_assets.spec.graph import component_of, is_deferred, topological_order
from seed_assets.spec.models import ColumnSpec, Spec


@compiles(sa.ForeignKeyConstraint, "mysql", "mariadb")
def _without_deferrable(element, compiler, **kw):
    saved = element.deferrable, element.initially
    element.deferrable = element.initially = None
    try:
        return compiler.visit_foreign_key_constraint(element, **kw)
    finally:
        element.deferrable, element.initially = saved


def column_type(column: ColumnSpec) -> sa.types.TypeEngine:
    match column.type:
        case "integer":
            return sa.Integer()
        case "bigint":
            return sa.BigInteger()
        case "float":
            return sa.Double()
        case "decimal":
            return sa.Numeric(
                column.precision or 18, column.scale if column.scale is not None else 2
            )
        case "string":
            return sa.String(column.length or 255)
        case "text":
            return sa.Text()
        case "boolean":
            return sa.Boolean()
        case "date":
            return sa.Date()
        case "timestamp":
            return sa.DateTime()
    raise ValueError(f"unknown column type {column.type}")


MAX_NAME = 60  # PostgreSQL keeps 63 bytes of a name, MySQL 64: stay under both


def constraint_name(kind: str, table: str, columns: list[str]) -> str:
    """``<kind>_<table>_<columns>``, shortened with a hash when too long for the dialects.

    Named constraints let a load error be traced back to the columns of the spec.
    """
    name = "_".join([kind, table, *columns])
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_NAME - 9]}_{digest}"


def build_metadata(spec: Spec) -> sa.MetaData:
    """Every table of the spec, parents first."""
    metadata = sa.MetaData()
    for name in topological_order(spec):
        table = spec.tables[name]
        columns = [
            sa.Column(
                column_name,
                column_type(column),
                nullable=column.is_nullable,
                comment=column.description,
            )
            for column_name, column in table.columns.items()
        ]
        constraints: list[sa.schema.SchemaItem] = []
        if table.primary_key:
            constraints.append(
                sa.PrimaryKeyConstraint(
                    *table.primary_key, name=constraint_name("pk", name, table.primary_key)
                )
            )
        together = component_of(spec, name).together
        for fk in table.foreign_keys:
            deferred = is_deferred(spec, name, fk)
            constraints.append(
                sa.ForeignKeyConstraint(
                    fk.columns,
                    [f"{fk.references.table}.{c}" for c in fk.references.columns],
                    name=fk.name or constraint_name("fk", name, fk.columns),
                    use_alter=deferred,
                    deferrable=True if deferred and together else None,
                    initially="DEFERRED" if deferred and together else None,
                )
            )
        unique_keys = [[c] for c, col in table.columns.items() if col.unique] + table.unique
        for i, key in enumerate(unique_keys):
            if key != table.primary_key and key not in unique_keys[:i]:
                constraints.append(sa.UniqueConstraint(*key, name=constraint_name("uq", name, key)))
        sa_table = sa.Table(name, metadata, *columns, *constraints, comment=table.description)
        for column_name, column in table.columns.items():
            if column.choice is not None and column.type != "boolean":
                sa_table.append_constraint(
                    sa.CheckConstraint(
                        sa_table.c[column_name].in_(column.choice.values),
                        name=constraint_name("ck", name, [column_name]),
                    )
                )
        for fk in table.foreign_keys:
            # Rows of the referenced table come and go while these rows exist (a cycle's
            # deferred FK, a self-reference): each such change looks the FK up, so index it,
            # or SQLite and PostgreSQL scan this whole table per row.
            if fk.references.table == name or is_deferred(spec, name, fk):
                sa.Index(
                    constraint_name("ix", name, fk.columns), *(sa_table.c[c] for c in fk.columns)
                )
    return metadata

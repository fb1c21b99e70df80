"""Spec -> SQLAlchemy MetaData: types, keys, FKs, UNIQUE, NOT NULL and CHECK for choices."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from seed_assets.spec.graph import topological_order
from seed_assets.spec.models import ColumnSpec, Spec


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
        for fk in table.foreign_keys:
            constraints.append(
                sa.ForeignKeyConstraint(
                    fk.columns,
                    [f"{fk.references.table}.{c}" for c in fk.references.columns],
                    name=fk.name or constraint_name("fk", name, fk.columns),
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
    return metadata

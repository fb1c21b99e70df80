"""Spec -> SQLAlchemy MetaData: types, keys, FKs, UNIQUE, NOT NULL and CHECK for choices."""

from __future__ import annotations

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
                unique=column.unique and [column_name] != table.primary_key,
                comment=column.description,
            )
            for column_name, column in table.columns.items()
        ]
        constraints: list[sa.schema.SchemaItem] = []
        if table.primary_key:
            constraints.append(sa.PrimaryKeyConstraint(*table.primary_key))
        for fk in table.foreign_keys:
            constraints.append(
                sa.ForeignKeyConstraint(
                    fk.columns,
                    [f"{fk.references.table}.{c}" for c in fk.references.columns],
                    name=fk.name,
                )
            )
        for key in table.unique:
            constraints.append(sa.UniqueConstraint(*key))
        sa_table = sa.Table(name, metadata, *columns, *constraints, comment=table.description)
        for column_name, column in table.columns.items():
            if column.choice is not None and column.type != "boolean":
                sa_table.append_constraint(
                    sa.CheckConstraint(sa_table.c[column_name].in_(column.choice.values))
                )
    return metadata

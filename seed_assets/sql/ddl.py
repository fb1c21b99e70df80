"""Spec -> SQLAlchemy MetaData: types, keys, FKs, UNIQUE, NOT NULL and CHECK for choices.

An FK that closes a cycle (``graph.deferred_fks``) is created with ALTER TABLE once both tables
exist (``use_alter``); in a NOT NULL cycle it is also DEFERRABLE INITIALLY DEFERRED, so the
cycle's tables can be filled in one transaction. MySQL/MariaDB know no DEFERRABLE: the clause
is left out there (they defer by switching FK checks off, see ``sql/links.py``).
"""

from __future__ import annotations

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
        together = component_of(spec, name).together
        for fk in table.foreign_keys:
            deferred = is_deferred(spec, name, fk)
            constraints.append(
                sa.ForeignKeyConstraint(
                    fk.columns,
                    [f"{fk.references.table}.{c}" for c in fk.references.columns],
                    name=fk.name or (deferred_fk_name(name, fk.columns) if deferred else None),
                    use_alter=deferred,
                    deferrable=True if deferred and together else None,
                    initially="DEFERRED" if deferred and together else None,
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


def deferred_fk_name(table: str, columns: list[str]) -> str:
    """A name for a deferred FK the spec leaves unnamed: ALTER TABLE needs one to drop it."""
    return f"fk_{table}_{'_'.join(columns)}"[:63]

"""Spec -> SQLAlchemy MetaData: types, keys, FKs, UNIQUE, NOT NULL, defaults and CHECKs.

Types are each dialect's own: a PostgreSQL ENUM type, uuid, jsonb and timestamptz; MySQL ENUM,
UNSIGNED integers and TINYINT; plain portable types elsewhere (``with_variant``). CHECKs the
generator understands are rendered per dialect (so a spec reflected from MySQL still creates on
PostgreSQL); the others are emitted verbatim.

An FK that closes a cycle (``graph.deferred_fks``) is created with ALTER TABLE once both tables
exist (``use_alter``); in a NOT NULL cycle it is also DEFERRABLE INITIALLY DEFERRED, so the
cycle's tables can be filled in one transaction. Its columns, and a self-reference's, are
indexed. MySQL/MariaDB know no DEFERRABLE: the clause
is left out there (they defer by switching FK checks off, see ``targets/links.py``).
"""

from __future__ import annotations

import hashlib
import importlib

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from seed_assets.spec import checks as ck
from seed_assets.spec.graph import component_of, is_deferred, topological_order
from seed_assets.spec.memo import per_spec
from seed_assets.spec.models import INTEGER_TYPES, STRING_TYPES, ColumnSpec, Spec, TableSpec
from seed_assets.targets.defaults import ServerDefault
from seed_assets.targets.literal import sql_literal
from seed_assets.targets.sql_types import ExactType, Verbatim


@compiles(sa.ForeignKeyConstraint, "mysql", "mariadb")
def _without_deferrable(element, compiler, **kw):
    saved = element.deferrable, element.initially
    element.deferrable = element.initially = None
    try:
        return compiler.visit_foreign_key_constraint(element, **kw)
    finally:
        element.deferrable, element.initially = saved


_MYSQL = ("mysql", "mariadb")


def _dialect_types(name: str):
    """SQLAlchemy's types of dialect `name` (``mysql``, ``postgresql``), imported when a column
    needs one: a SQLite run does not pay for importing the other dialects."""
    return importlib.import_module(f"sqlalchemy.dialects.{name}")


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


def _integer(column: ColumnSpec) -> sa.types.TypeEngine:
    kind, unsigned = column.type, column.unsigned
    portable = {"tinyint": sa.SmallInteger, "smallint": sa.SmallInteger, "integer": sa.Integer}
    base = portable.get(kind, sa.BigInteger)()
    if kind in ("integer", "bigint") and not unsigned:
        return base
    mysql = _dialect_types("mysql")
    native = {"tinyint": mysql.TINYINT, "smallint": mysql.SMALLINT, "integer": mysql.INTEGER}
    return base.with_variant(native.get(kind, mysql.BIGINT)(unsigned=unsigned), *_MYSQL)


def column_type(column: ColumnSpec, *, enum_name: str | None = None) -> sa.types.TypeEngine:
    """The SQLAlchemy type of a column (`enum_name` names a PostgreSQL enum type)."""
    if column.sql_type:
        return ExactType(column.sql_type, column_type(column.model_copy(update={"sql_type": None})))
    if column.enum and column.choice is not None:
        return _enum(column, enum_name or "enum")
    match column.type:
        case "tinyint" | "smallint" | "integer" | "bigint":
            return _integer(column)
        case "float":
            return sa.Double()
        case "decimal":
            return sa.Numeric(
                column.precision or 18, column.scale if column.scale is not None else 2
            )
        case "char":
            return sa.CHAR(column.length or 1)
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
        case "timestamptz":
            return sa.DateTime(timezone=True)
        case "uuid":
            return sa.CHAR(36).with_variant(
                _dialect_types("postgresql").UUID(as_uuid=False), "postgresql"
            )
        case "json":
            return sa.JSON().with_variant(_dialect_types("postgresql").JSONB(), "postgresql")
    raise ValueError(f"unknown column type {column.type}")


def _enum(column: ColumnSpec, name: str) -> sa.types.TypeEngine:
    labels = [str(v) for v in column.choice.values]
    # PostgreSQL's type is created before the table when missing (see ``_create_types``).
    native = _dialect_types("postgresql").ENUM(*labels, name=name, create_type=False)
    portable = sa.Enum(*labels, name=name, create_constraint=True, length=column.length)
    return portable.with_variant(native, "postgresql")


def enum_type_name(table_name: str, column_name: str, column: ColumnSpec) -> str:
    return column.enum if isinstance(column.enum, str) else f"{table_name}_{column_name}"


class _CheckExpression(sa.sql.expression.ColumnElement):
    """An understood CHECK, rendered with the dialect's identifier quoting."""

    inherit_cache = False

    def __init__(self, node: ck.Node) -> None:
        self.node = node


@compiles(_CheckExpression)
def _compile_check(element: _CheckExpression, compiler, **_kw) -> str:
    dialect = "mysql" if compiler.dialect.name == "mariadb" else compiler.dialect.name
    return ck.render(element.node, compiler.preparer.quote, lambda v: sql_literal(dialect, v))


def _check_constraints(table_name: str, table: TableSpec) -> list[sa.CheckConstraint]:
    """The table's CHECKs; an unnamed one is named after the columns it reads (its position
    when it is not understood, or when that name is taken)."""
    names = tuple(table.columns)
    out = []
    taken = {c.name for c in table.checks if c.name}
    for i, check in enumerate(table.checks):
        node = ck.understand(check.sql, names)
        text = _CheckExpression(node) if node is not None else sa.text(check.sql)
        name = check.name
        if name is None:
            columns = ck.referenced(node) if node is not None else []
            name = constraint_name("ck", table_name, columns or [str(i + 1)])
            if name in taken:
                name = constraint_name("ck", table_name, [*columns, str(i + 1)])
        taken.add(name)
        out.append(sa.CheckConstraint(text, name=name))
    return out


def _checked_in_lists(table: TableSpec) -> set[str]:
    """Columns a table CHECK already limits to a list (no second CHECK for their `choice`)."""
    names = tuple(table.columns)
    found = set()
    for check in table.checks:
        node = ck.understand(check.sql, names)
        for part in ck.conjuncts(node) if node is not None else ():
            if isinstance(part, ck.InList) and isinstance(part.operand, ck.Column):
                found.add(part.operand.name)
    return found


def _identity(column: ColumnSpec) -> list[sa.schema.SchemaItem]:
    if column.identity in ("always", "by_default"):
        start = column.sequence.start if column.sequence else 1
        return [sa.Identity(always=column.identity == "always", start=start)]
    return []


@per_spec
def build_metadata(spec: Spec) -> sa.MetaData:
    """Every table of the spec, parents first. Built once per spec and shared: callers only
    read it (a table's writer used to rebuild all tables, a cost cubic in the table count)."""
    metadata = sa.MetaData()
    for name in topological_order(spec):
        table = spec.tables[name]
        enums: dict[str, ColumnSpec] = {}
        domains: dict[str, tuple[ColumnSpec, str]] = {}
        columns = []
        for column_name, column in table.columns.items():
            enum_name = None
            if column.enum and column.choice is not None:
                enum_name = enum_type_name(name, column_name, column)
                enums[enum_name] = column
            sa_type = column_type(column, enum_name=enum_name)
            if column.domain is not None:
                domains[column.domain.name] = (column, column_name)
                sa_type = _DomainType(column.domain.name, sa_type)
            columns.append(
                sa.Column(
                    column_name,
                    sa_type,
                    *_identity(column),
                    nullable=column.is_nullable,
                    comment=column.description,
                    server_default=ServerDefault(column.server_default, column.type)
                    if column.server_default is not None
                    else None,
                    # SQLite and MySQL number only a key of one column (Pagila's payment
                    # has (payment_date, payment_id)); PostgreSQL's identity is sa.Identity.
                    autoincrement=column.identity is not None
                    and table.primary_key in ([], [column_name]),
                )
            )
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
        constraints += _check_constraints(name, table)
        sa_table = sa.Table(name, metadata, *columns, *constraints, comment=table.description)
        listed = _checked_in_lists(table)
        for column_name, column in table.columns.items():
            if (
                column.choice is not None
                and column.type != "boolean"
                and not column.enum
                and column_name not in listed
            ):
                target = sa_table.c[column_name]
                # An exact type (NVARCHAR, REAL) may render no literal: compare as a plain one.
                if column.type in STRING_TYPES:
                    target = sa.type_coerce(target, sa.String())
                elif column.type in ("float", "decimal"):
                    target = sa.type_coerce(target, sa.Float())
                elif column.type in INTEGER_TYPES:  # a domain (Sakila's `year`) renders none
                    target = sa.type_coerce(target, sa.Integer())
                sa_table.append_constraint(
                    sa.CheckConstraint(
                        target.in_(column.choice.values),
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
        if enums or domains:
            hook = _create_types(enums, domains)
            sa.event.listen(sa_table, "before_create", hook)
            # A copy of the table (`to_metadata`, a writer's table without keys) loses its
            # listeners: the copier runs this before creating it.
            sa_table.info[CREATE_TYPES] = hook
    return metadata


CREATE_TYPES = "seed_assets_create_types"


def create_types(sa_table: sa.Table, conn: sa.Connection) -> None:
    """Create the PostgreSQL enum types and domains `sa_table` needs (when missing): for a copy
    of a spec's table, which `to_metadata` made without its before-create hook."""
    hook = sa_table.info.get(CREATE_TYPES)
    if hook is not None:
        hook(sa_table, conn)


class _DomainType(sa.types.TypeDecorator):
    """A PostgreSQL domain column: the domain's name there, its base type elsewhere."""

    impl = sa.types.NullType
    cache_ok = True

    def __init__(self, name: str, base: sa.types.TypeEngine) -> None:
        super().__init__()
        self.name = name
        self.base = base

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return Verbatim(dialect.identifier_preparer.quote(self.name))
        return dialect.type_descriptor(self.base)


def _create_types(enums: dict[str, ColumnSpec], domains: dict[str, tuple[ColumnSpec, str]]):
    """A before-create hook: PostgreSQL enum types and domains the table needs, if missing."""

    def create(_table, conn: sa.Connection, **_kw) -> None:
        if conn.dialect.name != "postgresql":
            return
        for name, column in enums.items():
            labels = [str(v) for v in column.choice.values]
            _dialect_types("postgresql").ENUM(*labels, name=name).create(conn, checkfirst=True)
        for name, (column, _column_name) in domains.items():
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_type WHERE typname = :n AND typtype = 'd'"), {"n": name}
            ).first()
            if exists:
                continue
            base = column_type(column).compile(dialect=conn.dialect)
            quoted = conn.dialect.identifier_preparer.quote(name)
            check = f" CHECK ({column.domain.check})" if column.domain.check else ""
            conn.exec_driver_sql(f"CREATE DOMAIN {quoted} AS {base}{check}")

    return create

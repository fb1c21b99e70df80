"""Which columns a column reads (`when.column`, `expr`, `logit`, `copy_of`, `before`),
resolved to this row or a referenced row through a foreign key, checked at load, and the order
a row's dependent columns are made in.
"""

from __future__ import annotations

from seed_assets.errors import SpecError
from seed_assets.spec.expressions import parse
from seed_assets.spec.models import TEMPORAL_TYPES, ColumnSpec, ForeignKeySpec, Spec, TableSpec
from seed_assets.spec.relations import relational


def reads(column: ColumnSpec) -> list[str]:
    """The names a column's relational fields read: `column` or `table.column`."""
    names: list[str] = []
    if column.when is not None:
        names.append(column.when.column)
    for text in (column.expr, column.logit):
        if text is not None:
            names.extend(parse(text).names)
    if column.copy_of is not None:
        names.append(column.copy_of.column)
    return list(dict.fromkeys(names))


def resolve(spec: Spec, table_name: str, name: str) -> tuple[ForeignKeySpec | None, str]:
    """The FK (None: this row) and column a name points at: `table.column` goes through the
    table's one FK to that table."""
    table = spec.tables[table_name]
    if "." not in name:
        return None, name
    parent, column = name.split(".", 1)
    if parent == table_name:
        return None, column
    fks = [fk for fk in table.foreign_keys if fk.references.table == parent]
    if not fks:
        raise SpecError(f"`{name}` needs a foreign key from {table_name} to {parent}")
    if len(fks) > 1:
        raise SpecError(f"`{name}` is ambiguous: {len(fks)} foreign keys lead to {parent}")
    return fks[0], column


def same_row_reads(spec: Spec, table_name: str, column: ColumnSpec) -> list[str]:
    """Columns of this row a column needs made first (FK columns for a row referenced other
    than through the driving FK)."""
    out: list[str] = []
    names = reads(column)
    if column.before is not None:
        names.append(column.before)
    for name in names:
        fk, ref = resolve(spec, table_name, name)
        if fk is None:
            out.append(ref)
        elif fk.cardinality is None:  # the driving FK's parent rows are known without it
            out.extend(fk.columns)
    return list(dict.fromkeys(out))


def parent_reads(
    spec: Spec, table_name: str, column: ColumnSpec
) -> list[tuple[ForeignKeySpec, str]]:
    """The referenced rows' columns a column reads, with the FK leading to each."""
    out = []
    names = reads(column)
    if column.before is not None:
        names.append(column.before)
    for name in names:
        fk, ref = resolve(spec, table_name, name)
        if fk is not None:
            out.append((fk, ref))
    return out


def check_column(spec: Spec, table_name: str, column_name: str, column: ColumnSpec) -> None:
    """Every name a column reads exists, has the right type and makes no loop."""
    table = spec.tables[table_name]

    def fail(message: str) -> SpecError:
        return SpecError(message, table=table_name, column=column_name)

    names = reads(column)
    if column.before is not None:
        names.append(column.before)
    for name in names:
        try:
            fk, ref = resolve(spec, table_name, name)
        except SpecError as exc:
            raise fail(exc.message) from None
        owner_name = fk.references.table if fk else table_name
        owner = spec.tables[owner_name]
        if ref not in owner.columns:
            known = ", ".join(owner.columns)
            raise fail(f"`{name}` names a column {owner_name} does not have (it has {known})")
        if fk is not None and fk.references.table == table_name:
            raise fail(f"`{name}` reads this table through a self-reference; not supported")
        if fk is None and ref == column_name:
            raise fail(f"`{name}`: a column cannot read itself")
    if column.before is not None:
        fk, ref = resolve(spec, table_name, column.before)
        owner = spec.tables[fk.references.table] if fk else table
        if owner.columns[ref].type not in TEMPORAL_TYPES:
            raise fail(f"`before: {column.before}` points at a {owner.columns[ref].type} column")
        if fk is None and relational(table.columns[ref]):
            raise fail(f"`before: {ref}` reads a derived column; derived columns come last")
    after = column.after
    if after is not None and "." not in after and relational(table.columns[after]):
        raise fail(f"`after: {after}` reads a derived column; derived columns come last")
    if column.when is not None:
        fk, ref = resolve(spec, table_name, column.when.column)
        on = spec.tables[fk.references.table if fk else table_name].columns[ref]
        if on.choice is not None:
            known = {_key(v) for v in on.choice.values}
            for value in column.when.cases:
                if value not in known:
                    raise fail(
                        f"`when` case {value!r} is not a value of {column.when.column} "
                        f"({', '.join(sorted(known))})"
                    )
    if column.aggregate is not None:
        check_aggregate(spec, table_name, column_name, column)
    for fk, ref in parent_reads(spec, table_name, column):
        read = spec.tables[fk.references.table].columns[ref].aggregate
        if read is not None and read.table == table_name:
            raise fail(
                f"`{fk.references.table}.{ref}` sums this table's rows; reading it here would "
                "go round in a circle"
            )
    if relational(column):
        dependent_order(spec, table_name)  # raises on a loop


def check_aggregate(spec: Spec, table_name: str, column_name: str, column: ColumnSpec) -> None:
    """The child table exists, is driven by this one, and has the columns the expr reads."""
    aggregate = column.aggregate

    def fail(message: str) -> SpecError:
        return SpecError(f"`aggregate`: {message}", table=table_name, column=column_name)

    child = spec.tables.get(aggregate.table)
    if child is None:
        raise fail(f"no table {aggregate.table!r}; name the child table")
    driving = child.driving_fk
    if driving is None or driving.references.table != table_name:
        raise fail(
            f"{aggregate.table} is not driven by {table_name}: give its FK to {table_name} a "
            "`cardinality`"
        )
    for name in parse(aggregate.expr).names if aggregate.expr else ():
        if name not in child.columns:
            raise fail(f"{aggregate.table} has no column {name!r}")


def _key(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def dependent_order(spec: Spec, table_name: str) -> list[str]:
    """The table's relational columns, each after the relational columns of its row it reads."""
    table: TableSpec = spec.tables[table_name]
    pending = [c for c, col in table.columns.items() if relational(col)]
    needs = {
        c: set(same_row_reads(spec, table_name, table.columns[c])) & set(pending) for c in pending
    }
    ordered: list[str] = []
    while pending:
        ready = [c for c in pending if needs[c] <= set(ordered)]
        if not ready:
            loop = ", ".join(pending)
            raise SpecError(f"derived columns read each other in a loop: {loop}", table=table_name)
        ordered.extend(ready)
        pending = [c for c in pending if c not in ready]
    return ordered

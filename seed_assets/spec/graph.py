"""The FK graph of a spec: cross-table checks, topological order, parents and descendants.

A child depends on every table its FKs reference, except through a self-reference (a table
can be its own parent row by row, generated as a forest) and through a deferred FK, one that
closes a cycle and is filled after the table it references exists (see ``cycles.py``). Those
dependencies are also the Dagster asset graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from seed_assets.errors import SpecError
from seed_assets.spec import dependencies
from seed_assets.spec.correlations import check_correlations
from seed_assets.spec.cycles import Component, analyse
from seed_assets.spec.memo import per_spec
from seed_assets.spec.models import (
    INTEGER_TYPES,
    SELF_FILLING_TYPES,
    STRING_TYPES,
    TEMPORAL_TYPES,
    ColumnSpec,
    ForeignKeySpec,
    Spec,
    TableSpec,
)


@dataclass(frozen=True)
class _Maps:
    """The spec's dependency maps, built once per spec (see ``memo.py``)."""

    parents: dict[str, list[str]]
    children: dict[str, list[str]]
    order: dict[str, int]  # table -> position in topological order
    deferred: frozenset[tuple[str, int]]  # (table, id(fk)) of deferred FKs
    deferred_of: dict[str, list[ForeignKeySpec]]  # table -> its deferred FKs, in FK order
    referrers: dict[str, list[tuple[str, ForeignKeySpec]]]  # table -> (child, FK) into it


@per_spec
def _maps(spec: Spec) -> _Maps:
    analysis = analyse(spec)
    parents_of: dict[str, list[str]] = {}
    children_of: dict[str, list[str]] = {name: [] for name in spec.tables}
    for name, table in spec.tables.items():
        seen: list[str] = []
        for index, fk in enumerate(table.foreign_keys):
            target = fk.references.table
            if target != name and target not in seen and (name, index) not in analysis.deferred:
                seen.append(target)
        parents_of[name] = seen
        for target in seen:
            if target in children_of:
                children_of[target].append(name)
    order = {name: i for i, name in enumerate(t for c in analysis.components for t in c.tables)}
    deferred = frozenset(
        (edge.child, id(edge.fk(spec))) for c in analysis.components for edge in c.deferred
    )
    deferred_of: dict[str, list[ForeignKeySpec]] = {name: [] for name in spec.tables}
    referrers: dict[str, list[tuple[str, ForeignKeySpec]]] = {name: [] for name in spec.tables}
    for name, table in spec.tables.items():
        for fk in table.foreign_keys:
            if (name, id(fk)) in deferred:
                deferred_of[name].append(fk)
            referrers.setdefault(fk.references.table, []).append((name, fk))
    return _Maps(parents_of, children_of, order, deferred, deferred_of, referrers)


def parents(spec: Spec, table: str) -> list[str]:
    """Distinct tables `table` depends on, in FK order: itself and deferred FKs excluded."""
    return list(_maps(spec).parents[table])


def children(spec: Spec, table: str) -> list[str]:
    return list(_maps(spec).children.get(table, ()))


def descendants(spec: Spec, table: str) -> list[str]:
    """Every table that depends on `table`, directly or not, in topological order."""
    return _reachable(spec, table, children)


def ancestors(spec: Spec, table: str) -> list[str]:
    """Every table `table` depends on, directly or not, in topological order."""
    return _reachable(spec, table, parents)


def _reachable(spec: Spec, table: str, step) -> list[str]:
    """The tables `step` (``parents`` or ``children``) leads to from `table`, repeatedly."""
    found: set[str] = set()
    frontier = [table]
    while frontier:
        for other in step(spec, frontier.pop()):
            if other not in found:
                found.add(other)
                frontier.append(other)
    found.discard(table)
    return _in_order(spec, found)


def _in_order(spec: Spec, names: Iterable[str]) -> list[str]:
    order = _maps(spec).order
    return sorted(names, key=order.__getitem__)


def topological_order(spec: Spec) -> list[str]:
    """Tables parents-first, each cycle's tables together in their generation order; ties keep
    the spec's order, so the order is stable. Raises SpecError for a cycle that cannot be made."""
    return [name for component in analyse(spec).components for name in component.tables]


def components(spec: Spec) -> list[Component]:
    """Generation units in topological order: single tables, and cycles (``Component``)."""
    return list(analyse(spec).components)


def component_of(spec: Spec, table: str) -> Component:
    return analyse(spec).component_of[table]


def deferred_fks(spec: Spec) -> list[tuple[str, ForeignKeySpec]]:
    """(table, FK) of every FK that closes a cycle: filled after the table it references."""
    return [
        (edge.child, edge.fk(spec)) for component in components(spec) for edge in component.deferred
    ]


def is_deferred(spec: Spec, table: str, fk: ForeignKeySpec) -> bool:
    return (table, id(fk)) in _maps(spec).deferred


def deferred_of(spec: Spec, table: str) -> list[ForeignKeySpec]:
    """The deferred FKs of `table`, in FK order."""
    return list(_maps(spec).deferred_of.get(table, ()))


def linked_fks(spec: Spec, table: str) -> list[ForeignKeySpec]:
    """Deferred FKs a separate links step fills (nullable cycles): NULL until it has run."""
    if component_of(spec, table).together:
        return []
    return deferred_of(spec, table)


def links_name(table: str) -> str:
    """The links step of `table`: its asset key, report section and checks' prefix."""
    return f"{table}_links"


def links_tables(spec: Spec) -> list[str]:
    """Tables with a links step, in topological order."""
    return [name for name in topological_order(spec) if linked_fks(spec, name)]


@dataclass(frozen=True)
class Replacement:
    """What replacing the rows of a table does to the others.

    `deleted`: tables whose rows would be orphans, emptied deepest first (topological order
    here). `unlinked`: nullable deferred FKs pointing into the replaced rows, set back to NULL
    (their tables keep their rows, and need their links step again).
    """

    deleted: list[str]
    unlinked: list[tuple[str, ForeignKeySpec]]


def replaced_with(spec: Spec, table: str) -> Replacement:
    """The tables emptied and the FKs unlinked when `table`'s rows are replaced."""
    maps = _maps(spec)
    linked = {(t, id(fk)) for t in spec.tables for fk in linked_fks(spec, t)}
    found: set[str] = set()
    frontier = [table]
    while frontier:
        current = frontier.pop()
        for name, fk in maps.referrers.get(current, ()):
            if name in found or name in (table, current):
                continue
            if (name, id(fk)) not in linked:
                found.add(name)
                frontier.append(name)
    hit = found | {table}
    unlinked = [
        (name, fk)
        for name in topological_order(spec)
        for fk in linked_fks(spec, name)
        if fk.references.table in hit
    ]
    return Replacement(_in_order(spec, found), unlinked)


def check_spec(spec: Spec) -> None:
    """Cross-table rules; raises SpecError naming the table and column."""
    for name, table in spec.tables.items():
        _check_keys(spec, name, table)
        for fk in table.foreign_keys:
            _check_fk(spec, name, table, fk)
        _check_counts(name, table)
        for column_name, column in table.columns.items():
            _check_column(spec, name, table, column_name, column)
        check_correlations(name, table)
        if table.partitions is not None:
            partition_column(spec, name)
    topological_order(spec)
    _check_expectations(spec)


def sequence_key_column(table: TableSpec) -> str | None:
    """The table's primary key when it is one sequence column (not restarted per parent, never
    null): its values follow row numbers, so row ranges are key ranges."""
    if len(table.primary_key) != 1:
        return None
    name = table.primary_key[0]
    column = table.columns[name]
    if column.source != "sequence" or column.sequence.per_parent or column.null_fraction:
        return None
    return name


def partition_column(spec: Spec, name: str) -> tuple[str, str]:
    """The column whose value ranges delimit a partition of `name`, and whose key it is: its
    own sequence primary key, or its driving FK to a parent with one. SpecError otherwise."""
    table = spec.tables[name]
    own = sequence_key_column(table)
    if own is not None:
        return own, name
    driving = table.driving_fk
    if driving is not None and len(driving.columns) == 1:
        parent = spec.tables[driving.references.table]
        if sequence_key_column(parent) == driving.references.columns[0]:
            return driving.columns[0], driving.references.table
    raise SpecError(
        "`partitions` needs a primary key that is one `sequence` column, or a driving FK (with "
        "`cardinality`) to a table whose primary key is one; give the table a sequence key or "
        "drop `partitions`",
        table=name,
    )


def _need_columns(table_name: str, table: TableSpec, columns: Iterable[str], what: str) -> None:
    for column in columns:
        if column not in table.columns:
            raise SpecError(
                f"{what} names column '{column}', which the table does not have "
                f"(columns: {', '.join(table.columns)})",
                table=table_name,
                column=column,
            )


def _check_keys(spec: Spec, name: str, table: TableSpec) -> None:
    _need_columns(name, table, table.primary_key, "primary_key")
    for key in table.unique:
        _need_columns(name, table, key, "a unique key")
    for column in table.primary_key:
        if table.columns[column].is_nullable:
            raise SpecError("a primary key column cannot be nullable", table=name, column=column)


def _keys_of(table: TableSpec) -> list[list[str]]:
    keys = [table.primary_key] if table.primary_key else []
    keys += table.unique
    keys += [[c] for c, col in table.columns.items() if col.unique]
    return keys


def _compatible(a: ColumnSpec, b: ColumnSpec) -> bool:
    for family in (INTEGER_TYPES, STRING_TYPES):
        if a.type in family and b.type in family:
            return True
    return a.type == b.type


def _check_fk(spec: Spec, name: str, table: TableSpec, fk: ForeignKeySpec) -> None:
    _need_columns(name, table, fk.columns, f"foreign key {fk.label}")
    target = fk.references.table
    if target not in spec.tables:
        raise SpecError(
            f"foreign key {','.join(fk.columns)} references unknown table '{target}'; "
            f"change `references:` to one of the spec's tables: {', '.join(spec.tables)}",
            table=name,
            column=fk.columns[0],
        )
    parent = spec.tables[target]
    for column, ref in zip(fk.columns, fk.references.columns, strict=True):
        if ref not in parent.columns:
            raise SpecError(
                f"foreign key references {target}.{ref}, which does not exist; change "
                f"`references:` to a column of {target}: {', '.join(parent.columns)}",
                table=name,
                column=column,
            )
        ours, theirs = table.columns[column], parent.columns[ref]
        if not _compatible(ours, theirs):
            raise SpecError(
                f"type {ours.type} does not match {target}.{ref} ({theirs.type}); "
                f"declare the FK column as {theirs.type}",
                table=name,
                column=column,
            )
        if ours.source is not None:
            raise SpecError(
                f"the column takes its values from the foreign key to {target}; "
                f"remove `{ours.source}`",
                table=name,
                column=column,
            )
    if list(fk.references.columns) not in _keys_of(parent):
        raise SpecError(
            f"foreign key references {target}({', '.join(fk.references.columns)}), which is "
            f"neither the primary key nor a unique key of {target}",
            table=name,
            column=fk.columns[0],
        )
    if target == name:
        if fk.cardinality is not None:
            raise SpecError(
                "a self-reference cannot drive the row count; remove `cardinality`",
                table=name,
                column=fk.columns[0],
            )
        if not all(table.columns[c].is_nullable for c in fk.columns):
            raise SpecError(
                "a NOT NULL self-reference has no way out: the first row has no parent. "
                "Give the column null_fraction > 0 (the roots of the tree)",
                table=name,
                column=fk.columns[0],
            )
    if fk.via is not None:
        resolve_via(spec, name, fk)


def resolve_via(
    spec: Spec, table_name: str, fk: ForeignKeySpec
) -> tuple[ForeignKeySpec, ForeignKeySpec]:
    """For a `via` FK: the FK of this table it goes through, and the FK of that middle table
    whose values it copies."""
    table = spec.tables[table_name]
    through = next((f for f in table.foreign_keys if f.columns[0] == fk.via and f is not fk), None)
    if through is None:
        raise SpecError(
            f"`via: {fk.via}` must name the first column of another foreign key of this table",
            table=table_name,
            column=fk.columns[0],
        )
    middle = spec.tables[through.references.table]
    copied = next(
        (
            f
            for f in middle.foreign_keys
            if f.references.table == fk.references.table
            and f.references.columns == fk.references.columns
        ),
        None,
    )
    if copied is None:
        raise SpecError(
            f"`via: {fk.via}` goes to {through.references.table}, which has no foreign key to "
            f"{fk.references.table}({', '.join(fk.references.columns)}) to copy",
            table=table_name,
            column=fk.columns[0],
        )
    return through, copied


def _check_counts(name: str, table: TableSpec) -> None:
    driving = [fk for fk in table.foreign_keys if fk.cardinality is not None]
    if len(driving) > 1:
        raise SpecError(
            "more than one foreign key has a `cardinality`; one FK drives the row count, "
            "the others pick a parent",
            table=name,
        )
    if driving and table.rows is not None:
        raise SpecError(
            f"`rows` is set, but the row count follows from the cardinality of {driving[0].label}; "
            "remove one of them",
            table=name,
        )
    if not driving and table.rows is None:
        raise SpecError(
            "no row count: give `rows`, or a `cardinality` on the foreign key that drives it",
            table=name,
        )


def _check_column(spec: Spec, name: str, table: TableSpec, column_name: str, column: ColumnSpec):
    fk = table.fk_for_column(column_name)
    if (
        column.source is None
        and fk is None
        and column.copy_of is None
        and column.type not in SELF_FILLING_TYPES
    ):
        raise SpecError(
            "no value source: give one of faker, choice, distribution, sequence, constant, "
            "between, after, before, rate, expr or copy_of, or make it part of a foreign key",
            table=name,
            column=column_name,
        )
    if column.sequence is not None and column.sequence.per_parent and table.driving_fk is None:
        raise SpecError(
            "`per_parent` numbers children of a parent, but no FK of this table has a cardinality",
            table=name,
            column=column_name,
        )
    if column.after is not None:
        _check_after(spec, name, table, column_name, column.after)
    dependencies.check_column(spec, name, column_name, column)


def resolve_after(spec: Spec, table_name: str, after: str) -> tuple[ForeignKeySpec | None, str]:
    """The FK (None: this table) and column that an `after` rule points at."""
    table = spec.tables[table_name]
    if "." not in after:
        return None, after
    parent, column = after.split(".", 1)
    fks = [fk for fk in table.foreign_keys if fk.references.table == parent]
    if parent == table_name or not fks:
        raise SpecError(
            f"`after: {after}` needs a foreign key from {table_name} to {parent}",
            table=table_name,
        )
    if len(fks) > 1:
        raise SpecError(
            f"`after: {after}` is ambiguous: {len(fks)} foreign keys lead to {parent}",
            table=table_name,
        )
    return fks[0], column


def _check_after(spec: Spec, name: str, table: TableSpec, column_name: str, after: str) -> None:
    try:
        fk, ref = resolve_after(spec, name, after)
    except SpecError as exc:
        raise SpecError(exc.message, table=name, column=column_name) from None
    owner_name = fk.references.table if fk else name
    owner = spec.tables[owner_name]
    if ref not in owner.columns:
        raise SpecError(
            f"`after: {after}` names a column {owner_name} does not have",
            table=name,
            column=column_name,
        )
    if owner.columns[ref].type not in TEMPORAL_TYPES:
        raise SpecError(
            f"`after: {after}` points at a {owner.columns[ref].type} column; it must be a "
            "date or timestamp",
            table=name,
            column=column_name,
        )
    if fk is None:
        _check_after_chain(name, table, column_name)


def _check_after_chain(name: str, table: TableSpec, start: str) -> None:
    seen = [start]
    current = table.columns[start].after
    while current is not None and "." not in current:
        if current in seen:
            raise SpecError(
                f"`after` rules loop: {' -> '.join([*seen, current])}", table=name, column=start
            )
        seen.append(current)
        current = table.columns[current].after


def _check_expectations(spec: Spec) -> None:
    exp = spec.expectations

    def need_table(table: str, what: str) -> TableSpec:
        if table not in spec.tables:
            raise SpecError(f"expectation {what} names unknown table '{table}'", table=table)
        return spec.tables[table]

    for rule in exp.children_per_parent:
        child = need_table(rule.table, "children_per_parent")
        need_table(rule.parent, "children_per_parent")
        if not any(fk.references.table == rule.parent for fk in child.foreign_keys):
            raise SpecError(
                f"expectation children_per_parent: no foreign key from {rule.table} to "
                f"{rule.parent}",
                table=rule.table,
            )
    for rule in exp.rates:
        table = need_table(rule.table, "rates")
        if rule.column not in table.columns:
            raise SpecError(
                "expectation rates names an unknown column", table=rule.table, column=rule.column
            )
        if table.columns[rule.column].type != "boolean":
            raise SpecError(
                "expectation rates needs a boolean column", table=rule.table, column=rule.column
            )
    for rule in exp.row_counts:
        need_table(rule.table, "row_counts")

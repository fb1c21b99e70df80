"""FK cycles across tables: which FKs close them ("deferred"), and in which order tables come.

A cycle (a strongly connected component of the FK graph, self-references aside) is generated
by leaving some FKs out at first: each table of the cycle is made in an order where every other
FK points back at a table made earlier, then the deferred FKs are filled from the rows of the
tables they reference.

- When every deferred FK is nullable, tables are written as usual with those columns NULL, and
  a "links" step fills them afterwards (an UPDATE in key order).
- When some cycle has only NOT NULL FKs, the whole component is generated in memory, filled,
  and written in one transaction with deferred constraint checks (``together``).
- FKs that must see their parent's rows while the table is generated (a driving cardinality,
  a `via` copy, the FK an `after` rule follows, a key column) are never deferred; a cycle made
  only of those cannot be generated and is refused, naming each FK and why.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

from seed_assets.errors import SpecError
from seed_assets.spec.memo import per_spec
from seed_assets.spec.models import ForeignKeySpec, Spec, TableSpec


@dataclass(frozen=True)
class Edge:
    """One cross-table FK: `child` (its `index`-th FK) references `parent`."""

    child: str
    index: int
    parent: str
    nullable: bool
    hard: str | None  # why it cannot be deferred, or None

    def fk(self, spec: Spec) -> ForeignKeySpec:
        return spec.tables[self.child].foreign_keys[self.index]

    def describe(self, spec: Spec) -> str:
        fk = self.fk(spec)
        return f"{self.child}.{','.join(fk.columns)} -> {self.parent}"


@dataclass(frozen=True)
class Component:
    """Tables generated as one unit: a single table, or a cycle in generation order."""

    tables: tuple[str, ...]
    deferred: tuple[Edge, ...] = ()
    together: bool = False  # a NOT NULL cycle: one transaction, constraints deferred

    @property
    def is_cycle(self) -> bool:
        return len(self.tables) > 1


@dataclass(frozen=True)
class Analysis:
    components: tuple[Component, ...]  # in topological order
    edges: tuple[Edge, ...]

    @functools.cached_property
    def component_of(self) -> dict[str, Component]:
        return {t: c for c in self.components for t in c.tables}

    @functools.cached_property
    def deferred(self) -> frozenset[tuple[str, int]]:
        return frozenset((e.child, e.index) for c in self.components for e in c.deferred)


@per_spec
def analyse(spec: Spec) -> Analysis:
    """The spec's components in generation order; raises SpecError for a cycle of hard FKs.
    Computed once per spec object (and shared by specs of the same shape)."""
    return _analyse_cached(_Frozen(spec))


class _Frozen:
    """A spec hashed by what the analysis reads, so the analysis is computed once per shape."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.key = tuple(
            (
                name,
                tuple(table.primary_key),
                bool(_has_key(table)),
                tuple(
                    (
                        fk.references.table,
                        tuple(fk.columns),
                        tuple(fk.references.columns),
                        fk.cardinality is not None,
                        fk.via,
                        tuple(
                            table.columns[c].is_nullable for c in fk.columns if c in table.columns
                        ),
                    )
                    for fk in table.foreign_keys
                ),
                tuple((n, c.after) for n, c in table.columns.items() if c.after and "." in c.after),
            )
            for name, table in spec.tables.items()
        )

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Frozen) and self.key == other.key


@functools.lru_cache(maxsize=64)
def _analyse_cached(frozen: _Frozen) -> Analysis:
    spec = frozen.spec
    edges = _edges(spec)
    out_edges: dict[str, list[Edge]] = {name: [] for name in spec.tables}
    for edge in edges:
        out_edges[edge.child].append(edge)
    components = [_component(spec, scc, out_edges) for scc in _strongly_connected(spec, out_edges)]
    return Analysis(tuple(_topological(spec, components, edges)), tuple(edges))


def _has_key(table: TableSpec) -> bool:
    return bool(table.primary_key or table.unique or any(c.unique for c in table.columns.values()))


def _edges(spec: Spec) -> list[Edge]:
    edges = []
    for name, table in spec.tables.items():
        for index, fk in enumerate(table.foreign_keys):
            parent = fk.references.table
            if parent == name or parent not in spec.tables:
                continue
            nullable = all(c in table.columns and table.columns[c].is_nullable for c in fk.columns)
            edges.append(Edge(name, index, parent, nullable, _hard_reason(spec, name, fk)))
    return edges


def _hard_reason(spec: Spec, name: str, fk: ForeignKeySpec) -> str | None:
    """Why `fk` must be filled while its table is generated (so it cannot close a cycle)."""
    table = spec.tables[name]
    if fk.cardinality is not None:
        return "it drives the row count: `cardinality`"
    if fk.via is not None:
        return f"it is copied through `via: {fk.via}`"
    for other in table.foreign_keys:
        if other.via is not None and other is not fk and other.via == fk.columns[0]:
            return f"{','.join(other.columns)} is copied through it (`via`)"
    for column_name, column in table.columns.items():
        if column.after and column.after.split(".", 1)[0] == fk.references.table != name:
            return f"the `after` rule of {column_name} reads the parent row"
    for other_name, other in spec.tables.items():
        for via_fk in other.foreign_keys:
            if via_fk.via is None:
                continue
            through = next((f for f in other.foreign_keys if f.columns[0] == via_fk.via), None)
            if (
                through is not None
                and through.references.table == name
                and via_fk.references.table == fk.references.table
                and via_fk.references.columns == fk.references.columns
            ):
                return f"{other_name}.{','.join(via_fk.columns)} copies it (`via`)"
    keyed = [c for c in fk.columns if c in table.primary_key]
    if keyed:
        return f"{','.join(keyed)} is part of the primary key"
    if not _has_key(table):
        return f"{name} has no primary key to update its rows by"
    return None


def _strongly_connected(spec: Spec, out_edges: dict[str, list[Edge]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; each component's tables in spec order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = itertools.count()
    position = {name: i for i, name in enumerate(spec.tables)}
    for root in spec.tables:
        if root in index:
            continue
        work = [(root, iter(out_edges[root]))]
        index[root] = low[root] = next(counter)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for edge in children:
                child = edge.parent
                if child not in index:
                    index[child] = low[child] = next(counter)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(out_edges[child])))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                found.append(sorted(members, key=position.__getitem__))
    return found


def _component(spec: Spec, tables: list[str], out_edges: dict[str, list[Edge]]) -> Component:
    if len(tables) == 1:
        return Component((tables[0],))
    inside = set(tables)
    edges = [e for t in tables for e in out_edges[t] if e.parent in inside]
    strict = [e for e in edges if e.hard or not e.nullable]
    order = _order(tables, strict, edges, prefer_not_null=False)
    together = False
    if order is None:
        order = _order(tables, [e for e in edges if e.hard], edges, prefer_not_null=True)
        together = True
    if order is None:
        raise _impossible(spec, tables, [e for e in edges if e.hard])
    placed = {t: i for i, t in enumerate(order)}
    deferred = tuple(e for e in edges if placed[e.parent] > placed[e.child])
    return Component(tuple(order), deferred, together)


def _order(
    tables: list[str], fixed: list[Edge], edges: list[Edge], *, prefer_not_null: bool
) -> list[str] | None:
    """Tables so that every `fixed` edge points at an earlier table; None if they loop.

    Among tables ready, the one leaving the fewest FKs to fill later goes first (NOT NULL ones
    counted first when `prefer_not_null`), then spec order.
    """
    position = {t: i for i, t in enumerate(tables)}
    order: list[str] = []
    left = set(tables)
    while left:
        ready = [t for t in left if not any(e.child == t and e.parent in left for e in fixed)]
        if not ready:
            return None

        def cost(table: str) -> tuple:
            pending = [e for e in edges if e.child == table and e.parent in left - {table}]
            not_null = sum(not e.nullable for e in pending)
            return (not_null if prefer_not_null else 0, len(pending), position[table])

        chosen = min(ready, key=cost)
        order.append(chosen)
        left.discard(chosen)
    return order


def _impossible(spec: Spec, tables: list[str], hard: list[Edge]) -> SpecError:
    """A cycle every FK of which needs its parent's rows first."""
    left = set(tables)
    while True:  # keep the tables that have a hard FK to another table still left
        done = {t for t in left if not any(e.child == t and e.parent in left for e in hard)}
        if not done:
            break
        left -= done
    by_child: dict[str, list[Edge]] = {}
    for edge in hard:
        if edge.child in left and edge.parent in left:
            by_child.setdefault(edge.child, []).append(edge)
    path = [min(by_child, key=tables.index)]
    loop: list[Edge] = []
    while True:
        edge = min(by_child[path[-1]], key=lambda e: (tables.index(e.parent), e.index))
        if edge.parent in path:
            start = path.index(edge.parent)
            loop = [*loop[start:], edge]
            break
        loop.append(edge)
        path.append(edge.parent)
    parts = [f"{e.describe(spec)} [{e.hard}]" for e in loop]
    cycle = " -> ".join([loop[0].child, *(e.parent for e in loop)])
    first = loop[0]
    return SpecError(
        f"the foreign keys {'; '.join(parts)} form a cycle ({cycle}) that cannot be generated: "
        "each needs the rows of the table it references before its own rows exist. Make one "
        "of them a plain reference (no cardinality, via or after through it), or drop it",
        table=first.child,
        column=first.fk(spec).columns[0],
    )


def _topological(spec: Spec, components: list[Component], edges: list[Edge]) -> list[Component]:
    """Components parents-first in waves; ties keep the spec's order, so the order is stable."""
    position = {name: i for i, name in enumerate(spec.tables)}
    of = {t: i for i, c in enumerate(components) for t in c.tables}
    remaining = {
        i: {of[e.parent] for e in edges if of[e.child] == i and of[e.parent] != i}
        for i in range(len(components))
    }
    first = {i: min(position[t] for t in c.tables) for i, c in enumerate(components)}
    order: list[Component] = []
    while remaining:
        ready = sorted((i for i, deps in remaining.items() if not deps), key=first.__getitem__)
        for i in ready:
            order.append(components[i])
            del remaining[i]
        for deps in remaining.values():
            deps.difference_update(ready)
    return order

"""What a table's checks read: its own rows and the committed rows of the tables it references."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from seed_assets.engine.table import parent_columns, sort_key
from seed_assets.spec.graph import linked_fks
from seed_assets.spec.models import ForeignKeySpec, Spec, TableSpec
from seed_assets.validation import keys


def check_parent_columns(spec: Spec, table_name: str) -> dict[str, list[str]]:
    """For each table `table_name` references, the columns its checks read (key first).

    Generation's needs plus the key of every FK target (a denormalised FK is checked against
    its own target too, not only through the table it is copied from). FKs a links step fills
    are checked there, so their targets are not read here.
    """
    needed = {p: list(cols) for p, cols in parent_columns(spec, table_name).items()}
    pending = linked_fks(spec, table_name)
    for fk in spec.tables[table_name].foreign_keys:
        target = fk.references.table
        if target == table_name or any(fk is p for p in pending):
            continue
        have = needed.setdefault(target, list(sort_key(spec.tables[target])))
        have.extend(c for c in fk.references.columns if c not in have)
    return needed


@dataclass
class TableData:
    """One table to check, with its parents' rows; caches Arrow columns and FK lookups."""

    spec: Spec
    name: str
    frame: pd.DataFrame
    parents: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    scale: float | None = None
    _arrow: dict[tuple[str, str], pa.Array] = field(default_factory=dict, repr=False)
    _runs: dict[tuple[str, str], keys.Runs] = field(default_factory=dict, repr=False)
    _lookups: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, repr=False
    )
    known_non_null: set[str] = field(default_factory=set, repr=False)
    # Labels of FKs not filled yet (a links step fills and checks them): left out here.
    pending: frozenset[str] = frozenset()
    # The links step: only these FKs (and the key and their columns) are checked.
    only: frozenset[str] | None = None

    @property
    def table(self) -> TableSpec:
        return self.spec.tables[self.name]

    @property
    def foreign_keys(self) -> list[ForeignKeySpec]:
        """The FKs these checks cover."""
        return [
            fk
            for fk in self.table.foreign_keys
            if fk.label not in self.pending and (self.only is None or fk.label in self.only)
        ]

    @property
    def columns(self) -> list[str]:
        """The columns these checks cover: all but pending FKs' (links: key and linked FKs')."""
        table = self.table
        if self.only is not None:
            linked = [c for fk in self.foreign_keys for c in fk.columns]
            return list(dict.fromkeys([*sort_key(table), *linked]))
        skipped = {c for fk in table.foreign_keys if fk.label in self.pending for c in fk.columns}
        return [c for c in table.columns if c not in skipped]

    def rows_of(self, table: str) -> pd.DataFrame:
        """The rows of `table`: this table's own frame for a self-reference."""
        if table == self.name:
            return self.frame
        if table not in self.parents:
            raise KeyError(f"checking {self.name} needs the rows of {table}")
        return self.parents[table]

    def _column(self, table: str, column: str) -> pd.Series:
        frame = self.rows_of(table)
        if column not in frame.columns:
            raise KeyError(f"{table} has no column '{column}'")
        return frame[column]

    def arrow(self, table: str, column: str) -> pa.Array:
        """The column as one Arrow array (converted once)."""
        key = (table, column)
        if key not in self._arrow:
            self._arrow[key] = keys.to_arrow(self._column(table, column))
        return self._arrow[key]

    def has_arrow(self, table: str, column: str) -> bool:
        return (table, column) in self._arrow

    def runs(self, table: str, column: str) -> keys.Runs:
        """The column as runs of equal values, or row by row when it has none to speak of."""
        key = (table, column)
        if key in self._arrow:
            return keys.Runs(self._arrow[key], None)
        if key not in self._runs:
            encoded = keys.runs(self._column(table, column))
            if encoded.lengths is None:
                self._arrow[key] = encoded.values
            self._runs[key] = encoded
        return self._runs[key]

    def lookup(self, fk: ForeignKeySpec, owner: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Target row per row of `owner` (default: this table) through `fk` (-1: none), and
        the rows whose FK is null."""
        owner = owner or self.name
        cache_key = (owner, id(fk))
        if cache_key not in self._lookups:
            target = fk.references.table
            parent = [self.arrow(target, c) for c in fk.references.columns]
            if len(fk.columns) == 1:
                found = keys.lookup_runs(self.runs(owner, fk.columns[0]), parent[0])
            else:
                found = keys.lookup([self.arrow(owner, c) for c in fk.columns], parent)
            self._lookups[cache_key] = found
        return self._lookups[cache_key]

    def null_count(self, column: str) -> int:
        if column in self.known_non_null:
            return 0
        key = (self.name, column)
        if key in self._arrow:
            return self._arrow[key].null_count
        if key in self._runs:
            return self._runs[key].null_count
        return int(self.frame[column].isna().sum())

"""Plain pandas checks the tests use to judge generated data (small frames only)."""

from __future__ import annotations

import pandas as pd

from seed_assets.spec.graph import resolve_after
from seed_assets.spec.models import Spec


def orphans(spec: Spec, tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Rows whose non-null FK tuple is missing from the parent, per `table.fk`."""
    found = {}
    for name, table in spec.tables.items():
        for fk in table.foreign_keys:
            child = tables[name][fk.columns].dropna()
            parent = tables[fk.references.table][fk.references.columns]
            keys = set(map(tuple, parent.astype(object).to_numpy()))
            missing = sum(tuple(row) not in keys for row in child.astype(object).to_numpy())
            found[f"{name}.{','.join(fk.columns)}"] = missing
    return found


def temporal_violations(spec: Spec, tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Rows dated before what their `after` rule names, per `table.column`."""
    found = {}
    for name, table in spec.tables.items():
        frame = tables[name]
        for column_name, column in table.columns.items():
            if column.after is None:
                continue
            fk, ref = resolve_after(spec, name, column.after)
            if fk is None:
                lower = frame[ref]
            else:
                parent = tables[fk.references.table].set_index(fk.references.columns)[ref]
                index = pd.MultiIndex.from_frame(frame[fk.columns])
                lower = pd.Series(parent.reindex(index).to_numpy(), index=frame.index)
            both = frame[column_name].notna() & lower.notna()
            found[f"{name}.{column_name}"] = int((frame[column_name][both] < lower[both]).sum())
    return found

"""Filling a chunk's FK columns: reference FKs drawn uniformly, nulls, self-references as a
forest, copies through another FK (``via``). Part of ``table.TableGenerator``."""

from __future__ import annotations

import numpy as np

from seed_assets.engine.frames import null_mask, with_nulls
from seed_assets.engine.rng import stream, table_seed
from seed_assets.engine.spread import SpreadPicker, keyed_together
from seed_assets.errors import SpecError
from seed_assets.spec.dependencies import parent_reads
from seed_assets.spec.graph import resolve_after, resolve_via
from seed_assets.spec.models import ForeignKeySpec


class ForeignKeyFilling:
    """The FK half of a table generator (its ``spec``, ``name``, ``table``, ``seed``,
    ``driving``, ``deferred``, ``source``, ``counts`` and ``_spreads``)."""

    def _fill_foreign_keys(
        self, chunk, cols, pos, parent_rows, made, as_values, positions, context
    ) -> None:
        n = chunk.rows
        nulls: dict[str, np.ndarray | None] = {}  # FK label -> the rows it left null, if any
        for fk in self.table.foreign_keys:
            target = fk.references.table
            if fk.via is not None or not any(c in made for c in fk.columns):
                continue
            if any(fk is d for d in self.deferred):  # filled once its target exists
                for column in fk.columns:
                    cols[column] = np.full(n, None, dtype=object)
                continue
            if target == self.name:
                self._self_reference(fk, chunk, cols)
                continue
            if fk is not self.driving:
                rng = stream(self.seed, self.name, chunk.index, f"fk:{fk.label}")
                n_parents = self.parent_count(target)
                if n_parents == 0 and n:
                    raise SpecError(
                        f"foreign key {fk.label}: {target} has no rows to reference",
                        table=self.name,
                        column=fk.columns[0],
                    )
                parent_rows[fk.label] = self._pick_parents(fk, n_parents, chunk, rng)
            picked = parent_rows[fk.label]
            null = nulls[fk.label] = self._fk_nulls(fk, chunk, n)
            for column, ref in zip(fk.columns, fk.references.columns, strict=True):
                if column in positions:
                    pos[column] = picked if null is None else np.where(null, -1, picked)
                if column in as_values:
                    taken = context.values(fk, ref, picked)
                    cols[column] = with_nulls(taken, null) if null is not None else taken
        for fk in self.table.foreign_keys:
            if fk.via is not None and any(c in made for c in fk.columns):
                self._copy_via(fk, cols, pos, parent_rows, nulls, as_values, positions, context)

    def _pick_parents(self, fk: ForeignKeySpec, n_parents: int, chunk, rng) -> np.ndarray:
        """Uniform parents, or as the FK's measured `spread` says (engine/spread.py)."""
        if fk.spread is None or n_parents == 0:
            return rng.integers(0, max(n_parents, 1), chunk.rows)
        picker = self._spreads.get(fk.label)
        if picker is None:
            seed = table_seed(self.seed, self.name, f"spread:{fk.label}")
            phase = np.random.default_rng(table_seed(self.seed, self.name, f"phase:{fk.label}"))
            picker = self._spreads[fk.label] = SpreadPicker(
                fk.spread, n_parents, seed, float(phase.random())
            )
        groups = None
        if self.driving is not None and keyed_together(self.table, fk, self.driving):
            counts = self.counts(chunk)
            groups = np.repeat(np.arange(len(counts)), counts)
        return picker.pick(chunk.row_start, chunk.rows, groups)

    def _fk_nulls(self, fk: ForeignKeySpec, chunk, n: int) -> np.ndarray | None:
        fraction = max(self.table.columns[c].null_fraction for c in fk.columns)
        if not fraction or fk is self.driving:
            return None
        return stream(self.seed, self.name, chunk.index, f"null:{fk.label}").random(n) < fraction

    def _self_reference(self, fk: ForeignKeySpec, chunk, cols: dict) -> None:
        """A forest: each row's parent is an earlier row of the same chunk, or none (a root)."""
        n = chunk.rows
        rng = stream(self.seed, self.name, chunk.index, f"fk:{fk.label}")
        local = np.arange(n)
        parent = np.floor(rng.random(n) * local).astype(np.int64)
        fraction = max(self.table.columns[c].null_fraction for c in fk.columns)
        root = (local == 0) | (rng.random(n) < fraction)
        for column, ref in zip(fk.columns, fk.references.columns, strict=True):
            if ref not in cols:
                raise SpecError(
                    f"self-reference to {ref}: that column must have its own source",
                    table=self.name,
                    column=column,
                )
            cols[column] = with_nulls(cols[ref][parent], root)

    def _copy_via(
        self, fk: ForeignKeySpec, cols, pos, parent_rows, nulls, as_values, positions, context
    ) -> None:
        through, middle_fk = resolve_via(self.spec, self.name, fk)
        picked = parent_rows[through.label]
        # Where the FK it goes through is null; known when that FK was filled, else looked for.
        null = (
            nulls[through.label] if through.label in nulls else null_mask(cols[through.columns[0]])
        )
        if null is not None and not null.any():
            null = None
        for column, middle_column in zip(fk.columns, middle_fk.columns, strict=True):
            if column in positions:
                found = context.positions(through, middle_column, picked)
                pos[column] = found if null is None else np.where(null, -1, found)
            if column in as_values:
                taken = context.values(through, middle_column, picked)
                cols[column] = with_nulls(taken, null) if null is not None else taken
        if self._after_reads(fk):  # an `after` rule reads that parent: find its rows by key
            found = [cols[c] for c in fk.columns]
            parent_rows[fk.label] = self.source.locate(
                fk.references.table, list(fk.references.columns), found
            )

    def _after_reads(self, fk: ForeignKeySpec) -> bool:
        for column in self.table.columns.values():
            if any(read is fk for read, _ in parent_reads(self.spec, self.name, column)):
                return True
            if column.after and "." in column.after:
                after_fk, _ = resolve_after(self.spec, self.name, column.after)
                if after_fk is fk:
                    return True
        return False

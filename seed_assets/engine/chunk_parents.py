"""What one chunk of a table reads of its parents (``table.TableGenerator.chunk_frame``)."""

from __future__ import annotations

import numpy as np

from seed_assets.engine.parents import as_array
from seed_assets.spec.models import ForeignKeySpec


class ChunkParents:
    """One chunk's view of its parents: the driving FK's slice, or the source at positions.

    Slice columns that came as key positions (``TableGenerator.key_owner``) are turned into keys
    only for the rows picked.
    """

    def __init__(self, generator, chunk, driving_rows, as_positions):
        self.generator = generator
        self.chunk = chunk
        self.driving_rows = driving_rows
        self.as_positions = set(as_positions)
        self._arrays: dict[str, np.ndarray] = {}
        self._keys: dict = {}  # column -> its keys, written once per slice row

    def _slice(self, column: str) -> np.ndarray:
        if column not in self._arrays:
            self._arrays[column] = as_array(self.driving_rows[column])
        return self._arrays[column]

    def _in_slice(self, fk: ForeignKeySpec, column: str) -> bool:
        generator = self.generator
        return (
            fk is generator.driving
            and self.driving_rows is not None
            and column in self.driving_rows.columns
        )

    def positions(self, fk: ForeignKeySpec, column: str, picked: np.ndarray) -> np.ndarray:
        """Key positions of `fk`'s target's `column` at parent rows `picked`."""
        if self._in_slice(fk, column) and column in self.as_positions:
            return self._slice(column)[picked - self.chunk.parent_start]
        raise AssertionError(f"{fk.references.table}.{column} was not read as key positions")

    def values(self, fk: ForeignKeySpec, column: str, picked: np.ndarray) -> np.ndarray:
        """`fk`'s target's `column` at parent rows `picked` (global positions).

        From the driving slice, keys that came as positions are written out once per slice row
        (a chunk's worth of parents) and then gathered in Arrow; or, when there are fewer
        children than parents, written out for the children directly.
        """
        generator = self.generator
        source = generator.source
        if self._in_slice(fk, column):
            local = picked - self.chunk.parent_start
            if column not in self.as_positions:
                return self._slice(column)[local]
            owner = source.key_owner(fk.references.table, column)
            if column not in self._keys and len(local) < len(self.driving_rows):
                return source.keys_at(owner, self._slice(column)[local])  # fewer children
            if column not in self._keys:
                self._keys[column] = source.keys_at(owner, self._slice(column))
            return self._keys[column].take(local)
        return source.take(fk.references.table, column, picked)

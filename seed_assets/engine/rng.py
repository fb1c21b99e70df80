"""Random streams derived from (root seed, table, chunk, purpose), never from global state.

Every column of every chunk has its own stream, so output does not depend on execution order,
on which tables run in which process, or on columns added elsewhere in the spec.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _word(name: str) -> int:
    # Python's hash() is salted per process; a digest is the same everywhere.
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "little")


def stream(seed: int, table: str, chunk: int, purpose: str) -> np.random.Generator:
    """The generator for one purpose (a column, the counts, an FK) of one chunk of a table."""
    sequence = np.random.SeedSequence(seed, spawn_key=(_word(table), chunk, _word(purpose)))
    return np.random.Generator(np.random.PCG64(sequence))


def table_seed(seed: int, table: str, purpose: str) -> int:
    """A plain integer seed for a whole-table purpose, e.g. seeding Faker for a value pool."""
    sequence = np.random.SeedSequence(seed, spawn_key=(_word(table), 2**31, _word(purpose)))
    return int(sequence.generate_state(1, dtype=np.uint32)[0])


def stratified(n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` uniforms in [0, 1), one in each 1/n of the range, shuffled.

    Drawn through a column's inverse CDF (categories, quantiles, date shapes, rates), a chunk
    then follows the column's measured marginal within one row per level, even for a lookup
    table of eight rows, where independent draws would miss its shares by chance. Rows stay
    exchangeable: which row gets which value is a random permutation.
    """
    return (rng.permutation(n) + rng.random(n)) / max(n, 1)

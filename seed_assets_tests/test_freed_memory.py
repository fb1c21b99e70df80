"""Freed memory is kept for the next chunk (``keep_freed_memory``) until a step's resident memory
passes its ceiling, then handed back (``hand_back_above``): what keeps a Dagster step's peak
under its budget at 100M rows (benchmarks/bench_dagster.py measures it)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from seed_assets.engine.memory import (
    before_chunk,
    hand_back_above,
    keep_freed_memory,
    on_glibc,
    resident_mb,
    set_resident_ceiling,
)

pytestmark = pytest.mark.skipif(
    not on_glibc() or not os.path.exists("/proc/self/statm"), reason="glibc on Linux only"
)

CHUNK_ARRAYS = 24  # 24 arrays of 12 MB (1.5M rows of 8 bytes): a chunk's worth, 288 MB


def _a_chunk_made_and_freed() -> int:
    """Resident MB just after a chunk's arrays were written to and freed."""
    arrays = [np.ones(1_500_000) for _ in range(CHUNK_ARRAYS)]
    assert sum(a.nbytes for a in arrays) == CHUNK_ARRAYS * 12_000_000
    del arrays
    return resident_mb()


def test_freed_memory_is_kept_under_the_ceiling_and_handed_back_past_it():
    keep_freed_memory()
    _a_chunk_made_and_freed()  # the heap grown once: what a step's next chunk reuses
    before = resident_mb()
    kept = _a_chunk_made_and_freed()
    assert kept > before - 50  # the second chunk reused the first's pages: nothing handed back
    assert not hand_back_above(kept + 1000)  # under the ceiling: kept
    assert resident_mb() > kept - 50
    assert hand_back_above(kept - 250)  # past it: handed back
    assert resident_mb() < kept - 200


def test_a_steps_ceiling_hands_back_before_a_chunk_and_the_cli_keeps_everything():
    keep_freed_memory()
    _a_chunk_made_and_freed()
    previous = set_resident_ceiling(None)  # the CLI: no ceiling
    try:
        kept = _a_chunk_made_and_freed()
        before_chunk()
        assert resident_mb() > kept - 50
        assert set_resident_ceiling(kept - 250) is None  # a step's, below what is resident
        before_chunk()
        assert resident_mb() < kept - 200
    finally:
        set_resident_ceiling(previous)


def test_a_step_sets_its_ceiling_and_puts_back_the_one_before(banking, tmp_path):
    from seed_assets.assets.gate import STEP_CEILING_MB, step_run
    from seed_assets.resources import GenerationResource, TargetResource

    target = TargetResource(url=f"sqlite:///{tmp_path / 'db.sqlite'}")
    previous = set_resident_ceiling(None)
    try:
        with step_run(banking, target, GenerationResource()):
            assert set_resident_ceiling(STEP_CEILING_MB) == STEP_CEILING_MB
        assert set_resident_ceiling(None) is None
    finally:
        set_resident_ceiling(previous)


def test_resident_memory_is_read_and_sensible():
    resident = resident_mb()
    big = np.ones(50_000_000 // 8)  # 50 MB written
    assert 20 < resident < 8_000
    assert resident_mb() >= resident + 40
    del big

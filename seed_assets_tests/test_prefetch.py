"""Generation ahead of the writer: the same steps and frames, the next table started early."""

from __future__ import annotations

import dataclasses
import threading
import time

import pandas as pd
import pytest

from seed_assets.engine.run import TableStep, iter_plan
from seed_assets.sources.files import load_spec
from seed_assets.targets.prefetch import prefetch, threaded_ahead
from seed_assets_tests.conftest import BANKING


def _plan(scale: float = 0.2):
    spec = load_spec(BANKING)
    return iter_plan(spec, seed=spec.seed, scale=scale, max_rows=100)


def test_threaded_ahead_gives_the_plans_steps_and_frames_unchanged():
    expected = [(s.name, pd.concat(list(s.chunks), ignore_index=True)) for s in _plan()]
    got = [(s.name, pd.concat(list(s.chunks), ignore_index=True)) for s in threaded_ahead(_plan())]
    assert [name for name, _ in got] == [name for name, _ in expected]
    for (name, frame), (_, wanted) in zip(got, expected, strict=True):
        pd.testing.assert_frame_equal(frame, wanted, obj=name)


def _watched(steps, started: dict[str, threading.Event]):
    """The plan's steps, each table's first frame setting its event when it is made."""
    for step in steps:
        event = started.setdefault(step.name, threading.Event())

        def frames(chunks=step.chunks, event=event):
            for frame in chunks:
                event.set()
                yield frame

        yield dataclasses.replace(step, chunks=frames())


def test_the_next_table_is_generated_while_the_writer_still_holds_this_one():
    started: dict[str, threading.Event] = {}
    steps = threaded_ahead(_watched(_plan(), started))
    first = next(steps)
    assert isinstance(first, TableStep) and first.name == "customers"
    for _ in first.chunks:  # the writer takes every frame, then (say) builds keys and commits
        pass
    # The next step was not asked for, yet its first frame is being made.
    assert started["accounts"].wait(10)
    assert next(steps).name == "accounts"


def test_leaving_the_loop_stops_the_thread_of_the_step_not_taken():
    before = threading.active_count()
    steps = threaded_ahead(_plan(scale=2))
    first = next(steps)
    for _ in first.chunks:
        pass
    steps.close()  # e.g. the writer failed: the next table's frames are not wanted
    deadline = time.monotonic() + 10
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == before


def test_prefetch_raises_the_producers_error_in_the_consumer():
    def failing():
        yield 1
        raise ValueError("bad frame")

    items = prefetch(failing())
    assert next(items) == 1
    with pytest.raises(ValueError, match="bad frame"):
        next(items)

"""Batches made ahead of the load, in a thread: generation and encoding overlap the database."""

from __future__ import annotations

import dataclasses
import itertools
import queue
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seed_assets.engine.run import Step


def prefetch(batches: Iterator, depth: int = 2) -> Iterator:
    """Run `batches` (generation + encoding) in a thread, `depth` batches ahead of the load.

    The thread starts at once, before the first batch is asked for. NumPy, Arrow and the
    drivers release the GIL, so generating the next batch overlaps the database loading this
    one. Closing the returned iterator (or leaving the loop over it) stops the thread.
    """
    done = object()
    slots: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in batches:
                while not stop.is_set():
                    try:
                        slots.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            slots.put(exc)

    worker = threading.Thread(target=produce, name="seed-assets-encode", daemon=True)
    worker.start()

    def consume() -> Iterator:
        try:
            while True:
                item = slots.get()
                if item is done:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            while worker.is_alive():  # unblock a producer waiting on a full queue
                try:
                    slots.get_nowait()
                except queue.Empty:
                    worker.join(0.05)

    return _Closing(consume(), stop)


class _Closing:
    """An iterator whose thread also stops when it is closed before its first item."""

    def __init__(self, items: Iterator, stop: threading.Event) -> None:
        self.items, self.stop = items, stop

    def __iter__(self) -> Iterator:
        return self

    def __next__(self):
        return next(self.items)

    def close(self) -> None:
        self.stop.set()
        self.items.close()


def threaded_ahead(steps: Iterator[Step], depth: int = 2) -> Iterator[Step]:
    """``iter_plan``'s steps, each table's frames generated as soon as the step before it has
    handed out its last frame: while the writer still builds that table's keys and FKs and
    commits, the next table is being made (`depth` frames ahead).

    Tables are still generated one after the other, in plan order; only a table step is
    started early. Leaving the loop stops the thread of a step not taken.
    """
    from seed_assets.engine.run import TableStep  # the writer's own import stays light

    steps = iter(steps)
    lock = threading.Lock()
    fetched = 0  # steps taken from `steps` so far
    pending: dict[int, Step | None] = {}

    def fetch(number: int) -> None:
        """Take step `number` from the plan (once), its frames starting in a thread."""
        nonlocal fetched
        with lock:
            if fetched > number:
                return
            step = next(steps, None)
            if isinstance(step, TableStep):
                frames = then_fetch(step.chunks, number + 1)
                step = dataclasses.replace(step, chunks=prefetch(frames, depth))
            pending[number] = step
            fetched += 1

    def then_fetch(frames: Iterator, number: int) -> Iterator:
        yield from frames
        fetch(number)

    try:
        for number in itertools.count():
            fetch(number)
            with lock:
                step = pending.pop(number)
            if step is None:
                return
            yield step
    finally:
        with lock:
            for step in pending.values():
                if isinstance(step, TableStep):
                    step.chunks.close()

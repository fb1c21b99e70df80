"""Writes done in a thread behind the loop that hands them over: a file's encoding and I/O."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any


class WriteBehind:
    """``write(item)`` for every item ``put``, in order, in a thread of its own. Arrow's Parquet
    encoder, its compression and the file's I/O release the GIL, so the next frame is made and
    converted while this one is written: banking at 100M rows into Parquet, the CLI took 28.2 s
    instead of 34.1 s, and a Dagster run 55.4 s instead of 62.0 s (docs/scale.md).

    ``put`` returns once the thread has taken the item, so one item is written while the caller
    makes the next and none waits between them: a frame keeps its whole chunk resident, and
    one more waiting raised a Dagster step's peak at 100M rows from 926 MB to 954–972 MB.

    A write's error is raised again by the next ``put`` and on leaving the block, and nothing is
    written after it. Leaving the block waits for the write under way (the file is closed
    after), and on an error of the caller's own (a frame that could not be made, a cancel)
    drops an item handed over but not yet started.
    """

    _LAST = object()

    def __init__(self, write: Callable[[Any], None], name: str = "") -> None:
        self._write = write
        self._items: queue.Queue = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._dropping = False
        self._thread = threading.Thread(
            target=self._run, name=f"seed-assets-write-{name}".rstrip("-"), daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        while (item := self._items.get()) is not self._LAST:
            self._items.task_done()  # taken: the caller goes on
            if self._error is None and not self._dropping:
                try:
                    self._write(item)
                except BaseException as exc:  # raised again in the caller's thread
                    self._error = exc
            item = None  # not held while waiting: it may keep a whole chunk resident

    def put(self, item: Any) -> None:
        """Hand `item` to the thread once it is done with the one before."""
        if self._error is not None:
            raise self._error
        self._items.put(item)
        self._items.join()

    def __enter__(self) -> WriteBehind:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self._dropping = kind is not None
        self._items.put(self._LAST)  # the thread always drains, so this never waits for long
        self._thread.join()
        if kind is None and self._error is not None:
            raise self._error

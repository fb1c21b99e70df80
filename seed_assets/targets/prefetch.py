"""Batches made ahead of the load, in a thread: generation and encoding overlap the database."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator


def prefetch(batches: Iterator, depth: int = 2) -> Iterator:
    """Run `batches` (generation + encoding) in a thread, `depth` batches ahead of the load.

    NumPy, Arrow and the drivers release the GIL, so generating the next batch overlaps the
    database loading this one.
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

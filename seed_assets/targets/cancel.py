"""Ctrl+C during a load: the first finishes or rolls back the current batch, the second exits."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class CancelToken:
    """Set when the user asked to stop; writers look at it between batches."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def requested(self) -> bool:
        return self._event.is_set()


@contextmanager
def first_interrupt_cancels(token: CancelToken, warn) -> Iterator[CancelToken]:
    """Within the block, Ctrl+C sets `token`; a second Ctrl+C exits at once (code 130).

    A forced exit is still safe: the open transaction is rolled back by the database when the
    connection drops, so no table is left half-written looking complete.
    """
    if threading.current_thread() is not threading.main_thread():
        yield token
        return

    def _handler(_signum, _frame):
        if token.requested:
            warn("second Ctrl+C: exiting now; the open transaction is rolled back")
            sys.stderr.flush()
            os._exit(130)
        token.cancel()
        warn("Ctrl+C: stopping after the current batch (press again to exit at once)")

    previous = signal.signal(signal.SIGINT, _handler)
    try:
        yield token
    finally:
        signal.signal(signal.SIGINT, previous)

"""Garbage collection kept out of a command's cold start.

The imports of a run make over 100,000 objects the collector tracks (pandas, SQLAlchemy,
pydantic, Faker...), objects that live until the process ends and are never garbage. Left
alone, the collector walks them again and again while they are made, in every full collection
of the run, and once more while the interpreter exits: about 0.25 s of a 1.2 s ``generate`` of
the banking example.

So in the command's own process (``main``): what importing the command line made is frozen
(``gc.freeze``: left out of every later collection); Typer's parsing (which imports much of
pydantic) and the command's own imports run with the collector off, what they made frozen in
turn; and at exit everything is left to the operating system rather than walked first. A
command run in someone else's process (a test's CliRunner) freezes nothing: that process's own
garbage would never be collected. (Nor does importing the command line: the process may not be
the command's.)
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Set by ``main``: this process runs one command, then exits.
OWN_PROCESS = {"on": False}


def own_process() -> None:
    """``main``: this process runs one command. What is imported so far stays until exit; the
    collector is off until the command starts (``command_starts``)."""
    OWN_PROCESS["on"] = True
    gc.freeze()
    gc.disable()


def command_starts() -> None:
    """A command's body begins: in its own process, what the parsing made is frozen and the
    collector on again (a long run still frees its cycles)."""
    if OWN_PROCESS["on"]:
        gc.freeze()
        gc.enable()


@contextmanager
def importing() -> Iterator[None]:
    """A block of imports, with no collection meanwhile; in the command's own process, what
    they made then frozen."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if OWN_PROCESS["on"]:
            gc.freeze()
        if was_on:
            gc.enable()


def leave_to_exit() -> None:
    """The command is done: nothing the interpreter's exit collects first (the files and
    connections are closed by then; the memory goes back to the system at once)."""
    gc.freeze()

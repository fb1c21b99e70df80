"""Freed memory kept for the next chunk instead of handed back to the kernel and faulted in again.

A chunk allocates, fills and frees arrays of millions of rows, chunk after chunk. By default both
allocators give that memory back: pyarrow's mimalloc purges freed pages within milliseconds, and
glibc trims the top of its heap once it holds more free memory than about twice the largest
block freed so far. The next chunk's arrays then land on fresh pages, which the kernel zeroes
first: a third of generation's CPU time at 10M rows (``perf``: ``clear_page_erms`` under page
faults, most of them transparent huge pages).

``keep_freed_memory`` (once per process; every run calls it) has Arrow allocate from the system
allocator, as NumPy does, and glibc keep what is freed for the next allocation. The process's
resident memory then stays at its high-water mark; the peak itself is not raised (measured
lower: fewer allocators each holding their own free memory). A choice made in the environment
(``ARROW_DEFAULT_MEMORY_POOL``, ``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_MMAP_THRESHOLD_``) is left
alone, and so is anything but glibc.

A Dagster step has a memory budget (under 1 GB each at 100M rows, issue 18), and the memory
glibc keeps is where it overshoots: a step's free pages add up to a few hundred MB over the
chunks. A step sets a ceiling (``set_resident_ceiling``); before each chunk a table's
generator makes (``before_chunk``), free pages are handed back (``malloc_trim``) if resident
memory is past it, so the chunk's arrays start from there. Once per chunk, not per frame:
between chunks memory hardly grows, and each hand-back costs the next chunk its page faults.
"""

from __future__ import annotations

import ctypes
import os

import pyarrow as pa

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Blocks above this still get their own mapping, returned on free: a chunk's arrays are below
# it (1.5M rows of 8 bytes: 12 MB), so they are reused from the heap.
_MMAP_THRESHOLD = 64 << 20
_TRIM_THRESHOLD = 2**31 - 1  # mallopt takes an int: the top is trimmed only past 2 GB free

_done = False
_libc = None
_ceiling_mb: int | None = None


def keep_freed_memory() -> None:
    """Arrow on the system allocator, and glibc keeping freed memory (see the module)."""
    global _done
    if _done:
        return
    _done = True
    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        pa.set_memory_pool(pa.system_memory_pool())
    if not on_glibc():
        return
    libc = _c_library()
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        libc.mallopt(_M_TRIM_THRESHOLD, ctypes.c_int(_TRIM_THRESHOLD))
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        libc.mallopt(_M_MMAP_THRESHOLD, ctypes.c_int(_MMAP_THRESHOLD))


def resident_mb() -> int:
    """This process's resident memory now, in MB (0 where /proc is not there to say)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE") >> 20


def hand_back_above(ceiling_mb: int) -> bool:
    """Free memory glibc keeps handed back to the kernel if resident memory is past
    `ceiling_mb`; whether it was (cheap to ask: one read of /proc)."""
    if not on_glibc() or resident_mb() <= ceiling_mb:
        return False
    _c_library().malloc_trim(0)
    return True


def set_resident_ceiling(mb: int | None) -> int | None:
    """From now on, free memory is handed back before a chunk once this process is past `mb`
    (None: never, as in the CLI, where keeping it is what pays); the ceiling it replaces."""
    global _ceiling_mb
    previous, _ceiling_mb = _ceiling_mb, mb
    return previous


def before_chunk() -> None:
    """Called by a table's generator before it makes a chunk: see the module."""
    if _ceiling_mb is not None:
        hand_back_above(_ceiling_mb)


def _c_library():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None)
    return _libc


def on_glibc() -> bool:
    """Whether this process allocates through glibc (what the mallopt and trim calls need)."""
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (AttributeError, ValueError, OSError):  # not glibc, or not POSIX
        return False

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


def keep_freed_memory() -> None:
    """Arrow on the system allocator, and glibc keeping freed memory (see the module)."""
    global _done
    if _done:
        return
    _done = True
    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        pa.set_memory_pool(pa.system_memory_pool())
    if not _glibc():
        return
    libc = ctypes.CDLL(None)
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        libc.mallopt(_M_TRIM_THRESHOLD, ctypes.c_int(_TRIM_THRESHOLD))
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        libc.mallopt(_M_MMAP_THRESHOLD, ctypes.c_int(_MMAP_THRESHOLD))


def _glibc() -> bool:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (AttributeError, ValueError, OSError):  # not glibc, or not POSIX
        return False

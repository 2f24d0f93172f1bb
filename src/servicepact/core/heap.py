"""The C heap kept for the length of a big numpy computation (glibc; elsewhere a no-op).

By default glibc gives every allocation above a threshold (128 kB, raised as such blocks are
freed, up to 32 MB) its own ``mmap`` and unmaps it when freed, and gives the top of the heap
back to the kernel once more than twice that lies free there. A tier replay of a million
tickets makes hundreds of arrays of 8-30 MB, each freed soon after: each new one is fresh
memory from the kernel, faulted in page by page and zeroed, and that cost half of the
replay's own CPU time (docs/performance.md, tier replay, sixth pass; ADR 0029).

``kept_heap()`` serves such arrays from the heap and keeps what is freed there for the next
ones (``mallopt``: ``M_MMAP_THRESHOLD`` at its largest, 32 MB; ``M_TRIM_THRESHOLD`` out of
reach); when the last ``kept_heap`` block of the process ends, both go back to glibc's
initial values and ``malloc_trim(0)`` returns the free memory to the kernel. The values are
process-wide: concurrent blocks share one setting (counted), and other threads' allocations
meanwhile use it too. After the first block the thresholds are fixed at glibc's initial
values instead of its adaptive ones.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

# <malloc.h>
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# The largest mmap threshold glibc accepts on 64-bit (HEAP_MAX_SIZE / 2): arrays of up to
# 4M int64 values come from the heap.
KEPT_MMAP_THRESHOLD = 32 * 1024 * 1024
KEPT_TRIM_THRESHOLD = 2**31 - 1  # mallopt takes an int
# glibc's initial values (DEFAULT_MMAP_THRESHOLD_MIN, DEFAULT_TRIM_THRESHOLD).
INITIAL_MMAP_THRESHOLD = 128 * 1024
INITIAL_TRIM_THRESHOLD = 128 * 1024

_lock = threading.Lock()
_depth = 0


@cache
def _libc() -> Any:
    """glibc, or None (another C library or system: nothing to tune)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018 - glibc only (musl has no such symbol)
    except (OSError, AttributeError):
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.malloc_trim.argtypes = [ctypes.c_size_t]
    return libc


@contextmanager
def kept_heap() -> Iterator[None]:
    """Large blocks served from, and freed into, the heap until the block ends."""
    global _depth
    libc = _libc()
    if libc is None:
        yield
        return
    with _lock:
        if _depth == 0:
            libc.mallopt(M_MMAP_THRESHOLD, KEPT_MMAP_THRESHOLD)
            libc.mallopt(M_TRIM_THRESHOLD, KEPT_TRIM_THRESHOLD)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                libc.mallopt(M_MMAP_THRESHOLD, INITIAL_MMAP_THRESHOLD)
                libc.mallopt(M_TRIM_THRESHOLD, INITIAL_TRIM_THRESHOLD)
                libc.malloc_trim(0)

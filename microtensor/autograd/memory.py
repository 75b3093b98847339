"""Handing the memory a long backward freed back to the system (glibc's ``malloc_trim``).

A backward through a long graph frees the saved arrays of its nodes one by one; glibc keeps that memory
for reuse instead of returning it, so a process's memory would stay at its peak. The engine calls
``trim_after_backward`` once at the end of every backward.
"""
from __future__ import annotations

import ctypes
import sys
from typing import Any

TRIM_AFTER_NODES = 1 << 17     # a trim takes milliseconds: worth it only after graphs this long
_libc: Any = None


def trim_after_backward(n_nodes: int, retain_graph: bool) -> None:
    """Return freed memory to the system after a backward that freed a graph of ``TRIM_AFTER_NODES`` nodes
    or more (with ``retain_graph`` nothing was freed)."""
    if not retain_graph and n_nodes >= TRIM_AFTER_NODES:
        return_freed_memory()


def return_freed_memory() -> bool:
    """Ask the C allocator to hand the memory it holds free back to the system (glibc's ``malloc_trim``);
    returns False where there is no glibc."""
    global _libc
    if _libc is None:
        _libc = False
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL("libc.so.6")
                libc.malloc_trim.argtypes = [ctypes.c_size_t]
                _libc = libc
            except (OSError, AttributeError):      # no glibc (musl, say): nothing to trim
                pass
    if not _libc:
        return False
    _libc.malloc_trim(0)
    return True

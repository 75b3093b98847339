"""The thread settings PyTorch scripts make: intra-op threads are NumPy's BLAS threads (through threadpoolctl).

microtensor's parallel work is the BLAS calls NumPy makes (matmul, convolution GEMMs), so
``set_num_threads(n)`` limits the BLAS thread pools NumPy loaded and ``get_num_threads()`` reads them.
Inter-op threads run independent ops side by side in PyTorch; microtensor runs ops one after another,
so that setting is recorded, with PyTorch's rule that it can be set once.
"""
from __future__ import annotations

import os

import numpy as np  # noqa: F401 - loads the BLAS library whose threads threadpoolctl controls
from threadpoolctl import ThreadpoolController

_controller = ThreadpoolController()


def _positive_int(op: str, n: object) -> int:
    if not isinstance(n, int) or isinstance(n, bool):
        raise RuntimeError(f"{op} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{op} expects a positive integer, got {n}")
    return n


def set_num_threads(int: int) -> None:  # noqa: A002 - PyTorch's parameter name
    """Set the number of threads used for intra-op parallelism: NumPy's BLAS thread pools."""
    _controller.select(user_api="blas").limit(limits=_positive_int("set_num_threads", int))


def get_num_threads() -> int:
    """The number of threads used for intra-op parallelism: the BLAS pools' (1 when NumPy's BLAS is
    single-threaded)."""
    return max((pool["num_threads"] for pool in _controller.select(user_api="blas").info()), default=1)


class _InterOp:
    threads = os.cpu_count() or 1
    set_once = False


def set_num_interop_threads(int: int) -> None:  # noqa: A002 - PyTorch's parameter name
    """Set the number of threads for inter-op parallelism; as in PyTorch, only once. microtensor runs ops one
    after another, so the value is recorded only."""
    n = _positive_int("set_num_interop_threads", int)
    if _InterOp.set_once:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has started or "
                           "set_num_interop_threads called")
    _InterOp.threads, _InterOp.set_once = n, True


def get_num_interop_threads() -> int:
    """The number of inter-op threads (the CPU count unless set)."""
    return _InterOp.threads

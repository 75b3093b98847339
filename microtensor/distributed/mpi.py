"""The MPI runtime under ``microtensor.distributed``: mpi4py, imported only when a process group is used."""
from __future__ import annotations

import importlib.util
from typing import Any

EXTRA_HINT = ('microtensor.distributed needs mpi4py and an MPI library: install the extra with '
              'pip install "microtensor[distributed]" (in a checkout: pip install -e ".[distributed]"), '
              'which brings mpi4py and the mpich wheel')


def mpi_available() -> bool:
    """Whether mpi4py can be imported (without importing it, which would start MPI)."""
    return importlib.util.find_spec("mpi4py") is not None


def load_mpi() -> Any:
    """The ``mpi4py.MPI`` module (importing it initializes MPI); ImportError naming the extra when absent."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError(f"{EXTRA_HINT} ({e})") from e
    return MPI

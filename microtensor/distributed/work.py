"""Work (the handle of an ``async_op=True`` operation) and the NumPy buffers that MPI reads and writes:
a tensor's own array wherever it is contiguous, so that data moves without copies."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.distributed.mpi import load_mpi
from microtensor.tensor import Tensor


class Work:
    """A launched, non-blocking operation: ``wait()`` blocks until it is done (and the tensors hold the
    result), ``is_completed()`` asks without blocking."""

    def __init__(self, requests: list[Any], finish: Callable[[], None] | None = None) -> None:
        self._requests = requests
        self._finish = finish
        self._done = False

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            self._finish()
            self._finish = None

    def wait(self, timeout: Any = None) -> bool:
        """Block until the operation is done; with ``timeout`` (a ``datetime.timedelta`` or seconds),
        RuntimeError once it has passed. Returns True."""
        if self._done:
            return True
        mpi = load_mpi()
        if timeout is None:
            mpi.Request.Waitall(self._requests)
        else:
            seconds = timeout.total_seconds() if hasattr(timeout, "total_seconds") else float(timeout)
            deadline = time.monotonic() + seconds
            while not mpi.Request.Testall(self._requests):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Work.wait: the operation did not complete within {seconds} seconds")
                time.sleep(1e-4)
        self._complete()
        return True

    def is_completed(self) -> bool:
        """Whether the operation is done (completing it if MPI has finished it)."""
        if not self._done and load_mpi().Request.Testall(self._requests):
            self._complete()
        return self._done

    def is_success(self) -> bool:
        """Whether the operation completed (MPI reports failures by aborting the job)."""
        return self.is_completed()

    def exception(self) -> None:
        """The operation's exception: always None (MPI aborts the job on failure)."""
        return None


def launch(requests: list[Any], finish: Callable[[], None] | None, async_op: bool) -> Work | None:
    """A Work for ``async_op``, else wait for the requests here and return None."""
    work = Work(requests, finish)
    if async_op:
        return work
    work.wait()
    return None


def check_tensor(t: Any, caller: str, name: str = "tensor") -> Tensor:
    """``t``, when it is a Tensor; TypeError naming ``caller`` otherwise."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{caller}: Invalid function argument. Expected parameter `{name}` of type "
                        f"microtensor.Tensor but got {type(t).__name__} instead.")
    return t


def check_tensor_list(ts: Any, caller: str, name: str) -> list[Tensor]:
    """``ts`` as a list of Tensors; TypeError naming ``caller`` otherwise."""
    if not isinstance(ts, (list, tuple)) or not all(isinstance(t, Tensor) for t in ts):
        raise TypeError(f"{caller}: Invalid function argument. Expected parameter `{name}` of type "
                        f"List[microtensor.Tensor] but got {type(ts).__name__} instead.")
    return list(ts)


def check_count(ts: list[Tensor], size: int, caller: str, name: str) -> None:
    """ValueError unless ``ts`` holds one tensor per rank of the group."""
    if len(ts) != size:
        raise ValueError(f"{caller}: `{name}` must hold one tensor per rank of the group ({size}), got {len(ts)}")


def check_shapes(ts: list[Tensor], like: Tensor, caller: str, name: str) -> None:
    """ValueError unless every tensor of ``ts`` has ``like``'s shape and dtype."""
    for i, t in enumerate(ts):
        if t.shape != like.shape or t.dtype != like.dtype:
            raise ValueError(f"{caller}: {name}[{i}] has shape {tuple(t.shape)} and dtype {t.dtype}, but the "
                             f"tensor has shape {tuple(like.shape)} and dtype {like.dtype}; they must match")


def readable(t: Tensor) -> np.ndarray:
    """``t``'s values as a C-contiguous array: its own array when it is one, else a copy."""
    return np.ascontiguousarray(t._data)


def writable(t: Tensor) -> tuple[np.ndarray, Callable[[], None] | None]:
    """An array MPI may write ``t``'s result into: ``t``'s own when contiguous (no copy-back), else a
    contiguous copy and the step that writes it back into ``t``."""
    data = t._data
    if data.flags.c_contiguous and data.flags.writeable:
        return data, None
    scratch = np.ascontiguousarray(data)

    def write_back() -> None:
        data[...] = scratch
    return scratch, write_back


def raw(a: np.ndarray) -> np.ndarray:
    """The bytes of contiguous ``a`` (a view): what the moving collectives send, for any dtype."""
    return a.reshape(-1).view(np.uint8)


def then(*steps: Callable[[], None] | None) -> Callable[[], None] | None:
    """One callable that runs the given steps in order (None when there are none)."""
    todo = [s for s in steps if s is not None]
    if not todo:
        return None

    def run() -> None:
        for step in todo:
            step()
    return run

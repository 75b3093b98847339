"""The worker side of multi-process data loading: the loop each DataLoader worker process runs, its seeding,
and ``get_worker_info()``, as in ``torch.utils.data._utils.worker``."""
from __future__ import annotations

import os
import queue
import random
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

from microtensor.random import manual_seed
from microtensor.utils.data.dataset import Dataset, IterableDataset
from microtensor.utils.data.fetch import make_fetcher

POLL_SECONDS = 1.0      # how often a blocked worker checks its parent, and the main process its workers


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a DataLoader worker process.

    Attributes:
        id: this worker's id, ``0 .. num_workers - 1``.
        num_workers: how many workers the DataLoader runs.
        seed: the seed this worker's generators were set from (``base_seed + id``).
        dataset: this process's copy of the dataset.
    """

    id: int
    num_workers: int
    seed: int
    dataset: Dataset


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Information about the DataLoader worker process this code runs in (``id``, ``num_workers``, ``seed``,
    ``dataset``), or None in the main process, as ``torch.utils.data.get_worker_info``.

    An IterableDataset's ``__iter__`` or a ``worker_init_fn`` uses it to give each worker its own shard of the
    data (every worker iterates its own copy of the dataset) or to seed other libraries from ``seed``.
    """
    return _worker_info


@dataclass(frozen=True)
class IterableEnd:
    """Sent by a worker whose copy of an IterableDataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class ResumeIteration:
    """Sent to persistent workers at the start of a new epoch: restart the stream, then acknowledge."""


class WorkerError:
    """An exception raised in a worker, carried to the main process and raised there again with the
    worker's traceback in its message (PyTorch's ``ExceptionWrapper``)."""

    def __init__(self, worker_id: int) -> None:
        exc_type, _, _ = sys.exc_info()
        self.exc_type: type[BaseException] = exc_type or RuntimeError
        self.message = (f"Caught {self.exc_type.__name__} in DataLoader worker process {worker_id}.\n"
                        f"Original {traceback.format_exc()}")

    def reraise(self) -> NoReturn:
        """Raise the worker's exception type with the worker's traceback as its message (RuntimeError when
        the type cannot be built from one string)."""
        try:
            error = self.exc_type(self.message)
        except Exception:
            raise RuntimeError(self.message) from None
        raise error


def seed_worker(base_seed: int, worker_id: int) -> int:
    """Seed this worker's random number generators as PyTorch does: microtensor's default generator and
    Python's ``random`` with ``base_seed + worker_id``, NumPy's global generator with a state mixed from
    both (so no two workers repeat each other's NumPy draws). Returns the seed."""
    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(np.random.SeedSequence([worker_id, base_seed]).generate_state(4))
    return seed


def worker_loop(dataset: Dataset, index_queue: Any, result_queue: Any, done_event: Any, auto_collation: bool,
                collate_fn: Callable[[Any], Any], drop_last: bool, base_seed: int,
                init_fn: Callable[[int], None] | None, worker_id: int, num_workers: int) -> None:
    """The body of one worker process: fetch what ``index_queue`` asks for, put ``(task, item)`` on
    ``result_queue``, until it receives None or the parent process is gone.

    Sets up ``get_worker_info()`` and seeds, then calls ``init_fn(worker_id)``; an exception there is
    returned as the result of the first task. An exhausted stream answers ``IterableEnd``; a
    ``ResumeIteration`` restarts the stream (persistent workers)."""
    global _worker_info
    parent = os.getppid()
    try:
        seed = seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_error: WorkerError | None = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = WorkerError(worker_id)
        ended = False
        while os.getppid() == parent:
            try:
                task = index_queue.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            if isinstance(task, ResumeIteration):
                result_queue.put((task, None))
                ended = False
                fetcher = make_fetcher(dataset, auto_collation, collate_fn, drop_last)
                continue
            if task is None:
                break
            if done_event.is_set() or ended:
                continue
            idx, index = task
            data: Any
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if not isinstance(dataset, IterableDataset):
                        data = WorkerError(worker_id)
                    else:
                        data, ended = IterableEnd(worker_id), True
                except Exception:
                    data = WorkerError(worker_id)
            result_queue.put((idx, data))
    except KeyboardInterrupt:
        pass
    if done_event.is_set():        # nobody reads the results any more: do not block exiting on a full pipe
        result_queue.cancel_join_thread()
        result_queue.close()

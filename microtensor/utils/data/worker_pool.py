"""The main-process side of multi-process data loading (``num_workers > 0``): start the worker processes,
hand them tasks round-robin with ``prefetch_factor`` tasks in flight per worker, give the results back in
order, notice dead or silent workers, and shut the workers down, as PyTorch's
``_MultiProcessingDataLoaderIter`` does."""
from __future__ import annotations

import atexit
import itertools
import multiprocessing
import queue
from typing import TYPE_CHECKING, Any

from microtensor.random import Generator, numpy_generator
from microtensor.utils.data.loader_iter import LoaderIter
from microtensor.utils.data.worker import POLL_SECONDS, IterableEnd, ResumeIteration, WorkerError, worker_loop

if TYPE_CHECKING:
    from microtensor.utils.data.dataloader import DataLoader

_exiting = False     # at interpreter exit multiprocessing itself ends the (daemonic) workers


def _mark_exiting() -> None:
    global _exiting
    _exiting = True


atexit.register(_mark_exiting)


def worker_base_seed(generator: Generator | None) -> int:
    """The seed an epoch's workers start from (worker i seeds itself with ``base_seed + i``), below 2**63.

    PyTorch draws it from the loader's generator; here it comes from a child of the generator's seed
    sequence instead, which is as reproducible (the same seed, the same base seeds) and new each epoch, but
    leaves the generator's stream where it was: loading with workers shuffles exactly as loading without."""
    return int(numpy_generator(generator).spawn(1)[0].integers(2**63))


class MultiProcessLoaderIter(LoaderIter):
    """Loads items in ``num_workers`` worker processes. Each worker gets a copy of the dataset (by fork, or
    pickled under the spawn and forkserver start methods), seeds itself, sets up ``get_worker_info()`` and
    calls ``worker_init_fn(worker_id)`` before its first task. With ``persistent_workers`` the same
    processes serve every epoch; otherwise they exit when the epoch ends or the iterator is dropped."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self.prefetch_factor: int = loader.prefetch_factor or 2
        self.in_order = loader.in_order
        self.timeout = loader.timeout
        self.persistent = loader.persistent_workers
        self.base_seed = worker_base_seed(loader.generator)
        self.shut_down = False
        # Any: typeshed gives BaseContext no Process, which every concrete context has
        context: Any = loader.multiprocessing_context or multiprocessing.get_context()
        self.result_queue = context.Queue()
        self.done_event = context.Event()
        self.index_queues: list[Any] = []
        self.workers: list[Any] = []
        try:
            for worker_id in range(self.num_workers):
                index_queue = context.Queue()
                index_queue.cancel_join_thread()
                worker = context.Process(
                    target=worker_loop, daemon=True,
                    args=(self.dataset, index_queue, self.result_queue, self.done_event, self.auto_collation,
                          self.collate_fn, self.drop_last, self.base_seed, loader.worker_init_fn, worker_id,
                          self.num_workers))
                worker.start()
                self.index_queues.append(index_queue)
                self.workers.append(worker)
        except BaseException:
            self.shutdown()
            raise
        self.start_epoch(first=True)

    def reset(self, loader: DataLoader) -> None:
        super().reset(loader)
        if hasattr(self, "workers"):       # persistent workers: a new epoch on the running processes
            self.start_epoch(first=False)

    def start_epoch(self, first: bool) -> None:
        """Clear the task bookkeeping, restart the workers' streams (after the first epoch) and send the
        first ``prefetch_factor * num_workers`` tasks."""
        self.send_idx = 0                              # the next task to send
        self.rcvd_idx = 0                              # the next task to return
        self.task_info: dict[int, tuple] = {}          # task -> (worker,) while out, (worker, data) once back
        self.tasks_outstanding = 0
        self.worker_active = [True] * self.num_workers
        self.worker_cycle = itertools.cycle(range(self.num_workers))
        if not first:
            for index_queue in self.index_queues:
                index_queue.put(ResumeIteration())
            acknowledged = 0
            while acknowledged < self.num_workers:
                task, _ = self.get_result()
                acknowledged += isinstance(task, ResumeIteration)
        for _ in range(self.prefetch_factor * self.num_workers):
            self.try_put_index()

    def try_put_index(self) -> None:
        """Send the sampler's next index to the next active worker, if there is one of each."""
        try:
            index = next(self.sampler_iter)
        except StopIteration:
            return
        for _ in range(self.num_workers):
            worker_id = next(self.worker_cycle)
            if self.worker_active[worker_id]:
                break
        else:
            return
        self.index_queues[worker_id].put((self.send_idx, index))
        self.task_info[self.send_idx] = (worker_id,)
        self.tasks_outstanding += 1
        self.send_idx += 1

    def try_get_result(self, timeout: float) -> tuple[bool, Any]:
        """(True, result) or, after ``timeout`` seconds with no result, (False, None); RuntimeError if a
        worker died."""
        try:
            return True, self.result_queue.get(timeout=timeout)
        except queue.Empty:
            dead = [w for i, w in enumerate(self.workers) if self.worker_active[i] and not w.is_alive()]
            if dead:
                for i, w in enumerate(self.workers):
                    if w in dead:
                        self.worker_active[i] = False
                pids = ", ".join(str(w.pid) for w in dead)
                raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from None
            return False, None

    def get_result(self) -> Any:
        """The next ``(task, data)`` any worker sends; RuntimeError after ``timeout`` seconds (when > 0)."""
        if self.timeout > 0:
            got, result = self.try_get_result(self.timeout)
            if not got:
                raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds")
            return result
        while True:
            got, result = self.try_get_result(POLL_SECONDS)
            if got:
                return result

    def next_data(self) -> Any:
        while True:
            # skip the tasks of workers whose stream has ended (they will send nothing for them)
            while self.rcvd_idx < self.send_idx:
                info = self.task_info.get(self.rcvd_idx)
                if info is not None and (len(info) == 2 or self.worker_active[info[0]]):
                    break
                self.task_info.pop(self.rcvd_idx, None)
                self.rcvd_idx += 1
            else:
                if not self.persistent:
                    self.shutdown()
                raise StopIteration
            if len(self.task_info[self.rcvd_idx]) == 2:             # arrived earlier, out of order
                _, data = self.task_info.pop(self.rcvd_idx)
                self.rcvd_idx += 1
                return self.process(data)
            idx, data = self.get_result()
            self.tasks_outstanding -= 1
            if isinstance(data, IterableEnd):
                self.worker_active[data.worker_id] = False
                self.try_put_index()
                continue
            if idx == self.rcvd_idx or not self.in_order:     # the skip loop above steps past popped tasks
                self.task_info.pop(idx)
                return self.process(data)
            self.task_info[idx] += (data,)

    def process(self, data: Any) -> Any:
        """Refill the pipeline, then hand ``data`` out (or raise the worker's exception)."""
        self.try_put_index()
        if isinstance(data, WorkerError):
            data.reraise()
        return data

    def shutdown(self) -> None:
        """Stop the workers: ask each to exit, wait a moment, terminate the ones still running."""
        if self.shut_down or _exiting:
            return
        self.shut_down = True
        try:
            self.done_event.set()
            for index_queue in self.index_queues:
                index_queue.put(None)
            for worker in self.workers:
                worker.join(timeout=POLL_SECONDS)
            for index_queue in self.index_queues:
                index_queue.close()
        finally:
            for worker in self.workers:
                if worker.is_alive():
                    worker.terminate()
                    worker.join(timeout=POLL_SECONDS)

    def __del__(self) -> None:
        if hasattr(self, "shut_down"):
            self.shutdown()

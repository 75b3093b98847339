"""DataLoader: iterate over a dataset or a stream in (shuffled) batches, in this process or in worker
processes, as torch.utils.data.DataLoader does."""
from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import warnings
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from microtensor.random import Generator
from microtensor.utils.data.collate import default_collate, default_convert
from microtensor.utils.data.dataset import Dataset, IterableDataset
from microtensor.utils.data.loader_iter import LoaderIter, SingleProcessLoaderIter
from microtensor.utils.data.sampler import (
    BatchSampler,
    InfiniteConstantSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
)
from microtensor.utils.data.worker_pool import MultiProcessLoaderIter

_FIXED_AFTER_INIT = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


T_co = TypeVar("T_co", covariant=True)


class DataLoader(Generic[T_co]):
    """Iterates over ``dataset`` in batches made by ``collate_fn`` from the samples a sampler picks, or, for
    an ``IterableDataset``, from the samples the stream yields.

    The three ways of sampling gradient descent are three settings:
    ``batch_size=len(dataset)`` is full-batch gradient descent (one step per epoch on every sample),
    ``batch_size=1, shuffle=True`` is stochastic gradient descent (one step per sample, in a random order),
    and ``batch_size=32, shuffle=True`` is mini-batch gradient descent.

    Everything is lazy: any sampler, finite or not, is consumed one batch at a time (an infinite sampler
    gives an endless loader, whose ``len()`` raises TypeError as in PyTorch). With ``num_workers > 0`` the
    items are loaded by that many worker processes, each with its own copy of the dataset, seeded with
    ``base_seed + worker_id`` and described by ``get_worker_info()``; results come back in the sampler's
    order. Batches of a ``TensorDataset`` (or a Subset of one) with the default collate are taken with one
    indexing op per tensor, not one per sample. microtensor has no accelerator, so ``pin_memory=True``
    warns, as PyTorch does without one, and changes nothing.

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``) or an ``IterableDataset``.
        batch_size: samples per batch; None yields single samples, uncollated (only NumPy arrays are
            turned into Tensors).
        shuffle: visit the samples in a fresh random order each epoch (map-style datasets only).
        sampler: the order of indices, any iterable of them (exclusive with ``shuffle``).
        batch_sampler: yields lists of indices, one per batch (exclusive with ``batch_size``, ``shuffle``,
            ``sampler`` and ``drop_last``).
        num_workers: worker processes loading the data; 0 loads in the calling process.
        collate_fn: merges a list of samples into a batch (``default_collate`` by default).
        pin_memory: accepted; there is no device memory to pin (warns on iteration).
        drop_last: drop the last, smaller batch when the samples do not fill it.
        timeout: seconds to wait for a batch from the workers before raising (0: wait as long as it takes).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker, after seeding and before
            loading.
        multiprocessing_context: the start method (``"fork"``, ``"spawn"``, ``"forkserver"``) or a context;
            the platform's default when None. Spawn and forkserver pickle the dataset and the functions.
        generator: the Generator the shuffling and the workers' ``base_seed`` draw from.
        prefetch_factor: tasks in flight per worker (2 when ``num_workers > 0``).
        persistent_workers: keep the worker processes (and their dataset copies) alive across epochs.
        pin_memory_device: deprecated in PyTorch; accepted, warns with ``pin_memory``.
        in_order: with workers, return batches in the sampler's order (False: as they arrive).

    Example::

        >>> loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True,
        ...                     generator=mt.Generator().manual_seed(0))
        >>> for xb, yb in loader:                              # xb: (32, *X.shape[1:])
        ...     ...
    """

    _initialized = False

    def __init__(self, dataset: Dataset[T_co], batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None, batch_sampler: Sampler | Iterable | None = None,
                 num_workers: int = 0, collate_fn: Callable[[Any], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: str | multiprocessing.context.BaseContext | None = None,
                 generator: Generator | None = None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("DataLoader: num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got timeout={timeout}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to "
                             "None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError(f"DataLoader: prefetch_factor option should be non-negative, got "
                             f"prefetch_factor={prefetch_factor}")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if isinstance(dataset, IterableDataset):
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value is not None and value is not False:
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, "
                                     f"but got {name}={value}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            if isinstance(dataset, IterableDataset):
                sampler = InfiniteConstantSampler()
            else:
                sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order
        self.generator = generator
        self.collate_fn = collate_fn or (default_convert if batch_sampler is None else default_collate)
        self.persistent_workers = persistent_workers
        self.reported_len: int | None = None     # what len() said of an IterableDataset, to warn past it
        self._iterator: LoaderIter | None = None
        self._initialized = True
        self.check_worker_number_rationality()

    @property
    def multiprocessing_context(self) -> multiprocessing.context.BaseContext | None:
        """The multiprocessing context the workers start in (None: the platform's default)."""
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context: str | multiprocessing.context.BaseContext | None) -> None:
        if context is not None:
            if self.num_workers == 0:
                raise ValueError(f"DataLoader: multiprocessing_context can only be used with multi-process "
                                 f"loading (num_workers > 0), but got num_workers={self.num_workers}")
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError(f"DataLoader: multiprocessing_context option should specify a valid start "
                                     f"method in {methods!r}, but got multiprocessing_context={context!r}")
                context = multiprocessing.get_context(context)
            if not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(f"DataLoader: multiprocessing_context option should be a valid context object or "
                                f"a string specifying the start method, but got multiprocessing_context={context}")
        self._multiprocessing_context = context

    def __setattr__(self, name: str, value: Any) -> None:
        if self._initialized and name in _FIXED_AFTER_INIT:
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(name, value)

    def __iter__(self) -> LoaderIter:
        if self._iterator is not None:                 # persistent workers: a new epoch on the same processes
            self._iterator.reset(self)
            return self._iterator
        # as PyTorch, once per new iterator
        if self.pin_memory and self.pin_memory_device:
            warnings.warn(f"pin_memory_device is deprecated, the current accelerator will be used as the device, "
                          f"ignore pin_memory_device='{self.pin_memory_device}'.", stacklevel=2)
        if self.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                          "memory won't be used.", stacklevel=2)
        if self.num_workers == 0:
            return SingleProcessLoaderIter(self)
        self.check_worker_number_rationality()
        iterator = MultiProcessLoaderIter(self)
        if self.persistent_workers:
            self._iterator = iterator
        return iterator

    def __len__(self) -> int:
        """Batches per epoch: the (batch) sampler's length; for an IterableDataset, ``len(dataset)`` divided
        by ``batch_size`` (rounded as ``drop_last`` says). TypeError when there is no length to know."""
        if isinstance(self.dataset, IterableDataset):
            length = self.reported_len = len(self.dataset)      # TypeError for an unsized stream
            if self.batch_size is None:
                return length
            return length // self.batch_size if self.drop_last else -(-length // self.batch_size)
        index_sampler = self.batch_sampler if self.batch_sampler is not None else self.sampler
        return len(index_sampler)  # type: ignore[arg-type]  # an endless sampler: TypeError, as in PyTorch

    def check_worker_number_rationality(self) -> None:
        """Warn, as PyTorch does, when ``num_workers`` exceeds the CPUs this process may run on."""
        if self.num_workers == 0:
            return
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        if cpus is None or self.num_workers > cpus:
            suggestion = (f"Our suggested max number of worker in current system is {cpus}, which is smaller than "
                          "what this DataLoader is going to create." if cpus is not None else
                          "DataLoader is not able to compute a suggested max number of worker in current system.")
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in total. {suggestion} "
                          "Please be aware that excessive worker creation might get DataLoader running slow or "
                          "even freeze, lower the worker number to avoid potential slowness/freeze if necessary.",
                          stacklevel=2)

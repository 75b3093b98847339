"""DataLoader: iterate over a dataset in (shuffled) batches, as torch.utils.data.DataLoader does."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from microtensor.random import Generator
from microtensor.utils.data.collate import default_collate, default_convert
from microtensor.utils.data.dataset import Dataset, batch_gatherer
from microtensor.utils.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler


class DataLoader:
    """Iterates over ``dataset`` in batches made by ``collate_fn`` from the samples a sampler picks.

    The three ways of sampling gradient descent are three settings:
    ``batch_size=len(dataset)`` is full-batch gradient descent (one step per epoch on every sample),
    ``batch_size=1, shuffle=True`` is stochastic gradient descent (one step per sample, in a random order),
    and ``batch_size=32, shuffle=True`` is mini-batch gradient descent.

    Loading runs in the calling process (``num_workers`` and ``pin_memory`` are accepted for PyTorch
    scripts and change nothing). Batches of a ``TensorDataset`` (or a Subset of one) with the default
    collate are taken with one indexing op per tensor, not one per sample.

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``).
        batch_size: samples per batch; None yields single samples, uncollated (only NumPy arrays are
            turned into Tensors).
        shuffle: visit the samples in a fresh random order each epoch.
        sampler: the order of indices (exclusive with ``shuffle``).
        batch_sampler: yields lists of indices, one per batch (exclusive with ``batch_size``, ``shuffle``,
            ``sampler`` and ``drop_last``).
        num_workers: accepted for compatibility; must be >= 0.
        collate_fn: merges a list of samples into a batch (``default_collate`` by default).
        pin_memory: accepted for compatibility.
        drop_last: drop the last, smaller batch when ``len(dataset)`` is not a multiple of ``batch_size``.
        generator: the Generator the shuffling draws from; seed it for a reproducible order.

    Example::

        >>> loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True,
        ...                     generator=mt.Generator().manual_seed(0))
        >>> for xb, yb in loader:                              # xb: (32, *X.shape[1:])
        ...     ...
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | None = None, batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, generator: Generator | None = None) -> None:
        if num_workers < 0:
            raise ValueError("DataLoader: num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
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
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.generator = generator
        self.collate_fn = collate_fn or (default_convert if batch_sampler is None else default_collate)
        self._gather = batch_gatherer(dataset) if self.collate_fn is default_collate else None

    def __iter__(self) -> Iterator[Any]:
        if self.batch_sampler is None:
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
            return
        for indices in self.batch_sampler:
            if self._gather is not None:
                yield self._gather(np.asarray(indices, dtype=np.int64))
            else:
                yield self.collate_fn([self.dataset[i] for i in indices])

    def __len__(self) -> int:
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

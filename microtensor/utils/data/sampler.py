"""Samplers: the order in which a DataLoader visits a dataset's indices, and how it groups them into batches."""
from __future__ import annotations

from collections.abc import Iterator, Sized
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np

from microtensor.random import Generator, numpy_generator

T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Yields dataset indices. A subclass defines ``__iter__`` (as in PyTorch) or ``order()``, one epoch's
    indices as an int64 array, which iteration and BatchSampler then slice instead of looping in Python.
    ``Sampler[int]`` yields indices, ``Sampler[list[int]]`` batches of them (as PyTorch's ``Sampler[T_co]``)."""

    if TYPE_CHECKING:
        # declared for type checkers only: a subclass may define neither (BatchSampler checks for order)
        def order(self) -> np.ndarray: ...
        def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[T_co]:
        return iter(self.order().tolist())


class SequentialSampler(Sampler[int]):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order.

    Args:
        data_source: the dataset (only its length is used).
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def order(self) -> np.ndarray:
        return np.arange(len(self.data_source), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """A fresh random permutation of the indices each epoch (or, with ``replacement``, ``num_samples`` indices
    drawn with replacement).

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement.
        num_samples: how many indices per epoch (``len(data_source)`` by default).
        generator: the Generator to draw from (the default generator when None); seed it for a
            reproducible order.
    """

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator: Generator | None = None) -> None:
        if num_samples is not None and (not isinstance(num_samples, int) or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def order(self) -> np.ndarray:
        rng, n = numpy_generator(self.generator), len(self.data_source)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples, dtype=np.int64)
        reps = -(-self.num_samples // n) if n else 0
        return np.concatenate([rng.permutation(n) for _ in range(reps)] or [np.empty(0, np.int64)]
                              )[:self.num_samples].astype(np.int64, copy=False)

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices in a fresh random order each epoch.

    Args:
        indices: the dataset indices to draw from.
        generator: the Generator to draw from (the default generator when None).
    """

    def __init__(self, indices: list[int], generator: Generator | None = None) -> None:
        self.indices = np.asarray(indices, dtype=np.int64)
        self.generator = generator

    def order(self) -> np.ndarray:
        return self.indices[numpy_generator(self.generator).permutation(len(self.indices))]

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler[list[int]]):
    """Groups another sampler's indices into lists of ``batch_size``.

    Args:
        sampler: the sampler (or any iterable of indices) to group.
        batch_size: the size of each batch.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
    """

    def __init__(self, sampler: Sampler[int] | list[int], batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise TypeError(f"BatchSampler: drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        order = self.sampler.order() if hasattr(self.sampler, "order") else np.fromiter(self.sampler, np.int64)
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            yield order[start:start + self.batch_size].tolist()

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

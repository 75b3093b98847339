"""Datasets: the map-style Dataset protocol, TensorDataset, Subset and random_split, as in torch.utils.data."""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from microtensor.random import Generator, numpy_generator
from microtensor.tensor import Tensor


class Dataset:
    """A map-style dataset: ``dataset[i]`` is the i-th sample and ``len(dataset)`` the number of samples.

    Subclasses define ``__getitem__`` and ``__len__``; ``a + b`` concatenates two datasets.
    """

    if TYPE_CHECKING:
        def __len__(self) -> int: ...      # declared for type checkers only: each subclass defines it

    def __getitem__(self, index: int) -> Any:
        raise TypeError(f"{type(self).__name__} is a Dataset without __getitem__; subclasses must define it")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the rows of the given tensors: ``dataset[i] == tuple(t[i] for t in tensors)``.

    Args:
        *tensors: tensors with the same size in dimension 0.

    Example::

        >>> ds = TensorDataset(mt.randn(100, 3), mt.randint(0, 2, (100,)))
        >>> x, y = ds[0]                                      # shapes (3,) and ()
    """

    def __init__(self, *tensors: Tensor) -> None:
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: argument {i} must be a Tensor, got {type(t).__name__}")
            if t.ndim == 0 or t.shape[0] != tensors[0].shape[0]:
                raise ValueError("TensorDataset: size mismatch between tensors: every tensor needs the same "
                                 f"size in dimension 0, got shapes {[tuple(t.shape) for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0] if self.tensors else 0


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Args:
        dataset: the whole dataset.
        indices: positions in ``dataset``.
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of several datasets one after another.

    Args:
        datasets: the datasets, in order.
    """

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            if -index > len(self):
                raise ValueError("ConcatDataset: absolute value of index should not exceed dataset length")
            index += len(self)
        which = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def _split_lengths(n: int, lengths: Sequence[int | float]) -> list[int]:
    """Whole lengths from ``lengths`` given as counts, or as fractions summing to 1 (PyTorch's rounding:
    floor each, then hand the remainder out one by one from the first subset)."""
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        if any(not 0 <= frac <= 1 for frac in lengths):
            raise ValueError(f"random_split: fractions must lie in [0, 1], got {list(lengths)}")
        counts = [math.floor(n * frac) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        return counts
    if any(not isinstance(x, (int, np.integer)) or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative ints or fractions summing to 1, "
                         f"got {list(lengths)}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}) does not equal the length of the "
                         f"input dataset ({n})")
    return [int(x) for x in lengths]


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping Subsets of the given lengths.

    Args:
        dataset: the dataset to split.
        lengths: the subsets' sizes, as ints summing to ``len(dataset)`` or as fractions summing to 1
            (``[0.8, 0.2]``; the remainder of the rounding goes to the first subsets, as in PyTorch).
        generator: the Generator drawing the permutation (the default generator when None).

    Returns:
        A list of ``Subset``, one per length.
    """
    counts = _split_lengths(len(dataset), lengths)
    order = numpy_generator(generator).permutation(sum(counts)).tolist()
    bounds = np.cumsum([0] + counts).tolist()
    return [Subset(dataset, order[a:b]) for a, b in itertools.pairwise(bounds)]


def batch_gatherer(dataset: Dataset) -> Callable[[np.ndarray], list[Tensor]] | None:
    """For a TensorDataset (or a Subset of one), a function from an index array to the default-collated
    batch of those samples, taken with one indexing op per tensor instead of a loop over samples;
    None for any other dataset."""
    if isinstance(dataset, TensorDataset):
        return lambda indices: [t[indices] for t in dataset.tensors]
    if isinstance(dataset, Subset) and (inner := batch_gatherer(dataset.dataset)) is not None:
        positions = np.asarray(dataset.indices, dtype=np.int64)
        return lambda indices: inner(positions[indices])
    return None

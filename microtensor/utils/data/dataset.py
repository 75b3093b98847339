"""Datasets: the map-style Dataset and the streaming IterableDataset protocols, TensorDataset, Subset,
ConcatDataset, ChainDataset and random_split, as in torch.utils.data."""
from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np

from microtensor.random import Generator, numpy_generator
from microtensor.tensor import Tensor

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map-style dataset: ``dataset[i]`` is the i-th sample and ``len(dataset)`` the number of samples.

    Subclasses define ``__getitem__`` and ``__len__``; ``a + b`` concatenates two datasets. Typed scripts
    may write ``Dataset[tuple[Tensor, Tensor]]``, as with PyTorch's generic Dataset.
    """

    if TYPE_CHECKING:
        def __len__(self) -> int: ...      # declared for type checkers only: each subclass defines it

    def __getitem__(self, index: int) -> Any:
        raise TypeError(f"{type(self).__name__} is a Dataset without __getitem__; subclasses must define it")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """A dataset that is a stream: subclasses define ``__iter__`` (and ``__len__`` only if they know it), and a
    DataLoader batches the samples as they come, without a sampler. ``a + b`` chains two streams.

    With ``num_workers > 0`` every worker process iterates its own copy of the dataset, so a dataset that
    does not shard itself is yielded once per worker, as in PyTorch; shard with ``get_worker_info()``.

    Example::

        >>> class Range(IterableDataset):
        ...     def __init__(self, start, end):
        ...         self.start, self.end = start, end
        ...     def __iter__(self):
        ...         info = get_worker_info()          # None in the main process
        ...         if info is None:
        ...             return iter(range(self.start, self.end))
        ...         per_worker = -(-(self.end - self.start) // info.num_workers)
        ...         lo = self.start + info.id * per_worker
        ...         return iter(range(lo, min(lo + per_worker, self.end)))
        >>> [b.tolist() for b in DataLoader(Range(3, 7), batch_size=2, num_workers=2)]
        [[3, 4], [5, 6]]
    """

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(f"{type(self).__name__} is an IterableDataset without __iter__; subclasses must define it")

    def __add__(self, other: Dataset) -> ChainDataset:      # type: ignore[override]  # a stream chains
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Several IterableDatasets one after another, chained as they are iterated.

    Args:
        datasets: the IterableDatasets, in order.
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def _streams(self) -> Iterator[IterableDataset]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError(f"ChainDataset only supports IterableDataset, got {type(d).__name__}")
            yield d

    def __iter__(self) -> Iterator[Any]:
        for d in self._streams():
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self._streams())     # TypeError for an unsized stream


class TensorDataset(Dataset[tuple[Tensor, ...]]):
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


class StackDataset(Dataset[Any]):
    """Datasets of equal length read side by side: ``StackDataset(a, b)[i] == (a[i], b[i])`` and
    ``StackDataset(x=a, y=b)[i] == {"x": a[i], "y": b[i]}``.

    Args:
        *args: datasets, for tuple samples.
        **kwargs: datasets by name, for dict samples (not both forms at once).
    """

    def __init__(self, *args: Dataset[Any], **kwargs: Dataset[Any]) -> None:
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                             "input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        parts: list[Any] = list(args) if args else list(kwargs.values())
        self._length = len(parts[0])
        if any(self._length != len(d) for d in parts):
            raise ValueError("Size mismatch between datasets")
        self.datasets: tuple[Dataset[Any], ...] | dict[str, Dataset[Any]] = args if args else kwargs

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list[int]) -> list[Any]:
        """The samples at ``indices``, fetching each dataset's part in one ``__getitems__`` call where it has one."""
        named = isinstance(self.datasets, dict)
        columns = {}
        for key, d in (self.datasets.items() if isinstance(self.datasets, dict) else enumerate(self.datasets)):
            getitems = getattr(d, "__getitems__", None)
            column = getitems(indices) if callable(getitems) else [d[i] for i in indices]
            if len(column) != len(indices):
                raise ValueError(f"Nested dataset's output size mismatch. Expected {len(indices)}, got "
                                 f"{len(column)}")
            columns[key] = column
        rows = range(len(indices))
        if named:
            return [{k: c[r] for k, c in columns.items()} for r in rows]
        return [tuple(c[r] for c in columns.values()) for r in rows]

    def __len__(self) -> int:
        return self._length


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``, in that order.

    Args:
        dataset: the whole dataset.
        indices: positions in ``dataset``.
    """

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset[T_co]):
    """The samples of several datasets one after another.

    Args:
        datasets: the datasets, in order.
    """

    def __init__(self, datasets: Iterable[Dataset[T_co]]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset (chain streams with "
                                     "ChainDataset)")
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
    floor each, then hand the remainder out one by one from the first subset; an empty split warns)."""
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"random_split: Fraction at index {i} is not between 0 and 1, got {frac}")
        counts = [math.floor(n * frac) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=3)
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

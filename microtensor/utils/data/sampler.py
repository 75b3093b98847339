"""Samplers: the order in which a DataLoader visits a dataset's indices, and how it groups them into batches.

Every sampler here is lazy, as PyTorch's are: indices are drawn as iteration asks for them, so
``RandomSampler(ds, replacement=True, num_samples=10**10)`` costs nothing until it is iterated and then
holds one chunk of indices at a time. The built-in samplers draw in NumPy chunks (``index_chunks()``),
which ``BatchSampler`` slices into batches without a Python loop per index; any other sampler (a
user's subclass with its own ``__iter__``, a generator, an infinite stream) is consumed one index at a
time, exactly as ``torch.utils.data.BatchSampler`` does.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import TYPE_CHECKING, Any, Generic, TypeGuard, TypeVar

import numpy as np

from microtensor.random import Generator, numpy_generator

T_co = TypeVar("T_co", covariant=True)

RANDOM_CHUNK = 32          # indices drawn per RNG call with replacement: PyTorch's RandomSampler draws 32 at a time
SEQUENTIAL_CHUNK = 1024    # indices per arange in SequentialSampler (no RNG stream to mirror: bigger is cheaper)


def spans(total: int, size: int) -> Iterator[int]:
    """The lengths of consecutive pieces of at most ``size`` that add up to ``total``, lazily."""
    full, rest = divmod(total, size)
    yield from itertools.repeat(size, full)
    if rest:
        yield rest


def epoch_rng(generator: Generator | None) -> np.random.Generator:
    """The NumPy generator one epoch of a sampler draws from: ``generator``'s own stream, or, when None, a
    private stream seeded by one draw from the default generator (as PyTorch's RandomSampler does), so that
    a lazily iterated sampler never interleaves its draws with the training loop's."""
    if generator is not None:
        return numpy_generator(generator)
    return np.random.default_rng(int(numpy_generator(None).integers(2**63)))


class Sampler(Generic[T_co]):
    """Yields dataset indices (``Sampler[int]``) or batches of them (``Sampler[list[int]]``), as PyTorch's
    ``Sampler[T_co]``. A subclass defines ``__iter__`` (and ``__len__`` when it knows its length; an
    infinite sampler has none) or, to be batched without a Python loop, ``index_chunks()``: a generator of
    int64 arrays that together make one epoch's indices."""

    if TYPE_CHECKING:
        # declared for type checkers only: a subclass defines __iter__ or index_chunks, and __len__ if finite
        def index_chunks(self) -> Iterator[np.ndarray]: ...
        def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[T_co]:
        for chunk in self.index_chunks():
            yield from chunk.tolist()


def chunked(sampler: Any) -> TypeGuard[Sampler]:
    """Whether ``sampler``'s iteration is its ``index_chunks()`` (not a ``__iter__`` of a subclass's own)."""
    return isinstance(sampler, Sampler) and type(sampler).__iter__ is Sampler.__iter__


class SequentialSampler(Sampler[int]):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order.

    Args:
        data_source: the dataset (only its length is used).
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def index_chunks(self) -> Iterator[np.ndarray]:
        start = 0
        for size in spans(len(self.data_source), SEQUENTIAL_CHUNK):
            yield np.arange(start, start + size, dtype=np.int64)
            start += size

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Random indices, drawn lazily as iteration asks for them.

    Without replacement, each epoch is a fresh permutation of ``range(len(data_source))``; when
    ``num_samples`` exceeds the dataset's length, whole permutations follow one another and the last is cut
    short (PyTorch's semantics). With replacement, ``num_samples`` indices are drawn uniformly, 32 per draw
    as PyTorch does, so ``num_samples=10**10`` costs nothing up front. The same seed gives a reproducible
    order, but not the order PyTorch gives (the generators differ).

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement.
        num_samples: how many indices per epoch (``len(data_source)`` by default).
        generator: the Generator to draw from; when None, each epoch draws a seed from the default generator
            (``mt.manual_seed`` makes it reproducible) and samples from a private stream.

    Example::

        >>> sampler = RandomSampler(range(10), replacement=True, num_samples=10**10)   # instant
        >>> batch = next(iter(BatchSampler(sampler, batch_size=4, drop_last=False)))   # 4 indices in 0..9
    """

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator: Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        """Indices per epoch: ``num_samples`` if given, else ``len(data_source)``."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def index_chunks(self) -> Iterator[np.ndarray]:
        n = len(self.data_source)
        if n == 0:
            raise ValueError(f"RandomSampler: cannot draw {self.num_samples} samples from an empty data_source")
        rng = epoch_rng(self.generator)
        if self.replacement:
            for size in spans(self.num_samples, RANDOM_CHUNK):
                yield rng.integers(0, n, size=size, dtype=np.int64)
        else:
            for size in spans(self.num_samples, n):
                yield rng.permutation(n)[:size]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices in a fresh random order each epoch, without replacement.

    Args:
        indices: the dataset indices to draw from (a sequence, array or 1-D tensor of ints).
        generator: the Generator to draw from (the default generator when None).
    """

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def index_chunks(self) -> Iterator[np.ndarray]:
        indices = np.asarray(self.indices, dtype=np.int64)
        yield indices[numpy_generator(self.generator).permutation(len(indices))]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """Indices ``0 .. len(weights) - 1`` drawn with probabilities proportional to ``weights``.

    With replacement (the default) the draws are lazy, 32 at a time, so ``num_samples`` may be huge; without
    replacement one epoch is drawn at once (each index at most once, so ``num_samples <= len(weights)``).

    Args:
        weights: non-negative weights, one per index (they need not sum to one).
        num_samples: how many indices per epoch.
        replacement: draw with replacement.
        generator: the Generator to draw from; when None, a private stream seeded from the default
            generator each epoch (see ``RandomSampler``).

    Example::

        >>> list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5))    # mostly 4s, e.g. [4, 4, 1, 4, 5]
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"WeightedRandomSampler: num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        weights_array = np.asarray(weights, dtype=np.float64)
        if weights_array.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1d sequence but given weights have "
                             f"shape {weights_array.shape}")
        self.weights = weights_array
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _check_weights(self) -> None:
        """PyTorch's multinomial checks, with its wording."""
        w = self.weights
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise RuntimeError("WeightedRandomSampler: probability tensor contains either `inf`, `nan` or "
                               f"element < 0, got weights {w.tolist()}")
        if not w.sum() > 0:
            raise RuntimeError("WeightedRandomSampler: invalid multinomial distribution (sum of probabilities "
                               "<= 0)")
        if not self.replacement and self.num_samples > len(w):
            raise RuntimeError(f"WeightedRandomSampler: cannot sample n_sample > prob_dist.size(-1) samples "
                               f"without replacement (num_samples={self.num_samples}, {len(w)} weights)")
        if not self.replacement and self.num_samples > np.count_nonzero(w):
            raise RuntimeError("WeightedRandomSampler: invalid multinomial distribution (with replacement=False, "
                               f"not enough non-negative category to sample): {np.count_nonzero(w)} non-zero "
                               f"weights for num_samples={self.num_samples}")

    def index_chunks(self) -> Iterator[np.ndarray]:
        self._check_weights()
        rng = epoch_rng(self.generator)
        if self.replacement:
            cdf = np.cumsum(self.weights)
            for size in spans(self.num_samples, RANDOM_CHUNK):
                # clip: a draw of exactly the total (rounding) must not step past the last index
                yield np.minimum(np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right"),
                                 len(cdf) - 1).astype(np.int64)
        else:
            # successive weighted draws without replacement = the smallest Exp(1)/w keys (zero weight: never)
            with np.errstate(divide="ignore"):
                keys = rng.exponential(size=len(self.weights)) / self.weights
            yield np.argsort(keys, kind="stable")[:self.num_samples].astype(np.int64)

    def __len__(self) -> int:
        return self.num_samples


def batches_of(chunks: Iterable[np.ndarray], batch_size: int, drop_last: bool) -> Iterator[list[int]]:
    """Regroup a stream of index arrays into lists of ``batch_size`` indices, lazily."""
    parts: list[np.ndarray] = []
    count = 0
    for chunk in chunks:
        parts.append(chunk)
        count += len(chunk)
        if count < batch_size:
            continue
        pending = np.concatenate(parts) if len(parts) > 1 else parts[0]
        full = count - count % batch_size
        for start in range(0, full, batch_size):
            yield pending[start:start + batch_size].tolist()
        parts, count = [pending[full:]], count - full
    if count and not drop_last:
        yield np.concatenate(parts).tolist()


class BatchSampler(Sampler[list[int]]):
    """Groups another sampler's indices into lists of ``batch_size``, lazily: an infinite sampler gives an
    infinite stream of batches (and ``len()`` then raises TypeError, as in PyTorch).

    Args:
        sampler: the sampler (or any iterable of indices) to group.
        batch_size: the size of each batch.
        drop_last: drop the last batch when it is smaller than ``batch_size``.

    Example::

        >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    """

    def __init__(self, sampler: Sampler | Iterable, batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        if chunked(self.sampler):
            yield from batches_of(self.sampler.index_chunks(), self.batch_size, self.drop_last)
            return
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)      # type: ignore[arg-type]   # TypeError for a sampler without a length
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class InfiniteConstantSampler(Sampler[None]):
    """``None`` forever: the sampler a DataLoader gives an IterableDataset, whose samples come from the
    stream itself (each ``None`` asks for one more sample)."""

    def __iter__(self) -> Iterator[None]:
        return itertools.repeat(None)

"""Fetchers: how one index (or one batch of indices) from the sampler becomes one item of a DataLoader, for
map-style datasets and for streams; the main process and every worker process fetch with the same code."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.utils.data.collate import default_collate
from microtensor.utils.data.dataset import Dataset, IterableDataset, batch_gatherer


class MapFetcher:
    """``dataset[index]`` through ``collate_fn``; with automatic batching, a list of indices gives the list
    of samples (``dataset.__getitems__`` when the dataset has one, as in PyTorch) through ``collate_fn``.
    A TensorDataset (or a Subset of one) with the default collate is gathered with one indexing op per
    tensor instead of a loop over samples."""

    def __init__(self, dataset: Dataset, auto_collation: bool, collate_fn: Callable[[Any], Any]) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.gather = batch_gatherer(dataset) if auto_collation and collate_fn is default_collate else None

    def fetch(self, index: Any) -> Any:
        """The item for ``index`` (one index, or a list of them with automatic batching)."""
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self.gather is not None:
            return self.gather(np.asarray(index, dtype=np.int64))
        getitems = getattr(self.dataset, "__getitems__", None)
        samples = getitems(index) if getitems else [self.dataset[i] for i in index]
        return self.collate_fn(samples)


class StreamFetcher:
    """The next sample of an IterableDataset through ``collate_fn``; with automatic batching, as many samples
    as the batch of ``None`` indices is long (fewer at the end of the stream, or StopIteration then with
    ``drop_last``). Raises StopIteration once the stream is exhausted."""

    def __init__(self, dataset: IterableDataset, auto_collation: bool, collate_fn: Callable[[Any], Any],
                 drop_last: bool) -> None:
        self.stream = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index: Any) -> Any:
        """The next item of the stream (``index`` only says how many samples a batch takes)."""
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.stream))
        samples = []
        for _ in index:
            try:
                samples.append(next(self.stream))
            except StopIteration:
                self.ended = True
                break
        if not samples or (self.drop_last and len(samples) < len(index)):
            raise StopIteration
        return self.collate_fn(samples)


def make_fetcher(dataset: Dataset, auto_collation: bool, collate_fn: Callable[[Any], Any],
                 drop_last: bool) -> MapFetcher | StreamFetcher:
    """The fetcher for ``dataset``'s kind: a StreamFetcher for an IterableDataset, else a MapFetcher."""
    if isinstance(dataset, IterableDataset):
        return StreamFetcher(dataset, auto_collation, collate_fn, drop_last)
    return MapFetcher(dataset, auto_collation, collate_fn)

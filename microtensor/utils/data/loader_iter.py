"""What ``iter(DataLoader)`` returns: the bookkeeping every DataLoader iterator shares, and the iterator
that loads in the calling process (``num_workers=0``)."""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from microtensor.utils.data.dataset import IterableDataset
from microtensor.utils.data.fetch import make_fetcher

if TYPE_CHECKING:
    from microtensor.utils.data.dataloader import DataLoader


class LoaderIter:
    """One pass over a DataLoader: pulls indices (or batches of them) from its sampler and turns each into
    an item. ``len()`` is the sampler's; an IterableDataset that yields more items than the ``len(loader)``
    it reported gets PyTorch's warning."""

    def __init__(self, loader: DataLoader) -> None:
        self.dataset = loader.dataset
        self.streaming = isinstance(loader.dataset, IterableDataset)
        self.auto_collation = loader.batch_sampler is not None
        self.index_sampler: Any = loader.batch_sampler if self.auto_collation else loader.sampler
        self.collate_fn = loader.collate_fn
        self.drop_last = loader.drop_last
        self.num_workers = loader.num_workers
        self.reset(loader)

    def reset(self, loader: DataLoader) -> None:
        """Start a new epoch: a fresh pass over the sampler."""
        self.sampler_iter = iter(self.index_sampler)
        self.num_yielded = 0
        self.reported_len = loader.reported_len

    if TYPE_CHECKING:
        def next_data(self) -> Any:
            """The next item; raises StopIteration at the end of the epoch (each subclass defines it)."""

    def __iter__(self) -> LoaderIter:
        return self

    def __next__(self) -> Any:
        data = self.next_data()
        self.num_yielded += 1
        if self.streaming and self.reported_len is not None and self.num_yielded > self.reported_len:
            hint = (" For multiprocessing data-loading, this could be caused by not properly configuring the "
                    "IterableDataset replica at each worker (shard it with get_worker_info())."
                    if self.num_workers > 0 else "")
            warnings.warn(f"Length of IterableDataset {self.dataset} was reported to be {self.reported_len} "
                          f"(when accessing len(dataloader)), but {self.num_yielded} samples have been "
                          f"fetched.{hint}", stacklevel=2)
        return data

    def __len__(self) -> int:
        return len(self.index_sampler)


class SingleProcessLoaderIter(LoaderIter):
    """Loads each item in the calling process, when it is asked for."""

    def __init__(self, loader: DataLoader) -> None:
        if loader.timeout != 0:
            raise AssertionError(f"DataLoader: timeout={loader.timeout} needs worker processes (num_workers > 0); "
                                 "loading in the main process cannot time out")
        super().__init__(loader)
        self.fetcher = make_fetcher(self.dataset, self.auto_collation, self.collate_fn, self.drop_last)

    def next_data(self) -> Any:
        return self.fetcher.fetch(next(self.sampler_iter))

"""DistributedSampler: each of ``num_replicas`` processes reads its own equal share of a dataset."""
from __future__ import annotations

import math
from collections.abc import Iterator, Sized

import numpy as np

from microtensor.distributed import get_rank, get_world_size, is_available
from microtensor.utils.data.sampler import Sampler


class DistributedSampler(Sampler[int]):
    """The indices of ``dataset`` that replica ``rank`` of ``num_replicas`` reads: every ``num_replicas``-th
    index of one (seeded, per-epoch) permutation, padded by repetition (or cut, with ``drop_last``) so that
    every replica gets as many.

    Args:
        dataset: a sized dataset.
        num_replicas: how many processes share the dataset.
        rank: this process's index in [0, num_replicas).
        shuffle: permute the indices each epoch (seeded by ``seed + epoch``, so every replica draws the same
            permutation); else keep them in order.
        seed: the permutation's base seed, the same on every replica.
        drop_last: drop the tail that does not divide evenly instead of padding with repeated indices.

    ``num_replicas`` and ``rank`` default to the world size and rank of ``microtensor.distributed``'s default
    process group (ValueError before ``init_process_group``). The permutation is NumPy's, so it differs from
    PyTorch's for the same seed (as every random stream here); the shards and padding are PyTorch's.
    Call ``set_epoch(epoch)`` before each epoch's iteration for a new permutation.
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            if not is_available():
                raise RuntimeError("Requires distributed package to be available")
            num_replicas = get_world_size() if num_replicas is None else num_replicas
            rank = get_rank() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(dataset) % self.num_replicas != 0:
            self.num_samples = math.ceil((len(dataset) - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(len(dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            indices = np.random.default_rng(self.seed + self.epoch).permutation(n).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            else:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Seed the next iteration's permutation with ``seed + epoch`` (the same on every replica)."""
        self.epoch = epoch

"""utils.data samplers: lazy drawing (10**10 samples cost nothing up front), infinite samplers, PyTorch's
semantics and errors, against torch.utils.data where the result is deterministic."""
import itertools
import tracemalloc

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor.utils.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)

HUGE = 10**10


def seeded(seed=0):
    return mt.Generator().manual_seed(seed)


def first(iterable, n):
    return list(itertools.islice(iterable, n))


def raised(fn):
    """The exception ``fn()`` raises (the test fails if it raises none)."""
    with pytest.raises(Exception) as info:
        fn()
    return info.value


def assert_same_error(ours, theirs):
    """Both calls raise the same exception type, and ours carries PyTorch's message."""
    mine, torchs = raised(ours), raised(theirs)
    assert type(mine) is type(torchs), (mine, torchs)
    assert str(torchs) in str(mine), (str(mine), str(torchs))


class Forever(Sampler):
    """An infinite sampler, as scripts write them: a generator ``__iter__`` and no ``__len__``."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        i = 0
        while True:
            yield i % self.n
            i += 1


class Reversed(SequentialSampler):
    """A subclass that overrides ``__iter__``: batching must follow it, not the parent's chunks."""

    def __iter__(self):
        return iter(range(len(self.data_source) - 1, -1, -1))


# ----------------------------------------------------------------------------- laziness
@pytest.mark.parametrize("make", [
    lambda ds: RandomSampler(ds, replacement=True, num_samples=HUGE),
    lambda ds: RandomSampler(ds, num_samples=HUGE),
    lambda ds: WeightedRandomSampler(np.ones(len(ds)), HUGE),
    lambda ds: SequentialSampler(range(HUGE)),
], ids=["random-replacement", "random-permutations", "weighted", "sequential"])
def test_huge_samplers_cost_nothing_up_front(make):
    """Building a 10**10-sample sampler and loader and taking a few batches allocates a few kB: nothing of
    size num_samples is ever made (an arange/permutation of 10**10 int64 would be 80 GB)."""
    ds = TensorDataset(mt.arange(1000.0))
    tracemalloc.start()
    try:
        sampler = make(ds)
        loader = DataLoader(ds, sampler=sampler, batch_size=64)
        batches = first(loader, 5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 512 * 1024, f"peak {peak} bytes"
    assert len(batches) == 5 and all(tuple(b[0].shape) == (64,) for b in batches)
    assert len(sampler) == HUGE and len(loader) == -(-HUGE // 64)


@requires_torch
@pytest.mark.parametrize("drop_last", [False, True])
def test_huge_loader_len_matches_torch(drop_last):
    ours = DataLoader(range(7), sampler=RandomSampler(range(7), replacement=True, num_samples=HUGE + 3),
                      batch_size=64, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(
        range(7), sampler=torch.utils.data.RandomSampler(range(7), replacement=True, num_samples=HUGE + 3),
        batch_size=64, drop_last=drop_last)
    assert len(ours) == len(theirs)


def test_random_sampler_without_replacement_repeats_whole_permutations():
    """num_samples > len(data_source) without replacement: permutation after permutation, the last cut short
    (PyTorch 2.x)."""
    drawn = list(RandomSampler(range(10), num_samples=25, generator=seeded()))
    assert len(drawn) == 25
    assert sorted(drawn[:10]) == sorted(drawn[10:20]) == list(range(10))
    assert len(set(drawn[20:])) == 5
    assert drawn[:10] != drawn[10:20]


def test_random_sampler_streams_and_seeds():
    with_replacement = RandomSampler(range(5), replacement=True, num_samples=1000, generator=seeded(3))
    drawn = list(with_replacement)
    assert set(drawn) == set(range(5)) and len(drawn) == 1000
    assert list(RandomSampler(range(5), replacement=True, num_samples=1000, generator=seeded(3))) == drawn
    assert list(with_replacement) != drawn                 # the generator moved on: a new epoch


def test_random_sampler_without_generator_draws_a_private_stream():
    """With generator=None each epoch takes one seed from the default generator (mt.manual_seed makes it
    reproducible) and then draws on its own, so training-loop draws in between do not change its order."""
    sampler = RandomSampler(range(100), replacement=True, num_samples=200)
    mt.manual_seed(0)
    quiet = list(sampler)
    mt.manual_seed(0)
    it = iter(sampler)
    busy = [next(it)]
    for i in it:
        mt.randn(3)                                        # e.g. dropout between batches
        busy.append(i)
    assert busy == quiet


def test_batch_sampler_follows_a_subclass_iter():
    assert list(BatchSampler(Reversed(range(5)), 2, False)) == [[4, 3], [2, 1], [0]]
    assert [b.tolist() for b in DataLoader(list(range(5)), sampler=Reversed(range(5)), batch_size=2)] == \
        [[4, 3], [2, 1], [0]]


@requires_torch
@pytest.mark.parametrize("n, batch_size, drop_last", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False),
                                                       (2, 5, True), (3000, 64, False), (3000, 64, True)])
def test_batch_sampler_matches_torch(n, batch_size, drop_last):
    for ours, theirs in [(SequentialSampler(range(n)), torch.utils.data.SequentialSampler(range(n))),
                         (list(range(n)), list(range(n))), (Reversed(range(n)), Reversed(range(n)))]:
        mine = BatchSampler(ours, batch_size, drop_last)
        torchs = torch.utils.data.BatchSampler(theirs, batch_size, drop_last)
        assert list(mine) == list(torchs) and len(mine) == len(torchs)


@requires_torch
def test_huge_sequential_batches_match_torch():
    ours = BatchSampler(SequentialSampler(range(10**12)), 5, True)
    theirs = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(10**12)), 5, True)
    assert first(ours, 300) == first(theirs, 300) and len(ours) == len(theirs)


# ----------------------------------------------------------------------------- infinite samplers
@requires_torch
def test_infinite_sampler_batches_and_has_no_len():
    ours = DataLoader(TensorDataset(mt.arange(7)), sampler=Forever(7), batch_size=3)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(7)), sampler=Forever(7),
                                         batch_size=3)
    assert [b[0].tolist() for b in first(ours, 10)] == [b[0].tolist() for b in first(theirs, 10)]
    assert_same_error(lambda: len(ours), lambda: len(theirs))
    endless_batches = DataLoader(range(4), batch_sampler=BatchSampler(Forever(4), 3, True))
    assert [b.tolist() for b in first(endless_batches, 3)] == [[0, 1, 2], [3, 0, 1], [2, 3, 0]]
    assert [b.tolist() for b in first(DataLoader(range(4), batch_sampler=iter(lambda: [1, 2], None)), 2)] == \
        [[1, 2], [1, 2]]


def test_batch_sampler_over_a_plain_generator():
    batches = BatchSampler((i * i for i in itertools.count()), 2, False)
    assert first(batches, 3) == [[0, 1], [4, 9], [16, 25]]
    with pytest.raises(TypeError, match="has no len"):
        len(batches)


# ----------------------------------------------------------------------------- other samplers
def test_weighted_sampler_draws_in_proportion():
    weights = [0.0, 1.0, 3.0, 6.0]
    drawn = np.array(list(WeightedRandomSampler(weights, 20000, generator=seeded(1))))
    freq = np.bincount(drawn, minlength=4) / len(drawn)
    np.testing.assert_allclose(freq, np.array(weights) / 10, atol=0.015)
    assert freq[0] == 0
    without = list(WeightedRandomSampler(mt.tensor(weights), 3, replacement=False, generator=seeded(1)))
    assert sorted(without) == [1, 2, 3]


@requires_torch
@pytest.mark.parametrize("args, kwargs", [
    (([1.0, 2.0], 0), {}), (([1.0, 2.0], 2.5), {}), (([1.0, 2.0], True), {}),
    (([1.0, 2.0], 2), {"replacement": 1}), (([[1.0, 2.0]], 2), {}),
])
def test_weighted_sampler_argument_errors_match_torch(args, kwargs):
    assert_same_error(lambda: WeightedRandomSampler(*args, **kwargs),
                      lambda: torch.utils.data.WeightedRandomSampler(*args, **kwargs))


@requires_torch
@pytest.mark.parametrize("weights, num_samples, replacement", [
    ([1.0, 2.0], 3, False), ([0.0, 0.0], 1, True), ([1.0, -1.0], 1, True), ([1.0, float("nan")], 1, True),
])
def test_weighted_sampler_draw_errors_match_torch(weights, num_samples, replacement):
    assert_same_error(lambda: list(WeightedRandomSampler(weights, num_samples, replacement)),
                      lambda: list(torch.utils.data.WeightedRandomSampler(weights, num_samples, replacement)))


@requires_torch
@pytest.mark.parametrize("kwargs", [{"replacement": "yes"}, {"num_samples": 0}, {"num_samples": 2.0},
                                    {"num_samples": -3}])
def test_random_sampler_errors_match_torch(kwargs):
    assert_same_error(lambda: RandomSampler(range(4), **kwargs),
                      lambda: torch.utils.data.RandomSampler(range(4), **kwargs))
    assert_same_error(lambda: RandomSampler([]), lambda: torch.utils.data.RandomSampler([]))


@requires_torch
@pytest.mark.parametrize("batch_size, drop_last", [(0, False), (True, False), (2.0, False), (2, 1)])
def test_batch_sampler_errors_match_torch(batch_size, drop_last):
    assert_same_error(lambda: BatchSampler(range(4), batch_size, drop_last),
                      lambda: torch.utils.data.BatchSampler(range(4), batch_size, drop_last))


def test_random_sampler_on_an_empty_dataset_names_the_problem():
    with pytest.raises(ValueError, match="cannot draw 5 samples from an empty data_source"):
        list(RandomSampler([], replacement=True, num_samples=5))


def test_subset_random_sampler_takes_tensors_and_generators():
    order = list(SubsetRandomSampler(mt.tensor([5, 9, 2, 7]), generator=seeded(4)))
    assert sorted(order) == [2, 5, 7, 9]
    assert list(SubsetRandomSampler([5, 9, 2, 7], generator=seeded(4))) == order
    assert len(SubsetRandomSampler(range(3))) == 3

"""utils.data DataLoader: IterableDataset streams, worker processes (worker_init_fn, get_worker_info,
sharding, seeds, persistence, errors, timeouts), and PyTorch's argument checks and warnings."""
import multiprocessing
import os
import time
import warnings

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor.utils.data import (
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    SequentialSampler,
    TensorDataset,
    get_worker_info,
    random_split,
)
from microtensor.utils.data.worker import WorkerInfo

TORCH_DATA = torch.utils.data if torch is not None else None


def stream_class(base):
    """A Range stream on either library's IterableDataset; it shards itself across workers with the
    library's get_worker_info when ``shard`` is set (the example of PyTorch's IterableDataset docs)."""

    class Range(base):
        def __init__(self, start, end, worker_info=None, sized=False):
            self.start, self.end, self.worker_info, self.sized = start, end, worker_info, sized

        def __iter__(self):
            info = self.worker_info() if self.worker_info else None
            if info is None:
                return iter(range(self.start, self.end))
            per_worker = -(-(self.end - self.start) // info.num_workers)
            lo = self.start + info.id * per_worker
            return iter(range(lo, min(lo + per_worker, self.end)))

        def __len__(self):
            if not self.sized:
                raise TypeError("an unsized stream")
            return self.end - self.start

    return Range


Range = stream_class(IterableDataset)
TorchRange = stream_class(TORCH_DATA.IterableDataset) if torch is not None else None


def as_lists(batches):
    return [b.tolist() if hasattr(b, "tolist") else b for b in batches]


def raised(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.value


def assert_same_error(ours, theirs):
    mine, torchs = raised(ours), raised(theirs)
    assert type(mine) is type(torchs), (mine, torchs)
    assert str(torchs) in str(mine), (str(mine), str(torchs))


def warning_messages(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught]


class Probe(Dataset):
    """Each sample tells which process and worker made it, and what worker_init_fn saw."""

    def __init__(self, n):
        self.n = n
        self.init_id = None

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = get_worker_info()
        return {"i": i, "pid": os.getpid(), "worker": -1 if info is None else info.id,
                "seed": -1 if info is None else info.seed, "init": -1 if self.init_id is None else self.init_id,
                "numpy": float(np.random.random())}


def remember_init(worker_id):
    """A worker_init_fn, as PyTorch documents them: configure this worker's copy of the dataset."""
    get_worker_info().dataset.init_id = worker_id


class Failing(Dataset):
    def __init__(self, how):
        self.how = how

    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 3:
            if self.how == "exit":
                os._exit(3)
            if self.how == "sleep":
                time.sleep(3)
            raise {"value": ValueError, "key": KeyError}[self.how](f"bad sample {i}")
        return i


# ----------------------------------------------------------------------------- IterableDataset
@requires_torch
@pytest.mark.parametrize("batch_size, drop_last", [(None, False), (1, False), (3, False), (3, True), (5, True),
                                                   (20, False), (20, True)])
def test_stream_batches_match_torch(batch_size, drop_last):
    ours = list(DataLoader(Range(0, 10), batch_size=batch_size, drop_last=drop_last))
    theirs = list(TORCH_DATA.DataLoader(TorchRange(0, 10), batch_size=batch_size, drop_last=drop_last))
    assert as_lists(ours) == as_lists(theirs)
    if batch_size is not None and ours:
        assert ours[0].dtype == mt.int64


@requires_torch
@pytest.mark.parametrize("batch_size, drop_last", [(None, False), (3, False), (3, True)])
def test_stream_len_matches_torch(batch_size, drop_last):
    ours = DataLoader(Range(0, 10, sized=True), batch_size=batch_size, drop_last=drop_last)
    theirs = TORCH_DATA.DataLoader(TorchRange(0, 10, sized=True), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert_same_error(lambda: len(DataLoader(Range(0, 10), batch_size=3)),
                      lambda: len(TORCH_DATA.DataLoader(TorchRange(0, 10), batch_size=3)))


@requires_torch
def test_stream_longer_than_its_len_warns_as_torch():
    """PyTorch records len(dataset) when len(loader) is asked and warns once more items than that come."""
    def run(library, stream):
        loader = library.DataLoader(stream, batch_size=None)
        assert len(loader) == 3
        loader.dataset.end = 5                                 # the stream grew after len() was asked
        return [m for m in warning_messages(lambda: list(loader)) if "Length of IterableDataset" in m]

    ours, theirs = run(mt.utils.data, Range(0, 3, sized=True)), run(TORCH_DATA, TorchRange(0, 3, sized=True))
    assert len(ours) == len(theirs) == 2                       # items 4 and 5
    assert "was reported to be 3 (when accessing len(dataloader)), but 4 samples have been fetched" in ours[0]


def test_stream_with_collate_fn_and_dict_samples():
    class Words(IterableDataset):
        def __iter__(self):
            yield from ({"w": w, "n": len(w)} for w in ["a", "bb", "ccc"])

    assert list(DataLoader(Words(), batch_size=2, collate_fn=lambda b: [s["w"] for s in b])) == [["a", "bb"], ["ccc"]]
    batches = list(DataLoader(Words(), batch_size=2))
    assert batches[0]["w"] == ["a", "bb"] and batches[0]["n"].tolist() == [1, 2]


@requires_torch
@pytest.mark.parametrize("option", [{"shuffle": True}, {"sampler": SequentialSampler(range(3))},
                                    {"batch_sampler": [[0, 1]]}])
def test_stream_rejects_sampling_options_as_torch(option):
    torch_option = {k: (TORCH_DATA.SequentialSampler(range(3)) if k == "sampler" else v) for k, v in option.items()}
    mine = raised(lambda: DataLoader(Range(0, 3), **option))
    torchs = raised(lambda: TORCH_DATA.DataLoader(TorchRange(0, 3), **torch_option))
    assert type(mine) is type(torchs) is ValueError
    name = next(iter(option))
    assert f"DataLoader with IterableDataset: expected unspecified {name} option, but got {name}=" in str(mine)
    assert list(DataLoader(Range(0, 3), shuffle=False)) == list(range(3))     # shuffle=False is allowed


def test_chain_and_concat_datasets():
    chained = Range(0, 3, sized=True) + Range(10, 12, sized=True)
    assert isinstance(chained, ChainDataset) and list(chained) == [0, 1, 2, 10, 11] and len(chained) == 5
    assert [b.tolist() for b in DataLoader(chained, batch_size=2)] == [[0, 1], [2, 10], [11]]
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(ChainDataset([Range(0, 2), TensorDataset(mt.zeros(2))]))
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        ConcatDataset([TensorDataset(mt.zeros(2)), Range(0, 2)])


@requires_torch
def test_random_split_zero_length_warns_and_bad_fraction_errors_as_torch():
    ours = warning_messages(lambda: random_split(range(3), [0.5, 0.5, 0.0]))
    theirs = warning_messages(lambda: TORCH_DATA.random_split(range(3), [0.5, 0.5, 0.0]))
    assert ours == theirs and "Length of split at index 2 is 0" in ours[0]
    mine = raised(lambda: random_split(range(3), [1.5, -0.5]))
    torchs = raised(lambda: TORCH_DATA.random_split(range(3), [1.5, -0.5]))
    assert type(mine) is type(torchs) and str(torchs) in str(mine)


# ----------------------------------------------------------------------------- worker processes
def test_get_worker_info_is_none_in_the_main_process():
    assert get_worker_info() is None
    samples = list(DataLoader(Probe(3), batch_size=None))
    assert {s["worker"] for s in samples} == {-1} and {s["pid"] for s in samples} == {os.getpid()}


def test_workers_call_worker_init_fn_with_each_id_and_seed_themselves():
    loader = DataLoader(Probe(12), batch_size=None, num_workers=2, worker_init_fn=remember_init,
                        generator=mt.Generator().manual_seed(0))
    samples = list(loader)
    assert [s["i"] for s in samples] == list(range(12))                       # the sampler's order
    assert {s["worker"] for s in samples} == {0, 1}
    assert all(s["init"] == s["worker"] for s in samples)                     # init_fn ran in that worker
    assert all(s["pid"] != os.getpid() for s in samples)
    assert len({s["pid"] for s in samples}) == 2
    seeds = {s["worker"]: s["seed"] for s in samples}
    assert seeds[1] == seeds[0] + 1                                           # base_seed + worker_id
    numpy_draws = [s["numpy"] for s in samples]
    assert len(set(numpy_draws)) == len(numpy_draws)                          # workers' NumPy streams differ
    again = list(DataLoader(Probe(12), batch_size=None, num_workers=2, generator=mt.Generator().manual_seed(0)))
    assert [s["seed"] for s in again] == [s["seed"] for s in samples]          # seeded by the loader's generator
    assert {s["seed"] for s in list(loader)}.isdisjoint(seeds.values())       # and new seeds each epoch


def test_workers_keep_the_order_and_shuffle_as_without_workers():
    ds = TensorDataset(mt.arange(50.0), mt.arange(50) % 7)

    def epoch(**kwargs):
        return [[t.tolist() for t in b] for b in DataLoader(ds, batch_size=6, **kwargs)]

    assert epoch(num_workers=2) == epoch()
    assert epoch(num_workers=2, drop_last=True) == epoch(drop_last=True)
    shuffled = epoch(shuffle=True, generator=mt.Generator().manual_seed(5))
    assert epoch(shuffle=True, num_workers=2, generator=mt.Generator().manual_seed(5)) == shuffled
    assert epoch(shuffle=True, num_workers=2, prefetch_factor=1, generator=mt.Generator().manual_seed(5)) == shuffled
    assert sorted(epoch(num_workers=2, in_order=False)) == sorted(epoch())


@requires_torch
@pytest.mark.parametrize("batch_size", [None, 1, 2, 3])
def test_stream_sharded_across_workers_matches_torch(batch_size):
    ours = list(DataLoader(Range(3, 10, get_worker_info), batch_size=batch_size, num_workers=2))
    theirs = list(TORCH_DATA.DataLoader(TorchRange(3, 10, TORCH_DATA.get_worker_info), batch_size=batch_size,
                                        num_workers=2))
    assert as_lists(ours) == as_lists(theirs)


@requires_torch
def test_unsharded_stream_is_yielded_once_per_worker_as_in_torch():
    ours = list(DataLoader(Range(0, 4), batch_size=2, num_workers=2, drop_last=True))
    theirs = list(TORCH_DATA.DataLoader(TorchRange(0, 4), batch_size=2, num_workers=2, drop_last=True))
    assert as_lists(ours) == as_lists(theirs) == [[0, 1], [0, 1], [2, 3], [2, 3]]


def test_persistent_workers_serve_every_epoch():
    loader = DataLoader(Probe(5), batch_size=2, num_workers=2, persistent_workers=True)
    epochs = [list(loader) for _ in range(3)]
    assert all([b["i"].tolist() for b in e] == [[0, 1], [2, 3], [4]] for e in epochs)
    assert len({pid for e in epochs for b in e for pid in b["pid"].tolist()}) == 2     # the same two processes
    half = iter(loader)
    next(half)                                                 # an epoch abandoned half-way ...
    assert [b["i"].tolist() for b in loader] == [[0, 1], [2, 3], [4]]                    # ... is dropped cleanly
    stream = DataLoader(Range(0, 5, get_worker_info), batch_size=2, num_workers=2, persistent_workers=True)
    assert as_lists(stream) == as_lists(stream) == [[0, 1], [3, 4], [2]]                  # streams restart
    fresh = DataLoader(Probe(4), batch_size=None, num_workers=2)
    assert {s["pid"] for s in fresh}.isdisjoint({s["pid"] for s in fresh})                # new ones each epoch


def test_dropping_the_iterator_stops_its_workers():
    it = iter(DataLoader(Probe(100), batch_size=2, num_workers=2))
    next(it)
    workers = list(it.workers)
    del it
    assert not any(w.is_alive() for w in workers)


@pytest.mark.parametrize("how, error, message", [
    ("value", ValueError, "Caught ValueError in DataLoader worker process 1.\nOriginal Traceback"),
    ("key", KeyError, "Caught KeyError in DataLoader worker process 1"),
])
def test_worker_exceptions_are_raised_in_the_main_process(how, error, message):
    with pytest.raises(error) as info:
        list(DataLoader(Failing(how), batch_size=None, num_workers=2))
    assert message in str(info.value) and "bad sample 3" in str(info.value)


def test_worker_init_fn_exceptions_reach_the_main_process():
    def broken(worker_id):
        raise OSError(f"no shard for worker {worker_id}")

    with pytest.raises(OSError, match="(?s)Caught OSError in DataLoader worker process 0.*no shard for worker 0"):
        list(DataLoader(Probe(4), num_workers=2, worker_init_fn=broken))


def test_a_dead_worker_is_reported():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        list(DataLoader(Failing("exit"), batch_size=None, num_workers=2))


def test_timeout_raises_when_a_worker_is_too_slow():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.3 seconds"):
        list(DataLoader(Failing("sleep"), batch_size=None, num_workers=1, timeout=0.3))


@pytest.mark.slow
def test_spawned_workers_get_a_pickled_dataset():
    ds = TensorDataset(mt.arange(10.0))
    loader = DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context="spawn")
    assert [b[0].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


# ----------------------------------------------------------------------------- arguments
@requires_torch
@pytest.mark.parametrize("kwargs", [
    {"num_workers": -1}, {"timeout": -1}, {"prefetch_factor": 2}, {"num_workers": 1, "prefetch_factor": -1},
    {"persistent_workers": True}, {"multiprocessing_context": "fork"},
    {"num_workers": 1, "multiprocessing_context": "no-such-method"}, {"num_workers": 1, "multiprocessing_context": 3},
    {"sampler": [0, 1], "shuffle": True}, {"batch_sampler": [[0]], "drop_last": True},
    {"batch_size": None, "drop_last": True},
])
def test_loader_argument_errors_match_torch(kwargs):
    assert_same_error(lambda: DataLoader(range(4), **kwargs), lambda: TORCH_DATA.DataLoader(range(4), **kwargs))


@requires_torch
def test_loader_attributes_are_fixed_after_init_as_in_torch():
    for name in ("batch_size", "sampler", "drop_last", "dataset", "batch_sampler", "persistent_workers"):
        ours, theirs = DataLoader(range(4)), TORCH_DATA.DataLoader(range(4))
        assert_same_error(lambda: setattr(ours, name, 1), lambda: setattr(theirs, name, 1))  # noqa: B023
    loader = DataLoader(range(4))
    loader.num_workers = 0                                      # the others may change
    assert list(loader) is not None


@requires_torch
def test_timeout_without_workers_fails_on_iteration_as_in_torch():
    ours, theirs = DataLoader(range(4), timeout=5), TORCH_DATA.DataLoader(range(4), timeout=5)
    assert type(raised(lambda: iter(ours))) is type(raised(lambda: iter(theirs))) is AssertionError


@requires_torch
def test_pin_memory_warns_as_torch_without_an_accelerator():
    ours = warning_messages(lambda: list(DataLoader(range(4), batch_size=2, pin_memory=True)))
    theirs = warning_messages(lambda: list(TORCH_DATA.DataLoader(range(4), batch_size=2, pin_memory=True)))
    assert ours == theirs and "no accelerator is found" in ours[0]
    with pytest.warns(UserWarning, match="device pinned memory won't be used"):
        batches = list(DataLoader(range(4), batch_size=2, pin_memory=True, num_workers=1))
    assert [b.tolist() for b in batches] == [[0, 1], [2, 3]]
    persistent = DataLoader(range(4), batch_size=2, pin_memory=True, num_workers=1, persistent_workers=True)
    two_epochs = warning_messages(lambda: [list(persistent) for _ in range(2)])
    assert len(two_epochs) == 1                                # once per iterator, as in PyTorch


@requires_torch
def test_too_many_workers_warn_as_torch():
    n = len(os.sched_getaffinity(0)) + 1
    ours = warning_messages(lambda: DataLoader(range(4), num_workers=n))
    theirs = warning_messages(lambda: TORCH_DATA.DataLoader(range(4), num_workers=n))
    assert ours == theirs and f"create {n} worker processes" in ours[0]


def test_worker_info_fields_and_multiprocessing_context_objects():
    info = WorkerInfo(id=1, num_workers=2, seed=7, dataset=Probe(1))
    assert (info.id, info.num_workers, info.seed) == (1, 2, 7)
    with pytest.raises(AttributeError):
        info.id = 0
    context = multiprocessing.get_context("fork")
    assert DataLoader(range(2), num_workers=1, multiprocessing_context=context).multiprocessing_context is context
    assert DataLoader(range(2), num_workers=1, multiprocessing_context="fork").multiprocessing_context is context


def test_typed_scripts_subscript_the_classes_as_in_torch():
    class Squares(Dataset[int]):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return i * i

    class Count(IterableDataset[int]):
        def __iter__(self):
            return iter(range(3))

    loader: DataLoader[int] = DataLoader(Squares(), batch_size=2)
    assert [b.tolist() for b in loader] == [[0, 1], [4]]
    assert [b.tolist() for b in DataLoader[int](Count(), batch_size=2)] == [[0, 1], [2]]

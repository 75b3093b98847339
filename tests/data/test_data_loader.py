"""utils.data: datasets, random_split, samplers, default_collate and DataLoader, against torch.utils.data."""
from collections import OrderedDict, namedtuple

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    default_convert,
    random_split,
)

Pair = namedtuple("Pair", "x y")


class DictDataset(Dataset):
    """A non-tensor dataset: per-sample fetching and collating of dicts of arrays, numbers and strings."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": np.full((2, 3), i, dtype=np.float32), "y": i, "w": 0.5 * i, "name": f"s{i}"}


def xy(n=10):
    return (mt.tensor(np.arange(3 * n, dtype=np.float32).reshape(n, 3)),
            mt.tensor(np.arange(n) % 3))


def to_np(obj):
    """Nested batches as NumPy, from either library, for comparing microtensor's with torch's."""
    if isinstance(obj, (list, tuple)):
        return [to_np(o) for o in obj]
    if isinstance(obj, dict):
        return {k: to_np(v) for k, v in obj.items()}
    if isinstance(obj, mt.Tensor):
        return obj.numpy()
    if torch is not None and isinstance(obj, torch.Tensor):
        return obj.numpy()
    return obj


def assert_same(a, b):
    a, b = to_np(a), to_np(b)
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, list):
        assert len(a) == len(b)
        for u, v in zip(a, b):
            assert_same(u, v)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


# ----------------------------------------------------------------------------- datasets
def test_tensor_dataset_items_and_errors():
    X, y = xy()
    ds = TensorDataset(X, y)
    assert len(ds) == 10
    x3, y3 = ds[3]
    np.testing.assert_array_equal(x3.numpy(), [9, 10, 11])
    assert y3.item() == 0 and y3.ndim == 0
    with pytest.raises(ValueError, match=r"TensorDataset: size mismatch.*\(10, 3\), \(9,\)"):
        TensorDataset(X, y[:9])
    with pytest.raises(TypeError, match="TensorDataset: argument 1 must be a Tensor, got ndarray"):
        TensorDataset(X, np.zeros(10))


def test_subset_concat_and_base_dataset():
    ds = TensorDataset(*xy())
    sub = Subset(ds, [7, 2])
    assert len(sub) == 2 and sub[0][1].item() == 7 % 3 and sub[1][0][0].item() == 6
    both = ds + sub
    assert isinstance(both, ConcatDataset) and len(both) == 12
    assert both[10][0][0].item() == 21 and both[-1][0][0].item() == 6 and both[9][0][0].item() == 27
    with pytest.raises(TypeError, match="Dataset without __getitem__"):
        Dataset()[0]


@pytest.mark.parametrize("lengths, sizes", [([3, 7], [3, 7]), ([0.3, 0.7], [3, 7]), ([0.25, 0.25, 0.5], [3, 2, 5]),
                                            ([1 / 3] * 3, [4, 3, 3])])
def test_random_split_lengths_partition_and_seed(lengths, sizes):
    ds = TensorDataset(*xy())
    parts = random_split(ds, lengths, generator=mt.Generator().manual_seed(0))
    assert [len(p) for p in parts] == sizes
    assert sorted(i for p in parts for i in p.indices) == list(range(10))
    again = random_split(ds, lengths, generator=mt.Generator().manual_seed(0))
    assert [p.indices for p in parts] == [p.indices for p in again]


@requires_torch
@pytest.mark.parametrize("lengths", [[0.3, 0.7], [0.25, 0.25, 0.5], [1 / 3] * 3, [0.1] * 10, [0.05, 0.95]])
def test_random_split_fraction_rounding_matches_torch(lengths):
    ours = random_split(TensorDataset(*xy(17)), lengths)
    theirs = torch.utils.data.random_split(range(17), lengths)
    assert [len(p) for p in ours] == [len(p) for p in theirs]


def test_random_split_errors():
    ds = TensorDataset(*xy())
    with pytest.raises(ValueError, match=r"sum of input lengths \(9\) does not equal the length of the input "
                                         r"dataset \(10\)"):
        random_split(ds, [4, 5])
    with pytest.raises(ValueError, match="non-negative ints or fractions"):
        random_split(ds, [0.5, 0.4])


# ----------------------------------------------------------------------------- collate
def test_default_collate_kinds():
    batch = default_collate([{"x": np.ones(2, np.float32), "y": 1, "w": 0.5, "s": "a", "b": True},
                             {"x": np.zeros(2, np.float32), "y": 2, "w": 1.5, "s": "b", "b": False}])
    assert batch["x"].dtype == mt.float32 and tuple(batch["x"].shape) == (2, 2)
    assert batch["y"].dtype == mt.int64 and batch["w"].dtype == mt.float64 and batch["b"].dtype == mt.bool
    assert batch["s"] == ["a", "b"]
    pairs = default_collate([Pair(mt.tensor([1.0]), 3), Pair(mt.tensor([2.0]), 4)])
    assert isinstance(pairs, Pair) and pairs.y.tolist() == [3, 4] and tuple(pairs.x.shape) == (2, 1)
    od = default_collate([OrderedDict(a=1), OrderedDict(a=2)])
    assert isinstance(od, OrderedDict) and od["a"].tolist() == [1, 2]
    assert default_collate([np.float32(1), np.float32(2)]).dtype == mt.float32


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain .*found object"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="numpy array of dtype <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])


@requires_torch
@pytest.mark.parametrize("samples", [
    [(np.arange(3, dtype=np.float32), 1), (np.ones(3, np.float32), 0)],
    [{"a": [1.0, 2.0], "b": (np.int32(4), "x")}, {"a": [3.0, 4.0], "b": (np.int32(5), "y")}],
    [[np.zeros((2, 2)), True], [np.ones((2, 2)), False]],
    [3.5, 2.0],
])
def test_default_collate_matches_torch(samples):
    ours = default_collate(samples)
    theirs = torch.utils.data.default_collate(samples)
    assert_same(ours, theirs)


@requires_torch
def test_default_convert_matches_torch():
    sample = {"x": np.arange(3), "t": (np.float64(2.0), "s"), "n": 4}
    assert_same(default_convert(sample), torch.utils.data.default_convert(sample))


# ----------------------------------------------------------------------------- samplers
def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    rs = RandomSampler(range(6), generator=mt.Generator().manual_seed(1))
    first, second = list(rs), list(rs)
    assert sorted(first) == sorted(second) == list(range(6)) and first != second
    assert list(RandomSampler(range(6), generator=mt.Generator().manual_seed(1))) == first
    assert len(list(RandomSampler(range(3), num_samples=7))) == 7
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=50))
    assert set(drawn) <= {0, 1, 2} and len(drawn) == 50
    assert sorted(SubsetRandomSampler([5, 9, 2])) == [2, 5, 9]
    assert list(BatchSampler(SequentialSampler(range(7)), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3 and len(BatchSampler(range(7), 3, True)) == 2
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler(range(3), num_samples=0)


# ----------------------------------------------------------------------------- DataLoader
@requires_torch
@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (3, False), (3, True), (4, True), (10, False),
                                                   (16, False), (16, True)])
def test_loader_matches_torch_unshuffled(batch_size, drop_last):
    X, y = xy()
    ours = DataLoader(TensorDataset(X, y), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(X.numpy()),
                                                                        torch.tensor(y.numpy())),
                                         batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    ours_batches, theirs_batches = list(ours), list(theirs)
    assert len(ours_batches) == len(theirs_batches)
    for a, b in zip(ours_batches, theirs_batches):
        assert_same(a, b)


@requires_torch
@pytest.mark.parametrize("batch_size", [None, 1, 3])
def test_loader_dict_samples_match_torch(batch_size):
    ours = list(DataLoader(DictDataset(5), batch_size=batch_size))
    theirs = list(torch.utils.data.DataLoader(DictDataset(5), batch_size=batch_size))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert_same(a, b)


@requires_torch
def test_loader_subset_and_collate_fn_match_torch():
    X, y = xy()
    ds_t = torch.utils.data.TensorDataset(torch.tensor(X.numpy()), torch.tensor(y.numpy()))
    ours = list(DataLoader(Subset(TensorDataset(X, y), [9, 0, 4, 4, 2]), batch_size=2))
    theirs = list(torch.utils.data.DataLoader(torch.utils.data.Subset(ds_t, [9, 0, 4, 4, 2]), batch_size=2))
    for a, b in zip(ours, theirs):
        assert_same(a, b)

    def sizes(batch):
        return len(batch)

    assert list(DataLoader(TensorDataset(X, y), batch_size=4, collate_fn=sizes)) == [4, 4, 2]


def test_loader_shuffle_is_seeded_and_covers_the_epoch():
    ds = TensorDataset(*xy(20))

    def epoch(loader):
        return np.concatenate([xb.numpy()[:, 0] for xb, _ in loader])

    a = DataLoader(ds, batch_size=6, shuffle=True, generator=mt.Generator().manual_seed(3))
    b = DataLoader(ds, batch_size=6, shuffle=True, generator=mt.Generator().manual_seed(3))
    e1, e2 = epoch(a), epoch(a)
    np.testing.assert_array_equal(e1, epoch(b))
    assert sorted(e1) == sorted(e2) == list(range(0, 60, 3))
    assert not np.array_equal(e1, e2)                     # a new order each epoch
    assert not np.array_equal(e1, np.arange(0, 60, 3))


def test_loader_keeps_rows_paired_when_shuffled():
    X, y = xy(30)
    for xb, yb in DataLoader(TensorDataset(X, y), batch_size=7, shuffle=True):
        np.testing.assert_array_equal((xb.numpy()[:, 0] // 3) % 3, yb.numpy())


@pytest.mark.parametrize("setting, batches, size", [
    ("full batch", 1, 12), ("stochastic", 12, 1), ("mini-batch", 3, 4)])
def test_three_sampling_schemes(setting, batches, size):
    """Full-batch, stochastic and mini-batch gradient descent are DataLoader settings: one epoch visits
    every sample once, in len(loader) steps of the given size."""
    ds = TensorDataset(*xy(12))
    kwargs = {"full batch": {"batch_size": len(ds)}, "stochastic": {"batch_size": 1, "shuffle": True},
              "mini-batch": {"batch_size": 4, "shuffle": True}}[setting]
    loader = DataLoader(ds, generator=mt.Generator().manual_seed(0), **kwargs)
    seen = [xb for xb, _ in loader]
    assert len(loader) == len(seen) == batches
    assert all(tuple(xb.shape) == (size, 3) for xb in seen)
    assert sorted(np.concatenate([xb.numpy()[:, 0] for xb in seen])) == list(range(0, 36, 3))

    w = mt.zeros(3, requires_grad=True)
    steps = 0
    for xb, yb in loader:                                   # one SGD epoch takes len(loader) steps
        loss = ((xb @ w - yb.float()) ** 2).mean()
        loss.backward()
        with mt.no_grad():
            w -= 1e-4 * w.grad
        w.grad = None
        steps += 1
    assert steps == batches


def test_loader_batch_size_none_and_batch_sampler():
    X, y = xy(4)
    singles = list(DataLoader(TensorDataset(X, y), batch_size=None))
    assert len(singles) == 4 and tuple(singles[1][0].shape) == (3,)
    loader = DataLoader(TensorDataset(X, y), batch_sampler=[[3, 0], [1]])
    assert [b[1].tolist() for b in loader] == [[0, 0], [1]] and len(loader) == 2


def test_loader_argument_errors():
    ds = TensorDataset(*xy())
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=SequentialSampler(ds), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="batch_size=None option disables auto-batching"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)

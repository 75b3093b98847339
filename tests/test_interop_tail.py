"""DLPack interchange, torch.utils.data.StackDataset, top-level index_put_ and the removed Tensor attributes
(volatile, reinforce), against PyTorch."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import microtensor as mt
from tests.helpers import requires_torch, torch


@requires_torch
def test_dlpack_shares_memory_both_ways() -> None:
    theirs = torch.arange(6.0).reshape(2, 3)
    ours = mt.from_dlpack(theirs)
    ours[0, 0] = 100.0
    assert theirs[0, 0].item() == 100.0 and tuple(ours.shape) == (2, 3) and ours.dtype == mt.float32
    x = mt.arange(4.0)
    shared = torch.from_dlpack(x)
    shared[1] = 9.0
    assert x.tolist() == [0.0, 9.0, 2.0, 3.0]
    assert torch.from_dlpack(mt.to_dlpack(x)).tolist() == [0.0, 9.0, 2.0, 3.0]
    capsule_import = mt.from_dlpack(torch.utils.dlpack.to_dlpack(theirs))
    np.testing.assert_array_equal(capsule_import.numpy(), theirs.numpy())
    with pytest.raises(RuntimeError, match="Can't export tensors that require gradient, use tensor.detach\\(\\)"):
        torch.from_dlpack(mt.ones(2, requires_grad=True))


def test_dlpack_with_numpy() -> None:
    a = np.arange(3.0)
    t = mt.from_dlpack(a)
    a[0] = 5.0
    assert t.tolist() == [5.0, 1.0, 2.0]
    assert np.from_dlpack(t).tolist() == [5.0, 1.0, 2.0]
    assert mt.from_dlpack(t) is t
    with pytest.raises(TypeError, match="to_dlpack\\(\\): argument 'tensor' \\(position 1\\) must be Tensor"):
        mt.to_dlpack(a)


def test_stack_dataset_tuples_dicts_and_batches() -> None:
    xs, ys = mt.utils.data.TensorDataset(mt.arange(5.0)), [10 * i for i in range(5)]
    stacked = mt.utils.data.StackDataset(xs, ys)
    assert len(stacked) == 5 and stacked[2][1] == 20 and stacked[2][0][0].item() == 2.0
    named = mt.utils.data.StackDataset(x=xs, y=ys)
    assert named[3]["y"] == 30 and named[3]["x"][0].item() == 3.0
    assert [s["y"] for s in named.__getitems__([0, 4])] == [0, 40]
    batch = next(iter(mt.utils.data.DataLoader(named, batch_size=2)))
    assert batch["y"].tolist() == [0, 10] and batch["x"][0].tolist() == [0.0, 1.0]
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        mt.utils.data.StackDataset(xs, [1, 2])
    with pytest.raises(ValueError, match="At least one dataset should be passed"):
        mt.utils.data.StackDataset()
    with pytest.raises(ValueError, match="but both types are given"):
        mt.utils.data.StackDataset(xs, y=ys)


@requires_torch
def test_top_level_index_put_matches_torch() -> None:
    ours, theirs = mt.zeros(3, 2), torch.zeros(3, 2)
    out = mt.index_put_(ours, (mt.tensor([0, 2]),), mt.tensor([1.0, 2.0]), accumulate=True)
    torch.index_put_(theirs, (torch.tensor([0, 2]),), torch.tensor([1.0, 2.0]), accumulate=True)
    assert out is ours
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_removed_tensor_attributes_say_so() -> None:
    t = mt.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="volatile was removed \\(Variable.volatile is always False\\)"):
        assert t.volatile is False
    with pytest.warns(UserWarning, match="volatile was removed and now has no effect"):
        t.volatile = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert t.volatile is False
    with pytest.raises(RuntimeError, match="reinforce\\(\\) was removed.\nUse torch.distributions instead."):
        t.reinforce(1.0)


@requires_torch
def test_module_load_matches_torch() -> None:
    for assign in (False, True):
        ours, theirs = mt.zeros(3), torch.zeros(3)
        out = ours.module_load(mt.tensor([1.0, 2.0, 3.0], requires_grad=True), assign=assign)
        expected = theirs.module_load(torch.tensor([1.0, 2.0, 3.0], requires_grad=True), assign=assign)
        assert out.tolist() == expected.tolist() and not out.requires_grad
        assert ours.tolist() == theirs.tolist()         # copied into self only without assign


@requires_torch
@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (2, 4, False), (12, 4, False)])
def test_distributed_sampler_shares_match_torch_without_shuffle(n, replicas, drop_last) -> None:
    data = list(range(n))
    for rank in range(replicas):
        ours = mt.utils.data.DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = torch.utils.data.DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_distributed_sampler_shuffles_one_permutation_per_epoch() -> None:
    data = list(range(11))
    shares = [list(mt.utils.data.DistributedSampler(data, 2, r, seed=5)) for r in range(2)]
    assert set(shares[0] + shares[1]) == set(data) and len(shares[0]) == len(shares[1]) == 6  # one index twice
    sampler = mt.utils.data.DistributedSampler(data, 2, 0, seed=5)
    sampler.set_epoch(1)
    assert list(sampler) != shares[0] and len(list(sampler)) == 6
    with pytest.raises(ValueError, match="Invalid rank 2, rank should be in the interval \\[0, 1\\]"):
        mt.utils.data.DistributedSampler(data, 2, 2)
    # without num_replicas and rank, the default process group's: none is initialized (PyTorch's errors)
    if mt.distributed.is_available():
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            mt.utils.data.DistributedSampler(data)
    else:
        with pytest.raises(RuntimeError, match="Requires distributed package to be available"):
            mt.utils.data.DistributedSampler(data)

"""max_unpool3d and MaxUnpool3d: PyTorch's values, gradients and reprs (indices from PyTorch's max_pool3d,
overlapping windows included), finite differences of first and second order, the round trip, and errors."""
import numpy as np
import pytest
from helpers import check_gradients, requires_torch, torch

import microtensor as mt
from microtensor.nn import functional as F

# (input shape, pooling kwargs, unpool output_size)
CASES = [
    ((2, 3, 4, 6, 4), {"kernel_size": 2}, None),
    ((2, 2, 5, 7, 5), {"kernel_size": 2}, (5, 7, 5)),
    ((1, 2, 5, 5, 7), {"kernel_size": 3, "stride": 2, "padding": 1}, None),
    ((2, 4, 6, 5), {"kernel_size": (2, 3, 1), "stride": (2, 3, 2)}, [4, 6, 5]),
    ((2, 4, 6, 5), {"kernel_size": (2, 3, 1), "stride": (2, 3, 2)}, (2, 2, 5, 6, 6)),
    ((1, 1, 4, 4, 4), {"kernel_size": 2, "stride": 1}, None),
]
IDS = [str(i) for i in range(len(CASES))]


def _distinct(shape, seed=0):
    return np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) / 7.0


@requires_torch
@pytest.mark.parametrize("shape, kwargs, output_size", CASES, ids=IDS)
def test_max_unpool3d_matches_torch(shape, kwargs, output_size):
    values, idx = torch.nn.functional.max_pool3d(torch.tensor(_distinct(shape)), return_indices=True, **kwargs)
    ours = mt.tensor(values.numpy(), requires_grad=True)
    theirs = values.clone().requires_grad_()
    out = F.max_unpool3d(ours, mt.tensor(idx.numpy()), output_size=output_size, **kwargs)
    expected = torch.nn.functional.max_unpool3d(theirs, idx, output_size=output_size, **kwargs)
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    w = np.random.default_rng(1).standard_normal(tuple(expected.shape))
    (out * mt.tensor(w)).sum().backward()
    (expected * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("batched", [True, False])
def test_max_unpool3d_gradcheck_and_round_trip(batched):
    x = mt.tensor(_distinct((2, 2, 4, 6, 4) if batched else (2, 4, 6, 4)))
    # adaptive windows of divisible sizes are max_pool3d(kernel_size=2)'s windows
    values, idx = F.adaptive_max_pool3d(x, (2, 3, 2), return_indices=True)
    check_gradients(lambda t: F.max_unpool3d(t, idx, 2), values.numpy())
    out = F.max_unpool3d(values, idx, 2)
    assert out.shape == x.shape
    kept = out.numpy() != 0
    np.testing.assert_array_equal(out.numpy()[kept], x.numpy()[kept])
    assert kept.sum() == values.numel()


@requires_torch
@pytest.mark.parametrize("args, shape", [((2,), (2, 2, 4, 6, 4)), (((2, 1, 2), 1, (1, 0, 0)), (2, 2, 5, 5, 5)),
                                         ((3, 2, 1), (2, 5, 5, 5))])
def test_max_unpool3d_module_matches_torch(args, shape):
    ours, theirs = mt.nn.MaxUnpool3d(*args), torch.nn.MaxUnpool3d(*args)
    assert repr(ours) == repr(theirs)
    assert mt.nn.modules.pooling.MaxUnpool3d is mt.nn.MaxUnpool3d
    values, idx = torch.nn.functional.max_pool3d(torch.tensor(_distinct(shape)), *args,
                                                 return_indices=True)
    np.testing.assert_array_equal(ours(mt.tensor(values.numpy()), mt.tensor(idx.numpy())).numpy(),
                                  theirs(values, idx).numpy())


def test_max_unpool3d_of_an_empty_batch():
    x = mt.zeros(0, 3, 2, 3, 2, requires_grad=True)
    out = F.max_unpool3d(x, mt.zeros(0, 3, 2, 3, 2, dtype=mt.int64), 2)
    assert tuple(out.shape) == (0, 3, 4, 6, 4)
    out.sum().backward()
    assert tuple(x.grad.shape) == (0, 3, 2, 3, 2)


_IDX = mt.zeros(1, 1, 2, 2, 2, dtype=mt.int64)
ERRORS = [
    (lambda: F.max_unpool3d(mt.zeros(1, 2, 2), mt.zeros(1, 2, 2, dtype=mt.int64), 2), RuntimeError,
     r"max_unpool3d: expected a 4-D or 5-D input, got an input of shape \[1, 2, 2\]"),
    (lambda: F.max_unpool3d(mt.zeros(1, 1, 2, 2, 2), _IDX.int(), 2), RuntimeError,
     "max_unpool3d: elements in indices should be type int64, got int32"),
    (lambda: F.max_unpool1d(mt.zeros(1, 1, 2), mt.zeros(1, 1, 2), 2), RuntimeError,
     "max_unpool1d: elements in indices should be type int64, got float32"),
    (lambda: F.max_unpool3d(mt.zeros(1, 1, 2, 2, 2), _IDX + 64, 2), RuntimeError,
     r"Found an invalid max index: 64 \(output volumes are of size 4x4x4\)"),
    (lambda: F.max_unpool3d(mt.zeros(1, 1, 2, 2, 2), _IDX, 2, output_size=(9, 4, 4)), ValueError,
     r'invalid output_size "\(9, 4, 4\)" \(dim 0 must be between 2 and 6\)'),
    (lambda: F.max_unpool3d(mt.zeros(1, 1, 2, 2, 2), _IDX, 2, output_size=(4, 4)), ValueError,
     "output_size should be a sequence containing 3 or 5 elements, but it has a length of '2'"),
    (lambda: F.max_unpool3d(mt.zeros(1, 1, 2, 2, 2, dtype=mt.int64), _IDX, 2), RuntimeError,
     "max_unpool3d"),
]


@pytest.mark.parametrize("call, error, message", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_max_unpool3d_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()

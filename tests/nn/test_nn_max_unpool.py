"""max_unpool1d / max_unpool2d and their modules: PyTorch's values, gradients, reprs and errors, the round trip
with max pooling's indices, finite differences of first and second order."""
import numpy as np
import pytest
from helpers import check_gradients, requires_torch, torch

import microtensor as mt
from microtensor.nn import functional as F

TF = torch.nn.functional if torch is not None else None

# (k, input shape, pooling kwargs, unpool output_size)
CASES = [
    (2, (2, 3, 6, 8), {"kernel_size": 2}, None),
    (2, (2, 3, 6, 7), {"kernel_size": 2}, (6, 7)),
    (2, (1, 2, 7, 5), {"kernel_size": 3, "stride": 2, "padding": 1}, None),
    (2, (2, 5, 6), {"kernel_size": (2, 3), "stride": (2, 3)}, (5, 6)),
    (1, (2, 3, 9), {"kernel_size": 3}, None),
    (1, (3, 8), {"kernel_size": 2, "stride": 2, "padding": 1}, [9]),
]
IDS = [str(i) for i in range(len(CASES))]


def pooled(k, shape, kwargs, seed=0):
    """A max pooling's values and indices (NumPy), from distinct random values."""
    x = np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) / 7.0
    pool = F.max_pool2d if k == 2 else F.max_pool1d
    out, idx = pool(mt.tensor(x), return_indices=True, **kwargs)
    return out.numpy(), idx.numpy()


@requires_torch
@pytest.mark.parametrize("k, shape, kwargs, output_size", CASES, ids=IDS)
def test_matches_torch(k, shape, kwargs, output_size):
    values, idx = pooled(k, shape, kwargs)
    name = f"max_unpool{k}d"
    ours = mt.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    out = getattr(F, name)(ours, mt.tensor(idx), output_size=output_size, **kwargs)
    expected = getattr(TF, name)(theirs, torch.tensor(idx), output_size=output_size, **kwargs)
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    w = np.random.default_rng(1).standard_normal(tuple(expected.shape))
    (out * mt.tensor(w)).sum().backward()
    (expected * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("k, shape, kwargs, output_size", [c for c in CASES if "stride" not in c[2] or c[2]["stride"]
                                                         == c[2]["kernel_size"]])
def test_gradcheck(k, shape, kwargs, output_size):
    values, idx = pooled(k, shape, kwargs)
    fn = getattr(F, f"max_unpool{k}d")
    check_gradients(lambda t: fn(t, mt.tensor(idx), output_size=output_size, **kwargs), values)


@requires_torch
@pytest.mark.parametrize("k, args", [(1, (3,)), (1, (3, 2, 1)), (2, (2,)), (2, ((2, 3), (2, 1), 0))])
def test_modules_match_torch(k, args):
    ours, theirs = getattr(mt.nn, f"MaxUnpool{k}d")(*args), getattr(torch.nn, f"MaxUnpool{k}d")(*args)
    assert repr(ours) == repr(theirs)
    shape = (2, 3, 9) if k == 1 else (1, 2, 6, 8)
    pool = getattr(mt.nn, f"MaxPool{k}d")(*args, return_indices=True) if len(args) == 1 else \
        getattr(mt.nn, f"MaxPool{k}d")(args[0], args[1], args[2], return_indices=True)
    values, idx = pool(mt.tensor(np.random.default_rng(2).standard_normal(shape)))
    np.testing.assert_array_equal(ours(values, idx).numpy(),
                                  theirs(torch.tensor(values.numpy()), torch.tensor(idx.numpy())).numpy())


def test_unpool_of_pool_keeps_the_maxima_in_place():
    x = mt.tensor([[[1.0, 5.0, 2.0, 3.0, 9.0, 4.0]]])
    out, idx = F.max_pool1d(x, 2, return_indices=True)
    np.testing.assert_array_equal(mt.nn.MaxUnpool1d(2)(out, idx).numpy(), [[[0, 5, 0, 3, 9, 0]]])


ERRORS = [
    (lambda: F.max_unpool2d(mt.zeros(1, 1, 2, 2), mt.tensor([[[[0, 1], [2, 99]]]]), 2), RuntimeError,
     r"Found an invalid max index: 99 \(output volumes are of size 4x4\)"),
    (lambda: F.max_unpool2d(mt.zeros(1, 1, 2, 2), mt.tensor([[[[0, 1, 2]]]]), 2), RuntimeError,
     "Expected shape of indices to be same as that of the input tensor"),
    (lambda: F.max_unpool2d(mt.zeros(1, 1, 2, 2), mt.zeros(1, 1, 2, 2, dtype=mt.int64), 2, output_size=(4, 4, 4)),
     ValueError, "output_size should be a sequence containing 2 or 4 elements, but it has a length of '3'"),
    (lambda: F.max_unpool1d(mt.zeros(1, 1, 2), mt.zeros(1, 1, 2, dtype=mt.int64), 2, output_size=[6]),
     ValueError, r'invalid output_size "\[6\]" \(dim 0 must be between 2 and 6\)'),
]


@pytest.mark.parametrize("call, error, message", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()

"""The masked product behind ReLU's and max pooling's gradients (``masked``): x where the mask holds, else +0.0,
even where x is inf or NaN, in one pass with no check for non-finite values, in every dtype; and PyTorch's
gradients bit for bit (NaN kept on the mask, +0.0 off it, whatever the incoming gradient's sign). One sign of
zero differs: where max pooling's windows do not overlap, an incoming -0.0 reaches its window's maximum as -0.0
(written, not added to PyTorch's zeros, which gives +0.0)."""
import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
import microtensor.nn.functional as F
from microtensor.ops.elementwise import masked

INCOMING = [-5.0, np.nan, np.nan, -np.inf, np.inf, -0.0, 3.0, -2.0]     # paired with the mask below
MASK = np.array([False, True, False, True, False, True, True, False])
FLOATS = ["float16", "bfloat16", "float32", "float64"]


def _same_bits(a, b):
    """Equal values, NaN where the other is NaN, and the same sign of every zero."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.array_equal(a, b, equal_nan=True) and np.array_equal(np.signbit(a[a == 0]), np.signbit(b[b == 0]))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "complex64", "complex128", "int32", "uint8"])
@pytest.mark.parametrize("into", ["new", "out", "itself"])
def test_masked_selects_as_where_does(dtype, into):
    x = np.array(INCOMING if dtype[0] in "fc" else [5, 1, 2, 7, 9, 0, 3, 4]).astype(dtype)
    expected = np.where(MASK, x, x.dtype.type(0))
    if into == "new":
        got = masked(x, MASK)
    elif into == "out":
        got = masked(x, MASK, out=np.full_like(x, 7))
    else:
        got = masked(x, MASK, out=x)
        assert got is x
    assert got.dtype == x.dtype and np.array_equal(got, expected, equal_nan=True)
    if dtype[0] == "f":
        assert not np.signbit(got[~MASK]).any()              # +0.0 off the mask, as PyTorch's select gives


def test_masked_broadcasts_the_mask_and_warns_about_nothing():
    x = np.array([[np.inf, -1.0], [np.nan, 2.0]], np.float32)
    with np.errstate(all="raise"):
        got = masked(x, np.array([False, True]))
    np.testing.assert_array_equal(got, [[0.0, -1.0], [0.0, 2.0]])


def _relu_grads(lib, x, incoming, dtype, held_once):
    """x.grad after relu, with the incoming gradient given by the caller (MulMask's path) or made by the graph
    and held once (the path that overwrites it in place)."""
    t = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)
    w = lib.tensor(incoming, dtype=getattr(lib, dtype))
    if held_once:
        ((t * 1).relu() * 1).backward(w)          # relu's incoming gradient is w * 1, a fresh array
    else:
        (t * 1).relu().backward(w)
    return t.grad.float().numpy()


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("held_once", [True, False])
def test_relu_gradient_keeps_nan_on_the_mask_and_zero_off_it(dtype, held_once):
    x = np.where(MASK, 1.5, -1.0)
    x[2] = np.nan                                 # a NaN input passes its gradient (it is not <= 0)
    got = _relu_grads(mt, x, INCOMING, dtype, held_once)
    keep = MASK | np.isnan(x)
    expected = np.where(keep, np.array(INCOMING), 0.0)
    assert _same_bits(got, expected), got
    if torch is not None:
        assert _same_bits(got, _relu_grads(torch, x, INCOMING, dtype, held_once))


@requires_torch
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("kernel,stride", [(2, 2), (3, 2), (3, 3), (2, 1)])   # tiled, overlapping, padded, dense
def test_max_pool_gradient_of_inf_and_nan_matches_torch(dtype, kernel, stride):
    rng = np.random.default_rng(kernel * 10 + stride)
    x = rng.standard_normal((2, 3, 7, 7))
    x[0, 1, 3, 3] = np.nan                        # a NaN input is its window's maximum
    pad = kernel // 2 if kernel == 3 and stride == 3 else 0
    out_shape = tuple(torch.nn.functional.max_pool2d(torch.tensor(x), kernel, stride, pad).shape)
    incoming = rng.choice([v for v in INCOMING if v != 0], size=out_shape)
    ours = mt.tensor(x, dtype=getattr(mt, dtype), requires_grad=True)
    theirs = torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True)
    F.max_pool2d(ours, kernel, stride, pad).backward(mt.tensor(incoming, dtype=getattr(mt, dtype)))
    torch.nn.functional.max_pool2d(theirs, kernel, stride, pad).backward(
        torch.tensor(incoming, dtype=getattr(torch, dtype)))
    assert ours.grad.shape == tuple(theirs.grad.shape)
    assert _same_bits(ours.grad.float().numpy(), theirs.grad.float().numpy())


@pytest.mark.parametrize("held_once", [True, False])
def test_relu_gradient_off_the_mask_is_positive_zero_for_finite_gradients(held_once):
    """A negative gradient off the mask gives +0.0, as PyTorch's select does (a float product would give -0.0)."""
    x = np.array([-1.0, 2.0, -3.0])
    incoming = [-4.0, -5.0, 6.0]
    got = _relu_grads(mt, x, incoming, "float32", held_once)
    assert _same_bits(got, [0.0, -5.0, 0.0])
    if torch is not None:
        assert _same_bits(got, _relu_grads(torch, x, incoming, "float32", held_once))

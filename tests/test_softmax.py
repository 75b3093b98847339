"""softmax and log_softmax: gradients, PyTorch's values and dtypes, stability at large magnitudes."""
import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, rand, requires_torch, seeds, shapes, torch
from hypothesis import given
from hypothesis import strategies as st

import microtensor as mt

SOFTMAX = {
    "softmax": lambda x, d, T: T.softmax(x, d),
    "log_softmax": lambda x, d, T: T.log_softmax(x, d),
    "softmax_method": lambda x, d, T: x.softmax(d),
    "log_softmax_method": lambda x, d, T: x.log_softmax(dim=d),
    "softmax_chain": lambda x, d, T: T.softmax(x, d) * T.log_softmax(x, d),
}


@pytest.mark.parametrize("name", SOFTMAX)
@given(shape=shapes, seed=seeds, data=st.data())
def test_softmax_gradcheck(name, shape, seed, data):
    dim = data.draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
    check_gradients(lambda x: SOFTMAX[name](x, dim, mt), *rand(seed, shape))


@requires_torch
@pytest.mark.parametrize("name", SOFTMAX)
@pytest.mark.parametrize("shape, dim", [((), 0), ((4,), 0), ((2, 3), 1), ((2, 3), 0), ((2, 1, 3), -2),
                                        ((2, 3, 4), -1), ((2, 0), 1), ((0, 3), 1)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_matches_torch(name, shape, dim, dtype):
    x = rand(1, shape)[0].astype(dtype) * 3
    compare_with_torch(lambda x: SOFTMAX[name](x, dim, mt), x, torch_fn=lambda x: SOFTMAX[name](x, dim, torch))


@requires_torch
@pytest.mark.parametrize("name", SOFTMAX)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_large_magnitudes_are_finite_and_match_torch(name, dtype):
    x = np.array([[1e4, -1e4, 0.0, 1e4], [-1e4, -1e4 + 1, -1e4 - 3, -1e4]], dtype=dtype)
    out = SOFTMAX[name](mt.tensor(x), -1, mt)
    assert np.isfinite(out.numpy()).all()
    compare_with_torch(lambda x: SOFTMAX[name](x, -1, mt), x, torch_fn=lambda x: SOFTMAX[name](x, -1, torch))


@requires_torch
@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("in_dtype, dtype", [("int64", "float32"), ("float32", "float64"), ("float64", "float32")])
def test_dtype_argument_matches_torch(fn, in_dtype, dtype):
    x = (np.arange(6).reshape(2, 3) - 2).astype(in_dtype)
    compare_with_torch(lambda x: getattr(mt, fn)(x, 1, dtype=getattr(mt, dtype)), x,
                       torch_fn=lambda x: getattr(torch, fn)(x, 1, dtype=getattr(torch, dtype)))


def test_softmax_second_order():
    x = mt.tensor([0.5, -1.0, 2.0], requires_grad=True)
    w = mt.tensor([1.0, 2.0, 3.0])
    g, = mt.autograd.grad((mt.softmax(x, 0) * w).sum(), x, create_graph=True)
    g.sum().backward()       # d/dx of sum(grad) is zero: each softmax gradient sums to 0 over the dim
    np.testing.assert_allclose(x.grad.numpy(), 0.0, atol=1e-6)


@pytest.mark.parametrize("fn", [mt.softmax, mt.log_softmax])
def test_errors(fn):
    with pytest.raises(RuntimeError, match="expected a floating point input, got Long"):
        fn(mt.tensor([1, 2]), 0)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        fn(mt.zeros(2, 3), 2)

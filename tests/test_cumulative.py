"""Cumulative ops (cummax, cummin, logcumsumexp, diff, cumprod with zeros): finite differences (first and
second order), the PyTorch oracle on ties, NaN, 0-d and empty inputs, and PyTorch's errors."""
import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, requires_torch, seeds, shapes, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt

nan, inf = float("nan"), float("inf")


def m(x):
    """The library a tensor belongs to, so one lambda runs on both microtensor and torch."""
    return torch if torch is not None and isinstance(x, torch.Tensor) else mt


# name -> fn(x, dim)
CUMULATIVE = {
    "cummax": lambda x, d: x.cummax(d).values,
    "cummin": lambda x, d: mt.cummin(x, dim=d)[0],
    "logcumsumexp": lambda x, d: x.logcumsumexp(d),
    "logcumsumexp_fn": lambda x, d: mt.logcumsumexp(x * 3, dim=d),
    "diff": lambda x, d: x.diff(dim=d) if x.ndim else x * 1,
    "diff_2": lambda x, d: mt.diff(x, 2, d) if x.ndim else x * 1,
    "cumprod": lambda x, d: x.cumprod(d),
}


@pytest.mark.parametrize("name", CUMULATIVE)
@given(shape=shapes, data=st.data(), seed=seeds)
@settings(max_examples=15, deadline=None)
def test_cumulative_gradcheck(name, shape, data, seed):
    """Distinct values at least 0.2 apart (finite differences never change the running extremum)."""
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    x = ((rng.permutation(size) + rng.uniform(0.1, 0.3, size)).reshape(shape) - size / 2) / max(size, 1)
    d = data.draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
    check_gradients(lambda t: CUMULATIVE[name](t, d), x)


@pytest.mark.parametrize("x", [
    np.array([[2.0, 0.0, 3.0, 0.0, 4.0], [0.0, 1.5, 2.0, 3.0, 1.0], [1.0, 2.0, 3.0, 4.0, 0.0]]),
    np.array([[0.0, 0.0, 0.5], [1.5, 0.0, -2.0]]),
], ids=["one_or_two_zeros", "leading_zeros"])
def test_cumprod_with_zeros_second_order(x):
    check_gradients(lambda t: t.cumprod(1), x)
    check_gradients(lambda t: t.cumprod(0), x)


TIES = np.array([[1.0, 3.0, 3.0, 2.0, 5.0, 5.0], [2.0, 2.0, 2.0, 0.0, 0.0, 2.0], [4.0, 1.0, 1.0, 4.0, 0.0, 0.0]])
WITH_NAN = np.array([[1.0, nan, 3.0, nan, 0.0], [nan, nan, 2.0, 1.0, 2.0], [2.0, 1.0, 2.0, 1.0, -inf]])
WITH_ZEROS = np.array([[2.0, 0.0, 3.0, 0.0, 4.0], [0.0, 1.5, 2.0, 3.0, 1.0], [1.0, 2.0, 3.0, 4.0, 0.0]])
EXTREME = np.array([[0.0, -inf, 1.0, 700.0, 800.0], [-inf, -inf, -1e300, 3.0, 1e3], [1.0, 2.0, 3.0, 4.0, 5.0]])
INTS = np.array([[3, 1, 2, 1], [0, 0, 5, 5]])

# name -> (fn on either library, input)
CASES = {
    "cummax": (lambda x: x.cummax(1), TIES),
    "cummax_dim0": (lambda x: m(x).cummax(x, dim=0), TIES),
    "cummin": (lambda x: x.cummin(-1), TIES),
    "cummin_dim0": (lambda x: m(x).cummin(x, 0), TIES),
    "cummax_nan": (lambda x: x.cummax(1), WITH_NAN),
    "cummin_nan": (lambda x: x.cummin(1), WITH_NAN),
    "cummax_0d": (lambda x: x.sum().cummax(0), TIES),
    "cummin_0d": (lambda x: x.sum().cummin(-1), TIES),
    "cummax_empty": (lambda x: x[:, :0].cummax(1), TIES),
    "cummax_int": (lambda x: x.cummax(1), INTS),
    "cummin_bool": (lambda x: (x > 1).cummin(1), INTS),
    "logcumsumexp": (lambda x: x.logcumsumexp(1), TIES),
    "logcumsumexp_extreme": (lambda x: m(x).logcumsumexp(x, dim=1), EXTREME),
    "logcumsumexp_dim0": (lambda x: x.logcumsumexp(0), EXTREME[2:]),
    "logcumsumexp_0d": (lambda x: x.sum().logcumsumexp(0), TIES),
    "logcumsumexp_empty": (lambda x: x[:0].logcumsumexp(0), TIES),
    "logcumsumexp_float32": (lambda x: x.float().logcumsumexp(1), TIES),
    "diff": (lambda x: x.diff(), TIES),
    "diff_n_dim": (lambda x: m(x).diff(x, n=2, dim=0), TIES),
    "diff_prepend_append": (lambda x: m(x).diff(x, 1, 1, x[:, :2] * 2, append=x[:, :1]), TIES),
    "diff_n_past_length": (lambda x: x.diff(7), TIES),
    "diff_n0": (lambda x: x.diff(0, prepend=x[:, :1]), TIES),
    "diff_int": (lambda x: x.diff(), INTS),
    "diff_int_float_prepend": (lambda x: x.diff(prepend=m(x).ones(2, 1) / 2), INTS),
    "diff_bool": (lambda x: (x > 1).diff(), INTS),
    "cumprod_zeros": (lambda x: x.cumprod(1), WITH_ZEROS),
    "cumprod_zeros_dim0": (lambda x: m(x).cumprod(x, dim=0), WITH_ZEROS),
}


@requires_torch
@pytest.mark.parametrize("name", CASES)
def test_cumulative_matches_torch(name):
    fn, x = CASES[name]
    compare_with_torch(fn, x)


@requires_torch
@pytest.mark.parametrize("op", ["cumprod", "logcumsumexp"])
def test_second_derivatives_match_torch(op):
    """The gradient of a function of the gradient, against PyTorch's (cumprod at zeros, logcumsumexp)."""
    x = WITH_ZEROS if op == "cumprod" else EXTREME[2:] / 3
    w = np.random.default_rng(0).standard_normal(x.shape)
    grads = []
    for lib in (mt, torch):
        t = lib.tensor(x, requires_grad=True)
        g, = lib.autograd.grad((getattr(t, op)(1) * lib.tensor(w)).sum(), t, create_graph=True)
        grads.append(lib.autograd.grad((g * g).sum(), t)[0].numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10)


def test_results_are_named_tuples():
    result = mt.tensor([[3.0, 1.0, 4.0]]).cummax(1)
    assert result.values.tolist() == [[3.0, 3.0, 4.0]] and result.indices.tolist() == [[0, 0, 2]]
    assert result.indices.dtype == mt.int64 and type(result).__name__ == "cummax"
    assert repr(mt.cummin(mt.tensor([1.0]), 0)).startswith("microtensor.return_types.cummin(\nvalues=tensor(")


def test_logcumsumexp_does_not_overflow():
    x = mt.tensor([1000.0, 1000.0, -1000.0], requires_grad=True)
    out = x.logcumsumexp(0)
    out.sum().backward()
    assert np.allclose(out.tolist(), [1000.0, 1000.0 + np.log(2), 1000.0 + np.log(2)])
    assert np.isfinite(x.grad.numpy()).all()


# name -> (call on library L, the exception type, a part of the message)
ERRORS = {
    "cummax_dim": (lambda L: L.cummax(L.zeros(3), 1), IndexError, "Dimension out of range"),
    "cummin_list": (lambda L: L.cummin([1.0], 0), TypeError, "must be Tensor, not list"),
    "logcumsumexp_int": (lambda L: L.tensor([1, 2]).logcumsumexp(0), NotImplementedError,
                         "\"logcumsumexp_out_cpu\" not implemented for 'Long'"),
    "logcumsumexp_dim": (lambda L: L.zeros(2).logcumsumexp(1), IndexError, "Dimension out of range"),
    "diff_0d": (lambda L: L.tensor(1.0).diff(), RuntimeError, "diff expects input to be at least one-dimensional"),
    "diff_negative_n": (lambda L: L.ones(3).diff(-1), RuntimeError, "order must be non-negative but got -1"),
    "diff_prepend_ndim": (lambda L: L.ones(3).diff(prepend=L.ones(2, 2)), RuntimeError,
                          "diff expects prepend or append to be the same dimension as input"),
    "diff_append_shape": (lambda L: L.ones(3, 2).diff(append=L.ones(2, 3)), RuntimeError,
                          "input.size\\(0\\) = 3, but got tensor.size\\(0\\) = 2"),
    "diff_dim": (lambda L: L.ones(3).diff(dim=1), IndexError, "Dimension out of range"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_cumulative_errors(name):
    call, error, match = ERRORS[name]
    with pytest.raises(error, match=match):
        call(mt)
    if torch is not None:
        with pytest.raises(error, match=match):
            call(torch)

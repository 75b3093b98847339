"""quantile / nanquantile and cov / corrcoef: values, shapes, dtypes and errors as PyTorch's; gradients (with
respect to the input, q and the observation weights) by finite differences of first and second order and
against the oracle."""
import math

import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, rand, requires_torch, seeds, torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt

MODES = ["linear", "lower", "higher", "midpoint", "nearest"]
NAN = math.nan


def lib(x):
    return mt if isinstance(x, mt.Tensor) else torch


@st.composite
def quantile_cases(draw):
    shape = draw(array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4))
    dim = draw(st.none() | st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
    return shape, dim, draw(st.booleans()), draw(st.sampled_from(MODES))


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
@given(case=quantile_cases(), vector_q=st.booleans(), seed=seeds)
@settings(max_examples=12)
def test_quantile_gradcheck(name, case, vector_q, seed):
    shape, dim, keepdim, mode = case
    x, = rand(seed, shape)
    # q away from the knots (ranks q * (n - 1) near an integer), where the rank's piece changes
    q = np.array([0.1234567, 0.4713, 0.8271]) if vector_q else np.array(0.3719)
    fn = lambda t, qt: getattr(t, name)(qt, dim, keepdim, interpolation=mode)   # noqa: E731
    check_gradients(fn, x, q)


@requires_torch
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_matches_torch(name, mode):
    x, = rand(3, (3, 5))
    x_nan = x.copy()
    x_nan[0, 1] = x_nan[2, 4] = NAN
    x_nan[1] = NAN
    for data in (x, x_nan, x.astype(np.float32)):
        for q in (np.array([0.0, 0.25, 0.5, 0.9, 1.0]), np.array(0.3)):
            q = q.astype(data.dtype)
            for dim, keepdim in ((None, False), (None, True), (1, False), (0, True), (-1, True)):
                compare_with_torch(lambda t, qt: getattr(lib(t), name)(t, qt, dim, keepdim, interpolation=mode),
                                   data, q, check_grad=not np.isnan(data).any())
        compare_with_torch(lambda t: getattr(t, name)(q=0.625, dim=-1, interpolation=mode), data,
                           check_grad=not np.isnan(data).any())
    compare_with_torch(lambda t: getattr(t, name)(0.4, 0, True, interpolation=mode), np.array(2.5))


@requires_torch
@pytest.mark.parametrize("call", [
    lambda L: L.quantile(L.arange(4), 0.5),
    lambda L: L.quantile(L.ones(3), L.tensor([0.5], dtype=L.float64)),
    lambda L: L.quantile(L.ones(3), 1.5),
    lambda L: L.nanquantile(L.ones(3), -0.5),
    lambda L: L.quantile(L.ones(3), L.tensor([[0.5]])),
    lambda L: L.quantile(L.ones(3), L.tensor([1.5])),
    lambda L: L.quantile(L.ones(0), 0.5),
    lambda L: L.nanquantile(L.ones(2, 0), 0.5, dim=0),
    lambda L: L.quantile(L.ones(3), 0.5, interpolation="foo"),
    lambda L: L.quantile(L.ones(2, 3), 0.5, dim=3),
    lambda L: L.cov(L.ones(2, 3, 4)),
    lambda L: L.cov(L.ones(3, dtype=L.bool)),
    lambda L: L.cov(L.ones(2, 3), fweights=L.ones(3)),
    lambda L: L.cov(L.ones(2, 3), fweights=L.ones(1, 3, dtype=L.int64)),
    lambda L: L.cov(L.ones(2, 3), fweights=L.ones(2, dtype=L.int64)),
    lambda L: L.cov(L.ones(2, 3), fweights=-L.ones(3, dtype=L.int64)),
    lambda L: L.cov(L.ones(2, 3), aweights=L.ones(3, dtype=L.int64)),
    lambda L: L.cov(L.ones(2, 3), aweights=-L.ones(3)),
    lambda L: L.cov(L.ones(2, 3), aweights=L.zeros(3)),
    lambda L: L.corrcoef(L.ones(2, 3, 4)),
])
def test_errors_match_torch(call):
    with pytest.raises((RuntimeError, TypeError, IndexError)) as theirs:
        call(torch)
    with pytest.raises(theirs.type) as ours:
        call(mt)
    assert str(ours.value) == str(theirs.value)


def test_quantile_modes_and_nan_rules():
    x = mt.tensor([0.0, 1, 2, 3, 4])
    q = mt.tensor([0.125, 0.375, 0.625])
    assert mt.quantile(x, q, interpolation="nearest").tolist() == [0.0, 2.0, 2.0]     # ties to the even rank
    assert mt.quantile(x, q, interpolation="lower").tolist() == [0.0, 1.0, 2.0]
    assert mt.quantile(x, q, interpolation="midpoint").tolist() == [0.5, 1.5, 2.5]
    assert math.isnan(mt.quantile(mt.tensor([1.0, NAN]), 0.0).item())
    assert mt.nanquantile(mt.tensor([1.0, NAN, 3.0]), 0.5).item() == 2.0
    assert math.isnan(mt.nanquantile(mt.tensor([NAN, NAN]), 0.5).item())
    assert mt.quantile(mt.ones(2, 3), mt.tensor([0.5, 0.6]), dim=None, keepdim=True).shape == (2, 1, 1)


@st.composite
def cov_cases(draw):
    variables = draw(st.sampled_from([None, 1, 2, 3]))      # None: a 1-D input
    observations = draw(st.integers(2, 5))
    return ((observations,) if variables is None else (variables, observations)), draw(st.booleans()), \
        draw(st.booleans()), draw(st.integers(0, 2))


@given(case=cov_cases(), seed=seeds)
@settings(max_examples=20)
def test_cov_gradcheck(case, seed):
    shape, use_f, use_a, correction = case
    x, = rand(seed, shape)
    rng = np.random.default_rng(seed)
    n = shape[-1]
    f = rng.integers(1, 4, n) if use_f else None
    a = rng.uniform(0.5, 2.0, n) if use_a else None
    if f is None and a is None and n <= correction:
        correction = 0
    arrays = [x] + ([a] if use_a else [])
    check_gradients(lambda t, *w: mt.cov(t, correction=correction, fweights=None if f is None else mt.tensor(f),
                                         aweights=w[0] if w else None), *arrays)
    if len(shape) == 2 and shape[0] > 1:
        check_gradients(lambda t: mt.corrcoef(t), x)


@requires_torch
@pytest.mark.parametrize("shape", [(3, 6), (6,), (1, 6), (2, 1), (4, 2)])
@pytest.mark.parametrize("correction", [0, 1, 2])
def test_cov_and_corrcoef_match_torch(shape, correction):
    x, = rand(6, shape)
    rng = np.random.default_rng(0)
    f, a = rng.integers(0, 4, shape[-1]), rng.uniform(0.1, 2.0, shape[-1])
    f[0] = 2
    for data in (x, x.astype(np.float32), (x * 10).astype(np.int64)):
        tol = {"rtol": 1e-4, "atol": 1e-5} if data.dtype != np.float64 else {}
        with pytest.warns() if shape[-1] <= correction else _no_warning():
            compare_with_torch(lambda t: lib(t).cov(t, correction=correction), data, **tol)
        if shape[-1] <= max(correction, 1):   # (PyTorch's weighted cov of an input that requires grad then
            # fails with "a leaf Variable that requires grad is being used in an in-place operation")
            continue
        compare_with_torch(lambda t, fw: lib(t).cov(t, correction=correction, fweights=fw), data, f, **tol)
        compare_with_torch(lambda t, aw: lib(t).cov(t, correction=correction, aweights=aw), data, a, **tol)
        compare_with_torch(lambda t, fw, aw: lib(t).cov(t, correction=correction, fweights=fw, aweights=aw),
                           data, f, a.astype(np.float32), **tol)
        if shape[-1] > 1:
            compare_with_torch(lambda t: lib(t).corrcoef(t), data, **tol)
            compare_with_torch(lambda t: t.corrcoef(), data, **tol)


class _no_warning:
    def __enter__(self):
        import warnings
        self.catcher = warnings.catch_warnings()
        self.catcher.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        self.catcher.__exit__(*exc)


@requires_torch
def test_cov_degrees_of_freedom_warning_and_constant_corrcoef_match_torch():
    for L in (mt, torch):
        with pytest.warns(UserWarning, match=r"cov\(\): degrees of freedom is <= 0"):
            out = L.cov(L.tensor([[1.0, 2.0]]), correction=2)
        assert math.isinf(out.item())
        assert math.isnan(L.corrcoef(L.tensor([1.0, 1.0, 1.0])).item())
        assert L.corrcoef(L.tensor([1.0, 2.0, 4.0])).item() == 1.0

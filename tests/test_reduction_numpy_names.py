"""Reductions under NumPy's keyword names (``axis=``, ``keepdims=``, which PyTorch accepts as aliases of ``dim=``
and ``keepdim=``), and the NaN-ignoring reductions ``nansum``/``nanmean`` and ``aminmax``: values, gradients
(finite differences, first and second order), the PyTorch oracle and the errors."""
import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, rand, requires_torch, seeds, shapes, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt


def lib(x):
    return mt if isinstance(x, mt.Tensor) else torch


# name -> (call with NumPy's names, the same call with PyTorch's names); each as PyTorch accepts it
ALIASED = {
    "sum": (lambda x: x.sum(axis=1), lambda x: x.sum(dim=1)),
    "sum_fn_keepdims": (lambda x: lib(x).sum(x, axis=(0, 2), keepdims=True), lambda x: x.sum((0, 2), keepdim=True)),
    "sum_dtype": (lambda x: lib(x).sum(x, axis=0, dtype=lib(x).float64), lambda x: x.sum(0, dtype=lib(x).float64)),
    "mean": (lambda x: x.mean(axis=-1, keepdims=True), lambda x: x.mean(-1, keepdim=True)),
    "mean_fn": (lambda x: lib(x).mean(x, axis=(1, 2)), lambda x: x.mean((1, 2))),
    "var": (lambda x: x.var(axis=1), lambda x: x.var(1)),
    "std_fn": (lambda x: lib(x).std(x, axis=0, keepdims=True), lambda x: x.std(0, keepdim=True)),
    "var_mean": (lambda x: lib(x).var_mean(x, axis=2), lambda x: lib(x).var_mean(x, 2)),
    "std_mean": (lambda x: lib(x).std_mean(x, axis=1, keepdims=True), lambda x: lib(x).std_mean(x, 1, keepdim=True)),
    "max": (lambda x: tuple(x.max(axis=1)), lambda x: tuple(x.max(1))),
    "min_fn": (lambda x: tuple(lib(x).min(x, axis=0, keepdims=True)), lambda x: tuple(x.min(0, keepdim=True))),
    "amax": (lambda x: x.amax(axis=(0, 1)), lambda x: x.amax((0, 1))),
    "amin_fn": (lambda x: lib(x).amin(x, axis=2, keepdims=True), lambda x: x.amin(2, keepdim=True)),
    "argmax": (lambda x: x.argmax(axis=1), lambda x: x.argmax(1)),
    "argmin_fn": (lambda x: lib(x).argmin(x, axis=0, keepdims=True), lambda x: x.argmin(0, keepdim=True)),
    "prod": (lambda x: x.prod(axis=1), lambda x: x.prod(1)),
    "logsumexp": (lambda x: x.logsumexp(axis=1), lambda x: x.logsumexp(1)),
    "logsumexp_fn": (lambda x: lib(x).logsumexp(x, axis=(0, 2), keepdims=True),
                     lambda x: x.logsumexp((0, 2), keepdim=True)),
    "any": (lambda x: (x > 0).any(axis=1), lambda x: (x > 0).any(1)),
    "all_fn": (lambda x: lib(x).all(x > -1, axis=0, keepdims=True), lambda x: (x > -1).all(0, keepdim=True)),
    "count_nonzero": (lambda x: lib(x).count_nonzero(x > 0, axis=1), lambda x: (x > 0).count_nonzero(1)),
    "nansum": (lambda x: x.nansum(axis=1, keepdims=True), lambda x: x.nansum(1, keepdim=True)),
    "nanmean_fn": (lambda x: lib(x).nanmean(x, axis=0), lambda x: x.nanmean(0)),
    "aminmax": (lambda x: tuple(lib(x).aminmax(x, axis=1, keepdims=True)),
                lambda x: tuple(lib(x).aminmax(x, dim=1, keepdim=True))),
}


@pytest.mark.parametrize("name", ALIASED)
def test_numpy_names_mean_the_pytorch_names(name):
    aliased, plain = ALIASED[name]
    x = mt.tensor(rand(0, (2, 3, 4))[0], requires_grad=True)
    outs, expected = aliased(x), plain(x)
    outs, expected = (outs, expected) if isinstance(outs, tuple) else ((outs,), (expected,))
    for o, e in zip(outs, expected):
        assert o.shape == e.shape and o.dtype == e.dtype
        np.testing.assert_array_equal(o.detach().numpy(), e.detach().numpy())


@requires_torch
@pytest.mark.parametrize("name", ALIASED)
def test_numpy_names_match_torch(name):
    aliased, _ = ALIASED[name]
    compare_with_torch(aliased, rand(1, (2, 3, 4))[0])


@pytest.mark.parametrize("call, message", [
    (lambda x: x.sum(0, axis=1), "sum() got both 'dim' and its NumPy alias 'axis'"),
    (lambda x: mt.amax(x, 0, axis=1), "amax() got both 'dim'"),
    (lambda x: x.mean(0, keepdim=True, keepdims=True), "mean() got both 'keepdim' and its NumPy alias 'keepdims'"),
    (lambda x: mt.count_nonzero(x, 0, axis=1), "count_nonzero() got both"),
    (lambda x: mt.logsumexp(x), 'logsumexp() missing 1 required positional arguments: "dim"'),
])
def test_both_names_at_once_raise(call, message):
    with pytest.raises(TypeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(mt.ones(2, 3))


@requires_torch
def test_names_pytorch_does_not_alias_are_refused_as_there():
    x = mt.ones(2, 3)
    with pytest.raises(TypeError):
        x.norm(axis=0)              # torch.norm takes no axis= either
    with pytest.raises(TypeError):
        mt.count_nonzero(x, 0, keepdims=True)
    with pytest.raises(TypeError):
        torch.count_nonzero(torch.ones(2, 3), 0, keepdims=True)


# ----------------------------------------------------------------------------- nansum, nanmean, aminmax
def with_nans(a, seed):
    """``a`` with about a quarter of its elements NaN (finite differences then check the others)."""
    mask = np.random.default_rng(seed).random(a.shape) < 0.25
    return np.where(mask, np.nan, a)


NAN_REDUCTIONS = {
    "nansum": lambda x: x.nansum(),
    "nansum_dim": lambda x: lib(x).nansum(x, -1, keepdim=True),
    "nanmean": lambda x: x.nanmean(),
    "nanmean_dims": lambda x: lib(x).nanmean(x, dim=(0, -1)) if x.ndim > 1 else lib(x).nanmean(x, 0),
}


def nan_safe(fn):
    """``fn`` as gradcheck sees it: NaN outputs (all-NaN slices) replaced by 0, as their gradient is 0 anyway."""
    def wrapped(x):
        out = fn(x)
        return mt.where(out.isnan(), 0.0, out)
    return wrapped


@pytest.mark.parametrize("name", NAN_REDUCTIONS)
@given(shape=shapes, seed=seeds)
@settings(max_examples=10)
def test_nan_reductions_gradcheck(name, shape, seed):
    x = with_nans(rand(seed, shape)[0], seed)
    check_gradients(nan_safe(NAN_REDUCTIONS[name]), x)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAN_REDUCTIONS)
def test_nan_reductions_match_torch(name, dtype):
    for shape in [(), (4,), (2, 3, 4), (3, 0)]:
        x = with_nans(rand(2, shape)[0], 2).astype(dtype)
        compare_with_torch(NAN_REDUCTIONS[name], x)
    compare_with_torch(NAN_REDUCTIONS[name], np.full((2, 3), np.nan))      # all NaN: nansum 0, nanmean NaN


@requires_torch
@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_nansum_of_integers_matches_torch(dtype):
    a = np.array([[1, 0, 3], [2, 5, 0]]).astype(dtype)
    compare_with_torch(lambda x: x.nansum(0), a)
    compare_with_torch(lambda x: lib(x).nansum(x, dtype=lib(x).float64), a)


def test_nanmean_refuses_integers():
    with pytest.raises(RuntimeError, match="nanmean\\(\\): expected input to have floating point .* got Long"):
        mt.tensor([1, 2]).nanmean()


AMINMAX = {
    "all": lambda x: tuple(lib(x).aminmax(x)),
    "dim": lambda x: tuple(x.aminmax(dim=-1)),
    "keepdim": lambda x: tuple(lib(x).aminmax(x, dim=0, keepdim=True)),
}


@pytest.mark.parametrize("name", AMINMAX)
@given(shape=shapes, seed=seeds)
@settings(max_examples=10)
def test_aminmax_gradcheck(name, shape, seed):
    check_gradients(lambda x: AMINMAX[name](x)[0] * 2 + AMINMAX[name](x)[1], rand(seed, shape)[0])


@requires_torch
@pytest.mark.parametrize("name", AMINMAX)
def test_aminmax_matches_torch(name):
    for a in [rand(3, (3, 4))[0], np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]]), np.array(2.5)]:
        compare_with_torch(AMINMAX[name], a)          # ties share the gradient, as amin/amax's
    compare_with_torch(AMINMAX["dim"], np.array([[True, False]]))


def test_aminmax_is_a_named_tuple():
    out = mt.aminmax(mt.tensor([[4.0, -1.0, 2.0]]), dim=1)
    assert out.min.tolist() == [-1.0] and out.max.tolist() == [4.0]
    assert repr(out).startswith("microtensor.return_types.aminmax(")


@pytest.mark.parametrize("call, error, message", [
    (lambda: mt.aminmax(mt.zeros(0)), RuntimeError, "cannot compute aminmax over an empty dimension"),
    (lambda: mt.aminmax(mt.zeros(2, 0), dim=1), IndexError, "Expected reduction dim 1 to have non-zero size"),
    (lambda: mt.aminmax(mt.zeros(2, 3), dim=(0, 1)), TypeError, "argument 'dim' must be int, not tuple"),
    (lambda: mt.aminmax(mt.zeros(2, 3), 0), TypeError, "positional argument"),
    (lambda: mt.aminmax(mt.zeros(2, 3), dim=2), IndexError, "out of range"),
])
def test_aminmax_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@given(st.integers(0, 3))
@settings(max_examples=4)
def test_aminmax_agrees_with_amin_amax(seed):
    x = mt.tensor(rand(seed, (3, 4))[0])
    lo, hi = mt.aminmax(x, dim=1)
    assert mt.equal(lo, x.amin(1)) and mt.equal(hi, x.amax(1))

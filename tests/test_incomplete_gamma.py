"""igamma / igammac (special.gammainc / gammaincc) and their in-place forms: values against PyTorch over a wide
grid and at the edges, dtype rules, the gradient with respect to x (finite differences of first and second
order, the oracle) and PyTorch's error for the gradient with respect to a."""
import math

import numpy as np
import pytest
from helpers import broadcast_pairs, check_gradients, compare_with_torch, rand, requires_torch, seeds, torch
from hypothesis import given, settings

import microtensor as mt

INF, NAN = math.inf, math.nan
FUNCTIONS = {
    "igamma": lambda L, a, x: L.igamma(a, x),
    "igammac": lambda L, a, x: L.igammac(a, x),
    "igamma_method": lambda L, a, x: a.igamma(x),
    "igammac_method": lambda L, a, x: a.igammac(x),
    "gammainc": lambda L, a, x: L.special.gammainc(a, x),
    "gammaincc": lambda L, a, x: L.special.gammaincc(a, x),
}


def lib(x):
    return mt if isinstance(x, mt.Tensor) else torch


@pytest.mark.parametrize("name", FUNCTIONS)
@given(pair=broadcast_pairs, seed=seeds)
@settings(max_examples=8)
def test_gradient_with_respect_to_x(name, pair, seed):
    a, x = rand(seed, *pair.input_shapes)
    a = mt.tensor(np.abs(a) * 3 + 0.3)
    check_gradients(lambda t: FUNCTIONS[name](mt, a, t), np.abs(x) * 3 + 0.1)


@requires_torch
@pytest.mark.parametrize("name", FUNCTIONS)
def test_values_match_torch_over_a_wide_grid(name):
    a = np.array([1e-3, 0.1, 0.5, 1.0, 2.5, 7.0, 20.0, 95.0, 400.0, 2500.0])[:, None]
    x = np.array([1e-8, 1e-3, 0.2, 0.9, 1.0, 3.0, 8.0, 19.0, 100.0, 380.0, 2600.0, 1e4])[None, :]
    for dtype in (np.float64, np.float32):
        ours = FUNCTIONS[name](mt, mt.tensor(a.astype(dtype)), mt.tensor(x.astype(dtype)))
        theirs = FUNCTIONS[name](torch, torch.tensor(a.astype(dtype)), torch.tensor(x.astype(dtype)))
        assert ours.dtype.name == str(theirs.dtype)[6:]
        tol = dict(rtol=1e-9, atol=1e-15) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), **tol)


@requires_torch
@pytest.mark.parametrize("name", FUNCTIONS)
def test_edges_match_torch(name):
    a = np.array([0.0, 0.0, 1.0, 2.0, -1.0, 1.0, INF, INF, 2.0, 1.0, NAN, 3.0, 0.0, INF])
    x = np.array([0.0, 1.0, 0.0, INF, 1.0, -1.0, 1.0, INF, 2.0, NAN, 1.0, 1e-300, INF, 0.0])
    ours = FUNCTIONS[name](mt, mt.tensor(a), mt.tensor(x))
    theirs = FUNCTIONS[name](torch, torch.tensor(a), torch.tensor(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


@requires_torch
@pytest.mark.parametrize("name", FUNCTIONS)
def test_gradient_matches_torch(name):
    a, = rand(1, (3, 1))
    x, = rand(2, (1, 4))
    compare_with_torch(lambda t: FUNCTIONS[name](lib(t), lib(t).tensor(np.abs(a) * 2 + 0.5), t), np.abs(x) + 0.1)
    compare_with_torch(lambda t: FUNCTIONS[name](lib(t), lib(t).tensor(np.abs(a[0, 0]) + 0.5, dtype=lib(t).float32),
                                                 t), (np.abs(x) + 0.1).astype(np.float32))


@requires_torch
@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_gradient_with_respect_to_a_raises_as_torch(name):
    for L in (mt, torch):
        a, x = L.tensor([1.5, 2.0], requires_grad=True), L.tensor([1.0, 3.0])
        out = getattr(L, name)(a, x).sum()
        with pytest.raises(NotImplementedError, match=f"the derivative for '{name}: input' is not implemented."):
            out.backward()


@requires_torch
@pytest.mark.parametrize("call", [
    lambda L: L.igamma(L.tensor([1, 2]), L.tensor([1, 2])),
    lambda L: L.igammac(L.tensor([True]), L.tensor([False])),
    lambda L: L.igamma(L.tensor([1.0, 2.0]), 2),
    lambda L: L.special.gammaincc(2.0, L.tensor([1.0])),
    lambda L: L.igamma(L.ones(2), L.ones(3)),
])
def test_errors_match_torch(call):
    with pytest.raises((RuntimeError, TypeError, NotImplementedError)) as theirs:
        call(torch)
    with pytest.raises(theirs.type) as ours:
        call(mt)
    assert str(theirs.value).lower() in str(ours.value).lower(), (str(ours.value), str(theirs.value))


@requires_torch
def test_in_place_forms_match_torch_and_follow_in_place_rules():
    a, x = np.array([0.5, 2.0, 7.0]), np.array([1.0, 2.5, 3.0])
    for name in ("igamma_", "igammac_"):
        ours, theirs = mt.tensor(a), torch.tensor(a)
        version = ours._version
        assert getattr(ours, name)(mt.tensor(x)) is ours and ours._version == version + 1
        getattr(theirs, name)(torch.tensor(x))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
            getattr(mt.tensor([1, 2]), name)(mt.tensor([1.0, 2.0]))
        with pytest.raises(RuntimeError, match=r"output with shape \[2\] doesn't match the broadcast shape \[1, 2\]"):
            getattr(mt.tensor([1.0, 2.0]), name)(mt.tensor([[1.0, 2.0]]))
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            getattr(mt.ones(2, requires_grad=True), name)(mt.ones(2))
        grads = []                 # the gradient flows to x through the in-place result
        for L in (mt, torch):
            t = L.tensor(x, requires_grad=True)
            y = L.tensor(a) * 1
            getattr(y, name)(t * 1)
            y.sum().backward()
            grads.append(t.grad.numpy())
        np.testing.assert_allclose(*grads, rtol=1e-10)

"""trapezoid / trapz, cumulative_trapezoid and gradient: values, dtypes and errors as PyTorch's; gradients with
respect to the samples and the coordinates by finite differences of first and second order and against the
oracle."""
import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, rand, requires_torch, seeds, torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt


def lib(x):
    return mt if isinstance(x, mt.Tensor) else torch


def _coordinates(seed, n):
    """Increasing sample coordinates with uneven spacing."""
    return np.cumsum(np.random.default_rng(seed).uniform(0.5, 1.5, n))


@st.composite
def integrand_cases(draw, min_side=0):
    shape = draw(array_shapes(min_dims=1, max_dims=3, min_side=min_side, max_side=4))
    return shape, draw(st.integers(-len(shape), len(shape) - 1))


@pytest.mark.parametrize("name", ["trapezoid", "trapz", "cumulative_trapezoid"])
@given(case=integrand_cases(), seed=seeds)
@settings(max_examples=6)
def test_trapezoid_gradcheck(name, case, seed):
    shape, dim = case
    y, = rand(seed, shape)
    x = _coordinates(seed, shape[dim])
    fn = getattr(mt, name)
    check_gradients(lambda t: fn(t, dim=dim), y)
    check_gradients(lambda t: fn(t, dx=0.7, dim=dim), y)
    check_gradients(lambda t, c: fn(t, c, dim=dim), y, x)     # the coordinates get a gradient too


@requires_torch
@pytest.mark.parametrize("name", ["trapezoid", "trapz", "cumulative_trapezoid"])
def test_trapezoid_matches_torch(name):
    y, = rand(1, (3, 4))
    for data in (y, y.astype(np.float32), (y * 10).astype(np.int64)):
        for dim in (0, 1, -1):
            compare_with_torch(lambda t: getattr(lib(t), name)(t, dim=dim), data)
            compare_with_torch(lambda t: getattr(lib(t), name)(t, dx=2.5, dim=dim), data)
            compare_with_torch(lambda t: getattr(lib(t), name)(t, dx=3, dim=dim), data)
            x = _coordinates(2, data.shape[dim])
            compare_with_torch(lambda t, c: getattr(lib(t), name)(t, c, dim=dim), data, x)
            compare_with_torch(lambda t, c: getattr(lib(t), name)(t, x=c, dim=dim), data, x.astype(np.float32))
            compare_with_torch(lambda t, c: getattr(lib(t), name)(t, c, dim=dim), data, x.astype(np.int64))
        # coordinates that broadcast against y (NumPy's rule: prepended dims)
        compare_with_torch(lambda t, c: getattr(lib(t), name)(t, c), data, np.cumsum(rand(3, (3, 4))[0] ** 2, 1))
        compare_with_torch(lambda t, c: getattr(lib(t), name)(t, c), data, _coordinates(4, 4)[None])
    for shape, dim in (((2, 0), -1), ((0, 2), 0), ((2, 1), 1)):
        compare_with_torch(lambda t: getattr(lib(t), name)(t, dim=dim), np.zeros(shape))


@requires_torch
@pytest.mark.parametrize("name", ["trapezoid", "cumulative_trapezoid"])
@pytest.mark.parametrize("call", [
    lambda L, f: f(L.ones(3, dtype=L.bool)),
    lambda L, f: f(L.ones(3), L.ones(3, dtype=L.bool)),
    lambda L, f: f(L.ones(3), dx=True),
    lambda L, f: f(L.ones(2, 3), L.ones(2)),
    lambda L, f: f(L.tensor(2.0)),
    lambda L, f: f(L.ones(2, 3), dim=2),
])
def test_trapezoid_errors_match_torch(name, call):
    with pytest.raises((RuntimeError, TypeError, IndexError)) as theirs:
        call(torch, getattr(torch, name))
    with pytest.raises(theirs.type) as ours:
        call(mt, getattr(mt, name))
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("call", [lambda f: f(mt.ones(3), 2), lambda f: f(mt.ones(3), mt.ones(3), dx=2)])
def test_trapezoid_argument_forms_raise_type_errors(call):
    for f in (mt.trapezoid, mt.cumulative_trapezoid):
        with pytest.raises(TypeError, match=f.__name__):
            call(f)


@st.composite
def gradient_cases(draw):
    edge_order = draw(st.sampled_from([1, 2]))
    shape = draw(array_shapes(min_dims=1, max_dims=2, min_side=edge_order + 1, max_side=4))
    dims = draw(st.none() | st.integers(-len(shape), len(shape) - 1)
                | st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True))
    return shape, dims, edge_order


def _dim_list(shape, dims):
    return list(range(len(shape))) if dims is None else [dims] if isinstance(dims, int) else dims


@given(case=gradient_cases(), seed=seeds)
@settings(max_examples=8)
def test_gradient_gradcheck(case, seed):
    shape, dims, edge_order = case
    y, = rand(seed, shape)
    check_gradients(lambda t: mt.gradient(t, dim=dims, edge_order=edge_order), y)
    check_gradients(lambda t: mt.gradient(t, spacing=0.7, dim=dims, edge_order=edge_order), y)
    coordinates = [_coordinates(seed + k, shape[d]) for k, d in enumerate(_dim_list(shape, dims))]
    check_gradients(lambda t, *c: mt.gradient(t, spacing=c, dim=dims, edge_order=edge_order), y, *coordinates)


@requires_torch
@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("dims", [None, 0, -1, [1], [1, 0], (0, 1)])
def test_gradient_matches_torch(dims, edge_order):
    y, = rand(5, (4, 5))
    listed = _dim_list(y.shape, dims)
    for data in (y, y.astype(np.float32), (y * 10).astype(np.int64)):
        compare_with_torch(lambda t: lib(t).gradient(t, dim=dims, edge_order=edge_order), data)
        compare_with_torch(lambda t: lib(t).gradient(t, spacing=2.5, dim=dims, edge_order=edge_order), data)
        compare_with_torch(lambda t: lib(t).gradient(t, spacing=[2, 0.5][:len(listed)], dim=dims,
                                                     edge_order=edge_order), data)
        coordinates = [_coordinates(k, data.shape[d]) for k, d in enumerate(listed)]
        compare_with_torch(lambda t, *c: lib(t).gradient(t, spacing=c, dim=dims, edge_order=edge_order), data,
                           *coordinates)
        compare_with_torch(lambda t, *c: lib(t).gradient(t, spacing=list(c), dim=dims, edge_order=edge_order),
                           data, *[(c * 3).astype(np.int64) for c in coordinates])
    compare_with_torch(lambda t: lib(t).gradient(t, spacing=lib(t).tensor(2.0)), y)
    assert mt.gradient(mt.tensor(2.0)) == ()


@requires_torch
@pytest.mark.parametrize("call", [
    lambda L: L.gradient(L.ones(2, 3), edge_order=2),
    lambda L: L.gradient(L.ones(3, 3), edge_order=3),
    lambda L: L.gradient(L.ones(3, 3), spacing=[1.0]),
    lambda L: L.gradient(L.ones(3, 3), spacing=[1.0], dim=[0, 1]),
    lambda L: L.gradient(L.ones(3, dtype=L.uint8)),
    lambda L: L.gradient(L.ones(3), spacing=[L.ones(1, 3)]),
    lambda L: L.gradient(L.ones(3), spacing=[L.tensor(2.0)]),
    lambda L: L.gradient(L.ones(3, 0)),
    lambda L: L.gradient(L.ones(3, 3), dim=[0, 0]),
    lambda L: L.gradient(L.ones(3, 3), dim=2),
])
def test_gradient_errors_match_torch(call):
    with pytest.raises((RuntimeError, TypeError, IndexError)) as theirs:
        call(torch)
    with pytest.raises(theirs.type) as ours:
        call(mt)
    assert str(ours.value) == str(theirs.value)


def test_gradient_refuses_coordinates_of_the_wrong_length():
    with pytest.raises(RuntimeError, match="coordinates of dimension 0 to have its size 3, but got 2"):
        mt.gradient(mt.ones(3), spacing=[mt.tensor([0.0, 1.0])])
    with pytest.raises(TypeError, match="spacing must be a number"):
        mt.gradient(mt.ones(3), spacing=mt.tensor([0.0, 1.0, 2.0]))

"""dist, renorm / renorm_ and the deprecated frobenius_norm / nuclear_norm: values, dtypes, gradients (finite
differences of first and second order, the PyTorch oracle), warnings and errors as PyTorch's."""
import math

import numpy as np
import pytest
from helpers import broadcast_pairs, check_gradients, compare_with_torch, rand, requires_torch, seeds, torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt

INF = math.inf
DIST_P = [2, 1, 3.5, 0.5, INF, -INF, -1.0]


def lib(x):
    return mt if isinstance(x, mt.Tensor) else torch


def _apart(a, b):
    """b moved so that no difference is near 0 (where |x|^p and the inf norms have kinks)."""
    return b + np.where(b - a >= 0, 0.3, -0.3)


@pytest.mark.parametrize("p", DIST_P)
@given(pair=broadcast_pairs, seed=seeds)
@settings(max_examples=8)
def test_dist_gradcheck(p, pair, seed):
    a, b = rand(seed, *pair.input_shapes)
    b = _apart(a, np.broadcast_to(b, np.broadcast_shapes(a.shape, b.shape)).copy()) if b.size else b
    check_gradients(lambda x, y: lib(x).dist(x, y, p), a, b, atol=1e-4)


@requires_torch
@pytest.mark.parametrize("p", DIST_P + [0])
def test_dist_matches_torch(p):
    a, b = rand(4, (3, 1), (1, 4))
    b = _apart(a, np.broadcast_to(b, (3, 4)).copy())
    compare_with_torch(lambda x, y: x.dist(y, p=p), a, b, check_grad=p != 0)
    compare_with_torch(lambda x, y: lib(x).dist(input=x, other=y), *[v.astype(np.float32) for v in rand(5, (2,), ())])
    if p == 0:      # PyTorch's dist has no gradient at p=0 (its backward is undefined there): ours is zero
        compare_with_torch(lambda x, y: x.dist(y, p=p), a, b, check_grad=False)
        x = mt.tensor(a, requires_grad=True)
        x.dist(mt.tensor(b), 0).backward()
        assert not x.grad.numpy().any()
    if 0 <= p < INF:     # (PyTorch refuses the inf norms of empty tensors, as we do)
        compare_with_torch(lambda x, y: lib(x).dist(x, y, p), np.zeros((0, 2)), np.zeros(2), check_grad=p != 0)


@requires_torch
@pytest.mark.parametrize("call", [
    lambda L: L.dist(L.ones(3, dtype=L.int64), L.zeros(3, dtype=L.int64)),
    lambda L: L.dist(L.ones(3), L.zeros(4)),
    lambda L: L.dist(L.ones(3), 2),
    lambda L: L.dist(L.ones(0), L.ones(0), INF),
    lambda L: L.renorm(L.ones(3), 2, 0, 1),
    lambda L: L.renorm(L.ones(2, 3), 0, 0, 1),
    lambda L: L.renorm(L.ones(2, 3), -1, 0, 1),
    lambda L: L.renorm(L.ones(2, 3), 2, 0, -3),
    lambda L: L.renorm(L.ones(2, 3), 2, 2, 1),
    lambda L: L.ones(2, 3, dtype=L.int64).renorm(2, 0, 1),
    lambda L: L.frobenius_norm(L.ones(2, 3), [0, 1, 1]),
    lambda L: L.frobenius_norm(L.ones(2, 3, dtype=L.int64), [0]),
    lambda L: L.nuclear_norm(L.ones(3)),
    lambda L: L.nuclear_norm(L.ones(2, 3, 4), 1),
])
@pytest.mark.filterwarnings("ignore:at::")
def test_errors_match_torch(call):
    with pytest.raises((RuntimeError, TypeError, IndexError)) as theirs:
        call(torch)
    with pytest.raises(theirs.type) as ours:
        call(mt)
    ours, theirs = str(ours.value), str(theirs.value)
    # ours may add the op's name and the shapes to PyTorch's words
    assert theirs.lower() in ours.lower() or ours[:50] == theirs[:50], (ours, theirs)


@st.composite
def renorm_cases(draw):
    shape = draw(array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4))
    return shape, draw(st.integers(-len(shape), len(shape) - 1)), draw(st.sampled_from([1, 2, 3.0, INF]))


@given(case=renorm_cases(), seed=seeds)
@settings(max_examples=15)
def test_renorm_gradcheck(case, seed):
    shape, dim, p = case
    x, = rand(seed, shape)
    x = x + np.where(x >= 0, 0.2, -0.2)     # |x| away from 0, where the 1- and inf-norms have kinks
    check_gradients(lambda t: t.renorm(p, dim, 0.8), x, atol=1e-4)


@requires_torch
@pytest.mark.parametrize("p", [1, 2, 3.0, INF])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_renorm_matches_torch(p, dim):
    x, = rand(7, (3, 4))
    compare_with_torch(lambda t: lib(t).renorm(t, p, dim, 1.5), x)
    compare_with_torch(lambda t: t.renorm(p=p, dim=dim, maxnorm=1.5), x.astype(np.float32))
    if p != INF:
        compare_with_torch(lambda t: t.renorm(p, dim, 1.5), np.zeros((0, 3)))


@requires_torch
def test_renorm_in_place_matches_torch_and_follows_in_place_rules():
    x, = rand(8, (3, 4))
    ours, theirs = mt.tensor(x), torch.tensor(x)
    version = ours._version
    assert ours.renorm_(2, 0, 1.0) is ours and ours._version == version + 1
    theirs.renorm_(2, 0, 1.0)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        mt.ones(2, 2, requires_grad=True).renorm_(2, 0, 1)
    for L in (mt, torch):          # on a view of a non-leaf, the base's gradient goes through renorm
        a = L.tensor(x, requires_grad=True)
        b = a * 1
        b[1:].renorm_(2, 1, 0.5)
        (b * L.tensor(x)).sum().backward()
        if L is mt:
            mine = a.grad.numpy()
    np.testing.assert_allclose(mine, a.grad.numpy(), rtol=1e-10, atol=1e-14)


@requires_torch
@pytest.mark.parametrize("call", [
    lambda L, t: L.frobenius_norm(t, 1),
    lambda L, t: L.frobenius_norm(t, [0, 1], True),
    lambda L, t: L.frobenius_norm(input=t, dim=(0,), keepdim=True),
    lambda L, t: L.nuclear_norm(t),
    lambda L, t: L.nuclear_norm(t, True),
    lambda L, t: L.nuclear_norm(input=t, dim=(0, 1), keepdim=True),
    lambda L, t: L.nuclear_norm(t.reshape(2, 3, 2), [1, 2]),
    lambda L, t: L.nuclear_norm(t.reshape(2, 2, 3)),
])
def test_deprecated_norms_match_torch_and_warn(call):
    x, = rand(9, (4, 3))
    with pytest.warns(UserWarning, match="is deprecated and it is just left for JIT compatibility"):
        compare_with_torch(lambda t: call(lib(t), t), x, rtol=1e-6)
    with pytest.warns(UserWarning):
        check_gradients(lambda t: call(mt, t), x)

"""inner and vdot: shapes, dtype rules and errors as PyTorch's, gradients (finite differences of first and
second order, and the oracle)."""
import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, rand, requires_torch, seeds, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt


def lib(x):
    return mt if isinstance(x, mt.Tensor) else torch


@given(lead_a=st.lists(st.integers(0, 3), max_size=2), lead_b=st.lists(st.integers(0, 3), max_size=2),
       n=st.integers(0, 4), seed=seeds)
@settings(max_examples=15)
def test_inner_gradcheck(lead_a, lead_b, n, seed):
    a, b = rand(seed, (*lead_a, n), (*lead_b, n))
    check_gradients(lambda x, y: lib(x).inner(x, y), a, b)


@given(n=st.integers(0, 5), seed=seeds)
@settings(max_examples=10)
def test_vdot_gradcheck(n, seed):
    check_gradients(lambda x, y: x.vdot(y), *rand(seed, (n,), (n,)))


@requires_torch
@pytest.mark.parametrize("shapes", [[(2, 3), (4, 3)], [(3,), (3,)], [(2, 3), ()], [(), (2, 1, 3)], [(2, 0), (3, 0)],
                                    [(2, 1, 3), (3,)]])
def test_inner_matches_torch(shapes):
    compare_with_torch(lambda x, y: lib(x).inner(x, y), *rand(0, *shapes))
    compare_with_torch(lambda x, y: x.inner(y), *[a.astype(np.float32) for a in rand(1, *shapes)])


@requires_torch
def test_vdot_and_integer_inner_match_torch():
    compare_with_torch(lambda x, y: lib(x).vdot(x, other=y), *rand(2, (4,), (4,)))
    a, b = np.arange(6).reshape(2, 3), np.arange(3)
    compare_with_torch(lambda x, y: lib(x).inner(x, y), a, b)
    compare_with_torch(lambda x, y: lib(x).vdot(x, y), b, b)
    compare_with_torch(lambda x, y: lib(x).inner(x, y), a, np.array(2.5))


@requires_torch
@pytest.mark.parametrize("call", [
    lambda L: L.inner(L.ones(2, 3), L.ones(4, 2)),
    lambda L: L.inner(L.ones(3, dtype=L.int64), L.ones(3)),
    lambda L: L.inner(L.ones(3), 2),
    lambda L: L.vdot(L.ones(3), L.ones(4)),
    lambda L: L.vdot(L.ones(3, 1), L.ones(3)),
    lambda L: L.vdot(L.ones(3), L.ones(3, dtype=L.float64)),
])
def test_errors_match_torch(call):
    with pytest.raises((RuntimeError, TypeError)) as theirs:
        call(torch)
    with pytest.raises(theirs.type) as ours:
        call(mt)
    assert str(ours.value).split(",")[0] == str(theirs.value).split(",")[0]

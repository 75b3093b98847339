"""BLAS-style products: addmm, addmv, addr, baddbmm, addbmm (beta and alpha), chain_matmul, linalg.multi_dot,
tensordot."""
import warnings

import numpy as np
import pytest
from helpers import broadcastable_to, check_gradients, compare_with_torch, rand, requires_torch, seeds, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
import microtensor.linalg as LA

sizes = st.integers(1, 3)

# name -> (function of (lib, input, a, b, beta, alpha), the product's operand shapes from sizes (b, n, m, p),
# the product's shape)
ADD_PRODUCTS = {
    "addmm": (lambda lib, i, a, b, **k: lib.addmm(i, a, b, **k), lambda b, n, m, p: ((n, m), (m, p)),
              lambda b, n, m, p: (n, p)),
    "addmv": (lambda lib, i, a, b, **k: lib.addmv(i, a, b, **k), lambda b, n, m, p: ((n, m), (m,)),
              lambda b, n, m, p: (n,)),
    "addr": (lambda lib, i, a, b, **k: lib.addr(i, a, b, **k), lambda b, n, m, p: ((n,), (m,)),
             lambda b, n, m, p: (n, m)),
    "baddbmm": (lambda lib, i, a, b, **k: lib.baddbmm(i, a, b, **k), lambda b, n, m, p: ((b, n, m), (b, m, p)),
                lambda b, n, m, p: (b, n, p)),
    "addbmm": (lambda lib, i, a, b, **k: lib.addbmm(i, a, b, **k), lambda b, n, m, p: ((b, n, m), (b, m, p)),
               lambda b, n, m, p: (n, p)),
}
SCALES = [{}, {"beta": 0.5, "alpha": -2.0}, {"beta": 0}, {"alpha": 0}, {"beta": 2}]


@st.composite
def add_product_case(draw, name):
    dims = tuple(draw(sizes) for _ in range(4))
    _, operands, out = ADD_PRODUCTS[name]
    return (broadcastable_to(draw, out(*dims)), *operands(*dims))


@pytest.mark.parametrize("name", ADD_PRODUCTS)
@pytest.mark.parametrize("scale", SCALES, ids=str)
@given(data=st.data(), seed=seeds)
@settings(max_examples=6, deadline=None, derandomize=True)
def test_add_products_gradcheck(name, scale, data, seed):
    fn = ADD_PRODUCTS[name][0]
    check_gradients(lambda i, a, b: fn(mt, i, a, b, **scale), *rand(seed, *data.draw(add_product_case(name))))


@requires_torch
@pytest.mark.parametrize("name", ADD_PRODUCTS)
@pytest.mark.parametrize("scale", SCALES, ids=str)
@pytest.mark.parametrize("input_shape", ["full", "broadcast"])
def test_add_products_match_torch(name, scale, input_shape):
    fn, operands, out = ADD_PRODUCTS[name]
    dims = (2, 3, 4, 2)
    shape = out(*dims) if input_shape == "full" else (1,) * len(out(*dims))
    arrays = [a.astype(np.float32) for a in rand(3, shape, *operands(*dims))]
    compare_with_torch(lambda i, a, b: fn(mt, i, a, b, **scale), *arrays,
                       torch_fn=lambda i, a, b: fn(torch, i, a, b, **scale))
    compare_with_torch(lambda i, a, b: getattr(i, name)(a, b, **scale), *arrays)   # the Tensor method


@requires_torch
@pytest.mark.parametrize("name", ADD_PRODUCTS)
def test_beta_zero_ignores_nan_and_inf_in_input(name):
    fn, operands, out = ADD_PRODUCTS[name]
    dims = (2, 3, 4, 2)
    inp = np.full(out(*dims), np.nan)
    inp.flat[0] = np.inf
    arrays = [inp, *rand(4, *operands(*dims))]
    compare_with_torch(lambda i, a, b: fn(mt, i, a, b, beta=0), *arrays,
                       torch_fn=lambda i, a, b: fn(torch, i, a, b, beta=0))   # gradient of input: zeros
    assert np.isfinite(fn(mt, *(mt.tensor(a) for a in arrays), beta=0).numpy()).all()


@requires_torch
def test_add_products_of_integers_match_torch():
    i, a, b = np.arange(6).reshape(2, 3), np.arange(8).reshape(2, 4) - 3, np.arange(12).reshape(4, 3)
    compare_with_torch(lambda i, a, b: mt.addmm(i, a, b, beta=2, alpha=3), i, a, b,
                       torch_fn=lambda i, a, b: torch.addmm(i, a, b, beta=2, alpha=3), check_grad=False)


@pytest.mark.parametrize("call, match", [
    (lambda: mt.addmm(mt.zeros(3, 2), mt.ones(2, 3), mt.ones(3, 2)), r"addmm: input of shape \[3, 2\]"),
    (lambda: mt.addmm(mt.zeros(2, 2, dtype=mt.float64), mt.ones(2, 3), mt.ones(3, 2)),
     "self and mat2 must have the same dtype, but got Double and Float"),
    (lambda: mt.addmm(mt.zeros(2, 2), mt.ones(2, 3), mt.ones(2, 2)), "cannot be multiplied"),
    (lambda: mt.addmv(mt.zeros(3), mt.ones(2, 3), mt.ones(3)), r"addmv: input of shape \[3\]"),
    (lambda: mt.addr(mt.zeros(2, 2), mt.ones(2), mt.ones(2, 1)), "Expected 1-D argument vec2"),
    (lambda: mt.baddbmm(mt.zeros(2, 2), mt.ones(2, 2, 2), mt.ones(3, 2, 2)),
     r"Expected size for first two dimensions of batch2 tensor to be: \[2, 2\]"),
    (lambda: mt.addbmm(mt.zeros(2, 2), mt.ones(2, 2), mt.ones(2, 2, 2)), "batch1 must be a 3D tensor"),
])
def test_add_product_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


# ----------------------------------------------------------------------------- chains
CHAINS = [[(3,), (3, 2)], [(2, 3), (3,)], [(3,), (3,)], [(2, 3), (3, 4), (4, 1)], [(4,), (4, 1), (1, 5), (5, 2), (2,)],
          [(1, 3), (3, 6), (6, 2), (2, 4)], [(2, 0), (0, 3), (3, 1)]]


@pytest.mark.parametrize("shapes", CHAINS, ids=str)
def test_multi_dot_gradcheck(shapes):
    check_gradients(lambda *ts: LA.multi_dot(ts), *rand(0, *shapes))


@requires_torch
@pytest.mark.parametrize("shapes", CHAINS, ids=str)
def test_multi_dot_matches_torch(shapes):
    compare_with_torch(lambda *ts: LA.multi_dot(list(ts)), *rand(1, *shapes),
                       torch_fn=lambda *ts: torch.linalg.multi_dot(list(ts)))


def test_multi_dot_picks_the_cheapest_order(monkeypatch):
    """(10x100)(100x5)(5x50): (AB)C costs 7500 products, A(BC) 75000."""
    calls = []
    real = mt.ops.blas.mm
    monkeypatch.setattr(mt.ops.blas, "mm", lambda a, b: calls.append((tuple(a.shape), tuple(b.shape))) or real(a, b))
    LA.multi_dot([mt.ones(10, 100), mt.ones(100, 5), mt.ones(5, 50)])
    assert calls == [((10, 100), (100, 5)), ((10, 5), (5, 50))]


@requires_torch
def test_chain_matmul_warns_and_matches_torch():
    arrays = rand(2, (2, 3), (3, 4), (4, 2))
    with pytest.warns(UserWarning, match="torch.chain_matmul is deprecated"):
        compare_with_torch(lambda *ts: mt.chain_matmul(*ts), *arrays, torch_fn=lambda *ts: torch.chain_matmul(*ts))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = mt.ones(2, 3)
        single = mt.chain_matmul(one)
        assert single is not one and np.array_equal(single.numpy(), one.numpy())


@pytest.mark.parametrize("call, match", [
    (lambda: LA.multi_dot([mt.ones(3)]), "expected at least 2 tensors but got 1"),
    (lambda: LA.multi_dot([mt.ones(3, 2), mt.ones(3)]), r"tensors 0 and 1 with shapes \(3, 2\) and \(3, 1\)"),
    (lambda: LA.multi_dot([mt.ones(3, 2, 2), mt.ones(2)]), "the first tensor must be 1D or 2D but got 3D"),
    (lambda: LA.multi_dot([mt.ones(2), mt.ones(2), mt.ones(2)]), "tensor 1 tensor must be 2D but got 1D"),
    (lambda: LA.multi_dot([mt.ones(2, 2), mt.ones(2, 2, dtype=mt.float64)]), "all tensors must have the same dtype"),
    (lambda: mt.chain_matmul(mt.ones(2, 3), mt.ones(3)), "Expected all tensors to be 2D but tensor 1 is 1D"),
    (lambda: mt.chain_matmul(), "Expected one or more matrices"),
])
def test_chain_errors(call, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match=match):
            call()


# ----------------------------------------------------------------------------- tensordot
TENSORDOTS = [((2, 3, 4), (3, 4, 2), 2), ((2, 3), (3, 2), 1), ((2, 3), (4,), 0), ((), (2,), 0),
              ((2, 3, 4), (4, 2, 3), ([1, 2], [2, 0])), ((2, 3), (2, 3), ([0, 1], [0, 1])),
              ((2, 3), (5, 3), ([-1], [-1])), ((2, 0), (0, 3), 1)]


@pytest.mark.parametrize("sa, sb, dims", TENSORDOTS, ids=str)
def test_tensordot_gradcheck(sa, sb, dims):
    check_gradients(lambda a, b: mt.tensordot(a, b, dims=dims), *rand(0, sa, sb))


@requires_torch
@pytest.mark.parametrize("sa, sb, dims", TENSORDOTS, ids=str)
def test_tensordot_matches_torch(sa, sb, dims):
    compare_with_torch(lambda a, b: mt.tensordot(a, b, dims), *rand(1, sa, sb),
                       torch_fn=lambda a, b: torch.tensordot(a, b, dims))
    compare_with_torch(lambda a, b: mt.tensordot(a, b, dims=mt.tensor(dims)), *rand(1, sa, sb),
                       torch_fn=lambda a, b: torch.tensordot(a, b, dims=torch.tensor(dims)))


@pytest.mark.parametrize("dims, match", [
    (([1], [1]), "contracted dimensions need to match, but first has size 3 in dim 1 and second has size 2"),
    (-1, "tensordot expects dims >= 0, but got dims=-1"),
    (3, "tensordot expects dims < ndim_a or ndim_b, but got dims=3"),
    (([0, 1], [1]), "both dimension lists should have same length"),
    (([1],), "expects dims to be a pair of lists"),
])
def test_tensordot_errors(dims, match):
    with pytest.raises(RuntimeError, match=match):
        mt.tensordot(mt.ones(2, 3), mt.ones(3, 2), dims=dims)


def test_tensordot_refuses_a_pair_of_ints_as_pytorch():
    with pytest.raises(TypeError, match="argument 'dims_self' must be a list of ints, not int"):
        mt.tensordot(mt.ones(2, 3), mt.ones(3, 2), dims=(1, 0))


# ----------------------------------------------------------------------------- trace
@requires_torch
@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2), (0, 3)])
def test_trace_matches_torch(shape):
    check_gradients(mt.trace, *rand(0, shape))
    compare_with_torch(lambda a: a.trace(), *rand(0, shape))
    compare_with_torch(lambda a: a.trace(), np.arange(6).reshape(2, 3), check_grad=False)

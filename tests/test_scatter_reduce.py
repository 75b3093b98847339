"""scatter_reduce and index_reduce (sum, prod, mean, amax, amin; include_self): finite-difference gradients of
first and second order, PyTorch's values and gradients (ties and zeros included), errors."""
import warnings

import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, rand, requires_torch, seeds, torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt

REDUCE = ["sum", "prod", "mean", "amax", "amin"]
pytestmark = pytest.mark.filterwarnings("ignore:index_reduce\\(\\) is in beta")


def m(x):
    return torch if torch is not None and isinstance(x, torch.Tensor) else mt


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCE)
@given(data=st.data(), seed=seeds)
@settings(max_examples=8, deadline=None, derandomize=True)
def test_scatter_reduce_gradcheck(reduce, include_self, data, seed):
    shape = data.draw(array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
    d = data.draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
    rng = np.random.default_rng(seed)
    if shape:
        # along dim: any count of positions (none when there is nowhere to scatter); elsewhere up to input's size
        ishape = tuple(data.draw(st.integers(0, (4 if shape[d] else 0) if k == d % len(shape) else n))
                       for k, n in enumerate(shape))
        index = mt.tensor(rng.integers(0, max(shape[d], 1), size=ishape))
    else:
        ishape, index = (), mt.tensor(0)
    fn = lambda x, s: x.scatter_reduce(d, index, s, reduce, include_self=include_self)  # noqa: E731
    check_gradients(fn, *rand(seed, shape, ishape))


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCE[1:])
@given(data=st.data(), seed=seeds)
@settings(max_examples=6, deadline=None, derandomize=True)
def test_index_reduce_gradcheck(reduce, include_self, data, seed):
    shape = data.draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    d = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = data.draw(st.integers(0, 4))
    index = mt.tensor(np.random.default_rng(seed).integers(0, shape[d], size=n))
    sshape = tuple(n if k == d % len(shape) else s for k, s in enumerate(shape))
    fn = lambda x, s: mt.index_reduce(x, d, index, s, reduce, include_self=include_self)  # noqa: E731
    check_gradients(fn, *rand(seed, shape, sshape))


# values with ties and zeros, so the tie-sharing and zero rules of PyTorch's gradients are exercised
SELF = np.array([[1.0, 2.0, 0.0, 3.0], [2.0, 2.0, 1.0, 0.0], [4.0, 0.0, 2.0, 1.0]])
SRC = np.array([[2.0, 1.0, 0.0, 3.0], [0.0, 2.0, 5.0, 1.0], [2.0, 3.0, 2.0, 1.0]])
INDEX = np.array([[0, 1, 0, 0], [0, 1, 1, 2], [2, 1, 0, 0]])


@requires_torch
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCE)
def test_scatter_reduce_matches_torch(reduce, include_self, dim):
    fn = lambda x, s: x.scatter_reduce(dim, _index(x, INDEX), s, reduce=reduce,  # noqa: E731
                                       include_self=include_self)
    compare_with_torch(fn, SELF, SRC, rtol=1e-12, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCE[1:])
def test_index_reduce_matches_torch(reduce, include_self):
    fn = lambda x, s: m(x).index_reduce(x, 0, _index(x, [2, 0, 2]), s, reduce,  # noqa: E731
                                        include_self=include_self)
    compare_with_torch(fn, SELF, SRC, rtol=1e-12, atol=1e-12)
    fn_1 = lambda x, s: x.index_reduce(1, _index(x, [3, 3, 0, 1]), s, reduce, include_self=include_self)  # noqa
    compare_with_torch(fn_1, SELF, SRC, rtol=1e-12, atol=1e-12)


def _index(x, values):
    return m(x).tensor(np.asarray(values, dtype=np.int64))


@requires_torch
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCE)
def test_integer_scatter_reduce_matches_torch(reduce, include_self):
    x, s, i = np.array([5, -7, 9, 2]), np.array([2, 3, -4, 6, 1]), np.array([0, 0, 1, 1, 3])
    ours = mt.tensor(x).scatter_reduce(0, mt.tensor(i), mt.tensor(s), reduce, include_self=include_self)
    theirs = torch.tensor(x).scatter_reduce(0, torch.tensor(i), torch.tensor(s), reduce, include_self=include_self)
    assert ours.dtype == mt.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@requires_torch
def test_in_place_forms_match_torch():
    for lib in (mt, torch):
        x = lib.tensor(SELF.copy())
        assert x.scatter_reduce_(1, lib.tensor(INDEX), lib.tensor(SRC), "amax", include_self=False) is x
        x.index_reduce_(0, lib.tensor([1, 1, 0]), lib.tensor(SRC), "mean")
        if lib is mt:
            ours = x.numpy()
    np.testing.assert_allclose(ours, x.numpy())


def test_prod_double_backward_with_two_zeros_raises_as_torch():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    s = mt.tensor([0.0, 0.0, 2.0], requires_grad=True)
    y = x.scatter_reduce(0, mt.tensor([0, 0, 1]), s, "prod")
    g, = mt.autograd.grad(y.sum(), s, create_graph=True)
    assert g.tolist() == [0.0, 0.0, 2.0]   # first order is fine, as in PyTorch
    with pytest.raises(RuntimeError, match="Double backward is unsupported for src when >1 zeros"):
        mt.autograd.grad(g.sum(), s)


def test_index_reduce_warns_beta_as_torch():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mt.zeros(2).index_reduce(0, mt.tensor([0]), mt.ones(1), "amax")
    assert any("index_reduce() is in beta" in str(w.message) for w in caught)


ERRORS = [
    (lambda: mt.zeros(3, 4).scatter_reduce(0, mt.tensor(INDEX[:2, :2]), mt.ones(2, 2), "max"), RuntimeError,
     "reduce argument must be either sum, prod, mean, amax or amin, got max"),
    (lambda: mt.zeros(3, 4).scatter_reduce(0, mt.tensor(INDEX[:2, :2]), mt.ones(2, 2, dtype=mt.float64), "sum"),
     RuntimeError, "Expected self.dtype to be equal to src.dtype"),
    (lambda: mt.zeros(3, 4).scatter_reduce(0, mt.tensor([0, 1]), mt.ones(2), "sum"), RuntimeError,
     "same number of dimensions"),
    (lambda: mt.zeros(3, 4).scatter_reduce(0, mt.tensor([[3]]), mt.ones(1, 1), "sum"), RuntimeError,
     "index 3 is out of bounds for dimension 0 with size 3"),
    (lambda: mt.zeros(3, 4).scatter_reduce(0, mt.tensor([[0.0]]), mt.ones(1, 1), "sum"), RuntimeError,
     "Expected dtype int32 or int64 for index"),
    (lambda: mt.zeros(3, 4).index_reduce(0, mt.tensor([0, 1]), mt.ones(2, 4), "sum"), RuntimeError,
     "Expected reduce to be one of prod, mean, amax or amin but got sum."),
    (lambda: mt.zeros(3, 4).index_reduce(0, mt.tensor([[0, 1]]), mt.ones(2, 4), "amax"), IndexError,
     r"Index is supposed to be a vector, but got dim: 2 with type: Long and size: \[1, 2\]"),
    (lambda: mt.zeros(3, 4).index_reduce(0, mt.tensor([0, 1, 2]), mt.ones(2, 4), "amax"), RuntimeError,
     r"Number of indices \(3\) should be equal to source.size\(dim\): \(2\), for dim: 0"),
    (lambda: mt.zeros(3, 4).index_reduce(0, mt.tensor([0, 1]), mt.ones(2, 3), "amax"), RuntimeError,
     r"Got self.shape = \[3, 4\] source.shape = \[2, 3\]"),
    (lambda: mt.zeros(3, 4).index_reduce(0, mt.tensor([0, 5]), mt.ones(2, 4), "amax"), IndexError,
     "index out of range in self"),
]


@pytest.mark.parametrize("fn, error, match", ERRORS)
def test_scatter_reduce_errors(fn, error, match):
    with pytest.raises(error, match=match):
        fn()

"""linalg.tensorinv, linalg.tensorsolve and linalg.vander: finite differences (first and second order),
values, shapes, dtypes and gradients against PyTorch, and PyTorch's errors."""
import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, raises_starting_with, requires_torch, seeds, torch
from hypothesis import given, settings

import microtensor as mt


def _well_conditioned(shape, k, rng):
    """An array of ``shape`` whose matrix view (prod(shape[:k]), prod(shape[k:])) is near a multiple of I."""
    n = int(np.prod(shape[:k]))
    return (rng.standard_normal((n, n)) + 2 * n * np.eye(n)).reshape(shape)


# name -> (f(lib, *inputs), inputs from an rng)
OPS = {
    "tensorinv": (lambda T, a: T.linalg.tensorinv(a), lambda r: [_well_conditioned((2, 3, 6), 2, r)]),
    "tensorinv_ind1": (lambda T, a: T.linalg.tensorinv(a, ind=1), lambda r: [_well_conditioned((4, 2, 2), 1, r)]),
    "tensorsolve": (lambda T, a, b: T.linalg.tensorsolve(a, b),
                    lambda r: [_well_conditioned((2, 3, 6), 2, r), r.standard_normal((2, 3))]),
    "tensorsolve_dims": (lambda T, a, b: T.linalg.tensorsolve(a, b, dims=(0,)),
                         lambda r: [np.moveaxis(_well_conditioned((6, 3, 2), 1, r), -1, 0).copy(),   # contiguous
                                    r.standard_normal(6)]),
    "vander": (lambda T, x: T.linalg.vander(x), lambda r: [r.standard_normal(4)]),
    "vander_batch_N": (lambda T, x: T.linalg.vander(x, N=3), lambda r: [r.standard_normal((2, 1, 4))]),
    "vander_zeros": (lambda T, x: T.linalg.vander(x * 0, N=4), lambda r: [r.standard_normal(3)]),
    "vander_0d": (lambda T, x: T.linalg.vander(x, N=2), lambda r: [np.float64(r.standard_normal())]),
}


@pytest.mark.parametrize("name", OPS)
@given(seed=seeds)
@settings(max_examples=4, deadline=None, derandomize=True)
def test_gradcheck(name, seed):
    f, make = OPS[name]
    check_gradients(lambda *xs: f(mt, *xs), *make(np.random.default_rng(seed)))


@requires_torch
@pytest.mark.parametrize("name", OPS)
def test_matches_torch(name):
    f, make = OPS[name]
    compare_with_torch(lambda *xs: f(mt, *xs), *make(np.random.default_rng(0)), torch_fn=lambda *xs: f(torch, *xs),
                       rtol=1e-7, atol=1e-9)


@requires_torch
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "float32"])
def test_vander_dtypes_match_torch(dtype):
    x = np.array([1, 2, 3], dtype=dtype)
    ours, theirs = mt.linalg.vander(mt.tensor(x)), torch.linalg.vander(torch.tensor(x))
    assert ours.dtype.name == str(theirs.dtype)[6:] and ours.tolist() == theirs.tolist()


ERRORS = [
    (lambda: mt.linalg.tensorinv(mt.ones(2, 3, 6), ind=1), "Expected self to satisfy the requirement "
     "prod(self.shape[ind:]) == prod(self.shape[:ind]), but got 18 != 2"),
    (lambda: mt.linalg.tensorinv(mt.ones(2, 3, 6), ind=0), "Expected a strictly positive integer for 'ind', but got 0"),
    (lambda: mt.linalg.tensorinv(mt.zeros(2, 2, 2, 2)), "linalg.inv: "),
    (lambda: mt.linalg.tensorsolve(mt.ones(2, 3, 6, 4), mt.ones(6, 5)), "Expected self to satisfy the requirement "
     "prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]), but got 24 != 30"),
    (lambda: mt.linalg.vander(mt.tensor([True, False])), "linalg.vander supports floating point, complex, and "
     "integer tensors, but got Bool"),
    (lambda: mt.linalg.vander(mt.tensor(2.0)), "N must be greater than 1."),
    (lambda: mt.linalg.vander(mt.ones(3), N=1), "N must be greater than 1."),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors(k):
    raises_starting_with(*ERRORS[k])

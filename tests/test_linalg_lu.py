"""LU decomposition (linalg.lu_factor, lu_factor_ex, lu, lu_solve; torch.lu, lu_unpack, lu_solve): LAPACK's
packed factors and 1-based pivots exactly as PyTorch returns them, finite differences (first and second order)
on batched square, wide and tall inputs, values and gradients against PyTorch, and PyTorch's errors."""
import warnings

import numpy as np
import pytest
from helpers import (
    check_gradients,
    compare_with_torch,
    matrix_op_inputs,
    raises_starting_with,
    requires_torch,
    seeds,
    torch,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt


def _square(rng, batch, n):
    return rng.standard_normal(batch + (n, n))


def _wide(rng, batch, n):
    return rng.standard_normal(batch + (n, n + 2))


def _tall(rng, batch, n):
    return rng.standard_normal(batch + (n + 2, n))


def _rhs(rng, batch, n):
    return rng.standard_normal(batch + (n, 2))


def _quiet(f):
    """``f`` with PyTorch's (and our) deprecation warnings of the legacy forms silenced."""
    def call(*args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return f(*args)
    return call


# name -> (f(lib, *inputs), the makers of its inputs from (rng, batch shape, n)); the inputs are random, not
# diagonally dominant, so that rows really are swapped
OPS = {
    "lu_factor": (lambda T, a: T.linalg.lu_factor(a).LU, (_square,)),
    "lu_factor_wide": (lambda T, a: T.linalg.lu_factor(a)[0], (_wide,)),
    "lu_factor_tall": (lambda T, a: T.linalg.lu_factor(a)[0], (_tall,)),
    "lu_factor_ex": (lambda T, a: T.linalg.lu_factor_ex(a, check_errors=True).LU, (_square,)),
    "lu": (lambda T, a: tuple(T.linalg.lu(a)), (_square,)),
    "lu_wide": (lambda T, a: tuple(T.linalg.lu(a, pivot=True)), (_wide,)),
    "lu_tall": (lambda T, a: tuple(T.linalg.lu(a)), (_tall,)),
    "lu_U_only": (lambda T, a: T.linalg.lu(a).U, (_tall,)),
    "lu_solve": (lambda T, a, b: T.linalg.lu_solve(*T.linalg.lu_factor(a), b), (_square, _rhs)),
    "lu_solve_adjoint": (lambda T, a, b: T.linalg.lu_solve(*T.linalg.lu_factor(a), b, adjoint=True), (_square, _rhs)),
    "lu_solve_right": (lambda T, a, b: T.linalg.lu_solve(*T.linalg.lu_factor(a), b.mT, left=False),
                       (_square, _rhs)),
    "lu_solve_right_adjoint": (lambda T, a, b: T.linalg.lu_solve(*T.linalg.lu_factor(a), b.mT, left=False,
                                                                 adjoint=True), (_square, _rhs)),
    "torch_lu_solve": (_quiet(lambda T, a, b: T.lu_solve(b, *T.lu(a))), (_square, _rhs)),
    "tensor_lu_solve": (_quiet(lambda T, a, b: b.lu_solve(*a.lu())), (_square, _rhs)),
    "lu_unpack": (lambda T, a: tuple(T.lu_unpack(*T.linalg.lu_factor(a))[1:]), (_wide,)),
}


@pytest.mark.parametrize("name", OPS)
@given(batch=st.sampled_from([(), (1,), (2,), (2, 1)]), n=st.integers(1, 3), seed=seeds)
@settings(max_examples=6, deadline=None, derandomize=True)
def test_gradcheck(name, batch, n, seed):
    f = OPS[name][0]
    check_gradients(lambda *xs: f(mt, *xs), *matrix_op_inputs(OPS[name][1], seed, batch, n))


@requires_torch
@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("batch", [(), (2,), (2, 1)])
def test_matches_torch(name, batch):
    f = OPS[name][0]
    inputs = matrix_op_inputs(OPS[name][1], 3, batch, 4)
    compare_with_torch(lambda *xs: f(mt, *xs), *inputs, torch_fn=lambda *xs: f(torch, *xs),
                       rtol=1e-7, atol=1e-9)


@requires_torch
@pytest.mark.parametrize("shape", [(5, 5), (3, 6, 6), (2, 3, 4, 7), (7, 4), (0, 3, 3), (2, 0, 4), (3, 0), (1, 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_factors_and_pivots_match_torch_exactly(shape, dtype):
    a = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    a[..., :1, :] *= 1e-3                                   # the first pivot is never row 1
    ours, theirs = mt.linalg.lu_factor_ex(mt.tensor(a)), torch.linalg.lu_factor_ex(torch.tensor(a))
    assert type(ours).__name__ == "linalg_lu_factor_ex" and ours._fields == ("LU", "pivots", "info")
    for o, t in zip(ours, theirs):
        assert o.dtype.name == str(t.dtype)[6:] and tuple(o.shape) == tuple(t.shape)
    assert ours.pivots.tolist() == theirs.pivots.tolist() and ours.info.tolist() == theirs.info.tolist()
    atol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ours.LU.numpy(), theirs.LU.numpy(), rtol=1e-5, atol=atol)
    for o, t in zip(mt.linalg.lu(mt.tensor(a)), torch.linalg.lu(torch.tensor(a))):
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-5, atol=atol)


@requires_torch
@pytest.mark.parametrize("a", [[[1.0, 2], [2, 4]], [[0.0, 0], [0, 0]], [[0.0, 1, 2], [0, 3, 4], [0, 5, 7]]])
def test_singular_info_matches_torch(a):
    ours, theirs = mt.linalg.lu_factor_ex(mt.tensor(a)), torch.linalg.lu_factor_ex(torch.tensor(a))
    assert ours.info.item() == theirs.info.item() > 0
    assert ours.pivots.tolist() == theirs.pivots.tolist()
    np.testing.assert_allclose(ours.LU.numpy(), theirs.LU.numpy(), atol=1e-7)


@requires_torch
@pytest.mark.parametrize("kwargs", [{}, {"unpack_data": False}, {"unpack_pivots": False}])
def test_lu_unpack_flags_match_torch(kwargs):
    a = np.random.default_rng(1).standard_normal((2, 4, 3))
    ours = mt.lu_unpack(*mt.linalg.lu_factor(mt.tensor(a)), **kwargs)
    theirs = torch.lu_unpack(*torch.linalg.lu_factor(torch.tensor(a)), **kwargs)
    assert type(ours).__name__ == "lu_unpack" and ours._fields == ("P", "L", "U")
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(o.numpy(), t.numpy(), atol=1e-12)


@requires_torch
def test_torch_lu_legacy_form_matches_torch():
    a = np.array([[1.0, 2], [2, 4]])
    with pytest.warns(UserWarning, match="torch.lu is deprecated in favor of torch.linalg.lu_factor"):
        ours = mt.lu(mt.tensor(a))                          # singular: no error, as in PyTorch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.lu(torch.tensor(a))
        theirs_info = torch.lu(torch.tensor(a), get_infos=True)
    assert type(ours) is tuple and len(ours) == len(theirs) == 2
    with pytest.warns(UserWarning):
        ours_info = mt.tensor(a).lu(get_infos=True)
    assert ours_info._fields == ("LU", "pivots", "info") and ours_info.info.item() == theirs_info.info.item() == 2
    with pytest.warns(UserWarning, match="torch.lu_solve is deprecated in favor of torch.linalg.lu_solve"):
        mt.lu_solve(mt.ones(2, 1, dtype=mt.float64), *mt.linalg.lu_factor(mt.eye(2, dtype=mt.float64)))


@requires_torch
def test_lu_solve_broadcasts_batches_like_torch():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((2, 1, 3, 2))
    ours = mt.linalg.lu_solve(*mt.linalg.lu_factor(mt.tensor(a)), mt.tensor(b))
    theirs = torch.linalg.lu_solve(*torch.linalg.lu_factor(torch.tensor(a)), torch.tensor(b))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-12)


def test_lu_solve_solves():
    a = mt.randn(4, 5, 5, dtype=mt.float64)
    x = mt.linalg.lu_solve(*mt.linalg.lu_factor(a), mt.eye(5, dtype=mt.float64))
    np.testing.assert_allclose((a @ x).numpy(), np.broadcast_to(np.eye(5), (4, 5, 5)), atol=1e-10)


_LU, _PIV = mt.linalg.lu_factor(mt.eye(3))
_SINGULAR = mt.tensor([[[1.0, 0], [0, 1]], [[1.0, 2], [2, 4]]])
# (call, the start of PyTorch's message)
ERRORS = [
    (lambda: mt.linalg.lu_factor(_SINGULAR), "torch.linalg.lu_factor: (Batch element 1): U[2,2] is zero and using "
     "it on lu_solve would result in a division by zero. If you still want to perform the factorization, consider "
     "calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)"),
    (lambda: mt.linalg.lu_factor_ex(_SINGULAR[1], check_errors=True), "torch.linalg.lu_factor_ex: U[2,2] is zero"),
    (lambda: mt.linalg.lu_factor(mt.eye(2), pivot=False), "linalg.lu_factor: LU without pivoting is not implemented "
     "on the CPU"),
    (lambda: mt.linalg.lu(mt.eye(2), pivot=False), "linalg.lu: LU without pivoting is not implemented on the CPU"),
    (lambda: mt.linalg.lu_factor(mt.ones(3)), "linalg.lu_factor: The input tensor A must have at least 2 dimensions."),
    (lambda: mt.linalg.lu_factor(mt.ones(2, 2, dtype=mt.int64)), "linalg.lu_factor: Expected a floating point"),
    (lambda: mt.linalg.lu_solve(_LU, _PIV, mt.ones(3)), "linalg.lu_solve: The input tensor B must have at least 2 "
     "dimensions."),
    (lambda: mt.linalg.lu_solve(_LU, _PIV, mt.ones(4, 2)), "linalg.lu_solve: Incompatible shapes of A and B for the "
     "equation AX = B (3x3 and 4x2)"),
    (lambda: mt.linalg.lu_solve(_LU, _PIV, mt.ones(3, 2, dtype=mt.float64)), "linalg.lu_solve: Expected LU and B to "
     "have the same dtype, but found LU of type Float and B of type Double instead"),
    (lambda: mt.linalg.lu_solve(_LU, _PIV.long(), mt.ones(3, 2)), "linalg.lu_solve: pivots should be a Tensor of "
     "scalar type torch.int32"),
    (lambda: mt.linalg.lu_solve(_LU[:, :2], _PIV, mt.ones(3, 2)), "torch.linalg.lu_solve: A must be batches of "
     "square matrices, but they are 3 by 2 matrices"),
    (lambda: mt.lu_unpack(_LU, _PIV.long()), "torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of "
     "torch.int32 dtype.\nNote: this function is intended to be used with the output produced by "
     "torch.linalg.lu_factor"),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors(k):
    raises_starting_with(*ERRORS[k])

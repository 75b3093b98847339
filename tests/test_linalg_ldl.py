"""linalg.ldl_factor, ldl_factor_ex and ldl_solve: LAPACK's Bunch-Kaufman LDL^T (pivots exactly as PyTorch
returns them, 1 x 1 and 2 x 2 blocks), solutions that solve, batches, and PyTorch's refusals and errors.
PyTorch has no derivative for either, so neither has one here."""
import numpy as np
import pytest
from helpers import raises_starting_with, requires_torch, torch

import microtensor as mt


def _symmetric(rng, shape, small_row=False):
    a = rng.standard_normal(shape)
    if small_row:                                    # forces 2 x 2 pivots and interchanges
        a[..., 0, :] *= 1e-3
        a[..., :, 0] *= 1e-3
    return a + np.swapaxes(a, -1, -2)


@requires_torch
@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (5, 5), (3, 4, 4), (2, 1, 6, 6), (0, 3, 3)])
def test_factor_matches_torch(seed, shape):
    a = _symmetric(np.random.default_rng(seed), shape, small_row=seed % 2 == 1)
    ours, theirs = mt.linalg.ldl_factor_ex(mt.tensor(a)), torch.linalg.ldl_factor_ex(torch.tensor(a))
    assert type(ours).__name__ == "linalg_ldl_factor_ex" and ours._fields == ("LD", "pivots", "info")
    assert ours.pivots.dtype == mt.int32 and ours.pivots.tolist() == theirs.pivots.tolist()
    assert ours.info.tolist() == theirs.info.tolist()
    np.testing.assert_allclose(ours.LD.numpy(), theirs.LD.numpy(), atol=1e-10)
    b = np.random.default_rng(seed).standard_normal(shape[:-1] + (2,))
    x = mt.linalg.ldl_solve(*mt.linalg.ldl_factor(mt.tensor(a), hermitian=True), mt.tensor(b))
    np.testing.assert_allclose(x.numpy(), torch.linalg.ldl_solve(*theirs[:2], torch.tensor(b)).numpy(), atol=1e-9)


def test_ldl_solve_solves_and_broadcasts():
    rng = np.random.default_rng(0)
    a, b = _symmetric(rng, (3, 5, 5), small_row=True), rng.standard_normal((2, 1, 5, 3))
    x = mt.linalg.ldl_solve(*mt.linalg.ldl_factor(mt.tensor(a)), mt.tensor(b))
    assert x.shape == (2, 3, 5, 3)
    np.testing.assert_allclose(a @ x.numpy(), np.broadcast_to(b, (2, 3, 5, 3)), atol=1e-10)


def test_only_the_lower_triangle_is_read():
    a = _symmetric(np.random.default_rng(1), (4, 4))
    garbage = np.tril(a) + np.triu(np.full((4, 4), 7.0), 1)
    for x, y in zip(mt.linalg.ldl_factor(mt.tensor(a)), mt.linalg.ldl_factor(mt.tensor(garbage))):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


def test_no_derivative_as_in_torch():
    a = mt.tensor(_symmetric(np.random.default_rng(2), (3, 3)), requires_grad=True)
    LD, pivots = mt.linalg.ldl_factor(a)
    with pytest.raises(RuntimeError, match="derivative for aten::linalg_ldl_factor_ex is not implemented"):
        LD.sum().backward()
    b = mt.ones(3, 1, dtype=mt.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="derivative for aten::linalg_ldl_solve is not implemented"):
        mt.linalg.ldl_solve(LD.detach(), pivots, b).sum().backward()


def test_singular_info_and_errors():
    ex = mt.linalg.ldl_factor_ex(mt.zeros(2, 3, 3))
    assert ex.info.tolist() == [1, 1] and ex.pivots.tolist() == [[1, 2, 3]] * 2
    with pytest.raises(mt.linalg.LinAlgError, match=r"torch.linalg.ldl_factor: \(Batch element 0\): D\[1,1\] is "
                                                    "exactly zero"):
        mt.linalg.ldl_factor(mt.zeros(2, 3, 3))
    with pytest.raises(mt.linalg.LinAlgError, match=r"torch.linalg.ldl_factor_ex: D\[1,1\]"):
        mt.linalg.ldl_factor_ex(mt.zeros(3, 3), check_errors=True)


_LD, _PIV = mt.linalg.ldl_factor(mt.eye(4, dtype=mt.float64))
ERRORS = [
    (lambda: mt.linalg.ldl_factor(mt.ones(3)), "torch.linalg.ldl_factor: The input tensor A must have at least 2 "
     "dimensions."),
    (lambda: mt.linalg.ldl_factor_ex(mt.ones(2, 3)), "torch.linalg.ldl_factor_ex: A must be batches of square "
     "matrices, but they are 2 by 3 matrices"),
    (lambda: mt.linalg.ldl_factor(mt.zeros(3, 3, dtype=mt.int64)), "torch.linalg.ldl_factor: Expected a floating "
     "point or complex tensor as input. Got Long"),
    (lambda: mt.linalg.ldl_solve(_LD, _PIV, mt.ones(4, 1)), "Expected b and A to have the same dtype, but found b of "
     "type Float and A of type Double instead."),
    (lambda: mt.linalg.ldl_solve(_LD, _PIV, mt.ones(3, 1, dtype=mt.float64)), "Incompatible matrix sizes for "
     "torch.linalg.ldl_solve: each A matrix is 4 by 4 but each b matrix is 3 by 1"),
    (lambda: mt.linalg.ldl_solve(_LD, _PIV, mt.ones(4, dtype=mt.float64)), "torch.linalg.ldl_solve: Expected B to "
     "have at least 2 dimensions"),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors(k):
    raises_starting_with(*ERRORS[k])

"""torch.linalg's systems, decompositions and matrix functions: finite differences (first and second order)
on batched well-conditioned inputs, values and gradients against PyTorch, and PyTorch's errors."""
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


def _sym(T, x):
    return x + x.mT


def _spd(T, x):
    return x @ x.mT + x.shape[-1] * T.eye(x.shape[-1], dtype=x.dtype)


def _square(rng, batch, n):
    return rng.standard_normal(batch + (n, n)) + n * np.eye(n)


def _wide(rng, batch, n):
    return rng.standard_normal(batch + (n, n + 1))


def _tall(rng, batch, n):
    return rng.standard_normal(batch + (n + 1, n))


def _matrix(rng, batch, n):
    return rng.standard_normal(batch + (n, 2))


def _tall_rhs(rng, batch, n):
    return rng.standard_normal(batch + (n + 1, 2))


def _vector(rng, batch, n):
    return rng.standard_normal(batch + (n,))


def _row3(rng, batch, n):
    return rng.standard_normal(batch + (3,))


# name -> (f(lib, *inputs), the makers of its inputs from (rng, batch shape, n)); every f maps its inputs to
# a well-conditioned problem and returns gauge-invariant outputs, so finite differences and PyTorch agree.
OPS = {
    "solve": (lambda T, a, b: T.linalg.solve(a, b), (_square, _matrix)),
    "solve_vector": (lambda T, a, b: T.linalg.solve(a, b), (_square, _vector)),
    "solve_left_false": (lambda T, a, b: T.linalg.solve(a, b.mT, left=False), (_square, _matrix)),
    "solve_broadcast_B": (lambda T, a, b: T.linalg.solve(a, b[..., :1, :, :] if b.ndim > 2 else b),
                          (_square, _matrix)),
    "solve_triangular_upper": (lambda T, a, b: T.linalg.solve_triangular(a, b, upper=True), (_square, _matrix)),
    "solve_triangular_lower_right": (lambda T, a, b: T.linalg.solve_triangular(a, b.mT, upper=False, left=False),
                                     (_square, _matrix)),
    "solve_triangular_unit": (lambda T, a, b: T.linalg.solve_triangular(a, b, upper=False, unitriangular=True),
                              (_square, _matrix)),
    "cholesky": (lambda T, x: T.linalg.cholesky(_spd(T, x)), (_square,)),
    "cholesky_upper": (lambda T, x: T.linalg.cholesky(_spd(T, x), upper=True), (_square,)),
    "qr_tall": (lambda T, a: tuple(T.linalg.qr(a)), (_tall,)),
    "qr_square_complete": (lambda T, a: tuple(T.linalg.qr(a, mode="complete")), (_square,)),
    "qr_wide": (lambda T, a: tuple(T.linalg.qr(a, "reduced")), (_wide,)),
    "qr_R_only_grad": (lambda T, a: T.linalg.qr(a).R, (_tall,)),
    "eigh": (lambda T, x: tuple(v * v for v in T.linalg.eigh(_sym(T, x))), (_square,)),
    "eigh_upper": (lambda T, x: tuple(v * v for v in T.linalg.eigh(_sym(T, x), UPLO="U")), (_square,)),
    "eigvalsh": (lambda T, x: T.linalg.eigvalsh(_sym(T, x)), (_square,)),
    "pinv_tall": (lambda T, a: T.linalg.pinv(a), (_tall,)),
    "pinv_wide": (lambda T, a: T.linalg.pinv(a), (_wide,)),
    "pinv_hermitian": (lambda T, x: T.linalg.pinv(_spd(T, x), hermitian=True), (_square,)),
    "pinverse": (lambda T, a: T.pinverse(a), (_tall,)),
    "lstsq": (lambda T, a, b: T.linalg.lstsq(a, b).solution, (_tall, _tall_rhs)),
    "lstsq_gelsd_residuals": (lambda T, a, b: tuple(T.linalg.lstsq(a, b, driver="gelsd")[:2]), (_tall, _tall_rhs)),
    "matrix_power_3": (lambda T, a: T.linalg.matrix_power(a, 3), (_square,)),
    "matrix_power_neg": (lambda T, a: T.linalg.matrix_power(a, -2), (_square,)),
    "matrix_power_method": (lambda T, a: a.matrix_power(4), (_square,)),
    "matrix_exp": (lambda T, a: T.linalg.matrix_exp(a / a.shape[-1]), (_square,)),
    "matrix_exp_top": (lambda T, a: T.matrix_exp(a / a.shape[-1]), (_square,)),
    "cross": (lambda T, a, b: T.linalg.cross(a, b), (_row3, _row3)),
    "cross_method_dim": (lambda T, a, b: a.unsqueeze(0).cross(b.unsqueeze(0), dim=-1), (_row3, _row3)),
    "vecdot": (lambda T, a, b: T.linalg.vecdot(a, b), (_vector, _vector)),
    "cond": (lambda T, a: T.linalg.cond(a), (_tall,)),
    "cond_minus_2": (lambda T, a: T.linalg.cond(a, -2), (_square,)),
    "diagonal": (lambda T, a: T.linalg.diagonal(a, offset=-1), (_tall,)),
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
    inputs = matrix_op_inputs(OPS[name][1], 3, batch, 3)
    compare_with_torch(lambda *xs: f(mt, *xs), *inputs, torch_fn=lambda *xs: f(torch, *xs),
                       rtol=1e-7, atol=1e-9)


@requires_torch
@pytest.mark.parametrize("name", ["solve", "cholesky", "qr_tall", "eigvalsh", "pinv_tall", "matrix_exp", "cross"])
def test_float32_matches_torch(name):
    f = OPS[name][0]
    arrays = [a.astype(np.float32) for a in matrix_op_inputs(OPS[name][1], 4, (2,), 3)]
    compare_with_torch(lambda *xs: f(mt, *xs), *arrays, torch_fn=lambda *xs: f(torch, *xs), rtol=1e-4, atol=1e-5)


@requires_torch
@pytest.mark.parametrize("name", ["solve", "cholesky", "eigvalsh", "pinv_tall", "matrix_exp", "vecdot"])
def test_empty_batch_matches_torch(name):
    f = OPS[name][0]
    inputs = matrix_op_inputs(OPS[name][1], 0, (0,), 3)
    compare_with_torch(lambda *xs: f(mt, *xs), *inputs, torch_fn=lambda *xs: f(torch, *xs))


@pytest.mark.parametrize("p", ["fro", "nuc", 1, -1, float("inf"), -float("inf")])
def test_cond_in_other_norms_gradcheck(p):
    check_gradients(lambda a: mt.linalg.cond(a, p), matrix_op_inputs(OPS["solve"][1], 6, (2,), 3)[0])


@requires_torch
@pytest.mark.parametrize("p", ["fro", "nuc", 1, -1, float("inf"), -float("inf")])
def test_cond_in_other_norms_matches_torch(p):       # values only: PyTorch's own backward fails for these p
    a = matrix_op_inputs(OPS["solve"][1], 7, (2,), 3)[0]
    compare_with_torch(lambda a: mt.linalg.cond(a, p), a, torch_fn=lambda a: torch.linalg.cond(a, p),
                       check_grad=False)


@requires_torch
def test_eigenvectors_match_torch_up_to_sign():
    a = matrix_op_inputs(OPS["eigh"][1], 5, (2,), 4)[0]
    a = a + np.swapaxes(a, -1, -2)
    w, v = mt.linalg.eigh(mt.tensor(a))
    tw, tv = torch.linalg.eigh(torch.tensor(a))
    np.testing.assert_allclose(w.numpy(), tw.numpy(), atol=1e-12)
    signs = np.sign((v.numpy() * tv.numpy()).sum(-2, keepdims=True))
    np.testing.assert_allclose(v.numpy() * signs, tv.numpy(), atol=1e-12)


@requires_torch
@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("shapes", [((5, 3), (5, 2)), ((5, 3), (5,)), ((2, 3, 3), (2, 3, 1)), ((3, 5), (3, 2))])
def test_lstsq_fields_match_torch(driver, shapes):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s) for s in shapes)
    ours = mt.linalg.lstsq(mt.tensor(a), mt.tensor(b), driver=driver)
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
    assert type(ours).__name__ == "linalg_lstsq"
    assert ours._fields == ("solution", "residuals", "rank", "singular_values")
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape) and o.dtype.name == str(t.dtype)[6:], (o, t)
        np.testing.assert_allclose(o.numpy(), t.numpy(), atol=1e-10)


@requires_torch
@pytest.mark.parametrize("kwargs", [{}, {"hermitian": True}, {"atol": 0.5}, {"rtol": 0.3}, {"atol": 0.1, "rtol": 0.9},
                                    {"atol": 0.0}])
def test_rank_and_pinv_tolerances_match_torch(kwargs):
    u = np.linalg.qr(np.random.default_rng(1).standard_normal((2, 4, 4)))[0]
    a = u @ (np.array([3.0, 1.0, 0.4, 1e-17])[:, None] * np.swapaxes(u, -1, -2))    # symmetric, rank 3
    assert mt.linalg.matrix_rank(mt.tensor(a), **kwargs).tolist() == torch.linalg.matrix_rank(torch.tensor(a),
                                                                                              **kwargs).tolist()
    np.testing.assert_allclose(mt.linalg.pinv(mt.tensor(a), **kwargs).numpy(),
                               torch.linalg.pinv(torch.tensor(a), **kwargs).numpy(), atol=1e-10)
    tol = {k: mt.tensor(v) for k, v in kwargs.items() if k != "hermitian"}
    assert mt.linalg.matrix_rank(mt.tensor(a), **tol).tolist() == torch.linalg.matrix_rank(torch.tensor(a),
                                                                                           **kwargs).tolist()


@requires_torch
@pytest.mark.parametrize("scale", [1e-3, 1.0, 30.0])
def test_matrix_exp_large_and_small_norms_match_torch(scale):
    a = np.random.default_rng(2).standard_normal((3, 5, 5)) * scale
    a[1] *= 1e-3                                      # each matrix of a batch scaled on its own
    np.testing.assert_allclose(mt.linalg.matrix_exp(mt.tensor(a)).numpy(),
                               torch.linalg.matrix_exp(torch.tensor(a)).numpy(), rtol=1e-10)


@requires_torch
def test_matrix_power_zero_and_integers_match_torch():
    a = np.arange(8).reshape(2, 2, 2)
    for n in (0, 1, 3):
        ours, theirs = mt.linalg.matrix_power(mt.tensor(a), n), torch.linalg.matrix_power(torch.tensor(a), n)
        assert ours.dtype == mt.int64 and ours.tolist() == theirs.tolist()


@requires_torch
def test_cross_without_dim_warns_and_picks_first_size_3_dim():
    a, b = np.random.default_rng(3).standard_normal((2, 3, 4, 3))
    with pytest.warns(UserWarning, match="Using torch.cross without specifying the dim arg is deprecated"):
        ours = mt.cross(mt.tensor(a), mt.tensor(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.cross(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_linalg_error_is_a_runtime_error():
    assert issubclass(mt.linalg.LinAlgError, RuntimeError)


# (call, exception, the start of PyTorch's message)
ERRORS = [
    (lambda: mt.linalg.inv(mt.tensor([[1.0, 2], [2, 4]])), mt.linalg.LinAlgError, "linalg.inv: "),
    (lambda: mt.linalg.solve(mt.tensor([[1.0, 2], [2, 4]]), mt.ones(2)), mt.linalg.LinAlgError,
     "torch.linalg.solve: The solver failed because the input matrix is singular."),
    (lambda: mt.linalg.solve(mt.eye(3), mt.ones(4, 2)), RuntimeError,
     "linalg.solve: Incompatible shapes of A and B for the equation AX = B (3x3 and 4x2)"),
    (lambda: mt.linalg.solve(mt.eye(3), mt.ones(3, 2), left=False), RuntimeError,
     "linalg.solve: Incompatible shapes of A and B for the equation XA = B (3x3 and 3x2)"),
    (lambda: mt.linalg.solve(mt.eye(3), mt.ones(3, dtype=mt.float64)), RuntimeError,
     "linalg.solve: Expected A and B to have the same dtype, but found A of type Float and B of type Double instead"),
    (lambda: mt.linalg.solve(mt.ones(2, 3), mt.ones(2)), RuntimeError,
     "linalg.solve: A must be batches of square matrices, but they are 2 by 3 matrices"),
    (lambda: mt.linalg.solve_triangular(mt.eye(3), mt.ones(3), upper=True), RuntimeError,
     "linalg.solve_triangular: The input tensor B must have at least 2 dimensions."),
    (lambda: mt.linalg.cholesky(mt.tensor([[1.0, 2], [2, 1]])), mt.linalg.LinAlgError,
     "linalg.cholesky: The factorization could not be completed because the input is not positive-definite (the "
     "leading minor of order 2 is not positive-definite)."),
    (lambda: mt.linalg.cholesky(mt.stack([mt.eye(2), mt.tensor([[1.0, 2], [2, 1]])])), mt.linalg.LinAlgError,
     "linalg.cholesky: (Batch element 1): The factorization could not be completed"),
    (lambda: mt.linalg.cholesky(mt.tensor([[1.0, 5], [0, 1]]), upper=True), mt.linalg.LinAlgError,
     "linalg.cholesky: The factorization"),
    (lambda: mt.linalg.qr(mt.ones(3, 2), mode="x"), RuntimeError,
     "qr received unrecognized mode 'x' but expected one of 'reduced' (default), 'r', or 'complete'"),
    (lambda: mt.linalg.qr(mt.ones(3)), RuntimeError, "linalg.qr: The input tensor A must have at least 2 dimensions."),
    (lambda: mt.linalg.eigh(mt.eye(2), UPLO="x"), RuntimeError, "Expected UPLO argument to be 'L' or 'U', but got x"),
    (lambda: mt.linalg.lstsq(mt.ones(4, 2), mt.ones(3, 3)), RuntimeError,
     "torch.linalg.lstsq: input.size(-2) should match other.size(-2)"),
    (lambda: mt.linalg.lstsq(mt.ones(4, 2), mt.ones(4, 3), driver="x"), RuntimeError,
     "torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)"),
    (lambda: mt.linalg.matrix_power(mt.ones(2, 3), 2), RuntimeError,
     "linalg.matrix_power: A must be batches of square matrices, but they are 2 by 3 matrices"),
    (lambda: mt.linalg.matrix_power(mt.ones(3), 2), RuntimeError,
     "linalg.matrix_power: The input tensor A must have at least 2 dimensions."),
    (lambda: mt.linalg.matrix_power(mt.ones(3, 3), 2.0), TypeError,
     "linalg_matrix_power(): argument 'n' (position 2) must be int, not float"),
    (lambda: mt.linalg.matrix_exp(mt.ones(3, 3, dtype=mt.int64)), RuntimeError,
     "linalg.matrix_exp: Expected a floating point or complex tensor as input. Got Long"),
    (lambda: mt.linalg.cross(mt.ones(4), mt.ones(4)), RuntimeError,
     "linalg.cross: inputs dimension -1 must have length 3. Got 4 and 4"),
    (lambda: mt.linalg.cross(mt.ones(2, 3), mt.ones(3)), RuntimeError,
     "linalg.cross: inputs must have the same number of dimensions."),
    (lambda: mt.linalg.vecdot(mt.ones(3), mt.ones(3, dtype=mt.float64)), RuntimeError,
     "linalg.vecdot: Expected x and y to have the same dtype, but found x of type Float and y of type Double instead"),
    (lambda: mt.linalg.vecdot(mt.ones(3, dtype=mt.int64), mt.ones(3, dtype=mt.int64)), RuntimeError,
     "linalg.vecdot: Expected a floating point or complex tensor as input. Got Long"),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors(k):
    call, exc, message = ERRORS[k]
    raises_starting_with(call, message, exc)


def test_qr_backward_refusals():
    a = mt.randn(3, 2, dtype=mt.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete' and nrows > ncols"):
        mt.linalg.qr(a, mode="complete").Q.sum().backward()
    q, r = mt.linalg.qr(a, mode="r")
    assert q.shape == (0,) and r.shape == (2, 2)
    with pytest.raises(RuntimeError, match="The derivative of linalg.qr depends on Q, which is not computed when "
                                           "mode='r'"):
        r.sum().backward()

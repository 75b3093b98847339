"""The _ex forms of torch.linalg (cholesky_ex, inv_ex, solve_ex) and torch's legacy top-level linear algebra
(cholesky, cholesky_inverse, cholesky_solve, triangular_solve, qr, svd, and the removed solve, symeig, eig,
matrix_rank, lstsq): finite differences (first and second order), values and gradients against PyTorch,
info codes, deprecation warnings and PyTorch's errors."""
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


def _spd(T, x):
    return x @ x.mT + x.shape[-1] * T.eye(x.shape[-1], dtype=x.dtype)


def _chol(T, x, upper=False):
    return T.linalg.cholesky(_spd(T, x), upper=upper)


def _square(rng, batch, n):
    return rng.standard_normal(batch + (n, n)) + n * np.eye(n)


def _tall(rng, batch, n):
    return rng.standard_normal(batch + (n + 1, n))


def _rhs(rng, batch, n):
    return rng.standard_normal(batch + (n, 2))


def _vector(rng, batch, n):
    return rng.standard_normal(batch + (n,))


def _quiet(f):
    """``f`` with the deprecation warnings of the legacy forms silenced (they are tested on their own)."""
    def call(*args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return f(*args)
    return call


OPS = {
    "cholesky_ex": (lambda T, x: T.linalg.cholesky_ex(_spd(T, x)).L, (_square,)),
    "cholesky_ex_upper": (lambda T, x: T.linalg.cholesky_ex(_spd(T, x), upper=True, check_errors=True)[0],
                          (_square,)),
    "inv_ex": (lambda T, a: T.linalg.inv_ex(a).inverse, (_square,)),
    "solve_ex": (lambda T, a, b: T.linalg.solve_ex(a, b).result, (_square, _rhs)),
    "solve_ex_vector": (lambda T, a, b: T.linalg.solve_ex(a, b)[0], (_square, _vector)),
    "solve_ex_right": (lambda T, a, b: T.linalg.solve_ex(a, b.mT, left=False)[0], (_square, _rhs)),
    "cholesky": (_quiet(lambda T, x: T.cholesky(_spd(T, x))), (_square,)),
    "cholesky_upper_method": (_quiet(lambda T, x: _spd(T, x).cholesky(upper=True)), (_square,)),
    "cholesky_inverse": (lambda T, x: T.cholesky_inverse(_chol(T, x)), (_square,)),
    "cholesky_inverse_upper": (lambda T, x: _chol(T, x, True).cholesky_inverse(upper=True), (_square,)),
    "cholesky_inverse_raw": (lambda T, x: T.cholesky_inverse(x.tril()), (_square,)),
    "cholesky_solve": (lambda T, x, b: T.cholesky_solve(b, _chol(T, x)), (_square, _rhs)),
    "cholesky_solve_upper_method": (lambda T, x, b: b.cholesky_solve(_chol(T, x, True), upper=True),
                                    (_square, _rhs)),
    "cholesky_solve_raw": (lambda T, x, b: T.cholesky_solve(b, x.triu(), True), (_square, _rhs)),
    "triangular_solve": (_quiet(lambda T, a, b: tuple(T.triangular_solve(b, a))), (_square, _rhs)),
    "triangular_solve_lower_t": (_quiet(lambda T, a, b: tuple(T.triangular_solve(b, a, upper=False,
                                                                                 transpose=True))), (_square, _rhs)),
    "triangular_solve_unit_method": (_quiet(lambda T, a, b: b.triangular_solve(a, unitriangular=True).solution),
                                     (_square, _rhs)),
    "qr": (_quiet(lambda T, a: tuple(T.qr(a))), (_tall,)),
    "qr_some_false_square": (_quiet(lambda T, a: tuple(a.qr(some=False))), (_square,)),
    "svd_values": (lambda T, a: T.svd(a).S, (_tall,)),
    "svd_gauge_invariant": (lambda T, a: (lambda r: (r.U * r.S.unsqueeze(-2)) @ r.V.mT)(T.svd(a)), (_tall,)),
    "svd_no_uv": (lambda T, a: tuple(T.svd(a, compute_uv=False)), (_tall,)),
    "frobenius_norm": (_quiet(lambda T, a: T.frobenius_norm(a, (-2, -1))), (_tall,)),
    "frobenius_norm_one_dim_keepdim": (_quiet(lambda T, a: T.frobenius_norm(a, -1, True)), (_tall,)),
    "nuclear_norm": (_quiet(lambda T, a: T.nuclear_norm(a)), (_tall,)),
    "nuclear_norm_keepdim_overload": (_quiet(lambda T, a: T.nuclear_norm(a, True)), (_tall,)),
    "nuclear_norm_dim": (_quiet(lambda T, a: T.nuclear_norm(a.unsqueeze(0), dim=(1, -1), keepdim=False)), (_tall,)),
}


@pytest.mark.parametrize("name", OPS)
@given(batch=st.sampled_from([(), (1,), (2,), (2, 1)]), n=st.integers(1, 3), seed=seeds)
@settings(max_examples=5, deadline=None, derandomize=True)
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
@pytest.mark.parametrize("some", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
def test_svd_shapes_and_subspaces_match_torch(some, shape):
    a = np.random.default_rng(0).standard_normal(shape)
    ours, theirs = mt.svd(mt.tensor(a), some=some), torch.svd(torch.tensor(a), some=some)
    assert type(ours).__name__ == "svd" and ours._fields == ("U", "S", "V")
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape)
    k = min(shape[-2:])
    for o, t in ((ours.U, theirs.U), (ours.V, theirs.V)):            # columns agree up to sign
        signs = np.sign((o.numpy()[..., :k] * t.numpy()[..., :k]).sum(-2, keepdims=True))
        np.testing.assert_allclose(o.numpy()[..., :k] * signs, t.numpy()[..., :k], atol=1e-10)


def _singular_batch():
    return np.array([[[2.0, 1], [1, 3]], [[1.0, 2], [2, 4]], [[0.0, 0], [0, 1]]])


@requires_torch
@pytest.mark.parametrize("op", ["cholesky_ex", "inv_ex", "solve_ex"])
def test_info_matches_torch(op):
    a = _singular_batch()
    args = (lambda T: (T.tensor(a),)) if op != "solve_ex" else (lambda T: (T.tensor(a), T.ones(2, dtype=T.float64)))
    ours, theirs = getattr(mt.linalg, op)(*args(mt)), getattr(torch.linalg, op)(*args(torch))
    assert type(ours).__name__ == type(theirs).__name__ == f"linalg_{op}"
    assert ours._fields == ({"cholesky_ex": "L", "inv_ex": "inverse", "solve_ex": "result"}[op], "info")
    assert ours.info.dtype == mt.int32 and ours.info.tolist() == theirs.info.tolist()
    assert tuple(ours[0].shape) == tuple(theirs[0].shape)
    np.testing.assert_allclose(ours[0].numpy()[0], theirs[0].numpy()[0], atol=1e-12)     # the good matrix


def test_ex_keeps_the_good_matrices_gradients():
    a = mt.tensor(_singular_batch(), requires_grad=True)
    mt.linalg.inv_ex(a).inverse[0].sum().backward()
    assert np.isfinite(a.grad.numpy()).all() and not a.grad.numpy()[1:].any()


# PyTorch warns these once per process (TORCH_WARN_ONCE), so its text is copied here rather than caught
DEPRECATED = {
    "cholesky": (lambda: mt.cholesky(mt.eye(2)), "torch.cholesky is deprecated in favor of torch.linalg.cholesky and "
                 "will be removed in a future PyTorch release."),
    "qr": (lambda: mt.eye(2).qr(), "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a "
           "future PyTorch release."),
    "frobenius_norm": (lambda: mt.frobenius_norm(mt.eye(2), (0, 1)), "at::frobenius_norm is deprecated and it is just "
                       "left for JIT compatibility. It will be removed in a future PyTorch release. Please use "
                       "`linalg.vector_norm(A, 2., dim, keepdim)` instead"),
    "nuclear_norm": (lambda: mt.nuclear_norm(mt.eye(2)), "at::nuclear_norm is deprecated and it is just left for JIT "
                     "compatibility. It will be removed in a future PyTorch release. Please use "
                     "`linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead"),
    "triangular_solve": (lambda: mt.triangular_solve(mt.ones(2, 1), mt.eye(2)), "torch.triangular_solve is "
                         "deprecated in favor of torch.linalg.solve_triangularand will be removed in a future PyTorch "
                         "release."),
}


@pytest.mark.parametrize("name", DEPRECATED)
def test_deprecation_warnings(name):
    call, first_line = DEPRECATED[name]
    with pytest.warns(UserWarning) as caught:
        call()
    assert str(caught[0].message).splitlines()[0] == first_line


@requires_torch
@pytest.mark.parametrize("name", ["solve", "symeig", "eig", "matrix_rank", "lstsq"])
@pytest.mark.parametrize("form", ["function", "method"])
def test_removed_functions_raise_as_torch(name, form):
    if form == "method" and name == "matrix_rank":
        assert not hasattr(mt.Tensor, "matrix_rank") and not hasattr(torch.Tensor, "matrix_rank")
        return
    args = {"solve": 2, "lstsq": 2}.get(name, 1)
    messages = []
    for T in (mt, torch):
        x = T.eye(3)
        with pytest.raises(RuntimeError) as info:
            getattr(T, name)(*[x] * args) if form == "function" else getattr(x, name)(*[x] * (args - 1))
        messages.append(str(info.value))
    assert messages[0] == messages[1]


@requires_torch
def test_triangular_solve_clones_the_broadcast_coefficient():
    a = np.triu(np.random.default_rng(1).standard_normal((3, 3))) + 3 * np.eye(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = mt.triangular_solve(mt.ones(2, 3, 1, dtype=mt.float64), mt.tensor(a))
        theirs = torch.triangular_solve(torch.ones(2, 3, 1, dtype=torch.float64), torch.tensor(a))
    assert type(ours).__name__ == "triangular_solve" and ours._fields == ("solution", "cloned_coefficient")
    assert tuple(ours.cloned_coefficient.shape) == tuple(theirs.cloned_coefficient.shape) == (2, 3, 3)
    np.testing.assert_allclose(ours.solution.numpy(), theirs.solution.numpy(), atol=1e-12)


_SINGULAR = mt.tensor([[[2.0, 1], [1, 3]], [[1.0, 2], [2, 4]]])
# (call, exception, the start of PyTorch's message)
ERRORS = [
    (lambda: mt.linalg.cholesky_ex(_SINGULAR, check_errors=True), mt.linalg.LinAlgError,
     "linalg.cholesky_ex: (Batch element 1): The factorization could not be completed because the input is not "
     "positive-definite (the leading minor of order 2 is not positive-definite)."),
    (lambda: mt.linalg.inv_ex(_SINGULAR, check_errors=True), mt.linalg.LinAlgError,
     "linalg.inv_ex: (Batch element 1): The diagonal element 2 is zero, the inversion could not be completed because "
     "the input matrix is singular."),
    (lambda: mt.linalg.solve_ex(_SINGULAR[1], mt.ones(2), check_errors=True), mt.linalg.LinAlgError,
     "torch.linalg.solve_ex: The solver failed because the input matrix is singular."),
    (lambda: mt.linalg.solve_ex(mt.eye(3), mt.ones(3), left=False), RuntimeError,
     "linalg.solve_ex: Incompatible shapes of A and B for the equation XA = B (3x3 and 3x1)"),
    (lambda: mt.linalg.inv_ex(mt.ones(2, 3)), RuntimeError,
     "linalg.inv_ex: A must be batches of square matrices, but they are 2 by 3 matrices"),
    (lambda: mt.cholesky(-mt.eye(2)), mt.linalg.LinAlgError, "cholesky: The factorization could not be completed"),
    (lambda: mt.cholesky_inverse(mt.zeros(2, 2)), mt.linalg.LinAlgError,
     "cholesky_inverse: The diagonal element 1 is zero, the inversion could not be completed because the input "
     "matrix is singular."),
    (lambda: mt.cholesky_inverse(mt.ones(3)), RuntimeError,
     "cholesky_inverse: The input tensor A must have at least 2 dimensions."),
    (lambda: mt.cholesky_inverse(mt.ones(3, 2)), RuntimeError,
     "cholesky_inverse: A must be batches of square matrices, but they are 3 by 2 matrices"),
    (lambda: mt.cholesky_solve(mt.ones(3), mt.eye(3)), RuntimeError,
     "b should have at least 2 dimensions, but has 1 dimensions instead"),
    (lambda: mt.cholesky_solve(mt.ones(3, 2), mt.eye(3, dtype=mt.float64)), RuntimeError,
     "Expected b and A to have the same dtype, but found b of type Float and A of type Double instead."),
    (lambda: mt.cholesky_solve(mt.ones(4, 2), mt.eye(3)), RuntimeError,
     "Incompatible matrix sizes for cholesky_solve: each A matrix is 3 by 3 but each b matrix is 4 by 2"),
    (lambda: mt.frobenius_norm(mt.ones(2, 2, 2), (0, 1, 2)), RuntimeError,
     "Expected at most 2 dimensions, but got 3 dimensions instead."),
    (lambda: mt.nuclear_norm(mt.ones(2, 2), dim=(1,)), RuntimeError, "linalg.matrix_norm: dim must be a 2-tuple."),
    (lambda: mt.triangular_solve(mt.ones(3), mt.eye(3)), RuntimeError,
     "torch.triangular_solve: Expected b to have at least 2 dimensions, but it has 1 dimensions instead"),
]


@pytest.mark.filterwarnings("ignore:torch.(cholesky|triangular_solve) is deprecated")
@pytest.mark.filterwarnings("ignore:at..(frobenius|nuclear)_norm is deprecated")
@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors(k):
    call, exc, message = ERRORS[k]
    raises_starting_with(call, message, exc)


# the keyword names PyTorch's bindings really accept (some differ from its docs: cholesky_solve(input, input2))
KEYWORD_CALLS = {
    "cholesky_solve": lambda T, A, B, p: T.cholesky_solve(input=B, input2=A, upper=False),
    "cholesky_inverse": lambda T, A, B, p: T.cholesky_inverse(input=A, upper=True),
    "triangular_solve": lambda T, A, B, p: T.triangular_solve(input=B, A=A, upper=False, transpose=True)[0],
    "method_triangular_solve": lambda T, A, B, p: B.triangular_solve(A=A, unitriangular=True)[0],
    "method_cholesky_solve": lambda T, A, B, p: B.cholesky_solve(input2=A),
    "orgqr": lambda T, A, B, p: T.orgqr(input=A, input2=p),
    "method_orgqr": lambda T, A, B, p: A.orgqr(input2=p),
    "ormqr": lambda T, A, B, p: T.ormqr(input=A, input2=p, input3=B, left=True, transpose=True),
    "method_ormqr": lambda T, A, B, p: A.ormqr(input2=p, input3=B),
    "householder_product": lambda T, A, B, p: T.linalg.householder_product(input=A, tau=p),
    "lu_solve": lambda T, A, B, p: T.lu_solve(input=B, LU_data=A, LU_pivots=T.tensor([1, 2, 3], dtype=T.int32)),
    "method_lu_solve": lambda T, A, B, p: B.lu_solve(LU_data=A, LU_pivots=T.tensor([1, 2, 3], dtype=T.int32)),
    "linalg_lu_solve": lambda T, A, B, p: T.linalg.lu_solve(LU=A, pivots=T.tensor([1, 2, 3], dtype=T.int32), B=B,
                                                            left=True, adjoint=True),
    "lu_unpack": lambda T, A, B, p: T.lu_unpack(LU_data=A, LU_pivots=T.tensor([1, 2, 3], dtype=T.int32),
                                                unpack_data=True, unpack_pivots=False)[1],
    "tensorinv": lambda T, A, B, p: T.linalg.tensorinv(input=A, ind=1),
    "tensorsolve": lambda T, A, B, p: T.linalg.tensorsolve(input=A, other=p, dims=None),
    "vander": lambda T, A, B, p: T.linalg.vander(x=p, N=3),
    "cholesky_ex": lambda T, A, B, p: T.linalg.cholesky_ex(input=A, upper=True, check_errors=True)[0],
    "inv_ex": lambda T, A, B, p: T.linalg.inv_ex(A=A, check_errors=False)[0],
    "solve_ex": lambda T, A, B, p: T.linalg.solve_ex(A=A, B=B, left=True, check_errors=False)[0],
    "lu_factor": lambda T, A, B, p: T.linalg.lu_factor(A=A, pivot=True)[0],
    "lu_factor_ex": lambda T, A, B, p: T.linalg.lu_factor_ex(A=A, pivot=True, check_errors=False)[0],
    "linalg_lu": lambda T, A, B, p: T.linalg.lu(A=A, pivot=True)[2],
    "lu": lambda T, A, B, p: T.lu(A=A, pivot=True, get_infos=False)[0],
    "ldl_factor": lambda T, A, B, p: T.linalg.ldl_factor(input=A, hermitian=False)[0],
    "ldl_factor_ex": lambda T, A, B, p: T.linalg.ldl_factor_ex(input=A, hermitian=True, check_errors=False)[0],
    "ldl_solve": lambda T, A, B, p: T.linalg.ldl_solve(LD=A, pivots=T.tensor([1, 2, 3], dtype=T.int32), B=B,
                                                       hermitian=False),
    "cholesky": lambda T, A, B, p: T.cholesky(input=A, upper=True),
    "qr": lambda T, A, B, p: T.qr(input=A, some=False)[1],
    "svd": lambda T, A, B, p: T.svd(input=A, some=True, compute_uv=False)[1],
    "geqrf": lambda T, A, B, p: T.geqrf(input=A)[0],
}


@requires_torch
@pytest.mark.filterwarnings("ignore:torch.(cholesky|triangular_solve|qr|lu|lu_solve) is deprecated")
@pytest.mark.parametrize("name", KEYWORD_CALLS)
def test_keyword_forms_match_torch(name):
    a = np.tril(np.random.default_rng(5).standard_normal((3, 3))) + 3 * np.eye(3)
    a = a + a.T if name.startswith("ldl") or name == "cholesky_ex" or name == "cholesky" else a
    b, p = np.random.default_rng(6).standard_normal((3, 2)), np.array([0.5, 1.2, 0.7])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = KEYWORD_CALLS[name](torch, torch.tensor(a), torch.tensor(b), torch.tensor(p))
    ours = KEYWORD_CALLS[name](mt, mt.tensor(a), mt.tensor(b), mt.tensor(p))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-10)

"""LU decomposition with partial pivoting: linalg.lu_factor, lu_factor_ex, lu, lu_solve, and the legacy
torch.lu, torch.lu_unpack, torch.lu_solve.

NumPy has no LU, so ``lu_packed`` eliminates one column at a time, each step vectorised over the whole
batch (LAPACK's getf2: the pivot is the first entry of largest magnitude, multipliers are scaled by the
pivot's reciprocal). It returns what LAPACK's getrf returns: L and U packed in one matrix (L's unit diagonal
implicit), 1-based int32 pivots (row i was swapped with row pivots[i] at step i), and an info code (the
1-based index of the first exactly-zero pivot, 0 when none). ``LuFactor``'s backward is PyTorch's
``linalg_lu_backward``; ``lu_solve`` is triangular solves of the unpacked factors, so its gradients (with
respect to LU and B) are those of the solves.
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from microtensor.autograd.function import Function
from microtensor.ops.checks import tensor_inputs, torch_dtype_name
from microtensor.ops.linalg import LinAlgError, check_matrix, matmul
from microtensor.ops.linalg_solvers import solve_triangular
from microtensor.ops.reduction import return_type
from microtensor.ops.shape import cat
from microtensor.tensor import Tensor

LuFactorResult = return_type("linalg_lu_factor", ("LU", "pivots"))
LuFactorExResult = return_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))
LuResult = return_type("linalg_lu", ("P", "L", "U"))
LuUnpackResult = return_type("lu_unpack", ("P", "L", "U"))
LuWithInfoResult = return_type("_lu_with_info", ("LU", "pivots", "info"))


def lu_packed(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(LU, pivots, info) of each matrix in ``a`` (..., m, n), as LAPACK's getrf returns them."""
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    lu = a.reshape((math.prod(batch), m, n)).copy()
    pivots = np.empty((lu.shape[0], k), np.int32)
    info = np.zeros(lu.shape[0], np.int32)
    at = np.arange(lu.shape[0])
    for j in range(k):
        p = j + np.argmax(np.abs(lu[:, j:, j]), axis=1)
        pivots[:, j] = p + 1
        row = lu[at, j].copy()
        lu[at, j] = lu[at, p]
        lu[at, p] = row
        d = lu[:, j, j]
        zero = d == 0
        info[(info == 0) & zero] = j + 1
        lu[:, j + 1:, j] *= (1 / np.where(zero, 1, d))[:, None]
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j, None] * lu[:, j, None, j + 1:]
    return lu.reshape(a.shape), pivots.reshape(batch + (k,)), info.reshape(batch)


def permutation(pivots: np.ndarray, m: int) -> np.ndarray:
    """For each pivot vector, ``perm`` with (P^T A)[i] = A[perm[i]]: the sequence of row swaps applied to 0..m-1."""
    count, k = math.prod(pivots.shape[:-1]), pivots.shape[-1]
    flat = pivots.reshape((count, k)).astype(np.int64) - 1
    perm = np.broadcast_to(np.arange(m), (count, m)).copy()
    at = np.arange(count)
    for i in range(k):
        swap = perm[at, i].copy()
        perm[at, i] = perm[at, flat[:, i]]
        perm[at, flat[:, i]] = swap
    return perm.reshape(pivots.shape[:-1] + (m,))


def unpack(LU: Tensor) -> tuple[Tensor, Tensor]:
    """(L, U) from packed LU (m x n): L is m x k with a unit diagonal, U is k x n, k = min(m, n)."""
    m, n = LU._data.shape[-2:]
    k = min(m, n)
    eye = Tensor._make(np.eye(m, k, dtype=LU._data.dtype))
    return LU[..., :, :k].tril(-1) + eye, LU[..., :k, :].triu()


def _permutation_matrix(pivots: np.ndarray, m: int, dtype: np.dtype) -> Tensor:
    """P with A = P L U: column i of P is the unit vector e_perm[i]."""
    perm = permutation(pivots, m)
    P = np.zeros(perm.shape + (m,), dtype)
    np.put_along_axis(P, perm[..., None, :], 1, axis=-2)
    return Tensor._make(P)


class LuFactor(Function):
    """(LU, pivots, info) = the packed LU decomposition of a; the gradient of LU is PyTorch's
    ``linalg_lu_backward`` with gL the strictly lower part of the gradient and gU its upper part."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lu, pivots, info = lu_packed(a)
        ctx.save_for_backward(lu)
        ctx.pivots = pivots
        return lu, pivots, info

    @staticmethod
    def backward(ctx: Function, grad: Tensor, grad_pivots: Tensor, grad_info: Tensor) -> Tensor:
        LU, = ctx.saved_tensors
        L, U = unpack(LU)
        k = min(LU._data.shape[-2:])
        P = _permutation_matrix(ctx.pivots, LU._data.shape[-2], LU._data.dtype)
        return lu_backward(grad[..., :, :k].tril(-1), grad[..., :k, :].triu(), P, L, U)


def lu_backward(gL: Tensor, gU: Tensor, P: Tensor, L: Tensor, U: Tensor) -> Tensor:
    """dL/dA for A = P L U (L m x k unit lower, U k x n upper), PyTorch's ``linalg_lu_backward`` for real
    matrices, in Tensor ops so that it is differentiable again."""
    m, n = L._data.shape[-2], U._data.shape[-1]
    k = min(m, n)
    if m == n:                          # P L^-T [L^T gL o 1_L + gU U^T o 1_U] U^-T
        gA = matmul(L.mT, gL).tril(-1) + matmul(gU, U.mT).triu()
        gA = solve_triangular(U.mT, gA, upper=False, left=False)
    elif m < n:                         # wide, A = P L [U1 | U2]: U2's block is P L^-T gU2
        gA = solve_triangular(U[..., :k].mT, (matmul(L.mT, gL) - matmul(gU.triu(), U.mT)).tril(-1), upper=False,
                              left=False)
        gA = cat([gA + gU[..., :k].triu(), gU[..., k:]], -1)
    else:                               # tall, A = P [L1; L2] U: L2's block is P gL2 U^-T
        gA = solve_triangular(L[..., :k, :].mT, (matmul(gU, U.mT) - matmul(L.mT, gL.tril(-1))).triu(), upper=True,
                              unitriangular=True)
        gA = cat([gA + gL[..., :k, :].tril(-1), gL[..., k:, :]], -2)
        return matmul(P, solve_triangular(U.mT, gA, upper=False, left=False))
    return matmul(P, solve_triangular(L.mT, gA, upper=True, unitriangular=True))


def _check_pivot(op: str, pivot: bool) -> None:
    if not pivot:
        raise RuntimeError(f"{op}: LU without pivoting is not implemented on the CPU")


def singular_error(op: str, info: np.ndarray, message: str) -> LinAlgError:
    """PyTorch's error for the first matrix with a zero pivot (``info`` as LAPACK's getrf, one per matrix);
    ``{i}`` in ``message`` is that pivot's 1-based index."""
    bad = np.flatnonzero(info.reshape(-1))
    where = f"(Batch element {bad[0]}): " if info.ndim else ""
    return LinAlgError(f"{op}: {where}" + message.format(i=info.reshape(-1)[bad[0]]))


def _raise_singular(op: str, info: np.ndarray) -> None:
    if info.any():
        raise singular_error(op, info, "U[{i},{i}] is zero and using it on lu_solve would result in a division by "
                             "zero. If you still want to perform the factorization, consider calling "
                             "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False, out: Any = None) -> Any:
    """``(LU, pivots, info)``: the LU decomposition with partial pivoting of (each matrix in) ``A`` (m x n),
    packed as LAPACK's getrf packs it: L (unit lower, its diagonal implicit) below the diagonal, U on and
    above it; ``pivots`` (int32, k = min(m, n), 1-based): row i was swapped with row pivots[i] at step i;
    ``info`` (int32): 0, or the 1-based index of the first zero on U's diagonal. With ``check_errors`` a
    nonzero ``info`` raises. Differentiable through LU (for full-rank A)."""
    tensor_inputs("linalg.lu_factor_ex", A=A)
    check_matrix("linalg.lu_factor_ex", A)
    _check_pivot("linalg.lu_factor_ex", pivot)
    LU, pivots, info = LuFactor.apply(A)
    if check_errors:
        _raise_singular("torch.linalg.lu_factor_ex", info._data)
    return LuFactorExResult(LU, pivots, info)


def lu_factor(A: Tensor, *, pivot: bool = True, out: Any = None) -> Any:
    """``(LU, pivots)``: the packed LU decomposition of ``lu_factor_ex``; raises ``LinAlgError`` when an
    entry of U's diagonal is exactly zero (a singular A, whose factors ``lu_solve`` cannot use)."""
    tensor_inputs("linalg.lu_factor", A=A)
    check_matrix("linalg.lu_factor", A)
    _check_pivot("linalg.lu_factor", pivot)
    LU, pivots, info = LuFactor.apply(A)
    _raise_singular("torch.linalg.lu_factor", info._data)
    return LuFactorResult(LU, pivots)


def lu(A: Tensor, *, pivot: bool = True, out: Any = None) -> Any:
    """``(P, L, U)`` with A = P L U for (each matrix in) ``A`` (m x n): P a permutation matrix, L (m x k)
    lower-triangular with a unit diagonal, U (k x n) upper-triangular, k = min(m, n). Differentiable
    through L and U."""
    tensor_inputs("linalg.lu", A=A)
    check_matrix("linalg.lu", A)
    _check_pivot("linalg.lu", pivot)
    LU, pivots, _ = LuFactor.apply(A)
    return LuResult(*lu_unpack(LU, pivots))


def _check_unpack(LU_data: Tensor, LU_pivots: Tensor) -> None:
    tensor_inputs("lu_unpack", LU_data=LU_data, LU_pivots=LU_pivots)
    if LU_data._data.ndim < 2:
        raise RuntimeError(f"torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(LU_data.shape)} instead")
    if LU_pivots._data.dtype != np.int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.\n"
                           "Note: this function is intended to be used with the output produced by "
                           f"torch.linalg.lu_factor (got {torch_dtype_name(LU_pivots)})")
    k = min(LU_data._data.shape[-2:])
    if LU_pivots._data.shape != LU_data._data.shape[:-2] + (k,):
        raise RuntimeError(f"torch.lu_unpack: the pivots of shape {list(LU_pivots.shape)} do not match LU_data of "
                           f"shape {list(LU_data.shape)}: expected {list(LU_data.shape[:-2]) + [k]}")


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True, *,
              out: Any = None) -> Any:
    """``(P, L, U)`` from the packed ``(LU, pivots)`` of ``linalg.lu_factor``: A = P L U. Without
    ``unpack_data`` L and U are empty tensors, without ``unpack_pivots`` P is. L and U are differentiable
    with respect to LU_data."""
    _check_unpack(LU_data, LU_pivots)
    empty = Tensor._make(np.zeros(0, LU_data._data.dtype))
    L, U = unpack(LU_data) if unpack_data else (empty, empty)
    P = (_permutation_matrix(LU_pivots._data, LU_data._data.shape[-2], LU_data._data.dtype) if unpack_pivots
         else empty)
    return LuUnpackResult(P, L, U)


def linalg_lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False,
                    out: Any = None) -> Tensor:
    """The solution X of ``A X = B`` (``A^T X = B`` with ``adjoint``; ``X A = B`` / ``X A^T = B`` with
    ``left=False``) from the LU decomposition ``(LU, pivots)`` of square A given by ``linalg.lu_factor``.
    Batch dims broadcast; differentiable with respect to LU and B."""
    tensor_inputs("linalg.lu_solve", LU=LU, pivots=pivots, B=B)
    check_matrix("linalg.lu_solve", LU)
    n = LU._data.shape[-1]
    if LU._data.shape[-2] != n:
        raise RuntimeError(f"torch.linalg.lu_solve: A must be batches of square matrices, but they are "
                           f"{LU._data.shape[-2]} by {n} matrices")
    if B._data.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    if B._data.shape[-2 if left else -1] != n:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B._data.shape[-2]}x{B._data.shape[-1]})")
    if LU._data.dtype != B._data.dtype:
        raise RuntimeError(f"linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type "
                           f"{torch_dtype_name(LU)} and B of type {torch_dtype_name(B)} instead")
    if pivots._data.dtype != np.int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32")
    if pivots._data.shape[-1:] != (n,):
        raise RuntimeError(f"linalg.lu_solve: Expected pivots of shape [..., {n}], got {list(pivots.shape)}")
    if not left:                        # X op(A) = B  <=>  op(A)^T X^T = B^T
        return linalg_lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT
    L, U = unpack(LU)
    perm = Tensor._make(permutation(pivots._data, n))
    if adjoint:                         # A^T = U^T L^T P^T: X = P L^-T U^-T B
        Y = solve_triangular(L.mT, solve_triangular(U.mT, B, upper=False), upper=True, unitriangular=True)
        inverse = Tensor._make(np.argsort(perm._data, axis=-1))
        return _take_rows(Y, inverse)
    return solve_triangular(U, solve_triangular(L, _take_rows(B, perm), upper=False, unitriangular=True), upper=True)


def _take_rows(X: Tensor, perm: Tensor) -> Tensor:
    """Rows of (each matrix in) X in the order ``perm`` (batch dims broadcast)."""
    shape = np.broadcast_shapes(X._data.shape[:-2], perm._data.shape[:-1])
    X = X.expand(*shape, *X._data.shape[-2:])
    index = perm._data.reshape(perm._data.shape + (1,))
    return X.gather(-2, Tensor._make(np.broadcast_to(index, shape + X._data.shape[-2:]).copy()))


def lu_solve(input: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out: Any = None) -> Tensor:
    """The solution x of ``A x = b`` (b = ``input``) from the packed LU of A (``torch.lu_solve``,
    deprecated in PyTorch for ``linalg.lu_solve(LU, pivots, B)``, which it calls)."""
    warnings.warn("torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a future "
                  "PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.\n"
                  "X = torch.lu_solve(B, LU, pivots)\nshould be replaced with\n"
                  "X = torch.linalg.lu_solve(LU, pivots, B)", UserWarning, stacklevel=2)
    return linalg_lu_solve(LU_data, LU_pivots, input)


def torch_lu(A: Tensor, pivot: bool = True, get_infos: bool = False, out: Any = None) -> Any:
    """``(A_LU, pivots)`` (and ``infos`` with ``get_infos``) of (each matrix in) ``A``: ``torch.lu``, the
    deprecated form of ``linalg.lu_factor_ex``. As in PyTorch, a singular matrix never raises here."""
    warnings.warn("torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will be "
                  "removed in a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\nshould be replaced "
                  "with\nLU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\nLU, pivots, info = torch.lu(A, "
                  "compute_pivots, get_infos=True)\nshould be replaced with\nLU, pivots, info = "
                  "torch.linalg.lu_factor_ex(A, compute_pivots)", UserWarning, stacklevel=2)
    LU, pivots, info = lu_factor_ex(A, pivot=pivot)
    return LuWithInfoResult(LU, pivots, info) if get_infos else (LU, pivots)


linalg_lu_solve.__name__, torch_lu.__name__ = "lu_solve", "lu"

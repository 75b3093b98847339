"""Matrix decompositions: cholesky, qr, eigh, eigvalsh, with PyTorch's backward formulas (real case).

Each backward is written with Tensor ops (matmul, triangular solves), so it is differentiable again.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor.autograd.function import Function
from microtensor.ops.checks import tensor_inputs
from microtensor.ops.linalg import LinAlgError, check_matrix, check_square, defined_grad, matmul
from microtensor.ops.linalg_solvers import solve_triangular
from microtensor.ops.reduction import return_type
from microtensor.ops.shape import cat
from microtensor.tensor import Tensor


def _eye_like(x: Tensor, n: int) -> Tensor:
    return Tensor._make(np.eye(n, dtype=x._data.dtype))


# ----------------------------------------------------------------------------- cholesky
def cholesky_info(a: np.ndarray) -> np.ndarray:
    """For each matrix of ``a`` (its lower triangle read), LAPACK's potrf info: 0 when it is positive-definite,
    else the order of its first leading minor that is not (int32, of the batch shape)."""
    n = a.shape[-1]
    flat = a.reshape(math.prod(a.shape[:-2]), n, n)
    info = np.zeros(flat.shape[0], np.int32)
    for b, m in enumerate(flat):
        for k in range(1, m.shape[-1] + 1):
            try:
                np.linalg.cholesky(m[:k, :k])
            except np.linalg.LinAlgError:
                info[b] = k
                break
    return info.reshape(a.shape[:-2])


def not_positive_definite(op: str, info: np.ndarray) -> LinAlgError:
    """PyTorch's error for the first matrix whose Cholesky factorization failed (``info`` as LAPACK's)."""
    bad = np.flatnonzero(info.reshape(-1))
    where = f"(Batch element {bad[0]}): " if info.ndim else ""
    return LinAlgError(f"{op}: {where}The factorization could not be completed because the input is not "
                       f"positive-definite (the leading minor of order {info.reshape(-1)[bad[0]]} is not "
                       "positive-definite).")


def triangle(a: np.ndarray, upper: bool) -> np.ndarray:
    """The triangle of ``a`` that a Cholesky factorization reads, as the lower triangle of a matrix."""
    return np.swapaxes(np.triu(a), -1, -2) if upper else np.tril(a)


class Cholesky(Function):
    """out = L with a = L L^T (lower triangle of a read), or U = L^T with ``upper``. Backward is PyTorch's
    ``cholesky_backward``: gA = L^-T Phi(L^T gL) L^-1, Phi taking the symmetric part from the lower triangle."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, upper: bool, op: str = "linalg.cholesky") -> np.ndarray:
        try:
            out = np.linalg.cholesky(a, upper=upper)
        except np.linalg.LinAlgError:
            raise not_positive_definite(op, cholesky_info(triangle(a, upper))) from None
        ctx.save_for_backward(out)
        ctx.upper = upper
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        out, = ctx.saved_tensors
        L, gL = (out.mT, grad.mT) if ctx.upper else (out, grad)
        gA = matmul(L.mT, gL).tril()
        gA = 0.5 * (gA + gA.tril(-1).mT)
        gA = solve_triangular(L.mT, gA, upper=True, left=True)
        return solve_triangular(L, gA, upper=False, left=False), None, None


def cholesky(A: Tensor, *, upper: bool = False, out: Any = None) -> Tensor:
    """The Cholesky factor of (each) symmetric positive-definite matrix ``A``: lower-triangular L with
    A = L L^T, or upper-triangular U = L^T with A = U^T U when ``upper``. Raises ``LinAlgError`` when A is
    not positive-definite."""
    tensor_inputs("linalg.cholesky", A=A)
    check_square("linalg.cholesky", A)
    return Cholesky.apply(A, bool(upper))


# ----------------------------------------------------------------------------- qr
QrResult = return_type("linalg_qr", ("Q", "R"))


class Qr(Function):
    """(Q, R) = the QR decomposition of a (Householder, LAPACK's signs). Backward is PyTorch's
    ``linalg_qr_backward``: for m >= n, gA = (gQ + Q copyltu(M)) R^-T with M = R gR^T - gQ^T Q; for m < n
    the square left block takes that formula and the rest gets Q gR."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, mode: str) -> tuple[np.ndarray, np.ndarray]:
        if mode == "r":
            q, r = np.zeros(0, a.dtype), np.asarray(np.linalg.qr(a, mode="r"))   # an array, whatever the stub says
        else:
            q, r = np.linalg.qr(a, mode=mode)  # type: ignore[call-overload]   # mode is checked by qr()
        ctx.save_for_backward(q, r)
        ctx.mode = mode
        return q, r

    @staticmethod
    def backward(ctx: Function, grad_Q: Tensor, grad_R: Tensor) -> tuple[Tensor | None, None]:
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please "
                               "use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
        Q, R = ctx.saved_tensors
        m, n = Q._data.shape[-2], R._data.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        gQ, gR = defined_grad(grad_Q), defined_grad(grad_R)
        if gQ is None and gR is None:                # zeros (as PyTorch gives), not None
            return Tensor._make(np.zeros(Q._data.shape[:-1] + (n,), Q._data.dtype)), None
        if m >= n:
            return _qr_backward_tall(gQ, gR, Q, R), None
        Y = matmul(Q, R[..., m:])                   # A = [X | Y] with X = Q R[:, :m] square
        if gR is None:
            return cat([_qr_backward_tall(gQ, None, Q, R[..., :m]), Y * 0], -1), None
        gQ_X = matmul(Y, gR[..., m:].mT) if gQ is None else gQ + matmul(Y, gR[..., m:].mT)
        return cat([_qr_backward_tall(gQ_X, gR[..., :m], Q, R[..., :m]), matmul(Q, gR[..., m:])], -1), None


def _qr_backward_tall(gQ: Tensor | None, gR: Tensor | None, Q: Tensor, R: Tensor) -> Tensor:
    """dL/dA for the reduced QR of an m x n matrix with m >= n and full rank (gQ and gR not both None)."""
    if gQ is None:
        M = matmul(R, gR.mT)  # type: ignore[union-attr]
    else:
        M = -matmul(gQ.mT, Q) if gR is None else matmul(R, gR.mT) - matmul(gQ.mT, Q)
    sym = M.tril() + M.tril(-1).mT                 # copyltu: the lower triangle mirrored
    B = matmul(Q, sym) if gQ is None else gQ + matmul(Q, sym)
    return solve_triangular(R.mT, B, upper=False, left=False)


def qr(A: Tensor, mode: str = "reduced", *, out: Any = None) -> Any:
    """``(Q, R)`` with A = Q R, Q with orthonormal columns and R upper-triangular, for (each matrix in) ``A``.
    ``mode``: ``'reduced'`` (Q is m x k, R k x n, k = min(m, n)), ``'complete'`` (Q is m x m, R m x n) or
    ``'r'`` (only R; Q is an empty tensor, and backward raises: it needs Q)."""
    tensor_inputs("linalg.qr", A=A)
    check_matrix("linalg.qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    return QrResult(*Qr.apply(A, mode))


# ----------------------------------------------------------------------------- eigh
EighResult = return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))


class Eigh(Function):
    """(L, V) = the eigendecomposition of symmetric a (one triangle read), L ascending. Backward is
    PyTorch's: gA = V (skew(V^T gV) / E + diag(gL)) V^T with E_ij = L_j - L_i (distinct eigenvalues)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, uplo: str) -> tuple[np.ndarray, np.ndarray]:
        w, v = np.linalg.eigh(a, UPLO=uplo)  # type: ignore[call-overload]   # uplo is checked by eigh()
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx: Function, grad_L: Tensor, grad_V: Tensor) -> tuple[Tensor | None, None]:
        L, V = ctx.saved_tensors
        gL, gV = defined_grad(grad_L), defined_grad(grad_V)
        if gV is None:
            if gL is None:                          # zeros (as PyTorch gives), not None
                return Tensor._make(np.zeros_like(V._data)), None
            return matmul(V * gL.unsqueeze(-2), V.mT), None
        eye = _eye_like(L, L._data.shape[-1])
        E = L.unsqueeze(-2) - L.unsqueeze(-1) + eye
        K = matmul(V.mT, gV)
        inner = 0.5 * (K - K.mT) / E
        if gL is not None:
            inner = inner + gL.unsqueeze(-1) * eye
        return matmul(V, matmul(inner, V.mT)), None


def _check_uplo(op: str, UPLO: str) -> str:
    if not isinstance(UPLO, str) or UPLO.upper() not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO.upper()


def eigh(A: Tensor, UPLO: str = "L", *, out: Any = None) -> Any:
    """``(eigenvalues, eigenvectors)`` of (each) symmetric matrix ``A``, reading only its lower
    (``UPLO='L'``) or upper triangle: eigenvalues ascending, eigenvectors orthonormal columns (each
    determined up to sign). The gradient through the eigenvectors needs distinct eigenvalues."""
    tensor_inputs("linalg.eigh", A=A)
    check_square("linalg.eigh", A)
    return EighResult(*Eigh.apply(A, _check_uplo("linalg.eigh", UPLO)))


def eigvalsh(A: Tensor, UPLO: str = "L", *, out: Any = None) -> Tensor:
    """The eigenvalues of (each) symmetric matrix ``A``, ascending, reading one triangle (``UPLO``); the
    gradient is V diag(g) V^T."""
    tensor_inputs("linalg.eigvalsh", A=A)
    check_square("linalg.eigvalsh", A)
    return Eigh.apply(A, _check_uplo("linalg.eigvalsh", UPLO))[0]

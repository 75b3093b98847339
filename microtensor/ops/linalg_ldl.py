"""The LDL^T decomposition of symmetric matrices with Bunch-Kaufman pivoting: linalg.ldl_factor,
ldl_factor_ex and ldl_solve, computing what LAPACK's sytrf and sytrs compute (lower triangle).

NumPy has no LDL^T, so ``ldl_packed`` is LAPACK's unblocked sytf2, one matrix at a time (each may choose
1 x 1 or 2 x 2 pivots at different steps): with alpha = (1 + sqrt(17)) / 8 the same pivot decisions as
LAPACK, L's multipliers below D's diagonal (and D's 2 x 2 blocks on its first subdiagonal), 1-based int32
pivots, negative (and repeated) for a 2 x 2 block. As in PyTorch neither has a derivative.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor.autograd.function import Function
from microtensor.ops.checks import tensor_inputs, torch_dtype_name
from microtensor.ops.linalg import LinAlgError, check_square
from microtensor.ops.reduction import return_type
from microtensor.tensor import Tensor

LdlFactorResult = return_type("linalg_ldl_factor", ("LD", "pivots"))
LdlFactorExResult = return_type("linalg_ldl_factor_ex", ("LD", "pivots", "info"))
_ALPHA = (1 + math.sqrt(17)) / 8


def _swap_symmetric(a: np.ndarray, kk: int, kp: int) -> None:
    """Interchange rows and columns kk < kp of the trailing lower triangle of ``a`` (sytf2's swap)."""
    a[kp + 1:, [kk, kp]] = a[kp + 1:, [kp, kk]]
    column, row = a[kk + 1:kp, kk].copy(), a[kp, kk + 1:kp].copy()
    a[kk + 1:kp, kk], a[kp, kk + 1:kp] = row, column
    a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]


def _sytf2(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """LAPACK's dsytf2 (lower) on one symmetric matrix: (LD with its upper triangle zeroed, pivots, info)."""
    a = np.tril(a)
    n = a.shape[0]
    pivots = np.zeros(n, np.int32)
    info, k = 0, 0
    while k < n:
        step, absakk = 1, abs(a[k, k])
        imax = k + 1 + int(np.argmax(np.abs(a[k + 1:, k]))) if k < n - 1 else k
        colmax = abs(a[imax, k]) if k < n - 1 else 0.0
        if max(absakk, colmax) == 0 or np.isnan(absakk):
            info = info or k + 1
            kp = k
        else:
            if absakk >= _ALPHA * colmax:
                kp = k
            else:
                rowmax = np.abs(a[imax, k:imax]).max()
                if imax < n - 1:
                    rowmax = max(rowmax, np.abs(a[imax + 1:, imax]).max())
                if absakk >= _ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif abs(a[imax, imax]) >= _ALPHA * rowmax:
                    kp = imax
                else:
                    kp, step = imax, 2
            kk = k + step - 1
            if kp != kk:
                _swap_symmetric(a, kk, kp)
                if step == 2:
                    a[k + 1, k], a[kp, k] = a[kp, k], a[k + 1, k]
            if step == 1:
                x = a[k + 1:, k] / a[k, k]
                a[k + 1:, k + 1:] -= np.tril(np.outer(a[k + 1:, k], x))
                a[k + 1:, k] = x
            elif k < n - 2:
                d21 = a[k + 1, k]
                d11, d22 = a[k + 1, k + 1] / d21, a[k, k] / d21
                d21 = 1 / (d11 * d22 - 1) / d21
                wk = d21 * (d11 * a[k + 2:, k] - a[k + 2:, k + 1])
                wkp1 = d21 * (d22 * a[k + 2:, k + 1] - a[k + 2:, k])
                a[k + 2:, k + 2:] -= np.tril(np.outer(a[k + 2:, k], wk) + np.outer(a[k + 2:, k + 1], wkp1))
                a[k + 2:, k], a[k + 2:, k + 1] = wk, wkp1
        pivots[k:k + step] = kp + 1 if step == 1 else -(kp + 1)
        k += step
    return a, pivots, info


def ldl_packed(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(LD, pivots, info) of each symmetric matrix in ``a`` (its lower triangle read), as PyTorch returns them."""
    n = a.shape[-1]
    flat = a.reshape(math.prod(a.shape[:-2]), n, n)
    results = [_sytf2(m) for m in flat]
    ld = np.stack([r[0] for r in results]) if results else np.zeros_like(flat)
    pivots = np.stack([r[1] for r in results]) if results else np.zeros((0, n), np.int32)
    info = np.array([r[2] for r in results], np.int32)
    return ld.reshape(a.shape), pivots.reshape(a.shape[:-1]), info.reshape(a.shape[:-2])


def _sytrs(ld: np.ndarray, pivots: np.ndarray, b: np.ndarray) -> np.ndarray:
    """LAPACK's dsytrs (lower): the solution of A X = b from one matrix's (LD, pivots)."""
    n, x = ld.shape[0], b.copy()
    k = 0
    while k < n:                                    # L D Y = b
        if pivots[k] > 0:
            kp = pivots[k] - 1
            x[[k, kp]] = x[[kp, k]]
            x[k + 1:] -= np.outer(ld[k + 1:, k], x[k])
            x[k] /= ld[k, k]
            k += 1
        else:
            kp = -pivots[k] - 1
            x[[k + 1, kp]] = x[[kp, k + 1]]
            x[k + 2:] -= np.outer(ld[k + 2:, k], x[k]) + np.outer(ld[k + 2:, k + 1], x[k + 1])
            akm1k = ld[k + 1, k]
            akm1, ak = ld[k, k] / akm1k, ld[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1
            bkm1, bk = x[k] / akm1k, x[k + 1] / akm1k
            x[k], x[k + 1] = (ak * bkm1 - bk) / denom, (akm1 * bk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:                                   # L^T X = Y
        if pivots[k] > 0:
            x[k] -= ld[k + 1:, k] @ x[k + 1:]
            kp = pivots[k] - 1
            x[[k, kp]] = x[[kp, k]]
            k -= 1
        else:
            x[k] -= ld[k + 1:, k] @ x[k + 1:]
            x[k - 1] -= ld[k + 1:, k - 1] @ x[k + 1:]
            kp = -pivots[k] - 1
            x[[k, kp]] = x[[kp, k]]
            k -= 2
    return x


class LdlFactor(Function):
    """(LD, pivots, info) of sytf2; no derivative, as in PyTorch."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return ldl_packed(a)

    @staticmethod
    def backward(ctx: Function, *grads: Tensor) -> None:
        raise RuntimeError("derivative for aten::linalg_ldl_factor_ex is not implemented")


class LdlSolve(Function):
    """X from (LD, pivots) and B by sytrs, batch dims broadcast; no derivative, as in PyTorch."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, ld: np.ndarray, pivots: np.ndarray, b: np.ndarray) -> np.ndarray:
        batch = np.broadcast_shapes(ld.shape[:-2], b.shape[:-2])
        count, n, k = math.prod(batch), ld.shape[-1], b.shape[-1]
        lds = np.broadcast_to(ld, batch + (n, n)).reshape(count, n, n)
        pivs = np.broadcast_to(pivots, batch + (n,)).reshape(count, n)
        bs = np.broadcast_to(b, batch + (n, k)).reshape(count, n, k)
        out = np.stack([_sytrs(*args) for args in zip(lds, pivs, bs)]) if count else bs.copy()
        return out.reshape(batch + b.shape[-2:])

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> None:
        raise RuntimeError("derivative for aten::linalg_ldl_solve is not implemented")


def _factor(op: str, A: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    tensor_inputs(op, input=A)
    check_square(f"torch.{op}", A)
    return LdlFactor.apply(A)


def _check_info(op: str, info: np.ndarray) -> None:
    bad = np.flatnonzero(info.reshape(-1))
    if bad.size:
        where = f"(Batch element {bad[0]}): " if info.ndim else ""
        i = info.reshape(-1)[bad[0]]
        raise LinAlgError(f"torch.{op}: {where}D[{i},{i}] is exactly zero: the input matrix is singular, the "
                          "factorization was completed but its D cannot be used to solve a system.")


def ldl_factor_ex(input: Tensor, *, hermitian: bool = False, check_errors: bool = False, out: Any = None) -> Any:
    """``(LD, pivots, info)``: the LDL^T decomposition of (each) symmetric matrix ``input`` (its lower triangle
    read) with Bunch-Kaufman pivoting, as LAPACK's sytrf: L's multipliers below the diagonal of ``LD``, the
    block-diagonal D (1 x 1 and 2 x 2 blocks) on its diagonal and first subdiagonal; ``pivots`` (int32,
    1-based) negative and repeated for a 2 x 2 block; ``info`` the 1-based index of a zero D entry, or 0.
    ``hermitian`` changes nothing for real matrices. Not differentiable, as in PyTorch."""
    LD, pivots, info = _factor("linalg.ldl_factor_ex", input)
    if check_errors:
        _check_info("linalg.ldl_factor_ex", info._data)
    return LdlFactorExResult(LD, pivots, info)


def ldl_factor(input: Tensor, *, hermitian: bool = False, out: Any = None) -> Any:
    """``(LD, pivots)`` of ``ldl_factor_ex``, raising ``LinAlgError`` for a singular matrix."""
    LD, pivots, info = _factor("linalg.ldl_factor", input)
    _check_info("linalg.ldl_factor", info._data)
    return LdlFactorResult(LD, pivots)


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False, out: Any = None) -> Tensor:
    """The solution X of ``A X = B`` from the LDL^T decomposition ``(LD, pivots)`` of symmetric A given by
    ``ldl_factor``; batch dims broadcast. Not differentiable, as in PyTorch."""
    tensor_inputs("linalg.ldl_solve", LD=LD, pivots=pivots, B=B)
    if B._data.dtype != LD._data.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {torch_dtype_name(B)} and "
                           f"A of type {torch_dtype_name(LD)} instead.")
    for name, x in (("LD", LD), ("B", B)):
        if x._data.ndim < 2:
            raise RuntimeError(f"torch.linalg.ldl_solve: Expected {name} to have at least 2 dimensions, but it has "
                               f"{x.ndim} dimensions instead")
    check_square("torch.linalg.ldl_solve", LD)
    n = LD._data.shape[-1]
    if B._data.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for torch.linalg.ldl_solve: each A matrix is {n} by {n} but "
                           f"each b matrix is {B._data.shape[-2]} by {B._data.shape[-1]}")
    if pivots._data.dtype.kind not in "iu" or pivots._data.shape != LD._data.shape[:-1]:
        raise RuntimeError(f"torch.linalg.ldl_solve: Expected pivots to be integers of shape {list(LD.shape[:-1])}, "
                           f"but got {torch_dtype_name(pivots)} of shape {list(pivots.shape)}")
    return LdlSolve.apply(LD, pivots, B)

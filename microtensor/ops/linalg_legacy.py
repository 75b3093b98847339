"""torch's top-level linear algebra from before torch.linalg: cholesky, cholesky_inverse, cholesky_solve,
triangular_solve, qr, svd, each a thin form of its torch.linalg successor with the old arguments, results
and deprecation warnings; and solve, symeig, eig, matrix_rank, lstsq, which PyTorch has removed: they raise
its RuntimeError naming the replacement.

``cholesky_inverse`` and ``cholesky_solve`` are computed with the general inverse and solve of the factor
(not triangular ones), so that their gradient with respect to the factor is the full one PyTorch gives.
"""
from __future__ import annotations

import warnings
from typing import Any, NoReturn

import numpy as np

from microtensor.ops import linalg, linalg_decompositions, linalg_solvers
from microtensor.ops.checks import tensor_inputs, torch_dtype_name
from microtensor.ops.linalg_lu import singular_error
from microtensor.ops.reduction import return_type
from microtensor.tensor import Tensor

TriangularSolveResult = return_type("triangular_solve", ("solution", "cloned_coefficient"))
QrResult = return_type("qr", ("Q", "R"))
SvdResult = return_type("svd", ("U", "S", "V"))


def cholesky(input: Tensor, upper: bool = False, *, out: Any = None) -> Tensor:
    """The Cholesky factor of (each) symmetric positive-definite matrix: lower L with A = L L^T, or upper
    U with A = U^T U when ``upper`` (deprecated in PyTorch for ``linalg.cholesky``, and warns so)."""
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
                  "PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\nL = torch.linalg.cholesky(A)\n"
                  "and\nU = torch.cholesky(A, upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\n"
                  "This transform will produce equivalent results for all valid (symmetric positive definite) "
                  "inputs.", UserWarning, stacklevel=2)
    tensor_inputs("cholesky", input=input)
    linalg.check_square("cholesky", input)
    return linalg_decompositions.Cholesky.apply(input, bool(upper), "cholesky")


def _factor(op: str, L: Tensor, upper: bool) -> Tensor:
    """F with A = F F^T from the triangle of a Cholesky factor (F = U^T for an upper one); a zero on its
    diagonal raises."""
    linalg.check_square(op, L)
    zero = L._data.diagonal(0, -2, -1) == 0
    if zero.any():
        raise singular_error(op, np.where(zero.any(-1), zero.argmax(-1) + 1, 0).astype(np.int32),
                             "The diagonal element {i} is zero, the inversion could not be completed because the "
                             "input matrix is singular.")
    # LAPACK reads only the factor's triangle, but PyTorch's gradient is the full one: drop the other
    # triangle from the value alone
    F = L - (L.tril(-1) if upper else L.triu(1)).detach()
    return F.mT if upper else F


def cholesky_inverse(input: Tensor, upper: bool = False, *, out: Any = None) -> Tensor:
    """The inverse of A = L L^T (A = U^T U with ``upper``) from its Cholesky factor ``input`` (L, or U)."""
    tensor_inputs("cholesky_inverse", input=input)
    F_inv = linalg.inv(_factor("cholesky_inverse", input, upper))
    return linalg.matmul(F_inv.mT, F_inv)


def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False, *, out: Any = None) -> Tensor:
    """The solution X of A X = B for B = ``input`` and A = L L^T (A = U^T U with ``upper``) given its
    Cholesky factor ``input2`` (L, or U); batch dims broadcast."""
    B, L = input, input2
    tensor_inputs("cholesky_solve", input=input, input2=input2)
    if B._data.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {B.ndim} dimensions instead")
    if L._data.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {L.ndim} dimensions instead")
    if B._data.dtype != L._data.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {torch_dtype_name(B)} and "
                           f"A of type {torch_dtype_name(L)} instead.")
    n = L._data.shape[-1]
    if L._data.shape[-2] != n or B._data.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {L._data.shape[-2]} by "
                           f"{n} but each b matrix is {B._data.shape[-2]} by {B._data.shape[-1]}")
    F = _factor("cholesky_solve", L, upper)
    return linalg_solvers.solve(F.mT, linalg_solvers.solve(F, B))


def triangular_solve(input: Tensor, A: Tensor, upper: bool = True, transpose: bool = False, unitriangular: bool = False,
                     *, out: Any = None) -> Any:
    """``(solution, cloned_coefficient)``: X with op(A) X = b (``input``) for triangular A (op transposes with
    ``transpose``; only the ``upper`` or lower triangle is read, its diagonal taken as ones with
    ``unitriangular``), and a copy of A broadcast to the batch shape (deprecated in PyTorch for
    ``linalg.solve_triangular``, and warns so)."""
    warnings.warn("torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand will be removed "
                  "in a future PyTorch release.\ntorch.linalg.solve_triangular has its arguments reversed and does not "
                  "return a copy of one of the inputs.\nX = torch.triangular_solve(B, A).solution\nshould be replaced "
                  "with\nX = torch.linalg.solve_triangular(A, B).", UserWarning, stacklevel=2)
    tensor_inputs("triangular_solve", input=input, A=A)
    for name, x in (("b", input), ("A", A)):
        if x._data.ndim < 2:
            raise RuntimeError(f"torch.triangular_solve: Expected {name} to have at least 2 dimensions, but it has "
                               f"{x.ndim} dimensions instead")
    X = linalg_solvers.solve_triangular(A.mT if transpose else A, input, upper=bool(upper) != bool(transpose),
                                        unitriangular=unitriangular)
    batch = X._data.shape[:-2]
    return TriangularSolveResult(X, A.expand(*batch, *A._data.shape[-2:]).clone())


def qr(input: Tensor, some: bool = True, *, out: Any = None) -> Any:
    """``(Q, R)``: ``linalg.qr`` with mode ``'reduced'`` (``some``) or ``'complete'`` (deprecated in PyTorch,
    and warns so)."""
    warnings.warn("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch "
                  "release.\nThe boolean parameter 'some' has been replaced with a string parameter 'mode'.\nQ, R = "
                  "torch.qr(A, some)\nshould be replaced with\nQ, R = torch.linalg.qr(A, 'reduced' if some else "
                  "'complete')", UserWarning, stacklevel=2)
    return QrResult(*linalg_decompositions.qr(input, "reduced" if some else "complete"))


def svd(input: Tensor, some: bool = True, compute_uv: bool = True, *, out: Any = None) -> Any:
    """``(U, S, V)`` with input = U diag(S) V^T (V, not ``linalg.svd``'s Vh): U and V square unless ``some``.
    Without ``compute_uv`` only S is computed and U, V are zeros of shapes (m, m) and (n, n)."""
    tensor_inputs("svd", input=input)
    if compute_uv:
        U, S, Vh = linalg.svd(input, full_matrices=not some)
        return SvdResult(U, S, Vh.mT)
    S = linalg.svdvals(input)
    m, n = input._data.shape[-2:]
    batch, dtype = input._data.shape[:-2], input._data.dtype
    return SvdResult(Tensor._make(np.zeros(batch + (m, m), dtype)), S, Tensor._make(np.zeros(batch + (n, n), dtype)))


_REMOVED = "This function was deprecated since version 1.9 and is now removed."


def solve(*args: Any, **kwargs: Any) -> NoReturn:
    """Removed from PyTorch (``linalg.solve`` replaces it): raises PyTorch's RuntimeError saying so."""
    raise RuntimeError(
        f"{_REMOVED} `torch.solve` is deprecated in favor of `torch.linalg.solve`. `torch.linalg.solve` has its "
        "arguments reversed and does not return the LU factorization.\n\nTo get the LU factorization see `torch.lu`, "
        "which can be used with `torch.lu_solve` or `torch.lu_unpack`.\nX = torch.solve(B, A).solution should be "
        "replaced with:\nX = torch.linalg.solve(A, B)")


def symeig(*args: Any, **kwargs: Any) -> NoReturn:
    """Removed from PyTorch (``linalg.eigh`` replaces it): raises PyTorch's RuntimeError saying so."""
    raise RuntimeError(
        f"{_REMOVED} The default behavior has changed from using the upper triangular portion of the matrix by "
        "default to using the lower triangular portion.\n\nL, _ = torch.symeig(A, upper=upper) should be replaced "
        "with:\nL = torch.linalg.eigvalsh(A, UPLO='U' if upper else 'L')\n\nand\n\nL, V = torch.symeig(A, "
        "eigenvectors=True) should be replaced with:\nL, V = torch.linalg.eigh(A, UPLO='U' if upper else 'L')")


def eig(*args: Any, **kwargs: Any) -> NoReturn:
    """Removed from PyTorch (``linalg.eig`` replaces it): raises PyTorch's RuntimeError saying so."""
    raise RuntimeError(
        f"{_REMOVED} `torch.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` rather than real "
        "tensors mimicking complex tensors.\n\nL, _ = torch.eig(A) should be replaced with:\nL_complex = "
        "torch.linalg.eigvals(A)\n\nand\n\nL, V = torch.eig(A, eigenvectors=True) should be replaced with:\n"
        "L_complex, V_complex = torch.linalg.eig(A)")


def matrix_rank(*args: Any, **kwargs: Any) -> NoReturn:
    """Removed from PyTorch (``linalg.matrix_rank`` replaces it): raises PyTorch's RuntimeError saying so."""
    raise RuntimeError(f"{_REMOVED}\nPlease use the `torch.linalg.matrix_rank` function instead. The parameter "
                       "'symmetric' was renamed in `torch.linalg.matrix_rank()` to 'hermitian'.")


def lstsq(*args: Any, **kwargs: Any) -> NoReturn:
    """Removed from PyTorch (``linalg.lstsq`` replaces it): raises PyTorch's RuntimeError saying so."""
    raise RuntimeError(
        f"{_REMOVED} `torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.\n`torch.linalg.lstsq` has reversed "
        "arguments and does not return the QR decomposition in the returned tuple (although it returns other "
        "information about the problem).\n\nTo get the QR decomposition consider using `torch.linalg.qr`.\n\nThe "
        "returned solution in `torch.lstsq` stored the residuals of the solution in the last m - n columns of the "
        "returned value whenever m > n. In torch.linalg.lstsq, the residuals are in the field 'residuals' of the "
        "returned named tuple.\n\nThe unpacking of the solution, as in\nX, _ = torch.lstsq(B, A).solution[:A.size(1)]"
        "\nshould be replaced with:\nX = torch.linalg.lstsq(A, B).solution")

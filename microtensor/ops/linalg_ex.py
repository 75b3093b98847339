"""The ``_ex`` forms of torch.linalg: cholesky_ex, inv_ex, solve_ex. Each returns its result with LAPACK's
``info`` codes (int32, one per matrix) instead of raising, unless ``check_errors=True``.

A batch that factorizes takes the ordinary op's path (info all zeros). Otherwise the failing matrices are
replaced by the identity for the computation, their result filled afterwards (zeros for a Cholesky factor,
NaN for an inverse or a solution: PyTorch leaves LAPACK's partial work there, which is unspecified), so the
others keep their values and gradients.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.ops.checks import tensor_inputs
from microtensor.ops.linalg import LinAlgError, check_square, inv
from microtensor.ops.linalg_decompositions import Cholesky, cholesky_info, not_positive_definite, triangle
from microtensor.ops.linalg_lu import lu_packed, singular_error
from microtensor.ops.linalg_solvers import is_vector_rhs, solve_system
from microtensor.ops.reduction import return_type
from microtensor.tensor import Tensor

CholeskyExResult = return_type("linalg_cholesky_ex", ("L", "info"))
InvExResult = return_type("linalg_inv_ex", ("inverse", "info"))
SolveExResult = return_type("linalg_solve_ex", ("result", "info"))


def _no_errors(A: Tensor) -> Tensor:
    return Tensor._make(np.zeros(A._data.shape[:-2], np.int32))


def _guarded(A: Tensor, info: np.ndarray) -> tuple[Tensor, Tensor]:
    """(A with each failing matrix replaced by the identity, the mask of those matrices as (..., 1, 1))."""
    bad = Tensor._make((info != 0)[..., None, None])
    eye = Tensor._make(np.eye(A._data.shape[-1], dtype=A._data.dtype))
    return A.masked_fill(bad, 0) + eye * bad, bad


def cholesky_ex(input: Tensor, *, upper: bool = False, check_errors: bool = False, out: Any = None) -> Any:
    """``(L, info)``: ``linalg.cholesky`` without raising. ``info`` (int32, one per matrix) is 0 where the
    matrix is positive-definite, else the order of its first leading minor that is not (and that matrix's
    L is zeros); with ``check_errors`` a nonzero info raises ``LinAlgError``."""
    tensor_inputs("linalg.cholesky_ex", input=input)
    check_square("linalg.cholesky_ex", input)
    try:
        return CholeskyExResult(Cholesky.apply(input, bool(upper), "linalg.cholesky_ex"), _no_errors(input))
    except LinAlgError:
        info = cholesky_info(triangle(input._data, upper))
        if check_errors:
            raise not_positive_definite("linalg.cholesky_ex", info) from None
    safe, bad = _guarded(input, info)
    return CholeskyExResult(Cholesky.apply(safe, bool(upper)).masked_fill(bad, 0), Tensor._make(info))


def inv_ex(A: Tensor, *, check_errors: bool = False, out: Any = None) -> Any:
    """``(inverse, info)``: ``linalg.inv`` without raising. ``info`` (int32, one per matrix) is 0 where the
    matrix is invertible, else the 1-based index of the first zero pivot of its LU decomposition (that
    matrix's inverse is NaN); with ``check_errors`` a nonzero info raises ``LinAlgError``."""
    tensor_inputs("linalg.inv_ex", A=A)
    check_square("linalg.inv_ex", A)
    try:
        return InvExResult(inv(A), _no_errors(A))
    except LinAlgError:
        info = lu_packed(A._data)[2]
        if check_errors:
            raise singular_error("linalg.inv_ex", info, "The diagonal element {i} is zero, the inversion could not be "
                            "completed because the input matrix is singular.") from None
    safe, bad = _guarded(A, info)
    return InvExResult(inv(safe).masked_fill(bad, float("nan")), Tensor._make(info))


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False, out: Any = None) -> Any:
    """``(result, info)``: ``linalg.solve`` without raising. ``info`` (int32, one per matrix of A) is 0 where
    A is invertible, else the 1-based index of the first zero pivot of its LU decomposition (the solutions
    of that matrix are NaN); with ``check_errors`` a nonzero info raises ``LinAlgError``."""
    try:
        return SolveExResult(solve_system("linalg.solve_ex", A, B, bool(left)), _no_errors(A))
    except LinAlgError:
        info = lu_packed(A._data)[2]
        if check_errors:
            raise singular_error("torch.linalg.solve_ex", info, "The solver failed because the input matrix is "
                            "singular.") from None
    safe, bad = _guarded(A, info)
    result = solve_system("linalg.solve_ex", safe, B, bool(left))
    mask = bad.squeeze(-1) if is_vector_rhs(A, B) else bad
    return SolveExResult(result.masked_fill(mask, float("nan")), Tensor._make(info))

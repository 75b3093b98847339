"""Linear systems and matrix functions: solve, solve_triangular, lstsq, pinv, matrix_rank, matrix_power,
matrix_exp.

``Solve`` is the one primitive of the systems: its backward is another ``Solve`` with the transposed matrix
(the adjoint system), and a triangular solve is ``Solve`` of the masked triangle, so its gradient is masked
as PyTorch's is. ``MatrixExp``'s backward is the exponential of a block-triangular matrix (the Fréchet
derivative), so every order of gradient is again an exponential.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import no_grad
from microtensor.ops.broadcasting import unbroadcast
from microtensor.ops.checks import tensor_inputs, torch_dtype_name
from microtensor.ops.linalg import LinAlgError, MatMul, check_matrix, check_square, inv, matmul, mT_if
from microtensor.ops.reduction import return_type
from microtensor.ops.shape import cat
from microtensor.tensor import Tensor


# ----------------------------------------------------------------------------- solve
class Solve(Function):
    """out = solve(op(a), b) for stacks of square ``a`` and matrices ``b`` (op transposes when ``t``), batch
    dims broadcasting. The gradient of b solves the adjoint system; that of a is -gb x^T."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray, t: bool, op: str) -> np.ndarray:
        try:
            x = np.linalg.solve(mT_if(a, t), b)
        except np.linalg.LinAlgError:
            raise LinAlgError(f"torch.{op}: The solver failed because the input matrix is singular.") from None
        ctx.save_for_backward(a, x)
        ctx.t, ctx.op, ctx.shapes = t, op, (a.shape, b.shape)
        return x

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None, None, None]:
        a, x = ctx.saved_tensors
        gb = Solve.apply(a, grad, not ctx.t, ctx.op)
        ga = None
        if ctx.needs_input_grad[0]:
            ga = -(MatMul.apply(x, gb, False, True) if ctx.t else MatMul.apply(gb, x, False, True))
            ga = unbroadcast(ga, ctx.shapes[0])
        return ga, unbroadcast(gb, ctx.shapes[1]) if ctx.needs_input_grad[1] else None, None, None


def _check_pair(op: str, A: Tensor, B: Tensor) -> None:
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                           f"{torch_dtype_name(A)} and B of type {torch_dtype_name(B)} instead")


def _solve_matrices(op: str, A: Tensor, B: Tensor, left: bool) -> Tensor:
    """X with A X = B (``left``) or X A = B, for B a (stack of) matrices."""
    n, sb = A._data.shape[-1], B._data.shape
    if sb[-2 if left else -1] != n:
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation {'AX = B' if left else 'XA = B'} "
                           f"({n}x{n} and {sb[-2]}x{sb[-1]})")
    try:
        np.broadcast_shapes(A._data.shape[:-2], sb[:-2])
    except ValueError:
        raise RuntimeError(f"{op}: the batch dims of A {list(A.shape[:-2])} and B {list(sb[:-2])} do not "
                           "broadcast") from None
    return Solve.apply(A, B, False, op) if left else Solve.apply(A, B.mT, True, op).mT


def is_vector_rhs(A: Tensor, B: Tensor) -> bool:
    """Whether ``B`` is a (stack of) vector(s) for the system with matrix ``A``, by PyTorch's rule."""
    sb = B._data.shape
    return len(sb) == 1 or (len(sb) == A._data.ndim - 1 and sb == A._data.shape[:-1])


def solve(A: Tensor, B: Tensor, *, left: bool = True, out: Any = None) -> Tensor:
    """The solution X of ``A X = B`` (or ``X A = B`` with ``left=False``) for square, invertible ``A``;
    B is a matrix or, by PyTorch's rule, a vector (1-D, or A's shape without its last dim). Batch dims
    broadcast. Raises ``LinAlgError`` for a singular A."""
    return solve_system("linalg.solve", A, B, left)


def solve_system(op: str, A: Tensor, B: Tensor, left: bool) -> Tensor:
    """``linalg.solve`` (and ``solve_ex``), its errors naming ``op``."""
    tensor_inputs(op, A=A, B=B)
    check_square(op, A)
    _check_pair(op, A, B)
    if is_vector_rhs(A, B):          # a column, even with left=False (which then fails, as in PyTorch)
        return _solve_matrices(op, A, B.unsqueeze(-1), left).squeeze(-1)
    if B._data.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor B must have at least 1 dimensions.")
    return _solve_matrices(op, A, B, left)


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False,
                     out: Any = None) -> Tensor:
    """The solution X of ``A X = B`` (or ``X A = B`` with ``left=False``) for triangular ``A``: only its
    upper (``upper=True``) or lower triangle is read, and with ``unitriangular`` its diagonal is taken as
    ones. The gradient of A is masked to the same triangle."""
    tensor_inputs("linalg.solve_triangular", A=A, B=B)
    for name, x in (("A", A), ("B", B)):
        if x._data.ndim < 2:
            raise RuntimeError(f"linalg.solve_triangular: The input tensor {name} must have at least 2 dimensions.")
    check_square("linalg.solve_triangular", A)
    _check_pair("linalg.solve_triangular", A, B)
    if unitriangular:
        eye = Tensor._make(np.eye(A._data.shape[-1], dtype=A._data.dtype))
        T = (A.triu(1) if upper else A.tril(-1)) + eye
    else:
        T = A.triu() if upper else A.tril()
    return _solve_matrices("linalg.solve_triangular", T, B, left)


# ----------------------------------------------------------------------------- pseudo-inverse, rank, lstsq
def _tolerance(A: Tensor, top: np.ndarray, atol: Any, rtol: Any) -> np.ndarray:
    """The cutoff max(atol, rtol * top) below which a singular value counts as zero, with PyTorch's
    defaults: rtol = eps * max(m, n) unless rtol is given, or atol is given and positive."""
    at = np.zeros(()) if atol is None else np.asarray(atol._data if isinstance(atol, Tensor) else atol, np.float64)
    if rtol is not None:
        rt = np.asarray(rtol._data if isinstance(rtol, Tensor) else rtol, np.float64)
    else:
        default = np.finfo(A._data.dtype).eps * max(A._data.shape[-2:])
        rt = np.where(at > 0, 0.0, default) if atol is not None else np.asarray(default)
    return np.maximum(at, rt * top)


def _spectrum(A: Tensor, hermitian: bool) -> np.ndarray:
    """The singular values of each matrix (|eigenvalues| when ``hermitian``), descending order not assumed."""
    if hermitian:
        return np.abs(np.linalg.eigvalsh(A._data))
    return np.linalg.svd(A._data, compute_uv=False)


class Pinv(Function):
    """out = the pseudo-inverse of a, singular values at or below ``tol`` (per matrix) taken as zero;
    PyTorch's ``pinv_backward`` (exact where the rank is locally constant)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, tol: np.ndarray, hermitian: bool) -> np.ndarray:
        if hermitian:
            s, u = np.linalg.eigh(a)
            vt = np.swapaxes(u, -1, -2)
            keep = np.abs(s) > tol[..., None]
        else:
            u, s, vt = np.linalg.svd(a, full_matrices=False)
            keep = s > tol[..., None]
        with np.errstate(divide="ignore"):
            s_inv = np.where(keep, 1 / np.where(keep, s, 1), 0).astype(a.dtype)
        out = np.matmul(np.swapaxes(vt, -1, -2) * s_inv[..., None, :], np.swapaxes(u, -1, -2))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        A, P = ctx.saved_tensors
        m, n = A._data.shape[-2:]
        Ph, gh = P.mT, grad.mT
        if m <= n:
            K = matmul(gh, P)
            KPh = matmul(K, Ph)
            return (-matmul(P, K).mT + KPh - matmul(matmul(A, P), KPh)
                    + matmul(matmul(Ph, P), gh - matmul(K, A))), None, None
        K = matmul(P, gh)
        PhK = matmul(Ph, K)
        return (-matmul(K, P).mT + matmul(matmul(gh - matmul(A, K), P), Ph) + PhK
                - matmul(matmul(PhK, P), A)), None, None


def pinv(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False, out: Any = None) -> Tensor:
    """The Moore-Penrose pseudo-inverse of (each matrix in) ``A``: singular values ``s <= max(atol, rtol *
    s_max)`` count as zero (default ``rtol = eps * max(m, n)``, or 0 when a positive ``atol`` is given).
    With ``hermitian=True`` A is taken as symmetric and an eigendecomposition of its lower triangle is used."""
    tensor_inputs("linalg.pinv", A=A)
    check_matrix("linalg.pinv", A)
    if hermitian:
        check_square("linalg.pinv", A)
    if 0 in A._data.shape[-2:]:
        return A.mT * 0
    tol = _tolerance(A, _spectrum(A, hermitian).max(-1), atol, rtol)
    return Pinv.apply(A, np.broadcast_to(tol, A._data.shape[:-2]), bool(hermitian))


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """The pseudo-inverse of (each matrix in) ``input``, singular values at or below ``rcond * s_max``
    taken as zero (``torch.pinverse``; ``linalg.pinv`` with ``rtol=rcond``)."""
    return pinv(input, rtol=rcond)


def matrix_rank(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False, out: Any = None) -> Tensor:
    """The numerical rank of (each matrix in) ``A`` (int64): the number of singular values (|eigenvalues|
    with ``hermitian``) above ``max(atol, rtol * s_max)``, with ``pinv``'s defaults."""
    tensor_inputs("linalg.matrix_rank", A=A)
    check_matrix("linalg.matrix_rank", A)
    if 0 in A._data.shape[-2:]:
        return Tensor._make(np.zeros(A._data.shape[:-2], np.int64))
    s = _spectrum(A, hermitian)
    tol = _tolerance(A, s.max(-1), atol, rtol)
    return Tensor._make(np.asarray((s > tol[..., None]).sum(-1), np.int64))


LstsqResult = return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None) -> Any:
    """The least-squares solution of ``A X = B`` as ``(solution, residuals, rank, singular_values)``: the
    minimum-norm X minimising ||A X - B||, with singular values at or below ``rcond * s_max`` taken as zero
    (default eps * max(m, n)). As on PyTorch's CPU: ``rank`` is computed by the drivers gelsy (default),
    gelsd and gelss, ``singular_values`` by gelsd and gelss, ``residuals`` (the squared column norms of
    A X - B) when m > n and every matrix is of full rank; the others are empty. The solution and the
    residuals are differentiable (through the pseudo-inverse, as PyTorch's backward)."""
    tensor_inputs("linalg.lstsq", A=A, B=B)
    check_matrix("linalg.lstsq", A)
    _check_pair("linalg.lstsq", A, B)
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of ({', '.join(_DRIVERS)})")
    vector = is_vector_rhs(A, B)
    Bm = B.unsqueeze(-1) if vector else B
    m, n = A._data.shape[-2:]
    if Bm._data.ndim < 2 or Bm._data.shape[-2] != m:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2) (A of shape "
                           f"{list(A.shape)}, B of shape {list(B.shape)})")
    X = matmul(pinv(A, rtol=rcond), Bm)
    empty = Tensor._make(np.zeros(0, A._data.dtype))
    with no_grad():
        rank = matrix_rank(A, rtol=rcond) if driver != "gels" else Tensor._make(np.zeros(0, np.int64))
        values = Tensor._make(np.linalg.svd(A._data, compute_uv=False)) if driver in ("gelsd", "gelss") else empty
        full_rank = m > n and driver != "gelsy" and bool((matrix_rank(A, rtol=rcond)._data == n).all())
    residuals = ((matmul(A, X) - Bm) ** 2).sum(-2) if full_rank else empty
    return LstsqResult(X.squeeze(-1) if vector else X, residuals, rank, values)


# ----------------------------------------------------------------------------- matrix functions
def linalg_matrix_power(A: Tensor, n: int, *, out: Any = None) -> Tensor:
    """``A`` (each matrix in a batch) raised to the integer power ``n`` by repeated squaring: the identity
    for 0, the power of the inverse for negative ``n``."""
    tensor_inputs("linalg.matrix_power", A=A)
    shape = A._data.shape
    if len(shape) < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if shape[-1] != shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are {shape[-2]} by "
                           f"{shape[-1]} matrices")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    if n == 0:
        eye = np.broadcast_to(np.eye(shape[-1], dtype=A._data.dtype), shape)
        return Tensor._make(eye.copy())
    base = inv(A) if n < 0 else A
    result: Tensor | None = None
    k = abs(int(n))
    while True:
        if k & 1:
            result = base if result is None else matmul(result, base)
        k >>= 1
        if not k:
            return base if result is None else result       # never None here: k had a set bit
        base = matmul(base, base)


def _expm(a: np.ndarray) -> np.ndarray:
    """exp of each matrix in ``a``: scale by 2^-s so that the 1-norm is at most 1/2, an 18-term Taylor
    sum (truncation error below 1e-22 relative), then s squarings (each matrix its own s)."""
    norm = np.abs(a).sum(-2).max(-1) if a.size else np.zeros(a.shape[:-2])
    with np.errstate(divide="ignore"):
        s = np.maximum(0, np.ceil(np.log2(np.where(norm > 0, norm, 1)) + 1)).astype(int)
    x = a / np.exp2(s)[..., None, None].astype(a.dtype)
    eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
    out, term = eye.copy(), eye.copy()
    for k in range(1, 19):
        term = np.matmul(term, x) / k
        out = out + term
    for i in range(int(s.max(initial=0))):
        out = np.where((i < s)[..., None, None], np.matmul(out, out), out)
    return out


class MatrixExp(Function):
    """out = exp(a) per matrix; the gradient is the upper-right block of exp([[a^T, g], [0, a^T]])."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return _expm(a)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        a, = ctx.saved_tensors
        n = a._data.shape[-1]
        zeros = Tensor._make(np.zeros(a._data.shape, a._data.dtype))
        block = cat([cat([a.mT, grad], -1), cat([zeros, a.mT], -1)], -2)
        return MatrixExp.apply(block)[..., :n, n:]


def linalg_matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential of (each matrix in) ``A``: sum over k of A^k / k!."""
    tensor_inputs("linalg.matrix_exp", A=A)
    check_square("linalg.matrix_exp", A)
    return MatrixExp.apply(A)


def matrix_exp(input: Tensor) -> Tensor:
    """The matrix exponential of (each matrix in) ``input`` (``torch.matrix_exp``; ``linalg.matrix_exp``)."""
    return linalg_matrix_exp(input)


def matrix_power(input: Tensor, n: int) -> Tensor:
    """``input`` raised to the integer power ``n`` (``torch.matrix_power``; ``linalg.matrix_power``)."""
    return linalg_matrix_power(input, n)


linalg_matrix_exp.__name__, linalg_matrix_power.__name__ = "matrix_exp", "matrix_power"

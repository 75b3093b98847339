"""Linear algebra: matmul and its special cases, einsum, inverse, determinants and matrix norms.

``MatMul`` multiplies op(a) @ op(b), where op optionally swaps the last two axes (a NumPy
view, no copy): backward then needs no transpose nodes, only two more MatMuls.
"""
from __future__ import annotations

import math
import string
from collections import namedtuple
from typing import Any

import numpy as np

from microtensor.autograd.function import Function
from microtensor.dtypes import BFLOAT16, is_floating
from microtensor.ops.broadcasting import broadcast_message, unbroadcast
from microtensor.ops.checks import tensor_inputs, torch_dtype_name
from microtensor.ops.float32_compute import in_float32
from microtensor.ops.reduction import norm as _vector_norm
from microtensor.ops.reduction import return_type
from microtensor.ops.sparse_ops import sparse_matmul
from microtensor.sparse_tensor import SparseTensor
from microtensor.tensor import Tensor

# PyTorch's C type names in "expected m1 and m2 to have the same dtype, but got: float != double"
_C_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short", "int32": "int",
            "int64": "long int", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "float32": "float", "float64": "double"}


def mT_if(x: np.ndarray, t: bool) -> np.ndarray:
    return np.swapaxes(x, -1, -2) if t else x


def rows(shape: tuple[int, ...]) -> tuple[int, int]:
    """The shape of the matrix whose rows are the last-dim vectors of ``shape`` (no -1: it is ambiguous when
    the rows are empty)."""
    return math.prod(shape[:-1]), shape[-1]


# ----------------------------------------------------------------------------- matmul family
class MatMul(Function):
    """out = op(a) @ op(b) for operands of at least 2 dims (op swaps the last two axes when its flag is set)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray, ta: bool = False, tb: bool = False) -> np.ndarray:
        if a.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(MatMul.forward, ctx, a, b, ta, tb)
        need = ctx.needs_input_grad          # each operand only for the other's gradient, as PyTorch's mm saves them
        ctx.save_for_backward(a if need[1] else None, b if need[0] else None)
        ctx.flags, ctx.shapes = (ta, tb), (a.shape, b.shape)
        x, y = mT_if(a, ta), mT_if(b, tb)
        # np.dot, not np.matmul, for matrices: matmul is several times slower on transposed operands
        if y.ndim == 2:
            if x.ndim == 2:
                return np.dot(x, y)
            if not ta and x.flags.c_contiguous:     # one GEMM over the folded batch, not a loop of small ones
                return np.dot(x.reshape(rows(x.shape)), y).reshape(x.shape[:-1] + y.shape[-1:])
        return np.matmul(x, y)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        ta, tb = ctx.flags
        sa, sb = ctx.shapes
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = MatMul.apply(b, grad, tb, True) if ta else MatMul.apply(grad, b, False, not tb)
            ga = unbroadcast(ga, sa)
        if ctx.needs_input_grad[1]:
            if len(sb) == 2 and len(sa) > 2 and not ta:     # sum over the batch inside one GEMM
                a2, g2 = a.reshape(rows(sa)), grad.reshape(rows(grad._data.shape))
                gb = MatMul.apply(g2, a2, True, False) if tb else MatMul.apply(a2, g2, True, False)
            else:
                gb = MatMul.apply(grad, a, True, ta) if tb else MatMul.apply(a, grad, not ta, False)
                gb = unbroadcast(gb, sb)
        return ga, gb


class Dot(Function):
    """out = the inner product of two 1-D arrays."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Dot.forward, ctx, a, b)
        need = ctx.needs_input_grad          # each operand only for the other's gradient
        ctx.save_for_backward(a if need[1] else None, b if need[0] else None)
        return np.asarray(np.dot(a, b))

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        return (grad * b if ctx.needs_input_grad[0] else None,
                grad * a if ctx.needs_input_grad[1] else None)


def _check_dtypes(a: Tensor, b: Tensor, message: str | None = None) -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(message or f"expected m1 and m2 to have the same dtype, but got: "
                                      f"{_C_NAMES[a.dtype.name]} != {_C_NAMES[b.dtype.name]}")


def _dims(shape: tuple[int, ...]) -> str:
    return "x".join(str(n) for n in shape)


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """The matrix product of two tensors, as ``torch.matmul``.

    1-D @ 1-D is the dot product; 2-D @ 2-D the matrix product; a 1-D operand is taken as a
    row (first) or column (second) vector and its dim removed from the result; operands with
    more dims are stacks of matrices whose batch dims broadcast. With a sparse COO operand, both are
    matrices (or the dense one a vector) and the result is dense.
    """
    tensor_inputs("matmul", input=input, other=other)
    if isinstance(input, SparseTensor) or isinstance(other, SparseTensor):
        return sparse_matmul("matmul", input, other)
    sa, sb = input._data.shape, other._data.shape
    if not sa or not sb:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {len(sa)}D and "
                           f"{len(sb)}D")
    _check_dtypes(input, other)
    if len(sa) == 1 and len(sb) == 1:
        return dot(input, other)
    ka, kb = sa[-1], sb[-2] if len(sb) > 1 else sb[0]
    if ka != kb:
        if len(sb) == 1 and len(sa) == 2:
            raise RuntimeError(f"size mismatch, got input ({sa[0]}), mat ({_dims(sa)}), vec ({sb[0]})")
        if len(sa) <= 2 and len(sb) == 2:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_dims(sa if len(sa) == 2 else (1,) + sa)} "
                               f"and {_dims(sb)})")
        raise RuntimeError(f"matmul: shapes {list(sa)} and {list(sb)} cannot be multiplied: the last dim of the first "
                           f"({ka}) must match the {'only' if len(sb) == 1 else 'second-to-last'} dim of the second "
                           f"({kb})")
    if len(sa) > 2 and len(sb) > 2:
        try:
            np.broadcast_shapes(sa[:-2], sb[:-2])
        except ValueError:
            raise RuntimeError(broadcast_message("matmul (batch dims)", sa[:-2], sb[:-2])) from None
    if len(sa) == 1:
        return MatMul.apply(input.reshape(1, ka), other).reshape(sb[:-2] + sb[-1:])
    if len(sb) == 1:
        return MatMul.apply(input, other.reshape(kb, 1)).reshape(sa[:-1])
    return MatMul.apply(input, other)


def matmul_operator(self: Tensor, other: Any) -> Tensor:
    """self @ other; NotImplemented for an operand that is not a tensor, so that Python raises its TypeError
    for @ (as torch.Tensor does)."""
    return matmul(self, other) if isinstance(other, Tensor) else NotImplemented


def rmatmul(self: Tensor, other: Any) -> Any:
    """other @ self (the reflected operator); NotImplemented for an operand that is not a tensor."""
    return matmul(other, self) if isinstance(other, Tensor) else NotImplemented


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """The product of two matrices (2-D tensors), one of them sparse COO or not; the result is dense."""
    tensor_inputs("mm", input=input, mat2=mat2)
    if isinstance(input, SparseTensor) or isinstance(mat2, SparseTensor):
        return sparse_matmul("mm", input, mat2)
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of two 3-D tensors of shapes (b, n, m) and (b, m, p), without broadcasting."""
    tensor_inputs("bmm", input=input, mat2=mat2)
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    sa, sb = input._data.shape, mat2._data.shape
    if sb[:2] != (sa[0], sa[2]):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{sa[0]}, {sa[2]}] but "
                           f"got: [{sb[0]}, {sb[1]}].")
    _check_dtypes(input, mat2)
    return MatMul.apply(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """The product of a matrix (2-D) and a vector (1-D)."""
    tensor_inputs("mv", input=input, vec=vec)
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    return matmul(input, vec)


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """The inner product of two 1-D tensors of the same length."""
    tensor_inputs("dot", input=input, tensor=tensor)
    sa, sb = input._data.shape, tensor._data.shape
    if len(sa) != 1 or len(sb) != 1:
        raise RuntimeError(f"1D tensors expected, but got {len(sa)}D and {len(sb)}D tensors")
    if sa != sb:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have the same "
                           f"number of elements, but got {sa[0]} and {sb[0]} elements respectively")
    _check_dtypes(input, tensor, f"dot : expected both vectors to have same dtype, but found "
                                 f"{torch_dtype_name(input)} and {torch_dtype_name(tensor)}")
    return Dot.apply(input, tensor)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two 1-D tensors: out[i, j] = input[i] * vec2[j]."""
    tensor_inputs("outer", input=input, vec2=vec2)
    for name, v in (("self", input), ("vec2", vec2)):
        if v._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.ndim}-D")
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


# ----------------------------------------------------------------------------- einsum
def _parse_subscripts(term: str) -> list[str]:
    """``"ab...c"`` -> ``["a", "b", "...", "c"]``."""
    tokens = []
    i = 0
    while i < len(term):
        if term.startswith("...", i):
            tokens.append("...")
            i += 3
        elif term[i] in string.ascii_letters:
            tokens.append(term[i])
            i += 1
        else:
            raise RuntimeError(f"einsum(): invalid subscript given in the equation string: {term[i]!r}; "
                               "subscripts must be letters in [a-zA-Z] (and '...' for broadcast dims)")
    return tokens


def _parse_equation(equation: str, shapes: list[tuple[int, ...]]) -> tuple[list[list[str]], list[str]]:
    """The subscripts of each operand and of the output (the implicit output made explicit), checked
    against the operands' shapes as PyTorch checks them."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = [_parse_subscripts(t) for t in lhs.split(",")]
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    sizes: dict[str, tuple[int, int]] = {}
    for k, (tokens, shape) in enumerate(zip(terms, shapes)):
        letters = [t for t in tokens if t != "..."]
        if tokens.count("...") > 1:
            raise RuntimeError(f"einsum(): found more than one ellipsis for operand {k}")
        if len(letters) > len(shape) or ("..." not in tokens and len(letters) != len(shape)):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(letters)}) does not match "
                               f"the number of dimensions ({len(shape)}) for operand {k}"
                               f"{'' if '...' in tokens else ' and no ellipsis was given'}")
        pos = tokens.index("...") if "..." in tokens else len(tokens)
        dims = list(shape[:pos]) + list(shape[len(shape) - (len(tokens) - pos - ("..." in tokens)):])
        for letter, n in zip(letters, dims):
            if letter in sizes and sizes[letter][0] != n:
                raise RuntimeError(f"einsum(): subscript {letter} has size {n} for operand {k} which does not "
                                   f"broadcast with previously seen size {sizes[letter][0]}")
            sizes.setdefault(letter, (n, k))
    if arrow:
        output = _parse_subscripts(rhs)
        for t in output:
            if t != "..." and t not in sizes:
                raise RuntimeError(f"einsum(): output subscript {t} does not appear in the equation for any input "
                                   "operand")
        if len(set(output)) != len(output):
            raise RuntimeError("einsum(): output subscript appears more than once in the output")
    else:
        counts: dict[str, int] = {}
        for tokens in terms:
            for t in tokens:
                counts[t] = counts.get(t, 0) + 1
        output = (["..."] if "..." in counts else []) + sorted(t for t, c in counts.items() if c == 1 and t != "...")
    if "..." not in output and any("..." in t for t in terms):
        terms = _name_ellipsis_dims(terms, output, shapes)
    return terms, output


def _name_ellipsis_dims(terms: list[list[str]], output: list[str], shapes: list[tuple[int, ...]]) -> list[list[str]]:
    """Replace ``...`` by letters of their own (right-aligned across operands): NumPy cannot sum ellipsis
    dims away, PyTorch can."""
    used = {t for ts in terms for t in ts} | set(output)
    counts = [len(s) - (len(ts) - 1) if "..." in ts else 0 for ts, s in zip(terms, shapes)]
    names = [c for c in string.ascii_letters if c not in used][:max(counts)]
    named = []
    for ts, c in zip(terms, counts):
        pos = ts.index("...") if "..." in ts else None
        named.append(ts if pos is None else ts[:pos] + names[len(names) - c:] + ts[pos + 1:])
    return named


class Einsum(Function):
    """out = np.einsum(equation, *operands) (explicit form); each gradient is another einsum."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, equation: str, terms: list, output: list, *arrays: np.ndarray) -> np.ndarray:
        if arrays and arrays[0].dtype is BFLOAT16:     # PyTorch computes bfloat16 in float32
            return in_float32(Einsum.forward, ctx, equation, terms, output, *arrays)
        need = ctx.needs_input_grad[3:]      # an operand only for the others' gradients
        ctx.save_for_backward(*(x if any(need[:i] + need[i + 1:]) else None for i, x in enumerate(arrays)))
        ctx.terms, ctx.output, ctx.shapes = terms, output, [x.shape for x in arrays]
        return np.asarray(np.einsum(equation, *arrays, optimize=len(arrays) > 1))

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        operands = ctx.saved_tensors
        grads: list[Tensor | None] = [None, None, None]
        for i, shape in enumerate(ctx.shapes):
            grads.append(_einsum_grad(grad, ctx.output, operands, ctx.terms, i, shape)
                         if ctx.needs_input_grad[3 + i] else None)
        return tuple(grads)


def _einsum_grad(grad: Tensor, output: list[str], operands: tuple, terms: list[list[str]], i: int,
                 shape: tuple[int, ...]) -> Tensor:
    """d(einsum)/d(operand i) contracted with ``grad``: an einsum of grad with the other operands, plus
    identity matrices for subscripts repeated in operand i (of ``shape``) and ones for those only it has."""
    tokens, dtype = terms[i], grad._data.dtype
    parts = [(grad, output)] + [(operands[j], terms[j]) for j in range(len(operands)) if j != i]
    present = {t for _, ts in parts for t in ts}
    free = iter(c for c in string.ascii_letters if not any(c in ts for ts in terms) and c not in output)
    letters = [t for t in tokens if t != "..."]
    pos = tokens.index("...") if "..." in tokens else len(tokens)
    ell = len(shape) - len(letters)
    dim_of: dict[str, int] = {}
    for k, t in enumerate(tokens):
        if t != "...":
            dim_of.setdefault(t, shape[k if k < pos else k - 1 + ell])
    target, seen, extra = [], set(), []
    for t in tokens:
        if t in seen:
            fresh = next(free)
            extra.append((Tensor._make(np.eye(dim_of[t], dtype=dtype)), [t, fresh]))
            target.append(fresh)
            continue
        seen.add(t)
        target.append(t)
        if t == "..." and t not in present:
            extra.append((Tensor._make(np.ones(shape[pos:pos + ell], dtype=dtype)), ["..."]))
        elif t != "..." and t not in present:
            extra.append((Tensor._make(np.ones(dim_of[t], dtype=dtype)), [t]))
    parts += extra
    equation = ",".join("".join(ts) for _, ts in parts) + "->" + "".join(target)
    result = einsum(equation, *(p for p, _ in parts))
    if result._data.shape == shape:
        return result
    lead = result._data.ndim - len(shape)            # broadcast ellipsis dims operand i lacks
    rshape = result._data.shape
    summed = tuple(range(pos, pos + lead)) + tuple(pos + lead + k for k in range(ell)
                                                   if shape[pos + k] == 1 and rshape[pos + lead + k] != 1)
    return result.sum(dim=summed, keepdim=True).reshape(shape)


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sums of products of the operands' elements over the subscripts in ``equation`` (NumPy's and
    PyTorch's notation, e.g. ``"bij,bjk->bik"``; ``...`` stands for broadcast dims; without ``->``
    the output holds the subscripts that appear once, in alphabetical order). Operands may also be
    given as one list."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for k, x in enumerate(operands):
        if not isinstance(x, Tensor):
            raise TypeError(f"einsum(): operand {k} must be a Tensor, got {type(x).__name__}")
        if x._data.dtype != operands[0]._data.dtype:
            raise RuntimeError(f"einsum(): expected scalar type {torch_dtype_name(operands[0])} but found "
                               f"{torch_dtype_name(x)} (operand {k})")
    terms, output = _parse_equation(equation, [x._data.shape for x in operands])
    explicit = ",".join("".join(t) for t in terms) + "->" + "".join(output)
    try:
        return Einsum.apply(explicit, terms, output, *operands)
    except ValueError as e:
        raise RuntimeError(f"einsum(): {e} (equation {equation!r}, operand shapes "
                           f"{[list(x.shape) for x in operands]})") from None


# ----------------------------------------------------------------------------- inverse, determinants
class LinAlgError(RuntimeError):
    """Raised when a linear-algebra routine cannot complete on its input (a singular matrix, one that is
    not positive-definite), as ``torch.linalg.LinAlgError``."""


def check_square(op: str, a: Tensor) -> None:
    shape = a._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if shape[-1] != shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {shape[-2]} by {shape[-1]} "
                           "matrices")
    if not is_floating(a._data.dtype):
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {torch_dtype_name(a)}")


class Inverse(Function):
    """out = op(inv(a)) for (batches of) square matrices (op transposes the last two axes when ``t``)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, t: bool = False) -> np.ndarray:
        try:
            out = mT_if(np.linalg.inv(a), t)
        except np.linalg.LinAlgError:
            raise LinAlgError("linalg.inv: The input matrix is singular, the inversion could not be completed "
                               f"(A of shape {list(a.shape)}).") from None
        ctx.save_for_backward(out)
        ctx.t = t
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        y, = ctx.saved_tensors                 # d inv(A) = -inv(A) dA inv(A)
        if ctx.t:
            return -MatMul.apply(MatMul.apply(y, grad, False, True), y), None
        return -MatMul.apply(MatMul.apply(y, grad, True, False), y, False, True), None


def inv(A: Tensor) -> Tensor:
    """The inverse of a square matrix (or of each matrix in a batch)."""
    check_square("linalg.inv", A)
    return Inverse.apply(A, False)


class Det(Function):
    """out = det(a) over the last two axes; d det / dA = det * inv(A)^T."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        out = np.asarray(np.linalg.det(a))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        a, out = ctx.saved_tensors
        scale = (grad * out).reshape(out._data.shape + (1, 1))
        return scale * Inverse.apply(a, True)


def det(A: Tensor) -> Tensor:
    """The determinant of a square matrix (or of each matrix in a batch)."""
    check_square("linalg.det", A)
    return Det.apply(A)


SlogdetResult = namedtuple("slogdet", ["sign", "logabsdet"])  # type: ignore[name-match]   # PyTorch's name


class Slogdet(Function):
    """out = (sign(det a), log|det a|); only the second is differentiable: d/dA = inv(A)^T."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sign, logabs = np.linalg.slogdet(a)
        sign, logabs = np.asarray(sign), np.asarray(logabs)
        ctx.save_for_backward(a)
        ctx.mark_non_differentiable(sign)
        return sign, logabs

    @staticmethod
    def backward(ctx: Function, grad_sign: Tensor, grad: Tensor) -> Tensor:
        a, = ctx.saved_tensors
        return grad.reshape(grad._data.shape + (1, 1)) * Inverse.apply(a, True)


def slogdet(A: Tensor) -> SlogdetResult:
    """``(sign, logabsdet)`` of the determinant of a square matrix (or batch): det = sign * exp(logabsdet),
    stable where det itself would under- or overflow."""
    check_square("linalg.slogdet", A)
    return SlogdetResult(*Slogdet.apply(A))


def logdet(input: Tensor) -> Tensor:
    """log(det(input)): nan for a negative determinant, -inf for a zero one."""
    sign, logabs = slogdet(input)
    with np.errstate(invalid="ignore", divide="ignore"):
        return logabs + Tensor._make(np.log(sign._data))


# ----------------------------------------------------------------------------- singular values
SvdResult = return_type("linalg_svd", ("U", "S", "Vh"))


def defined_grad(g: Tensor | None) -> Tensor | None:
    """A gradient, or None for the constant zeros the engine passes for an output that got none (PyTorch's
    undefined gradient): it adds nothing, and skipping it keeps svdvals' gradient finite at repeated
    singular values."""
    if g is None or (g.grad_fn is None and not g._requires_grad and not g._data.any()):
        return None
    return g


class Svd(Function):
    """(U, S, Vh) = the SVD of (each matrix in) a: a = U diag(S) Vh, S descending; with ``full_matrices``
    U and Vh are square, and only their first min(m, n) columns / rows get (or pass on) gradients, as in
    PyTorch."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, full_matrices: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        try:
            u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        except np.linalg.LinAlgError:
            reason = ("contained non-finite values" if not np.isfinite(a).all() else
                      "is ill-conditioned or has too many repeated singular values")
            raise RuntimeError(f"linalg.svd: The algorithm failed to converge because the input matrix {reason} "
                               f"(A of shape {list(a.shape)}).") from None
        ctx.save_for_backward(u, s, vh)
        ctx.full = full_matrices
        return u, s, vh

    @staticmethod
    def backward(ctx: Function, grad_U: Tensor, grad_S: Tensor, grad_Vh: Tensor) -> tuple[Tensor | None, None]:
        U, S, Vh = ctx.saved_tensors
        gU, gS, gVh = defined_grad(grad_U), defined_grad(grad_S), defined_grad(grad_Vh)
        if ctx.full:
            k = S._data.shape[-1]
            U, Vh = U[..., :k], Vh[..., :k, :]
            gU = gU[..., :k] if gU is not None else None
            gVh = gVh[..., :k, :] if gVh is not None else None
        return svd_backward(gU, gS, gVh, U, S, Vh), None


def svd_backward(gU: Tensor | None, gS: Tensor | None, gVh: Tensor | None, U: Tensor, S: Tensor,
                 Vh: Tensor) -> Tensor | None:
    """dL/dA from the gradients of the reduced SVD A = U diag(S) Vh (None for outputs that got none), in
    Tensor ops so that it is differentiable again (PyTorch's ``svd_backward``, real case). With gradients
    of U or Vh it assumes distinct (and, where m != n, nonzero) singular values, as PyTorch does."""
    m, n = U._data.shape[-2], Vh._data.shape[-1]
    if gU is None and gVh is None:
        if gS is None:
            return None
        return matmul(U, gS.unsqueeze(-1) * Vh) if m >= n else matmul(U * gS.unsqueeze(-2), Vh)
    eye = Tensor._make(np.eye(S._data.shape[-1], dtype=S._data.dtype))
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + eye           # S_j^2 - S_i^2, with 1 on the diagonal
    UhgU = VhgV = None
    if gU is not None:
        UhgU = matmul(U.mT, gU)
        UhgU = UhgU - UhgU.mT
    if gVh is not None:
        VhgV = matmul(Vh, gVh.mT)
        VhgV = VhgV - VhgV.mT
    if UhgU is not None and VhgV is not None:
        inner = (UhgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VhgV) / E
    elif UhgU is not None:
        inner = (UhgU / E) * S.unsqueeze(-2)
    else:
        inner = S.unsqueeze(-1) * (VhgV / E)
    if gS is not None:
        inner = inner + gS.unsqueeze(-1) * eye
    if m > n and gU is not None:                            # + (I - U U^T) gU S^-1 Vh
        gU_Sinv = gU / S.unsqueeze(-2)
        return matmul(matmul(U, inner) + gU_Sinv - matmul(U, matmul(U.mT, gU_Sinv)), Vh)
    if m < n and gVh is not None:                           # + U S^-1 gVh (I - V Vh)
        Sinv_gVh = gVh / S.unsqueeze(-1)
        return matmul(U, matmul(inner, Vh) + Sinv_gVh - matmul(matmul(Sinv_gVh, Vh.mT), Vh))
    return matmul(U, matmul(inner, Vh)) if m >= n else matmul(matmul(U, inner), Vh)


def check_matrix(op: str, A: Tensor) -> None:
    if A._data.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if not is_floating(A._data.dtype):
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {torch_dtype_name(A)}")


def svd(A: Tensor, full_matrices: bool = True, *, driver: Any = None) -> tuple[Tensor, Tensor, Tensor]:
    """``(U, S, Vh)`` with A = U diag(S) Vh for (each matrix in) ``A``, the singular values S descending;
    U is m x m and Vh n x n with ``full_matrices``, else m x k and k x n (k = min(m, n)). Differentiable
    (the gradient through U and Vh needs distinct singular values, as in PyTorch)."""
    check_matrix("linalg.svd", A)
    return SvdResult(*Svd.apply(A, bool(full_matrices)))


def svdvals(A: Tensor, *, driver: Any = None) -> Tensor:
    """The singular values of (each matrix in) ``A``, descending; the gradient is U diag(g) Vh."""
    check_matrix("linalg.svdvals", A)
    return Svd.apply(A, False)[1]


# ----------------------------------------------------------------------------- norms
def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The vector ``ord``-norm of the elements over ``dim`` (all when None): a number p gives
    (sum |x|^p)^(1/p), ``inf``/``-inf`` the largest/smallest |x|, 0 the count of nonzeros."""
    return _vector_norm(x, ord, dim, keepdim, dtype)


def matrix_norm(A: Tensor, ord: Any = "fro", dim: tuple[int, ...] = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The matrix norm of (each matrix in) ``A`` over the two dims ``dim``: ``'fro'`` (Frobenius),
    ``'nuc'`` (nuclear: the sum of the singular values), 2 / -2 (the largest / smallest singular value),
    1 / -1 (largest / smallest column sum of |A|), ``inf`` / ``-inf`` (largest / smallest row sum)."""
    if dtype is not None:
        A = A.to(dtype)
    if not is_floating(A._data.dtype):
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
                           f"{torch_dtype_name(A)}")
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    rows, cols = (A._wrap_dim(d) for d in dim)
    if rows == cols:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return _vector_norm(A, 2, (rows, cols), keepdim)
    shape = A._data.shape
    kept = tuple(1 if k in (rows, cols) else n for k, n in enumerate(shape))
    if isinstance(ord, str) and ord != "nuc" or ord not in ("nuc", 2, -2, 1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported: valid orders are 'fro', 'nuc', "
                           "2, -2, 1, -1, inf and -inf")
    if ord in ("nuc", 2, -2):                       # from the singular values, as PyTorch computes them
        if shape[rows] == 0 or shape[cols] == 0:    # none: the norm is 0, as PyTorch gives
            out = Tensor._make(np.zeros(tuple(n for k, n in enumerate(shape) if k not in (rows, cols)),
                                        A._data.dtype))
        else:
            values = svdvals(A.movedim((rows, cols), (-2, -1)))
            out = values.sum(-1) if ord == "nuc" else values.amax(-1) if ord == 2 else values.amin(-1)
        return out.reshape(kept) if keepdim else out
    summed, picked = (rows, cols) if abs(ord) == 1 else (cols, rows)
    sums = _vector_norm(A, 1, summed, True)
    out = sums.amax(picked, keepdim=True) if ord > 0 else sums.amin(picked, keepdim=True)
    if keepdim:
        return out
    return out.reshape(tuple(n for k, n in enumerate(shape) if k not in (rows, cols)))


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """``linalg.norm``: a vector norm when ``dim`` is an int (or ``A`` is 1-D), a matrix norm when ``dim``
    is a 2-tuple (or ``A`` is 2-D and ``ord`` is given); with neither, the 2-norm of all elements."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A._data.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A._data.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                       f"Got {A.ndim}D.")


def inverse(input: Tensor) -> Tensor:
    """The inverse of a square matrix (or batch); ``linalg.inv``."""
    return inv(input)


def cond(A: Tensor, p: Any = None, *, out: Any = None) -> Tensor:
    """The condition number of (each matrix in) ``A`` in the matrix norm ``p``: for None, 2 or -2 the ratio
    of the largest to the smallest singular value (or its inverse for -2), otherwise
    ``matrix_norm(A, p) * matrix_norm(inv(A), p)`` (square, invertible A)."""
    check_matrix("linalg.cond", A)
    if p is None or p in (2, -2):
        values = svdvals(A)
        ratio = values.amax(-1) / values.amin(-1)
        return 1 / ratio if p == -2 else ratio
    check_square("linalg.cond", A)
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


def linalg_diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonal ``offset`` of (each matrix in) ``A`` over the dims ``dim1``, ``dim2`` (``linalg.diagonal``:
    ``torch.diagonal`` with the last two dims as default)."""
    return A.diagonal(offset, dim1, dim2)


linalg_diagonal.__name__ = "diagonal"

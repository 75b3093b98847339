"""Elementwise ops with broadcasting: arithmetic, where, clamping, interpolation, bitwise ops, dtype casts, and the
masked product that masked gradients share (0 off the mask even where the gradient is inf).

The one-input math functions (exp, log, trigonometry, rounding, ...) are in ``unary.py``.
"""
from __future__ import annotations

from typing import Any, overload

import numpy as np

from microtensor import devices, dtypes
from microtensor.autograd.function import Function
from microtensor.capture import record
from microtensor.devices import check_cpu
from microtensor.dtypes import is_floating
from microtensor.ops.broadcasting import (
    Operand,
    broadcast_message,
    cast,
    dtype_of,
    promote,
    promote_all,
    shape_of,
    unbroadcast,
)
from microtensor.ops.checks import tensor_input
from microtensor.tensor import Tensor


def apply_binary(fn: type[Function], op: str, a: Tensor | np.ndarray, b: Tensor | np.ndarray) -> Tensor:
    """Apply a broadcasting binary Function; a shape mismatch names the op and both shapes."""
    try:
        return fn.apply(a, b)
    except ValueError:
        sa, sb = shape_of(a), shape_of(b)
        try:
            np.broadcast_shapes(sa, sb)
        except ValueError:
            raise RuntimeError(broadcast_message(op, sa, sb)) from None
        raise


# ----------------------------------------------------------------------------- dtype casts
class ToCopy(Function):
    """out = x converted to another dtype; the gradient is converted back."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dt: dtypes.dtype) -> np.ndarray:
        ctx.in_dtype = dtypes.from_numpy_dtype(x.dtype)
        return x.astype(dt.np)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return grad.to(ctx.in_dtype), None


def to(self: Tensor, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False, **kwargs: Any) -> Tensor:
    """Return this tensor converted to ``dtype`` (self when nothing changes). Accepts ``to("cpu")``,
    ``to(dtype)``, ``to("cpu", dtype)`` and ``to(other_tensor)`` like PyTorch."""
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, (str, devices.device)) or isinstance(a, int) and not isinstance(a, bool):
            check_cpu(a)
        else:
            dtype = a
    check_cpu(device)
    if dtype is None:
        return self.clone() if copy else self
    dt = dtypes.to_dtype(dtype, "to")
    if dt.np == self._data.dtype:
        return self.clone() if copy else self
    return ToCopy.apply(self, dt)


def type_as(self: Tensor, other: Tensor) -> Tensor:
    """This tensor converted to ``other``'s dtype."""
    return to(self, other.dtype)


class Clone(Function):
    """out = a copy of x; the gradient passes through."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        return x.copy()

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return grad


def clone(input: Tensor) -> Tensor:
    """A copy of ``input`` that stays in the graph (gradients flow back to ``input``)."""
    return Clone.apply(input)


def contiguous(x: Tensor) -> Tensor:
    """``x`` itself when its memory is C-contiguous, else a contiguous copy in the graph."""
    return x if x._data.flags.c_contiguous else Clone.apply(x)


# ----------------------------------------------------------------------------- arithmetic
class Add(Function):
    """out = a + b, broadcasting."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.shapes = a.shape, b.shape
        return a + b

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        sa, sb = ctx.shapes
        return (unbroadcast(grad, sa) if ctx.needs_input_grad[0] else None,
                unbroadcast(grad, sb) if ctx.needs_input_grad[1] else None)


def add(input: Operand, other: Operand, *, alpha: Any = 1) -> Tensor:
    """input + alpha * other, with broadcasting and type promotion."""
    if alpha != 1:
        other = mul(other, alpha)
    a, b = promote(input, other)
    return apply_binary(Add, "add", a, b)


class Sub(Function):
    """out = a - b, broadcasting."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.shapes = a.shape, b.shape
        return a - b

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        sa, sb = ctx.shapes
        return (unbroadcast(grad, sa) if ctx.needs_input_grad[0] else None,
                unbroadcast(-grad, sb) if ctx.needs_input_grad[1] else None)


def sub(input: Operand, other: Operand, *, alpha: Any = 1) -> Tensor:
    """input - alpha * other, with broadcasting and type promotion."""
    if alpha != 1:
        other = mul(other, alpha)
    bools = [isinstance(x, bool) or isinstance(x, Tensor) and x._data.dtype == np.bool_ for x in (input, other)]
    if all(bools):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if any(bools):   # PyTorch refuses one bool operand too, though promotion would make it a number
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    a, b = promote(input, other)
    return apply_binary(Sub, "sub", a, b)


class Mul(Function):
    """out = a * b, broadcasting."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        need = ctx.needs_input_grad          # each operand only for the other's gradient, as PyTorch saves them
        ctx.save_for_backward(a if need[1] else None, b if need[0] else None)
        ctx.shapes = a.shape, b.shape
        return a * b

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        return (unbroadcast(grad * b, sa) if ctx.needs_input_grad[0] else None,
                unbroadcast(grad * a, sb) if ctx.needs_input_grad[1] else None)


def mul(input: Operand, other: Operand) -> Tensor:
    """input * other, with broadcasting and type promotion."""
    a, b = promote(input, other)
    if dtype_of(a) == np.bool_:
        return apply_binary(LogicalAndMul, "mul", a, b)
    return apply_binary(Mul, "mul", a, b)


class LogicalAndMul(Function):
    """bool * bool (logical and); never differentiable."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a & b


class Div(Function):
    """out = a / b, broadcasting."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)   # a only for b's gradient
        ctx.shapes = a.shape, b.shape
        return a / b

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        ga = grad / b
        return (unbroadcast(ga, sa) if ctx.needs_input_grad[0] else None,
                unbroadcast(-ga * a / b, sb) if ctx.needs_input_grad[1] else None)


class RoundedDiv(Function):
    """out = trunc(a / b) or floor(a / b); the gradient is zero almost everywhere."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray, mode: str) -> np.ndarray:
        ctx.shapes = a.shape, b.shape
        if dtype_of(a).kind in "iub":
            if mode == "floor":
                return np.floor_divide(a, b)
            q = np.abs(a) // np.abs(b)
            return np.where((a < 0) ^ (b < 0), -q, q).astype(a.dtype)
        # floor_divide rounds as Python's // (and PyTorch): 1 // 0.1 is 9, though floor(1 / 0.1) is 10
        return np.floor_divide(a, b) if mode == "floor" else np.trunc(a / b)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        sa, sb = ctx.shapes       # zeros, not grad * 0 (NaN where grad is inf), as PyTorch
        dt = grad._data.dtype
        return Tensor._make(np.zeros(sa, dt)), Tensor._make(np.zeros(sb, dt)), None


def div(input: Operand, other: Operand, *, rounding_mode: str | None = None) -> Tensor:
    """input / other: true division (ints give the default float dtype), or
    ``rounding_mode="trunc"``/``"floor"`` rounded division that keeps integer dtypes."""
    a, b = promote(input, other)
    if rounding_mode is None:
        if dtype_of(a).kind in "iub":
            dt = dtypes.get_default_dtype()
            a, b = cast(a, dt), cast(b, dt)
        return apply_binary(Div, "div", a, b)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                         f"'{rounding_mode}'")
    _check_int_divisor(a, b)
    try:
        return RoundedDiv.apply(a, b, rounding_mode)
    except ValueError:
        raise RuntimeError(broadcast_message("div", shape_of(a), shape_of(b))) from None


def floor_divide(input: Operand, other: Operand) -> Tensor:
    """input // other (floor rounding)."""
    return div(input, other, rounding_mode="floor")


class Neg(Function):
    """out = -x."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        return -x

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return -grad


def neg(input: Tensor) -> Tensor:
    """-input, elementwise."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return Neg.apply(input)


class Pow(Function):
    """out = a ** b, broadcasting. As PyTorch's: d/da is 0 where b == 0 (even at a == 0), d/db is 0 where
    a == 0 and b >= 0 (the limit from a > 0; out * log(a) elsewhere, -inf for 0 ** negative)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        try:
            out = a ** b
        except ValueError:            # NumPy refuses integers to negative powers; PyTorch has a result
            out = _int_pow(a, b)
        ctx.save_for_backward(a, b, out if ctx.needs_input_grad[1] else None)   # out only for b's gradient
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b, out = ctx.saved_tensors
        ga = gb = None
        ad, bd = a._data, b._data
        with np.errstate(divide="ignore", invalid="ignore"):     # the inf and NaN of 0 ** -1, log(0), log(-1)
            if ctx.needs_input_grad[0]:
                ga = grad * b * a ** (b - 1)
                if (bd == 0).any():
                    ga = where(bd == 0, 0.0, ga)
                ga = unbroadcast(ga, ad.shape)
            if ctx.needs_input_grad[1]:
                gb = out * a.log()
                zero_base = (ad == 0) & (bd >= 0)
                if zero_base.any():
                    gb = where(zero_base, 0.0, gb)
                gb = unbroadcast(grad * gb, bd.shape)
        return ga, gb


def _int_pow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Integer a ** b with negative exponents as PyTorch computes them: 1 ** b is 1, (-1) ** b is ±1 by the parity
    of b, any other base gives 0 (the truncated reciprocal)."""
    negative = b < 0
    out = a ** np.where(negative, 0, b)
    reciprocal = np.where(a == 1, 1, np.where(a == -1, np.where(b % 2 == 0, 1, -1), 0))
    return np.where(negative, reciprocal, out).astype(out.dtype)


class PowScalar(Function):
    """out = x ** p for a Python number p (the common case: one saved input, no log)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, p: float) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.p = p
        if p == -0.5 and is_floating(x.dtype):     # PyTorch's rsqrt: (-0.0) ** -0.5 is -inf
            return 1 / np.sqrt(x)
        return x ** np.asarray(p, dtype=x.dtype) if is_floating(x.dtype) else x ** p

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        x, = ctx.saved_tensors
        p = ctx.p
        if p == 0:                # zeros, not grad * 0 (NaN where grad is inf), as PyTorch
            return Tensor._make(np.zeros_like(grad._data)), None
        return grad * p * x ** (p - 1) if p != 2 else grad * 2 * x, None


def pow(input: Operand, exponent: Operand) -> Tensor:
    """input ** exponent, with broadcasting and type promotion."""
    if isinstance(input, Tensor) and isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        x = input
        if x.dtype != (result := dtypes.result_type(x, exponent)):   # bool ** 2 is int64, int ** 0.5 float
            x = x.to(result)
        if x._data.dtype.kind in "iu" and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return PowScalar.apply(x, exponent)
    a, b = promote(input, exponent)
    return apply_binary(Pow, "pow", a, b)


def to_float(x: Tensor) -> Tensor:
    """``x`` itself when floating point, else converted to the default float dtype (as PyTorch's unary math)."""
    return x if is_floating(x._data.dtype) else x.to(dtypes.get_default_dtype())


def promote_to_float(a: Operand, b: Operand) -> tuple[Any, Any]:
    """Two operands promoted to their common dtype, integers and bools then converted to the default float dtype
    (as PyTorch's float math: atan2, copysign, xlogy)."""
    a, b = promote(a, b)
    if not is_floating(dtype_of(a)):
        dt = dtypes.get_default_dtype()
        a, b = cast(a, dt), cast(b, dt)
    return a, b


def _check_int_divisor(a: Tensor | np.ndarray, b: Tensor | np.ndarray) -> None:
    """PyTorch raises on integer division (and remainder) by zero, where NumPy would give 0 and a warning."""
    if dtype_of(a).kind in "iu":
        divisor = b._data if isinstance(b, Tensor) else b
        if not divisor.all():
            raise RuntimeError("ZeroDivisionError")


# ----------------------------------------------------------------------------- masked gradients
_SAME_WIDTH_INT = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}


def masked(x: np.ndarray, mask: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """x where the bool ``mask`` holds, else 0 (also where x is inf or NaN), as PyTorch's masked gradients give it
    (written into ``out`` if given, which may be ``x`` itself).

    One pass and no check for inf or NaN: x's bits, read as integers of x's width, times the mask. An integer
    product by 1 or 0 keeps the bits or clears them to +0.0, where the float product inf * 0 would be NaN (and
    ``np.where`` takes over ten times longer). complex128, wider than any integer, goes through ``np.where``."""
    bits = _SAME_WIDTH_INT.get(x.dtype.itemsize)
    if bits is None:
        selected = np.where(mask, x, 0)
        if out is None:
            return selected
        out[...] = selected
        return out
    if out is None:                             # an array of its own (a view would read as one of x's)
        out = np.empty_like(x) if mask.shape == x.shape else np.empty(np.broadcast_shapes(x.shape, mask.shape),
                                                                        x.dtype)
    np.multiply(x.view(bits), mask, out=out.view(bits))
    return out


class MulMask(Function):
    """out = x where a constant bool mask holds, else 0 (the gradient of ReLU-like ops); see ``masked``."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(mask)
        return masked(x, mask)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        mask, = ctx.saved_tensors
        return MulMask.apply(grad, mask._data), None


@overload
def where(condition: Operand) -> tuple[Tensor, ...]: ...
@overload
def where(condition: Operand, input: Operand, other: Operand) -> Tensor: ...
def where(condition: Operand, input: Operand | None = None, other: Operand | None = None) -> Tensor | tuple:
    """``input`` where ``condition`` is true, else ``other``; all three broadcast. With the condition alone,
    the indices of its nonzero entries, one 1-D tensor per dim: ``condition.nonzero(as_tuple=True)``."""
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if input is None and other is None:
        return Tensor._make(cond).nonzero(as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() takes the condition alone, or the condition, input and other: got "
                        f"{'input' if other is None else 'other'} without {'other' if other is None else 'input'}")
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{dtypes.from_numpy_dtype(cond.dtype)}")
    a, b = promote_all(input, other)
    try:
        return Where.apply(cond, a, b)
    except ValueError:
        raise RuntimeError(broadcast_message("where", cond.shape, shape_of(a), shape_of(b))) from None


class Where(Function):
    """out = a where cond else b, broadcasting all three."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, cond: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(cond)
        ctx.shapes = a.shape, b.shape
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[None, Tensor | None, Tensor | None]:
        cond, = ctx.saved_tensors
        cond = cond._data
        sa, sb = ctx.shapes
        return (None,
                unbroadcast(MulMask.apply(grad, cond), sa) if ctx.needs_input_grad[1] else None,
                unbroadcast(MulMask.apply(grad, ~cond), sb) if ctx.needs_input_grad[2] else None)


# ----------------------------------------------------------------------------- more binary arithmetic
class Remainder(Function):
    """out = a - b * floor(a / b) (the sign of b, as Python's %), broadcasting."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(*((a, b) if ctx.needs_input_grad[1] else (None, None)))   # only b's gradient needs them
        ctx.shapes = a.shape, b.shape
        return np.remainder(a, b)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        return (unbroadcast(grad, sa) if ctx.needs_input_grad[0] else None,
                unbroadcast(-grad * div(a, b, rounding_mode="floor"), sb)
                if ctx.needs_input_grad[1] else None)


def remainder(input: Operand, other: Operand) -> Tensor:
    """input % other elementwise, with the sign of ``other`` (Python's modulus), broadcasting."""
    a, b = promote(input, other)
    _check_int_divisor(a, b)
    return apply_binary(Remainder, "remainder", a, b)


class Fmod(Function):
    """out = a - b * trunc(a / b) (the sign of a, as C's fmod), broadcasting."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(*((a, b) if ctx.needs_input_grad[1] else (None, None)))   # only b's gradient needs them
        ctx.shapes = a.shape, b.shape
        return np.fmod(a, b)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        return (unbroadcast(grad, sa) if ctx.needs_input_grad[0] else None,
                unbroadcast(-grad * div(a, b, rounding_mode="trunc"), sb)
                if ctx.needs_input_grad[1] else None)


def fmod(input: Operand, other: Operand) -> Tensor:
    """The C-style remainder of input / other (the sign of ``input``), broadcasting."""
    a, b = promote(input, other)
    _check_int_divisor(a, b)
    return apply_binary(Fmod, "fmod", a, b)


def rsub(input: Operand, other: Operand, *, alpha: Any = 1) -> Tensor:
    """other - alpha * input."""
    return sub(other, input, alpha=alpha)


class Atan2(Function):
    """out = atan2(a, b), the angle of the point (b, a), broadcasting."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        norm2 = a * a + b * b
        recip = norm2.reciprocal()
        if (norm2._data == 0).any():         # as PyTorch: zero gradient where a * a + b * b is 0 (origin, underflow)
            recip = where(norm2._data == 0, 0.0, recip)
        return (unbroadcast(grad * b * recip, a._data.shape) if ctx.needs_input_grad[0] else None,
                unbroadcast(grad * -a * recip, b._data.shape) if ctx.needs_input_grad[1] else None)


def atan2(input: Operand, other: Operand) -> Tensor:
    """The elementwise arctangent of input / other in the quadrant of (other, input), broadcasting."""
    return apply_binary(Atan2, "atan2", *promote_to_float(input, other))


def _tie_split(grad: Tensor, a: np.ndarray, b: np.ndarray, wins: np.ndarray) -> Tensor:
    """``grad`` where ``a`` is the chosen value (``wins``), half of it on ties, 0 where ``b`` is (even where grad
    is inf), as PyTorch's maximum/minimum."""
    share = MulMask.apply(grad, wins)
    ties = a == b
    return share * Tensor._make(np.where(ties, 0.5, 1.0).astype(grad._data.dtype)) if ties.any() else share


class Maximum(Function):
    """out = max(a, b) elementwise (NaN propagates), broadcasting; ties share the gradient equally."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        ad, bd = a._data, b._data
        return (unbroadcast(_tie_split(grad, ad, bd, ~(ad < bd)), ad.shape) if ctx.needs_input_grad[0] else None,
                unbroadcast(_tie_split(grad, ad, bd, ~(ad > bd)), bd.shape) if ctx.needs_input_grad[1] else None)


def maximum(input: Operand, other: Operand) -> Tensor:
    """The elementwise maximum of two tensors (NaN if either is NaN), broadcasting."""
    a, b = promote(input, other)
    return apply_binary(Maximum, "maximum", a, b)


class Minimum(Function):
    """out = min(a, b) elementwise (NaN propagates), broadcasting; ties share the gradient equally."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        ad, bd = a._data, b._data
        return (unbroadcast(_tie_split(grad, ad, bd, ~(ad > bd)), ad.shape) if ctx.needs_input_grad[0] else None,
                unbroadcast(_tie_split(grad, ad, bd, ~(ad < bd)), bd.shape) if ctx.needs_input_grad[1] else None)


def minimum(input: Operand, other: Operand) -> Tensor:
    """The elementwise minimum of two tensors (NaN if either is NaN), broadcasting."""
    a, b = promote(input, other)
    return apply_binary(Minimum, "minimum", a, b)


class Clamp(Function):
    """out = min(max(x, lo), hi) (either bound may be None), broadcasting all three.

    As PyTorch: x gets the gradient where lo <= x <= hi; lo where x < lo (and lo < hi);
    hi where x > hi or hi < lo (then the output is hi everywhere).
    """
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, lo: np.ndarray | None, hi: np.ndarray | None) -> np.ndarray:
        ctx.save_for_backward(x, lo, hi)
        out = x if lo is None else np.maximum(x, lo)
        return out if hi is None else np.minimum(out, hi)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
        x, lo, hi = ctx.saved_tensors
        xd = x._data
        lod = None if lo is None else lo._data
        hid = None if hi is None else hi._data
        gx = glo = ghi = None
        if ctx.needs_input_grad[0]:
            inside = xd >= lod if hid is None else xd <= hid if lod is None else (xd >= lod) & (xd <= hid)
            gx = unbroadcast(where(inside, grad, 0.0), xd.shape)
        if ctx.needs_input_grad[1]:
            assert lod is not None    # a bound that needs a gradient was given
            below = xd < lod if hid is None else (xd < lod) & (lod < hid)
            glo = unbroadcast(where(below, grad, 0.0), lod.shape)
        if ctx.needs_input_grad[2]:
            assert hid is not None
            above = xd > hid if lod is None else (xd > hid) | (hid < lod)
            ghi = unbroadcast(where(above, grad, 0.0), hid.shape)
        return gx, glo, ghi


def clamp(input: Tensor, min: Operand | None = None, max: Operand | None = None) -> Tensor:
    """Clamp every element into [min, max]; the bounds are numbers or tensors (broadcasting), either may be
    None. Where min > max the result is max, as in PyTorch."""
    x = tensor_input("clamp", input)
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    operands = promote_all(*(v for v in (x, min, max) if v is not None))
    x = operands[0]    # a tensor: promotion keeps tensors
    lo = operands[1] if min is not None else None
    hi = operands[-1] if max is not None else None
    try:
        return Clamp.apply(x, lo, hi)
    except ValueError:
        shapes = [shape_of(v) for v in (x, lo, hi) if v is not None]
        raise RuntimeError(broadcast_message("clamp", *shapes)) from None


def clamp_min(input: Tensor, min: Operand) -> Tensor:
    """clamp(input, min=min)."""
    return clamp(input, min=min)


def clamp_max(input: Tensor, max: Operand) -> Tensor:
    """clamp(input, max=max)."""
    return clamp(input, max=max)


class Lerp(Function):
    """out = start + weight * (end - start), broadcasting (PyTorch's two-sided formula for accuracy)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, start: np.ndarray, end: np.ndarray, weight: np.ndarray) -> np.ndarray:
        need = ctx.needs_input_grad          # start and end only for weight's gradient, weight for theirs
        ctx.save_for_backward(start if need[2] else None, end if need[2] else None,
                              weight if need[0] or need[1] else None)
        ctx.shapes = start.shape, end.shape, weight.shape
        diff = end - start
        if weight.ndim == 0:
            return start + weight * diff if np.abs(weight) < 0.5 else end - diff * (1 - weight)
        return np.where(np.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
        start, end, weight = ctx.saved_tensors
        need, shapes = ctx.needs_input_grad, ctx.shapes
        return (unbroadcast(grad * (1 - weight), shapes[0]) if need[0] else None,
                unbroadcast(grad * weight, shapes[1]) if need[1] else None,
                unbroadcast(grad * (end - start), shapes[2]) if need[2] else None)


def lerp(input: Tensor, end: Tensor, weight: Operand) -> Tensor:
    """Linear interpolation input + weight * (end - input); ``weight`` is a number or a tensor, broadcasting."""
    start = tensor_input("lerp", input)
    dt = start._data.dtype
    if not is_floating(dt):
        raise RuntimeError(f"lerp: expected floating point tensors, but got input of dtype {start.dtype.name}")
    if not isinstance(end, Tensor) or end._data.dtype != dt:
        got = end.dtype.name if isinstance(end, Tensor) else type(end).__name__
        raise RuntimeError(f"lerp expected dtype {start.dtype.name} for `end` but got {got}")
    if isinstance(weight, Tensor):
        if weight._data.dtype != dt:
            if weight.ndim or not is_floating(weight._data.dtype):
                raise RuntimeError(f"lerp expected dtype {start.dtype.name} for `weight` but got dtype "
                                   f"{weight.dtype.name}")
            weight = weight.to(start.dtype)
    else:
        weight = np.asarray(weight, dtype=dt)
    try:
        return Lerp.apply(start, end, weight)
    except ValueError:
        raise RuntimeError(broadcast_message("lerp", start._data.shape, end._data.shape, shape_of(weight))) from None


def addcmul(input: Operand, tensor1: Operand, tensor2: Operand, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 * tensor2, broadcasting."""
    prod = mul(tensor1, tensor2)
    return add(input, prod if value == 1 else mul(prod, value))


def addcdiv(input: Operand, tensor1: Operand, tensor2: Operand, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 / tensor2, broadcasting (integer tensor1 and tensor2 are an error, as PyTorch)."""
    if all(isinstance(t, Tensor) and t._data.dtype.kind in "iub" for t in (tensor1, tensor2)):
        raise RuntimeError("Integer division with addcdiv is no longer supported: use "
                           "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs")
    quotient = div(tensor1, tensor2)
    return add(input, quotient if value == 1 else mul(quotient, value))


# ----------------------------------------------------------------------------- bitwise (bool / integer, no gradient)
def as_array(x: Any, dt: np.dtype) -> np.ndarray:
    """The NumPy data of a tensor or number as dtype ``dt`` (no copy when it already is)."""
    data = x._data if isinstance(x, Tensor) else np.asarray(x)
    return data if data.dtype == dt else data.astype(dt)


def ufunc_as(ufunc: np.ufunc, a: Any, b: Any, dt: np.dtype) -> np.ndarray:
    """``ufunc`` of two arrays or numbers cast to ``dt``, as an array: the computation of a comparison,
    logical or bitwise op, made through ``capture.record`` so that ``microtensor.compile`` replays it."""
    return np.asarray(ufunc(as_array(a, dt), as_array(b, dt)))


def data_of(x: Any) -> Any:
    """A tensor's array, or the number itself."""
    return x._data if isinstance(x, Tensor) else x


def _bitwise(op: str, ufunc: np.ufunc, input: Operand, other: Operand) -> Tensor:
    dt = dtypes.result_type(input, other)
    if dt.category == 2:
        raise RuntimeError(f'"{op}_cpu" not implemented for {dt.name}: {op} needs bool or integer tensors')
    try:
        return Tensor._make(record(ufunc_as, ufunc, data_of(input), data_of(other), dt.np))
    except ValueError:
        raise RuntimeError(broadcast_message(op, shape_of(input), shape_of(other))) from None


def bitwise_and(input: Operand, other: Operand) -> Tensor:
    """input & other: logical and of bool tensors, bitwise and of integer tensors, broadcasting."""
    return _bitwise("bitwise_and", np.bitwise_and, input, other)


def bitwise_or(input: Operand, other: Operand) -> Tensor:
    """input | other: logical or of bool tensors, bitwise or of integer tensors, broadcasting."""
    return _bitwise("bitwise_or", np.bitwise_or, input, other)


def bitwise_xor(input: Operand, other: Operand) -> Tensor:
    """input ^ other: logical xor of bool tensors, bitwise xor of integer tensors, broadcasting."""
    return _bitwise("bitwise_xor", np.bitwise_xor, input, other)


def bitwise_not(input: Tensor) -> Tensor:
    """~input: logical not of a bool tensor, bitwise not (two's complement) of an integer tensor."""
    x = tensor_input("bitwise_not", input)
    if is_floating(x._data.dtype):
        raise RuntimeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return Tensor._make(record(np.invert, x._data))


def reflected(fn: Any, name: str) -> Any:
    """The reflected operator ``name`` (``__radd__``...) of ``fn``: ``fn(other, self)``."""
    def method(self: Tensor, other: Operand) -> Tensor:
        return fn(other, self)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"other {fn.__name__} self (the reflected operator)."
    return method

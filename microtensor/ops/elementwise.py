"""Elementwise ops: arithmetic with broadcasting, unary math, dtype casts."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.autograd.function import Function
from microtensor.ops.broadcasting import Operand, broadcast_message, cast, dtype_of, promote, promote_all, shape_of, unbroadcast
from microtensor.tensor import Tensor


def _apply_binary(fn: type[Function], op: str, a: Tensor | np.ndarray, b: Tensor | np.ndarray) -> Tensor:
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
    from microtensor.tensor import device as Device
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, (str, Device)):
            Device(str(a))
        else:
            dtype = a
    if device is not None:
        Device(str(device))
    if dtype is None:
        return self.clone() if copy else self
    dt = dtypes.to_dtype(dtype)
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


def clone(x: Tensor) -> Tensor:
    """A copy of ``x`` that stays in the graph (gradients flow back to ``x``)."""
    return Clone.apply(x)


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
    return _apply_binary(Add, "add", a, b)


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
    a, b = promote(input, other)
    if dtype_of(a) == np.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    return _apply_binary(Sub, "sub", a, b)


class Mul(Function):
    """out = a * b, broadcasting."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        return (unbroadcast(grad * b, a._data.shape) if ctx.needs_input_grad[0] else None,
                unbroadcast(grad * a, b._data.shape) if ctx.needs_input_grad[1] else None)


def mul(input: Operand, other: Operand) -> Tensor:
    """input * other, with broadcasting and type promotion."""
    a, b = promote(input, other)
    if dtype_of(a) == np.bool_:
        return _apply_binary(LogicalAndMul, "mul", a, b)
    return _apply_binary(Mul, "mul", a, b)


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
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        ga = grad / b
        return (unbroadcast(ga, a._data.shape) if ctx.needs_input_grad[0] else None,
                unbroadcast(-ga * a / b, b._data.shape) if ctx.needs_input_grad[1] else None)


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
        return np.floor(a / b) if mode == "floor" else np.trunc(a / b)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        sa, sb = ctx.shapes
        zero = grad * 0
        return unbroadcast(zero, sa), unbroadcast(zero, sb), None


def div(input: Operand, other: Operand, *, rounding_mode: str | None = None) -> Tensor:
    """input / other: true division (ints give the default float dtype), or
    ``rounding_mode="trunc"``/``"floor"`` rounded division that keeps integer dtypes."""
    a, b = promote(input, other)
    if rounding_mode is None:
        if dtype_of(a).kind in "iub":
            dt = dtypes.get_default_dtype()
            a, b = cast(a, dt), cast(b, dt)
        return _apply_binary(Div, "div", a, b)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                         f"'{rounding_mode}'")
    if dtype_of(a).kind in "iu" and not np.all(b != 0):
        raise RuntimeError("ZeroDivisionError: integer division by zero")
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


def neg(x: Tensor) -> Tensor:
    """-x."""
    if x.dtype == dtypes.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return Neg.apply(x)


class Pow(Function):
    """out = a ** b, broadcasting; d/db uses log(a) where a > 0 (0 where a == 0, as PyTorch)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = a ** b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b, out = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = unbroadcast(grad * b * a ** (b - 1), a._data.shape)
        if ctx.needs_input_grad[1]:
            safe_log = where(a._data == 0, 0.0, a).log() if (a._data == 0).any() else a.log()
            gb = unbroadcast(grad * out * safe_log, b._data.shape)
        return ga, gb


class PowScalar(Function):
    """out = x ** p for a Python number p (the common case: one saved input, no log)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, p: float) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.p = p
        return x ** np.asarray(p, dtype=x.dtype) if x.dtype.kind == "f" else x ** p

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        x, = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return grad * 0, None
        return grad * p * x ** (p - 1) if p != 2 else grad * 2 * x, None


def pow(input: Operand, exponent: Operand) -> Tensor:
    """input ** exponent, with broadcasting and type promotion."""
    if isinstance(input, Tensor) and isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        x = input
        if isinstance(exponent, float) and x._data.dtype.kind != "f":
            x = x.to(dtypes.get_default_dtype())
        elif x._data.dtype.kind in "iu" and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return PowScalar.apply(x, exponent)
    a, b = promote(input, exponent)
    return _apply_binary(Pow, "pow", a, b)


class Exp(Function):
    """out = e ** x."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        out, = ctx.saved_tensors
        return grad * out


class Log(Function):
    """out = ln(x)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad / x


def to_float(x: Tensor) -> Tensor:
    """``x`` itself when floating point, else converted to the default float dtype (as PyTorch's unary math)."""
    return x if x._data.dtype.kind == "f" else x.to(dtypes.get_default_dtype())


def exp(x: Tensor) -> Tensor:
    """e ** x, elementwise."""
    return Exp.apply(to_float(x))


def log(x: Tensor) -> Tensor:
    """Natural logarithm, elementwise."""
    return Log.apply(to_float(x))


def where(condition: Operand, input: Operand, other: Operand) -> Tensor:
    """``input`` where ``condition`` is true, else ``other``; all three broadcast."""
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
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
        sa, sb = ctx.shapes
        zero = grad * 0
        return (None,
                unbroadcast(where(cond, grad, zero), sa) if ctx.needs_input_grad[1] else None,
                unbroadcast(where(cond, zero, grad), sb) if ctx.needs_input_grad[2] else None)


def _reflected(fn: Any) -> Any:
    def reflected(self: Tensor, other: Operand) -> Tensor:
        return fn(other, self)
    reflected.__doc__ = f"other {fn.__name__} self (the reflected operator)."
    return reflected


METHODS = {
    "to": to, "type_as": type_as, "clone": clone, "contiguous": contiguous,
    "float": lambda self: to(self, dtypes.float32), "double": lambda self: to(self, dtypes.float64),
    "half": lambda self: to(self, dtypes.float16), "long": lambda self: to(self, dtypes.int64),
    "int": lambda self: to(self, dtypes.int32), "bool": lambda self: to(self, dtypes.bool_),
    "cpu": lambda self: self,
    "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div, "divide": div,
    "true_divide": div, "floor_divide": floor_divide, "neg": neg, "negative": neg, "pow": pow,
    "exp": exp, "log": log, "where": lambda self, condition, other: where(condition, self, other),
    "__add__": add, "__radd__": _reflected(add), "__sub__": sub, "__rsub__": _reflected(sub),
    "__mul__": mul, "__rmul__": _reflected(mul), "__truediv__": div, "__rtruediv__": _reflected(div),
    "__floordiv__": floor_divide, "__rfloordiv__": _reflected(floor_divide),
    "__pow__": pow, "__rpow__": _reflected(pow), "__neg__": neg, "__pos__": lambda self: self,
}
FUNCTIONS = {
    "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div, "divide": div,
    "true_divide": div, "floor_divide": floor_divide, "neg": neg, "negative": neg, "pow": pow,
    "exp": exp, "log": log, "where": where, "clone": clone,
}

"""Unary math ops: abs, powers and roots, exp/log, trigonometric and hyperbolic functions, sigmoid, relu,
erf, and rounding (zero gradient). Integer inputs give the default float dtype where PyTorch does."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.autograd.function import Function
from microtensor.dtypes import BFLOAT16, is_floating
from microtensor.ops.checks import tensor_input, to_float_input
from microtensor.ops.elementwise import MulMask, masked
from microtensor.ops.float32_compute import in_float32
from microtensor.tensor import Tensor


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


def exp(input: Tensor) -> Tensor:
    """e ** input, elementwise (integer inputs give the default float dtype)."""
    return Exp.apply(to_float_input("exp", input))


def log(input: Tensor) -> Tensor:
    """Natural logarithm, elementwise (integer inputs give the default float dtype)."""
    return Log.apply(to_float_input("log", input))


# ----------------------------------------------------------------------------- unary math
class Abs(Function):
    """out = |x|; the gradient is sign(x) (0 at 0)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * sign(x)


def abs(input: Tensor) -> Tensor:
    """|input|, elementwise (integer dtypes are kept)."""
    x = tensor_input("abs", input)
    if x._data.dtype == np.bool_:
        raise RuntimeError('"abs_cpu" not implemented for \'Bool\'')
    return Abs.apply(x)


def positive(input: Tensor) -> Tensor:
    """input itself (unary +); an error for bool tensors, as PyTorch."""
    x = tensor_input("positive", input)
    if x._data.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return x


class Reciprocal(Function):
    """out = 1 / x."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = np.reciprocal(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        out, = ctx.saved_tensors
        return -grad * out * out


def reciprocal(input: Tensor) -> Tensor:
    """1 / input, elementwise (integer inputs give the default float dtype)."""
    return Reciprocal.apply(to_float_input("reciprocal", input))


class Sqrt(Function):
    """out = sqrt(x)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        out, = ctx.saved_tensors
        return grad / (2 * out)


def sqrt(input: Tensor) -> Tensor:
    """Square root, elementwise (NaN for negative inputs)."""
    return Sqrt.apply(to_float_input("sqrt", input))


class Rsqrt(Function):
    """out = 1 / sqrt(x)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = np.reciprocal(np.sqrt(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        out, = ctx.saved_tensors
        return grad * -0.5 * out * out * out


def rsqrt(input: Tensor) -> Tensor:
    """1 / sqrt(input), elementwise."""
    return Rsqrt.apply(to_float_input("rsqrt", input))


class Square(Function):
    """out = x * x."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.square(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * 2 * x


def square(input: Tensor) -> Tensor:
    """input * input, elementwise (integer dtypes are kept; bool gives int64, as PyTorch)."""
    x = tensor_input("square", input)
    return Square.apply(x.to(dtypes.int64) if x._data.dtype == np.bool_ else x)


class Expm1(Function):
    """out = e ** x - 1, accurate near 0."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = np.expm1(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        out, = ctx.saved_tensors
        return grad * (out + 1)


def expm1(input: Tensor) -> Tensor:
    """e ** input - 1, elementwise, accurate for small inputs."""
    return Expm1.apply(to_float_input("expm1", input))


class Exp2(Function):
    """out = 2 ** x."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = np.exp2(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        out, = ctx.saved_tensors
        return grad * out * _LN2


def exp2(input: Tensor) -> Tensor:
    """2 ** input, elementwise."""
    return Exp2.apply(to_float_input("exp2", input))


class Log1p(Function):
    """out = ln(1 + x), accurate near 0."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad / (x + 1)


def log1p(input: Tensor) -> Tensor:
    """ln(1 + input), elementwise, accurate for small inputs."""
    return Log1p.apply(to_float_input("log1p", input))


_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


class Log2(Function):
    """out = log2(x)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.log2(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad / (x * _LN2)


def log2(input: Tensor) -> Tensor:
    """Base-2 logarithm, elementwise."""
    return Log2.apply(to_float_input("log2", input))


class Log10(Function):
    """out = log10(x)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.log10(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad / (x * _LN10)


def log10(input: Tensor) -> Tensor:
    """Base-10 logarithm, elementwise."""
    return Log10.apply(to_float_input("log10", input))


class Sin(Function):
    """out = sin(x)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * cos(x)


def sin(input: Tensor) -> Tensor:
    """Sine, elementwise."""
    return Sin.apply(to_float_input("sin", input))


class Cos(Function):
    """out = cos(x)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return -grad * sin(x)


def cos(input: Tensor) -> Tensor:
    """Cosine, elementwise."""
    return Cos.apply(to_float_input("cos", input))


class Tan(Function):
    """out = tan(x); the gradient 1 + out**2 uses the saved output."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = np.tan(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        out, = ctx.saved_tensors
        return grad * (1 + out * out)


def tan(input: Tensor) -> Tensor:
    """Tangent, elementwise."""
    return Tan.apply(to_float_input("tan", input))


class Tanh(Function):
    """out = tanh(x); the gradient 1 - out**2 uses the saved output."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Tanh.forward, ctx, x)
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        out, = ctx.saved_tensors
        return TanhBackward.apply(grad, out)


class TanhBackward(Function):
    """out = grad * (1 - y ** 2), tanh's gradient from its output y, as one node (PyTorch's tanh_backward)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, grad: np.ndarray, y: np.ndarray) -> np.ndarray:
        if grad.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(TanhBackward.forward, ctx, grad, y)
        ctx.save_for_backward(grad if ctx.needs_input_grad[1] else None, y)   # grad only for y's gradient
        return grad * (1 - y * y)

    @staticmethod
    def backward(ctx: Function, u: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad, y = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (u * (1 - y * y) if need[0] else None,
                u * grad * y * -2 if need[1] else None)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent, elementwise."""
    return Tanh.apply(to_float_input("tanh", input))


class Sinh(Function):
    """out = sinh(x)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.sinh(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * cosh(x)


def sinh(input: Tensor) -> Tensor:
    """Hyperbolic sine, elementwise."""
    return Sinh.apply(to_float_input("sinh", input))


class Cosh(Function):
    """out = cosh(x)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.cosh(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * sinh(x)


def cosh(input: Tensor) -> Tensor:
    """Hyperbolic cosine, elementwise."""
    return Cosh.apply(to_float_input("cosh", input))


class Asin(Function):
    """out = arcsin(x), for x in [-1, 1]."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.arcsin(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * rsqrt(1 - x * x)


def asin(input: Tensor) -> Tensor:
    """Arcsine, elementwise (NaN outside [-1, 1])."""
    return Asin.apply(to_float_input("asin", input))


class Acos(Function):
    """out = arccos(x), for x in [-1, 1]."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.arccos(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return -grad * rsqrt(1 - x * x)


def acos(input: Tensor) -> Tensor:
    """Arccosine, elementwise (NaN outside [-1, 1])."""
    return Acos.apply(to_float_input("acos", input))


class Atan(Function):
    """out = arctan(x)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.arctan(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad / (1 + x * x)


def atan(input: Tensor) -> Tensor:
    """Arctangent, elementwise."""
    return Atan.apply(to_float_input("atan", input))


class Asinh(Function):
    """out = arsinh(x)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.arcsinh(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * rsqrt(x * x + 1)


def asinh(input: Tensor) -> Tensor:
    """Inverse hyperbolic sine, elementwise."""
    return Asinh.apply(to_float_input("asinh", input))


class Acosh(Function):
    """out = arcosh(x), for x >= 1."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.arccosh(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * rsqrt(x * x - 1)


def acosh(input: Tensor) -> Tensor:
    """Inverse hyperbolic cosine, elementwise (NaN below 1)."""
    return Acosh.apply(to_float_input("acosh", input))


class Atanh(Function):
    """out = artanh(x), for x in (-1, 1)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.arctanh(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad / (1 - x * x)


def atanh(input: Tensor) -> Tensor:
    """Inverse hyperbolic tangent, elementwise (NaN outside [-1, 1])."""
    return Atanh.apply(to_float_input("atanh", input))


class Sigmoid(Function):
    """out = 1 / (1 + e ** -x), computed without overflow for inputs of any size."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Sigmoid.forward, ctx, x)
        e = np.exp(-np.abs(x))                     # never overflows: the exponent is <= 0
        out = np.where(x >= 0, 1, e) / (1 + e)     # 1/(1+e^-x) for x >= 0, e^x/(1+e^x) below
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        out, = ctx.saved_tensors
        return SigmoidBackward.apply(grad, out)


class SigmoidBackward(Function):
    """out = grad * y * (1 - y), sigmoid's gradient from its output y, as one node (PyTorch's sigmoid_backward)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, grad: np.ndarray, y: np.ndarray) -> np.ndarray:
        if grad.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(SigmoidBackward.forward, ctx, grad, y)
        ctx.save_for_backward(grad if ctx.needs_input_grad[1] else None, y)   # grad only for y's gradient
        return grad * y * (1 - y)

    @staticmethod
    def backward(ctx: Function, u: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad, y = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (u * y * (1 - y) if need[0] else None,
                u * grad * (1 - 2 * y) if need[1] else None)


def sigmoid(input: Tensor) -> Tensor:
    """The logistic function 1 / (1 + exp(-input)), elementwise, stable for inputs of any magnitude."""
    return Sigmoid.apply(to_float_input("sigmoid", input))


class Relu(Function):
    """out = max(x, 0); the gradient passes where out is not <= 0 (so also where it is NaN, as in PyTorch), zeroed
    in place when nothing else holds it."""
    on_arrays = True
    overwrites_grad = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = np.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor, overwrite_grad: bool = False) -> Tensor:
        out, = ctx.saved_tensors
        mask = ~(out._data <= 0)
        if overwrite_grad:
            masked(grad._data, mask, out=grad._data)
            return grad
        return MulMask.apply(grad, mask)


def relu(input: Tensor) -> Tensor:
    """max(input, 0), elementwise (integer dtypes are kept)."""
    x = tensor_input("relu", input)
    if x._data.dtype == np.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    return Relu.apply(x)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _erf_series(x: np.ndarray) -> np.ndarray:
    """erf(x) for |x| < 2.5: 2/sqrt(pi) e^(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)); every term is positive
    (no cancellation) and 36 terms reach float64 precision."""
    y = 2 * x * x
    term = x.copy()
    total = x.copy()
    for n in range(1, 36):
        term *= y
        term *= 1.0 / (2 * n + 1)
        total += term
    return _TWO_OVER_SQRT_PI * np.exp(-x * x) * total


def _erfcx_fraction(x: np.ndarray) -> np.ndarray:
    """e^(x^2) erfc(x) for x >= 2.5 by its continued fraction 1/sqrt(pi) / (x + 1/2/(x + 1/(x + 3/2/...)));
    32 levels reach float64 precision."""
    f = x.copy()
    for k in range(32, 0, -1):
        f = x + (0.5 * k) / f
    return 1 / (math.sqrt(math.pi) * f)


def _erfc_fraction(x: np.ndarray) -> np.ndarray:
    """erfc(x) for 2.5 <= x <= 27.3 (above, e^(-x^2) underflows to 0)."""
    return np.exp(-x * x) * _erfcx_fraction(x)


def _erf_parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """float64 x, the mask of |x| < 2.5, and erfc(|x|) for the other elements (0 beyond 27.3)."""
    x = x.astype(np.float64)
    a = np.abs(x)
    small = a < 2.5
    tail = a[~small]
    tail_erfc = np.where(np.isnan(tail), np.nan, 0.0)
    mid = tail <= 27.3
    tail_erfc[mid] = _erfc_fraction(tail[mid])
    return x, small, tail_erfc


def erf_array(x: np.ndarray) -> np.ndarray:
    """erf of an array, in its dtype: computed in float64, by a series for |x| < 2.5 and from erfc's continued
    fraction beyond."""
    x64, small, tail_erfc = _erf_parts(x)
    out = np.empty_like(x64)
    out[small] = _erf_series(x64[small])
    out[~small] = np.copysign(1 - tail_erfc, x64[~small])
    return out.astype(x.dtype, copy=False)


def erfc_array(x: np.ndarray) -> np.ndarray:
    """erfc of an array, in its dtype (computed in float64 as ``erf_array``)."""
    x64, small, tail_erfc = _erf_parts(x)
    out = np.empty_like(x64)
    out[small] = 1 - _erf_series(x64[small])
    out[~small] = np.where(x64[~small] > 0, tail_erfc, 2 - tail_erfc)
    return out.astype(x.dtype, copy=False)


def erfcx_array(x: np.ndarray) -> np.ndarray:
    """The scaled complementary error function e^(x^2) erfc(x) of a float64 array (no underflow for large x)."""
    big = x >= 2.5
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(big, _erfcx_fraction(np.where(big, x, 2.5)), np.exp(x * x) * erfc_array(x))


class Erf(Function):
    """out = erf(x) = 2/sqrt(pi) * integral of e^(-t^2) from 0 to x."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return erf_array(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * _TWO_OVER_SQRT_PI * exp(-x * x)


def erf(input: Tensor) -> Tensor:
    """The Gauss error function, elementwise."""
    return Erf.apply(to_float_input("erf", input))


class Erfc(Function):
    """out = 1 - erf(x), accurate where erf(x) is close to 1."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return erfc_array(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * -_TWO_OVER_SQRT_PI * exp(-x * x)


def erfc(input: Tensor) -> Tensor:
    """The complementary error function 1 - erf(input), elementwise."""
    return Erfc.apply(to_float_input("erfc", input))


class NanToNum(Function):
    """out = x with NaN, +inf and -inf replaced by numbers; the gradient is grad * isfinite(x), a product as in
    PyTorch (so an infinite incoming gradient at a replaced element gives NaN there, not 0)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, nan: float, posinf: float | None, neginf: float | None) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None, None]:
        x, = ctx.saved_tensors
        return grad * Tensor._make(np.isfinite(x._data).astype(grad._data.dtype)), None, None, None


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """Replace NaN by ``nan`` and infinities by ``posinf``/``neginf`` (default: the dtype's largest/lowest)."""
    x = tensor_input("nan_to_num", input)
    if not is_floating(x._data.dtype):
        return x.clone()
    return NanToNum.apply(x, nan, posinf, neginf)


# ----------------------------------------------------------------------------- rounding (zero gradient)
class _ZeroGradient(Function):
    """Base of the piecewise-constant ops: their gradient is zero everywhere it exists."""
    on_arrays = True

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return Tensor._make(np.zeros_like(grad._data)), None


class Sign(_ZeroGradient):
    """out = -1, 0 or 1 by the sign of x (0 for NaN, as PyTorch)."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        if is_floating(x.dtype):
            return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)
        return x.copy() if x.dtype == np.bool_ else np.sign(x)


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element; zero gradient."""
    return Sign.apply(tensor_input("sign", input))


def _rounding_input(op: str, x: Any) -> Tensor:
    x = tensor_input(op, x)
    if x._data.dtype == np.bool_:
        raise RuntimeError(f'"{op}" not implemented for \'Bool\'')
    return x


class Floor(_ZeroGradient):
    """out = the largest integer <= x."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        return np.floor(x) if is_floating(x.dtype) else x.copy()


def floor(input: Tensor) -> Tensor:
    """Round down to an integer value, elementwise (integer dtypes are kept); zero gradient."""
    return Floor.apply(_rounding_input("floor", input))


class Ceil(_ZeroGradient):
    """out = the smallest integer >= x."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        return np.ceil(x) if is_floating(x.dtype) else x.copy()


def ceil(input: Tensor) -> Tensor:
    """Round up to an integer value, elementwise (integer dtypes are kept); zero gradient."""
    return Ceil.apply(_rounding_input("ceil", input))


class Trunc(_ZeroGradient):
    """out = x rounded toward zero."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        return np.trunc(x) if is_floating(x.dtype) else x.copy()


def trunc(input: Tensor) -> Tensor:
    """Round toward zero, elementwise (integer dtypes are kept); zero gradient."""
    return Trunc.apply(_rounding_input("trunc", input))


class Round(_ZeroGradient):
    """out = x rounded to ``decimals`` decimal places, halves to even."""

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, decimals: int) -> np.ndarray:
        return np.round(x, decimals) if is_floating(x.dtype) else x.copy()


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round to ``decimals`` decimal places (halves to even, as PyTorch); zero gradient."""
    x = _rounding_input("round", input)
    if decimals != 0 and not is_floating(x._data.dtype):
        raise RuntimeError(f'"round_cpu" not implemented for {x.dtype.name} with decimals={decimals}: '
                           "round integer tensors with decimals=0")
    return Round.apply(x, int(decimals))


class Frac(Function):
    """out = x - trunc(x); the gradient passes unchanged."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        return x - np.trunc(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return grad


def frac(input: Tensor) -> Tensor:
    """The fractional part input - trunc(input), elementwise (floating point only)."""
    x = tensor_input("frac", input)
    if not is_floating(x._data.dtype):
        raise RuntimeError(f'"frac_cpu" not implemented for {x.dtype.name}: frac needs a floating point tensor')
    return Frac.apply(x)


# ----------------------------------------------------------------------------- angle units
def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians, elementwise: ``input * pi / 180`` (integers become the default float dtype)."""
    x = to_float_input("deg2rad", input)
    return x * (math.pi / 180.0)


def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees, elementwise: ``input * 180 / pi`` (integers become the default float dtype)."""
    x = to_float_input("rad2deg", input)
    return x * (180.0 / math.pi)

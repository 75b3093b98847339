"""More elementwise binary math, as PyTorch has it: copysign, logaddexp(2), hypot, xlogy, ldexp, float_power,
frexp, nextafter, heaviside, the integer shifts and gcd/lcm, with their in-place forms.

Each follows PyTorch's dtype rules (which ops take numbers, which refuse integers) and its gradient conventions
at the special points (hypot at the origin, copysign at 0, logaddexp at infinities, xlogy at 0).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.autograd.function import Function
from microtensor.dtypes import is_floating
from microtensor.ops.broadcasting import Operand, broadcast_message, cast, dtype_of, promote, unbroadcast
from microtensor.ops.checks import tensor_input, torch_dtype_name
from microtensor.ops.elementwise import apply_binary, as_array, mul, pow, promote_to_float, where
from microtensor.ops.inplace import apply_inplace
from microtensor.ops.reduction import return_type
from microtensor.tensor import Tensor


def _tensors(op: str, input: Any, other: Any, other_name: str = "other") -> None:
    """PyTorch's TypeError for the ops that take only tensors (no Python numbers)."""
    tensor_input(op, input)
    tensor_input(op, other, other_name, 2)


def _floating(op: str, a: Any, b: Any) -> tuple[Any, Any]:
    """Promoted operands of a float-only kernel: PyTorch refuses integer and bool results."""
    a, b = promote(a, b)
    if not is_floating(dtype_of(a)):
        raise _not_implemented(op, dtype_of(a))
    return a, b


def _not_implemented(kernel: str, dt: np.dtype) -> NotImplementedError:
    """PyTorch's error for a dtype its CPU kernel has no case for."""
    name = torch_dtype_name(Tensor._make(np.zeros((), dt)))
    return NotImplementedError(f'"{kernel}_cpu" not implemented for \'{name}\'')


def _zeros(shape: tuple[int, ...], like: Tensor) -> Tensor:
    return Tensor._make(np.zeros(shape, like._data.dtype))


# ----------------------------------------------------------------------------- copysign
class Copysign(Function):
    """out = |a| with the sign of b. As PyTorch: d/da is out / a (±1), 0 where a == 0; d/db is 0."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.copysign(a, b)
        if ctx.needs_input_grad[0]:
            with np.errstate(invalid="ignore", divide="ignore"):
                ctx.ratio = np.where(a == 0, 0, out / a).astype(out.dtype)   # a constant ±1 (NaN at a NaN)
        ctx.shapes = a.shape, b.shape
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        sa, sb = ctx.shapes
        return (unbroadcast(grad * Tensor._make(ctx.ratio), sa) if ctx.needs_input_grad[0] else None,
                _zeros(sb, grad) if ctx.needs_input_grad[1] else None)


def copysign(input: Operand, other: Operand) -> Tensor:
    """``input``'s magnitudes with ``other``'s signs (of -0.0 too), broadcasting; integers give the default float
    dtype. ``other`` may be a number."""
    tensor_input("copysign", input)
    return apply_binary(Copysign, "copysign", *promote_to_float(input, other))


# ----------------------------------------------------------------------------- logaddexp, logaddexp2
class Logaddexp(Function):
    """out = log(exp(a) + exp(b)), stable; d/da = 1 / (1 + exp(b - a)) (NaN where a == b == ±inf, as PyTorch)."""
    on_arrays = True
    base2 = False

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        with np.errstate(invalid="ignore"):       # NaN in, NaN out, without NumPy's warning (as PyTorch)
            return np.logaddexp2(a, b) if ctx.base2 else np.logaddexp(a, b)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        power = Tensor.exp2 if ctx.base2 else Tensor.exp
        with np.errstate(over="ignore", invalid="ignore"):        # exp overflows to inf: a zero share
            return (unbroadcast(grad / (1 + power(b - a)), a._data.shape) if ctx.needs_input_grad[0] else None,
                    unbroadcast(grad / (1 + power(a - b)), b._data.shape) if ctx.needs_input_grad[1] else None)


class Logaddexp2(Logaddexp):
    """out = log2(2**a + 2**b), stable; d/da = 1 / (1 + 2**(b - a))."""
    on_arrays = True
    base2 = True


def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """log(exp(input) + exp(other)) without overflow, broadcasting; floating-point results only."""
    _tensors("logaddexp", input, other)
    return apply_binary(Logaddexp, "logaddexp", *_floating("logaddexp", input, other))


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """log2(2**input + 2**other) without overflow, broadcasting; floating-point results only."""
    _tensors("logaddexp2", input, other)
    return apply_binary(Logaddexp2, "logaddexp2", *_floating("logaddexp2", input, other))


# ----------------------------------------------------------------------------- hypot
class Hypot(Function):
    """out = sqrt(a**2 + b**2) without overflow; d/da = a / out (NaN at the origin, as PyTorch's)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.hypot(a, b)
        need = ctx.needs_input_grad          # each operand only for its own gradient
        ctx.save_for_backward(a if need[0] else None, b if need[1] else None, out)
        ctx.shapes = a.shape, b.shape
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b, out = ctx.saved_tensors
        sa, sb = ctx.shapes
        with np.errstate(invalid="ignore", divide="ignore"):
            return (unbroadcast(grad * a / out, sa) if ctx.needs_input_grad[0] else None,
                    unbroadcast(grad * b / out, sb) if ctx.needs_input_grad[1] else None)


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """The hypotenuse sqrt(input**2 + other**2), broadcasting; floating-point results only."""
    _tensors("hypot", input, other)
    return apply_binary(Hypot, "hypot", *_floating("hypot", input, other))


# ----------------------------------------------------------------------------- xlogy
class Xlogy(Function):
    """out = a * log(b), 0 where a == 0 (unless b is NaN). As PyTorch: d/da = xlogy(grad, b), 0 where a == 0 and
    b <= 0; d/db = grad * a / b."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where((a == 0) & ~np.isnan(b), 0, a * np.log(b))
        return out.astype(np.result_type(a, b), copy=False)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.needs_input_grad[0]:
                ga = xlogy(grad, b)
                zero = (a._data == 0) & (b._data <= 0)
                if zero.any():
                    ga = where(zero, 0.0, ga)
                ga = unbroadcast(ga, a._data.shape)
            if ctx.needs_input_grad[1]:
                gb = unbroadcast(grad * a / b, b._data.shape)
        return ga, gb


def xlogy(input: Operand, other: Operand) -> Tensor:
    """input * log(other), with 0 where input is 0 (even at other == 0), NaN where other is NaN; broadcasting.
    Either argument may be a number; integers give the default float dtype."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"xlogy(): expected a Tensor for input or other, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    return apply_binary(Xlogy, "xlogy", *promote_to_float(input, other))


# ----------------------------------------------------------------------------- powers of two, float_power
def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """input * 2**other, broadcasting; integers give the default float dtype."""
    _tensors("ldexp", input, other)
    return mul(input, pow(2.0, other))


def float_power(input: Operand, exponent: Operand) -> Tensor:
    """input ** exponent computed in float64 (the result is float64 whatever the inputs), broadcasting."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power(): expected a Tensor for input or exponent")
    f64 = dtypes.float64
    base = cast(input, f64) if isinstance(input, Tensor) else float(input)
    return pow(base, cast(exponent, f64) if isinstance(exponent, Tensor) else float(exponent))


Frexp = return_type("frexp", ("mantissa", "exponent"))


class Mantissa(Function):
    """out = the mantissa m of x = m * 2**e (0.5 <= |m| < 1); the gradient is grad / 2**e, e held constant."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mantissa, exponent = np.frexp(x)
        ctx.exponent = exponent
        exponent = exponent.astype(np.int32)
        ctx.mark_non_differentiable(exponent)
        return mantissa, exponent

    @staticmethod
    def backward(ctx: Function, grad: Tensor, grad_exponent: Tensor | None) -> Tensor:
        with np.errstate(over="ignore"):
            return grad * Tensor._make(np.ldexp(np.ones((), grad._data.dtype), -ctx.exponent))


def frexp(input: Tensor) -> Any:
    """The named tuple ``(mantissa, exponent)`` with input = mantissa * 2**exponent, 0.5 <= |mantissa| < 1
    (0, inf and NaN keep their value with exponent 0); the exponent is int32."""
    x = tensor_input("frexp", input)
    if not is_floating(x._data.dtype):
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    return Frexp(*Mantissa.apply(x))


# ----------------------------------------------------------------------------- without a gradient
def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The next floating-point value after ``input`` towards ``other``, broadcasting; floating point only."""
    _tensors("nextafter", input, other)
    a, b = _floating("nextafter", input, other)
    return _no_grad("nextafter", np.nextafter, a, b)


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """The Heaviside step: 0 where input < 0, ``values`` where input == 0, 1 where input > 0, broadcasting.
    ``input`` and ``values`` must have one dtype, as in PyTorch."""
    _tensors("heaviside", input, values, "values")
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes. Got input "
                           f"{input.dtype} and values {values.dtype}.")
    return _no_grad("heaviside", np.heaviside if is_floating(input._data.dtype) else _int_heaviside,
                    input._data, values._data)


def _int_heaviside(x: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.where(x == 0, values, x > 0).astype(x.dtype)


def _no_grad(op: str, kernel: Any, a: Any, b: Any) -> Tensor:
    """A result that has no gradient: ``kernel`` on the two operands' arrays."""
    a = a._data if isinstance(a, Tensor) else a
    b = b._data if isinstance(b, Tensor) else b
    try:
        return Tensor._make(np.asarray(kernel(a, b)))
    except ValueError:
        raise RuntimeError(broadcast_message(op, np.shape(a), np.shape(b))) from None


# ----------------------------------------------------------------------------- integer ops: shifts, gcd, lcm
def _integers(kernel: str, input: Operand, other: Operand) -> tuple[np.ndarray, ...]:
    """The two operands as arrays of their promoted dtype, which must be an integer one (not float, not bool),
    else PyTorch's NotImplementedError naming the kernel and the dtype."""
    dt = dtypes.result_type(input, other)
    if dt.np.kind not in "iu":
        raise _not_implemented(kernel, dt.np)
    return as_array(input, dt.np), as_array(other, dt.np)


def _shift(op: str, input: Operand, other: Operand, left: bool) -> Tensor:
    """PyTorch's shifts: a shift by a negative amount or by the bit width or more gives 0 to the left, the sign
    (0 or -1) to the right. A bool tensor shifts by a Python int as int64 (promotion), not by a bool."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{op}(): expected a Tensor for input or other")
    a, b = _integers("lshift" if left else "rshift", input, other)
    bits = a.dtype.itemsize * 8
    try:
        out_of_range = (b < 0) | (b >= bits)
        shift = np.where(out_of_range, 0, b).astype(a.dtype)
        if left:
            out = np.where(out_of_range, 0, np.left_shift(a, shift))
        else:
            out = np.where(out_of_range, np.right_shift(a, bits - 1) if a.dtype.kind == "i" else 0,
                           np.right_shift(a, shift))
    except ValueError:
        raise RuntimeError(broadcast_message(op, a.shape, b.shape)) from None
    return Tensor._make(np.asarray(out, dtype=a.dtype))


def bitwise_left_shift(input: Operand, other: Operand) -> Tensor:
    """input << other for integer tensors and numbers, broadcasting; a shift by a negative amount or
    by the bit width or more gives 0, as in PyTorch."""
    return _shift("bitwise_left_shift", input, other, True)


def bitwise_right_shift(input: Operand, other: Operand) -> Tensor:
    """input >> other (arithmetic: the sign fills in) for integer tensors and numbers, broadcasting;
    a shift by a negative amount or by the bit width or more gives 0 or -1, as in PyTorch."""
    return _shift("bitwise_right_shift", input, other, False)


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """The greatest common divisor (non-negative; gcd(0, 0) = 0) of integer tensors, broadcasting."""
    _tensors("gcd", input, other)
    return _no_grad("gcd", np.gcd, *_integers("gcd", input, other))


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """The least common multiple (non-negative; 0 if either is 0) of integer tensors, broadcasting."""
    _tensors("lcm", input, other)
    return _no_grad("lcm", np.lcm, *_integers("lcm", input, other))


# ----------------------------------------------------------------------------- in-place forms
def copysign_(self: Tensor, other: Operand) -> Tensor:
    """In-place ``copysign``."""
    return apply_inplace(self, "copysign_", copysign, other)


def hypot_(self: Tensor, other: Tensor) -> Tensor:
    """In-place ``hypot``."""
    return apply_inplace(self, "hypot_", hypot, other)


def xlogy_(self: Tensor, other: Operand) -> Tensor:
    """In-place ``xlogy``."""
    return apply_inplace(self, "xlogy_", xlogy, other)


def ldexp_(self: Tensor, other: Tensor) -> Tensor:
    """In-place ``ldexp``."""
    return apply_inplace(self, "ldexp_", ldexp, other)


def float_power_(self: Tensor, exponent: Operand) -> Tensor:
    """In-place ``float_power``: ``self`` must be float64, the dtype of the result."""
    if self._data.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {torch_dtype_name(self)} but the operation's "
                           "result requires dtype Double")
    return apply_inplace(self, "float_power_", float_power, exponent)


def nextafter_(self: Tensor, other: Tensor) -> Tensor:
    """In-place ``nextafter``."""
    return apply_inplace(self, "nextafter_", nextafter, other)


def heaviside_(self: Tensor, values: Tensor) -> Tensor:
    """In-place ``heaviside``."""
    return apply_inplace(self, "heaviside_", heaviside, values)


def gcd_(self: Tensor, other: Tensor) -> Tensor:
    """In-place ``gcd``."""
    return apply_inplace(self, "gcd_", gcd, other)


def lcm_(self: Tensor, other: Tensor) -> Tensor:
    """In-place ``lcm``."""
    return apply_inplace(self, "lcm_", lcm, other)


def bitwise_left_shift_(self: Tensor, other: Operand) -> Tensor:
    """In-place ``bitwise_left_shift`` (``<<=``)."""
    return apply_inplace(self, "bitwise_left_shift_", bitwise_left_shift, other)


def bitwise_right_shift_(self: Tensor, other: Operand) -> Tensor:
    """In-place ``bitwise_right_shift`` (``>>=``)."""
    return apply_inplace(self, "bitwise_right_shift_", bitwise_right_shift, other)

"""Comparison and logical ops: ``< <= > >= == !=``, eq/ne/lt/le/gt/ge, isnan/isinf/isfinite, logical_*,
isclose/allclose/equal. Results are bool tensors (or Python bools) and never require grad."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.capture import graph_break, record
from microtensor.dtypes import is_floating
from microtensor.ops.broadcasting import Operand, broadcast_message, shape_of
from microtensor.ops.checks import tensor_input
from microtensor.ops.elementwise import data_of, ufunc_as
from microtensor.tensor import Tensor

_NUMBER = (int, float, np.number, np.bool_)


def _compare(op: str, ufunc: np.ufunc, input: Operand, other: Operand) -> Tensor:
    """``ufunc`` on both operands after PyTorch's type promotion (a float32 tensor compares with 0.1 as
    float32, as torch does), broadcasting; a shape mismatch names the op."""
    dt = dtypes.result_type(input, other).np
    try:
        return Tensor._make(record(ufunc_as, ufunc, data_of(input), data_of(other), dt))
    except ValueError:
        raise RuntimeError(broadcast_message(op, shape_of(input), shape_of(other))) from None


def eq(input: Operand, other: Operand) -> Tensor:
    """input == other elementwise, broadcasting: a bool tensor."""
    return _compare("eq", np.equal, input, other)


def ne(input: Operand, other: Operand) -> Tensor:
    """input != other elementwise, broadcasting: a bool tensor."""
    return _compare("ne", np.not_equal, input, other)


def lt(input: Operand, other: Operand) -> Tensor:
    """input < other elementwise, broadcasting: a bool tensor."""
    return _compare("lt", np.less, input, other)


def le(input: Operand, other: Operand) -> Tensor:
    """input <= other elementwise, broadcasting: a bool tensor."""
    return _compare("le", np.less_equal, input, other)


def gt(input: Operand, other: Operand) -> Tensor:
    """input > other elementwise, broadcasting: a bool tensor."""
    return _compare("gt", np.greater, input, other)


def ge(input: Operand, other: Operand) -> Tensor:
    """input >= other elementwise, broadcasting: a bool tensor."""
    return _compare("ge", np.greater_equal, input, other)


def comparison_operator(fn: Any, name: str) -> Any:
    """``fn`` as the comparison operator ``name`` (``__eq__``...): NotImplemented for operands that are neither
    tensors nor numbers (so ``t == None`` is False and ``t == "a"`` is False, as with torch.Tensor)."""
    def method(self: Tensor, other: Any) -> Any:
        if not isinstance(other, (Tensor,) + _NUMBER):
            return NotImplemented
        return fn(self, other)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = fn.__doc__
    return method


def isnan(input: Tensor) -> Tensor:
    """Which elements are NaN: a bool tensor (all False for integer tensors)."""
    x = tensor_input("isnan", input)._data
    return Tensor._make(record(np.isnan, x) if is_floating(x.dtype) else np.zeros(x.shape, dtype=np.bool_))


def isinf(input: Tensor) -> Tensor:
    """Which elements are +inf or -inf: a bool tensor."""
    x = tensor_input("isinf", input)._data
    return Tensor._make(record(np.isinf, x) if is_floating(x.dtype) else np.zeros(x.shape, dtype=np.bool_))


def isposinf(input: Tensor) -> Tensor:
    """Which elements are +inf: a bool tensor."""
    x = tensor_input("isposinf", input)._data
    return Tensor._make(record(np.isposinf, x) if is_floating(x.dtype) else np.zeros(x.shape, dtype=np.bool_))


def isneginf(input: Tensor) -> Tensor:
    """Which elements are -inf: a bool tensor."""
    x = tensor_input("isneginf", input)._data
    return Tensor._make(record(np.isneginf, x) if is_floating(x.dtype) else np.zeros(x.shape, dtype=np.bool_))


def isfinite(input: Tensor) -> Tensor:
    """Which elements are neither NaN nor infinite: a bool tensor (all True for integer tensors)."""
    x = tensor_input("isfinite", input)._data
    return Tensor._make(record(np.isfinite, x) if is_floating(x.dtype) else np.ones(x.shape, dtype=np.bool_))


def signbit(input: Tensor) -> Tensor:
    """Which elements have their sign bit set (-0.0 and negative NaN included): a bool tensor."""
    x = tensor_input("signbit", input)._data
    return Tensor._make(record(np.signbit, x) if x.dtype != np.bool_ else np.zeros(x.shape, dtype=np.bool_))


def isreal(input: Tensor) -> Tensor:
    """Which elements are real-valued: a bool tensor, all True (microtensor has no complex dtypes)."""
    x = tensor_input("isreal", input)._data
    return Tensor._make(np.ones(x.shape, dtype=np.bool_))


def _logical(op: str, ufunc: np.ufunc, input: Operand, other: Operand) -> Tensor:
    try:
        return Tensor._make(record(_logical_of, ufunc, data_of(input), data_of(other)))
    except ValueError:
        raise RuntimeError(broadcast_message(op, shape_of(input), shape_of(other))) from None


def _logical_of(ufunc: np.ufunc, a: Any, b: Any) -> np.ndarray:
    return np.asarray(ufunc(a, b))


def logical_and(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise logical and (nonzero is True) of tensors of any dtype, broadcasting: a bool tensor."""
    return _logical("logical_and", np.logical_and, input, other)


def logical_or(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise logical or (nonzero is True) of tensors of any dtype, broadcasting: a bool tensor."""
    return _logical("logical_or", np.logical_or, input, other)


def logical_xor(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise logical xor (nonzero is True) of tensors of any dtype, broadcasting: a bool tensor."""
    return _logical("logical_xor", np.logical_xor, input, other)


def logical_not(input: Tensor) -> Tensor:
    """Elementwise logical not (zero is True): a bool tensor."""
    return Tensor._make(record(np.logical_not, tensor_input("logical_not", input)._data))


def _same_dtype(op: str, a: Tensor, b: Tensor) -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{op}: {a.dtype.name} did not match {b.dtype.name}: both tensors must have the "
                           "same dtype")


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """Which elements satisfy |input - other| <= atol + rtol * |other| (equal infinities count as close;
    NaNs only with ``equal_nan``), broadcasting: a bool tensor. Both tensors must have the same dtype."""
    a, b = tensor_input("isclose", input), tensor_input("isclose", other)
    _same_dtype("isclose", a, b)
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"isclose: rtol and atol must be non-negative, got rtol={rtol} and atol={atol}")
    x, y = a._data, b._data
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise RuntimeError(broadcast_message("isclose", x.shape, y.shape)) from None
    return Tensor._make(record(_close, x, y, rtol, atol, equal_nan))


def _close(x: np.ndarray, y: np.ndarray, rtol: float, atol: float, equal_nan: bool) -> np.ndarray:
    if x.dtype == np.bool_:
        return np.asarray(x == y)
    if not is_floating(x.dtype):
        x, y = x.astype(np.float64), y.astype(np.float64)
    close = np.asarray(x == y)
    finite = np.isfinite(x) & np.isfinite(y)
    with np.errstate(invalid="ignore", over="ignore"):
        close = close | (finite & (np.abs(x - y) <= atol + rtol * np.abs(y)))
    if equal_nan:
        close = close | (np.isnan(x) & np.isnan(y))
    return np.asarray(close)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether every element of ``input`` is close to ``other`` (see ``isclose``): a Python bool."""
    graph_break("allclose()")
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """Whether the two tensors have the same shape and the same elements: a Python bool."""
    a, b = tensor_input("equal", input), tensor_input("equal", other)
    _same_dtype("equal", a, b)
    graph_break("equal()")
    return a._data.shape == b._data.shape and bool(np.array_equal(a._data, b._data))

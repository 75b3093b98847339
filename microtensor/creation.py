"""Tensor creation functions: tensor, as_tensor, from_numpy, zeros, ones, full, arange, linspace, eye, ..."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.capture import graph_break, record
from microtensor.devices import check_cpu
from microtensor.dtypes import is_floating
from microtensor.ops.shape import ints_arg
from microtensor.tensor import Tensor


def _infer_array(op: str, data: Any, dtype: Any = None) -> np.ndarray:
    """An ndarray from nested Python data: of ``dtype`` when given, else with PyTorch's inference
    (Python floats -> the default float dtype, ints -> int64)."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, np.ndarray):
        return data
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        graph_break(f"{op}() of a sequence holding tensors")
        data = [x._data if isinstance(x, Tensor) else x for x in data]
    try:
        array = np.array(data, dtype=_dtype_or(op, dtype, None))
    except ValueError:
        array = np.array(None, dtype=object)
    if array.dtype == object:
        raise TypeError(f"Could not infer dtype of {type(data).__name__}: nested sequences must be rectangular "
                        "and hold numbers, bools or tensors")
    if dtype is not None:
        return array
    if is_floating(array.dtype) and not isinstance(data, np.generic):
        return array.astype(dtypes.get_default_dtype().np, copy=False)
    if array.dtype.kind in "iu" and not isinstance(data, np.generic):
        return array.astype(np.int64, copy=False)
    if array.dtype.kind in "US":
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    return array


def _check_dtype(array: np.ndarray) -> np.ndarray:
    dtypes.from_numpy_dtype(array.dtype)
    return array


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, NumPy arrays or tensors).

    Python floats become the default float dtype (float32), Python ints int64, bools bool;
    NumPy arrays keep their dtype.
    """
    check_cpu(device)
    array = _infer_array("tensor", data, dtype)
    array = record(np.array, array, dtype=_dtype_or("tensor", dtype, None), copy=True, order="C")  # C: as stride()
    t = Tensor._make(_check_dtype(array))
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory with a tensor or NumPy array when the dtype already matches."""
    check_cpu(device)
    if isinstance(data, Tensor):
        return data if dtype is None or dtypes.to_dtype(dtype, "as_tensor") == data.dtype else data.to(dtype)
    array = _infer_array("as_tensor", data, dtype)
    if dtype is not None:
        array = array.astype(_dtype_or("as_tensor", dtype, None), copy=False)
    return Tensor._make(_check_dtype(array))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with the NumPy array ``array`` (same dtype)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor._make(_check_dtype(array))


def size_arg(op: str, args: tuple, size: Any = None) -> tuple[int, ...]:
    """The shape a creation function is given, as PyTorch takes it: ints (``zeros(2, 3)``), one sequence
    (``zeros((2, 3))``) or the keyword (``zeros(size=(2, 3))``, a sequence there); checked as PyTorch does."""
    if size is None and not args:
        raise TypeError(f'{op}() missing 1 required positional arguments: "size"')
    shape = ints_arg(op, "size", args, size)
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return shape


def _dtype_or(op: str, dtype: Any, default: dtypes.dtype | None) -> np.dtype | None:
    """The NumPy dtype of ``op``'s ``dtype`` argument, or of ``default`` when it is None (None for None)."""
    if dtype is not None:
        return dtypes.to_dtype(dtype, op).np
    return None if default is None else default.np


def _made(array: np.ndarray, requires_grad: bool, device: Any = None) -> Tensor:
    check_cpu(device)
    t = Tensor._make(array)
    return t.requires_grad_(True) if requires_grad else t


def zeros(*args: Any, size: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of shape ``size`` (``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros(size=(2, 3))``)."""
    shape = size_arg("zeros", args, size)
    return _made(np.zeros(shape, _dtype_or("zeros", dtype, dtypes.get_default_dtype())), requires_grad, device)


def ones(*args: Any, size: Any = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ones of shape ``size`` (``ones(2, 3)``, ``ones((2, 3))`` or ``ones(size=(2, 3))``)."""
    shape = size_arg("ones", args, size)
    return _made(np.ones(shape, _dtype_or("ones", dtype, dtypes.get_default_dtype())), requires_grad, device)


def empty(*args: Any, size: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of shape ``size`` (``empty(2, 3)``, ``empty((2, 3))`` or ``empty(size=(2, 3))``)."""
    shape = size_arg("empty", args, size)
    return _made(np.empty(shape, _dtype_or("empty", dtype, dtypes.get_default_dtype())), requires_grad, device)


def _fill_dtype(fill_value: Any) -> dtypes.dtype:
    if isinstance(fill_value, Tensor):
        return fill_value.dtype
    return dtypes.result_type(fill_value)


def full(size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value`` (dtype inferred from the value)."""
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    dt = _dtype_or("full", dtype, _fill_dtype(fill_value))
    return _made(np.full(size_arg("full", (), size), value, dt), requires_grad, device)


def zeros_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``input``'s shape and dtype."""
    return _made(np.zeros(input._data.shape, _dtype_or("zeros_like", dtype, input.dtype)), requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with ``input``'s shape and dtype."""
    return _made(np.ones(input._data.shape, _dtype_or("ones_like", dtype, input.dtype)), requires_grad)


def empty_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor with ``input``'s shape and dtype."""
    return _made(np.empty(input._data.shape, _dtype_or("empty_like", dtype, input.dtype)), requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere, with ``input``'s shape and dtype."""
    return _made(np.full(input._data.shape, fill_value, _dtype_or("full_like", dtype, input.dtype)), requires_grad)


def arange(start: Any = 0, end: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 when all are ints, else the default float.
    ``arange(end)`` and ``arange(end=end)`` start at 0."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    default = dtypes.result_type(start, end, step)
    return _made(np.arange(start, end, step).astype(_dtype_or("arange", dtype, default)), requires_grad, device)


def linspace(start: float, end: float, steps: int, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise RuntimeError("linspace: number of steps must be non-negative")
    dt = _dtype_or("linspace", dtype, dtypes.get_default_dtype())
    return _made(np.linspace(start, end, steps).astype(dt), requires_grad, device)


def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype: Any = None) -> Tensor:
    """``steps`` values ``base ** linspace(start, end, steps)``."""
    dt = _dtype_or("logspace", dtype, dtypes.get_default_dtype())
    return _made(np.logspace(start, end, steps, base=base).astype(dt), False)


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (m defaults to n)."""
    for name, size in (("n", n), ("m", m)):
        if size is not None and size < 0:
            raise RuntimeError(f"eye(): {name} must be greater or equal to 0, got {size}")
    return _made(np.eye(n, m, dtype=_dtype_or("eye", dtype, dtypes.get_default_dtype())), requires_grad, device)


def new_tensor(self: Tensor, data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``, with this tensor's dtype unless ``dtype`` is given."""
    return tensor(data, dtype=self.dtype if dtype is None else dtype, device=device, requires_grad=requires_grad)


def new_zeros(self: Tensor, *args: Any, size: Any = None, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Zeros of shape ``size`` (``x.new_zeros(2, 3)`` or ``x.new_zeros((2, 3))``) with this tensor's dtype
    unless ``dtype`` is given."""
    shape = size_arg("new_zeros", args, size)
    return _made(np.zeros(shape, _dtype_or("new_zeros", dtype, self.dtype)), requires_grad, device)


def new_ones(self: Tensor, *args: Any, size: Any = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """Ones of shape ``size`` with this tensor's dtype unless ``dtype`` is given."""
    shape = size_arg("new_ones", args, size)
    return _made(np.ones(shape, _dtype_or("new_ones", dtype, self.dtype)), requires_grad, device)


def new_empty(self: Tensor, *args: Any, size: Any = None, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of shape ``size`` with this tensor's dtype unless ``dtype`` is given."""
    shape = size_arg("new_empty", args, size)
    return _made(np.empty(shape, _dtype_or("new_empty", dtype, self.dtype)), requires_grad, device)


def new_full(self: Tensor, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` (a sequence) filled with ``fill_value``, with this tensor's dtype unless
    ``dtype`` is given."""
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    dt = _dtype_or("new_full", dtype, self.dtype)
    return _made(np.full(size_arg("new_full", (), size), value, dt), requires_grad, device)

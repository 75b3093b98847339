"""Helpers shared by every op family: dtype promotion of operands and the reduction of broadcast gradients."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.dtypes import is_floating
from microtensor.tensor import Tensor

Operand = Any  # a Tensor, a Python number or a NumPy array/scalar


def cast(x: Operand, dt: dtypes.dtype) -> Tensor | np.ndarray:
    """``x`` as dtype ``dt``: tensors through the differentiable ``to``, numbers as 0-d arrays."""
    if isinstance(x, Tensor):
        if x._data.dtype == dt.np:
            return x
        converted = x.to(dt)
        # the op sees x through this copy, which it may save: PyTorch saves x itself (it promotes inside the
        # kernel), so an in-place change of x must make backward raise here too
        converted._vc = x._vc
        return converted
    return np.asarray(x, dtype=dt.np)


def promote(a: Operand, b: Operand) -> tuple[Any, Any]:
    """Cast two operands to their common dtype under PyTorch's promotion rules: tensors stay tensors,
    numbers become 0-d arrays."""
    # the common cases first: same dtype, and a float tensor with a Python number (int or float)
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a._data.dtype == b._data.dtype:
                return a, b
        elif (type(b) is float or type(b) is int) and is_floating(a._data.dtype):
            return a, np.asarray(b, dtype=a._data.dtype)
    elif (type(a) is float or type(a) is int) and isinstance(b, Tensor) and is_floating(b._data.dtype):
        return np.asarray(a, dtype=b._data.dtype), b
    dt = dtypes.result_type(a, b)
    return cast(a, dt), cast(b, dt)


def promote_all(*operands: Operand) -> list[Any]:
    """Cast any number of operands to their common dtype (tensors stay tensors, numbers become 0-d arrays)."""
    dt = dtypes.result_type(*operands)
    return [cast(x, dt) for x in operands]


def dtype_of(x: Tensor | np.ndarray) -> np.dtype:
    """The NumPy dtype of a promoted operand (a Tensor or an array)."""
    return x._data.dtype if isinstance(x, Tensor) else x.dtype


def shape_of(x: Operand) -> tuple[int, ...]:
    return x._data.shape if isinstance(x, Tensor) else np.shape(x)


def broadcast_shapes(op: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast shape of ``shapes``; a clear error naming ``op`` and the shapes when there is none."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(broadcast_message(op, *shapes)) from None


def broadcast_message(op: str, *shapes: tuple[int, ...]) -> str:
    """PyTorch's broadcasting error, prefixed with the op and all shapes."""
    ndim = max(len(s) for s in shapes)
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
    listed = " and ".join(str(list(s)) for s in shapes)
    for d in range(ndim - 1, -1, -1):
        sizes = [s[d] for s in padded]
        if len({n for n in sizes if n != 1}) > 1:
            i, j = _mismatch(sizes)
            return (f"{op}: shapes {listed} cannot be broadcast together: the size of tensor "
                    f"{'ab'[i] if len(shapes) == 2 else i} ({sizes[i]}) must match the size of tensor "
                    f"{'ab'[j] if len(shapes) == 2 else j} ({sizes[j]}) at non-singleton dimension {d}")
    return f"{op}: shapes {listed} cannot be broadcast together"


def _mismatch(sizes: list[int]) -> tuple[int, int]:
    first = next(k for k, n in enumerate(sizes) if n != 1)
    second = next(k for k, n in enumerate(sizes) if n != 1 and n != sizes[first])
    return first, second


def unbroadcast(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``grad`` over the axes that broadcasting added or stretched, so it has ``shape``."""
    if grad._data.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad._data.shape[lead + i] != 1)
    if not stretched:            # only added leading axes: one sum gives the shape
        return grad.sum(dim=tuple(range(lead)))
    summed = grad.sum(dim=tuple(range(lead)) + stretched, keepdim=True)
    return summed.reshape(shape) if lead else summed

"""Products of vectors along a dim: the cross product and the dot product of batches of vectors, ``inner``
(over the last dims of two tensors) and ``vdot``."""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from microtensor.dtypes import is_floating
from microtensor.ops.blas import tensordot
from microtensor.ops.broadcasting import broadcast_message
from microtensor.ops.checks import tensor_inputs, torch_dtype_name
from microtensor.ops.linalg import dot
from microtensor.tensor import Tensor


def _broadcast(op: str, a: Tensor, b: Tensor) -> tuple[int, ...]:
    try:
        return np.broadcast_shapes(a._data.shape, b._data.shape)
    except ValueError:
        raise RuntimeError(broadcast_message(op, a._data.shape, b._data.shape)) from None


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1, out: Any = None) -> Tensor:
    """The cross product of the 3-vectors along ``dim`` of ``input`` and ``other`` (batch dims broadcast):
    (a1 b2 - a2 b1, a2 b0 - a0 b2, a0 b1 - a1 b0)."""
    tensor_inputs("linalg.cross", input=input, other=other)
    if input._data.ndim != other._data.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions. Got {input.ndim} and "
                           f"{other.ndim}")
    _broadcast("linalg.cross", input, other)
    d = input._wrap_dim(dim)
    if input._data.shape[d] != 3 or other._data.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
                           f"{other.shape[d]}")
    return input.roll(-1, d) * other.roll(-2, d) - input.roll(-2, d) * other.roll(-1, d)


linalg_cross.__name__ = "cross"


def cross(input: Tensor, other: Tensor, dim: int | None = None, *, out: Any = None) -> Tensor:
    """``torch.cross``: ``linalg.cross`` along ``dim``; without ``dim``, along the first dim of size 3
    (deprecated in PyTorch, which warns)."""
    tensor_inputs("cross", input=input, other=other)
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the "
                      "dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to "
                      "agree with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        sizes = _broadcast("cross", input, other)
        dim = next((k for k, n in enumerate(sizes) if n == 3), -1)
    return linalg_cross(input, other, dim=dim)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out: Any = None) -> Tensor:
    """The dot product of the vectors along ``dim`` of ``x`` and ``y`` (batch dims broadcast):
    sum(x * y, dim)."""
    tensor_inputs("linalg.vecdot", x=x, y=y)
    if x._data.dtype != y._data.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{torch_dtype_name(x)} and y of type {torch_dtype_name(y)} instead")
    if not is_floating(x._data.dtype):
        raise RuntimeError(f"linalg.vecdot: Expected a floating point or complex tensor as input. Got "
                           f"{torch_dtype_name(x)}")
    _broadcast("linalg.vecdot", x, y)
    return (x * y).sum(dim)


def inner(input: Tensor, other: Tensor, *, out: Any = None) -> Tensor:
    """The inner product over the last dims: ``out[i..., j...] = sum_k input[i..., k] * other[j..., k]``;
    a 0-d operand multiplies the other."""
    tensor_inputs("inner", input=input, other=other)
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"both inputs should have same dtype, but got {torch_dtype_name(input)} and "
                           f"{torch_dtype_name(other)}")
    if input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input._data.shape)} and {list(other._data.shape)}")
    return tensordot(input, other, dims=([-1], [-1]))


def vdot(input: Tensor, other: Tensor, *, out: Any = None) -> Tensor:
    """The dot product of two 1-D tensors of the same length and dtype (``dot``: there are no complex
    dtypes to conjugate)."""
    tensor_inputs("vdot", input=input, other=other)
    return dot(input, other)

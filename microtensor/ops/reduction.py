"""Reductions: sum, mean, prod, var/std, max/min, logsumexp, norms, cumulative ops, all/any."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.autograd.function import Function
from microtensor.tensor import Tensor


def normalize_dims(x: Tensor, dim: Any) -> tuple[int, ...]:
    """``dim`` (None, an int or a sequence of ints) as a sorted tuple of non-negative axes; None means all."""
    ndim = x._data.ndim
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    axes = tuple(sorted({x._wrap_dim(d) for d in dims})) if ndim else ()
    if len(axes) != len(dims) and ndim:
        raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
    return axes


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the reduced ``axes`` set to 1 (what keepdim=True gives)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    """out = x summed over ``axes``; the gradient is broadcast back."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, axes: tuple[int, ...], keepdim: bool, dt: np.dtype) -> np.ndarray:
        ctx.shape, ctx.kept = x.shape, kept_shape(x.shape, axes)
        return np.asarray(np.sum(x, axis=axes, keepdims=keepdim, dtype=dt))

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return grad.reshape(ctx.kept).expand(ctx.shape)


def _sum_dtype(x: Tensor, dtype: Any) -> np.dtype:
    if dtype is not None:
        return dtypes.to_dtype(dtype).np
    return np.dtype(np.int64) if x._data.dtype.kind in "biu" else x._data.dtype


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum of the elements over ``dim`` (all when None); bool and integer tensors sum as int64."""
    axes = normalize_dims(input, dim)
    return Sum.apply(input, axes, keepdim, _sum_dtype(input, dtype))


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Mean of the elements over ``dim`` (all when None); floating-point tensors only, as in PyTorch."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                           f"or complex dtype. Got: {input.dtype.name.capitalize()}")
    axes = normalize_dims(input, dim)
    count = 1
    for a in axes:
        count *= input._data.shape[a]
    return sum(input, axes, keepdim) / count if count else sum(input, axes, keepdim) * float("nan")


METHODS = {"sum": sum, "mean": mean}
FUNCTIONS = {"sum": sum, "mean": mean}

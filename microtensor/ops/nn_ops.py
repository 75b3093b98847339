"""Fused neural-network ops: softmax and log_softmax, stable for inputs of any magnitude."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.autograd.function import Function
from microtensor.ops.reduction import torch_dtype_name
from microtensor.tensor import Tensor


class Softmax(Function):
    """out = exp(x - max) / sum(exp(x - max)) over ``dim``; backward uses the saved output."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int | None) -> np.ndarray:
        ctx.dim = dim
        e = np.exp(x - np.max(x, axis=dim, keepdims=True)) if x.size else x.copy()
        e /= np.sum(e, axis=dim, keepdims=True)
        ctx.save_for_backward(e)
        return e

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        out, = ctx.saved_tensors
        return out * (grad - (grad * out).sum(dim=ctx.dim, keepdim=True)), None


class LogSoftmax(Function):
    """out = x - max - log(sum(exp(x - max))) over ``dim``; backward uses the saved output."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int | None) -> np.ndarray:
        ctx.dim = dim
        if not x.size:
            out = x.copy()
        else:
            shifted = x - np.max(x, axis=dim, keepdims=True)
            shifted -= np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
            out = shifted
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        out, = ctx.saved_tensors
        return grad - out.exp() * grad.sum(dim=ctx.dim, keepdim=True), None


def _prepare(op: str, input: Tensor, dim: int, dtype: Any) -> tuple[Tensor, int | None]:
    """The input cast to ``dtype`` (if given) and the axis (None for a 0-d input)."""
    if dtype is not None:
        input = input.to(dtypes.to_dtype(dtype))
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}(): expected a floating point input, got {torch_dtype_name(input)}; convert it "
                           "with .float() or pass dtype=")
    if dim is None:
        raise TypeError(f"{op}() missing the required argument 'dim' (the dimension to normalize over)")
    d = input._wrap_dim(dim)
    return input, d if input._data.ndim else None


def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """exp(input) / exp(input).sum(dim, keepdim=True), computed stably (shifted by the max).

    Args:
        input: a floating-point tensor.
        dim: the dimension whose slices sum to 1.
        dtype: convert the input to this dtype first.
    """
    x, d = _prepare("softmax", input, dim, dtype)
    return Softmax.apply(x, d)


def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """log(softmax(input, dim)), computed stably as input - logsumexp(input, dim).

    Args:
        input: a floating-point tensor.
        dim: the dimension to normalize over.
        dtype: convert the input to this dtype first.
    """
    x, d = _prepare("log_softmax", input, dim, dtype)
    return LogSoftmax.apply(x, d)


METHODS = {"softmax": softmax, "log_softmax": log_softmax}
FUNCTIONS = {"softmax": softmax, "log_softmax": log_softmax}
FUNCTIONAL: dict = {}

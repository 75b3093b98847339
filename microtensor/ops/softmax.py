"""The softmax family: softmax, log_softmax and softmin, stable for inputs of any magnitude, each with one fused
backward node."""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.autograd.function import Function
from microtensor.dtypes import BFLOAT16
from microtensor.ops.checks import floating_input
from microtensor.ops.float32_compute import in_float32
from microtensor.tensor import Tensor


class Softmax(Function):
    """out = exp(x - max) / sum(exp(x - max)) over ``dim``; backward uses the saved output."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int | None) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Softmax.forward, ctx, x, dim)
        ctx.dim = dim
        e = np.exp(x - x.max(axis=dim, keepdims=True)) if x.size else x.copy()
        e /= e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(e)
        return e

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        out, = ctx.saved_tensors
        return SoftmaxBackward.apply(grad, out, ctx.dim), None


class SoftmaxBackward(Function):
    """out = y * (grad - sum(grad * y)) over ``dim``: softmax's gradient from its output y, as one node."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, grad: np.ndarray, y: np.ndarray, dim: int | None) -> np.ndarray:
        if grad.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(SoftmaxBackward.forward, ctx, grad, y, dim)
        ctx.dim = dim
        ctx.save_for_backward(grad if ctx.needs_input_grad[1] else None, y)   # grad only for y's gradient
        gy = grad * y
        return gy - y * gy.sum(axis=dim, keepdims=True)

    @staticmethod
    def backward(ctx: Function, u: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        grad, y = ctx.saved_tensors
        need, dim = ctx.needs_input_grad, ctx.dim
        uy = (u * y).sum(dim=dim, keepdim=True)
        return (y * (u - uy) if need[0] else None,
                u * (grad - (grad * y).sum(dim=dim, keepdim=True)) - grad * uy if need[1] else None, None)


class LogSoftmax(Function):
    """out = x - max - log(sum(exp(x - max))) over ``dim``; backward uses the saved output."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int | None) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(LogSoftmax.forward, ctx, x, dim)
        ctx.dim = dim
        if not x.size:
            out = x.copy()
        else:
            shifted = x - x.max(axis=dim, keepdims=True)
            shifted -= np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
            out = shifted
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        out, = ctx.saved_tensors
        return LogSoftmaxBackward.apply(grad, out, ctx.dim), None


class LogSoftmaxBackward(Function):
    """out = grad - exp(y) * sum(grad) over ``dim``: log_softmax's gradient from its output y, as one node."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, grad: np.ndarray, y: np.ndarray, dim: int | None) -> np.ndarray:
        if grad.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(LogSoftmaxBackward.forward, ctx, grad, y, dim)
        ctx.dim = dim
        ctx.save_for_backward(grad if ctx.needs_input_grad[1] else None, y)   # grad only for y's gradient
        e = np.exp(y)
        e *= grad.sum(axis=dim, keepdims=True)
        return grad - e

    @staticmethod
    def backward(ctx: Function, u: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        grad, y = ctx.saved_tensors
        need, dim = ctx.needs_input_grad, ctx.dim
        e = y.exp()
        return (u - (u * e).sum(dim=dim, keepdim=True) if need[0] else None,
                -u * e * grad.sum(dim=dim, keepdim=True) if need[1] else None, None)


def _prepare(op: str, input: Tensor, dim: int, dtype: Any) -> tuple[Tensor, int | None]:
    """The input cast to ``dtype`` (if given) and the axis (None for a 0-d input)."""
    if dtype is not None:
        input = input.to(dtypes.to_dtype(dtype, op))
    floating_input(op, input)
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


def implicit_dim(op: str, ndim: int, stacklevel: int) -> int:
    """PyTorch's deprecated choice of dim for the softmax family called without one (0 for 0-, 1- and 3-D
    inputs, else 1), with its warning."""
    warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to include dim=X "
                  "as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """softmax(-input, dim): weights that favour the smallest entries (implicit dim as ``F.softmax``)."""
    if dim is None:
        dim = implicit_dim("softmin", input.ndim, _stacklevel)
    x, d = _prepare("softmin", input, dim, dtype)
    return Softmax.apply(-x, d)

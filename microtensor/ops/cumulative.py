"""Cumulative ops along a dim: cummax, cummin, logcumsumexp, and diff (cumsum and cumprod live with the
reductions whose dtype rules they share, in ``ops.reduction``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Function
from microtensor.capture import record
from microtensor.dtypes import BFLOAT16, is_floating
from microtensor.ops.checks import tensor_input, torch_dtype_name
from microtensor.ops.elementwise import where
from microtensor.ops.float32_compute import in_float32
from microtensor.ops.reduction import return_type
from microtensor.ops.shape import cat
from microtensor.ops.sorting import Sort, dim_last
from microtensor.tensor import Tensor

CummaxResult = return_type("cummax")
CumminResult = return_type("cummin")


# ----------------------------------------------------------------------------- cummax, cummin
class Cummax(Sort):
    """(values, indices) of cummax and cummin: x gathered at the running extremum's index; the gradient is
    scattered (summed) back to those indices, as PyTorch's ``cummaxmin_backward`` does."""
    on_arrays = True


def _running_index(data: np.ndarray, d: int, largest: bool) -> np.ndarray:
    """Where the running max (min) of each slice of ``data`` along ``d`` (moved last) was last reached:
    PyTorch updates the index on every element >= (<=) the running value, and from a NaN on at every NaN."""
    x = dim_last(data, d)
    running = (np.maximum if largest else np.minimum).accumulate(x, axis=-1)
    reached = x == running
    if is_floating(x.dtype):
        reached |= np.isnan(x) & np.isnan(running)
    return np.maximum.accumulate(np.where(reached, np.arange(x.shape[-1]), 0), axis=-1)


def _cumulative_extremum(input: Tensor, dim: int, largest: bool) -> tuple[Tensor, Tensor]:
    tensor_input("cummax" if largest else "cummin", input)
    d = input._wrap_dim(dim)
    return Cummax.apply(input, d, record(_running_index, input._data, d, largest), True)


def cummax(input: Tensor, dim: int) -> Any:
    """The running maximum of ``input`` along ``dim``, and the index where each was (last) reached.

    Returns:
        The named tuple ``(values, indices)``, both of ``input``'s shape; indices int64. A NaN stays the
        maximum from where it appears (its index moves on to each later NaN).
    """
    return CummaxResult(*_cumulative_extremum(input, dim, True))


def cummin(input: Tensor, dim: int) -> Any:
    """The running minimum of ``input`` along ``dim``, and the index where each was (last) reached.

    Returns:
        The named tuple ``(values, indices)``, both of ``input``'s shape; indices int64.
    """
    return CumminResult(*_cumulative_extremum(input, dim, False))


# ----------------------------------------------------------------------------- logcumsumexp
class Logcumsumexp(Function):
    """out[k] = log(sum of exp(x[:k+1])) along ``dim``, accumulated with logaddexp (no overflow)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Logcumsumexp.forward, ctx, x, dim)
        ctx.dim = dim
        out = np.logaddexp.accumulate(x, axis=dim) if x.ndim else x.copy()
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        x, out = ctx.saved_tensors
        if x.ndim == 0:
            return grad, None
        # grad_x[i] = sum_{k>=i} grad[k] exp(x[i] - out[k]), summed in log space for the positive and the
        # negative parts of grad separately, as PyTorch's logcumsumexp_backward does (stable, and itself
        # made of differentiable ops)
        lowest = float(np.finfo(x._data.dtype).min)

        def part(g: Tensor) -> Tensor:
            positive = g > 0
            log_g = where(positive, where(positive, g, 1.0).log(), lowest)
            return (_reverse_logcumsumexp(log_g - out, ctx.dim) + x).exp()

        with np.errstate(over="ignore", invalid="ignore"):    # -inf inputs: inf - inf, silently, as in PyTorch
            return part(grad) - part(-grad), None


def _reverse_logcumsumexp(x: Tensor, dim: int) -> Tensor:
    return Logcumsumexp.apply(x.flip(dim), dim).flip(dim)


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """``log(cumsum(exp(input), dim))``, computed without overflow.

    Args:
        input: a floating-point tensor.
        dim: the dimension to accumulate along.
    """
    tensor_input("logcumsumexp", input)
    d = input._wrap_dim(dim)
    if not is_floating(input._data.dtype):
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{torch_dtype_name(input)}'")
    return Logcumsumexp.apply(input, d)


# ----------------------------------------------------------------------------- diff
def _check_diff_operand(input: Tensor, other: Tensor, d: int) -> None:
    if other._data.ndim != input._data.ndim:
        raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    for i, (a, b) in enumerate(zip(input._data.shape, other._data.shape)):
        if i != d and a != b:
            raise RuntimeError("diff expects the shape of tensor to prepend or append to match that of input "
                               f"except along the differencing dimension; input.size({i}) = {a}, but got "
                               f"tensor.size({i}) = {b}")


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim``: ``out[i] = input[i + 1] - input[i]``, applied ``n`` times.

    Args:
        input: a tensor of at least one dimension (bool: the difference is ``!=``, as in PyTorch).
        n: how many times to take the difference (0 returns ``input`` itself).
        dim: the dimension to differentiate along.
        prepend, append: tensors put before / after ``input`` along ``dim`` first (the same shape elsewhere).
    """
    tensor_input("diff", input)
    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = input._wrap_dim(dim)
    if n == 0:                         # PyTorch returns the input, prepend and append unused
        return input
    parts = [p for p in (prepend, input, append) if p is not None]
    for p in parts:
        _check_diff_operand(input, p, d)
    x = cat(parts, d) if len(parts) > 1 else input
    lead = (slice(None),) * d
    for _ in range(n):
        later, earlier = x[lead + (slice(1, None),)], x[lead + (slice(None, -1),)]
        x = later != earlier if x._data.dtype == np.bool_ else later - earlier
    return x

"""The linear maps of ``nn.functional``: ``linear`` (one fused node, as PyTorch's addmm) and ``bilinear``."""
from __future__ import annotations

import math

import numpy as np

from microtensor.autograd.function import Function
from microtensor.dtypes import BFLOAT16
from microtensor.ops.checks import floating_input
from microtensor.ops.float32_compute import in_float32
from microtensor.ops.linalg import MatMul, einsum, rows
from microtensor.ops.reduction import Sum
from microtensor.tensor import Tensor


class Linear(Function):
    """out = x @ weight.T + bias over the last dim of x (weight (out, in), bias (out,) or None)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Linear.forward, ctx, x, weight, bias)
        need = ctx.needs_input_grad          # x only for weight's gradient and weight only for x's, as PyTorch's addmm
        ctx.save_for_backward(x if need[1] else None, weight if need[0] else None)
        ctx.bias_shape = None if bias is None else bias.shape
        if x.ndim == 2:
            out = x @ weight.T                       # BLAS reads the transposed view without a copy
        else:
            out = (x.reshape(rows(x.shape)) @ weight.T).reshape(x.shape[:-1] + (weight.shape[0],))
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
        x, weight = ctx.saved_tensors
        gx = gw = gb = None
        ndim = grad._data.ndim
        if ctx.needs_input_grad[0]:
            gx = MatMul.apply(grad, weight, False, False) if ndim > 1 else grad @ weight
        if ctx.needs_input_grad[1]:
            g2 = grad if ndim == 2 else grad.reshape(rows(grad._data.shape))
            gw = MatMul.apply(g2, x if x.ndim == 2 else x.reshape(rows(x._data.shape)), True, False)
        if ctx.needs_input_grad[2]:
            if not ctx.bias_shape:
                gb = grad.sum()
            else:
                gb = grad if ndim == 1 else Sum.apply(grad, tuple(range(ndim - 1)), False, grad._data.dtype)
        return gx, gw, gb


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias: the affine map of ``nn.Linear`` over the last dim of ``input``.

    Args:
        input: (*, in_features).
        weight: (out_features, in_features).
        bias: (out_features,) or None.
    """
    x = floating_input("linear", input)
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise RuntimeError(f"linear(): weight must be a 2-D tensor (out_features, in_features), got "
                           f"{list(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        rows = math.prod(x.shape[:-1]) if x.ndim > 1 else 1
        cols = x.shape[-1] if x.ndim else 1
        raise RuntimeError(f"linear(): input of shape {list(x.shape)} has {cols} features but weight of shape "
                           f"{list(weight.shape)} expects {weight.shape[1]}: mat1 and mat2 shapes cannot be "
                           f"multiplied ({rows}x{cols} and {weight.shape[1]}x{weight.shape[0]})")
    if weight._data.dtype != x._data.dtype or (bias is not None and bias._data.dtype != x._data.dtype):
        raise RuntimeError(f"linear(): expected input, weight and bias of the same dtype, got {x.dtype.name}, "
                           f"{weight.dtype.name}" + (f" and {bias.dtype.name}" if bias is not None else ""))
    if bias is not None and tuple(bias.shape) not in ((weight.shape[0],), ()):
        raise RuntimeError(f"linear(): bias should have shape [{weight.shape[0]}], got {list(bias.shape)}")
    return Linear.apply(x, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """out[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o].

    Args:
        input1: (*, in1_features); input2: (*, in2_features) with the same leading dims.
        weight: (out_features, in1_features, in2_features); bias: (out_features,) or None.
    """
    x1, x2 = floating_input("bilinear", input1), floating_input("bilinear", input2)
    if (weight.ndim != 3 or x1.ndim == 0 or x2.ndim == 0 or x1.shape[:-1] != x2.shape[:-1]
            or x1.shape[-1] != weight.shape[1] or x2.shape[-1] != weight.shape[2]):
        raise RuntimeError(f"bilinear(): expected input1 (*, in1), input2 (*, in2) with the same leading dims and "
                           f"weight (out, in1, in2), got input1 {list(x1.shape)}, input2 {list(x2.shape)} and weight "
                           f"{list(weight.shape)}")
    out = einsum("...i,oij,...j->...o", x1, weight, x2)
    return out + bias if bias is not None else out

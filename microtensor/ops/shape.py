"""Shape ops: reshape/view, squeeze/unsqueeze, permute/transpose, expand, repeat, flip, roll, cat/stack, split."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Function
from microtensor.ops.broadcasting import unbroadcast
from microtensor.tensor import Tensor


def _shape_arg(shape: tuple) -> tuple:
    """Accept both ``f(2, 3)`` and ``f((2, 3))``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(int(s) for s in shape)


def infer_shape(op: str, numel: int, old: tuple[int, ...], shape: tuple) -> tuple[int, ...]:
    """Resolve one -1 in ``shape``; a clear error when the element count does not match."""
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred, got shape {list(shape)}")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{op}: invalid shape dimension {s} in {list(shape)}")
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel} "
                               f"(input shape {list(old)})")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel} "
                           f"(input shape {list(old)})")
    return shape


class Reshape(Function):
    """out = x with a new shape (a view when the memory layout allows)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return grad.reshape(ctx.shape), None


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """``input`` with shape ``shape`` (one entry may be -1); same elements in row-major order."""
    return Reshape.apply(input, infer_shape("reshape", input._data.size, input._data.shape, _shape_arg(shape)))


class Expand(Function):
    """out = x broadcast to ``shape`` (a read-only view); the gradient is summed back."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return unbroadcast(grad, ctx.shape), None


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """``input`` broadcast to ``sizes`` without copying (-1 keeps a dimension's size)."""
    sizes = _shape_arg(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = tuple(shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    for i, n in enumerate(shape):
        if n != 1 and n != target[lead + i]:
            raise RuntimeError(f"expand: the expanded size of the tensor ({target[lead + i]}) must match the "
                               f"existing size ({n}) at non-singleton dimension {lead + i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(shape)}")
    if target == shape:
        return input
    return Expand.apply(input, target)


METHODS = {"reshape": reshape, "view": reshape, "expand": expand}
FUNCTIONS = {"reshape": reshape}

"""``gaussian_nll_loss``: the negative log likelihood of targets under Gaussians of predicted mean and variance,
composed of Tensor ops (so every order of gradient comes with it), with PyTorch's rules for the variance's shape
and its clamping."""
from __future__ import annotations

import math

import numpy as np

from microtensor.ops.checks import tensor_input
from microtensor.ops.losses import reduce_loss
from microtensor.ops.unary import log
from microtensor.tensor import Tensor


def _variance(op: str, x: Tensor, var: Tensor | float) -> Tensor:
    """var as a tensor that broadcasts against the input, by PyTorch's rules: the input's shape; its shape
    without the last dim (unsqueezed); or the input's shape with exactly one dim of size 1."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        return Tensor._make(np.full(x._data.shape, var, x._data.dtype))
    v = tensor_input(op, var, "var", 3)
    if (v._data < 0).any():
        raise ValueError("var has negative entry/entries")
    xs, vs = tuple(x._data.shape), tuple(v._data.shape)
    if vs == xs:
        return v
    if xs[:-1] == vs:
        return v.unsqueeze(-1)
    if len(xs) == len(vs) and sum(b for a, b in zip(xs, vs) if a != b) == 1:
        return v
    raise ValueError(f"var is of incorrect size: {list(vs)} for an input of shape {list(xs)} (expected the input's "
                     "shape, the input's shape without its last dim, or the input's shape with one dim of size 1)")


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """0.5 * (log(max(var, eps)) + (input - target) ** 2 / max(var, eps)), plus 0.5 * log(2 pi) when ``full``.

    Args:
        input: the predicted means.
        target: samples of the Gaussians.
        var: the predicted variances (non-negative): of the input's shape, of that shape without its last dim,
            or with one dim of size 1 (one variance shared along it); or a float.
        full: include the constant term.
        eps: the floor of the variance. As in PyTorch the clamp is not differentiated: the gradient reaches
            ``var`` as if it were not clamped.
        reduction: 'mean' (default), 'sum' or 'none'.
    """
    op = "gaussian_nll_loss"
    x, t = tensor_input(op, input), tensor_input(op, target, "target", 2)
    v = _variance(op, x, var)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    # the clamped value, with the identity's gradient (PyTorch clamps a clone under no_grad)
    clamped = v + Tensor._make(np.maximum(v._data, eps).astype(v._data.dtype) - v._data)
    loss = 0.5 * (log(clamped) + (x - t) ** 2 / clamped)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss(loss, reduction)

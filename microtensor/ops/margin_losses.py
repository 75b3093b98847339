"""The multi-class margin losses (``multi_margin_loss``, ``multilabel_margin_loss``) and the triplet loss with
a distance function of your choice (``triplet_margin_with_distance_loss``).

The two hinge losses are fused Functions on (N, C) scores. Their input gradient is piecewise constant in the
input, and as in PyTorch it has no derivative of its own: ``MarginLossGrad`` computes it and raises PyTorch's
error when differentiated again. The triplet loss is a composition of Tensor ops (any distance function the
caller passes is differentiated as it is written).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import GradMode
from microtensor.capture import graph_break
from microtensor.dtypes import is_floating
from microtensor.ops.checks import tensor_input, torch_dtype_name
from microtensor.ops.distance import pairwise_distance
from microtensor.ops.losses import reduce_loss, reduction_mode
from microtensor.tensor import Tensor


class MarginLossGrad(Function):
    """The input gradient ``coeff * grad`` of a hinge loss; like PyTorch's ``*_backward`` ops, it has no
    derivative (x is an input only so that the graph shows where that derivative would be asked for)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, grad: np.ndarray, x: np.ndarray, coeff: np.ndarray, op: str) -> np.ndarray:
        ctx.op = op
        return (coeff * grad).reshape(x.shape)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> None:
        raise RuntimeError(f"derivative for aten::{ctx.op}_backward is not implemented (as in PyTorch)")


class HingeLoss(Function):
    """A per-sample hinge loss of (N, C) scores, reduced. The caller computes, with NumPy, the losses (N,) and
    their constant coefficients d loss_n / d x[n, c] (N, C); backward hands them to ``MarginLossGrad``."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, loss: np.ndarray, coeff: np.ndarray, reduction: str,
                op: str) -> np.ndarray:
        n = loss.shape[0]
        ctx.save_for_backward(x)
        ctx.op, ctx.reduction = op, reduction
        ctx.coeff = coeff / n if reduction == "mean" and n else coeff
        if reduction == "none":
            return loss if x.ndim == 2 else loss.reshape(())
        if reduction == "sum":
            return np.asarray(loss.sum(), x.dtype)
        return np.asarray(loss.mean() if n else np.nan, x.dtype)     # PyTorch's mean of no samples is garbage

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        x, = ctx.saved_tensors
        per_sample = grad.reshape(-1, 1) if ctx.reduction == "none" else grad
        return MarginLossGrad.apply(per_sample, x, ctx.coeff, ctx.op), None, None, None, None


def _scores(op: str, input: Any) -> tuple[Tensor, np.ndarray]:
    """The input of a hinge loss and its values as (N, C): a vector is one sample, a 0-d tensor one sample of
    one class."""
    x = tensor_input(op, input)
    shape = tuple(x._data.shape)
    if x._data.ndim > 2 or (x._data.ndim >= 1 and shape[-1] == 0):
        raise RuntimeError(f"{op}: Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(shape)}")
    if not is_floating(x._data.dtype):
        raise RuntimeError(f"{op}: expected a floating point input, got {torch_dtype_name(x)}")
    return x, x._data.reshape(-1, shape[-1] if shape else 1)


def _long_target(op: str, target: Any) -> np.ndarray:
    t = tensor_input(op, target, "target", 2)
    if t._data.dtype != np.int64:
        raise RuntimeError(f"{op}: expected scalar type Long but found {torch_dtype_name(t)} for the target")
    return t._data


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                      size_average: Any = None, reduce: Any = None, reduction: str | int = "mean") -> Tensor:
    """The multi-class hinge loss: per sample, sum over the classes i != y of
    weight[y] * max(0, margin - input[y] + input[i]) ** p, divided by the number of classes C.

    Args:
        input: scores of shape (N, C) or (C).
        target: int64 class indices of shape (N) (or one index for a vector input).
        p: 1 or 2.
        margin: the required gap between the target's score and the others'.
        weight: one weight per class (it gets no gradient).
        reduction: 'mean' (over the samples; default), 'sum' or 'none'.
    """
    graph_break("multi_margin_loss (computes its loss in NumPy, outside the recorded ops)")
    op = "multi_margin_loss"
    r = reduction_mode(op, reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and tensor_input(op, weight, "weight", 5)._data.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    x, scores = _scores(op, input)
    n, c = scores.shape
    t = _long_target(op, target)
    if (x._data.ndim == 2 and t.shape != (n,)) or (x._data.ndim < 2 and t.size != 1) or t.ndim > 1:
        raise RuntimeError(f"{op}: target tensor should be 1-D with size equal to the number of input samples "
                           f"(batch size). Expected target size [{n}], but got {list(t.shape)}. Input has shape "
                           f"{list(x._data.shape)}.")
    t = t.reshape(n)
    if t.size and (t.min() < 0 or t.max() >= c):
        raise RuntimeError(f"{op}: target out of range: the input has {c} classes, got targets in "
                           f"[{t.min()}, {t.max()}]")
    rows = np.arange(n)
    hinge = margin - scores[rows, t][:, None] + scores
    hinge[rows, t] = 0                                  # the target's own class is not a violation
    active = hinge > 0
    slope = np.where(active, 1.0 if p == 1 else 2 * hinge, 0).astype(scores.dtype)
    terms = np.where(active, hinge if p == 1 else hinge * hinge, 0).astype(scores.dtype)
    if weight is not None:
        if weight.requires_grad and GradMode.enabled:
            raise RuntimeError(f"The function '{op}' is not differentiable with respect to argument 'weight'. This "
                               "input cannot have requires_grad True.")
        w = weight._data.astype(scores.dtype, copy=False)
        if w.shape != (c,):
            raise RuntimeError(f"{op}: inconsistent weight size, expected {c} but got {list(w.shape)}")
        terms *= w[t][:, None]
        slope *= w[t][:, None]
    coeff = slope / c
    coeff[rows, t] = -coeff.sum(1)
    return HingeLoss.apply(x, terms.sum(1) / c, coeff, r, op)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
                           reduction: str | int = "mean") -> Tensor:
    """The multi-label hinge loss: per sample, the sum over its target classes j and its other classes i of
    max(0, 1 - (input[j] - input[i])), divided by the number of classes C.

    Args:
        input: scores of shape (N, C) or (C).
        target: int64 of the input's shape: each row lists its target classes, ended by the first -1 (the
            entries after it are ignored).
        reduction: 'mean' (over the samples; default), 'sum' or 'none'.
    """
    graph_break("multilabel_margin_loss (computes its loss in NumPy, outside the recorded ops)")
    op = "multilabel_margin_loss"
    r = reduction_mode(op, reduction, size_average, reduce)
    x, scores = _scores(op, input)
    n, c = scores.shape
    t = _long_target(op, target)
    if t.shape != x._data.shape:
        raise RuntimeError(f"{op}: inconsistent target size: {list(t.shape)} for input of size: "
                           f"{list(x._data.shape)}")
    t = t.reshape(n, c)
    if t.size and (t.min() < -1 or t.max() >= c):
        raise RuntimeError(f"{op}: argument #2 'target' is out of range: entries are class indices in "
                           f"[0, {c - 1}] or -1, got values in [{t.min()}, {t.max()}]")
    listed = np.cumprod(t != -1, axis=1).astype(bool)          # the entries before each row's first -1
    safe = np.where(listed, t, 0)
    rows = np.broadcast_to(np.arange(n)[:, None], t.shape)
    is_target = np.zeros((n, c), bool)
    is_target[rows[listed], safe[listed]] = True
    hinge = 1 - scores[rows, safe][:, :, None] + scores[:, None, :]          # (N, entry, class)
    active = (hinge > 0) & listed[:, :, None] & ~is_target[:, None, :]
    loss = np.where(active, hinge, 0).sum((1, 2)).astype(scores.dtype) / c
    coeff = active.sum(1).astype(scores.dtype)                 # + for each other class, once per target entry
    np.add.at(coeff, (rows, safe), -active.sum(2).astype(scores.dtype))
    return HingeLoss.apply(x, loss, coeff / c, r, op)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
                                      margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> Tensor:
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) for a distance function d of your choice
    (``pairwise_distance`` by default); ``swap`` uses min(d(anchor, negative), d(positive, negative)).

    Args:
        anchor, positive, negative: embeddings with the same number of dimensions.
        distance_function: a callable of two tensors returning their distances (differentiated as written).
        margin: the required gap (> 0).
        swap: the distance swap of Balntas et al.
        reduction: 'mean' (default), 'sum' or 'none'.
    """
    op = "triplet_margin_with_distance_loss"
    r = reduction_mode(op, reduction, valid=("none", "mean", "sum"))
    if margin <= 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    a, pos, neg = (tensor_input(op, anchor, "anchor", 1), tensor_input(op, positive, "positive", 2),
                   tensor_input(op, negative, "negative", 3))
    if not a.ndim == pos.ndim == neg.ndim:
        raise RuntimeError(f"{op}: The anchor, positive, and negative tensors are expected to have the same number "
                           f"of dimensions, but got: anchor {a.ndim}D, positive {pos.ndim}D, and negative "
                           f"{neg.ndim}D inputs")
    distance = distance_function if distance_function is not None else pairwise_distance
    d_pos, d_neg = distance(a, pos), distance(a, neg)
    if swap:
        d_neg = d_neg.minimum(distance(pos, neg))
    return reduce_loss((margin + d_pos - d_neg).clamp_min(0), r)

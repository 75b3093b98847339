"""``linear_cross_entropy``: ``cross_entropy(linear(input, weight, bias), target, ...)`` in one call, as PyTorch
2.13 has it, with its K-dimensional form (a weight of shape (C, d1, ..., dK, in_features)).

Without ``options`` it is exactly that composition (every order of gradient). With a
``LinearCrossEntropyOptions``, the batch is processed in chunks of rows (``ChunkedLinearCrossEntropy``), so the
full (N, C) logits never exist at once, in forward or backward: backward recomputes each chunk's softmax. As in
PyTorch that path is first order only, and calls it cannot serve fall back to the composition with its warning.
"""
from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import GradMode
from microtensor.dtypes import is_floating
from microtensor.ops.checks import tensor_input
from microtensor.ops.linear import linear
from microtensor.ops.losses import cross_entropy
from microtensor.tensor import Tensor

_POLICIES = ("auto", "accurate", "balanced", "compact")
_AUTO_CHUNKING = "aspect_ratio:2"     # PyTorch's fallback pick for "auto"


@dataclasses.dataclass(slots=True, frozen=True)
class LinearCrossEntropyOptions:
    """How ``linear_cross_entropy`` chunks its batch (pass one to opt in; None computes the logits at once).

    Args:
        allow_retain_graph: accepted for PyTorch's API; here backward recomputes each chunk, so a second
            backward with ``retain_graph=True`` always works.
        batch_chunk_size: rows per chunk (None: one chunk, or what ``chunking_method`` picks).
        chunking_method: 'auto' ('aspect_ratio:2'), 'aspect_ratio' or 'aspect_ratio:N' (a chunk's logits as
            large as the input, divided by N), or None to use ``batch_chunk_size``.
        acc_policy: 'auto', 'accurate', 'balanced' or 'compact': PyTorch's trade-offs for float16/bfloat16 GEMMs;
            here every policy accumulates in ``acc_dtype``.
        acc_dtype: the dtype the logits, softmax and gradients are computed in (None: the input's).
    """

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: Any = None

    def __post_init__(self) -> None:
        if self.acc_policy not in _POLICIES:
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r}")
        if self.chunking_method is not None and self.chunking_method != "auto":
            name, sep, factor = self.chunking_method.partition(":")
            if not (name == "aspect_ratio" and (not sep or (factor.isdigit() and int(factor) > 0))):
                raise ValueError(f"invalid chunking_method: {self.chunking_method!r}")
        if not (self.batch_chunk_size is None
                or (isinstance(self.batch_chunk_size, int) and self.batch_chunk_size > 0)):
            raise ValueError(f"batch_chunk_size must be positive int or None, got {self.batch_chunk_size!r}")
        if self.acc_dtype is not None and self.acc_dtype not in (dtypes.float16, dtypes.float32, dtypes.float64):
            raise ValueError(f"acc_dtype must be one of {{None, torch.float16, torch.bfloat16, torch.float32, "
                             f"torch.float64}}, got {self.acc_dtype!r}. Pass acc_dtype=None to let the op pick "
                             "automatically.")

    def chunk_rows(self, num_batches: int, in_features: int, num_classes: int) -> int:
        """The rows per chunk for a call with these sizes (PyTorch's ``_adjust``)."""
        method = self.chunking_method
        if method == "auto":
            method = None if self.batch_chunk_size is not None else _AUTO_CHUNKING
        rows = num_batches if self.batch_chunk_size is None else min(self.batch_chunk_size, num_batches)
        if method is not None:
            factor = int(method.partition(":")[2] or 1)
            target = -(-num_batches // -(-num_classes // max(in_features, 1)))
            picked = min((1 << (target - 1).bit_length()) // factor, num_batches) if target > 0 else num_batches
            if self.batch_chunk_size is not None and self.batch_chunk_size != picked:
                raise ValueError(f"batch_chunk_size (={self.batch_chunk_size}) and chunking_method ('{method}') give "
                                 f"different chunk sizes ({self.batch_chunk_size} vs {picked}); pass only one.")
            rows = picked
        return max(1, rows)


class ChunkedLinearCrossEntropy(Function):
    """Class-index cross entropy of x @ W.T + b over (N, in_features) rows, a chunk of rows at a time."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, target: np.ndarray,
                class_weight: np.ndarray | None, ignore_index: int, reduction: str, rows: int,
                acc: np.dtype) -> np.ndarray:
        n = x.shape[0]
        losses = np.zeros(n, acc)
        kept = np.zeros(n, acc)                   # the weight of each row's target (0 where ignored)
        for start in range(0, n, rows):
            part = slice(start, start + rows)
            _, logp, safe, kept[part] = _chunk(x[part], w, b, target[part], class_weight, ignore_index, acc)
            losses[part] = -logp[np.arange(len(safe)), safe] * kept[part]
        ctx.save_for_backward(x, w, b)
        ctx.setup = target, class_weight, ignore_index, reduction, rows, acc, kept
        if reduction == "none":
            return losses.astype(x.dtype)
        total = losses.sum()
        if reduction == "sum":
            return np.asarray(total, x.dtype)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(total / kept.sum(), x.dtype)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        if GradMode.enabled:
            raise RuntimeError("linear_cross_entropy: the chunked path (options given) has no higher-order "
                               "gradients, as in PyTorch; pass options=None to differentiate twice")
        xt, wt, bt = ctx.saved_tensors
        x, w, b = xt._data, wt._data, None if bt is None else bt._data
        target, class_weight, ignore_index, reduction, rows, acc, kept = ctx.setup
        g = grad._data.astype(acc)
        if reduction == "mean":
            total = kept.sum()
            g = g / total if total else g * 0
        gx, gw = np.zeros(x.shape, acc), np.zeros(w.shape, acc)
        gb = None if b is None else np.zeros(b.shape, acc)
        for start in range(0, x.shape[0], rows):
            part = slice(start, start + rows)
            xc = x[part].astype(acc)
            p, _, safe, _ = _chunk(xc, w, b, target[part], class_weight, ignore_index, acc)
            p[np.arange(len(safe)), safe] -= 1             # softmax - onehot
            p *= (kept[part] * (g[part] if reduction == "none" else g))[:, None]
            gx[part] = p @ w.astype(acc)
            gw += p.T @ xc
            if gb is not None:
                gb += p.sum(0)
        need = ctx.needs_input_grad
        return (Tensor._make(gx.astype(x.dtype)) if need[0] else None,
                Tensor._make(gw.astype(w.dtype)) if need[1] else None,
                Tensor._make(gb.astype(w.dtype)) if need[2] and gb is not None else None,
                None, None, None, None, None, None)


def _chunk(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, target: np.ndarray, class_weight: np.ndarray | None,
           ignore_index: int, acc: np.dtype) -> tuple:
    """One chunk's softmax, log-softmax, targets (ignored ones as class 0) and target weights."""
    logits = x.astype(acc) @ w.astype(acc).T
    if b is not None:
        logits += b.astype(acc)
    logits -= logits.max(1, keepdims=True)
    p = np.exp(logits)
    s = p.sum(1, keepdims=True)
    p /= s
    logits -= np.log(s)
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    bad = (safe < 0) | (safe >= w.shape[0])
    if bad.any():
        raise IndexError(f"linear_cross_entropy: Target {safe[bad][0]} is out of bounds: there are {w.shape[0]} "
                         f"classes (targets are in [0, {w.shape[0] - 1}] or ignore_index={ignore_index})")
    kept = valid.astype(acc) if class_weight is None else class_weight.astype(acc)[safe] * valid
    return p, logits, safe, kept


def linear_cross_entropy(input: Tensor, linear_weight: Tensor, target: Tensor, *, linear_bias: Tensor | None = None,
                         weight: Tensor | None = None, reduction: str = "mean", ignore_index: int | None = None,
                         label_smoothing: float = 0.0, options: LinearCrossEntropyOptions | None = None) -> Tensor:
    """The cross entropy of the logits ``linear(input, linear_weight, linear_bias)`` and the target.

    Args:
        input: samples of shape (in_features) or (N, in_features).
        linear_weight: (C, in_features), or (C, d1, ..., dK, in_features) for a K-dimensional loss (batched
            input only).
        target: class indices (int64) of shape (), (N) or (N, d1, ..., dK), or class probabilities of the
            logits' shape (C), (N, C) or (N, C, d1, ..., dK).
        linear_bias: (C) or (C, d1, ..., dK).
        weight: one rescaling weight per class.
        reduction: 'mean' (default), 'sum' or 'none', as in ``cross_entropy``.
        ignore_index: a class-index target that contributes nothing (-100 when None); not allowed with
            class probabilities.
        label_smoothing: in [0, 1], as in ``cross_entropy``.
        options: a ``LinearCrossEntropyOptions`` to process the batch in chunks (first-order gradients only),
            or None for the plain composition.
    """
    op = "linear_cross_entropy"
    x = tensor_input(op, input)
    lw = tensor_input(op, linear_weight, "linear_weight", 2)
    t = tensor_input(op, target, "target", 3)
    if not 1 <= x.ndim <= 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {x.ndim}")
    if lw.ndim < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {lw.ndim}")
    batches, in_features = tuple(x.shape[:-1]), x.shape[-1]
    if in_features != lw.shape[-1]:
        raise RuntimeError("expected equal input and linear_weight last dimensions (in_features), got "
                           f"{in_features} and {lw.shape[-1]}, respectively")
    classes, out_features = lw.shape[0], tuple(lw.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(classes, *out_features)}, got {tuple(linear_bias.shape)}")
    if out_features and not batches:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape {tuple(lw.shape)} requires batched "
                           f"input, (N, {in_features}), got unbatched input with shape {tuple(x.shape)}")
    logits_shape = (*batches, classes, *out_features)
    if tuple(t.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    ignore = -100 if ignore_index is None else ignore_index
    if options is not None:
        chunkable = (not out_features and reduction in ("mean", "sum", "none") and label_smoothing == 0.0
                     and t.dtype == dtypes.int64)
        if chunkable:
            return _chunked(x, lw, linear_bias, t, weight, ignore, reduction, options)
        warnings.warn("linear_cross_entropy: ``options`` ignored; chunked path needs reduction in "
                      "{'mean','sum','none'}, label_smoothing == 0, target.dtype == int64, out_features == (). Got "
                      f"reduction={reduction!r}, label_smoothing={label_smoothing}, target.dtype={t.dtype}, "
                      f"out_features={out_features}, tracing=False, linear_bias.shape="
                      f"{None if linear_bias is None else tuple(linear_bias.shape)}.", UserWarning, stacklevel=2)
    flat = math.prod(out_features) * classes
    w2 = lw.reshape(flat, in_features) if out_features else lw
    b2 = linear_bias.reshape(flat) if out_features and linear_bias is not None else linear_bias
    logits = linear(x, w2, b2).reshape(logits_shape)
    return cross_entropy(logits, t, weight=weight, reduction=reduction, ignore_index=ignore,
                         label_smoothing=label_smoothing)


def _chunked(x: Tensor, w: Tensor, b: Tensor | None, target: Tensor, weight: Tensor | None, ignore: int,
             reduction: str, options: LinearCrossEntropyOptions) -> Tensor:
    """The chunked path, for (N, in_features) or unbatched input with class-index targets."""
    op = "linear_cross_entropy"
    if not is_floating(x.dtype.np) or w.dtype != x.dtype or (b is not None and b.dtype != x.dtype):
        raise RuntimeError(f"{op}: expected floating point input, linear_weight and linear_bias of one dtype, got "
                           f"{x.dtype}, {w.dtype} and {None if b is None else b.dtype}")
    unbatched = x.ndim == 1
    rows_x = x.reshape(1, -1) if unbatched else x
    t = target._data.reshape(1) if unbatched else target._data
    if t.shape != (rows_x.shape[0],):
        raise ValueError(f"{op}: expected a target of shape {list(rows_x.shape[:1]) if not unbatched else []}, got "
                         f"{list(target.shape)}")
    class_weight = None
    if weight is not None:
        class_weight = tensor_input(op, weight, "weight")._data
        if class_weight.shape != (w.shape[0],):
            raise RuntimeError(f"{op}: weight tensor should be defined either for all {w.shape[0]} classes or no "
                               f"classes but got weight tensor of shape: {list(class_weight.shape)}")
    acc = x.dtype.np if options.acc_dtype is None else options.acc_dtype.np
    rows = options.chunk_rows(rows_x.shape[0], x.shape[-1], w.shape[0])
    out = ChunkedLinearCrossEntropy.apply(rows_x, w, b, t, class_weight, ignore, reduction, rows, acc)
    return out.reshape(()) if unbatched and reduction == "none" else out

"""The connectionist temporal classification loss (``F.ctc_loss``), as PyTorch computes it.

The forward runs the alpha recursion of Graves et al. (2006) in log space, one step per time frame, each step
vectorised over the batch and the extended label sequence (the targets with a blank before, between and after
them). The backward runs the beta recursion the same way and returns PyTorch's gradient
``exp(log_probs) - exp(log(sum of alpha * beta over the positions of class c) + nll - log_probs)``: the gradient
with respect to the logits when ``log_probs`` is a ``log_softmax`` output, which is what PyTorch's
``ctc_loss_backward`` gives. As in PyTorch, that backward has no derivative of its own.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Function
from microtensor.capture import graph_break
from microtensor.ops.checks import tensor_input, torch_dtype_name
from microtensor.ops.comparison import isinf
from microtensor.ops.elementwise import where
from microtensor.ops.losses import reduction_mode
from microtensor.tensor import Tensor


def _extended_labels(targets: np.ndarray, target_lengths: np.ndarray, blank: int) -> np.ndarray:
    """The (N, 2S+1) label sequences ``blank, l1, blank, l2, ..., blank``, padded with blanks past each length."""
    n, s = targets.shape
    labels = np.where(np.arange(s) < target_lengths[:, None], targets, blank)
    ext = np.full((n, 2 * s + 1), blank, dtype=np.int64)
    ext[:, 1::2] = labels
    return ext


def _can_skip(ext: np.ndarray, blank: int) -> np.ndarray:
    """Where position s may be reached from s - 2: a label (not a blank) that differs from the one before it."""
    skip = np.zeros(ext.shape, dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    return skip


def _final_positions(target_lengths: np.ndarray, width: int) -> np.ndarray:
    """Where an alignment may end: the last blank (2S) and the last label (2S - 1, when S > 0), as an (N, L)
    mask."""
    s = np.arange(width)
    return (s == 2 * target_lengths[:, None]) | ((s == 2 * target_lengths[:, None] - 1) & (target_lengths[:, None] > 0))


def _alpha(y: np.ndarray, skip: np.ndarray) -> np.ndarray:
    """The forward variables log alpha[t, n, s] for the label log-probabilities ``y`` (T, N, L)."""
    alpha = np.full(y.shape, -np.inf)
    alpha[0, :, :2] = y[0, :, :2]
    for t in range(1, y.shape[0]):
        prev = alpha[t - 1]
        a = prev.copy()
        a[:, 1:] = np.logaddexp(a[:, 1:], prev[:, :-1])
        a[:, 2:] = np.where(skip[:, 2:], np.logaddexp(a[:, 2:], prev[:, :-2]), a[:, 2:])
        alpha[t] = a + y[t]
    return alpha


def _beta(y: np.ndarray, skip: np.ndarray, input_lengths: np.ndarray, target_lengths: np.ndarray) -> np.ndarray:
    """The backward variables log beta[t, n, s] (they include y[t], as PyTorch's do); -inf past each input."""
    steps, n, width = y.shape
    beta = np.full(y.shape, -np.inf)
    start = np.where(_final_positions(target_lengths, width), 0.0, -np.inf)   # at each sequence's last frame
    nxt = np.full((n, width), -np.inf)
    for t in range(steps - 1, -1, -1):
        b = nxt.copy()
        b[:, :-1] = np.logaddexp(b[:, :-1], nxt[:, 1:])
        b[:, :-2] = np.where(skip[:, 2:], np.logaddexp(b[:, :-2], nxt[:, 2:]), b[:, :-2])
        b = np.where((input_lengths == t + 1)[:, None], start, b)
        beta[t] = nxt = b + y[t]
    return beta


class CtcLoss(Function):
    """nll[n] = -log p(targets[n] | log_probs[:, n]), summed over every alignment; (T, N, C) in, (N,) out."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, log_probs: np.ndarray, ext: np.ndarray, input_lengths: np.ndarray,
                target_lengths: np.ndarray, blank: int, zero_infinity: bool) -> np.ndarray:
        n = log_probs.shape[1]
        y = log_probs.astype(np.float64)[:, np.arange(n)[:, None], ext]
        skip = _can_skip(ext, blank)
        last = _alpha(y, skip)[np.maximum(input_lengths - 1, 0), np.arange(n)]     # at each input's last frame
        ll = np.logaddexp.reduce(np.where(_final_positions(target_lengths, ext.shape[1]), last, -np.inf), axis=1)
        # no frames: only an empty target has an alignment (the empty one)
        ll = np.where(input_lengths > 0, ll, np.where(target_lengths > 0, -np.inf, 0.0))
        nll = -ll
        ctx.save_for_backward(log_probs)
        ctx.state = (y, ext, skip, input_lengths, target_lengths, nll, zero_infinity)
        return nll.astype(log_probs.dtype)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        log_probs, = ctx.saved_tensors
        return CtcLossBackward.apply(grad, log_probs, ctx.state), None, None, None, None, None


class CtcLossBackward(Function):
    """PyTorch's ``ctc_loss_backward``: the gradient of the CTC loss for the incoming (N,) gradient."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, grad: np.ndarray, log_probs: np.ndarray, state: tuple) -> np.ndarray:
        y, ext, skip, input_lengths, target_lengths, nll, zero_infinity = state
        steps, n, classes = log_probs.shape
        ab = _beta(y, skip, input_lengths, target_lengths) + _alpha(y, skip)
        shift = ab.max(axis=2, keepdims=True)
        shift[~np.isfinite(shift)] = 0.0
        # the sum over the positions s of class c, for each (t, n, c), as one weighted bincount
        where_c = (np.arange(steps)[:, None, None] * n + np.arange(n)[None, :, None]) * classes + ext[None]
        sums = np.bincount(where_c.ravel(), np.exp(ab - shift).ravel(), minlength=steps * n * classes)
        lp = log_probs.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            lcab = np.log(sums.reshape(steps, n, classes)) + shift
            out = np.exp(lp) - np.exp(lcab + nll[None, :, None] - lp)
        keep = np.arange(steps)[:, None] < input_lengths[None, :]
        if zero_infinity:
            keep &= np.isfinite(nll)[None, :]
        out = np.where(keep[:, :, None], out, 0.0) * grad[None, :, None]
        return out.astype(log_probs.dtype)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> None:
        raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented (the CTC loss is "
                           "differentiable once, as in PyTorch)")


def _lengths(name: str, value: Any, batch: int) -> np.ndarray:
    """``input_lengths``/``target_lengths`` (an integer tensor, or a tuple/list of ints) as an int64 array."""
    if isinstance(value, Tensor):
        if value._data.dtype.kind not in "iu":
            raise RuntimeError(f"{name} must be integral")
        arr = value._data.reshape(-1).astype(np.int64)
    elif isinstance(value, (tuple, list)) and all(isinstance(v, (int, np.integer)) for v in value):
        arr = np.asarray(value, dtype=np.int64).reshape(-1)
    else:
        raise TypeError(f"ctc_loss(): argument '{name}' must be a Tensor or a tuple of ints, not "
                        f"{type(value).__name__}")
    if arr.shape[0] != batch:
        raise RuntimeError(f"{name} must be of size batch_size")
    if arr.size and arr.min() < 0:
        raise RuntimeError(f"Expected {name} to have value at least 0, but got value {arr.min()} (while checking "
                           "arguments for ctc_loss_allocate_outputs)")
    return arr


def _padded_targets(targets: np.ndarray, target_lengths: np.ndarray) -> np.ndarray:
    """Targets as an (N, S) array: padded targets as given, concatenated 1-D targets cut at the lengths."""
    if targets.ndim == 2:
        width = targets.shape[1]
        if target_lengths.size and target_lengths.max() > width:
            raise RuntimeError(f"Expected tensor to have size at least {target_lengths.max()} at dimension 1, but "
                               f"got size {width} for argument #2 'targets' (while checking arguments for "
                               "ctc_loss_allocate_outputs)")
        return targets
    total = int(target_lengths.sum())
    if targets.ndim != 1:
        raise RuntimeError(f"Expected 1 to 2 dimensions, but got {targets.ndim}-dimensional tensor for argument "
                           "#2 'targets' (while checking arguments for ctc_loss_allocate_outputs)")
    if targets.shape[0] != total:
        raise RuntimeError(f"Expected tensor to have size {total} at dimension 0, but got size {targets.shape[0]} "
                           "for argument #2 'targets' (while checking arguments for ctc_loss_allocate_outputs)")
    width = int(target_lengths.max(initial=0))
    starts = np.cumsum(target_lengths) - target_lengths
    cols = np.arange(width)
    picks = np.minimum(starts[:, None] + cols, max(total - 1, 0))
    return targets[picks] if total else np.zeros((len(target_lengths), width), dtype=np.int64)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Tensor | tuple[int, ...] | list[int],
             target_lengths: Tensor | tuple[int, ...] | list[int], blank: int = 0, reduction: str = "mean",
             zero_infinity: bool = False) -> Tensor:
    """The connectionist temporal classification loss (Graves et al., 2006): the negative log-likelihood of each
    target sequence, summed over every alignment of it to the input frames.

    Args:
        log_probs: (T, N, C) or unbatched (T, C) log-probabilities (e.g. ``log_softmax`` outputs) of C classes,
            blank included, for T frames.
        targets: (N, S) targets padded to the longest, or 1-D: the N targets concatenated. Values are class
            indices, not the blank.
        input_lengths: the number of frames of each input, each at most T (a tensor or a tuple of ints).
        target_lengths: the length of each target (a tensor or a tuple of ints).
        blank: the blank class.
        reduction: ``'none'`` (per sequence), ``'sum'``, or ``'mean'`` (each loss divided by its target length,
            then averaged over the batch).
        zero_infinity: replace infinite losses (no alignment is possible) and their gradients with 0.
    """
    graph_break("ctc_loss (prepares its targets and lengths in NumPy)")
    op = "ctc_loss"
    reduction = reduction_mode(op, reduction)
    lp, tg = tensor_input(op, log_probs, "log_probs"), tensor_input(op, targets, "targets", 2)
    if lp._data.dtype not in (np.float32, np.float64):     # PyTorch's CPU kernel takes these two
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for '{torch_dtype_name(lp)}'")
    if lp.ndim not in (2, 3):
        raise RuntimeError(f"ctc_loss(): expected log_probs of shape (T, N, C) or unbatched (T, C), got shape "
                           f"{list(lp.shape)}")
    if lp._data.size == 0:
        raise RuntimeError("log_probs tensor must not be empty")
    unbatched = lp.ndim == 2
    if unbatched:       # the targets keep their form: 1-D ones are the one target, concatenated
        lp = lp.unsqueeze(1)
    steps, batch, classes = lp.shape
    if not 0 <= blank < classes:
        raise RuntimeError(f"blank must be in label range (got blank={blank} for {classes} classes)")
    in_len = _lengths("input_lengths", input_lengths, batch)
    tg_len = _lengths("target_lengths", target_lengths, batch)
    if in_len.size and in_len.max() > steps:
        raise RuntimeError(f"Expected input_lengths to have value at most {steps}, but got value {in_len.max()} "
                           "(while checking arguments for ctc_loss_allocate_outputs)")
    padded = _padded_targets(tg._data.astype(np.int64), tg_len)
    used = padded[np.arange(padded.shape[1]) < tg_len[:, None]]
    if used.size and (used.min() < 0 or used.max() >= classes):
        raise RuntimeError(f"ctc_loss(): target values must be class indices in [0, {classes}), got values in "
                           f"[{used.min()}, {used.max()}]")
    loss = CtcLoss.apply(lp, _extended_labels(padded, tg_len, blank), in_len, tg_len, blank, zero_infinity)
    if zero_infinity:
        loss = where(isinf(loss), loss.new_zeros(()), loss)
    if reduction == "mean":
        return (loss / Tensor._make(np.maximum(tg_len, 1).astype(lp._data.dtype))).mean()
    if reduction == "sum":
        return loss.sum()
    return loss.squeeze(0) if unbatched else loss

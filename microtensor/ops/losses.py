"""Loss functions (``nn.functional``'s losses), each with PyTorch's ``reduction`` ('mean', 'sum', 'none').

The pointwise losses (MSE, L1, smooth L1, Huber, binary cross entropy with and without logits, KL
divergence) are fused Functions that reduce inside forward. ``cross_entropy`` with class indices is one
fused Function (stable log_softmax, pick, weight, label smoothing, reduction); its backward is
``(softmax * Q - q) / normalizer * grad``, ``q`` the (smoothed, weighted) target distribution and ``Q``
its sum over the classes: the constant part folded with NumPy, the softmax recomputed as a Tensor op
under ``create_graph`` so that gradients of gradients work. The remaining losses (Poisson, margin,
embedding, triplet) are compositions of Tensor ops.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import GradMode
from microtensor.capture import Capture, record
from microtensor.dtypes import BFLOAT16, is_floating
from microtensor.ops.broadcasting import promote, promote_all, unbroadcast
from microtensor.ops.checks import floating_input, tensor_input
from microtensor.ops.elementwise import where
from microtensor.ops.float32_compute import in_float32
from microtensor.ops.softmax import log_softmax, softmax
from microtensor.ops.unary import log, log1p, sigmoid
from microtensor.tensor import Tensor

_REDUCTIONS = ("none", "mean", "sum")
_LEGACY_MEAN = ("elementwise_mean",)     # 'mean' before PyTorch 0.4.1; most losses still take it, with a warning
_ENUM = {0: "none", 1: "mean", 2: "sum"}   # the ints of torch's top-level forms (torch.kl_div(..., reduction=1))


# ----------------------------------------------------------------------------- shared helpers
def legacy_reduction(size_average: Any, reduce: Any) -> str:
    """The ``reduction`` that PyTorch's deprecated ``size_average``/``reduce`` pair means, with its deprecation
    warning (as ``torch.nn._reduction.legacy_get_string``): None counts as True; both true mean 'mean', a false
    ``size_average`` with ``reduce`` 'sum', a false ``reduce`` 'none'."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
                  UserWarning, stacklevel=2)
    return reduction


def _reduction(op: str, reduction: Any, size_average: Any = None, reduce: Any = None,
               valid: tuple[str, ...] = _REDUCTIONS + _LEGACY_MEAN) -> str:
    """``reduction`` checked against ``valid`` (PyTorch's integer enum accepted as well); either legacy flag
    given overrides it, as in PyTorch."""
    if size_average is not None or reduce is not None:
        return legacy_reduction(size_average, reduce)
    if type(reduction) is int and reduction in _ENUM:
        reduction = _ENUM[reduction]
    if reduction not in valid:
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction; expected one of "
                         + ", ".join(repr(v) for v in valid if v not in _LEGACY_MEAN))
    if reduction in _LEGACY_MEAN:
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
                      UserWarning, stacklevel=2)
        return "mean"
    return reduction


reduction_mode = _reduction     # the public name the loss modules outside this file validate ``reduction`` with


def _reduce(loss: np.ndarray, reduction: str) -> np.ndarray:
    """The elementwise ``loss`` summed, averaged (NaN when empty, as PyTorch) or kept."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return np.asarray(loss.sum(), dtype=loss.dtype)
    if not loss.size:
        return np.asarray(np.nan, dtype=loss.dtype)
    return np.asarray(loss.mean(), dtype=loss.dtype)


def _scale(grad: Tensor, reduction: str, n: int) -> Tensor:
    """The incoming gradient spread back over the elements a 'mean' averaged (none when there are none: the
    input's gradient is empty, and dividing by 0 would only warn)."""
    return grad / n if reduction == "mean" and n else grad


def _float_pair(op: str, input: Any, target: Any, mismatch: str = "warn") -> tuple[Tensor, Tensor]:
    """input and target promoted to a common floating dtype. Shapes that differ but broadcast warn (the regression
    losses, ``mismatch='warn'``), broadcast silently ('broadcast') or raise ('raise', the BCE losses), as each of
    PyTorch's losses does; unbroadcastable shapes raise naming both."""
    x, t = tensor_input(op, input), tensor_input(op, target, "target", 2)
    xs, ts = x._data.shape, t._data.shape
    if xs != ts:
        if mismatch == "raise":
            raise ValueError(f"{op}: target size {list(ts)} must be the same as input size {list(xs)}")
        try:
            np.broadcast_shapes(xs, ts)
        except ValueError:
            raise RuntimeError(f"{op}: the input of shape {list(xs)} and the target of shape {list(ts)} cannot be "
                               "broadcast together") from None
        if mismatch == "warn":
            warnings.warn(f"{op}: using a target size ({list(ts)}) that is different to the input size "
                          f"({list(xs)}). This will likely lead to incorrect results due to broadcasting. Please "
                          "ensure they have the same size.", UserWarning, stacklevel=3)
    return _promoted_floats(op, x, t)


def _promoted_floats(op: str, x: Tensor, t: Tensor) -> tuple[Tensor, Tensor]:
    """input and target promoted to their common dtype, which must be floating point."""
    x, t = promote(x, t)
    if not is_floating(x._data.dtype):
        raise RuntimeError(f"{op}: expected a floating point input and target, got {x.dtype.name}")
    return x, t


def _constant(op: str, name: str, value: Tensor | None, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray | None:
    """An optional weight as an array of the input's dtype that broadcasts to ``shape`` (it gets no gradient,
    as in PyTorch)."""
    if value is None:
        return None
    arr = tensor_input(op, value, name, 3)._data.astype(dtype, copy=False)
    try:
        fits = np.broadcast_shapes(arr.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"{op}: {name} of shape {list(arr.shape)} does not broadcast to the input's shape "
                           f"{list(shape)}")
    return arr


def _grads(ctx: Function, g: Tensor | None, gt: Tensor | None, sx: tuple[int, ...], st: tuple[int, ...]) -> tuple:
    """The two gradients of a (broadcasting) input/target loss, reduced to the input's and target's shapes."""
    need = ctx.needs_input_grad
    return (unbroadcast(g, sx) if need[0] and g is not None else None,
            unbroadcast(gt, st) if need[1] and gt is not None else None)


# ----------------------------------------------------------------------------- regression losses
class MSELoss(Function):
    """out = reduce((x - t) ** 2); d/dx = 2 (x - t), d/dt = -2 (x - t)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, t: np.ndarray, reduction: str) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(MSELoss.forward, ctx, x, t, reduction)
        ctx.save_for_backward(x, t)
        d = np.asarray(x - t)        # an array also for 0-d inputs, so that out= works
        ctx.reduction, ctx.n = reduction, d.size
        return _reduce(np.square(d, out=d), reduction)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        x, t = ctx.saved_tensors
        g = (x - t) * (_scale(grad, ctx.reduction, ctx.n) * 2)
        return _grads(ctx, g, -g if ctx.needs_input_grad[1] else None, x._data.shape, t._data.shape)


def mse_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
             reduction: str | int = "mean") -> Tensor:
    """The squared error (input - target) ** 2, averaged, summed or kept per element.

    Args:
        input: predictions.
        target: targets of the same shape (a different but broadcastable shape warns, as in PyTorch).
        reduction: 'mean' (default), 'sum' or 'none'.
    """
    r = _reduction("mse_loss", reduction, size_average, reduce)
    x, t = _float_pair("mse_loss", input, target)
    return MSELoss.apply(x, t, r)


class L1Loss(Function):
    """out = reduce(|x - t|); d/dx = sign(x - t) (0 where equal), a constant."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, t: np.ndarray, reduction: str) -> np.ndarray:
        d = np.asarray(x - t)
        ctx.save_for_backward(np.sign(d))    # not x or t: PyTorch's l1_loss saves only their difference
        ctx.reduction, ctx.n, ctx.shapes = reduction, d.size, (x.shape, t.shape)
        return _reduce(np.abs(d, out=d), reduction)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        sign, = ctx.saved_tensors
        g = sign * _scale(grad, ctx.reduction, ctx.n)
        return _grads(ctx, g, -g if ctx.needs_input_grad[1] else None, *ctx.shapes)


def l1_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
            reduction: str | int = "mean") -> Tensor:
    """The absolute error |input - target|, averaged, summed or kept per element.

    Args:
        input: predictions.
        target: targets of the same shape (a different but broadcastable shape warns, as in PyTorch).
        reduction: 'mean' (default), 'sum' or 'none'.
    """
    r = _reduction("l1_loss", reduction, size_average, reduce)
    x, t = _float_pair("l1_loss", input, target)
    return L1Loss.apply(x, t, r)


class HuberLoss(Function):
    """out = reduce(scale * (0.5 d**2 if |d| < delta else delta (|d| - 0.5 delta))), d = x - t.

    smooth_l1_loss(beta) is this with delta = beta and scale = 1 / beta.
    """
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, t: np.ndarray, delta: float, scale: float,
                reduction: str) -> np.ndarray:
        d = x - t
        a = np.abs(d)
        inner = a < delta
        loss = np.where(inner, (0.5 * scale) * d * d, (scale * delta) * (a - 0.5 * delta))
        ctx.save_for_backward(x, t)          # only these, as PyTorch: the masks are cheaper to recompute than keep
        ctx.delta, ctx.loss_scale = delta, scale
        ctx.reduction, ctx.n = reduction, d.size
        return _reduce(loss.astype(d.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        x, t = ctx.saved_tensors
        d = x - t
        dd = d._data
        delta, scale = ctx.delta, ctx.loss_scale
        inner = np.abs(dd) < delta
        # scale * (d inside, delta * sign(d) outside) = d * inside_scale + outside
        inside = Tensor._make(inner * np.asarray(scale, dd.dtype))
        outside = Tensor._make(np.where(inner, 0, (scale * delta) * np.sign(dd)).astype(dd.dtype, copy=False))
        g = (d * inside + outside) * _scale(grad, ctx.reduction, ctx.n)
        return _grads(ctx, g, -g if ctx.needs_input_grad[1] else None, x._data.shape, t._data.shape)


def huber_loss(input: Tensor, target: Tensor, reduction: str | int = "mean", delta: float = 1.0) -> Tensor:
    """0.5 (input - target) ** 2 where |input - target| < delta, else delta (|input - target| - 0.5 delta).

    Args:
        input: predictions.
        target: targets of the same shape (a different but broadcastable shape warns, as in PyTorch).
        reduction: 'mean' (default), 'sum' or 'none'.
        delta: where the loss turns from quadratic to linear (> 0).
    """
    r = _reduction("huber_loss", reduction)
    if not delta > 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, got delta={delta}")
    x, t = _float_pair("huber_loss", input, target)
    return HuberLoss.apply(x, t, float(delta), 1.0, r)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
                   reduction: str | int = "mean", beta: float = 1.0) -> Tensor:
    """0.5 (input - target) ** 2 / beta where |input - target| < beta, else |input - target| - 0.5 beta
    (the L1 loss when beta is 0).

    Args:
        input: predictions.
        target: targets of the same shape (a different but broadcastable shape warns, as in PyTorch).
        reduction: 'mean' (default), 'sum' or 'none'.
        beta: where the loss turns from quadratic to linear (>= 0).
    """
    r = _reduction("smooth_l1_loss", reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got beta={beta}")
    x, t = _float_pair("smooth_l1_loss", input, target)
    if beta == 0:
        return L1Loss.apply(x, t, r)
    return HuberLoss.apply(x, t, float(beta), 1.0 / beta, r)


# ----------------------------------------------------------------------------- binary cross entropy
class BinaryCrossEntropy(Function):
    """out = reduce(-w (t log x + (1 - t) log(1 - x))), each log clamped to >= -100 as PyTorch does."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, t: np.ndarray, w: np.ndarray | None, reduction: str) -> np.ndarray:
        ctx.save_for_backward(x, t, w)
        ctx.reduction, ctx.n = reduction, x.size
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        loss = log_1mx - t * (log_1mx - log_x)
        np.negative(loss, out=loss)
        if w is not None:
            loss = loss * w
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        x, t, w = ctx.saved_tensors
        g = _scale(grad, ctx.reduction, ctx.n)
        if w is not None:
            g = g * w
        gx = (x - t) / (x * (1 - x)).clamp_min(1e-12) * g if ctx.needs_input_grad[0] else None
        gt = (log1p(-x).clamp_min(-100) - log(x).clamp_min(-100)) * g if ctx.needs_input_grad[1] else None
        return gx, gt


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,
                         reduce: Any = None, reduction: str | int = "mean") -> Tensor:
    """-weight * (target * log(input) + (1 - target) * log(1 - input)), each log clamped to >= -100.

    Args:
        input: probabilities in [0, 1].
        target: targets in [0, 1] of the input's shape.
        weight: a rescaling weight broadcastable to the input's shape (it gets no gradient).
        reduction: 'mean' (default), 'sum' or 'none'.
    """
    r = _reduction("binary_cross_entropy", reduction, size_average, reduce)
    x, t = _float_pair("binary_cross_entropy", input, target, mismatch="raise")
    if x._data.size and not (x._data.min() >= 0 and x._data.max() <= 1):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1 "
                           "(apply sigmoid first, or use binary_cross_entropy_with_logits on the logits)")
    if t._data.size and not (t._data.min() >= 0 and t._data.max() <= 1):     # NaN fails too, as in PyTorch
        raise RuntimeError("binary_cross_entropy: all elements of target should be between 0 and 1, got values in "
                           f"[{t._data.min()}, {t._data.max()}]")
    w = _constant("binary_cross_entropy", "weight", weight, x._data.dtype, x._data.shape)
    return BinaryCrossEntropy.apply(x, t, w, r)


def _softplus_neg(x: np.ndarray) -> np.ndarray:
    """log(1 + exp(-x)), without overflow for inputs of any magnitude."""
    return np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))


class BinaryCrossEntropyWithLogits(Function):
    """out = reduce(w ((1 - t) x + (1 + (pw - 1) t) log(1 + exp(-x)))), the log-sum-exp form: stable
    for logits of any magnitude."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, t: np.ndarray, w: np.ndarray | None, pw: np.ndarray | None,
                reduction: str) -> np.ndarray:
        ctx.save_for_backward(x, t, w, pw)
        ctx.reduction, ctx.n = reduction, x.size
        sp = _softplus_neg(x)
        if pw is not None:
            sp *= 1 + (pw - 1) * t
        loss = (1 - t) * x
        loss += sp
        if w is not None:
            loss = loss * w
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        x, t, w, pw = ctx.saved_tensors
        g = _scale(grad, ctx.reduction, ctx.n)
        if w is not None:
            g = g * w
        gx = gt = None
        if ctx.needs_input_grad[0]:
            if pw is None:
                gx = (sigmoid(x) - t) * g
            else:   # (1 - t) - (1 + (pw - 1) t) sigmoid(-x)
                gx = ((1 + (pw - 1) * t) * (sigmoid(x) - 1) + 1 - t) * g
        if ctx.needs_input_grad[1]:
            gt = -x * g
            if pw is not None:
                softplus_neg = (-x).relu() + log1p((-x.abs()).exp())
                gt = gt + (pw - 1) * softplus_neg * g
        return gx, gt


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average: Any = None, reduce: Any = None, reduction: str | int = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross entropy of sigmoid(input), computed from the logits without overflow:
    weight * ((1 - target) * input + (1 + (pos_weight - 1) * target) * log(1 + exp(-input))).

    Args:
        input: logits (any magnitude).
        target: targets in [0, 1] of the input's shape.
        weight: a rescaling weight broadcastable to the input's shape (it gets no gradient).
        reduction: 'mean' (default), 'sum' or 'none'.
        pos_weight: the weight of positive examples, broadcast along the input (usually one per class, the
            last dimension); it gets no gradient.
    """
    op = "binary_cross_entropy_with_logits"
    r = _reduction(op, reduction, size_average, reduce)
    x, t = _float_pair(op, input, target, mismatch="raise")
    w = _constant(op, "weight", weight, x._data.dtype, x._data.shape)
    pw = _constant(op, "pos_weight", pos_weight, x._data.dtype, x._data.shape)
    return BinaryCrossEntropyWithLogits.apply(x, t, w, pw, r)


# ----------------------------------------------------------------------------- KL divergence
class KLDiv(Function):
    """out = reduce(t (log t - x)) (0 where t = 0), or exp(t) (t - x) for log targets."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, t: np.ndarray, log_target: bool, reduction: str,
                divisor: int) -> np.ndarray:
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, t)   # x only for t's gradient
        ctx.log_target, ctx.reduction, ctx.divisor = log_target, reduction, divisor
        ctx.shapes = x.shape, t.shape
        ctx.shape = np.broadcast_shapes(x.shape, t.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            if log_target:
                loss = np.exp(t) * (t - x)
            else:
                loss = (np.where(t > 0, t * np.log(t), 0) - t * x).astype(x.dtype, copy=False)
            if reduction == "none":
                return loss
            total = np.asarray(loss.sum(), dtype=loss.dtype)
            return total / divisor if divisor != 1 else total       # NaN for an empty batch (divisor 0)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        x, t = ctx.saved_tensors
        g = _scale(grad, "mean", ctx.divisor) if ctx.divisor != 1 else grad
        if ctx.log_target:
            et = t.exp()
            gx = -et * g if ctx.needs_input_grad[0] else None
            gt = et * (t - x + 1) * g if ctx.needs_input_grad[1] else None
        else:
            gx = -t * g if ctx.needs_input_grad[0] else None
            gt = None
            if ctx.needs_input_grad[1]:
                # d/dt of t log t is log t + 1, taken as 0 where t = 0 (PyTorch's is NaN there)
                positive = t._data > 0
                gt = where(positive, log(where(positive, t, 1)) + 1 - x, 0) * g
        if gx is not None and gx._data.shape != ctx.shape:     # -t * g lacks the dims only x has
            gx = gx.expand(ctx.shape)
        return _grads(ctx, gx, gt, *ctx.shapes)


def kl_div(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None, reduction: str | int = "mean",
           log_target: bool = False) -> Tensor:
    """The Kullback-Leibler divergence target * (log(target) - input), ``input`` given as log-probabilities.

    Args:
        input: log-probabilities.
        target: probabilities (log-probabilities with ``log_target=True``), broadcastable with the input.
        reduction: 'mean' (the mean over all elements, with PyTorch's warning), 'batchmean' (the sum divided
            by the batch size, the true KL divergence), 'sum' or 'none'.
        log_target: whether ``target`` holds log-probabilities.
    """
    r = _reduction("kl_div", reduction, size_average, reduce, _REDUCTIONS + _LEGACY_MEAN + ("batchmean",))
    x, t = _promoted_floats("kl_div", tensor_input("kl_div", input),
                            tensor_input("kl_div", target, "target", 2))
    try:
        n = int(np.prod(np.broadcast_shapes(x._data.shape, t._data.shape)))
    except ValueError:
        raise RuntimeError(f"kl_div: the input of shape {list(x.shape)} and the target of shape {list(t.shape)} "
                           "cannot be broadcast together") from None
    if reduction == "mean" and size_average is None and reduce is None:     # as PyTorch: not for the legacy forms
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size. "
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition. "
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    if r == "mean":
        divisor = n
    elif r == "batchmean":
        divisor = x._data.shape[0] if x._data.ndim else 1
    else:
        divisor = 1
    return KLDiv.apply(x, t, bool(log_target), r, divisor)


# ----------------------------------------------------------------------------- class-index losses
def _class_setup(op: str, input: Any, target: Any, weight: Any, ignore_index: int) -> tuple:
    """Check an (N, C, d1, ...) input, its (N, d1, ...) int64 class-index target and the class weights.

    Returns the class axis, the target with ignored entries set to class 0, the validity mask (None when no
    target is ignored), the weight array (or None) and the per-target weights (None when they are all 1).
    """
    x = input
    if x._data.ndim == 0:
        raise ValueError(f"{op}: expected an input of shape (C) or (N, C, d1, ...) with the classes in dimension "
                         "1, got a 0-d tensor")
    t = target._data
    ax = 0 if x._data.ndim == 1 else 1
    shape = x._data.shape
    n_classes = shape[ax]
    expected = shape[:ax] + shape[ax + 1:]
    if t.shape != expected:
        raise ValueError(f"{op}: expected a target of shape {list(expected)} for the input of shape {list(shape)} "
                         f"(the class dimension {ax} removed), got a target of shape {list(t.shape)}")
    in_range = not t.size or (t.min() >= 0 and t.max() < n_classes)
    # the short path depends on the targets' values, which a compiled step's replay does not re-check
    if in_range and not (0 <= ignore_index < n_classes and (t == ignore_index).any()) and Capture.tracer is None:
        safe, valid = t, None       # the common case: every target a class, none ignored
    else:
        valid = record(np.not_equal, t, ignore_index)
        safe = record(np.where, valid, t, 0)
        out = (safe < 0) | (safe >= n_classes)
        if out.any():
            raise IndexError(f"{op}: Target {safe[out].flat[0]} is out of bounds: the input has {n_classes} "
                             f"classes, so a target is an index in [0, {n_classes - 1}] or "
                             f"ignore_index={ignore_index}")
        if valid.all() and Capture.tracer is None:
            valid = None
    w = None
    if weight is not None:
        w = tensor_input(op, weight, "weight", 3)._data
        if w.shape != (n_classes,):
            raise RuntimeError(f"{op}: weight tensor should be defined either for all {n_classes} classes or no "
                               f"classes but got weight tensor of shape: {list(w.shape)}")
        w = record(np.asarray, w, x._data.dtype)
    wt = None if w is None and valid is None else record(_target_weights, w, safe, valid, x._data.dtype)
    return ax, safe, valid, w, wt


def _target_weights(w: np.ndarray | None, safe: np.ndarray, valid: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
    """Each target's class weight (1 without ``w``), 0 where ``valid`` says it is ignored."""
    wt = None if w is None else w[safe]
    if valid is not None:
        wt = valid.astype(dtype) if wt is None else wt * valid
    assert wt is not None
    return wt


def _gather(a: np.ndarray, target: np.ndarray, ax: int) -> np.ndarray:
    """a[n, target[n, ...], ...]: each target's entry along the class axis."""
    if a.ndim == 2:      # the common (N, C) case: plain fancy indexing is the cheapest
        return a[np.arange(a.shape[0]), target]
    if a.ndim == 1:
        return np.asarray(a[target])
    return np.take_along_axis(a, np.expand_dims(target, ax), ax).squeeze(ax)


def _scatter_add(out: np.ndarray, target: np.ndarray, ax: int, values: Any) -> None:
    """out[n, target[n, ...], ...] += values (one entry per target, so no index repeats)."""
    if out.ndim == 2:
        out[np.arange(out.shape[0]), target] += values
    elif out.ndim == 1:
        out[target] += values
    else:
        idx = np.expand_dims(target, ax)
        values = np.expand_dims(values, ax) if np.ndim(values) else values
        np.put_along_axis(out, idx, np.take_along_axis(out, idx, ax) + values, ax)


def _picked_reduce(ctx: Function, loss: np.ndarray, wt: np.ndarray | None, reduction: str) -> np.ndarray:
    """Reduce a per-target loss; 'mean' divides by the summed weights of the targets not ignored (NaN when
    every target is ignored, as PyTorch). Keeps on ctx the factor backward scales by: 1 / normalizer, or 1
    when the normalizer is 0 (every target ignored: the coefficients are all 0, and so is PyTorch's gradient)."""
    ctx.reduction, ctx.scale = reduction, 1.0
    if reduction == "none":
        return loss
    total = np.asarray(loss.sum(), dtype=loss.dtype)
    if reduction == "sum":
        return total
    norm = float(wt.sum()) if wt is not None else loss.size
    if norm:
        ctx.scale = 1.0 / norm
    with np.errstate(divide="ignore", invalid="ignore"):
        return (total / norm).astype(loss.dtype, copy=False)


def _times_grad(ctx: Function, coeff: Tensor, grad: Tensor, ax: int) -> Tensor:
    """coeff * the incoming gradient, which 'none' gives per target (broadcast along the class axis)."""
    return coeff * (grad.unsqueeze(ax) if ctx.reduction == "none" else grad)


class NLLLoss(Function):
    """out = reduce(-w[t] x[t]) along the class axis; the gradient is a constant scatter of -w[t]."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, target: np.ndarray, ax: int, wt: np.ndarray | None,
                reduction: str) -> np.ndarray:
        ctx.save_for_backward(target, wt)
        ctx.ax, ctx.shape, ctx.dtype = ax, x.shape, x.dtype
        loss = -_gather(x, target, ax)
        if wt is not None:
            loss *= wt
        return _picked_reduce(ctx, loss, wt, reduction)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        target, wt = ctx.saved_tensors
        coeff = np.zeros(ctx.shape, ctx.dtype)
        _scatter_add(coeff, target._data, ctx.ax, -ctx.scale if wt is None else wt._data * -ctx.scale)
        return _times_grad(ctx, Tensor._make(coeff), grad, ctx.ax), None


def _index_dtype_error(op: str, input: Tensor, target: Tensor, probabilities: bool = True) -> None:
    t = target._data
    ok = t.dtype == np.int64 or (probabilities and is_floating(t.dtype) and t.shape == input._data.shape)
    if not ok:
        what = ("int64 (class indices) or floating point (probabilities) with the input's shape" if probabilities
                else "int64 (class indices)")
        raise RuntimeError(f"{op}: expected target of dtype {what}, got {target.dtype.name} of shape "
                           f"{list(t.shape)} (input of shape {list(input._data.shape)})")


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,
             ignore_index: int = -100, reduce: Any = None, reduction: str | int = "mean") -> Tensor:
    """The negative log likelihood -weight[target] * input[target] along the class dimension.

    Args:
        input: log-probabilities of shape (C), (N, C) or (N, C, d1, ...).
        target: int64 class indices of shape (), (N) or (N, d1, ...).
        weight: one weight per class (it gets no gradient).
        ignore_index: a target value that contributes nothing (neither loss nor gradient).
        reduction: 'mean' (divides by the summed weights of the targets not ignored), 'sum' or 'none'.
    """
    r = _reduction("nll_loss", reduction, size_average, reduce)
    x = floating_input("nll_loss", input)
    target = tensor_input("nll_loss", target, "target", 2)
    _index_dtype_error("nll_loss", x, target, probabilities=False)
    ax, safe, _, _, wt = _class_setup("nll_loss", x, target, weight, ignore_index)
    return NLLLoss.apply(x, safe, ax, wt, r)


class CrossEntropy(Function):
    """Class-index cross entropy: stable log_softmax along the class axis, pick the target, weight, smooth
    and reduce, in one node. Per target, loss = -sum_c q_c log p_c with q the target distribution
    ((1 - eps) w[t] at the target, plus eps/C w_c everywhere), so d/dx = p * sum_c q_c - q."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, target: np.ndarray, ax: int, valid: np.ndarray | None,
                w: np.ndarray | None, wt: np.ndarray | None, reduction: str, eps: float) -> np.ndarray:
        shifted = x - x.max(axis=ax, keepdims=True)
        p = np.exp(shifted)
        s = p.sum(axis=ax, keepdims=True)
        logp = shifted
        logp -= np.log(s)
        p /= s
        loss = -_gather(logp, target, ax)
        if wt is not None:
            loss *= wt
        if eps:
            n_classes = x.shape[ax]
            smooth = -(logp.sum(ax) if w is None else np.tensordot(logp, w, axes=([ax], [0])))
            if valid is not None:
                smooth *= valid
            loss = (1 - eps) * loss + (eps / n_classes) * smooth
        ctx.save_for_backward(x, p, target, valid, w, wt)
        ctx.ax, ctx.eps = ax, eps
        return _picked_reduce(ctx, np.asarray(loss, dtype=x.dtype), wt, reduction)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        x, p, target, valid, w, wt = ctx.saved_tensors
        ax, eps, scale = ctx.ax, ctx.eps, ctx.scale
        pd, t = p._data, target._data
        if not eps and w is None and valid is None and not GradMode.enabled:
            d = pd.copy()                     # the common case: (softmax - onehot) / N
            _scatter_add(d, t, ax, -1.0)
            if scale != 1:
                d *= scale
            return _times_grad(ctx, Tensor._make(d), grad, ax), None
        n_classes = pd.shape[ax]
        if eps:
            spread = eps / n_classes if w is None else (eps / n_classes) * w._data.reshape(
                (n_classes,) + (1,) * (pd.ndim - ax - 1))
            q = np.broadcast_to(np.asarray(spread, pd.dtype), pd.shape).copy()
        else:
            q = np.zeros_like(pd)
        _scatter_add(q, t, ax, 1 - eps if wt is None else (1 - eps) * wt._data)
        mask = None if valid is None else np.expand_dims(valid._data, ax)
        if mask is not None:
            q *= mask
        # Q = sum_c q_c: 1 per valid target without weights, else (1 - eps) w[t] + eps/C sum(w)
        total = mask if w is None else q.sum(axis=ax, keepdims=True)
        if GradMode.enabled:      # create_graph: the softmax must be differentiable in x
            p = softmax(x, ax)
            d = (p if total is None else p * Tensor._make(total.astype(pd.dtype))) - Tensor._make(q)
            return _times_grad(ctx, d * scale if scale != 1 else d, grad, ax), None
        d = pd * total if total is not None else pd.copy()
        d -= q
        if scale != 1:
            d *= scale
        return _times_grad(ctx, Tensor._make(d), grad, ax), None


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,
                  ignore_index: int = -100, reduce: Any = None, reduction: str | int = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """The cross entropy between softmax(input) along dimension 1 (0 for a 1-D input) and the target.

    Args:
        input: unnormalized logits of shape (C), (N, C) or (N, C, d1, ...).
        target: int64 class indices of shape (), (N) or (N, d1, ...), or floating-point class probabilities
            of the input's shape.
        weight: one weight per class (it gets no gradient).
        ignore_index: a class-index target value that contributes nothing (neither loss nor gradient).
        reduction: 'mean' (for class indices: divides by the summed weights of the targets not ignored; for
            probabilities: by the number of targets), 'sum' or 'none'.
        label_smoothing: in [0, 1]: the target becomes (1 - label_smoothing) target + label_smoothing / C.
    """
    op = "cross_entropy"
    r = _reduction(op, reduction, size_average, reduce)
    x = floating_input(op, input)
    target = tensor_input(op, target, "target", 2)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"{op}: label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    _index_dtype_error(op, x, target)
    if target._data.dtype == np.int64:
        ax, safe, valid, w, wt = _class_setup(op, x, target, weight, ignore_index)
        return CrossEntropy.apply(x, safe, ax, valid, w, wt, r, float(label_smoothing))
    if ignore_index >= 0:      # PyTorch's check: a negative ignore_index (the default -100) is let through
        raise RuntimeError(f"{op}: ignore_index is not supported for floating point target (class probabilities), "
                           f"got ignore_index={ignore_index}")
    return _cross_entropy_probabilities(x, target, weight, r, float(label_smoothing))


def _cross_entropy_probabilities(x: Tensor, target: Tensor, weight: Tensor | None, reduction: str,
                                 eps: float) -> Tensor:
    """-sum_c weight_c target_c log_softmax(input)_c, composed of Tensor ops (the target gets a gradient)."""
    x, target = promote(x, target)
    ax = 0 if x._data.ndim == 1 else 1
    n_classes = x._data.shape[ax]
    if eps:
        target = target * (1 - eps) + eps / n_classes
    logp = log_softmax(x, ax)
    if weight is not None:
        w = tensor_input("cross_entropy", weight, "weight", 3)._data
        if w.shape != (n_classes,):
            raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {n_classes} classes "
                               f"or no classes but got weight tensor of shape: {list(w.shape)}")
        logp = logp * Tensor._make(w.astype(x._data.dtype).reshape((n_classes,) + (1,) * (x._data.ndim - ax - 1)))
    loss = -(logp * target).sum(ax)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    count = x._data.size // n_classes if n_classes else 0
    return loss.sum() / count if count else loss.sum() * float("nan")


# ----------------------------------------------------------------------------- composed losses
def _reduce_tensor(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


reduce_loss = _reduce_tensor     # the public name the composed losses outside this file reduce with


def _softplus(x: Tensor) -> Tensor:
    """log(1 + exp(x)) without overflow, as Tensor ops (differentiable to any order)."""
    return x.relu() + log1p((-x.abs()).exp())


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average: Any = None, eps: float = 1e-8, reduce: Any = None,
                     reduction: str | int = "mean") -> Tensor:
    """The Poisson negative log likelihood: exp(input) - target * input (``log_input``), else
    input - target * log(input + eps); ``full`` adds Stirling's term for targets > 1.

    Args:
        input: the log of the rate (``log_input=True``) or the rate.
        target: counts, broadcastable with the input.
        log_input: whether ``input`` is the log of the rate.
        full: add target * log(target) - target + 0.5 log(2 pi target) where target > 1.
        eps: keeps log(input + eps) finite when ``log_input`` is False.
        reduction: 'mean' (default), 'sum' or 'none'.
    """
    r = _reduction("poisson_nll_loss", reduction, size_average, reduce, _REDUCTIONS)
    x, t = _float_pair("poisson_nll_loss", input, target, mismatch="broadcast")
    loss = x.exp() - t * x if log_input else x - t * log(x + eps)
    if full:
        big = t._data > 1
        safe = where(big, t, 1)
        loss = loss + where(big, safe * log(safe) - safe + 0.5 * log(2 * np.pi * safe), 0)
    return _reduce_tensor(loss, r)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average: Any = None, reduce: Any = None, reduction: str | int = "mean") -> Tensor:
    """max(0, -target * (input1 - input2) + margin): input1 should rank above input2 where target is 1,
    below where it is -1.

    Args:
        input1, input2: scores, broadcastable with the target.
        target: 1 or -1 per pair.
        margin: the required gap.
        reduction: 'mean' (default), 'sum' or 'none'.
    """
    r = _reduction("margin_ranking_loss", reduction, size_average, reduce)
    a, b = _float_pair("margin_ranking_loss", input1, input2, mismatch="broadcast")
    target = tensor_input("margin_ranking_loss", target, "target", 3)
    if not a.ndim == b.ndim == target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {list(a.shape)}, input2: {list(b.shape)}, target: {list(target.shape)}")
    return _reduce_tensor((-target * (a - b) + margin).relu(), r)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average: Any = None,
                         reduce: Any = None, reduction: str | int = "mean") -> Tensor:
    """input where target is 1, max(0, margin - input) where target is -1 (as PyTorch: the first term
    applies where target != -1, the second where target != 1).

    Args:
        input: distances.
        target: 1 or -1 per element, broadcastable with the input.
        margin: the margin of dissimilar pairs.
        reduction: 'mean' (default), 'sum' or 'none'.
    """
    r = _reduction("hinge_embedding_loss", reduction, size_average, reduce)
    x, t = _float_pair("hinge_embedding_loss", input, target, mismatch="broadcast")
    loss = where(t != 1, (margin - x).relu(), 0) + where(t != -1, x, 0)
    return _reduce_tensor(loss, r)


def soft_margin_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
                     reduction: str | int = "mean") -> Tensor:
    """log(1 + exp(-target * input)), the two-class logistic loss with targets 1 and -1.

    Args:
        input: scores.
        target: 1 or -1 per element, broadcastable with the input.
        reduction: 'mean' (default), 'sum' or 'none'.
    """
    r = _reduction("soft_margin_loss", reduction, size_average, reduce)
    x, t = _float_pair("soft_margin_loss", input, target, mismatch="broadcast")
    return _reduce_tensor(_softplus(-t * x), r)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average: Any = None, reduce: Any = None, reduction: str | int = "mean") -> Tensor:
    """Per sample, the mean over the C classes of the binary cross entropy of sigmoid(input) and the
    0/1 target, stable for logits of any magnitude.

    Args:
        input: logits of shape (N, C) or (C).
        target: 0/1 labels of the input's shape.
        weight: a per-class weight broadcastable to the input's shape (it gets no gradient).
        reduction: 'mean' (default), 'sum' or 'none' (one loss per sample).
    """
    op = "multilabel_soft_margin_loss"
    r = _reduction(op, reduction, size_average, reduce, _REDUCTIONS)
    x, t = _float_pair(op, input, target, mismatch="broadcast")
    loss = t * _softplus(-x) + (1 - t) * _softplus(x)
    w = _constant(op, "weight", weight, x._data.dtype, x._data.shape)
    if w is not None:
        loss = loss * Tensor._make(w)
    return _reduce_tensor(loss.sum(-1) / x._data.shape[-1], r)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average: Any = None, reduce: Any = None, reduction: str | int = "mean") -> Tensor:
    """1 - cos(input1, input2) where target is 1, max(0, cos(input1, input2) - margin) where it is -1;
    the cosine along the last dimension.

    Args:
        input1, input2: embeddings of shape (N, D) or (D).
        target: 1 or -1 per pair, of shape (N) or ().
        margin: in [-1, 1].
        reduction: 'mean' (default), 'sum' or 'none'.
    """
    r = _reduction("cosine_embedding_loss", reduction, size_average, reduce)
    a, b = _float_pair("cosine_embedding_loss", input1, input2, mismatch="raise")
    dim = a._data.ndim - 1
    denom = (((a * a).sum(dim) + 1e-12) * ((b * b).sum(dim) + 1e-12)).sqrt()
    cos = (a * b).sum(dim) / denom
    t = tensor_input("cosine_embedding_loss", target, "target", 3)
    td = t._data
    if td.shape != cos._data.shape:
        raise RuntimeError(f"cosine_embedding_loss: expected a target of shape {list(cos._data.shape)} for inputs of "
                           f"shape {list(a._data.shape)}, got {list(td.shape)}")
    loss = where(t == 1, 1 - cos, 0) + where(t == -1, (cos - margin).relu(), 0)
    return _reduce_tensor(loss, r)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average: Any = None, reduce: Any = None,
                        reduction: str | int = "mean") -> Tensor:
    """max(0, margin + d(anchor, positive) - d(anchor, negative)), d(x, y) = ||x - y + eps||_p along the
    last dimension; ``swap`` uses min(d(anchor, negative), d(positive, negative)).

    Args:
        anchor, positive, negative: embeddings of shape (N, D) or (D).
        margin: the required gap.
        p: the norm degree.
        eps: added to the differences (keeps the norm differentiable at 0).
        swap: the distance swap of Balntas et al.
        reduction: 'mean' (default), 'sum' or 'none'.
    """
    op = "triplet_margin_loss"
    r = _reduction(op, reduction, size_average, reduce)
    a, pos, neg = promote_all(tensor_input(op, anchor, "anchor", 1), tensor_input(op, positive, "positive", 2),
                              tensor_input(op, negative, "negative", 3))
    if not is_floating(a._data.dtype):
        raise RuntimeError(f"{op}: expected floating point embeddings, got {a.dtype.name}")

    def distance(x: Tensor, y: Tensor) -> Tensor:
        return (x - y + eps).norm(p, dim=-1)

    d_pos, d_neg = distance(a, pos), distance(a, neg)
    if swap:
        d_neg = d_neg.minimum(distance(pos, neg))
    return _reduce_tensor((margin + d_pos - d_neg).relu(), r)

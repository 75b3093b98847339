"""Normalization for nn.functional: batch, instance, layer and group norm, one fused Function for all four;
``normalize``, which divides vectors by their p-norm."""
from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import GradMode
from microtensor.capture import record
from microtensor.dtypes import BFLOAT16
from microtensor.ops.broadcasting import unbroadcast
from microtensor.ops.checks import floating_input
from microtensor.ops.float32_compute import in_float32
from microtensor.tensor import Tensor


class Normalize(Function):
    """out = (x - mean) / sqrt(var + eps) * weight + bias: the statistics over ``axes`` of x (batch, layer, group
    and instance norm in training), or given as ``stats`` (batch norm in evaluation); weight and bias (or None)
    are reshaped to ``param_shape``, which broadcasts against x. ``on_stats(mean, var)`` receives the batch
    statistics (to update running averages)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None,
                axes: tuple[int, ...], param_shape: tuple[int, ...], eps: float,
                stats: tuple[np.ndarray, np.ndarray] | None = None,
                on_stats: Callable[[np.ndarray, np.ndarray], None] | None = None) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Normalize.forward, ctx, x, weight, bias, axes, param_shape, eps, stats, on_stats)
        if stats is None:
            mean = x.mean(axis=axes, keepdims=True)
            xhat = x - mean
            out = np.square(xhat)                # the output's memory serves for the squares first
            var = out.mean(axis=axes, keepdims=True)
            if on_stats is not None:
                on_stats(mean, var)
        else:
            mean, var = stats
            xhat = x - mean
            out = np.empty_like(xhat)
        invstd = 1 / np.sqrt(var + eps)
        xhat *= invstd
        ctx.axes, ctx.param_shape, ctx.eps, ctx.fixed = axes, param_shape, eps, stats is not None
        ctx.bias_shape = None if bias is None else bias.shape
        ctx.save_for_backward(x, weight, xhat, invstd, mean)
        if weight is not None:
            np.multiply(xhat, weight.reshape(param_shape), out=out)
        else:
            np.copyto(out, xhat)
        if bias is not None:
            out += bias.reshape(param_shape)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, weight, xhat, invstd, mean = ctx.saved_tensors
        axes, shape = ctx.axes, ctx.param_shape
        lead = x._data.ndim - len(shape)
        if not GradMode.enabled and all(a < lead or shape[a - lead] == 1 for a in axes):
            return _grads_per_channel(ctx, grad._data, xhat._data, invstd._data,
                                      None if weight is None else weight._data)
        if GradMode.enabled:
            # create_graph: the normalized input as a differentiable function of x, so that the formulas below
            # have the right derivatives; otherwise the saved constants are exact and cheaper.
            if not ctx.fixed:
                centered = x - x.mean(axes, keepdim=True)
                invstd = ((centered * centered).mean(axes, keepdim=True) + ctx.eps).rsqrt()
                xhat = centered * invstd
            else:
                xhat = (x - mean) * invstd
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            g = grad * weight.reshape(shape) if weight is not None else grad
            if ctx.fixed:
                gx = g * invstd
            else:
                gx = (g - g.mean(axes, keepdim=True) - xhat * (g * xhat).mean(axes, keepdim=True)) * invstd
        if ctx.needs_input_grad[1]:
            gw = unbroadcast(grad * xhat, shape).reshape(weight.shape)
        if ctx.needs_input_grad[2]:
            gb = unbroadcast(grad, shape).reshape(ctx.bias_shape)
        return gx, gw, gb


def _grads_per_channel(ctx: Function, grad: np.ndarray, xhat: np.ndarray, invstd: np.ndarray,
                       weight: np.ndarray | None) -> tuple[Tensor | None, ...]:
    """Normalize's gradients when the weight is constant along the normalized axes (batch and instance norm;
    none is recorded): the formulas of ``Normalize.backward`` with w taken out of the means,
    gx = w * invstd * (grad - mean(grad) - xhat * mean(grad * xhat)), and both means being the bias and weight
    gradients' sums, so that NumPy makes four passes over x for gx and two reductions instead of a dozen."""
    axes, shape, need = ctx.axes, ctx.param_shape, ctx.needs_input_grad
    n = math.prod(grad.shape[a] for a in axes)
    prod = grad_sum = prod_sum = None
    if need[1] or (need[0] and not ctx.fixed):
        prod = np.multiply(grad, xhat)
        prod_sum = prod.sum(axis=axes, keepdims=True)
    if need[2] or (need[0] and not ctx.fixed):
        grad_sum = grad.sum(axis=axes, keepdims=True)
    gx = gw = gb = None
    if need[0]:
        scale = invstd if weight is None else invstd * weight.reshape(shape)
        if ctx.fixed:
            gx = grad * scale
        else:
            gx = np.multiply(xhat, prod_sum / n, out=prod)      # prod is summed already: its memory is free
            np.subtract(grad, gx, out=gx)
            gx -= grad_sum / n
            gx *= scale
        gx = Tensor._make(gx)
    if need[1]:
        assert weight is not None and prod_sum is not None   # a weight that needs a gradient was given
        gw = unbroadcast(Tensor._make(prod_sum), shape).reshape(weight.shape)
    if need[2]:
        assert grad_sum is not None
        gb = unbroadcast(Tensor._make(grad_sum), shape).reshape(ctx.bias_shape)
    return gx, gw, gb


def _normalize(x: Tensor, weight: Tensor | None, bias: Tensor | None, axes: tuple[int, ...],
               param_shape: tuple[int, ...], eps: float, stats: tuple[np.ndarray, np.ndarray] | None = None,
               on_stats: Callable[[np.ndarray, np.ndarray], None] | None = None) -> Tensor:
    """``Normalize.apply``; an empty input has no statistics to take (running ones stay as they are), so only
    the affine part applies, as in PyTorch: an empty output whose weight and bias gradients are 0."""
    if x._data.size:
        return Normalize.apply(x, weight, bias, axes, param_shape, eps, stats, on_stats)
    out = x * (1.0 if weight is None else weight.reshape(param_shape))
    return out if bias is None else out + bias.reshape(param_shape)


def _check_param(op: str, name: str, t: Tensor | None, shape: tuple[int, ...], x: Tensor, what: str) -> None:
    if t is None:
        return
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}(): {name} must be a Tensor or None, not {type(t).__name__}")
    if tuple(t.shape) != shape:
        raise RuntimeError(f"{op}(): {name} should have shape {list(shape)} ({what} of the input of shape "
                           f"{list(x.shape)}), but got shape {list(t.shape)}")
    if t._data.dtype != x._data.dtype and name in ("weight", "bias"):
        raise RuntimeError(f"{op}(): expected {name} to have the input's dtype {x.dtype.name}, got {t.dtype.name}")


def _channel_layout(op: str, x: Tensor) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    """The channel count of an (N, C, *) input, the axes other than C, and the shape a per-channel vector takes."""
    if x.ndim < 2:
        raise ValueError(f"{op}(): expected an input of shape (N, C) or (N, C, *), got an input of shape "
                         f"{list(x.shape)}")
    return x.shape[1], (0,) + tuple(range(2, x.ndim)), (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _running_update(running_mean: Tensor | None, running_var: Tensor | None, momentum: float, count: int,
                    batch_axis: bool) -> Callable[[np.ndarray, np.ndarray], None]:
    """The ``on_stats`` callback that moves the running statistics towards the batch's mean and unbiased
    variance by ``momentum``, in place (instance norm averages the per-instance statistics over the batch)."""
    def update(mean: np.ndarray, var: np.ndarray) -> None:
        if batch_axis:
            mean, var = mean.mean(axis=0), var.mean(axis=0)
        for t, stat in ((running_mean, mean), (running_var, var * (count / (count - 1)))):
            if t is not None:
                data = t._data
                data *= 1 - momentum
                data += (stat * momentum).reshape(data.shape)
                t._vc[0] += 1
    return update


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalization over every dim but the channels (dim 1) of an (N, C) or (N, C, *) input.

    In training the batch's mean and (biased) variance normalize the input, and the running statistics (when
    given) move towards the batch mean and the *unbiased* batch variance in place:
    ``running = (1 - momentum) * running + momentum * batch``. In evaluation the running statistics normalize.

    Args:
        input: (N, C) or (N, C, L) or (N, C, H, W), ...
        running_mean, running_var: (C,) buffers, or None (training only).
        weight, bias: the (C,) affine parameters, or None.
        training: use the batch statistics (and update the running ones).
        momentum: the update factor of the running statistics (a number; a cumulative average is the caller's
            choice of factor).
        eps: added to the variance for stability.
    """
    x = floating_input("batch_norm", input)
    c, axes, shape = _channel_layout("batch_norm", x)
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        _check_param("batch_norm", name, t, (c,), x, "one value per channel")
    if training:
        count = x.shape[0] * math.prod(x.shape[2:])
        if count == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {list(x.shape)}")
        if not isinstance(momentum, numbers.Real):
            raise TypeError(f"batch_norm(): argument 'momentum' must be float, not {type(momentum).__name__}")
        update = None
        if running_mean is not None or running_var is not None:
            update = _running_update(running_mean, running_var, float(momentum), count, False)
        return _normalize(x, weight, bias, axes, shape, eps, None, update)
    if running_mean is None or running_var is None:
        raise RuntimeError("batch_norm(): running_mean and running_var must be defined in evaluation mode "
                           "(training=False)")
    stats = (record(_as_statistic, running_mean._data, shape, x._data.dtype),
             record(_as_statistic, running_var._data, shape, x._data.dtype))
    return _normalize(x, weight, bias, axes, shape, eps, stats)


def _as_statistic(running: np.ndarray, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A running statistic shaped to broadcast against the input, in its dtype."""
    return running.reshape(shape).astype(dtype, copy=False)


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel of each sample of an (N, C, *) input over its own spatial positions.

    Args:
        running_mean, running_var: (C,) buffers updated (in place, with the batch average of the per-instance
            statistics) when ``use_input_stats``; they normalize when it is False.
        weight, bias: the (C,) affine parameters, or None.
        use_input_stats: normalize with each instance's statistics.
        momentum, eps: as in ``batch_norm``.
    """
    x = floating_input("instance_norm", input)
    c, _, shape = _channel_layout("instance_norm", x)
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        _check_param("instance_norm", name, t, (c,), x, "one value per channel")
    if not use_input_stats:
        return batch_norm(x, running_mean, running_var, weight, bias, False, momentum, eps)
    count = math.prod(x.shape[2:])
    if count == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {list(x.shape)}")
    update = None
    if running_mean is not None or running_var is not None:
        update = _running_update(running_mean, running_var, float(momentum), count, True)
    return _normalize(x, weight, bias, tuple(range(2, x.ndim)), shape, eps, None, update)


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalize over the last ``len(normalized_shape)`` dims (their mean and biased variance), then scale by
    ``weight`` and shift by ``bias`` (both of shape ``normalized_shape``, or None)."""
    x = floating_input("layer_norm", input)
    norm_shape: tuple[int, ...] = ((int(normalized_shape),) if isinstance(normalized_shape, numbers.Integral)
                                   else tuple(normalized_shape))  # type: ignore[arg-type]
    axes = _trailing_axes(x, norm_shape)
    for name, t in (("weight", weight), ("bias", bias)):
        _check_param("layer_norm", name, t, norm_shape, x, "normalized_shape")
    return _normalize(x, weight, bias, axes, norm_shape, eps)


def _trailing_axes(x: Tensor, norm_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The axes of ``x`` that ``normalized_shape`` names (its last dims), or PyTorch's error."""
    k = len(norm_shape)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k:]) != norm_shape:
        raise RuntimeError(f"Given normalized_shape={list(norm_shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, norm_shape))}], but got input of size{list(x.shape)}")
    return tuple(range(x.ndim - k, x.ndim))


def rms_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """Root mean square normalization over the last ``len(normalized_shape)`` dims:
    ``input / sqrt(mean(input^2) + eps) * weight``.

    Args:
        input: a floating-point tensor whose trailing shape is ``normalized_shape``.
        normalized_shape: the trailing shape to normalize over (a list or tuple of ints).
        weight: the per-element scale of shape ``normalized_shape``, or None.
        eps: added to the mean square; None means ``finfo(input.dtype).eps``.
    """
    x = floating_input("rms_norm", input)
    if isinstance(normalized_shape, numbers.Integral) or not isinstance(normalized_shape, Sequence):
        raise TypeError("rms_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
                        f"{type(normalized_shape).__name__}")
    norm_shape = tuple(int(n) for n in normalized_shape)
    if not norm_shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           "element, but got normalized_shape = []")
    axes = _trailing_axes(x, norm_shape)
    if weight is not None and tuple(weight.shape) != norm_shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {list(norm_shape)}")
    wide = x.float() if x._data.dtype.itemsize < 4 else x      # PyTorch computes the half types in float32
    if eps is None:
        eps = float(np.finfo(wide._data.dtype).eps)
    out = (wide * ((wide * wide).mean(axes, keepdim=True) + eps).rsqrt()).to(x.dtype)
    if weight is None:
        return out
    if weight.dtype != x.dtype:
        warnings.warn(f"Mismatch dtype between input and weight: input dtype = {x.dtype.name}, weight dtype = "
                      f"{weight.dtype.name}, Cannot dispatch to fused implementation.", UserWarning, stacklevel=2)
        weight = weight.to(x.dtype)
    return out * weight


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Split the C channels of an (N, C, *) input into ``num_groups`` groups and normalize each group of each
    sample over its channels and positions; then scale and shift per channel by the (C,) weight and bias."""
    x = floating_input("group_norm", input)
    if x.ndim < 2:
        raise RuntimeError(f"group_norm(): expected an input of shape (N, C, *), got {list(x.shape)}")
    n, c = x.shape[0], x.shape[1]
    if num_groups < 1 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(x.shape)} and num_groups={num_groups}")
    if n * c // num_groups * math.prod(x.shape[2:]) == 1:     # PyTorch's _verify_batch_size, sizes as it counts
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {list(x.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        _check_param("group_norm", name, t, (c,), x, "one value per channel")
    grouped = x.reshape(n, num_groups, c // num_groups, math.prod(x.shape[2:]))
    out = _normalize(grouped, weight, bias, (2, 3), (1, num_groups, c // num_groups, 1), eps)
    return out.reshape(x.shape)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """input / max(||input||_p, eps), the norm over ``dim``: unit vectors along ``dim`` (Lp normalization)."""
    x = floating_input("normalize", input)
    return x / x.norm(p, dim, keepdim=True).clamp_min(eps)

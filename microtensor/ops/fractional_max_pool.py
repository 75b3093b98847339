"""Fractional max pooling (Graham, 2014) in 2 and 3 dims: max pooling of k-wide windows whose starts follow
PyTorch's pseudo-random sequence, so that the output has a given size.

For an axis of length n pooled to ``out`` windows of width k, with the plane's sample u in [0, 1) and
alpha = (n - k) / (out - 1), window i starts at trunc((i + u) * alpha) - trunc(u * alpha) and the last one at
n - k, computed in the input's dtype as PyTorch's kernels compute it (so given ``_random_samples``, the windows,
values and indices are PyTorch's exactly). Each plane draws one sample per axis, in the order W, H for 2-D and
T, H, W for 3-D, as PyTorch reads them. The maxima are found and gathered as in adaptive max pooling.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor.ops.adaptive_pool import gather_maxima, window_argmax
from microtensor.ops.checks import floating_dtype, tensor_input
from microtensor.random import rand
from microtensor.tensor import Tensor

_AXES = {2: ("height", "width"), 3: ("time", "height", "width")}


def _sizes(op: str, name: str, value: Any, nd: int) -> tuple[int, ...]:
    sizes = tuple(value) if isinstance(value, Sequence) else (value,) * nd
    if len(sizes) != nd or not all(isinstance(v, (int, np.integer)) for v in sizes):
        raise RuntimeError(f"{op}: {name} must either be a single Int or tuple of Ints, got {value!r}")
    return tuple(int(v) for v in sizes)


def _output_size(op: str, nd: int, shape: tuple[int, ...], output_size: Any, output_ratio: Any) -> tuple[int, ...]:
    """``output_size``, or the input's sizes times ``output_ratio`` rounded down, as PyTorch's F form takes them."""
    if output_size is not None:
        return _sizes(op, "output_size", output_size, nd)
    if output_ratio is None:
        raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
    ratios = tuple(output_ratio) if isinstance(output_ratio, Sequence) else (output_ratio,) * nd
    if len(ratios) != nd:
        raise ValueError(f"{op} requires output_ratio to either be a single number or a tuple of {nd}, got "
                         f"{output_ratio!r}")
    return tuple(int(n * r) for n, r in zip(shape[-nd:], ratios))


def _starts(u: np.ndarray, n: int, out: int, k: int) -> np.ndarray:
    """The start of each window along one axis, (..., out) for the samples u (...), in u's dtype as PyTorch."""
    starts = np.empty(u.shape + (out,), np.int64)
    if out > 1:
        alpha = u.dtype.type(n - k) / u.dtype.type(out - 1)
        i = np.arange(out - 1).astype(u.dtype)
        # astype(int64) truncates toward zero, as C++'s static_cast<int> does
        starts[..., :-1] = ((i + u[..., None]) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)[..., None]
    if out > 0:
        starts[..., -1] = n - k
    return starts


def _window_indices(samples: np.ndarray, sizes: tuple[int, ...], outs: tuple[int, ...],
                    kernel: tuple[int, ...]) -> np.ndarray:
    """The flat volume index of every tap of every window: (N, C, *outs, *kernel) for samples (N, C, nd)."""
    nd = len(sizes)
    order = (1, 0) if nd == 2 else (0, 1, 2)            # which sample each axis reads (2-D: W first)
    strides = np.cumprod((1,) + sizes[:0:-1])[::-1]
    lead = samples.shape[:2]
    flat = np.zeros(lead + (1,) * 2 * nd, np.int64)
    for axis, (n, o, k, stride) in enumerate(zip(sizes, outs, kernel, strides)):
        starts = _starts(samples[..., order[axis]], n, o, k)                  # (N, C, o)
        shape = list(lead) + [1] * 2 * nd
        shape[2 + axis] = o
        taps = [1] * (2 + 2 * nd)
        taps[2 + nd + axis] = k
        flat = flat + starts.reshape(shape) * stride + (np.arange(k) * stride).reshape(taps)
    return flat


def _fractional_max_pool(op: str, nd: int, input: Tensor, kernel_size: Any, output_size: Any, output_ratio: Any,
                         return_indices: bool, _random_samples: Tensor | None) -> Any:
    dt = floating_dtype(op, input=input)
    shape = tuple(input._data.shape)
    if len(shape) not in (nd + 1, nd + 2) or 0 in shape[-nd - 1:]:
        dims = "C, H, W" if nd == 2 else "C, T, H, W"
        raise RuntimeError(f"{op}(): expected input of shape (N, {dims}) or ({dims}) with non-zero {dims}, got "
                           f"{list(shape)}")
    kernel = _sizes(op, "kernel_size", kernel_size, nd)
    outs = _output_size(op, nd, shape, output_size, output_ratio)
    sizes = shape[-nd:]
    if any(k < 1 for k in kernel):
        raise RuntimeError(f"{op}(): kernel_size must be greater than zero, got {kernel}")
    if any(o < 0 for o in outs):
        raise RuntimeError(f"{op}(): output_size must be non-negative, got {outs}")
    # PyTorch's 3-D kernel asks for one more input element than its 2-D one
    bound, limit = ("at most", 0) if nd == 2 else ("less than", 1)
    for axis, n, o, k in zip(_AXES[nd], sizes, outs, kernel):
        if o + k - 1 > n - limit:
            raise RuntimeError(f"{op}(): pool {axis} {k} too large relative to input {axis} {n} (output {axis} "
                               f"{o}: output + kernel - 1 must be {bound} the input size)")
    batched = len(shape) == nd + 2
    x = input if batched else input.unsqueeze(0)
    n_batch, channels = x.shape[:2]
    if _random_samples is None:
        samples = rand(n_batch, channels, nd, dtype=input.dtype)._data
    else:
        samples = tensor_input(op, _random_samples, "_random_samples")._data
        if samples.ndim != 3 or samples.shape[0] < n_batch or samples.shape[1:] != (channels, nd):
            raise RuntimeError(f"{op}(): expected _random_samples of shape (N', C, {nd}) with N' >= N = {n_batch} "
                               f"and C = {channels}, got {list(samples.shape)}")
        if samples.dtype != dt:
            raise RuntimeError(f"{op}(): expected _random_samples to have the same dtype as input ({dt.name}), got "
                               f"{samples.dtype.name}")
    taps = (n_batch, channels, int(np.prod(outs)), int(np.prod(kernel)))
    flat = _window_indices(samples[:n_batch], sizes, outs, kernel).reshape(taps)
    volume = x._data.reshape(n_batch, channels, int(np.prod(sizes)))
    windows = np.take_along_axis(volume, flat.reshape(n_batch, channels, taps[2] * taps[3]), 2)
    arg = window_argmax(windows.reshape(taps))
    idx = np.take_along_axis(flat, arg[..., None], -1).reshape((n_batch, channels) + outs)
    out = gather_maxima(x, idx)
    out = out if batched else out.squeeze(0)
    if not return_indices:
        return out
    return out, Tensor._make(idx if batched else idx[0])


def fractional_max_pool2d(input: Tensor, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                          return_indices: bool = False, _random_samples: Tensor | None = None) -> Any:
    """2-D fractional max pooling over (N, C, H, W) or (C, H, W), as ``F.fractional_max_pool2d``.

    Args:
        input: the input planes, floating point.
        kernel_size: the window size, an int or (kH, kW).
        output_size: the output (H_out, W_out) or an int for both; H_out + kH - 1 must be at most H.
        output_ratio: instead of ``output_size``, a number or pair in (0, 1): H_out = int(H * ratio).
        return_indices: also return the int64 flat index (h * W + w) of each maximum in its plane.
        _random_samples: (N, C, 2) samples in [0, 1) (W's, then H's) fixing the windows; drawn with
            ``torch.rand`` (the global generator) when None.
    """
    return _fractional_max_pool("fractional_max_pool2d", 2, input, kernel_size, output_size, output_ratio,
                                return_indices, _random_samples)


def fractional_max_pool3d(input: Tensor, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                          return_indices: bool = False, _random_samples: Tensor | None = None) -> Any:
    """3-D fractional max pooling over (N, C, T, H, W) or (C, T, H, W), as ``F.fractional_max_pool3d``.

    Args:
        input: the input volumes, floating point.
        kernel_size: the window size, an int or (kT, kH, kW).
        output_size: the output (T_out, H_out, W_out) or an int for all; T_out + kT - 1 must be at most T.
        output_ratio: instead of ``output_size``, a number or triple in (0, 1): T_out = int(T * ratio).
        return_indices: also return the int64 flat index (t * H * W + h * W + w) of each maximum in its volume.
        _random_samples: (N, C, 3) samples in [0, 1) (T's, H's, W's) fixing the windows; drawn with
            ``torch.rand`` (the global generator) when None.
    """
    return _fractional_max_pool("fractional_max_pool3d", 3, input, kernel_size, output_size, output_ratio,
                                return_indices, _random_samples)


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size: Any, output_size: Any = None,
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """``fractional_max_pool2d`` returning (values, indices) whatever ``return_indices`` says, as PyTorch's
    ``F.fractional_max_pool2d_with_indices``."""
    return _fractional_max_pool("fractional_max_pool2d", 2, input, kernel_size, output_size, output_ratio, True,
                                _random_samples)


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size: Any, output_size: Any = None,
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """``fractional_max_pool3d`` returning (values, indices) whatever ``return_indices`` says, as PyTorch's
    ``F.fractional_max_pool3d_with_indices``."""
    return _fractional_max_pool("fractional_max_pool3d", 3, input, kernel_size, output_size, output_ratio, True,
                                _random_samples)

"""Adaptive pooling in 1, 2 and 3 dims: average and max pooling over windows chosen so that the output has a
given size.

PyTorch's adaptive window i of a length-n axis pooled to length out spans [floor(i * n / out),
ceil((i + 1) * n / out)). Average pooling is a product with one constant averaging matrix per resized axis;
max pooling finds each window's flat argmax in NumPy (``window_argmax``) and gathers the maxima with
``gather_maxima`` (its backward scatters, its double backward gathers again, so gradients of any order follow);
fractional max pooling shares those two.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from microtensor.capture import record
from microtensor.dtypes import is_floating
from microtensor.ops.checks import floating_dtype
from microtensor.ops.conv import MaxPoolGather
from microtensor.ops.linalg import matmul
from microtensor.tensor import Tensor

_DIMS = {1: "L", 2: "H, W", 3: "D, H, W"}


def _adaptive_sizes(op: str, nd: int, input: Tensor, output_size: Any,
                    batched_channels: bool = True) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Validate an adaptive pooling's input and ``output_size``; the input's and the output's spatial sizes.
    ``batched_channels``: a batched input must have channels too (PyTorch's kernels all ask this, except the
    1-D and 2-D average pooling)."""
    shape = tuple(input._data.shape)
    dims = _DIMS[nd]
    if len(shape) not in (nd + 1, nd + 2) or 0 in shape[-nd:]:
        raise RuntimeError(f"{op}: expected input of shape (N, C, {dims}) or (C, {dims}) with non-zero {dims}, got "
                           f"{list(shape)}")
    if batched_channels and len(shape) == nd + 2 and shape[1] == 0:
        raise RuntimeError(f"{op}: expected a batched input (N, C, {dims}) with non-zero C, got {list(shape)}")
    sizes = shape[-nd:]
    if isinstance(output_size, (int, np.integer)) and not isinstance(output_size, bool):
        output_size = (output_size,) * nd
    allowed = (int, np.integer) if nd == 1 else (int, np.integer, type(None))
    if not isinstance(output_size, (tuple, list)) or not all(isinstance(o, allowed) for o in output_size):
        what = "an int or a tuple of 1 int" if nd == 1 else f"an int or a tuple of {nd} ints or Nones"
        raise TypeError(f"{op}(): output_size must be {what}, got {output_size!r}")
    if len(output_size) != nd:
        raise RuntimeError(f"{op}: output_size must be {nd} values, got {tuple(output_size)}")
    out = tuple(n if o is None else int(o) for n, o in zip(sizes, output_size))
    if any(o < 0 for o in out):
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0 but received "
                           f"{tuple(output_size)}")
    return sizes, out


def _bounds(n: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive windows: [floor(i * n / out), ceil((i + 1) * n / out))."""
    i = np.arange(out)
    return (i * n) // out, -((-(i + 1) * n) // out)


def averaging_matrix(n: int, out: int, dt: np.dtype) -> Tensor:
    """The (out, n) matrix whose row i averages PyTorch's adaptive window i of a length-n axis."""
    start, end = _bounds(n, out)
    pos = np.arange(n)
    inside = (pos >= start[:, None]) & (pos < end[:, None])
    return Tensor._make((inside / (end - start)[:, None]).astype(dt))


def _adaptive_avg_pool(op: str, nd: int, input: Tensor, output_size: Any) -> Tensor:
    """Average each resized axis with its averaging matrix: x @ A^T on the last axis, A @ x on the others (the
    axes after it flattened into one)."""
    dt = floating_dtype(op, input=input)
    sizes, outs = _adaptive_sizes(op, nd, input, output_size, batched_channels=nd == 3)
    out = input
    for axis, n, o in reversed(list(zip(range(-nd, 0), sizes, outs))):     # the last axis first, as one GEMM
        if n == o:
            continue
        a = averaging_matrix(n, o, dt)
        if axis == -1:
            out = matmul(out, a.mT)
            continue
        shape = tuple(out.shape)
        after = shape[axis + 1:]
        flat = out if len(after) == 1 else out.reshape(*shape[:axis], n, int(np.prod(after)))
        out = matmul(a, flat).reshape(*shape[:axis], o, *after)
    return out


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """1-D average pooling to a given output length, as ``F.adaptive_avg_pool1d`` and ``torch.adaptive_avg_pool1d``.

    Output cell i averages input positions floor(i * L / L_out) to ceil((i + 1) * L / L_out).

    Args:
        input: (N, C, L) or (C, L), floating point.
        output_size: L_out, an int or a tuple of one int.
    """
    return _adaptive_avg_pool("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """2-D average pooling to a given output size, as ``F.adaptive_avg_pool2d``.

    Output cell i averages input rows floor(i * H / H_out) to ceil((i + 1) * H / H_out) (and likewise for
    columns); computed as A_h @ input @ A_w^T with two constant averaging matrices.

    Args:
        input: (N, C, H, W) or (C, H, W), floating point.
        output_size: an int, or (H_out, W_out) where None keeps the input's size.
    """
    return _adaptive_avg_pool("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """3-D average pooling to a given output size, as ``F.adaptive_avg_pool3d`` (windows as in
    ``adaptive_avg_pool2d``, along depth too).

    Args:
        input: (N, C, D, H, W) or (C, D, H, W), floating point.
        output_size: an int, or (D_out, H_out, W_out) where None keeps the input's size.
    """
    return _adaptive_avg_pool("adaptive_avg_pool3d", 3, input, output_size)


def window_argmax(windows: np.ndarray) -> np.ndarray:
    """The position along the last axis of each window's maximum, as PyTorch's max pooling kernels scan (a strict
    ``>`` or NaN test, taps in row-major order): the first one among ties, the last NaN where a window holds NaN."""
    arg = windows.argmax(axis=-1)
    if is_floating(windows.dtype) and (nan := np.isnan(windows)).any():
        last_nan = nan.shape[-1] - 1 - nan[..., ::-1].argmax(axis=-1)
        arg = np.where(nan.any(axis=-1), last_nan, arg)
    return arg


def gather_maxima(x: Tensor, idx: np.ndarray) -> Tensor:
    """x (N, C, *sizes) at the flat volume indices ``idx`` (N, C, *outs), differentiably (the gradient scatters
    back to those positions): ``MaxPoolGather`` on the volume seen as an (N, C, V, 1) plane."""
    if x.ndim == 4:                   # planes already: no reshapes to record
        return MaxPoolGather.apply(x, idx, tuple(x.shape[2:]))
    n, c = x.shape[:2]
    volume, windows = int(np.prod(x.shape[2:])), int(np.prod(idx.shape[2:]))
    out = MaxPoolGather.apply(x.reshape(n, c, volume, 1), idx.reshape(n, c, windows, 1), (volume, 1))
    return out.reshape(idx.shape)


@functools.lru_cache(maxsize=64)
def _window_taps(sizes: tuple[int, ...], outs: tuple[int, ...]) -> np.ndarray:
    """The flat volume index of every tap of every adaptive window, (windows, taps), remembered per geometry (a
    layer pools one shape step after step). Every window is padded to the widest one by repeating its last
    position: a repeat never changes the argmax, and positions stay in row-major order (the last NaN stays last)."""
    nd = len(sizes)
    strides = np.cumprod((1,) + sizes[:0:-1])[::-1]
    flat = np.zeros((1,) * 2 * nd, np.int64)
    for axis, (n, o, stride) in enumerate(zip(sizes, outs, strides)):
        start, end = _bounds(n, o)
        k = int((end - start).max())
        pos = np.minimum(start[:, None] + np.arange(k), end[:, None] - 1)                  # (o, k)
        shape = [1] * 2 * nd
        shape[axis], shape[nd + axis] = o, k
        flat = flat + (pos * stride).reshape(shape)
    flat = flat.reshape(int(np.prod(outs)), -1)
    flat.flags.writeable = False
    return flat


def _adaptive_argmax(x: np.ndarray, sizes: tuple[int, ...], outs: tuple[int, ...]) -> np.ndarray:
    """The flat index (over the spatial volume) of the maximum of each adaptive window of x (N, C, *sizes)."""
    lead = x.shape[:2]
    if 0 in outs:
        return np.zeros(lead + outs, np.int64)
    flat = _window_taps(sizes, outs)
    # np.take lays the windows out contiguously, so the argmax over taps reads memory in order
    windows = np.take(x.reshape(lead + (int(np.prod(sizes)),)), flat, axis=2)               # (N, C, windows, taps)
    return flat[np.arange(flat.shape[0]), window_argmax(windows)].reshape(lead + outs)


def _adaptive_max_pool(op: str, nd: int, input: Tensor, output_size: Any, return_indices: bool) -> Any:
    floating_dtype(op, input=input)
    sizes, outs = _adaptive_sizes(op, nd, input, output_size)
    batched = input._data.ndim == nd + 2
    x = input if batched else input.unsqueeze(0)
    idx = record(_adaptive_argmax, x._data, sizes, outs)
    out = gather_maxima(x, idx)
    out = out if batched else out.squeeze(0)
    if not return_indices:
        return out
    return out, Tensor._make(idx if batched else idx[0])


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """1-D max pooling to a given output length, as ``F.adaptive_max_pool1d`` (windows as in
    ``adaptive_avg_pool1d``; a window holding NaN gives NaN).

    Args:
        input: (N, C, L) or (C, L), floating point.
        output_size: L_out, an int or a tuple of one int.
        return_indices: also return the int64 index of each maximum along L.
    """
    return _adaptive_max_pool("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """2-D max pooling to a given output size, as ``F.adaptive_max_pool2d`` (PyTorch's adaptive windows).

    Args:
        input: (N, C, H, W) or (C, H, W), floating point.
        output_size: an int, or (H_out, W_out) where None keeps the input's size.
        return_indices: also return the int64 flat index (h * W + w) of each maximum in its input plane.
    """
    return _adaptive_max_pool("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """3-D max pooling to a given output size, as ``F.adaptive_max_pool3d`` (PyTorch's adaptive windows).

    Args:
        input: (N, C, D, H, W) or (C, D, H, W), floating point.
        output_size: an int, or (D_out, H_out, W_out) where None keeps the input's size.
        return_indices: also return the int64 flat index (d * H * W + h * W + w) of each maximum in its volume.
    """
    return _adaptive_max_pool("adaptive_max_pool3d", 3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool1d`` returning (values, indices) whatever ``return_indices`` says, as PyTorch's
    ``F.adaptive_max_pool1d_with_indices``."""
    return _adaptive_max_pool("adaptive_max_pool1d", 1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool2d`` returning (values, indices) whatever ``return_indices`` says, as PyTorch's
    ``F.adaptive_max_pool2d_with_indices``."""
    return _adaptive_max_pool("adaptive_max_pool2d", 2, input, output_size, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool3d`` returning (values, indices) whatever ``return_indices`` says, as PyTorch's
    ``F.adaptive_max_pool3d_with_indices``."""
    return _adaptive_max_pool("adaptive_max_pool3d", 3, input, output_size, True)

"""Adaptive pooling: average and max pooling over windows chosen so that the output has a given size.

PyTorch's adaptive window i of a length-n axis pooled to length out spans [floor(i * n / out),
ceil((i + 1) * n / out)). Average pooling is a product with one constant averaging matrix per axis; max
pooling finds each window's argmax in NumPy and gathers the maxima with ``MaxPoolGather`` (whose backward
scatters, so gradients of any order follow).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.ops.checks import floating_dtype
from microtensor.ops.conv import MaxPoolGather
from microtensor.ops.linalg import matmul
from microtensor.tensor import Tensor


def _adaptive_sizes(op: str, input: Tensor, output_size: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    shape = tuple(input._data.shape)
    if len(shape) not in (3, 4) or 0 in shape[-2:]:
        raise RuntimeError(f"{op}: expected input of shape (N, C, H, W) or (C, H, W) with non-zero H and W, got "
                           f"{list(shape)}")
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size, output_size)
    if not isinstance(output_size, (tuple, list)) or len(output_size) != 2:
        raise TypeError(f"{op}: output_size must be an int, None or a tuple of 2, got {output_size!r}")
    h, w = (n if o is None else int(o) for n, o in zip(shape[-2:], output_size))
    if h < 1 or w < 1:
        raise RuntimeError(f"{op}: output_size must be positive, got {tuple(output_size)}")
    return (shape[-2], shape[-1]), (h, w)


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


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """2-D average pooling to a given output size, as ``F.adaptive_avg_pool2d``.

    Output cell i averages input rows floor(i * H / H_out) to ceil((i + 1) * H / H_out) (and likewise for
    columns); computed as A_h @ input @ A_w^T with two constant averaging matrices.

    Args:
        input: (N, C, H, W) or (C, H, W).
        output_size: an int, or (H_out, W_out) where None keeps the input's size.
    """
    dt = floating_dtype("adaptive_avg_pool2d", input=input)
    (h, w), (ho, wo) = _adaptive_sizes("adaptive_avg_pool2d", input, output_size)
    out = input if w == wo else matmul(input, averaging_matrix(w, wo, dt).mT)
    return out if h == ho else matmul(averaging_matrix(h, ho, dt), out)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """2-D max pooling to a given output size, as ``F.adaptive_max_pool2d`` (PyTorch's adaptive windows).

    Args:
        input: (N, C, H, W) or (C, H, W).
        output_size: an int, or (H_out, W_out) where None keeps the input's size.
        return_indices: also return the int64 flat index (h * W + w) of each maximum in its input plane.
    """
    op = "adaptive_max_pool2d"
    floating_dtype(op, input=input)
    (h, w), (ho, wo) = _adaptive_sizes(op, input, output_size)
    batched = input._data.ndim == 4
    x = input if batched else input.unsqueeze(0)
    idx = _adaptive_argmax(x._data, h, w, ho, wo)
    out = MaxPoolGather.apply(x, idx, (h, w))
    out = out if batched else out.squeeze(0)
    if not return_indices:
        return out
    return out, Tensor._make(idx if batched else idx[0])


def _adaptive_argmax(x: np.ndarray, h: int, w: int, ho: int, wo: int) -> np.ndarray:
    """The flat index of the maximum of each adaptive window (the first one among ties, NaN wins)."""
    rs, re = _bounds(h, ho)
    cs, ce = _bounds(w, wo)
    kh, kw = int((re - rs).max()), int((ce - cs).max())
    # every window padded to kh x kw by repeating its last row/column: a repeat never changes the argmax
    rows = np.minimum(rs[:, None] + np.arange(kh), re[:, None] - 1)           # (ho, kh)
    cols = np.minimum(cs[:, None] + np.arange(kw), ce[:, None] - 1)           # (wo, kw)
    flat = (rows[:, None, :, None] * w + cols[None, :, None, :]).reshape(ho, wo, kh * kw)
    windows = x.reshape(x.shape[0], x.shape[1], h * w)[:, :, flat]               # (N, C, ho, wo, kh * kw)
    return flat[np.arange(ho)[:, None], np.arange(wo), windows.argmax(axis=-1)]

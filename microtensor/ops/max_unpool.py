"""Max unpooling in 1, 2 and 3 dims: the partial inverse of max pooling, scattering each value to the flat
position its index names within a zero-filled output volume (the gradient gathers from those positions)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor.creation import zeros
from microtensor.ops.checks import floating_input, tensor_input
from microtensor.tensor import Tensor


def _tuple(value: Any, k: int) -> tuple[int, ...]:
    return tuple(int(v) for v in value) if isinstance(value, Sequence) else (int(value),) * k


def _unpool_output_size(input: Tensor, kernel: tuple[int, ...], stride: tuple[int, ...], padding: tuple[int, ...],
                        output_size: Any) -> tuple[int, ...]:
    """PyTorch's output size: (in - 1) * stride + kernel - 2 * padding, or ``output_size`` within a stride of it."""
    k = len(kernel)
    default = tuple((n - 1) * s + kk - 2 * p for n, s, kk, p in zip(input.shape[-k:], stride, kernel, padding))
    if output_size is None:
        sizes = default
    else:
        sizes = tuple(int(n) for n in output_size)
        sizes = sizes[2:] if len(sizes) == k + 2 else sizes
        if len(sizes) != k:
            raise ValueError(f"output_size should be a sequence containing {k} or {k + 2} elements, but it has a "
                             f"length of '{len(sizes)}'")
        for d, (n, s) in enumerate(zip(default, stride)):
            if not n - s < sizes[d] < n + s:
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {n - s} and '
                                 f"{n + s})")
    if any(n < 0 for n in sizes):
        raise ValueError(f"max_unpooling: output_size must contain non-negative spatial dimensions, got {list(sizes)}")
    return sizes


def _max_unpool(op: str, k: int, input: Tensor, indices: Tensor, kernel_size: Any, stride: Any, padding: Any,
                output_size: Any) -> Tensor:
    x = floating_input(op, input)
    idx = tensor_input(op, indices, "indices", 2)
    if idx._data.dtype != np.int64:
        raise RuntimeError(f"{op}: elements in indices should be type int64, got {idx.dtype.name}")
    if idx.shape != x.shape:
        raise RuntimeError(f"{op}: Expected shape of indices to be same as that of the input tensor "
                           f"({list(x.shape)}) but got indices tensor with shape: {list(idx.shape)}")
    if x.ndim not in (k + 1, k + 2):
        raise RuntimeError(f"{op}: expected a {k + 1}-D or {k + 2}-D input, got an input of shape {list(x.shape)}")
    kernel = _tuple(kernel_size, k)
    steps = kernel if stride is None else _tuple(stride, k)
    sizes = _unpool_output_size(x, kernel, steps, _tuple(padding, k), output_size)
    plane = 1
    for n in sizes:
        plane *= n
    lead = x.shape[:-k]
    flat_idx = idx.flatten(-k) if k > 1 else idx
    positions = flat_idx._data        # checked without Tensor.item(), which would break a compiled graph
    if positions.size and (positions.min() < 0 or positions.max() >= plane):
        bad = int(positions.max()) if positions.max() >= plane else int(positions.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(str(n) for n in sizes)})")
    flat_x = x.flatten(-k) if k > 1 else x
    out = zeros(*lead, plane, dtype=x.dtype).scatter(-1, flat_idx, flat_x)
    return out.reshape(*lead, *sizes)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """The partial inverse of ``max_pool1d``: (N, C, L) values placed at their ``indices`` in zeros of length
    (L - 1) * stride + kernel_size - 2 * padding (or ``output_size``), as ``F.max_unpool1d``.

    Args:
        input: the pooled values, (N, C, L) or (C, L).
        indices: ``max_pool1d(..., return_indices=True)``'s indices, shaped as ``input``.
        kernel_size, stride, padding: the pooling's settings (stride defaults to kernel_size).
        output_size: the exact output length, within one stride of the default (optionally with N and C).
    """
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """The partial inverse of ``max_pool2d``: (N, C, H, W) values placed at their flat ``indices`` (h * W_out +
    w) in a zero plane of size (H - 1) * stride + kernel_size - 2 * padding per dim, as ``F.max_unpool2d``.

    Args:
        input: the pooled values, (N, C, H, W) or (C, H, W).
        indices: ``max_pool2d(..., return_indices=True)``'s indices, shaped as ``input``.
        kernel_size, stride, padding: the pooling's settings (stride defaults to kernel_size).
        output_size: the exact output (H, W), within one stride of the default (optionally with N and C).
    """
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """The partial inverse of ``max_pool3d``: (N, C, D, H, W) values placed at their flat ``indices``
    (d * H_out * W_out + h * W_out + w) in a zero volume of size (D - 1) * stride + kernel_size - 2 * padding per
    dim, as ``F.max_unpool3d``.

    Args:
        input: the pooled values, (N, C, D, H, W) or (C, D, H, W).
        indices: ``max_pool3d(..., return_indices=True)``'s indices, shaped as ``input``.
        kernel_size, stride, padding: the pooling's settings (stride defaults to kernel_size).
        output_size: the exact output (D, H, W), within one stride of the default (optionally with N and C).
    """
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)

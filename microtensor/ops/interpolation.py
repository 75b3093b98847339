"""Resizing: ``interpolate`` by nearest-neighbour sampling, with PyTorch's source-index rule."""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor.ops.indexing import index_select
from microtensor.tensor import Tensor


def _nearest_source(n_in: int, n_out: int, scale: float | None, exact: bool) -> np.ndarray:
    """PyTorch's nearest-neighbour source index of each output position, computed in float32 as it does."""
    s = np.float32(1.0 / scale) if scale else np.float32(n_in) / np.float32(n_out)
    dst = np.arange(n_out, dtype=np.float32)
    if exact:
        src = np.floor((dst + np.float32(0.5)) * s)
    elif n_out == n_in:
        return np.arange(n_out)
    elif n_out == 2 * n_in:
        return np.arange(n_out) >> 1
    else:
        src = np.floor(dst * s)
    return np.minimum(src.astype(np.int64), n_in - 1)


def interpolate(input: Tensor, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None,
                mode: str = "nearest", align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of an (N, C, *) input by nearest-neighbour sampling (PyTorch's index rule:
    source = floor(dest * in / out), or floor(dest / scale_factor) when the scale is given).

    Args:
        input: a 3-D, 4-D or 5-D tensor.
        size: the output spatial size (an int for all dims, or one per dim).
        scale_factor: the multiplier of the spatial size (instead of ``size``).
        mode: ``'nearest'`` or ``'nearest-exact'`` (source = floor((dest + 0.5) * in / out)).
        align_corners, antialias: only for the interpolating modes, which microtensor does not provide.
        recompute_scale_factor: use in / out for the index rule even when ``scale_factor`` is given.
    """
    if mode not in ("nearest", "nearest-exact"):
        raise ValueError(f"interpolate(): mode {mode!r} is not supported; microtensor provides 'nearest' and "
                         "'nearest-exact'")
    if align_corners is not None or antialias:
        raise ValueError("align_corners and antialias option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if input.ndim not in (3, 4, 5):
        raise ValueError(f"interpolate(): expected a 3-D, 4-D or 5-D input (N, C, *), got an input of "
                                  f"shape {list(input.shape)}")
    k = input.ndim - 2
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined" if size is not None
                         else "either size or scale_factor should be defined")
    in_sizes = input.shape[2:]
    if size is not None:
        # (mypy does not narrow by numbers.Integral / numbers.Real)
        sizes: tuple[Any, ...] = (size,) * k if isinstance(size, numbers.Integral) else tuple(size)  # type: ignore[arg-type]
        if len(sizes) != k:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                             f"spatial dimensions of {list(in_sizes)} and output size of {list(sizes)}.")
        scales: tuple[Any, ...] = (None,) * k
    else:
        scales = (scale_factor,) * k if isinstance(scale_factor, numbers.Real) else tuple(scale_factor)  # type: ignore[arg-type]
        if len(scales) != k:
            raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {list(in_sizes)} and scale_factor of shape {list(scales)}.")
        sizes = tuple(int(math.floor(n * float(s))) for n, s in zip(in_sizes, scales))
        if recompute_scale_factor:
            scales = (None,) * k
    if any(s <= 0 for s in sizes):
        raise RuntimeError(f"interpolate(): the output size {list(sizes)} must be positive")
    x = input
    for i, (n_in, n_out, s) in enumerate(zip(in_sizes, sizes, scales)):
        source = _nearest_source(n_in, int(n_out), s, mode == "nearest-exact")
        if n_in != n_out or (source != np.arange(n_out)).any():
            x = index_select(x, 2 + i, Tensor._make(source))
    return x

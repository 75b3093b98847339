"""Resizing: ``interpolate`` in every mode PyTorch's has without antialiasing (nearest, nearest-exact, linear,
bilinear, trilinear, bicubic, area), with PyTorch's source-index rules.

Nearest modes gather one source index per output position. The others are separable: each spatial dim is
resampled in turn by a constant (out, in) weight matrix (2 taps for linear, 4 for cubic, the adaptive window for
area), so the op is a chain of matmuls and every order of gradient comes with it.
"""
from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor.ops.adaptive_pool import averaging_matrix
from microtensor.ops.checks import floating_dtype, tensor_input
from microtensor.ops.indexing import index_select
from microtensor.ops.linalg import matmul
from microtensor.tensor import Tensor

_LINEAR_MODES = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}   # mode -> the input ndim it takes
_CUBIC_A = -0.75   # PyTorch's (and OpenCV's) cubic convolution parameter


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


def _source_position(n_in: int, n_out: int, scale: float | None, align_corners: bool, cubic: bool) -> np.ndarray:
    """PyTorch's real-valued source coordinate of each output position (``area_pixel_compute_source_index``)."""
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        return dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    step = 1.0 / scale if scale else n_in / n_out
    src = step * (dst + 0.5) - 0.5
    return src if cubic else np.maximum(src, 0.0)


def _taps_matrix(n_in: int, first: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The (out, n_in) matrix adding ``weights[:, t]`` at column ``first + t``, clamped into the axis."""
    out = np.zeros((len(first), n_in))
    columns = np.clip(first[:, None] + np.arange(weights.shape[1]), 0, n_in - 1)
    np.add.at(out, (np.arange(len(first))[:, None], columns), weights)
    return out


def _linear_matrix(n_in: int, n_out: int, scale: float | None, align_corners: bool) -> np.ndarray:
    src = _source_position(n_in, n_out, scale, align_corners, cubic=False)
    first = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    frac = np.clip(src - first, 0.0, 1.0)
    return _taps_matrix(n_in, first, np.stack([1 - frac, frac], axis=1))


def _cubic_matrix(n_in: int, n_out: int, scale: float | None, align_corners: bool) -> np.ndarray:
    src = _source_position(n_in, n_out, scale, align_corners, cubic=True)
    first = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    t = np.clip(src - first, 0.0, 1.0)
    a = _CUBIC_A

    def near(x: np.ndarray) -> np.ndarray:    # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: np.ndarray) -> np.ndarray:     # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return _taps_matrix(n_in, first - 1, np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=1))


def _resample(x: Tensor, dim: int, matrix: Tensor) -> Tensor:
    """``x`` with axis ``dim`` replaced by ``matrix @ (that axis)``."""
    return matmul(x.transpose(dim, -1), matrix.mT).transpose(dim, -1)


def _output_geometry(input: Tensor, size: Any, scale_factor: Any, mode: str,
                     recompute_scale_factor: bool | None) -> tuple[tuple[int, ...], tuple[float | None, ...]]:
    """The output spatial sizes and the scales the index rules use (None: in / out), as PyTorch works them out."""
    k = input.ndim - 2
    in_sizes = input.shape[2:]
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = tuple(size) if isinstance(size, (list, tuple)) else (size,) * k
        if len(sizes) != k:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                             f"spatial dimensions of {list(in_sizes)} and output size of {size}. Please provide input "
                             "tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
        if not all(isinstance(s, numbers.Integral) for s in sizes):
            raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, int], "
                            f"but got size with types {[type(s) for s in sizes]}")
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        out_sizes = tuple(int(s) for s in sizes)
        scales: tuple[float | None, ...] = (None,) * k
    elif scale_factor is not None:
        factors = tuple(scale_factor) if isinstance(scale_factor, (list, tuple)) else (scale_factor,) * k
        if len(factors) != k:
            raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {list(in_sizes)} and scale_factor of shape {scale_factor}. "
                             "Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, "
                             "s2, ...,sK) format.")
        out_sizes = tuple(int(math.floor(n * float(s))) for n, s in zip(in_sizes, factors))
        recompute = recompute_scale_factor or mode == "area"
        scales = (None,) * k if recompute else tuple(float(s) for s in factors)
    else:
        raise ValueError("either size or scale_factor should be defined")
    if any(s <= 0 for s in out_sizes):
        raise RuntimeError(f"interpolate(): input {list(input.shape)} gives output spatial size {list(out_sizes)}; "
                           "every output size must be greater than 0")
    return out_sizes, scales


def interpolate(input: Tensor, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None,
                mode: str = "nearest", align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of an (N, C, *) input, as ``F.interpolate``.

    Args:
        input: a 3-D (N, C, W), 4-D (N, C, H, W) or 5-D (N, C, D, H, W) tensor.
        size: the output spatial size (an int for all dims, or one per dim).
        scale_factor: the multiplier of the spatial size (instead of ``size``); the output size is
            floor(in * scale_factor), and the index rules use 1 / scale_factor unless ``recompute_scale_factor``.
        mode: ``'nearest'`` (source = floor(dest * in / out)), ``'nearest-exact'`` (floor((dest + 0.5) * in /
            out)), ``'linear'`` (3-D), ``'bilinear'`` or ``'bicubic'`` (4-D), ``'trilinear'`` (5-D), or
            ``'area'`` (adaptive average pooling).
        align_corners: for the interpolating modes: map the corner pixels' centres onto each other (source =
            dest * (in - 1) / (out - 1)) instead of the pixels' edges (False, the default).
        recompute_scale_factor: compute the index rules from in / out even when ``scale_factor`` is given.
        antialias: PyTorch's antialiased downsampling; microtensor supports only False.
    """
    tensor_input("interpolate", input)
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear "
                             "| bicubic | trilinear")
    elif mode not in _LINEAR_MODES:
        raise ValueError(f"interpolate(): unknown mode {mode!r}; expected one of 'nearest', 'nearest-exact', "
                         "'linear', 'bilinear', 'bicubic', 'trilinear' or 'area'")
    if input.ndim not in (3, 4, 5):
        raise ValueError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the modes: "
                         f"nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got {mode})")
    if mode in _LINEAR_MODES and _LINEAR_MODES[mode] != input.ndim:
        raise ValueError(f"Got {input.ndim}D input, but {mode} mode needs {_LINEAR_MODES[mode]}D input")
    out_sizes, scales = _output_geometry(input, size, scale_factor, mode, recompute_scale_factor)
    if antialias:
        raise ValueError("interpolate(): antialias=True is not supported by microtensor; resize with "
                         "antialias=False, or low-pass filter the input first")
    if mode in ("linear", "bilinear", "trilinear") and out_sizes == tuple(input.shape[2:]):
        return input.clone()        # PyTorch copies here, whatever the scale_factor says
    nearest = mode in ("nearest", "nearest-exact")
    dt = input._data.dtype if nearest else floating_dtype("interpolate", input=input)
    x = input
    for i, (n_in, n_out, s) in enumerate(zip(input.shape[2:], out_sizes, scales)):
        if nearest:
            source = _nearest_source(n_in, n_out, s, mode == "nearest-exact")
            if n_in != n_out or (source != np.arange(n_out)).any():
                x = index_select(x, 2 + i, Tensor._make(source))
            continue
        if mode == "area":
            matrix = averaging_matrix(n_in, n_out, dt)
        elif mode == "bicubic":
            matrix = Tensor._make(_cubic_matrix(n_in, n_out, s, bool(align_corners)).astype(dt))
        else:
            matrix = Tensor._make(_linear_matrix(n_in, n_out, s, bool(align_corners)).astype(dt))
        x = _resample(x, 2 + i, matrix)
    return x


def upsample(input: Tensor, size: int | Sequence[int] | None = None,
             scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """``F.upsample``, deprecated in PyTorch (it warns): ``interpolate(input, size, scale_factor, mode,
    align_corners)``."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: int | Sequence[int] | None = None,
                     scale_factor: float | Sequence[float] | None = None) -> Tensor:
    """``F.upsample_nearest``, deprecated in PyTorch (it warns): ``interpolate(..., mode='nearest')``."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: int | Sequence[int] | None = None,
                      scale_factor: float | Sequence[float] | None = None) -> Tensor:
    """``F.upsample_bilinear``, deprecated in PyTorch (it warns): ``interpolate(..., mode='bilinear',
    align_corners=True)``."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)

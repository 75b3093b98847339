"""Power-average (Lp) pooling: the p-norm of each window, built from average and max pooling as PyTorch's."""
from __future__ import annotations

import math
from typing import Any

from microtensor.ops.conv import avg_pool1d, avg_pool2d, avg_pool3d, max_pool1d, max_pool2d, max_pool3d
from microtensor.ops.unary import relu, sign
from microtensor.tensor import Tensor


def _lp_pool(input: Tensor, norm_type: float, kernel_size: Any, stride: Any, ceil_mode: bool, window: int,
             avg_pool: Any, max_pool: Any) -> Tensor:
    if norm_type == math.inf:
        return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (sign(out) * relu(out.abs())).mul(window).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """1-D power-average pooling over (N, C, L) or (C, L): (sum of x^p over each window)^(1/p), as
    ``F.lp_pool1d``; p = inf gives the max of |x|, p = 1 the sum.

    Args:
        input: the input.
        norm_type: p.
        kernel_size: the window length.
        stride: the window step (``kernel_size`` when None).
        ceil_mode: round the output length up instead of down.
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, kernel_size, avg_pool1d, max_pool1d)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """2-D power-average pooling over (N, C, H, W) or (C, H, W): (sum of x^p over each window)^(1/p), as
    ``F.lp_pool2d``.

    Args:
        input: the input.
        norm_type: p.
        kernel_size: the window size (an int for both dims, or a pair).
        stride: the window step (``kernel_size`` when None).
        ceil_mode: round the output size up instead of down.
    """
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, kh * kw, avg_pool2d, max_pool2d)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """3-D power-average pooling over (N, C, D, H, W) or (C, D, H, W): (sum of x^p over each window)^(1/p), as
    ``F.lp_pool3d``.

    Args:
        input: the input.
        norm_type: p.
        kernel_size: the window size (an int for every dim, or a triple).
        stride: the window step (``kernel_size`` when None).
        ceil_mode: round the output size up instead of down.
    """
    window = kernel_size ** 3 if isinstance(kernel_size, int) else math.prod(kernel_size)
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, window, avg_pool3d, max_pool3d)

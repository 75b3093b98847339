"""Upsample and its fixed-mode forms UpsamplingNearest2d and UpsamplingBilinear2d."""
from __future__ import annotations

from typing import Any

from microtensor.nn import functional as F
from microtensor.nn.module import Module
from microtensor.tensor import Tensor


class Upsample(Module):
    """Resize (N, C, W), (N, C, H, W) or (N, C, D, H, W) inputs to ``size`` or by ``scale_factor``, with
    ``F.interpolate``'s modes.

    Args:
        size: the output spatial size (an int, or one per spatial dim).
        scale_factor: the multiplier of the spatial size (a float, or one per spatial dim).
        mode: ``'nearest'``, ``'nearest-exact'``, ``'linear'``, ``'bilinear'``, ``'bicubic'``, ``'trilinear'``
            or ``'area'``.
        align_corners: for the interpolating modes, align the corner pixels' centres.
        recompute_scale_factor: compute the index rules from the output size even when ``scale_factor`` is given.
    """

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor: Any = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        """``F.interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor)``."""
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode='nearest')`` for (N, C, H, W) inputs.

    Args:
        size: the output (H, W), or an int for both.
        scale_factor: the multiplier of H and W.
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode='bilinear', align_corners=True)`` for (N, C, H, W) inputs.

    Args:
        size: the output (H, W), or an int for both.
        scale_factor: the multiplier of H and W.
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)

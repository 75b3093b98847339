"""Adaptive pooling layers: AdaptiveAvgPool1d/3d and AdaptiveMaxPool1d/2d/3d (no parameters; they call F).
AdaptiveAvgPool2d lives with the other original pooling layers in ``nn/pooling.py``."""
from __future__ import annotations

from typing import Any

from microtensor.nn import functional as F
from microtensor.nn.module import Module
from microtensor.tensor import Tensor


class _AdaptiveAvgPoolNd(Module):
    """What AdaptiveAvgPool1d and AdaptiveAvgPool3d share: ``output_size`` (kept as given) and repr."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """The mean over windows chosen so that the output's length is ``output_size``, for inputs (N, C, L) or (C, L).

    Args:
        output_size: the output length (an int or a tuple of one int).
    """

    def forward(self, input: Tensor) -> Tensor:
        """``F.adaptive_avg_pool1d(input, output_size)``."""
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """The mean over windows chosen so that the output's spatial size is ``output_size``, for inputs
    (N, C, D, H, W) or (C, D, H, W).

    Args:
        output_size: the output's depth, height and width (an int for all three, or a triple where None keeps
            that input size).
    """

    def forward(self, input: Tensor) -> Tensor:
        """``F.adaptive_avg_pool3d(input, output_size)``."""
        return F.adaptive_avg_pool3d(input, self.output_size)


class _AdaptiveMaxPoolNd(Module):
    """What the adaptive max pooling layers share: ``output_size`` (kept as given), ``return_indices`` and repr."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """The max over windows chosen so that the output's length is ``output_size``, for inputs (N, C, L) or (C, L).

    Args:
        output_size: the output length (an int or a tuple of one int).
        return_indices: also return the index of each maximum (what ``MaxUnpool1d`` takes).
    """

    def forward(self, input: Tensor) -> Any:
        """``F.adaptive_max_pool1d(input, output_size, return_indices)``."""
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """The max over windows chosen so that the output's spatial size is ``output_size``, for inputs (N, C, H, W)
    or (C, H, W).

    Args:
        output_size: the output's height and width (an int for both, or a pair where None keeps that input size).
        return_indices: also return the flat index of each maximum in its plane (what ``MaxUnpool2d`` takes).
    """

    def forward(self, input: Tensor) -> Any:
        """``F.adaptive_max_pool2d(input, output_size, return_indices)``."""
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """The max over windows chosen so that the output's spatial size is ``output_size``, for inputs
    (N, C, D, H, W) or (C, D, H, W).

    Args:
        output_size: the output's depth, height and width (an int for all three, or a triple where None keeps
            that input size).
        return_indices: also return the flat index of each maximum in its volume (what ``MaxUnpool3d`` takes).
    """

    def forward(self, input: Tensor) -> Any:
        """``F.adaptive_max_pool3d(input, output_size, return_indices)``."""
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)

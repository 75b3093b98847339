"""Fold and Unfold: the layers of ``F.fold`` (col2im) and ``F.unfold`` (im2col)."""
from __future__ import annotations

from typing import Any

from microtensor.nn import functional as F
from microtensor.nn.module import Module
from microtensor.tensor import Tensor


class Fold(Module):
    """Sum sliding blocks (N, C * prod(kernel_size), L) into a tensor (N, C, *output_size), overlaps added.

    Args:
        output_size: the spatial size of the output.
        kernel_size: the block size.
        dilation: the spacing between block elements.
        padding: the implicit zero padding removed from each side.
        stride: the step between blocks.
    """

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        """``F.fold`` with the layer's settings."""
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Unfold(Module):
    """Extract sliding blocks of (N, C, *) into columns (N, C * prod(kernel_size), L).

    Args:
        kernel_size: the block size.
        dilation: the spacing between block elements.
        padding: the implicit zero padding added on each side.
        stride: the step between blocks.
    """

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        """``F.unfold`` with the layer's settings."""
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, stride={self.stride}"

"""Padding layers: ConstantPad, ZeroPad, ReflectionPad, ReplicationPad and CircularPad in 1, 2 and 3 dims, each a
thin ``F.pad`` with PyTorch's arguments and reprs (an int pads every side; negative widths crop)."""
from __future__ import annotations

from collections.abc import Sequence

from microtensor.nn import functional as F
from microtensor.nn.module import Module
from microtensor.tensor import Tensor


def _widths(padding: int | Sequence[int], dims: int) -> tuple[int, ...]:
    """An int repeated for both sides of ``dims`` dims, or the given (left, right, top, bottom, ...) widths."""
    return tuple(padding) if isinstance(padding, Sequence) else (padding,) * (2 * dims)


class _PadNd(Module):
    """``F.pad(input, padding, mode)``; a subclass names its mode and its number of padded dims."""
    mode = "constant"
    dims = 1

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = _widths(padding, self.dims)

    def forward(self, input: Tensor) -> Tensor:
        """``F.pad(input, padding, mode)``."""
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        """``F.pad(input, padding, 'constant', value)``."""
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``: ``padding`` is an int or (left, right).

    Args:
        padding: the widths; negative ones crop.
        value: the fill value.
    """


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dims with ``value``: ``padding`` is an int or (left, right, top, bottom).

    Args:
        padding: the widths; negative ones crop.
        value: the fill value.
    """
    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dims with ``value``: ``padding`` is an int or (left, right, top, bottom, front, back).

    Args:
        padding: the widths; negative ones crop.
        value: the fill value.
    """
    dims = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros: ``padding`` is an int or (left, right).

    Args:
        padding: the widths; negative ones crop.
    """


class ZeroPad2d(_ZeroPadNd):
    """Pad the last 2 dims with zeros: ``padding`` is an int or (left, right, top, bottom).

    Args:
        padding: the widths; negative ones crop.
    """
    dims = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last 3 dims with zeros: ``padding`` is an int or (left, right, top, bottom, front, back).

    Args:
        padding: the widths; negative ones crop.
    """
    dims = 3


class ReflectionPad1d(_PadNd):
    """Pad the last dim of (C, W) or (N, C, W) with its mirror image (the edge not repeated).

    Args:
        padding: an int or (left, right), each less than the input's size; negative ones crop.
    """
    mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last 2 dims of (C, H, W) or (N, C, H, W) with their mirror image (the edge not repeated).

    Args:
        padding: an int or (left, right, top, bottom); negative ones crop.
    """
    mode = "reflect"
    dims = 2


class ReflectionPad3d(_PadNd):
    """Pad the last 3 dims of (C, D, H, W) or (N, C, D, H, W) with their mirror image.

    Args:
        padding: an int or (left, right, top, bottom, front, back); negative ones crop.
    """
    mode = "reflect"
    dims = 3


class ReplicationPad1d(_PadNd):
    """Pad the last dim of (C, W) or (N, C, W) by repeating its edge values.

    Args:
        padding: an int or (left, right); negative ones crop.
    """
    mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last 2 dims of (C, H, W) or (N, C, H, W) by repeating their edge values.

    Args:
        padding: an int or (left, right, top, bottom); negative ones crop.
    """
    mode = "replicate"
    dims = 2


class ReplicationPad3d(_PadNd):
    """Pad the last 3 dims of (C, D, H, W) or (N, C, D, H, W) by repeating their edge values.

    Args:
        padding: an int or (left, right, top, bottom, front, back); negative ones crop.
    """
    mode = "replicate"
    dims = 3


class _CircularPadNd(_PadNd):
    mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        """``F.pad(input, padding, 'circular')`` of a (C, *) or (N, C, *) input."""
        if input.ndim not in (self.dims + 1, self.dims + 2):
            raise ValueError(f"expected {self.dims + 1}D or {self.dims + 2}D input (got {input.ndim}D input)")
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Pad the last dim of (C, W) or (N, C, W) by wrapping around (the values of the other end).

    Args:
        padding: an int or (left, right), each at most the input's size; negative ones crop.
    """


class CircularPad2d(_CircularPadNd):
    """Pad the last 2 dims of (C, H, W) or (N, C, H, W) by wrapping around.

    Args:
        padding: an int or (left, right, top, bottom); negative ones crop.
    """
    dims = 2


class CircularPad3d(_CircularPadNd):
    """Pad the last 3 dims of (C, D, H, W) or (N, C, D, H, W) by wrapping around.

    Args:
        padding: an int or (left, right, top, bottom, front, back); negative ones crop.
    """
    dims = 3

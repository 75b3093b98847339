"""Pooling layers: MaxPool1d/2d/3d, AvgPool1d/2d/3d, LPPool1d/2d/3d, AdaptiveAvgPool2d, MaxUnpool1d/2d/3d and
FractionalMaxPool2d/3d (no parameters; they call F). The other adaptive layers are in ``nn/adaptive_pooling.py``."""
from __future__ import annotations

from typing import Any

from microtensor.nn import functional as F
from microtensor.nn.module import Module
from microtensor.tensor import Tensor


def _single(x: Any) -> tuple:
    """``x`` as a 1-tuple (a sequence is kept as a tuple), as PyTorch's AvgPool1d stores its arguments."""
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


class _MaxPoolNd(Module):
    """What MaxPool1d and MaxPool2d share: arguments (kept as given, as PyTorch keeps them) and repr."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """The maximum over sliding windows of inputs ``(N, C, L)`` or ``(C, L)``.

    Args:
        kernel_size: window length.
        stride: window step (``kernel_size`` when None).
        padding: implicit ``-inf`` padding on both sides (at most half the kernel).
        dilation: spacing between window elements.
        return_indices: also return the flat positions of the maxima (for MaxUnpool).
        ceil_mode: round the output length up instead of down.
    """

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        """``F.max_pool1d`` with the layer's settings."""
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool2d(_MaxPoolNd):
    """The maximum over sliding windows of inputs ``(N, C, H, W)`` or ``(C, H, W)``.

    Args:
        kernel_size: window height and width (an int for both, or a pair).
        stride: window step (``kernel_size`` when None).
        padding: implicit ``-inf`` padding on every side (at most half the kernel).
        dilation: spacing between window elements.
        return_indices: also return the flat positions of the maxima within each plane.
        ceil_mode: round the output size up instead of down.
    """

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        """``F.max_pool2d`` with the layer's settings."""
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool3d(_MaxPoolNd):
    """The maximum over sliding windows of inputs ``(N, C, D, H, W)`` or ``(C, D, H, W)``.

    Args:
        kernel_size: window depth, height and width (an int for all, or a triple).
        stride: window step (``kernel_size`` when None).
        padding: implicit ``-inf`` padding on every side (at most half the kernel).
        dilation: spacing between window elements.
        return_indices: also return the flat positions of the maxima within each volume (for MaxUnpool3d).
        ceil_mode: round the output size up instead of down.
    """

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        """``F.max_pool3d`` with the layer's settings."""
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool1d(Module):
    """The mean over sliding windows of inputs ``(N, C, L)`` or ``(C, L)``.

    Args:
        kernel_size: window length.
        stride: window step (``kernel_size`` when None).
        padding: zeros added on both sides (at most half the kernel).
        ceil_mode: round the output length up instead of down.
        count_include_pad: whether the padded zeros count in the mean's divisor.
    """

    def __init__(self, kernel_size: int | tuple[int], stride: int | tuple[int] | None = None,
                 padding: int | tuple[int] = 0, ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        """``F.avg_pool1d`` with the layer's settings."""
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """The mean over sliding windows of inputs ``(N, C, H, W)`` or ``(C, H, W)``.

    Args:
        kernel_size: window height and width (an int for both, or a pair).
        stride: window step (``kernel_size`` when None).
        padding: zeros added on every side (at most half the kernel).
        ceil_mode: round the output size up instead of down.
        count_include_pad: whether the padded zeros count in the mean's divisor.
        divisor_override: divide every window's sum by this instead.
    """

    def __init__(self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
                 padding: int | tuple[int, int] = 0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        """``F.avg_pool2d`` with the layer's settings."""
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool3d(AvgPool2d):
    """The mean over sliding windows of inputs ``(N, C, D, H, W)`` or ``(C, D, H, W)``.

    Args:
        kernel_size: window depth, height and width (an int for all, or a triple).
        stride: window step (``kernel_size`` when None).
        padding: zeros added on every side (at most half the kernel).
        ceil_mode: round the output size up instead of down.
        count_include_pad: whether the padded zeros count in the mean's divisor.
        divisor_override: divide every window's sum by this instead.
    """

    def forward(self, input: Tensor) -> Tensor:
        """``F.avg_pool3d`` with the layer's settings."""
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool2d(Module):
    """The mean over windows chosen so that the output's spatial size is ``output_size``.

    Args:
        output_size: the output's height and width (an int for both, a pair, or None in a pair to keep
            that input size).
    """

    def __init__(self, output_size: int | tuple[int | None, int | None]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        """``F.adaptive_avg_pool2d(input, output_size)``."""
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _LPPoolNd(Module):
    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """Power-average pooling over inputs ``(N, C, L)`` or ``(C, L)``: (sum of x^p over each window)^(1/p).

    Args:
        norm_type: p (inf gives max pooling of |x|).
        kernel_size: window length.
        stride: window step (``kernel_size`` when None).
        ceil_mode: round the output length up instead of down.
    """

    def forward(self, input: Tensor) -> Tensor:
        """``F.lp_pool1d`` with the layer's settings."""
        return F.lp_pool1d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """Power-average pooling over inputs ``(N, C, H, W)`` or ``(C, H, W)``: (sum of x^p over each window)^(1/p).

    Args:
        norm_type: p (inf gives max pooling of |x|).
        kernel_size: window height and width (an int for both, or a pair).
        stride: window step (``kernel_size`` when None).
        ceil_mode: round the output size up instead of down.
    """

    def forward(self, input: Tensor) -> Tensor:
        """``F.lp_pool2d`` with the layer's settings."""
        return F.lp_pool2d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool3d(_LPPoolNd):
    """Power-average pooling over inputs ``(N, C, D, H, W)`` or ``(C, D, H, W)``: (sum of x^p over each
    window)^(1/p).

    Args:
        norm_type: p (inf gives max pooling of |x|).
        kernel_size: window depth, height and width (an int for all, or a triple).
        stride: window step (``kernel_size`` when None).
        ceil_mode: round the output size up instead of down.
    """

    def forward(self, input: Tensor) -> Tensor:
        """``F.lp_pool3d`` with the layer's settings."""
        return F.lp_pool3d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class _MaxUnpoolNd(Module):
    dims = 1

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, self.dims)
        self.stride = _ntuple(stride if stride is not None else kernel_size, self.dims)
        self.padding = _ntuple(padding, self.dims)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


def _ntuple(x: Any, n: int) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,) * n


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of MaxPool1d: each value goes to the position its index names, zeros elsewhere.

    Args:
        kernel_size: the pooling's window length.
        stride: the pooling's step (``kernel_size`` when None).
        padding: the pooling's padding.
    """

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        """``F.max_unpool1d`` with the layer's settings."""
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of MaxPool2d: each value goes to the position its index names, zeros elsewhere.

    Args:
        kernel_size: the pooling's window size (an int for both dims, or a pair).
        stride: the pooling's step (``kernel_size`` when None).
        padding: the pooling's padding.
    """
    dims = 2

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        """``F.max_unpool2d`` with the layer's settings."""
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of MaxPool3d: each value goes to the position its index names, zeros elsewhere.

    Args:
        kernel_size: the pooling's window size (an int for all three dims, or a triple).
        stride: the pooling's step (``kernel_size`` when None).
        padding: the pooling's padding.
    """
    dims = 3

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        """``F.max_unpool3d`` with the layer's settings."""
        return F.max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class _FractionalMaxPoolNd(Module):
    """What FractionalMaxPool2d and FractionalMaxPool3d share: the arguments, checked and stored as PyTorch's
    layers store them (sizes and ratios as tuples, ``_random_samples`` as a buffer)."""
    dims = 2

    def __init__(self, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                 return_indices: bool = False, _random_samples: Tensor | None = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = _ntuple(kernel_size, self.dims)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _ntuple(output_size, self.dims) if output_size is not None else None
        self.output_ratio = _ntuple(output_ratio, self.dims) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """2-D fractional max pooling over (N, C, H, W) or (C, H, W): k-wide windows at pseudo-random steps, so that
    the output has ``output_size`` (or ``output_ratio`` times the input's size).

    Args:
        kernel_size: the window size (an int for both dims, or a pair).
        output_size: the output (H_out, W_out), or an int for both; H_out + kH - 1 must be at most H.
        output_ratio: instead of ``output_size``, a number or pair in (0, 1).
        return_indices: also return the flat index of each maximum (what ``MaxUnpool2d`` takes).
        _random_samples: fixed (N, C, 2) samples choosing the windows; drawn at each call when None.
    """

    def forward(self, input: Tensor) -> Any:
        """``F.fractional_max_pool2d`` with the layer's settings."""
        return F.fractional_max_pool2d(input, self.kernel_size, self.output_size, self.output_ratio,
                                       self.return_indices, _random_samples=self._random_samples)


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """3-D fractional max pooling over (N, C, T, H, W) or (C, T, H, W): k-wide windows at pseudo-random steps,
    so that the output has ``output_size`` (or ``output_ratio`` times the input's size).

    Args:
        kernel_size: the window size (an int for all three dims, or a triple).
        output_size: the output (T_out, H_out, W_out), or an int for all; T_out + kT - 1 must be less than T.
        output_ratio: instead of ``output_size``, a number or triple in (0, 1).
        return_indices: also return the flat index of each maximum (what ``MaxUnpool3d`` takes).
        _random_samples: fixed (N, C, 3) samples choosing the windows; drawn at each call when None.
    """
    dims = 3

    def forward(self, input: Tensor) -> Any:
        """``F.fractional_max_pool3d`` with the layer's settings."""
        return F.fractional_max_pool3d(input, self.kernel_size, self.output_size, self.output_ratio,
                                       self.return_indices, _random_samples=self._random_samples)

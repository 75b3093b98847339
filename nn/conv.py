"""Convolution layers Conv1d/2d/3d and ConvTranspose1d/2d/3d, initialised as PyTorch initialises them."""
from __future__ import annotations

import math
from typing import Any

import microtensor as mt
from microtensor.nn import functional as F
from microtensor.nn import init
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor

_PADDING_STRINGS = {"same", "valid"}
_SPATIAL = {1: "L", 2: "H, W", 3: "D, H, W"}


def _ntuple(x: Any, n: int) -> tuple:
    """``x`` repeated ``n`` times, or ``tuple(x)`` when it already is a sequence (PyTorch's ``_ntuple``)."""
    return tuple(x) if isinstance(x, (tuple, list)) else (x,) * n


class _ConvNd(Module):
    """What the convolution layers share: arguments, parameters, initialisation, repr, input check."""

    _dims: int
    _transposed: bool = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any, padding: Any,
                 dilation: Any, output_padding: Any, groups: int, bias: bool, padding_mode: str,
                 dtype: mt.dtype | None) -> None:
        super().__init__()
        name = type(self).__name__
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode != "zeros":
            raise ValueError(f"{name}: padding_mode={padding_mode!r} is not supported; microtensor's "
                             "convolutions pad with zeros only (padding_mode='zeros'); pad the input with "
                             "F.pad first for other modes")
        n = self._dims
        stride, dilation = _ntuple(stride, n), _ntuple(dilation, n)
        if isinstance(padding, str):
            if self._transposed:
                raise ValueError(f"{name}: padding must be an int or a tuple of ints, got {padding!r}")
            if padding not in _PADDING_STRINGS:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {_PADDING_STRINGS}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, n)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = self._transposed
        self.output_padding = _ntuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        if self._transposed:
            shape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(mt.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(mt.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight from kaiming_uniform(a=sqrt(5)) and the bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        (fan_in of the weight as laid out: for a transposed convolution, ``out_channels // groups * kernel``)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _check_input(self, input: Tensor) -> None:
        n = self._dims
        if input.ndim not in (n + 1, n + 2) or input.shape[-n - 1] != self.in_channels:
            kernel = self.kernel_size
            raise ValueError(f"{type(self).__name__}({self.in_channels}, {self.out_channels}, kernel_size={kernel}): "
                             f"expected input of shape (N, {self.in_channels}, {_SPATIAL[n]}) or "
                             f"({self.in_channels}, {_SPATIAL[n]}), got {list(input.shape)}")

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv1d(_ConvNd):
    """1-D convolution (cross-correlation) over inputs ``(N, C_in, L)`` or ``(C_in, L)``.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: length of the kernel.
        stride: step of the kernel.
        padding: zeros added on both sides (an int, a 1-tuple, ``'valid'`` for none or ``'same'`` for an
            output as long as the input).
        dilation: spacing between kernel elements.
        groups: blocked connections from input to output channels (``groups=in_channels``: depthwise).
        bias: whether to add a learnable bias.
        padding_mode: ``'zeros'`` (the only mode supported).
        dtype: the parameters' dtype.

    ``weight`` is ``(out_channels, in_channels // groups, kernel_size)``, initialised as PyTorch's.
    """

    _dims = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int], stride: int | tuple[int] = 1,
                 padding: str | int | tuple[int] = 0, dilation: int | tuple[int] = 1, groups: int = 1,
                 bias: bool = True, padding_mode: str = "zeros", device: object = None,
                 dtype: mt.dtype | None = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, 0, groups, bias,
                         padding_mode, dtype)

    def forward(self, input: Tensor) -> Tensor:
        """``F.conv1d`` with the layer's weight, bias and settings."""
        self._check_input(input)
        return F.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) over inputs ``(N, C_in, H, W)`` or ``(C_in, H, W)``.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: kernel height and width (an int for both, or a pair).
        stride: step of the kernel.
        padding: zeros added on every side (an int, a pair, ``'valid'`` for none or ``'same'`` for an
            output of the input's size).
        dilation: spacing between kernel elements.
        groups: blocked connections from input to output channels (``groups=in_channels``: depthwise).
        bias: whether to add a learnable bias.
        padding_mode: ``'zeros'`` (the only mode supported).
        dtype: the parameters' dtype.

    ``weight`` is ``(out_channels, in_channels // groups, kH, kW)``, initialised as PyTorch's.
    """

    _dims = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: str | int | tuple[int, int] = 0,
                 dilation: int | tuple[int, int] = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: object = None, dtype: mt.dtype | None = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, 0, groups, bias,
                         padding_mode, dtype)

    def forward(self, input: Tensor) -> Tensor:
        """``F.conv2d`` with the layer's weight, bias and settings."""
        self._check_input(input)
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv3d(_ConvNd):
    """3-D convolution (cross-correlation) over inputs ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: kernel depth, height and width (an int for all, or a triple).
        stride: step of the kernel.
        padding: zeros added on every side (an int, a triple, ``'valid'`` for none or ``'same'`` for an
            output of the input's size).
        dilation: spacing between kernel elements.
        groups: blocked connections from input to output channels (``groups=in_channels``: depthwise).
        bias: whether to add a learnable bias.
        padding_mode: ``'zeros'`` (the only mode supported).
        dtype: the parameters' dtype.

    ``weight`` is ``(out_channels, in_channels // groups, kD, kH, kW)``, initialised as PyTorch's.
    """

    _dims = 3

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int, int],
                 stride: int | tuple[int, int, int] = 1, padding: str | int | tuple[int, int, int] = 0,
                 dilation: int | tuple[int, int, int] = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: object = None, dtype: mt.dtype | None = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, 0, groups, bias,
                         padding_mode, dtype)

    def forward(self, input: Tensor) -> Tensor:
        """``F.conv3d`` with the layer's weight, bias and settings."""
        self._check_input(input)
        return F.conv3d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class _ConvTransposeNd(_ConvNd):
    """What the transposed convolution layers share: choosing the output padding from ``output_size``."""

    _transposed = True

    def _output_padding(self, input: Tensor, output_size: list[int] | None) -> tuple[int, ...]:
        """The output padding that makes the output's spatial size ``output_size`` (PyTorch's rule)."""
        if output_size is None:
            return self.output_padding
        output_size = list(output_size)
        n = self._dims
        if len(output_size) == input.ndim:
            output_size = output_size[input.ndim - n:]
        if len(output_size) != n:
            raise ValueError(f"ConvTranspose{n}D: for {input.ndim}D input, output_size must have {n} or "
                             f"{input.ndim} elements (got {len(output_size)})")
        padding = []
        for d in range(n):
            smallest = ((input.shape[d - n] - 1) * self.stride[d] - 2 * self.padding[d]
                        + self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            largest = smallest + self.stride[d] - 1
            if not smallest <= output_size[d] <= largest:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes range from "
                                 f"{smallest} to {largest} (for an input of {list(input.shape[-n:])})")
            padding.append(output_size[d] - smallest)
        return tuple(padding)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution (the gradient of Conv1d with respect to its input), e.g. to upsample.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: kernel length.
        stride: step of the kernel over the output.
        padding: ``dilation * (kernel_size - 1) - padding`` zeros are added on each side of the input.
        output_padding: extra length added to one side of the output (below the stride).
        groups: blocked connections from input to output channels.
        bias: whether to add a learnable bias.
        dilation: spacing between kernel elements.
        padding_mode: ``'zeros'`` (the only mode supported).
        dtype: the parameters' dtype.

    ``weight`` is ``(in_channels, out_channels // groups, kL)``, initialised as PyTorch's.
    """

    _dims = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int], stride: int | tuple[int] = 1,
                 padding: int | tuple[int] = 0, output_padding: int | tuple[int] = 0, groups: int = 1,
                 bias: bool = True, dilation: int | tuple[int] = 1, padding_mode: str = "zeros",
                 device: object = None, dtype: mt.dtype | None = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, groups,
                         bias, padding_mode, dtype)

    def forward(self, input: Tensor, output_size: list[int] | None = None) -> Tensor:
        """``F.conv_transpose1d`` with the layer's weight, bias and settings; ``output_size`` picks the
        output padding that gives that length."""
        self._check_input(input)
        output_padding = self._output_padding(input, output_size)
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution (the gradient of Conv2d with respect to its input), e.g. to upsample.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: kernel height and width.
        stride: step of the kernel over the output.
        padding: ``dilation * (kernel_size - 1) - padding`` zeros are added on each side of the input.
        output_padding: extra size added to one side of each output dimension (below the stride).
        groups: blocked connections from input to output channels.
        bias: whether to add a learnable bias.
        dilation: spacing between kernel elements.
        padding_mode: ``'zeros'`` (the only mode supported).
        dtype: the parameters' dtype.

    ``weight`` is ``(in_channels, out_channels // groups, kH, kW)``, initialised as PyTorch's.
    """

    _dims = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                 output_padding: int | tuple[int, int] = 0, groups: int = 1, bias: bool = True,
                 dilation: int | tuple[int, int] = 1, padding_mode: str = "zeros", device: object = None,
                 dtype: mt.dtype | None = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, groups,
                         bias, padding_mode, dtype)

    def forward(self, input: Tensor, output_size: list[int] | None = None) -> Tensor:
        """``F.conv_transpose2d`` with the layer's weight, bias and settings; ``output_size`` picks the
        output padding that gives that spatial size."""
        self._check_input(input)
        output_padding = self._output_padding(input, output_size)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution (the gradient of Conv3d with respect to its input), e.g. to upsample volumes.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: kernel depth, height and width.
        stride: step of the kernel over the output.
        padding: ``dilation * (kernel_size - 1) - padding`` zeros are added on each side of the input.
        output_padding: extra size added to one side of each output dimension (below the stride).
        groups: blocked connections from input to output channels.
        bias: whether to add a learnable bias.
        dilation: spacing between kernel elements.
        padding_mode: ``'zeros'`` (the only mode supported).
        dtype: the parameters' dtype.

    ``weight`` is ``(in_channels, out_channels // groups, kD, kH, kW)``, initialised as PyTorch's.
    """

    _dims = 3

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int, int],
                 stride: int | tuple[int, int, int] = 1, padding: int | tuple[int, int, int] = 0,
                 output_padding: int | tuple[int, int, int] = 0, groups: int = 1, bias: bool = True,
                 dilation: int | tuple[int, int, int] = 1, padding_mode: str = "zeros", device: object = None,
                 dtype: mt.dtype | None = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, groups,
                         bias, padding_mode, dtype)

    def forward(self, input: Tensor, output_size: list[int] | None = None) -> Tensor:
        """``F.conv_transpose3d`` with the layer's weight, bias and settings; ``output_size`` picks the
        output padding that gives that spatial size."""
        self._check_input(input)
        output_padding = self._output_padding(input, output_size)
        return F.conv_transpose3d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)

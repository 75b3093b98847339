"""What the model zoo's blocks share: a convolution with its normalization and activation, and the input check."""
from __future__ import annotations

from microtensor.nn.activation import ReLU
from microtensor.nn.conv import Conv2d
from microtensor.nn.module import Module
from microtensor.nn.normalization import BatchNorm2d
from microtensor.tensor import Tensor


def conv_bn_relu(in_channels: int, out_channels: int, kernel_size: int, *, stride: int = 1, padding: int = 0,
                 groups: int = 1, batch_norm: bool = True, bias: bool = False) -> list[Module]:
    """``[Conv2d, BatchNorm2d, ReLU]`` (no BatchNorm2d when ``batch_norm`` is False), to unpack into a Sequential."""
    conv = Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, groups=groups, bias=bias)
    return [conv, BatchNorm2d(out_channels), ReLU()] if batch_norm else [conv, ReLU()]


def check_image_batch(module: Module, input: Tensor, channels: int, size: tuple[int, int] | None = None) -> None:
    """Raise a ValueError naming ``module`` unless ``input`` is ``(N, channels, H, W)`` (and ``(H, W) == size``)."""
    ok = input.ndim == 4 and input.shape[1] == channels and (size is None or tuple(input.shape[2:]) == size)
    if not ok:
        spatial = "H, W" if size is None else f"{size[0]}, {size[1]}"
        raise ValueError(f"{type(module).__name__}: expected input of shape (N, {channels}, {spatial}), "
                         f"got {list(input.shape)}")

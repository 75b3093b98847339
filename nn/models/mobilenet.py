"""MobileNet's depthwise-separable convolution block (Howard et al., "MobileNets: Efficient convolutional
neural networks for mobile vision applications", 2017, Figure 3)."""
from __future__ import annotations

from microtensor.nn.container import Sequential
from microtensor.nn.models._layers import check_image_batch, conv_bn_relu
from microtensor.tensor import Tensor


class DepthwiseSeparable(Sequential):
    """A 3x3 depthwise convolution (``groups=in_channels``), BatchNorm2d, ReLU, then a 1x1 pointwise
    convolution to ``out_channels``, BatchNorm2d, ReLU; the convolutions have no bias (the BatchNorms shift).

    It costs ``in*9 + in*out`` weights where a full 3x3 convolution costs ``in*out*9``.

    Args:
        in_channels: the input's channels.
        out_channels: the output's channels.
        stride: the depthwise convolution's stride (2 halves the height and width).

    Shape:
        input ``(N, in_channels, H, W)``, output ``(N, out_channels, H', W')`` with
        ``H' = (H - 1) // stride + 1`` and likewise ``W'``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__(*conv_bn_relu(in_channels, in_channels, 3, stride=stride, padding=1, groups=in_channels),
                         *conv_bn_relu(in_channels, out_channels, 1))
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        """The block's output feature maps."""
        check_image_batch(self, input, self.in_channels)
        return super().forward(input)

"""VGG's block (Simonyan and Zisserman, "Very deep convolutional networks for large-scale image recognition",
ICLR 2015): 3x3 convolutions at one width, then 2x2 max pooling."""
from __future__ import annotations

from microtensor.nn.container import Sequential
from microtensor.nn.models._layers import check_image_batch, conv_bn_relu
from microtensor.nn.pooling import MaxPool2d
from microtensor.tensor import Tensor


class VGGBlock(Sequential):
    """``num_convs`` times (3x3 convolution, padding 1, [BatchNorm2d], ReLU), then ``MaxPool2d(2)``.

    The layers are numbered children as in torchvision's ``vgg*`` feature stacks (convolutions keep
    their bias with batch normalization too, as there), so the block halves the height and width.

    Args:
        in_channels: the input's channels.
        out_channels: the channels of every convolution.
        num_convs: how many convolutions (VGG-16 uses 2, 2, 3, 3, 3 per stage).
        batch_norm: put a BatchNorm2d after each convolution (VGG-BN, after Ioffe and Szegedy 2015).

    Shape:
        input ``(N, in_channels, H, W)``, output ``(N, out_channels, H // 2, W // 2)``.
    """

    def __init__(self, in_channels: int, out_channels: int, num_convs: int = 2, batch_norm: bool = False) -> None:
        if num_convs < 1:
            raise ValueError(f"VGGBlock: num_convs must be at least 1, got {num_convs}")
        layers = []
        for i in range(num_convs):
            layers += conv_bn_relu(in_channels if i == 0 else out_channels, out_channels, 3, padding=1,
                                   batch_norm=batch_norm, bias=True)
        super().__init__(*layers, MaxPool2d(2))
        self.in_channels = in_channels
        self.out_channels = out_channels

    def forward(self, input: Tensor) -> Tensor:
        """The pooled feature maps."""
        check_image_batch(self, input, self.in_channels)
        return super().forward(input)

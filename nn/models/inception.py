"""GoogLeNet's Inception module (Szegedy et al., "Going deeper with convolutions", CVPR 2015, Figure 2b)."""
from __future__ import annotations

import microtensor as mt
from microtensor.nn.container import Sequential
from microtensor.nn.models._layers import check_image_batch, conv_bn_relu
from microtensor.nn.module import Module
from microtensor.nn.pooling import MaxPool2d
from microtensor.tensor import Tensor


class InceptionBlock(Module):
    """Four parallel branches on the same input, concatenated on the channels:
    1x1 conv; 1x1 conv -> 3x3 conv; 1x1 conv -> 5x5 conv; 3x3 max pooling (stride 1) -> 1x1 conv.

    Every convolution is followed by a ReLU (and, with ``batch_norm``, preceded by a BatchNorm2d as in
    Inception-v2 and torchvision's GoogLeNet, whose convolutions then have no bias); padding keeps the
    height and width. GoogLeNet's "inception (3a)" is ``InceptionBlock(192, 64, 96, 128, 16, 32, 32)``.

    Args:
        in_channels: the input's channels.
        ch1x1: the 1x1 branch's channels.
        ch3x3red, ch3x3: the 3x3 branch's reduction (1x1) and output channels.
        ch5x5red, ch5x5: the 5x5 branch's reduction (1x1) and output channels.
        pool_proj: the pooling branch's projection (1x1) channels.
        batch_norm: normalize after each convolution.

    Shape:
        input ``(N, in_channels, H, W)``, output ``(N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W)``.
    """

    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int,
                 pool_proj: int, batch_norm: bool = False) -> None:
        super().__init__()
        opts = dict(batch_norm=batch_norm, bias=not batch_norm)
        self.in_channels = in_channels
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj
        self.branch1 = Sequential(*conv_bn_relu(in_channels, ch1x1, 1, **opts))
        self.branch2 = Sequential(*conv_bn_relu(in_channels, ch3x3red, 1, **opts),
                                  *conv_bn_relu(ch3x3red, ch3x3, 3, padding=1, **opts))
        self.branch3 = Sequential(*conv_bn_relu(in_channels, ch5x5red, 1, **opts),
                                  *conv_bn_relu(ch5x5red, ch5x5, 5, padding=2, **opts))
        self.branch4 = Sequential(MaxPool2d(3, stride=1, padding=1), *conv_bn_relu(in_channels, pool_proj, 1, **opts))

    def forward(self, input: Tensor) -> Tensor:
        """The four branches' outputs, concatenated on dim 1 in the order 1x1, 3x3, 5x5, pool."""
        check_image_batch(self, input, self.in_channels)
        return mt.cat([self.branch1(input), self.branch2(input), self.branch3(input), self.branch4(input)], 1)

"""Residual networks (He, Zhang, Ren and Sun, "Deep residual learning for image recognition", CVPR 2016):
the BasicBlock and Bottleneck blocks as torchvision writes them, and the small CIFAR-style ResNets of
the paper's section 4.2 (6n+2 layers: ResNet-8, -20, -32, -44, -56, -110)."""
from __future__ import annotations

from collections.abc import Sequence

from microtensor.nn import init
from microtensor.nn.activation import ReLU
from microtensor.nn.container import Sequential
from microtensor.nn.conv import Conv2d
from microtensor.nn.linear import Linear
from microtensor.nn.models._layers import check_image_batch
from microtensor.nn.module import Module
from microtensor.nn.normalization import BatchNorm2d
from microtensor.nn.pooling import AdaptiveAvgPool2d
from microtensor.tensor import Tensor


def projection(in_channels: int, out_channels: int, stride: int) -> Sequential:
    """The projection shortcut (the paper's option B): a strided 1x1 convolution without bias and a BatchNorm2d."""
    return Sequential(Conv2d(in_channels, out_channels, 1, stride=stride, bias=False), BatchNorm2d(out_channels))


class _ResidualBlock(Module):
    """``relu(residual(x) + shortcut(x))``; the shortcut is ``downsample`` or the identity, and each
    subclass defines its ``residual`` branch."""

    expansion: int

    def _init_shortcut(self, inplanes: int, planes: int, stride: int, downsample: Module | None) -> None:
        out = planes * self.expansion
        if downsample is None and (stride != 1 or inplanes != out):
            downsample = projection(inplanes, out, stride)
        self.inplanes = inplanes
        self.stride = stride
        self.relu = ReLU()
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        """``relu(residual(x) + shortcut(x))``."""
        check_image_batch(self, x, self.inplanes)
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(self.residual(x) + identity)


class BasicBlock(_ResidualBlock):
    """Two 3x3 convolutions (the first with ``stride``), each followed by a BatchNorm2d, ReLU between them,
    added to the shortcut and passed through a ReLU (He et al. 2016, Figure 2; torchvision's ``BasicBlock``).

    When ``stride != 1`` or ``inplanes != planes`` and no ``downsample`` is given, the shortcut is the
    projection: a strided 1x1 convolution and a BatchNorm2d (the paper's option B); otherwise it is the
    identity. The children are named as torchvision's (``conv1``, ``bn1``, ``conv2``, ``bn2``,
    ``downsample.0``, ``downsample.1``), so state dicts interchange.

    Args:
        inplanes: the input's channels.
        planes: the output's channels (``expansion = 1``).
        stride: the first convolution's (and the projection's) stride.
        downsample: a module for the shortcut instead of the automatic one.

    Shape:
        input ``(N, inplanes, H, W)``, output ``(N, planes, (H - 1) // stride + 1, (W - 1) // stride + 1)``.
    """

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Module | None = None) -> None:
        super().__init__()
        self.conv1 = Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = BatchNorm2d(planes)
        self.conv2 = Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = BatchNorm2d(planes)
        self._init_shortcut(inplanes, planes, stride, downsample)

    def residual(self, x: Tensor) -> Tensor:
        """conv1, bn1, relu, conv2, bn2."""
        return self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))


class Bottleneck(_ResidualBlock):
    """1x1 convolution to ``planes``, 3x3 convolution (with ``stride``), 1x1 convolution to ``4 * planes``,
    each followed by a BatchNorm2d and all but the last by a ReLU, added to the shortcut and passed through
    a ReLU (He et al. 2016, Figure 5 right; torchvision's ``Bottleneck``, the stride on the 3x3 as in "v1.5").

    The shortcut is built as in ``BasicBlock`` (the projection when ``stride != 1`` or
    ``inplanes != 4 * planes``); the children are named as torchvision's.

    Args:
        inplanes: the input's channels.
        planes: the bottleneck's channels; the output has ``planes * expansion`` (``expansion = 4``).
        stride: the 3x3 convolution's (and the projection's) stride.
        downsample: a module for the shortcut instead of the automatic one.

    Shape:
        input ``(N, inplanes, H, W)``, output ``(N, 4 * planes, (H - 1) // stride + 1, (W - 1) // stride + 1)``.
    """

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Module | None = None) -> None:
        super().__init__()
        self.conv1 = Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = BatchNorm2d(planes)
        self.conv2 = Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = BatchNorm2d(planes)
        self.conv3 = Conv2d(planes, planes * self.expansion, 1, bias=False)
        self.bn3 = BatchNorm2d(planes * self.expansion)
        self._init_shortcut(inplanes, planes, stride, downsample)

    def residual(self, x: Tensor) -> Tensor:
        """conv1, bn1, relu, conv2, bn2, relu, conv3, bn3."""
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.bn3(self.conv3(out))


class ResNet(Module):
    """A CIFAR-style ResNet (He et al. 2016, section 4.2): a 3x3 convolution to ``width`` channels,
    BatchNorm2d and ReLU, then one stage per entry of ``layers`` (that many blocks at ``width * 2**i``
    planes, every stage after the first halving the height and width), global average pooling and a
    Linear classifier.

    Children: ``conv1``, ``bn1``, ``relu``, ``layer1``..., ``avgpool``, ``fc`` (torchvision's names).
    Convolutions start from kaiming_normal (fan_out, ReLU) and BatchNorms from weight 1, bias 0, as in
    torchvision; ``zero_init_residual`` zeroes each block's last BatchNorm weight (Goyal et al. 2017).

    Args:
        block: ``BasicBlock`` or ``Bottleneck``.
        layers: the number of blocks of each stage, e.g. ``[3, 3, 3]`` for ResNet-20.
        num_classes: the number of outputs.
        in_channels: the input's channels.
        width: the first stage's planes (16 in the paper).
        zero_init_residual: start every block as the identity map.

    Shape:
        input ``(N, in_channels, H, W)``, output ``(N, num_classes)``.
    """

    def __init__(self, block: type[BasicBlock | Bottleneck], layers: Sequence[int], num_classes: int = 10,
                 in_channels: int = 3, width: int = 16, zero_init_residual: bool = False) -> None:
        super().__init__()
        if not layers or min(layers) < 1:
            raise ValueError(f"ResNet: layers must list at least one stage of at least one block, got {layers}")
        self.in_channels = in_channels
        self.conv1 = Conv2d(in_channels, width, 3, padding=1, bias=False)
        self.bn1 = BatchNorm2d(width)
        self.relu = ReLU()
        inplanes = width
        for i, blocks in enumerate(layers):
            planes, stride = width * 2 ** i, 1 if i == 0 else 2
            stage = [block(inplanes, planes, stride)]
            inplanes = planes * block.expansion
            stage += [block(inplanes, planes) for _ in range(blocks - 1)]
            setattr(self, f"layer{i + 1}", Sequential(*stage))
        self.num_stages = len(layers)
        self.avgpool = AdaptiveAvgPool2d(1)
        self.fc = Linear(inplanes, num_classes)
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, _ResidualBlock):
                    init.zeros_(m.bn3.weight if isinstance(m, Bottleneck) else m.bn2.weight)

    def forward(self, x: Tensor) -> Tensor:
        """The class scores (logits) of a batch of images."""
        check_image_batch(self, x, self.in_channels)
        out = self.relu(self.bn1(self.conv1(x)))
        for i in range(self.num_stages):
            out = getattr(self, f"layer{i + 1}")(out)
        return self.fc(self.avgpool(out).flatten(1))


def resnet(depth: int, num_classes: int = 10, in_channels: int = 3, width: int = 16, bottleneck: bool = False,
           zero_init_residual: bool = False) -> ResNet:
    """A CIFAR-style ResNet of ``depth`` weighted layers (He et al. 2016, section 4.2) for small images such
    as 32x32: three stages of n blocks at ``width``, ``2 * width`` and ``4 * width`` planes.

    With BasicBlocks ``depth = 6n + 2`` (8, 20, 32, 44, 56, 110; ResNet-20 has 0.27M parameters); with
    ``bottleneck=True``, ``depth = 9n + 2`` (e.g. 164, as in He et al., "Identity mappings in deep residual
    networks", 2016). Shortcuts that change shape are projections (option B; the paper's CIFAR nets pad
    with zeros instead, which saves the projections' few thousand parameters).

    Example::

        >>> net = nn.models.resnet(20)                      # ResNet-20 for CIFAR-10
        >>> net(mt.randn(8, 3, 32, 32)).shape
        microtensor.Size([8, 10])
    """
    per_block = 9 if bottleneck else 6
    n, rest = divmod(depth - 2, per_block)
    if n < 1 or rest:
        kind = "9n + 2 with bottleneck=True (11, 20, 29, ..., 164)" if bottleneck else "6n + 2 (8, 14, 20, 32, ...)"
        raise ValueError(f"resnet: depth must be {kind}, got {depth}")
    return ResNet(Bottleneck if bottleneck else BasicBlock, [n] * 3, num_classes, in_channels, width,
                  zero_init_residual)

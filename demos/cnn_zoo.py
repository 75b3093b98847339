"""Four classic convolutional architectures on scikit-learn's 8x8 digits, and how padding sets a convolution's
output size.

The zoo, all built from ``microtensor.nn.models`` and trained the same way (Adam, the same batches):

- **LeNet-5** (LeCun et al. 1998): two convolution + pooling stages and three fully connected layers. The
  model zoo's ``LeNet5`` is the MNIST version for 28x28 inputs (its first fully connected layer expects
  16x5x5 features), so it is kept exactly as it is (61,706 parameters) and a parameter-free front end,
  ``ToLeNetInput``, brings the 8x8 digits to 28x28: nearest-neighbour upsampling by 3 turns every pixel
  into a 3x3 block (24x24) and a 2-pixel zero border completes the 28x28 field, much as MNIST centres
  its 20x20 digits in 28x28 images.
- **VGG-style** (Simonyan and Zisserman 2015): only 3x3 convolutions with padding 1, which keep the height
  and width, and 2x2 max pooling with stride 2, which halves them: two ``VGGBlock`` s take 8x8 to 2x2
  (with batch normalization, as VGG-BN, so that four epochs are enough).
- **Inception-style** (Szegedy et al. 2015): an ``InceptionBlock`` runs 1x1, 3x3 and 5x5 convolutions and
  a 3x3 max pooling side by side and *concatenates* their feature maps on the channels (batch-normalized,
  as in Inception-v2).
- **Residual** (He et al. 2016): ``resnet(8)``, the smallest of the paper's CIFAR ResNets (6n + 2 layers,
  n = 1), each block adding its input back through a shortcut; no fully connected layer but the last.

The demo prints their parameter counts, training times and test accuracies in one table. With a few thousand
parameters the VGG- and Inception-style nets do as well as LeNet-5's sixty thousand: weight sharing is
what makes convolutions cheap.

The notes (004, "Padding 等于SAME和VALID") give the output size of a convolution with total padding P,
``(W + P - F) / S + 1`` (``(W - F + 2P) / S + 1`` with P on each side, rounded down), and TensorFlow's
rule for choosing P: 'valid' pads nothing, 'same' gives ``ceil(W / S)`` outputs and puts an odd extra
padding pixel on the right. Their examples and the architectures' layers are run through real
``nn.Conv2d`` / ``F.conv2d`` / ``nn.MaxPool2d`` calls and the shapes compared with the formula.
PyTorch's (and microtensor's) ``padding='same'`` follows the same rule but only for stride 1; for a
strided 'same' the demo pads by the notes' rule with ``F.pad`` first.

What the notes get wrong, printed where it comes up: 003 (5.5.4) says VGG uses "2 x 2 padding with
stride 2"; it is 2x2 max *pooling* with stride 2 (the padding is the 1 of the 3x3 convolutions). 003
(5.5.5) says GoogLeNet *averages* the Inception branches; it concatenates them. 004's worked convolution
writes out eight of the nine products and a stray ``w_2`` where ``w_{2,2} x_{2,2} + w_b`` belong, though
its value (4) is right.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import microtensor as mt
from demos.common import headline
from demos.training import (
    Split,
    Trained,
    digits_split,
    draw_grouped_graph,
    labelled_histories,
    plot_curves,
    results_table,
    train_timed,
)
from microtensor import nn, optim
from microtensor.nn import functional as F
from microtensor.nn.models import DepthwiseSeparable, InceptionBlock, LeNet5, VGGBlock, resnet

PICTURES = ("accuracy_curves.png", "resnet8_graph.png")  # what main() writes into its folder

LENET_UPSCALE = 3  # 8x8 -> 24x24
LENET_BORDER = 2   # 24x24 -> 28x28


class ToLeNetInput(nn.Module):
    """Bring ``(N, C, 8, 8)`` images to LeNet-5's ``(N, C, 28, 28)``: every pixel becomes a 3x3 block
    (nearest-neighbour upsampling) and a 2-pixel zero border is added. It has no parameters."""

    def forward(self, input: mt.Tensor) -> mt.Tensor:
        """The upsampled, bordered images ``(N, C, 8 * 3 + 2 * 2, ...)``."""
        return F.pad(F.interpolate(input, scale_factor=LENET_UPSCALE), (LENET_BORDER,) * 4)


def lenet5() -> nn.Module:
    """The model zoo's LeNet-5 (ReLU, max pooling) behind ``ToLeNetInput``: 8x8 digits in, 10 scores out."""
    return nn.Sequential(ToLeNetInput(), LeNet5())


def vgg_style() -> nn.Module:
    """Two VGG-BN blocks (two 3x3 convolutions, each with BatchNorm2d and ReLU, then 2x2 max pooling):
    1x8x8 -> 8x4x4 -> 16x2x2, and a Linear layer on the 64 features."""
    return nn.Sequential(VGGBlock(1, 8, batch_norm=True), VGGBlock(8, 16, batch_norm=True), nn.Flatten(),
                         nn.Linear(16 * 2 * 2, 10))


def inception_style() -> nn.Module:
    """A 3x3 convolution to 8 channels, a batch-normalized Inception block (8 + 8 + 4 + 4 = 24 channels at
    8x8), 2x2 max pooling and a Linear layer on the 24x4x4 features."""
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), InceptionBlock(8, 8, 8, 8, 4, 4, 4, batch_norm=True),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(24 * 4 * 4, 10))


def residual() -> nn.Module:
    """ResNet-8 at width 8: three stages of one BasicBlock at 8, 16 and 32 channels (8x8, 4x4, 2x2),
    global average pooling and a Linear layer."""
    return resnet(8, in_channels=1, width=8)


def alexnet_style() -> nn.Module:
    """AlexNet's ingredients at digit size: ReLU, local response normalization after each convolution,
    *overlapping* 3x3 max pooling with stride 2, and dropout before the fully connected layers:
    1x8x8 -> 16x4x4 -> 32x2x2 -> 64 -> 10. LRN's k is 1, not AlexNet's 2: with no batch normalization, 2
    halves every activation at this scale and four epochs are then not enough."""
    def stage(c_in: int, c_out: int) -> list[nn.Module]:
        return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0),
                nn.MaxPool2d(3, stride=2, padding=1)]
    return nn.Sequential(*stage(1, 16), *stage(16, 32), nn.Flatten(), nn.Dropout(0.2), nn.Linear(32 * 2 * 2, 64),
                         nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10))


class ShuffleUnit(nn.Module):
    """ShuffleNet's unit (Zhang et al. 2018, Fig. 2b): a 1x1 group convolution, a channel shuffle so the next
    groups see every group's outputs, a 3x3 depthwise convolution, a second 1x1 group convolution, and the
    input added back."""

    def __init__(self, channels: int, groups: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 1, groups=groups, bias=False), nn.BatchNorm2d(channels), nn.ReLU(),
            nn.ChannelShuffle(groups),
            nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False), nn.BatchNorm2d(channels),
            nn.Conv2d(channels, channels, 1, groups=groups, bias=False), nn.BatchNorm2d(channels))

    def forward(self, input: mt.Tensor) -> mt.Tensor:
        """The unit's output: ReLU(input + body(input))."""
        return F.relu(input + self.body(input))


def shufflenet_style() -> nn.Module:
    """A MobileNet/ShuffleNet-style net: a 3x3 stem, a ShuffleUnit (group convolutions and channel shuffle,
    4 groups), 2x2 max pooling, a depthwise-separable block to 32 channels at stride 2, global average
    pooling: 1x8x8 -> 16x8x8 -> 16x4x4 -> 32x2x2 -> 10."""
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                         ShuffleUnit(16, 4), nn.MaxPool2d(2), DepthwiseSeparable(16, 32, stride=2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))


def separable_savings(block: DepthwiseSeparable, size: int) -> tuple[int, int, float]:
    """The multiply-adds of ``block`` on ``size`` x ``size`` inputs, counted from its convolutions' output
    shapes, against one full convolution with the same kernel, stride and channels: (separable, full, the
    notes' ratio 1/N + 1/D_K^2)."""
    x = mt.zeros(1, block.in_channels, size, size)
    separable = 0
    with mt.no_grad():
        for conv in (m for m in block if isinstance(m, nn.Conv2d)):
            x = conv(x)
            kh, kw = conv.kernel_size
            separable += x.shape[2] * x.shape[3] * conv.out_channels * kh * kw * conv.in_channels // conv.groups
    k = block[0].kernel_size[0]
    full = x.shape[2] * x.shape[3] * block.out_channels * k * k * block.in_channels
    return separable, full, 1 / block.out_channels + 1 / k ** 2


MODELS: dict[str, Callable[[], nn.Module]] = {
    "LeNet-5": lenet5,
    "VGG-style": vgg_style,
    "Inception-style": inception_style,
    "ResNet-8": residual,
    "AlexNet-style": alexnet_style,
    "ShuffleNet-style": shufflenet_style,
}

# trained eagerly: AlexNet-style's dropout draws random masks, which a compiled step cannot replay (a graph break)
EAGER = frozenset({"AlexNet-style"})


def train_model(name: str, split: Split, epochs: int = 4, lr: float = 3e-3, batch_size: int = 32,
                seed: int = 0) -> Trained:
    """Build ``MODELS[name]`` from seed ``seed`` and train it with Adam on ``split``.

    Args:
        name: a key of ``MODELS``.
        split: digits as ``(N, 1, 8, 8)`` images (``digits_split()``).
        epochs: passes over the training part.
        lr: Adam's step size.
        batch_size: examples per step.
        seed: the seed of the initial weights and of the batch order.
    """
    mt.manual_seed(seed)
    model = MODELS[name]()
    return train_timed(name, model, split, optim.Adam(model.parameters(), lr=lr), epochs, batch_size, seed,
                       compiled=name not in EAGER)


def train_zoo(split: Split, epochs: int = 4, seed: int = 0) -> dict[str, Trained]:
    """Train every model of ``MODELS`` on ``split`` with the same settings (see ``train_model``)."""
    return {name: train_model(name, split, epochs, seed=seed) for name in MODELS}


# ----------------------------------------------------------------------------- output sizes and padding
def tf_padding(size: int, kernel: int, stride: int, mode: str) -> tuple[int, int, int]:
    """TensorFlow's ``GetWindowedOutputSize`` as the notes (004) print it, without dilation:
    ``(output size, padding before, padding after)`` for ``mode`` ``'valid'`` or ``'same'``."""
    if mode == "valid":
        return (size - kernel + stride) // stride, 0, 0
    out = (size + stride - 1) // stride                      # ceil(size / stride)
    needed = max(0, (out - 1) * stride + kernel - size)
    return out, needed // 2, needed - needed // 2


@dataclass
class SizeCase:
    """One output-size example: a square ``size`` x ``size`` input, a ``kernel`` x ``kernel`` window with
    ``stride``, and ``padding`` as given to the layer (an int on each side, ``'valid'`` or ``'same'``);
    ``tf`` pads by the notes' TensorFlow rule with ``F.pad`` (for a strided 'same'); ``pool`` runs
    ``nn.MaxPool2d`` instead of a convolution."""
    source: str
    size: int
    kernel: int
    stride: int = 1
    padding: int | str = 0
    tf: bool = False
    pool: bool = False

    def pads(self) -> tuple[int, int]:
        """The zeros added before and after along each spatial dim."""
        if isinstance(self.padding, int):
            return self.padding, self.padding
        if self.tf:
            return tf_padding(self.size, self.kernel, self.stride, self.padding)[1:]
        total = 0 if self.padding == "valid" else self.kernel - 1     # PyTorch's 'same': the extra on the right
        return total // 2, total - total // 2

    def formula(self) -> Fraction:
        """The notes' ``(W + P - F) / S + 1`` with P the total padding, before rounding down."""
        return Fraction(self.size + sum(self.pads()) - self.kernel, self.stride) + 1

    def actual(self) -> tuple[int, int]:
        """The output's (height, width) from the real layer on a ``(1, 1, size, size)`` input."""
        x = mt.randn(1, 1, self.size, self.size)
        if self.pool:
            y = nn.MaxPool2d(self.kernel, self.stride, self.padding)(x)
        elif self.tf:
            before, after = self.pads()
            y = F.conv2d(F.pad(x, (before, after, before, after)), mt.randn(1, 1, self.kernel, self.kernel),
                         stride=self.stride)
        else:
            y = nn.Conv2d(1, 1, self.kernel, stride=self.stride, padding=self.padding)(x)
        return tuple(y.shape[2:])

    def call(self) -> str:
        """The layer call the row ran."""
        if self.pool:
            return f"nn.MaxPool2d({self.kernel}, {self.stride})"
        if self.tf:
            before, after = self.pads()
            return f"F.pad(x, ({before}, {after}, {before}, {after})) + F.conv2d(stride={self.stride})"
        return f"nn.Conv2d(1, 1, {self.kernel}, stride={self.stride}, padding={self.padding!r})"


SIZE_CASES = (
    SizeCase("004: 5x5 image, 3x3 filter", 5, 3, padding="valid"),
    SizeCase("'same', stride 1", 5, 3, padding="same"),
    SizeCase("'same', even kernel", 5, 4, padding="same"),
    SizeCase("004 TF 'same', stride 2", 5, 3, stride=2, padding="same", tf=True),
    SizeCase("004 TF 'same', odd pad", 6, 3, stride=2, padding="same", tf=True),
    SizeCase("'valid', stride 2", 8, 3, stride=2, padding="valid"),
    SizeCase("(W - F + 2P)/S + 1", 7, 3, stride=2, padding=1),
    SizeCase("LeNet C1 on 32x32", 32, 5),
    SizeCase("LeNet5 conv1 on 28x28", 28, 5, padding=2),
    SizeCase("LeNet S2 pooling", 28, 2, stride=2, pool=True),
    SizeCase("LeNet C3", 14, 5),
    SizeCase("VGG 3x3, padding 1", 8, 3, padding=1),
    SizeCase("VGG 2x2 pool, stride 2", 8, 2, stride=2, pool=True),
)


def size_table(cases: tuple[SizeCase, ...] = SIZE_CASES) -> str:
    """The output-size table: input, kernel, stride, padding, the formula's value and the real output's
    height x width."""
    lines = [f"  {'example':26s} {'W':>3s} {'F':>2s} {'S':>2s} {'padding':>8s} {'P':>5s}  "
             f"{'(W + P - F)/S + 1':27s} {'actual':>7s}  call"]
    for case in cases:
        before, after = case.pads()
        value = case.formula()
        shown = f"{float(value):g}" if value.denominator == 1 else f"{float(value):g} -> {math.floor(value)}"
        formula = f"({case.size} + {before + after} - {case.kernel})/{case.stride} + 1 = {shown}"
        lines.append(f"  {case.source:26s} {case.size:3d} {case.kernel:2d} {case.stride:2d} {case.padding!r:>8} "
                     f"{f'{before}+{after}':>5s}  {formula:27s} {'x'.join(map(str, case.actual())):>7s}  {case.call()}")
    return "\n".join(lines)


# the worked example of 004 (its picture is not in the text; these are the image and filter of the
# tutorial it follows, and give exactly the products 1+0+1+0+1+0+0+0+1 the notes add up)
NOTES_IMAGE = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
NOTES_FILTER = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]


def notes_feature_map() -> list[list[float]]:
    """004's 5x5 image convolved (cross-correlated) with its 3x3 filter, bias 0, then ReLU: the 3x3 map."""
    image = mt.tensor(NOTES_IMAGE, dtype=mt.float32).reshape(1, 1, 5, 5)
    weight = mt.tensor(NOTES_FILTER, dtype=mt.float32).reshape(1, 1, 3, 3)
    return F.relu(F.conv2d(image, weight, mt.zeros(1), padding="valid"))[0, 0].tolist()


# ----------------------------------------------------------------------------- the demo
def main(out: Path, quick: bool = False) -> None:
    """Print the output-size table and the notes' worked convolution, train the four models, print their
    table, plot their accuracy curves and draw ResNet-8's graph grouped by module."""
    print("Output sizes: the notes' formula against real layers (square inputs, one channel)")
    print(size_table())
    print("  padding='same' with stride 2 in PyTorch and microtensor:", end=" ")
    try:
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    except ValueError as err:
        print(f"ValueError: {err}; so the TF rows pad by the notes' rule with F.pad")
    print("  notes 003 (5.5.4): VGG's '2 x 2 padding with stride 2' is 2x2 max pooling with stride 2 (last row)")
    print("  004's worked example, 5x5 image * 3x3 filter, 'valid', ReLU -> 3x3 feature map:")
    feature_map = notes_feature_map()
    for row in feature_map:
        print("    " + " ".join(f"{v:3.0f}" for v in row))
    print(f"  a_00 = {feature_map[0][0]:.0f}, as the notes compute (their written-out sum has eight of the nine "
          "products and a stray w_2 where w_22 x_22 + w_b belong)")

    split = digits_split()
    epochs = 4
    if quick:
        epochs, split = 1, Split(split.x_train[:128], split.y_train[:128], split.x_test[:128], split.y_test[:128])
    print(f"\nThe zoo on scikit-learn's digits: {len(split.y_train)} training and {len(split.y_test)} test images "
          f"(8x8), Adam lr 3e-3, batches of 32, {epochs} epochs each")
    runs = train_zoo(split, epochs)
    print(results_table(list(runs.values())))
    print("  LeNet-5 sees each digit as 28x28: every pixel a 3x3 block plus a 2-pixel border (ToLeNetInput)")
    block = runs["Inception-style"].model[2]     # stem conv, ReLU, the Inception block, ...
    print(f"  the Inception block concatenates its branches: {block.out_channels} = 8 + 8 + 4 + 4 channels "
          "(notes 003, 5.5.5, say it averages them)")
    separable, full, formula = separable_savings(runs["ShuffleNet-style"].model[5], size=4)
    print(f"  depthwise-separable block (16 -> 32 channels, 3x3, stride 2): {separable:,d} multiply-adds against "
          f"{full:,d} for a full 3x3 convolution: {separable / full:.3f} of the cost, the notes' 1/N + 1/D_K^2 = "
          f"1/32 + 1/9 = {formula:.3f}")
    headline("test accuracy", ", ".join(f"{name} {run.accuracy:.1%}" for name, run in runs.items()))
    headline("parameters", ", ".join(f"{name} {run.parameters:,d}" for name, run in runs.items()))
    plot_curves(labelled_histories(list(runs.values())), out / "accuracy_curves.png",
                "training loss (cross-entropy) on 8x8 digits")
    draw_grouped_graph(runs["ResNet-8"].model, split.x_train[:4], split.y_train[:4], out / "resnet8_graph.png")

"""LeNet-5 (LeCun, Bottou, Bengio and Haffner, "Gradient-based learning applied to document recognition", 1998)."""
from __future__ import annotations

from collections.abc import Callable

from microtensor.nn.activation import ReLU
from microtensor.nn.container import Flatten, Sequential
from microtensor.nn.conv import Conv2d
from microtensor.nn.linear import Linear
from microtensor.nn.models._layers import check_image_batch
from microtensor.nn.module import Module
from microtensor.nn.pooling import AvgPool2d, MaxPool2d
from microtensor.tensor import Tensor

_POOLING = {"max": MaxPool2d, "avg": AvgPool2d}


class LeNet5(Module):
    """LeNet-5 for 28x28 images: two convolution stages and three fully connected layers.

    ``features``: conv ``in_channels``->6 5x5 padding 2, activation, pool 2, conv 6->16 5x5, activation,
    pool 2 (16x5x5 = 400 features); ``classifier``: Linear 400->120, activation, 120->84, activation,
    84->``num_classes``. With the defaults it has 61,706 parameters.

    LeCun et al. (1998) used scaled tanh units, trainable average "subsampling" and a sparse C3 connection
    table on 32x32 inputs; the defaults here are the modern reading (ReLU, max pooling, full connections,
    MNIST's 28x28 padded by 2); ``activation=nn.Tanh, pooling="avg"`` comes closer to the original.

    Args:
        num_classes: the number of outputs.
        in_channels: the input's channels (1 for grayscale).
        activation: a Module class or callable returning a new Module, used after every layer but the last.
        pooling: ``"max"`` or ``"avg"``.

    Shape:
        input ``(N, in_channels, 28, 28)``, output ``(N, num_classes)``.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, activation: Callable[[], Module] = ReLU,
                 pooling: str = "max") -> None:
        super().__init__()
        if pooling not in _POOLING:
            raise ValueError(f"LeNet5: pooling must be one of {sorted(_POOLING)}, got {pooling!r}")
        pool = _POOLING[pooling]
        self.in_channels = in_channels
        self.features = Sequential(Conv2d(in_channels, 6, 5, padding=2), activation(), pool(2),
                                   Conv2d(6, 16, 5), activation(), pool(2), Flatten())
        self.classifier = Sequential(Linear(400, 120), activation(), Linear(120, 84), activation(),
                                     Linear(84, num_classes))

    def forward(self, input: Tensor) -> Tensor:
        """The class scores (logits) of a batch of images."""
        check_image_batch(self, input, self.in_channels, (28, 28))
        return self.classifier(self.features(input))

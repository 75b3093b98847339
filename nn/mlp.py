"""MLP: a stack of Linear layers with an activation between consecutive ones (+, not in PyTorch's nn)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

from microtensor.nn.activation import ReLU
from microtensor.nn.container import Sequential
from microtensor.nn.dropout import Dropout
from microtensor.nn.linear import Linear
from microtensor.nn.module import Module


class MLP(Sequential):
    """A multi-layer perceptron: ``Linear(sizes[0], sizes[1])``, activation, ..., ``Linear(sizes[-2], sizes[-1])``.

    The activation (and the dropout, when ``dropout > 0``) sits between consecutive Linear layers, not
    after the last one, so the output is the last layer's affine map (logits for a classifier).

    Args:
        sizes: the feature sizes, input first, output last; at least two.
        activation: a Module class or any callable returning a new Module (e.g. ``nn.Tanh``,
            ``lambda: nn.LeakyReLU(0.1)``), called once per hidden layer.
        bias: whether the Linear layers have biases.
        dropout: the probability of the ``Dropout`` after each hidden activation (none when 0).

    Shape:
        input ``(*, sizes[0])``, output ``(*, sizes[-1])``.

    Example::

        >>> net = nn.MLP([784, 256, 256, 10])            # Linear, ReLU, Linear, ReLU, Linear
        >>> net(mt.randn(32, 784)).shape
        microtensor.Size([32, 10])
    """

    def __init__(self, sizes: Sequence[int], activation: Callable[[], Module] = ReLU, bias: bool = True,
                 dropout: float = 0.0) -> None:
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least an input and an output size, got {sizes}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(pairwise(sizes)):
            if i:
                layers.append(activation())
                if dropout:
                    layers.append(Dropout(dropout))
            layers.append(Linear(n_in, n_out, bias=bias))
        super().__init__(*layers)
        self.sizes = sizes

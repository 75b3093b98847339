"""Dropout layers: Dropout (elements) and Dropout2d (whole channels), active in training mode only."""
from __future__ import annotations

from microtensor.nn import functional as F
from microtensor.nn.module import Module
from microtensor.tensor import Tensor


class _DropoutNd(Module):
    """What Dropout and Dropout2d share: the probability, the in-place flag and the repr."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """In training mode, zero each element with probability ``p`` and scale the others by ``1 / (1 - p)``;
    in eval mode, the identity.

    Args:
        p: the probability of zeroing an element.
        inplace: overwrite the input instead of returning a new tensor.
    """

    def forward(self, input: Tensor) -> Tensor:
        """``F.dropout(input, p, training, inplace)``."""
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """In training mode, zero whole channels of ``(N, C, H, W)`` (or ``(C, H, W)``) inputs with probability
    ``p`` and scale the others by ``1 / (1 - p)``; in eval mode, the identity.

    Args:
        p: the probability of zeroing a channel.
        inplace: overwrite the input instead of returning a new tensor.
    """

    def forward(self, input: Tensor) -> Tensor:
        """``F.dropout2d(input, p, training, inplace)``."""
        return F.dropout2d(input, self.p, self.training, self.inplace)

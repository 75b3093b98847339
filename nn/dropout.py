"""Dropout layers: Dropout (elements), Dropout1d/2d/3d (whole channels) and the SELU-preserving AlphaDropout and
FeatureAlphaDropout, active in training mode only."""
from __future__ import annotations

from microtensor.nn import functional as F
from microtensor.nn.module import Module
from microtensor.tensor import Tensor


class _DropoutNd(Module):
    """What the dropout layers share: the probability, the in-place flag and the repr."""

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


class Dropout1d(_DropoutNd):
    """In training mode, zero whole channels of ``(N, C, L)`` or ``(C, L)`` inputs with probability ``p`` and
    scale the others by ``1 / (1 - p)``; in eval mode, the identity.

    Args:
        p: the probability of zeroing a channel.
        inplace: overwrite the input instead of returning a new tensor.
    """

    def forward(self, input: Tensor) -> Tensor:
        """``F.dropout1d(input, p, training, inplace)``."""
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """In training mode, zero whole channels of ``(N, C, H, W)`` inputs with probability ``p`` and scale the
    others by ``1 / (1 - p)``; in eval mode, the identity. Other ranks warn as in PyTorch (a 3-D input is
    taken as ``(N, C, L)``; see ``F.dropout2d``).

    Args:
        p: the probability of zeroing a channel.
        inplace: overwrite the input instead of returning a new tensor.
    """

    def forward(self, input: Tensor) -> Tensor:
        """``F.dropout2d(input, p, training, inplace)``."""
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """In training mode, zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` inputs with probability
    ``p`` and scale the others by ``1 / (1 - p)``; in eval mode, the identity. Other ranks warn as in PyTorch
    (see ``F.dropout3d``).

    Args:
        p: the probability of zeroing a channel.
        inplace: overwrite the input instead of returning a new tensor.
    """

    def forward(self, input: Tensor) -> Tensor:
        """``F.dropout3d(input, p, training, inplace)``."""
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout for SELU networks: in training mode, dropped elements take SELU's negative saturation and an
    affine map keeps the input's mean and variance; in eval mode, the identity.

    Args:
        p: the probability of dropping an element.
        inplace: accepted for PyTorch's signature; as in PyTorch, the module never works in place.
    """

    def forward(self, input: Tensor) -> Tensor:
        """``F.alpha_dropout(input, p, training)``."""
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """``AlphaDropout`` with one draw per channel of an ``(N, C, *)`` input.

    Args:
        p: the probability of dropping a channel.
        inplace: accepted for PyTorch's signature; as in PyTorch, the module never works in place.
    """

    def forward(self, input: Tensor) -> Tensor:
        """``F.feature_alpha_dropout(input, p, training)``."""
        return F.feature_alpha_dropout(input, self.p, self.training)

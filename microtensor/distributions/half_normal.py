"""The half-normal distribution: |X| with X ~ Normal(0, scale)."""
from __future__ import annotations

import math
from typing import Any

from microtensor.distributions.folded import Folded
from microtensor.distributions.normal import Normal
from microtensor.tensor import Tensor

__all__ = ["HalfNormal"]


class HalfNormal(Folded):
    """``|X|`` with ``X ~ Normal(0, scale)``.

    Example::

        >>> m = HalfNormal(torch.tensor([1.0]))
        >>> m.sample()  # half-normal distributed with scale=1
    """

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        super().__init__(Normal(0, scale, validate_args=False), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        """scale sqrt(2 / pi)."""
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> Tensor:
        """scale^2 (1 - 2 / pi)."""
        return self.scale.pow(2) * (1 - 2 / math.pi)

"""The half-Cauchy distribution: |X| with X ~ Cauchy(0, scale)."""
from __future__ import annotations

import math
from typing import Any

import microtensor
from microtensor.distributions.cauchy import Cauchy
from microtensor.distributions.folded import Folded
from microtensor.tensor import Tensor

__all__ = ["HalfCauchy"]


class HalfCauchy(Folded):
    """``|X|`` with ``X ~ Cauchy(0, scale)``.

    Example::

        >>> m = HalfCauchy(torch.tensor([1.0]))
        >>> m.sample()  # half-Cauchy distributed with scale=1
    """

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        super().__init__(Cauchy(0, scale, validate_args=False), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        """inf."""
        return microtensor.full(tuple(self._extended_shape()), math.inf, dtype=self.scale.dtype)

    @property
    def variance(self) -> Tensor:
        """The underlying Cauchy's (infinite) variance."""
        return self.base_dist.variance

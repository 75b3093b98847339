"""The Cauchy (Lorentz) distribution."""
from __future__ import annotations

import math
from typing import Any

import microtensor
from microtensor.distributions.location_scale import LocationScale
from microtensor.tensor import Tensor

__all__ = ["Cauchy"]


class Cauchy(LocationScale):
    """A Cauchy distribution: the ratio of two independent standard normals, shifted by ``loc`` and scaled by
    ``scale``. Its mean and variance do not exist (NaN and inf, as PyTorch returns).

    Example::

        >>> m = Cauchy(torch.tensor([0.0]), torch.tensor([1.0]))
        >>> m.sample()  # Cauchy distributed with loc=0 and scale=1
    """

    @property
    def mean(self) -> Tensor:
        """NaN: the mean is undefined."""
        return microtensor.full(tuple(self._extended_shape()), math.nan, dtype=self.loc.dtype)

    @property
    def variance(self) -> Tensor:
        """inf: the variance is undefined."""
        return microtensor.full(tuple(self._extended_shape()), math.inf, dtype=self.loc.dtype)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """loc + scale tan(pi (u - 1/2)) with u uniform: differentiable in loc and scale."""
        u = microtensor.rand(tuple(self._extended_shape(sample_shape)), dtype=self.loc.dtype)
        return self.loc + (math.pi * (u - 0.5)).tan() * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        """-log(pi) - log(scale) - log1p(((value - loc) / scale)^2)."""
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - self.scale.log() - (((value - self.loc) / self.scale) ** 2).log1p()

    def cdf(self, value: Tensor) -> Tensor:
        """atan((value - loc) / scale) / pi + 1/2."""
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value: Tensor) -> Tensor:
        """loc + scale tan(pi (value - 1/2))."""
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self) -> Tensor:
        """log(4 pi) + log(scale)."""
        return math.log(4 * math.pi) + self.scale.log()

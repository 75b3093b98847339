"""The Gamma distribution."""
from __future__ import annotations

from typing import Any

import microtensor
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all, standard_gamma
from microtensor.ops.elementwise_extra import xlogy
from microtensor.ops.special_functions import digamma, lgamma
from microtensor.tensor import Tensor

__all__ = ["Gamma"]


class Gamma(Distribution):
    """A Gamma distribution parameterized by shape ``concentration`` and ``rate``.

    Example::

        >>> m = Gamma(torch.tensor([1.0]), torch.tensor([1.0]))
        >>> m.sample()  # Gamma distributed with concentration=1 and rate=1
    """
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        both_numbers = not isinstance(concentration, Tensor) and not isinstance(rate, Tensor)
        super().__init__(() if both_numbers else self.concentration.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> Gamma:
        """A Gamma with ``batch_shape`` (parameters expanded, no copy)."""
        new = self._get_checked_instance(Gamma, _instance)
        new.concentration = self.concentration.expand(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """concentration / rate."""
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        """(concentration - 1) / rate, clamped at 0."""
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        """concentration / rate^2."""
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Gamma draws, differentiable in both parameters (implicitly in concentration, as PyTorch)."""
        shape = self._extended_shape(sample_shape)
        return standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)

    def log_prob(self, value: Tensor) -> Tensor:
        """c log(rate) + (c - 1) log(value) - rate value - lgamma(c)."""
        if self._validate_args:
            self._validate_sample(value)
        value = microtensor.as_tensor(value, dtype=self.rate.dtype)
        return (xlogy(self.concentration, self.rate) + xlogy(self.concentration - 1, value)
                - self.rate * value - lgamma(self.concentration))

    def entropy(self) -> Tensor:
        """c - log(rate) + lgamma(c) + (1 - c) digamma(c)."""
        c = self.concentration
        return c - self.rate.log() + lgamma(c) + (1.0 - c) * digamma(c)

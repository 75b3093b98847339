"""The inverse-gamma distribution: 1 / X with X ~ Gamma."""
from __future__ import annotations

import math
from typing import Any

import microtensor
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.gamma import Gamma
from microtensor.distributions.transformed_distribution import TransformedDistribution
from microtensor.distributions.transforms import PowerTransform
from microtensor.ops.special_functions import digamma, lgamma
from microtensor.tensor import Tensor

__all__ = ["InverseGamma"]


class InverseGamma(TransformedDistribution):
    """``1 / X`` with ``X ~ Gamma(concentration, rate)``.

    Example::

        >>> m = InverseGamma(torch.tensor([2.0]), torch.tensor([3.0]))
        >>> m.sample()
    """
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        base_dist = Gamma(concentration, rate, validate_args=validate_args)
        neg_one = -microtensor.ones_like(base_dist.rate)
        super().__init__(base_dist, PowerTransform(neg_one), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> InverseGamma:
        """An InverseGamma with ``batch_shape``."""
        new = self._get_checked_instance(InverseGamma, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def concentration(self) -> Tensor:
        """The Gamma's concentration."""
        return self.base_dist.concentration  # type: ignore[attr-defined]  # a Gamma

    @property
    def rate(self) -> Tensor:
        """The Gamma's rate (the inverse gamma's scale)."""
        return self.base_dist.rate  # type: ignore[attr-defined]  # a Gamma

    @property
    def mean(self) -> Tensor:
        """rate / (concentration - 1), inf for concentration <= 1."""
        result = self.rate / (self.concentration - 1)
        return microtensor.where(self.concentration > 1, result, math.inf)

    @property
    def mode(self) -> Tensor:
        """rate / (concentration + 1)."""
        return self.rate / (self.concentration + 1)

    @property
    def variance(self) -> Tensor:
        """rate^2 / ((c - 1)^2 (c - 2)), inf for c <= 2."""
        result = self.rate.square() / ((self.concentration - 1).square() * (self.concentration - 2))
        return microtensor.where(self.concentration > 2, result, math.inf)

    def entropy(self) -> Tensor:
        """c + log(rate) + lgamma(c) - (1 + c) digamma(c)."""
        c = self.concentration
        return c + self.rate.log() + lgamma(c) - (1 + c) * digamma(c)

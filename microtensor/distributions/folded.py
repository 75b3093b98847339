"""What HalfNormal and HalfCauchy share: |X| for X from a distribution symmetric about 0 with a ``scale``,
so the density, cdf and entropy are the base's folded onto [0, inf)."""
from __future__ import annotations

import math
from typing import Any

import microtensor
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.transformed_distribution import TransformedDistribution
from microtensor.distributions.transforms import AbsTransform
from microtensor.tensor import Tensor


class Folded(TransformedDistribution):
    """Base of ``|X|`` with ``X`` drawn from ``base_dist``, symmetric about 0, of parameter ``scale``."""
    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, base_dist: Distribution, validate_args: bool | None = None) -> None:
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> Any:
        """The same family with ``batch_shape``."""
        new = self._get_checked_instance(type(self), _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def scale(self) -> Tensor:
        """The scale of the underlying symmetric distribution."""
        return self.base_dist.scale  # type: ignore[attr-defined]  # a LocationScale

    @property
    def mode(self) -> Tensor:
        """0."""
        return microtensor.zeros_like(self.scale)

    def log_prob(self, value: Tensor) -> Tensor:
        """The base's log-density plus log 2, -inf below 0."""
        if self._validate_args:
            self._validate_sample(value)
        value = microtensor.as_tensor(value, dtype=self.scale.dtype)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return microtensor.where(value >= 0, log_prob, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        """2 cdf_base(value) - 1."""
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob: Tensor) -> Tensor:
        """The base's icdf at (prob + 1) / 2."""
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self) -> Tensor:
        """The base's entropy less log 2."""
        return self.base_dist.entropy() - math.log(2)

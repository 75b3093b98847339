"""The Poisson distribution."""
from __future__ import annotations

from typing import Any

import microtensor
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.exp_family import ExponentialFamily
from microtensor.distributions.utils import broadcast_all
from microtensor.ops.elementwise_extra import xlogy
from microtensor.ops.special_functions import lgamma
from microtensor.tensor import Tensor

__all__ = ["Poisson"]


class Poisson(ExponentialFamily):
    """A Poisson distribution of the count of events at ``rate``.

    Example::

        >>> m = Poisson(torch.tensor([4.0]))
        >>> m.sample()
    """
    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.size() if isinstance(rate, Tensor) else (), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> Poisson:
        """A Poisson with ``batch_shape`` (parameters expanded, no copy)."""
        new = self._get_checked_instance(Poisson, _instance)
        new.rate = self.rate.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """rate."""
        return self.rate

    @property
    def mode(self) -> Tensor:
        """floor(rate)."""
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        """rate."""
        return self.rate

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Poisson draws of shape ``sample_shape + batch_shape``."""
        with microtensor.no_grad():
            return microtensor.poisson(self.rate.expand(tuple(self._extended_shape(sample_shape))))

    def log_prob(self, value: Tensor) -> Tensor:
        """value log(rate) - rate - lgamma(value + 1)."""
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return xlogy(value, rate) - rate - lgamma(value + 1)

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        return (self.rate.log(),)

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        return natural_params[0].exp()

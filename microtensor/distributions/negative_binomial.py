"""The negative binomial distribution."""
from __future__ import annotations

from typing import Any

import microtensor
from microtensor.distributions import constraints
from microtensor.distributions.binary_probs import BinaryProbsLogits
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.gamma import Gamma
from microtensor.ops.activation import logsigmoid
from microtensor.ops.special_functions import lgamma
from microtensor.tensor import Size, Tensor

__all__ = ["NegativeBinomial"]


class NegativeBinomial(BinaryProbsLogits):
    """The number of successes before ``total_count`` failures in Bernoulli trials of success probability
    ``probs`` (or ``logits``).

    Example::

        >>> m = NegativeBinomial(torch.tensor([4.0]), torch.tensor([0.3]))
        >>> m.sample()
    """
    arg_constraints = {"total_count": constraints.greater_than_eq(0), "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        batch_shape, (count,) = self._init_probs_logits(probs, logits, total_count)
        self.total_count = count.type_as(self._param)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> NegativeBinomial:
        """A NegativeBinomial with ``batch_shape`` (parameters expanded, no copy)."""
        new = self._get_checked_instance(NegativeBinomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count.expand(batch_shape)
        self._expand_probs_logits(new, batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new



    @property
    def mean(self) -> Tensor:
        """total_count exp(logits)."""
        return self.total_count * self.logits.exp()

    @property
    def mode(self) -> Tensor:
        """floor((total_count - 1) exp(logits)), at least 0."""
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        """mean / sigmoid(-logits)."""
        return self.mean / (-self.logits).sigmoid()

    @property
    def _gamma(self) -> Gamma:
        return Gamma(concentration=self.total_count, rate=(-self.logits).exp(), validate_args=False)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Poisson draws whose rates are Gamma draws (the gamma-Poisson mixture)."""
        with microtensor.no_grad():
            rate = self._gamma.sample(sample_shape)
            return microtensor.poisson(rate)

    def log_prob(self, value: Tensor) -> Tensor:
        """lgamma(n + k) - lgamma(k + 1) - lgamma(n) + n log sigmoid(-logits) + k log sigmoid(logits)."""
        if self._validate_args:
            self._validate_sample(value)
        log_unnormalized_prob = self.total_count * logsigmoid(-self.logits) + value * logsigmoid(self.logits)
        log_normalization = -lgamma(self.total_count + value) + lgamma(1.0 + value) + lgamma(self.total_count)
        log_normalization = log_normalization.masked_fill(self.total_count + value == 0.0, 0.0)
        return log_unnormalized_prob - log_normalization

"""The multinomial distribution: category counts of ``total_count`` draws."""
from __future__ import annotations

import math
from typing import Any

import microtensor
from microtensor.distributions import constraints
from microtensor.distributions.binomial import Binomial
from microtensor.distributions.categorical import Categorical
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.ops.special_functions import lgamma
from microtensor.tensor import Size, Tensor

__all__ = ["Multinomial"]


class Multinomial(Distribution):
    """Counts per category of ``total_count`` independent draws from ``Categorical(probs or logits)``.

    Args:
        total_count: the number of draws (an int; ``log_prob`` accepts any total when it is not sampled).
        probs: event probabilities (normalized over the last dim).
        logits: event log-probabilities.

    Example::

        >>> m = Multinomial(100, torch.tensor([1.0, 1.0, 1.0, 1.0]))
        >>> x = m.sample()  # equal probability of 0, 1, 2, 3
    """
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count: int = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        param_shape = self._categorical.param_shape
        super().__init__(param_shape[:-1], param_shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> Multinomial:
        """A Multinomial with ``batch_shape`` (parameters expanded, no copy)."""
        new = self._get_checked_instance(Multinomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        new._binomial = Binomial(total_count=self.total_count, probs=new._categorical.probs)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> Any:
        """Nonnegative integer vectors summing to at most total_count."""
        return constraints.multinomial(self.total_count)

    @property
    def probs(self) -> Tensor:
        """The normalized probabilities."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """The normalized log-probabilities."""
        return self._categorical.logits

    @property
    def param_shape(self) -> Size:
        """The shape of the given parameter."""
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        """total_count probs."""
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        """total_count probs (1 - probs)."""
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Counts of shape ``sample_shape + batch_shape + (K,)``, from ``total_count`` categorical draws."""
        sample_shape = Size(sample_shape)
        with microtensor.no_grad():
            samples = self._categorical.sample(Size((self.total_count,)) + sample_shape)
            samples = samples.permute(*range(1, samples.dim()), 0)  # the draws last, for scatter_add
            counts = microtensor.zeros(tuple(self._extended_shape(sample_shape)), dtype=self.probs.dtype)
            counts.scatter_add_(-1, samples, microtensor.ones_like(samples, dtype=self.probs.dtype))
            return counts

    def entropy(self) -> Tensor:
        """n H(categorical) - lgamma(n + 1) + sum_k E[lgamma(x_k + 1)], the expectation over the binomial
        marginals."""
        n = float(self.total_count)
        term1 = n * self._categorical.entropy() - math.lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(support).exp()
        weights = lgamma(support + 1)
        return term1 + (binomial_probs * weights).sum([0, -1])

    def log_prob(self, value: Tensor) -> Tensor:
        """lgamma(n + 1) - sum lgamma(x_k + 1) + sum x_k logits_k, with n = sum x_k."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_factorial_n = lgamma(value.sum(-1) + 1)
        log_factorial_xs = lgamma(value + 1).sum(-1)
        logits = microtensor.where((value == 0) & (logits == -math.inf), 0.0, logits)
        log_powers = (logits * value).sum(-1)
        return log_factorial_n - log_factorial_xs + log_powers

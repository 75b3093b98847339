"""The log-normal distribution: exp of a Normal."""
from __future__ import annotations

from typing import Any

from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.normal import Normal
from microtensor.distributions.transformed_distribution import TransformedDistribution
from microtensor.distributions.transforms import ExpTransform
from microtensor.tensor import Tensor

__all__ = ["LogNormal"]


class LogNormal(TransformedDistribution):
    """``X = exp(Y)`` with ``Y ~ Normal(loc, scale)``.

    Args:
        loc: the mean of log(X).
        scale: the standard deviation of log(X) (> 0).

    Example::

        >>> m = LogNormal(torch.tensor([0.0]), torch.tensor([1.0]))
        >>> m.sample()  # log-normally distributed with mean=0 and stddev=1 in log space
    """
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        base_dist = Normal(loc, scale, validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> LogNormal:
        """A LogNormal with ``batch_shape``."""
        new = self._get_checked_instance(LogNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def loc(self) -> Tensor:
        """The mean of log(X)."""
        return self.base_dist.loc  # type: ignore[attr-defined]  # a Normal

    @property
    def scale(self) -> Tensor:
        """The standard deviation of log(X)."""
        return self.base_dist.scale  # type: ignore[attr-defined]  # a Normal

    @property
    def mean(self) -> Tensor:
        """exp(loc + scale^2 / 2)."""
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self) -> Tensor:
        """exp(loc - scale^2)."""
        return (self.loc - self.scale.square()).exp()

    @property
    def variance(self) -> Tensor:
        """(exp(scale^2) - 1) exp(2 loc + scale^2)."""
        scale_sq = self.scale.pow(2)
        return scale_sq.expm1() * (2 * self.loc + scale_sq).exp()

    def entropy(self) -> Tensor:
        """The Normal's entropy plus loc."""
        return self.base_dist.entropy() + self.loc

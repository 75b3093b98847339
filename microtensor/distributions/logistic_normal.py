"""The logistic-normal distribution on the simplex."""
from __future__ import annotations

from typing import Any

from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.normal import Normal
from microtensor.distributions.transformed_distribution import TransformedDistribution
from microtensor.distributions.transforms import StickBreakingTransform
from microtensor.tensor import Tensor

__all__ = ["LogisticNormal"]


class LogisticNormal(TransformedDistribution):
    """Stick-breaking of ``X ~ Normal(loc, scale)``: a distribution over the K-simplex for K - 1 normals.

    Example::

        >>> m = LogisticNormal(torch.tensor([0.0] * 3), torch.tensor([1.0] * 3))
        >>> m.sample()  # a point on the 4-simplex
    """
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        base_dist: Distribution = Normal(loc, scale, validate_args=validate_args)
        if not base_dist.batch_shape:
            base_dist = base_dist.expand([1])
        super().__init__(base_dist, StickBreakingTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> LogisticNormal:
        """A LogisticNormal with ``batch_shape``."""
        new = self._get_checked_instance(LogisticNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def loc(self) -> Tensor:
        """The underlying Normal's loc."""
        return self.base_dist.base_dist.loc  # type: ignore[attr-defined]  # Independent(Normal)

    @property
    def scale(self) -> Tensor:
        """The underlying Normal's scale."""
        return self.base_dist.base_dist.scale  # type: ignore[attr-defined]  # Independent(Normal)

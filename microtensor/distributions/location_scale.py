"""What the location-scale families (Normal, Laplace) share: ``loc`` and ``scale`` parameters, their
broadcasting, ``expand``, and the mean and mode at ``loc``."""
from __future__ import annotations

from typing import Any

from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Tensor


class LocationScale(Distribution):
    """Base of a distribution of ``loc + scale * X``, X of a fixed standard shape, symmetric about 0.

    Args:
        loc: the location (mean and mode), a number or tensor.
        scale: the scale (> 0), broadcast with ``loc``.
        validate_args: check the parameters (and ``log_prob``'s values) against the constraints.
    """
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        both_numbers = not isinstance(loc, Tensor) and not isinstance(scale, Tensor)
        super().__init__(() if both_numbers else self.loc.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> Any:
        """The same family with ``batch_shape`` (parameters expanded, no copy)."""
        new = self._get_checked_instance(LocationScale, _instance)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """loc."""
        return self.loc

"""The generalized Pareto distribution."""
from __future__ import annotations

import math
from typing import Any

import microtensor
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.tensor import Size, Tensor

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    """A generalized Pareto distribution: exponential tails for ``concentration`` 0, heavy (Pareto) tails for
    positive and bounded support for negative ``concentration``.

    Args:
        loc: the location (the lower end of the support).
        scale: the scale (> 0).
        concentration: the shape (real).

    Example::

        >>> m = GeneralizedPareto(torch.tensor([0.1]), torch.tensor([2.0]), torch.tensor([0.4]))
        >>> m.sample()
    """
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        all_numbers = not any(isinstance(v, Tensor) for v in (loc, scale, concentration))
        super().__init__(() if all_numbers else self.loc.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> GeneralizedPareto:
        """A GeneralizedPareto with ``batch_shape`` (parameters expanded, no copy)."""
        new = self._get_checked_instance(GeneralizedPareto, _instance)
        batch_shape = Size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _safe_concentration(self) -> tuple[Tensor, Tensor]:
        """Where the concentration is (close to) 0, and the concentration with those entries set to 1."""
        eq_zero = microtensor.isclose(self.concentration, microtensor.zeros_like(self.concentration))
        return eq_zero, microtensor.where(eq_zero, 1.0, self.concentration)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """icdf of uniform draws: differentiable in every parameter."""
        u = microtensor.rand(tuple(self._extended_shape(sample_shape)), dtype=self.loc.dtype)
        return self.icdf(u)

    def log_prob(self, value: Tensor) -> Tensor:
        """-log(scale) - (1 + 1/c) log1p(c z), z = (value - loc) / scale (-z when c = 0)."""
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        eq_zero, safe_conc = self._safe_concentration()
        y = 1 / safe_conc + microtensor.ones_like(z)
        where_nonzero = microtensor.where(y == 0, y, y * (safe_conc * z).log1p())
        return -self.scale.log() - microtensor.where(eq_zero, z, where_nonzero)

    def log_survival_function(self, value: Tensor) -> Tensor:
        """log(1 - cdf(value))."""
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        eq_zero, safe_conc = self._safe_concentration()
        return microtensor.where(eq_zero, -z, -(safe_conc * z).log1p() / safe_conc)

    def log_cdf(self, value: Tensor) -> Tensor:
        """log(cdf(value))."""
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value: Tensor) -> Tensor:
        """1 - (1 + c z) ** (-1/c) (1 - exp(-z) when c = 0)."""
        return self.log_cdf(value).exp()

    def icdf(self, value: Tensor) -> Tensor:
        """loc + scale / c (exp(-c log(1 - u)) - 1) (loc - scale log(1 - u) when c = 0)."""
        eq_zero, safe_conc = self._safe_concentration()
        logu = (-value).log1p()
        where_nonzero = self.loc + self.scale / safe_conc * (-safe_conc * logu).expm1()
        return microtensor.where(eq_zero, self.loc - self.scale * logu, where_nonzero)

    @property
    def mean(self) -> Tensor:
        """loc + scale / (1 - c), NaN for c >= 1."""
        valid = self.concentration < 1
        safe_conc = microtensor.where(valid, self.concentration, 0.5)
        return microtensor.where(valid, self.loc + self.scale / (1 - safe_conc), math.nan)

    @property
    def variance(self) -> Tensor:
        """scale^2 / ((1 - c)^2 (1 - 2c)), NaN for c >= 1/2."""
        valid = self.concentration < 0.5
        safe_conc = microtensor.where(valid, self.concentration, 0.25)
        return microtensor.where(valid, self.scale ** 2 / ((1 - safe_conc) ** 2 * (1 - 2 * safe_conc)), math.nan)

    def entropy(self) -> Tensor:
        """log(scale) + c + 1."""
        return (self.scale.log() + self.concentration + 1).broadcast_to(tuple(self._batch_shape))

    @property
    def mode(self) -> Tensor:
        """loc."""
        return self.loc

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> Any:
        """[loc, loc - scale / c] for c < 0, [loc, inf) otherwise."""
        lower = self.loc
        upper = microtensor.where(self.concentration < 0, lower - self.scale / self.concentration, math.inf)
        return constraints.interval(lower, upper)

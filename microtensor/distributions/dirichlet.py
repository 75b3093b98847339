"""The Dirichlet distribution on the probability simplex."""
from __future__ import annotations

from typing import Any

import numpy as np

import microtensor
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import standard_gamma
from microtensor.ops.elementwise_extra import xlogy
from microtensor.ops.embedding import one_hot
from microtensor.ops.special_functions import digamma, lgamma
from microtensor.tensor import Tensor

__all__ = ["Dirichlet"]


class Dirichlet(Distribution):
    """A Dirichlet distribution parameterized by ``concentration`` (the last dim is the event).

    Example::

        >>> m = Dirichlet(torch.tensor([0.5, 0.5]))
        >>> m.sample()  # Dirichlet distributed with concentration [0.5, 0.5]
    """
    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> Dirichlet:
        """A Dirichlet with ``batch_shape`` (parameters expanded, no copy)."""
        new = self._get_checked_instance(Dirichlet, _instance)
        new.concentration = self.concentration.expand((*batch_shape, *self.event_shape))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """concentration / concentration.sum(-1)."""
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        """(c - 1) / (sum(c) - K) where every c > 1; the corners' mix as PyTorch where some c <= 1."""
        c = self.concentration
        concentration_minus_one = (c - 1).clamp(min=0.0)
        with np.errstate(invalid="ignore"):  # 0/0 where no c exceeds 1: NaN, as PyTorch gives (silently)
            mode = concentration_minus_one / concentration_minus_one.sum(-1, keepdim=True)
        all_small = (c < 1).all(dim=-1, keepdim=True)
        corner = one_hot(mode.argmax(dim=-1), c.shape[-1]).to(mode.dtype)
        return microtensor.where(all_small, corner, mode)

    @property
    def variance(self) -> Tensor:
        """c (c0 - c) / (c0^2 (c0 + 1)) with c0 = sum(c)."""
        con0 = self.concentration.sum(-1, keepdim=True)
        return self.concentration * (con0 - self.concentration) / (con0.pow(2) * (con0 + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Normalized Gamma draws on the simplex, differentiable in concentration (implicitly, through the
        Gamma draws; PyTorch differentiates the Dirichlet draw itself, another estimator of the same gradient)."""
        gammas = standard_gamma(self.concentration.expand(self._extended_shape(sample_shape)))
        return gammas / gammas.sum(-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        """sum((c - 1) log value) + lgamma(sum c) - sum lgamma(c)."""
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return xlogy(c - 1.0, value).sum(-1) + lgamma(c.sum(-1)) - lgamma(c).sum(-1)

    def entropy(self) -> Tensor:
        """sum lgamma(c) - lgamma(c0) - (K - c0) digamma(c0) - sum((c - 1) digamma(c))."""
        c = self.concentration
        k = c.size(-1)
        a0 = c.sum(-1)
        return lgamma(c).sum(-1) - lgamma(a0) - (k - a0) * digamma(a0) - ((c - 1.0) * digamma(c)).sum(-1)

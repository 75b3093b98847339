"""The continuous Bernoulli distribution on [0, 1] (Loaiza-Ganem and Cunningham, 2019)."""
from __future__ import annotations

import math
from typing import Any

import microtensor
from microtensor.distributions import constraints
from microtensor.distributions.binary_probs import BinaryProbsLogits
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.exp_family import ExponentialFamily
from microtensor.distributions.utils import (
    broadcast_all,
    clamp_probs,
    lazy_property,
    logits_to_probs,
)
from microtensor.ops.losses import binary_cross_entropy_with_logits
from microtensor.tensor import Size, Tensor

__all__ = ["ContinuousBernoulli"]


class ContinuousBernoulli(BinaryProbsLogits, ExponentialFamily):
    """A density ``C(probs) probs**x (1 - probs)**(1 - x)`` on [0, 1], parameterized by ``probs`` or ``logits``.

    Args:
        probs: in (0, 1).
        logits: real.
        lims: the probs interval around 1/2 where the normalizer and moments use their Taylor expansions
            (the closed forms divide by zero at 1/2).

    Example::

        >>> m = ContinuousBernoulli(torch.tensor([0.3]))
        >>> m.sample()
    """
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, probs: Any = None, logits: Any = None, lims: tuple[float, float] = (0.499, 0.501),
                 validate_args: bool | None = None) -> None:
        batch_shape, _ = self._init_probs_logits(probs, logits)
        if probs is not None:
            if validate_args is not None and not bool(self.arg_constraints["probs"].check(self.probs).all()):
                raise ValueError("The parameter probs has invalid values")
            self.probs = self._param = clamp_probs(self.probs)
        self._lims = lims
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> ContinuousBernoulli:
        """A ContinuousBernoulli with ``batch_shape`` (parameters expanded, no copy)."""
        new = self._get_checked_instance(ContinuousBernoulli, _instance)
        new._lims = self._lims
        batch_shape = Size(batch_shape)
        self._expand_probs_logits(new, batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _outside_unstable_region(self) -> Tensor:
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self) -> Tensor:
        return microtensor.where(self._outside_unstable_region(), self.probs, self._lims[0])

    def _cont_bern_log_norm(self) -> Tensor:
        """log C(probs), by its Taylor expansion near 1/2."""
        cut_probs = self._cut_probs()
        below_half = microtensor.where(cut_probs <= 0.5, cut_probs, 0.0)
        above_half = microtensor.where(cut_probs >= 0.5, cut_probs, 1.0)
        log_norm = ((-cut_probs).log1p() - cut_probs.log()).abs().log() - microtensor.where(
            cut_probs <= 0.5, (-2.0 * below_half).log1p(), (2.0 * above_half - 1.0).log())
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return microtensor.where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self) -> Tensor:
        """p / (2p - 1) + 1 / (log(1 - p) - log p), by its Taylor expansion near 1/2."""
        cut_probs = self._cut_probs()
        mus = cut_probs / (2.0 * cut_probs - 1.0) + 1.0 / ((-cut_probs).log1p() - cut_probs.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return microtensor.where(self._outside_unstable_region(), mus, taylor)

    @property
    def stddev(self) -> Tensor:
        """sqrt(variance)."""
        return self.variance.sqrt()

    @property
    def variance(self) -> Tensor:
        """The variance, by its Taylor expansion near 1/2."""
        cut_probs = self._cut_probs()
        variances = (cut_probs * (cut_probs - 1.0) / (1.0 - 2.0 * cut_probs).pow(2)
                     + 1.0 / ((-cut_probs).log1p() - cut_probs.log()).pow(2))
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return microtensor.where(self._outside_unstable_region(), variances, taylor)

    @lazy_property
    def probs(self) -> Tensor:
        """sigmoid(logits), clamped inside (0, 1)."""
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))


    def sample(self, sample_shape: Any = ()) -> Tensor:
        """icdf of uniform draws, outside the graph."""
        u = microtensor.rand(tuple(self._extended_shape(sample_shape)), dtype=self.probs.dtype)
        with microtensor.no_grad():
            return self.icdf(u)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """icdf of uniform draws: differentiable in probs/logits."""
        u = microtensor.rand(tuple(self._extended_shape(sample_shape)), dtype=self.probs.dtype)
        return self.icdf(u)

    def log_prob(self, value: Tensor) -> Tensor:
        """-BCE(logits, value) + log C(probs)."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none") + self._cont_bern_log_norm()

    def cdf(self, value: Tensor) -> Tensor:
        """(p**x (1 - p)**(1 - x) + p - 1) / (2p - 1), clipped to [0, 1] outside the support."""
        if self._validate_args:
            self._validate_sample(value)
        cut_probs = self._cut_probs()
        cdfs = (cut_probs.pow(value) * (1.0 - cut_probs).pow(1.0 - value) + cut_probs - 1.0) / (2.0 * cut_probs - 1.0)
        unbounded = microtensor.where(self._outside_unstable_region(), cdfs, value)
        return microtensor.where(value <= 0.0, 0.0, microtensor.where(value >= 1.0, 1.0, unbounded))

    def icdf(self, value: Tensor) -> Tensor:
        """The inverse of cdf (the identity near probs 1/2, where the distribution is uniform)."""
        cut_probs = self._cut_probs()
        inverse = (((-cut_probs + value * (2.0 * cut_probs - 1.0)).log1p() - (-cut_probs).log1p())
                   / (cut_probs.log() - (-cut_probs).log1p()))
        return microtensor.where(self._outside_unstable_region(), inverse, value)

    def entropy(self) -> Tensor:
        """mean (log(1 - p) - log p) - log C(p) - log(1 - p)."""
        log_probs0 = (-self.probs).log1p()
        log_probs1 = self.probs.log()
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        return (self.logits,)

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        """log((exp(x) - 1) / x), by its Taylor expansion near x = 0."""
        x = natural_params[0]
        out_unst_reg = (x <= self._lims[0] - 0.5) | (x > self._lims[1] - 0.5)
        cut_nat_params = microtensor.where(out_unst_reg, x, (self._lims[0] - 0.5) * microtensor.ones_like(x))
        log_norm = cut_nat_params.expm1().abs().log() - cut_nat_params.abs().log()
        taylor = 0.5 * x + x.pow(2) / 24.0 - x.pow(4) / 2880.0
        return microtensor.where(out_unst_reg, log_norm, taylor)

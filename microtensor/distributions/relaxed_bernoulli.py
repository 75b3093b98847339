"""The relaxed (Concrete / Gumbel-softmax) Bernoulli distribution and its logit-space form."""
from __future__ import annotations

from typing import Any

import microtensor
from microtensor.distributions import constraints
from microtensor.distributions.binary_probs import BinaryProbsLogits
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.transformed_distribution import TransformedDistribution
from microtensor.distributions.transforms import SigmoidTransform
from microtensor.distributions.utils import (
    broadcast_all,
    clamp_probs,
)
from microtensor.tensor import Size, Tensor

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]


class LogitRelaxedBernoulli(BinaryProbsLogits):
    """The logit of a RelaxedBernoulli sample: ``(logit(u) + logits) / temperature``, u uniform.

    Args:
        temperature: the relaxation temperature (> 0; near 0 approaches a hard Bernoulli).
        probs: the probability of 1.
        logits: the log-odds of 1.
    """
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self.temperature = temperature
        batch_shape, _ = self._init_probs_logits(probs, logits)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> LogitRelaxedBernoulli:
        """A LogitRelaxedBernoulli with ``batch_shape`` (parameters expanded, no copy)."""
        new = self._get_checked_instance(LogitRelaxedBernoulli, _instance)
        batch_shape = Size(batch_shape)
        new.temperature = self.temperature
        self._expand_probs_logits(new, batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new



    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """(logit(u) + logit(probs)) / temperature: differentiable in probs/logits."""
        shape = tuple(self._extended_shape(sample_shape))
        probs = clamp_probs(self.probs.expand(shape))
        uniforms = clamp_probs(microtensor.rand(shape, dtype=probs.dtype))
        return (uniforms.log() - (-uniforms).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value: Tensor) -> Tensor:
        """log(temperature) + diff - 2 log(1 + exp(diff)), with diff = logits - temperature value."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value.mul(self.temperature)
        temperature = microtensor.as_tensor(self.temperature, dtype=diff.dtype)
        return temperature.log() + diff - 2 * diff.exp().log1p()


class RelaxedBernoulli(TransformedDistribution):
    """A relaxed Bernoulli (binary Concrete): a differentiable sample in (0, 1) that approaches a Bernoulli
    as ``temperature`` goes to 0.

    Example::

        >>> m = RelaxedBernoulli(torch.tensor([2.2]), torch.tensor([0.1, 0.2, 0.3, 0.99]))
        >>> m.sample()
    """
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        base_dist = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base_dist, SigmoidTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> RelaxedBernoulli:
        """A RelaxedBernoulli with ``batch_shape``."""
        new = self._get_checked_instance(RelaxedBernoulli, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def temperature(self) -> Any:
        """The relaxation temperature."""
        return self.base_dist.temperature  # type: ignore[attr-defined]  # a LogitRelaxedBernoulli

    @property
    def logits(self) -> Tensor:
        """log-odds of 1."""
        return self.base_dist.logits  # type: ignore[attr-defined]  # a LogitRelaxedBernoulli

    @property
    def probs(self) -> Tensor:
        """The probability of 1."""
        return self.base_dist.probs  # type: ignore[attr-defined]  # a LogitRelaxedBernoulli

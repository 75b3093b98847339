"""The Bernoulli distribution."""
from __future__ import annotations

from typing import Any

import microtensor
from microtensor.distributions import constraints
from microtensor.distributions.binary_probs import BinaryProbsLogits
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.ops.losses import binary_cross_entropy_with_logits
from microtensor.tensor import Tensor

__all__ = ["Bernoulli"]


class Bernoulli(BinaryProbsLogits):
    """A Bernoulli distribution parameterized by ``probs`` or ``logits`` (but not both); samples are 0/1.

    Example::

        >>> m = Bernoulli(torch.tensor([0.3]))
        >>> m.sample()  # 30% chance 1; 70% chance 0
    """
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        batch_shape, _ = self._init_probs_logits(probs, logits)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> Bernoulli:
        """A Bernoulli with ``batch_shape`` (parameters expanded, no copy)."""
        new = self._get_checked_instance(Bernoulli, _instance)
        self._expand_probs_logits(new, batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new



    @property
    def mean(self) -> Tensor:
        """probs."""
        return self.probs

    @property
    def mode(self) -> Tensor:
        """1 where probs > 1/2, 0 where below, NaN at exactly 1/2."""
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return microtensor.where(self.probs == 0.5, float("nan"), mode)

    @property
    def variance(self) -> Tensor:
        """probs * (1 - probs)."""
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """0/1 draws in the dtype of the parameter."""
        with microtensor.no_grad():
            return microtensor.bernoulli(self.probs.expand(self._extended_shape(sample_shape)))

    def log_prob(self, value: Tensor) -> Tensor:
        """-binary_cross_entropy_with_logits(logits, value)."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value.to(logits.dtype), reduction="none")

    def entropy(self) -> Tensor:
        """binary_cross_entropy_with_logits(logits, probs)."""
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """tensor([0., 1.]) along a new leading dim (expanded over the batch when ``expand``)."""
        values = microtensor.arange(2, dtype=self._param.dtype).view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1, *self._batch_shape)) if expand else values

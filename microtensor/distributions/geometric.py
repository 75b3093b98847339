"""The geometric distribution: the number of failures before the first success."""
from __future__ import annotations

from typing import Any

import microtensor
from microtensor.distributions import constraints
from microtensor.distributions.binary_probs import BinaryProbsLogits
from microtensor.distributions.distribution import Distribution
from microtensor.ops.losses import binary_cross_entropy_with_logits
from microtensor.tensor import Tensor

__all__ = ["Geometric"]


class Geometric(BinaryProbsLogits):
    """The number of failures before the first success in Bernoulli trials of success probability ``probs``
    (or ``logits``).

    Example::

        >>> m = Geometric(torch.tensor([0.3]))
        >>> m.sample()  # underlying Bernoulli has 30% chance 1; 70% chance 0
    """
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        batch_shape, _ = self._init_probs_logits(probs, logits)
        super().__init__(batch_shape, validate_args=validate_args)
        if self._validate_args and probs is not None:
            valid = self.probs > 0  # beyond unit_interval: probs 0 never succeeds
            if not bool(valid.all()):
                raise ValueError(f"Expected parameter probs ({type(self.probs).__name__} of shape "
                                 f"{tuple(self.probs.shape)}) of distribution {self!r} to be positive but found "
                                 f"invalid values:\n{self.probs[~valid]}")

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> Geometric:
        """A Geometric with ``batch_shape`` (parameters expanded, no copy)."""
        new = self._get_checked_instance(Geometric, _instance)
        self._expand_probs_logits(new, batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new


    @property
    def mean(self) -> Tensor:
        """1 / probs - 1."""
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        """0."""
        return microtensor.zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        """(1 / probs - 1) / probs."""
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """floor(log U / log(1 - probs)) with U uniform on (tiny, 1)."""
        shape = tuple(self._extended_shape(sample_shape))
        tiny = microtensor.finfo(self.probs.dtype).tiny
        with microtensor.no_grad():
            u = microtensor.rand(shape, dtype=self.probs.dtype).clamp(min=tiny)
            return (u.log() / (-self.probs.expand(shape)).log1p()).floor()

    def log_prob(self, value: Tensor) -> Tensor:
        """value log(1 - probs) + log(probs) (0 for value 0 at probs 1)."""
        if self._validate_args:
            self._validate_sample(value)
        value = microtensor.as_tensor(value, dtype=self.probs.dtype)
        probs = microtensor.where((self.probs == 1) & (value == 0), 0.0, self.probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        """The Bernoulli entropy of one trial divided by probs."""
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none") / self.probs

"""What the distributions of binary trials share (Bernoulli, Binomial, Geometric, NegativeBinomial, the relaxed
and continuous Bernoullis): a success probability given as ``probs`` or as ``logits`` (exactly one), the other
derived on first use, and ``expand`` of whichever was given."""
from __future__ import annotations

from typing import Any

from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import lazy_property, logits_to_probs, probs_or_logits, probs_to_logits
from microtensor.tensor import Size, Tensor


class BinaryProbsLogits(Distribution):
    """Base of the distributions parameterized by one binary trial's success probability."""

    def _init_probs_logits(self, probs: Any, logits: Any, *others: Any) -> tuple[Size, tuple[Tensor, ...]]:
        """Store the given parameter (as ``probs`` or ``logits``, and as ``_param``) broadcast with ``others``;
        return the batch shape (empty when every argument is a number) and ``others`` as tensors."""
        name, (param, *rest) = probs_or_logits(probs, logits, *others)
        setattr(self, name, param)
        self._param = param
        numbers = not any(isinstance(v, Tensor) for v in (probs, logits, *others))
        return Size(() if numbers else tuple(param.shape)), tuple(rest)

    def _expand_probs_logits(self, new: BinaryProbsLogits, batch_shape: Size) -> None:
        """Give ``new`` this distribution's given parameter expanded to ``batch_shape``."""
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(batch_shape))
                new._param = getattr(new, name)

    @lazy_property
    def logits(self) -> Tensor:
        """The log-odds of a success, from the clamped probs."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """The success probability: sigmoid(logits)."""
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        """The shape of the given parameter."""
        return Size(self._param.shape)

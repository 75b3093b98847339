"""ExponentialFamily: the base of distributions whose density is ``h(x) exp(<t(x), theta> - F(theta))``."""
from __future__ import annotations

from typing import Any

import microtensor
from microtensor.distributions.distribution import Distribution
from microtensor.tensor import Tensor

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """Base class of exponential-family distributions.

    A subclass gives its natural parameters (``_natural_params``), its log normalizer ``F``
    (``_log_normalizer``) and the expected carrier measure (``_mean_carrier_measure``); the entropy then
    follows from the Bregman divergence of ``F``, computed with autograd, as PyTorch does.
    """

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        raise NotImplementedError  # abstract: each family gives its natural parameters

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        raise NotImplementedError  # abstract: each family gives its log normalizer

    @property
    def _mean_carrier_measure(self) -> Any:
        raise NotImplementedError  # abstract: only the families that define it get the generic entropy

    def entropy(self) -> Tensor:
        """F(theta) - <theta, grad F(theta)> - E[log h(x)], by autograd through the log normalizer."""
        result = -self._mean_carrier_measure
        nparams = [p.detach().requires_grad_() for p in self._natural_params]
        lg_normal = self._log_normalizer(*nparams)
        gradients = microtensor.autograd.grad(lg_normal.sum(), nparams, create_graph=True)
        result = result + lg_normal
        for nparam, grad in zip(nparams, gradients):
            result = result - (nparam * grad).reshape(tuple(self._batch_shape) + (-1,)).sum(-1)
        return result

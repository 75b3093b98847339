"""Gumbel-softmax: differentiable samples of a categorical distribution given by logits, soft or one-hot with
the straight-through gradient."""
from __future__ import annotations

import warnings

from microtensor.creation import zeros_like
from microtensor.ops.indexing import scatter
from microtensor.ops.softmax import softmax
from microtensor.random import numpy_generator
from microtensor.tensor import Tensor


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """``softmax((logits + g) / tau, dim)`` with ``g = -log(E)``, E ~ Exponential(1) drawn from the default
    generator (so g is Gumbel(0, 1) noise).

    With ``hard=True`` the result is the one-hot vector of the soft sample's largest entry along ``dim``, and its
    gradient is the soft sample's (the straight-through estimator: ``y_hard - y_soft.detach() + y_soft``).

    Args:
        logits: unnormalized log-probabilities (a floating-point tensor).
        tau: the temperature (> 0); low temperatures give samples closer to one-hot.
        hard: return one-hot samples with the soft sample's gradient.
        eps: deprecated, without effect (warns when set).
        dim: the dimension of the categories.
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", UserWarning, stacklevel=2)
    if not isinstance(logits, Tensor):
        raise TypeError(f"gumbel_softmax(): argument 'logits' must be Tensor, not {type(logits).__name__}")
    if not logits.is_floating_point():
        raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {logits.dtype.name}")
    draws = numpy_generator(None).exponential(size=logits._data.shape).astype(logits._data.dtype, copy=False)
    gumbels = -Tensor._make(draws).log()
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.argmax(dim, keepdim=True)
    y_hard = scatter(zeros_like(y_soft), dim, index, value=1.0)
    return y_hard - y_soft.detach() + y_soft

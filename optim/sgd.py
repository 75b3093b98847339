"""SGD: stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay and maximize."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.optim.optimizer import Optimizer, ParamsT, check_nonnegative, effective_grad
from microtensor.tensor import Tensor


class SGD(Optimizer):
    """Stochastic gradient descent, step for step as ``torch.optim.SGD``.

    With g = grad (+ weight_decay * p; negated when maximizing), momentum mu and dampening tau:
    b <- g on the first step, else mu * b + (1 - tau) * g; the step direction is g + mu * b with
    Nesterov momentum, else b (g itself without momentum); p <- p - lr * direction.

    Args:
        params: the parameters to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-3).
        momentum: momentum factor mu (default 0).
        dampening: dampening tau of the momentum (default 0).
        weight_decay: L2 penalty (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and zero dampening).
        maximize: maximize the objective instead of minimizing it.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False) -> None:
        check_nonnegative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def _has_state(self, group: dict[str, Any]) -> bool:
        return group["momentum"] != 0

    def _update(self, param: np.ndarray, grad: np.ndarray, group: dict[str, Any],
                state: dict[str, Any] | None) -> None:
        g_work, scratch = self._scratch(param, 2)
        g = effective_grad(param, grad, group["maximize"], group["weight_decay"], g_work)
        if state is not None:
            momentum = group["momentum"]
            if "momentum_buffer" not in state:        # first step: the buffer starts at g, not at 0
                state["momentum_buffer"] = Tensor._make(g.copy())
                buf = state["momentum_buffer"]._data
            else:
                buf = state["momentum_buffer"]._data
                buf *= momentum
                np.multiply(g, 1 - group["dampening"], out=scratch)
                buf += scratch
            if group["nesterov"]:
                np.multiply(buf, momentum, out=scratch)
                scratch += g
                g = scratch
            else:
                g = buf
        np.multiply(g, -group["lr"], out=scratch)
        param += scratch

"""RMSprop: steps scaled by a running average of squared gradients, optionally centered and with momentum."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_nonnegative,
    decay_add_square_,
    effective_grad,
    lerp_,
    next_step,
    scalar_state,
    zeros_state,
)


class RMSprop(Optimizer):
    """RMSprop, step for step as ``torch.optim.RMSprop``.

    With g = grad (+ weight_decay * p; negated when maximizing): v <- alpha * v + (1 - alpha) * g**2;
    centered: a <- alpha * a + (1 - alpha) * g and d = sqrt(v - a**2) + eps, else d = sqrt(v) + eps;
    with momentum mu: b <- mu * b + g / d and p <- p - lr * b, else p <- p - lr * g / d.

    Args:
        params: the parameters to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant of the averages (default 0.99).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty (default 0).
        momentum: momentum factor (default 0).
        centered: normalize by the estimated variance of the gradient instead of its second moment.
        maximize: maximize the objective instead of minimizing it.
    """

    # maximize is keyword-only: PyTorch's eighth positional argument is capturable (a CUDA-graph flag)
    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 maximize: bool = False) -> None:
        check_nonnegative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, maximize=maximize))

    def _init_state(self, param: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        state["step"] = scalar_state(0.0)
        state["square_avg"] = zeros_state(param)
        if group["momentum"] > 0:
            state["momentum_buffer"] = zeros_state(param)
        if group["centered"]:
            state["grad_avg"] = zeros_state(param)

    def _update(self, param: np.ndarray, grad: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        next_step(state)
        g_work, scratch = self._scratch(param, 2)
        g = effective_grad(param, grad, group["maximize"], group["weight_decay"], g_work)
        alpha, lr = group["alpha"], group["lr"]
        square_avg = state["square_avg"]._data
        decay_add_square_(square_avg, g, alpha, scratch)
        if group["centered"]:
            grad_avg = state["grad_avg"]._data
            lerp_(grad_avg, g, 1 - alpha, scratch)
            np.multiply(grad_avg, grad_avg, out=scratch)
            np.subtract(square_avg, scratch, out=scratch)
            np.sqrt(scratch, out=scratch)
        else:
            np.sqrt(square_avg, out=scratch)
        scratch += group["eps"]
        np.divide(g, scratch, out=scratch)
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]._data
            buf *= group["momentum"]
            buf += scratch
            np.multiply(buf, -lr, out=scratch)
        else:
            scratch *= -lr
        param += scratch

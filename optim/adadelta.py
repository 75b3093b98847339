"""Adadelta: steps sized by the ratio of running RMS of past updates to running RMS of gradients."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_nonnegative,
    decay_add_square_,
    effective_grad,
    next_step,
    scalar_state,
    zeros_state,
)


class Adadelta(Optimizer):
    """Adadelta, step for step as ``torch.optim.Adadelta``.

    With g = grad (+ weight_decay * p; negated when maximizing): v <- rho * v + (1 - rho) * g**2;
    delta = sqrt(u + eps) / sqrt(v + eps) * g; u <- rho * u + (1 - rho) * delta**2; p <- p - lr * delta.
    (eps sits inside both square roots.)

    Args:
        params: the parameters to optimize, or dicts defining parameter groups.
        lr: coefficient scaling delta (default 1.0).
        rho: smoothing constant of the running averages (default 0.9).
        eps: added inside the square roots (default 1e-6).
        weight_decay: L2 penalty (default 0).
        maximize: maximize the objective instead of minimizing it.
    """

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, *, maximize: bool = False) -> None:
        check_nonnegative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonnegative(eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def _init_state(self, param: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        state["step"] = scalar_state(0.0)
        state["square_avg"] = zeros_state(param)
        state["acc_delta"] = zeros_state(param)

    def _update(self, param: np.ndarray, grad: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        next_step(state)
        g_work, std, delta = self._scratch(param, 3)
        g = effective_grad(param, grad, group["maximize"], group["weight_decay"], g_work)
        rho, eps = group["rho"], group["eps"]
        square_avg, acc_delta = state["square_avg"]._data, state["acc_delta"]._data
        decay_add_square_(square_avg, g, rho, std)
        np.add(square_avg, eps, out=std)
        np.sqrt(std, out=std)
        np.add(acc_delta, eps, out=delta)
        np.sqrt(delta, out=delta)
        delta /= std
        delta *= g
        decay_add_square_(acc_delta, delta, rho, std)
        delta *= -group["lr"]
        param += delta

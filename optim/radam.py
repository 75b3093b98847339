"""RAdam: Adam whose adaptive step is switched on, and rectified, once the second moment's variance is tractable."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_betas,
    check_nonnegative,
    decay_add_square_,
    effective_grad,
    lerp_,
    next_step,
    scalar_state,
    zeros_state,
)


class RAdam(Optimizer):
    """RAdam, step for step as ``torch.optim.RAdam``.

    With g = grad (+ weight_decay * p, or p <- p * (1 - lr * weight_decay) first when decoupled; negated
    when maximizing) at step t: m, v as in Adam; rho_inf = 2 / (1 - beta2) - 1,
    rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t). When rho_t > 5:
    r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)) and
    p <- p - lr * m / (1 - beta1**t) * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r_t;
    otherwise p <- p - lr * m / (1 - beta1**t) (plain momentum).

    Args:
        params: the parameters to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-3).
        betas: (beta1, beta2) (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: weight decay (default 0).
        decoupled_weight_decay: decay the weights directly (as AdamW) instead of adding to the gradient.
        maximize: maximize the objective instead of minimizing it.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False) -> None:
        check_nonnegative(lr=lr, eps=eps)
        check_betas(betas)
        check_nonnegative(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, decoupled_weight_decay=decoupled_weight_decay))

    def _init_state(self, param: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        state["step"] = scalar_state(0.0)
        state["exp_avg"] = zeros_state(param)
        state["exp_avg_sq"] = zeros_state(param)

    def _update(self, param: np.ndarray, grad: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        step = next_step(state)
        lr, weight_decay, (beta1, beta2) = group["lr"], group["weight_decay"], group["betas"]
        decoupled = group["decoupled_weight_decay"]
        if weight_decay and decoupled:
            param *= 1 - lr * weight_decay
        g = effective_grad(param, grad, group["maximize"], 0 if decoupled else weight_decay)
        exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
        update, scratch = np.empty_like(param), np.empty_like(param)
        lerp_(exp_avg, g, 1 - beta1, scratch)
        decay_add_square_(exp_avg_sq, g, beta2, scratch)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        np.divide(exp_avg, bias_correction1, out=update)
        update *= lr
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            np.sqrt(exp_avg_sq, out=scratch)
            scratch += group["eps"]
            np.divide(bias_correction2 ** 0.5, scratch, out=scratch)
            update *= scratch
            update *= ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        param -= update

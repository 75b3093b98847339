"""RAdam: Adam whose adaptive step is switched on, and rectified, once the second moment's variance is tractable."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.optim.moments import init_moments, update_moments
from microtensor.optim.optimizer import Optimizer, ParamsT, check_betas, check_nonnegative


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
        init_moments(param, state)

    def _update(self, param: np.ndarray, grad: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        update, scratch = self._scratch(param, 2)     # update holds g until the moments are updated
        _, step, bias_correction1, bias_correction2 = update_moments(param, grad, group, state, update, scratch)
        beta2 = group["betas"][1]
        np.divide(state["exp_avg"]._data, bias_correction1, out=update)
        update *= group["lr"]
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            np.sqrt(state["exp_avg_sq"]._data, out=scratch)
            scratch += group["eps"]
            np.divide(bias_correction2 ** 0.5, scratch, out=scratch)
            update *= scratch
            update *= ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        param -= update

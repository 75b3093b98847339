"""NAdam: Adam with Nesterov momentum and a momentum schedule (Dozat's momentum decay)."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.optim.moments import init_moments, update_moments
from microtensor.optim.optimizer import Optimizer, ParamsT, check_betas, check_nonnegative, scalar_state


class NAdam(Optimizer):
    """NAdam, step for step as ``torch.optim.NAdam``.

    With g = grad (+ weight_decay * p, or p <- p * (1 - lr * weight_decay) first when decoupled; negated
    when maximizing) at step t: mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay)),
    P_t = mu_1 * ... * mu_t; m <- beta1 * m + (1 - beta1) * g; v <- beta2 * v + (1 - beta2) * g**2;
    d = sqrt(v / (1 - beta2**t)) + eps;
    p <- p - lr * (1 - mu_t) / (1 - P_t) * g / d - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / d.

    Args:
        params: the parameters to optimize, or dicts defining parameter groups.
        lr: learning rate (default 2e-3).
        betas: (beta1, beta2) (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: weight decay (default 0).
        momentum_decay: the momentum schedule's decay psi (default 4e-3).
        decoupled_weight_decay: decay the weights directly (as AdamW) instead of adding to the gradient.
        maximize: maximize the objective instead of minimizing it.
    """

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        check_nonnegative(lr=lr, eps=eps)
        check_betas(betas)
        check_nonnegative(weight_decay=weight_decay, momentum_decay=momentum_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _init_state(self, param: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        init_moments(param, state)
        state["mu_product"] = scalar_state(1.0)

    def _update(self, param: np.ndarray, grad: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        g_work, denom, scratch = self._scratch(param, 3)
        g, step, _, bias_correction2 = update_moments(param, grad, group, state, g_work, scratch)
        lr, beta1 = group["lr"], group["betas"][0]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * group["momentum_decay"]))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * group["momentum_decay"]))
        mu_product = state["mu_product"]._data
        mu_product *= mu                          # kept in the state's scalar dtype, as PyTorch does
        mu_product = float(mu_product)
        np.divide(state["exp_avg_sq"]._data, bias_correction2, out=denom)
        np.sqrt(denom, out=denom)
        denom += group["eps"]
        np.divide(g, denom, out=scratch)
        scratch *= -lr * (1.0 - mu) / (1.0 - mu_product)
        param += scratch
        np.divide(state["exp_avg"]._data, denom, out=scratch)
        scratch *= -lr * mu_next / (1.0 - mu_product * mu_next)
        param += scratch

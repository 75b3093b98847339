"""Adamax: Adam with the infinity norm of past gradients in place of the second moment."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.optim.moments import init_moments, update_moments
from microtensor.optim.optimizer import Optimizer, ParamsT, check_betas, check_nonnegative


class Adamax(Optimizer):
    """Adamax, step for step as ``torch.optim.Adamax``.

    With g = grad (+ weight_decay * p; negated when maximizing) at step t:
    m <- beta1 * m + (1 - beta1) * g; u <- max(beta2 * u, |g| + eps); p <- p - lr / (1 - beta1**t) * m / u.

    Args:
        params: the parameters to optimize, or dicts defining parameter groups.
        lr: learning rate (default 2e-3).
        betas: (beta1, beta2) (default (0.9, 0.999)).
        eps: added to |g| (default 1e-8).
        weight_decay: L2 penalty (default 0).
        maximize: maximize the objective instead of minimizing it.
    """

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, *, maximize: bool = False) -> None:
        check_nonnegative(lr=lr, eps=eps)
        check_betas(betas)
        check_nonnegative(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _init_state(self, param: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        init_moments(param, state, "exp_inf")

    def _update(self, param: np.ndarray, grad: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        g_work, scratch = self._scratch(param, 2)
        g, _, bias_correction1, _ = update_moments(param, grad, group, state, g_work, scratch, square=False)
        exp_inf = state["exp_inf"]._data
        exp_inf *= group["betas"][1]
        np.abs(g, out=scratch)
        scratch += group["eps"]
        np.maximum(exp_inf, scratch, out=exp_inf)
        np.divide(state["exp_avg"]._data, exp_inf, out=scratch)
        scratch *= -group["lr"] / bias_correction1
        param += scratch

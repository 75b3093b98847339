"""Adam and AdamW: bias-corrected running moments of the gradient (AdamW decays the weights decoupled)."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.optim.moments import init_moments, update_moments
from microtensor.optim.optimizer import Optimizer, ParamsT, check_betas, check_nonnegative, zeros_state


class Adam(Optimizer):
    """Adam, step for step as ``torch.optim.Adam``.

    With g = grad (+ weight_decay * p, or p <- p * (1 - lr * weight_decay) first when the decay is
    decoupled; negated when maximizing) at step t: m <- beta1 * m + (1 - beta1) * g;
    v <- beta2 * v + (1 - beta2) * g**2; with amsgrad v_max <- max(v_max, v) replaces v below;
    p <- p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps).

    Args:
        params: the parameters to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-3).
        betas: (beta1, beta2), the decay rates of the two moments (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: weight decay (default 0): an L2 penalty, or decoupled (AdamW's) when
            ``decoupled_weight_decay``.
        amsgrad: use the running maximum of the second moment (AMSGrad).
        maximize: maximize the objective instead of minimizing it.
        decoupled_weight_decay: decay the weights directly (AdamW) instead of adding to the gradient.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        check_nonnegative(lr=lr, eps=eps)
        check_betas(betas)
        check_nonnegative(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _init_state(self, param: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        init_moments(param, state)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = zeros_state(param)

    def _update(self, param: np.ndarray, grad: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        g_work, scratch = self._scratch(param, 2)
        _, _, bias_correction1, bias_correction2 = update_moments(param, grad, group, state, g_work, scratch)
        exp_avg_sq = state["exp_avg_sq"]._data
        if group["amsgrad"]:
            second = state["max_exp_avg_sq"]._data
            np.maximum(second, exp_avg_sq, out=second)
        else:
            second = exp_avg_sq
        np.sqrt(second, out=scratch)
        scratch /= bias_correction2 ** 0.5
        scratch += group["eps"]
        np.divide(state["exp_avg"]._data, scratch, out=scratch)
        scratch *= -group["lr"] / bias_correction1
        param += scratch


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay, step for step as ``torch.optim.AdamW``.

    p <- p * (1 - lr * weight_decay), then Adam's update (see ``Adam``) with the plain gradient.

    Args:
        params: the parameters to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-3).
        betas: (beta1, beta2) (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: decoupled weight decay coefficient (default 1e-2).
        amsgrad: use the running maximum of the second moment (AMSGrad).
        maximize: maximize the objective instead of minimizing it.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)

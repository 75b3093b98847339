"""Adagrad: per-coordinate learning rates from the running sum of squared gradients."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_nonnegative,
    effective_grad,
    next_step,
    scalar_state,
    zeros_state,
)


class Adagrad(Optimizer):
    """Adagrad, step for step as ``torch.optim.Adagrad``.

    With g = grad (+ weight_decay * p; negated when maximizing) at step t:
    lr_t = lr / (1 + (t - 1) * lr_decay); s <- s + g**2; p <- p - lr_t * g / (sqrt(s) + eps).

    Args:
        params: the parameters to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay (default 0).
        weight_decay: L2 penalty (default 0).
        initial_accumulator_value: the starting value of the sum s (default 0).
        eps: added to the denominator (default 1e-10).
        maximize: maximize the objective instead of minimizing it.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *, maximize: bool = False) -> None:
        check_nonnegative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                          initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, maximize=maximize))
        for group in self.param_groups:           # PyTorch fills the state at construction
            for p in group["params"]:
                self._init_state(p._data, group, self.state[p])

    def _init_state(self, param: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        state["step"] = scalar_state(0.0)
        state["sum"] = zeros_state(param, group["initial_accumulator_value"])

    def _update(self, param: np.ndarray, grad: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        step = next_step(state)
        g_work, scratch = self._scratch(param, 2)
        g = effective_grad(param, grad, group["maximize"], group["weight_decay"], g_work)
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        total = state["sum"]._data
        np.multiply(g, g, out=scratch)
        total += scratch
        np.sqrt(total, out=scratch)
        scratch += group["eps"]
        np.divide(g, scratch, out=scratch)
        scratch *= -clr
        param += scratch

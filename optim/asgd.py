"""ASGD: SGD with an L2 decay of the parameter and a running average of the iterates."""
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


class ASGD(Optimizer):
    """Averaged SGD (Polyak and Juditsky 1992), step for step as ``torch.optim.ASGD``.

    At step t: p <- p * (1 - lambd * eta) - eta * g; the average ax follows p (ax <- ax + mu (p - ax));
    then eta = lr / (1 + lambd * lr * t) ** alpha and mu = 1 / max(1, t - t0).

    Args:
        params: the parameters to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-2).
        lambd: decay term (default 1e-4).
        alpha: power of the eta update (default 0.75).
        t0: the step at which averaging starts (default 1e6).
        weight_decay: L2 penalty (default 0).
        maximize: maximize the objective instead of minimizing it.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, *, maximize: bool = False) -> None:
        check_nonnegative(lr=lr, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      maximize=maximize))

    def _init_state(self, param: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        state["step"] = scalar_state(0.0)
        state["eta"] = scalar_state(group["lr"])
        state["mu"] = scalar_state(1.0)
        state["ax"] = zeros_state(param)

    def _update(self, param: np.ndarray, grad: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        step = next_step(state)
        g_work, scratch = self._scratch(param, 2)
        g = effective_grad(param, grad, group["maximize"], group["weight_decay"], g_work)
        eta = float(state["eta"]._data)
        param *= 1 - group["lambd"] * eta
        np.multiply(g, eta, out=scratch)
        param -= scratch
        ax, mu = state["ax"]._data, float(state["mu"]._data)
        if mu != 1:
            np.subtract(param, ax, out=scratch)
            scratch *= mu
            ax += scratch
        else:
            ax[...] = param
        state["eta"]._data[...] = group["lr"] / ((1 + group["lambd"] * group["lr"] * step) ** group["alpha"])
        state["mu"]._data[...] = 1 / max(1, step - group["t0"])

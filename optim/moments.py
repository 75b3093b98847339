"""The start of every step of the Adam family (Adam, AdamW, NAdam, RAdam, Adamax), written once.

Each of those optimizers keeps a step count and bias-corrected running moments of the gradient;
``init_moments`` makes that state and ``update_moments`` runs the part of a step they share (the step
count, weight decay, the first moment and, but in Adamax, the second), returning what each rule needs
to finish its own update.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.optim.optimizer import decay_add_square_, effective_grad, lerp_, next_step, scalar_state, zeros_state


def init_moments(param: np.ndarray, state: dict[str, Any], second: str = "exp_avg_sq") -> None:
    """Fill a parameter's empty state: ``step`` 0, the first moment ``exp_avg`` and the second (named
    ``second``: Adamax keeps ``exp_inf``) as zeros like ``param``."""
    state["step"] = scalar_state(0.0)
    state["exp_avg"] = zeros_state(param)
    state[second] = zeros_state(param)


def update_moments(param: np.ndarray, grad: np.ndarray, group: dict[str, Any], state: dict[str, Any],
                   g_work: np.ndarray, scratch: np.ndarray,
                   square: bool = True) -> tuple[np.ndarray, float, float, float]:
    """Count the step t and update the moments in ``state`` in place, as PyTorch's Adam family does.

    With ``decoupled_weight_decay`` (AdamW's), ``param *= 1 - lr * weight_decay`` first; g is the gradient
    negated when maximizing and with the coupled weight decay added (``effective_grad``); then
    m <- beta1 * m + (1 - beta1) * g and, with ``square``, v <- beta2 * v + (1 - beta2) * g**2.
    ``g_work`` and ``scratch`` (work arrays like ``param``) are overwritten.

    Returns:
        (g, t, 1 - beta1**t, 1 - beta2**t): g is ``g_work`` or ``grad`` itself (then it must not be written).
    """
    step = next_step(state)
    lr, weight_decay, (beta1, beta2) = group["lr"], group["weight_decay"], group["betas"]
    decoupled = group.get("decoupled_weight_decay", False)
    if weight_decay and decoupled:
        param *= 1 - lr * weight_decay
    g = effective_grad(param, grad, group["maximize"], 0 if decoupled else weight_decay, g_work)
    lerp_(state["exp_avg"]._data, g, 1 - beta1, scratch)
    if square:
        decay_add_square_(state["exp_avg_sq"]._data, g, beta2, scratch)
    return g, step, 1 - beta1 ** step, 1 - beta2 ** step

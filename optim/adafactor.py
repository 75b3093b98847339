"""Adafactor: Adam-like steps whose second moment of a matrix is stored factored, as row and column means."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.optim.optimizer import Optimizer, ParamsT, next_step, scalar_state, zeros_state


class Adafactor(Optimizer):
    """Adafactor (Shazeer and Stern, 2018), step for step as ``torch.optim.Adafactor``.

    With g = grad (negated when maximizing) at step t, beta2_t = 1 - t ** beta2_decay,
    rho_t = min(lr, 1 / sqrt(t)) and alpha = max(eps2, RMS(p)) * rho_t:
    a matrix (or batch of matrices) keeps row means r and column means c of g**2 (EMAs with 1 - beta2_t) and
    estimates v = r c / mean(r); a vector keeps v itself. Then u = g / sqrt(max(v, eps1**2)),
    p <- p * (1 - lr * weight_decay) - alpha / max(1, RMS(u) / d) * u.

    Args:
        params: the parameters to optimize, or dicts defining parameter groups.
        lr: the relative step size cap (default 1e-2).
        beta2_decay: the decay rate of beta2 (default -0.8, must be <= 0).
        eps: (eps1, eps2): eps1 floors the second moment (None: the dtype's eps), eps2 the parameter RMS
            (default (None, 1e-3)).
        d: the update clipping threshold (default 1.0, must be >= 1).
        weight_decay: decoupled weight decay (default 0).
        maximize: maximize the objective instead of minimizing it.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0, weight_decay: float = 0.0, *,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=tuple(eps), d=d, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize))

    def _init_state(self, param: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        state["step"] = scalar_state(0.0)
        if param.ndim > 1:
            state["row_var"] = zeros_state(param[..., :1])
            state["col_var"] = zeros_state(param[..., :1, :])
        else:
            state["variance"] = zeros_state(param)

    def _update(self, param: np.ndarray, grad: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        g_work, squared, update = self._scratch(param, 3)
        g = np.negative(grad, out=g_work) if group["maximize"] else grad
        eps1, eps2 = group["eps"]
        if eps1 is None:
            eps1 = float(np.finfo(param.dtype).eps)
        step = next_step(state)
        lr = group["lr"]
        one_minus_beta2 = step ** group["beta2_decay"]
        rho = min(lr, 1 / step ** 0.5)
        alpha = max(eps2, float(np.linalg.norm(param.ravel())) / param.size ** 0.5) * rho
        if group["weight_decay"] != 0:
            param *= 1 - lr * group["weight_decay"]
        np.multiply(g, g, out=squared)
        if param.ndim > 1:
            row_var, col_var = state["row_var"]._data, state["col_var"]._data
            for var, axis in ((row_var, -1), (col_var, -2)):      # var += (mean of g**2 - var) * (1 - beta2_t)
                mean, = self._scratch(var, role="adafactor means")      # var may be shaped as param
                np.mean(squared, axis, keepdims=True, out=mean)
                mean -= var
                mean *= one_minus_beta2
                var += mean
            np.matmul(row_var, col_var, out=update)
            row_mean, = self._scratch(row_var[..., :1, :], role="adafactor means")
            np.mean(row_var, -2, keepdims=True, out=row_mean)
            np.maximum(row_mean, eps1, out=row_mean)
            update /= row_mean
        else:
            variance = state["variance"]._data
            squared -= variance
            squared *= one_minus_beta2
            variance += squared
            update[...] = variance
        np.maximum(update, eps1 * eps1, out=update)     # update = g / sqrt(max(estimate of v, eps1**2))
        np.sqrt(update, out=update)
        np.divide(g, update, out=update)
        denom = max(1.0, float(np.linalg.norm(update.ravel())) / (update.size ** 0.5 * group["d"]))
        update *= alpha / denom
        param -= update

"""Rprop: resilient backpropagation, a per-coordinate step size grown or shrunk by the gradient's sign."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_nonnegative,
    next_step,
    scalar_state,
    zeros_state,
)


class Rprop(Optimizer):
    """Rprop (Riedmiller and Braun 1993), step for step as ``torch.optim.Rprop``.

    Each coordinate's step size is multiplied by ``etas[1]`` where the gradient kept its sign, by ``etas[0]``
    where it flipped (and that coordinate then skips its update), then clipped to ``step_sizes``; the
    parameter moves by its step size against the gradient's sign.

    Args:
        params: the parameters to optimize, or dicts defining parameter groups.
        lr: the initial step size (default 1e-2).
        etas: the (decrease, increase) factors, 0 < etaminus < 1 < etaplus (default (0.5, 1.2)).
        step_sizes: the (smallest, largest) step size (default (1e-6, 50)).
        maximize: maximize the objective instead of minimizing it.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, maximize: bool = False) -> None:
        check_nonnegative(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), maximize=maximize))

    def _init_state(self, param: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        state["step"] = scalar_state(0.0)
        state["prev"] = zeros_state(param)
        state["step_size"] = zeros_state(param, group["lr"])

    def _update(self, param: np.ndarray, grad: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        next_step(state)
        etaminus, etaplus = group["etas"]
        smallest, largest = group["step_sizes"]
        g, factor = self._scratch(param, 2)
        flipped, grew = self._scratch(param, 2, np.bool_)
        if group["maximize"]:
            np.negative(grad, out=g)
        else:
            np.copyto(g, grad)
        prev, step_size = state["prev"]._data, state["step_size"]._data
        np.multiply(g, prev, out=factor)          # its sign says whether the gradient kept its sign
        np.greater(factor, 0, out=grew)
        np.less(factor, 0, out=flipped)
        factor.fill(1.0)
        np.copyto(factor, etaplus, where=grew)
        np.copyto(factor, etaminus, where=flipped)
        step_size *= factor
        np.clip(step_size, smallest, largest, out=step_size)
        np.equal(factor, etaminus, out=flipped)
        np.copyto(g, 0, where=flipped)
        np.sign(g, out=factor)
        factor *= step_size
        param -= factor
        prev[...] = g

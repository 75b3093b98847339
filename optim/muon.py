"""Muon: momentum SGD for 2-D weights whose update is orthogonalized by a Newton-Schulz iteration."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor.optim.optimizer import Optimizer, ParamsT, zeros_state

EPS = 1e-7
DEFAULT_A, DEFAULT_B, DEFAULT_C = 3.4445, -4.7750, 2.0315
DEFAULT_NS_STEPS = 5


def zeropower_via_newtonschulz(grad: np.ndarray, ns_coefficients: tuple[float, float, float], ns_steps: int,
                               eps: float, work: Sequence[np.ndarray] | None = None) -> np.ndarray:
    """About U V^T for grad = U S V^T: ``ns_steps`` quintic Newton-Schulz steps X <- a X + (b A + c A^2) X with
    A = X X^T, from X = grad / |grad| (transposed so that A is the smaller Gram matrix).

    ``work``, when given, holds the four arrays (of grad's dtype) to compute in, so that no step allocates: two
    shaped as X (grad, or grad's transpose when grad is tall) and two as A; the result is the first of them (or
    its transpose)."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if grad.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = ns_coefficients
    tall = grad.shape[0] > grad.shape[1]
    start = grad.T if tall else grad
    if work is None:
        rows = start.shape[0]
        work = (np.empty(start.shape, start.dtype), np.empty(start.shape, start.dtype),
                np.empty((rows, rows), start.dtype), np.empty((rows, rows), start.dtype))
    x, product, gram, poly = work
    np.divide(start, max(float(np.linalg.norm(start)), eps), out=x)
    for _ in range(ns_steps):
        np.matmul(x, x.T, out=gram)
        np.matmul(gram, gram, out=poly)
        poly *= c
        gram *= b
        poly += gram                        # b A + c A^2
        np.matmul(poly, x, out=product)
        x *= a
        x += product
    return x.T if tall else x


def adjusted_lr(lr: float, adjust_lr_fn: str | None, shape: tuple[int, ...]) -> float:
    """The learning rate scaled for the matrix shape (A, B): sqrt(max(1, A/B)) ("original", Keller Jordan's) or
    0.2 sqrt(max(A, B)) ("match_rms_adamw", Moonshot's, so AdamW's learning rate carries over)."""
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / cols))
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(rows, cols))
    return lr


class Muon(Optimizer):
    """Muon (Keller Jordan, 2024), step for step as ``torch.optim.Muon``: with g = grad,
    B <- momentum B + (1 - momentum) g, update u = lerp(g, B, momentum) (Nesterov) or B,
    O = NewtonSchulz(u), p <- p (1 - lr weight_decay) - adjusted_lr O.

    Only 2-D parameters (hidden layers' weights); optimize biases and embeddings with AdamW. PyTorch runs the
    Newton-Schulz iteration in bfloat16; microtensor runs it in the parameter's dtype, so steps agree with
    PyTorch's to bfloat16's precision (about 1%), not bit for bit.

    Args:
        params: the 2-D parameters to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-3).
        weight_decay: decoupled weight decay (default 0.1).
        momentum: momentum factor (default 0.95).
        nesterov: use Nesterov momentum (default True).
        ns_coefficients: (a, b, c) of the quintic iteration (default (3.4445, -4.7750, 2.0315)).
        eps: floor of the normalizing norm (default 1e-7).
        ns_steps: Newton-Schulz steps (default 5).
        adjust_lr_fn: None or "original" (sqrt(max(1, A/B))), or "match_rms_adamw" (0.2 sqrt(max(A, B))).
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, weight_decay: float = 0.1, momentum: float = 0.95,
                 nesterov: bool = True, ns_coefficients: tuple[float, float, float] = (DEFAULT_A, DEFAULT_B, DEFAULT_C),
                 eps: float = EPS, ns_steps: int = DEFAULT_NS_STEPS, adjust_lr_fn: str | None = None) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ["original", "match_rms_adamw"]:
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                                      ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps,
                                      adjust_lr_fn=adjust_lr_fn))
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{p.size()}")

    def _init_state(self, param: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        state["momentum_buffer"] = zeros_state(param)

    def _update(self, param: np.ndarray, grad: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        momentum = group["momentum"]
        buf = state["momentum_buffer"]._data
        scratch, = self._scratch(param)
        np.subtract(grad, buf, out=scratch)
        scratch *= 1 - momentum
        buf += scratch
        if group["nesterov"]:                      # update = lerp(grad, buf, momentum)
            np.subtract(buf, grad, out=scratch)
            scratch *= momentum
            scratch += grad
            update = scratch
        else:
            update = buf
        start = update.T if update.shape[0] > update.shape[1] else update
        gram_like = start[:, :start.shape[0]]
        work = [*self._scratch(start, 2, role="newton-schulz X"), *self._scratch(gram_like, 2, role="newton-schulz A")]
        ortho = zeropower_via_newtonschulz(update, group["ns_coefficients"], group["ns_steps"], group["eps"], work)
        param *= 1 - group["lr"] * group["weight_decay"]
        ortho *= adjusted_lr(group["lr"], group["adjust_lr_fn"], param.shape)
        param -= ortho

"""The activation functions of the notes and their derivatives, the derivatives computed by autograd.

For each function ``f`` the demo evaluates ``y = f(x)`` on a grid, calls ``y.backward(ones)`` and reads
``f'(x)`` from ``x.grad`` (each output depends only on its own input, so the vector-Jacobian product with
ones is the derivative); it checks every curve against the textbook formula and draws them in one figure.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

import microtensor as mt
from demos.common import headline, new_figure, save_figure
from microtensor import nn
from microtensor.nn import functional as F

PICTURES = ("activations.png",)  # what main() writes into its folder

LEAKY_SLOPE = 0.1  # PyTorch's default 0.01 is invisible in a plot
PRELU_INIT = 0.25


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + mt.tensor(x / math.sqrt(2)).erf().numpy())


# name -> (the activation on Tensors, its derivative by the textbook formula on arrays)
ACTIVATIONS: dict[str, tuple[Callable[[mt.Tensor], mt.Tensor], Callable[[np.ndarray], np.ndarray]]] = {
    "step": (F.step, np.zeros_like),
    "sigmoid": (F.sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
    "tanh": (F.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "ReLU": (F.relu, lambda x: (x > 0).astype(x.dtype)),
    f"leaky ReLU ({LEAKY_SLOPE})": (lambda x: F.leaky_relu(x, LEAKY_SLOPE),
                                    lambda x: np.where(x > 0, 1.0, LEAKY_SLOPE)),
    f"PReLU (a = {PRELU_INIT})": (nn.PReLU(init=PRELU_INIT, dtype=mt.float64),
                                  lambda x: np.where(x > 0, 1.0, PRELU_INIT)),
    "ELU": (F.elu, lambda x: np.where(x > 0, 1.0, np.exp(x))),
    "softplus": (F.softplus, _sigmoid),
    "GELU": (F.gelu, lambda x: _normal_cdf(x) + x * np.exp(-x ** 2 / 2) / math.sqrt(2 * math.pi)),
}


def curve_and_derivative(f: Callable[[mt.Tensor], mt.Tensor], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``f(x)`` and ``f'(x)`` by autograd for an elementwise ``f`` on the float64 grid ``x``."""
    t = mt.tensor(x, dtype=mt.float64, requires_grad=True)
    y = f(t)
    y.backward(mt.ones_like(y))
    return y.detach().numpy(), t.grad.numpy()


def main(out: Path, quick: bool = False) -> None:
    """Print each activation's values, derivatives and the derivative's agreement with its formula, and plot
    the nine functions with their derivatives in one figure (``quick`` changes nothing: it takes a fraction of a
    second)."""
    x = np.linspace(-4, 4, 400)  # an even count: the grid skips 0, where ReLU-like derivatives are a convention
    fig, axes = new_figure(3, 3, width=3.4, height=2.8)
    print("activation f(x) and f'(x) (by autograd) at x = -1 and x = 1; max |autograd - formula| on [-4, 4]")
    worst = 0.0
    for ax, (name, (f, formula)) in zip(axes.ravel(), ACTIVATIONS.items()):
        y, dy = curve_and_derivative(f, x)
        err = float(np.abs(dy - formula(x)).max())
        worst = max(worst, err)
        (at_minus, at_plus), (d_minus, d_plus) = curve_and_derivative(f, np.array([-1.0, 1.0]))
        print(f"  {name:20s} f: {at_minus:8.4f} {at_plus:8.4f}   f': {d_minus:8.4f} {d_plus:8.4f}   error {err:.1e}")
        ax.plot(x, y, label="f(x)")
        ax.plot(x, dy, "--", label="f'(x) by autograd")
        ax.axhline(0, color="0.8", linewidth=0.8)
        ax.axvline(0, color="0.8", linewidth=0.8)
        ax.set_title(name)
        ax.set_ylim(-1.5, 4.2)
    axes[0, 0].legend(loc="upper left", fontsize=8)
    headline("derivatives by autograd vs their formulas", f"max difference {worst:.1e} over the nine functions")
    save_figure(fig, out / "activations.png")

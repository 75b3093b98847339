"""XOR with a two-layer network: the problem one layer cannot solve, learned by backprop.

A 2-4-1 network with tanh hidden units and a sigmoid output, trained by plain
gradient descent on the four XOR points with binary cross-entropy. The picture
shows the probability the network gives to class 1 over the whole square: the
hidden layer bends the single line a perceptron draws into a band.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

import microtensor as mt
from demos.common import headline, new_figure, progress, save_figure, save_graph

PICTURES = ("decision_surface.png", "graph.png")  # what main() writes into its folder

INPUTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
TARGETS = [[0.0], [1.0], [1.0], [0.0]]


def forward(params: list[mt.Tensor], x: mt.Tensor) -> mt.Tensor:
    """The network's probability of class 1 for inputs ``x`` ``(N, 2)``: ``(N, 1)``."""
    w1, b1, w2, b2 = params
    return ((x @ w1 + b1).tanh() @ w2 + b2).sigmoid()


def loss_of(params: list[mt.Tensor]) -> mt.Tensor:
    """The network's binary cross-entropy on the four XOR points."""
    x, y = mt.tensor(INPUTS), mt.tensor(TARGETS)
    p = forward(params, x)
    return -(y * p.clamp(1e-7, 1).log() + (1 - y) * (1 - p).clamp(1e-7, 1).log()).mean()


def fit(steps: int = 2000, lr: float = 0.5, seed: int = 1) -> tuple[list[mt.Tensor], list[float]]:
    """Train the network from seed ``seed``; return its parameters ``[w1, b1, w2, b2]`` and the loss history."""
    mt.manual_seed(seed)
    w1 = (mt.randn(2, 4) * 1.0).requires_grad_()
    b1 = mt.zeros(4, requires_grad=True)
    w2 = (mt.randn(4, 1) * 1.0).requires_grad_()
    b2 = mt.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]
    losses = []
    for _ in progress(range(steps), desc="xor steps"):
        loss = loss_of(params)
        for t in params:
            t.grad = None
        loss.backward()
        with mt.no_grad():
            for t in params:
                t -= lr * t.grad
        losses.append(loss.item())
    return params, losses


def train(steps: int = 2000, lr: float = 0.5, seed: int = 1) -> tuple[list[float], list[float]]:
    """Train the network; return the loss history and the final predictions for the four inputs."""
    params, losses = fit(steps, lr, seed)
    with mt.no_grad():
        preds = forward(params, mt.tensor(INPUTS))
    return losses, [v[0] for v in preds.tolist()]


def main(out: Path, quick: bool = False) -> None:
    """Train on XOR, print the loss curve's milestones and the learned truth table, and plot the learned
    decision surface and the loss curve."""
    steps = 200 if quick else 2000
    params, losses = fit(steps)
    with mt.no_grad():
        preds = [v[0] for v in forward(params, mt.tensor(INPUTS)).tolist()]
    print(f"XOR, 2-4-1 network, {steps} steps of gradient descent")
    for step in (0, steps // 4, steps // 2, steps - 1):
        print(f"  step {step:5d}  loss {losses[step]:.4f}")
    print("  x1 x2 | target  prediction")
    for (a, b), (t,), p in zip(INPUTS, TARGETS, preds):
        print(f"   {a:.0f}  {b:.0f} |   {t:.0f}      {p:.3f}")
    correct = sum((p > 0.5) == (t > 0.5) for p, (t,) in zip(preds, TARGETS))
    headline("XOR truth table", f"{correct}/4 correct, final loss {losses[-1]:.4f}")

    fig, (surface, curve) = new_figure(1, 2, width=4.8, height=4.0)
    g1, g2 = np.meshgrid(np.linspace(-0.5, 1.5, 201), np.linspace(-0.5, 1.5, 201))
    with mt.no_grad():
        prob = forward(params, mt.tensor(np.stack([g1.ravel(), g2.ravel()], axis=1), dtype=mt.float32))
    prob = prob.numpy().reshape(g1.shape)
    filled = surface.contourf(g1, g2, prob, levels=np.linspace(0, 1, 21), cmap="coolwarm")
    surface.contour(g1, g2, prob, levels=[0.5], colors="k")
    pts, tgt = np.array(INPUTS), np.array(TARGETS)[:, 0]
    for label, colour in ((0, "white"), (1, "black")):
        at = pts[tgt == label]
        surface.scatter(at[:, 0], at[:, 1], c=colour, edgecolors="k", s=90, zorder=3, label=f"target {label}")
    surface.legend(loc="upper center", fontsize=8)
    fig.colorbar(filled, ax=surface, label="P(x1 XOR x2 = 1)")
    surface.set_xlabel("x1")
    surface.set_ylabel("x2")
    surface.set_title("learned decision surface (black: p = 0.5)")
    curve.plot(losses)
    curve.set_yscale("log")
    curve.set_xlabel("step")
    curve.set_ylabel("binary cross-entropy")
    curve.set_title("training loss")
    save_figure(fig, out / "decision_surface.png")

    loss = loss_of(params)
    mt.viz.watch(loss)
    loss.backward()
    print("  the graph of the loss, each edge labelled with the norm of the gradient that flowed along it:")
    save_graph(loss, out / "graph.png", params=dict(zip(("w1", "b1", "w2", "b2"), params)), show_grad=True)

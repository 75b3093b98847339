"""XOR with a two-layer network: the problem one layer cannot solve, learned by backprop.

A 2-4-1 network with tanh hidden units and a sigmoid output, trained by plain
gradient descent on the four XOR points with binary cross-entropy.
"""
from __future__ import annotations

import microtensor as mt

INPUTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
TARGETS = [[0.0], [1.0], [1.0], [0.0]]


def train(steps: int = 2000, lr: float = 0.5, seed: int = 1) -> tuple[list[float], list[float]]:
    """Train the network; return the loss history and the final predictions for the four inputs."""
    mt.manual_seed(seed)
    x, y = mt.tensor(INPUTS), mt.tensor(TARGETS)
    w1 = (mt.randn(2, 4) * 1.0).requires_grad_()
    b1 = mt.zeros(4, requires_grad=True)
    w2 = (mt.randn(4, 1) * 1.0).requires_grad_()
    b2 = mt.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]
    losses = []
    for _ in range(steps):
        p = ((x @ w1 + b1).tanh() @ w2 + b2).sigmoid()
        loss = -(y * p.clamp(1e-7, 1).log() + (1 - y) * (1 - p).clamp(1e-7, 1).log()).mean()
        for t in params:
            t.grad = None
        loss.backward()
        with mt.no_grad():
            for t in params:
                t -= lr * t.grad
        losses.append(loss.item())
    with mt.no_grad():
        preds = ((x @ w1 + b1).tanh() @ w2 + b2).sigmoid()
    return losses, [v[0] for v in preds.tolist()]


def main(quick: bool = False) -> None:
    """Train on XOR and print the loss curve's milestones and the learned truth table."""
    steps = 200 if quick else 2000
    losses, preds = train(steps)
    print(f"XOR, 2-4-1 network, {steps} steps of gradient descent")
    for step in (0, steps // 4, steps // 2, steps - 1):
        print(f"  step {step:5d}  loss {losses[step]:.4f}")
    print("  x1 x2 | target  prediction")
    for (a, b), (t,), p in zip(INPUTS, TARGETS, preds):
        print(f"   {a:.0f}  {b:.0f} |   {t:.0f}      {p:.3f}")
    correct = sum((p > 0.5) == (t > 0.5) for p, (t,) in zip(preds, TARGETS))
    print(f"  {correct}/4 correct")

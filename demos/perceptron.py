"""The perceptron of the notes: one step unit ``y = step(w0 x0 + w1 x1 + theta)`` trained by the perceptron rule.

The rule is written out here as the notes give it, not taken from an optimizer: for each training example the
error ``E = y - y_hat`` moves every weight by ``w_i <- w_i + eta * E * x_i`` and the bias by
``theta <- theta + eta * E``. From the notes' start ``w0 = 0.3898, w1 = 0.4950, theta = 0.8115`` with
``eta = 0.1`` it learns AND (first update to 0.2898 / 0.4950 / 0.7115, ending at the notes' trained line
``0.2898 x0 + 0.1950 x1 - 0.3885``), then OR and NOT; on XOR it never stops making mistakes, because no
single line separates XOR's two classes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import microtensor as mt
from demos.common import headline, new_figure, progress, save_figure
from microtensor.nn import functional as F

PICTURES = ("decision_lines.png", "mistakes.png")  # what main() writes into its folder

START_WEIGHTS = (0.3898, 0.4950)
START_THETA = 0.8115
ETA = 0.1
# (inputs, targets); AND starts with the notes' first example (x0, x1) = (1, 0), y = 0, and this order of
# the other three reproduces the notes' trained AND line exactly
GATES = {
    "AND": ([[1, 0], [0, 0], [1, 1], [0, 1]], [0, 0, 1, 0]),
    "OR": ([[1, 0], [0, 0], [1, 1], [0, 1]], [1, 0, 1, 1]),
    "NOT": ([[1], [0]], [0, 1]),
    "XOR": ([[1, 0], [0, 0], [1, 1], [0, 1]], [1, 0, 0, 1]),
}
NOTES_AND_LINE = (0.2898, 0.1950, -0.3885)


@dataclass
class Update:
    """One application of the rule: the example, the unit's output, the error and the parameters after it."""
    x: list[float]
    target: float
    output: float
    error: float
    weights: list[float]
    theta: float


@dataclass
class Training:
    """The rule's whole run: every update, the mistakes in each epoch and the final parameters."""
    updates: list[Update] = field(default_factory=list)
    mistakes: list[int] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    theta: float = 0.0

    @property
    def converged(self) -> bool:
        """Whether the last epoch classified every example correctly."""
        return self.mistakes[-1] == 0

    def parameters(self) -> tuple[mt.Tensor, mt.Tensor]:
        """The final weights ``(n,)`` and bias ``()`` as float64 tensors, for ``predict``."""
        return mt.tensor(self.weights, dtype=mt.float64), mt.tensor(self.theta, dtype=mt.float64)


def predict(weights: mt.Tensor, theta: mt.Tensor, x: mt.Tensor) -> mt.Tensor:
    """The perceptron's output ``step(x @ weights + theta)`` for one example ``(n,)`` or a batch ``(N, n)``."""
    return F.step(x @ weights + theta)


def train(inputs: list[list[float]], targets: list[float], weights: tuple[float, ...] = START_WEIGHTS,
          theta: float = START_THETA, eta: float = ETA, max_epochs: int = 100) -> Training:
    """Train one step unit on ``inputs`` ``(N, n)`` with the perceptron rule until an epoch makes no mistake.

    Args:
        inputs: the ``N`` examples, ``n`` features each (presented in this order every epoch).
        targets: the ``N`` wanted outputs, 0 or 1.
        weights: the ``n`` start weights.
        theta: the start bias.
        eta: the learning rate.
        max_epochs: stop after this many passes even if mistakes remain (XOR never converges).
    """
    xs = mt.tensor(inputs, dtype=mt.float64)
    ts = mt.tensor(targets, dtype=mt.float64)
    w = mt.tensor(weights, dtype=mt.float64)
    b = mt.tensor(theta, dtype=mt.float64)
    run = Training()
    for _ in progress(range(max_epochs), desc="perceptron epochs"):
        mistakes = 0
        # the rule is online: each example updates the parameters before the next one is seen
        for x, t in zip(xs, ts):
            y = predict(w, b, x)
            error = t - y
            w = w + eta * error * x
            b = b + eta * error
            mistakes += int(error.item() != 0)
            run.updates.append(Update(x.tolist(), t.item(), y.item(), error.item(), w.tolist(), b.item()))
        run.mistakes.append(mistakes)
        if mistakes == 0:
            break
    run.weights, run.theta = w.tolist(), b.item()
    return run


def _line(weights: list[float], theta: float) -> str:
    terms = " + ".join(f"{w:.4f} x{i}" for i, w in enumerate(weights))
    return f"y = step({terms} {'-' if theta < 0 else '+'} {abs(theta):.4f})"


def _correct(name: str, run: Training) -> int:
    inputs, targets = GATES[name]
    w, b = run.parameters()
    return int((predict(w, b, mt.tensor(inputs, dtype=mt.float64)) == mt.tensor(targets)).sum().item())


def _print_first_update(u: Update, start: tuple[float, ...], theta0: float) -> None:
    z = sum(w * x for w, x in zip(start, u.x)) + theta0
    print(f"  example (x0, x1) = ({u.x[0]:.0f}, {u.x[1]:.0f}), y = {u.target:.0f}:")
    print(f"    y_hat = step({start[0]:.4f} * {u.x[0]:.0f} + {start[1]:.4f} * {u.x[1]:.0f} + {theta0:.4f})"
          f" = step({z:.4f}) = {u.output:.0f}")
    print(f"    E = y - y_hat = {u.target:.0f} - {u.output:.0f} = {u.error:.0f}")
    for i, (w0, x) in enumerate(zip(start, u.x)):
        print(f"    w{i}    <- {w0:.4f} + {ETA} * ({u.error:.0f}) * {x:.0f} = {u.weights[i]:.4f}")
    print(f"    theta <- {theta0:.4f} + {ETA} * ({u.error:.0f}) = {u.theta:.4f}")


def _draw_gate(ax, name: str, run: Training) -> None:
    inputs, targets = GATES[name]
    pts, tgt = np.array(inputs, dtype=float), np.array(targets)
    w, b = run.parameters()
    status = "learned" if run.converged else f"{_correct(name, run)}/{len(tgt)} right after {len(run.mistakes)} epochs"
    if pts.shape[1] == 1:  # NOT: one input, so plot the unit's output against it
        grid = np.linspace(-0.5, 1.5, 401)
        ax.plot(grid, predict(w, b, mt.tensor(grid[:, None])).numpy(), label="step(w0 x0 + theta)")
        ax.scatter(pts[:, 0], tgt, c=tgt, cmap="coolwarm", edgecolors="k", s=80, zorder=3, label="targets")
        ax.set_xlabel("x0")
        ax.set_ylabel("output")
        ax.legend(loc="center right")
    else:
        g0, g1 = np.meshgrid(np.linspace(-0.5, 1.5, 201), np.linspace(-0.5, 1.5, 201))
        grid = mt.tensor(np.stack([g0.ravel(), g1.ravel()], axis=1))
        z = (grid @ w + b).numpy().reshape(g0.shape)
        ax.contourf(g0, g1, z > 0, levels=[-0.5, 0.5, 1.5], colors=["#d0e0ff", "#ffd0d0"])
        ax.contour(g0, g1, z, levels=[0.0], colors="k")
        ax.scatter(pts[:, 0], pts[:, 1], c=tgt, cmap="coolwarm", edgecolors="k", s=80, zorder=3)
        ax.set_xlabel("x0")
        ax.set_ylabel("x1")
    ax.set_title(f"{name}: {status}\n{_line(run.weights, run.theta)}", fontsize=9)


def main(out: Path, quick: bool = False) -> None:
    """Train AND (from the notes' start, printing the first update as the notes work it), OR, NOT and XOR;
    plot each gate's decision line and the mistakes per epoch."""
    print("Perceptron y = step(w0 x0 + w1 x1 + theta), rule w_i <- w_i + eta E x_i, theta <- theta + eta E,"
          f" eta = {ETA}")
    print(f"AND from the notes' start w0 = {START_WEIGHTS[0]:.4f}, w1 = {START_WEIGHTS[1]:.4f},"
          f" theta = {START_THETA:.4f}")
    runs = {}
    for name, (inputs, targets) in GATES.items():
        runs[name] = train(inputs, targets, START_WEIGHTS[:len(inputs[0])], START_THETA,
                           max_epochs=20 if quick and name == "XOR" else 100)
    first = runs["AND"].updates[0]
    _print_first_update(first, START_WEIGHTS, START_THETA)
    headline("AND first update (w0, w1, theta)", " / ".join(f"{v:.4f}" for v in (*first.weights, first.theta)))
    for name, run in runs.items():
        verdict = (f"learned in {len(run.mistakes)} epochs" if run.converged
                   else f"{run.mistakes[-1]} mistakes in epoch {len(run.mistakes)}, the last line gets "
                        f"{_correct(name, run)} of {len(GATES[name][1])} right")
        print(f"  {name:3s}: {verdict}; {_line(run.weights, run.theta)}")
    and_line = (*runs["AND"].weights, runs["AND"].theta)
    same = np.allclose(and_line, NOTES_AND_LINE, atol=5e-5)
    notes_line = _line(NOTES_AND_LINE[:2], NOTES_AND_LINE[2])
    headline("AND trained line", f"{_line(runs['AND'].weights, runs['AND'].theta)}"
             f" ({'the same as' if same else 'differs from'} the notes' {notes_line})")
    print("XOR cannot be learned by one unit: it would need theta <= 0 (0,0 -> 0), w0 + theta > 0 and w1 + theta > 0"
          " (1,0 and 0,1 -> 1),\n  so w0 + w1 + 2 theta > 0, hence w0 + w1 + theta > -theta >= 0, but 1,1 -> 0 needs"
          " w0 + w1 + theta <= 0. A hidden layer fixes this (python -m demos xor).")

    fig, axes = new_figure(1, 4, width=3.6, height=3.6)
    for ax, (name, run) in zip(axes, runs.items()):
        _draw_gate(ax, name, run)
    save_figure(fig, out / "decision_lines.png")
    fig, ax = new_figure(width=6.0, height=3.5)
    for name, run in runs.items():
        ax.plot(range(1, len(run.mistakes) + 1), run.mistakes, marker="o", markersize=3, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("misclassified examples")
    ax.set_title("The perceptron rule: mistakes per epoch")
    ax.legend()
    save_figure(fig, out / "mistakes.png")

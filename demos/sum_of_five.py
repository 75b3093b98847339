"""The notes' binary classifier: is the sum of five numbers drawn from [0, 1] above 2.5?

A 5-10-2 network with sigmoid hidden units, as the notes draw it, is trained twice from the same start with
the same minibatch SGD: once on the notes' mean squared error of sigmoid outputs against one-hot targets,
``E = 1/N sum_m 1/2 sum_k (y_hat_k - y_k)^2``, and once on cross-entropy of the softmax of the same outputs.
Cross-entropy learns much faster: the squared error's gradient carries the output sigmoid's derivative,
which is small exactly where the network is confidently wrong.
"""
from __future__ import annotations

from pathlib import Path

import microtensor as mt
from demos.common import headline, progress
from demos.training import History, accuracy, plot_curves
from microtensor import nn
from microtensor.nn import functional as F

PICTURES = ("training_curves.png",)  # what main() writes into its folder

FEATURES = 5
HIDDEN = 10
TARGET_ACCURACY = 0.95


def make_data(n: int) -> tuple[mt.Tensor, mt.Tensor]:
    """``n`` examples of five numbers uniform in [0, 1] and their classes ``(n,)``: 1 if the sum is above 2.5,
    else 0 (a sum of exactly 2.5 has probability zero). The inputs ``(n, 5)`` come centred, ``x - 0.5``: with
    all-positive inputs every weight's gradient shares the bias's sign and SGD zigzags along the boundary."""
    x = mt.rand(n, FEATURES)
    return x - 0.5, (x.sum(dim=1) > FEATURES / 2).long()


def make_model() -> nn.Module:
    """The notes' network: 5 inputs, a sigmoid hidden layer, one output per class."""
    return nn.Sequential(nn.Linear(FEATURES, HIDDEN), nn.Sigmoid(), nn.Linear(HIDDEN, 2))


def mse(outputs: mt.Tensor, labels: mt.Tensor) -> mt.Tensor:
    """The notes' error of sigmoid outputs against one-hot targets; with two outputs ``F.mse_loss``'s mean
    over ``N * 2`` elements is exactly their ``1/N sum_m 1/2 sum_k``."""
    return F.mse_loss(outputs.sigmoid(), F.one_hot(labels, 2).float())


LOSSES = {"MSE": mse, "cross-entropy": F.cross_entropy}


def epochs_to(history: History, level: float) -> int | None:
    """The first epoch (counting from 1) whose test accuracy reaches ``level``; None if none does."""
    return next((e for e, acc in enumerate(history.accuracy, start=1) if acc >= level), None)


def sgd_step(model: nn.Module, lr: float) -> None:
    """Plain gradient descent ``p <- p - lr * p.grad`` on every parameter, outside the graph."""
    with mt.no_grad():
        for p in model.parameters():
            p -= lr * p.grad


def train(loss_name: str, epochs: int = 40, lr: float = 0.5, batch_size: int = 50, n_train: int = 1000,
          n_test: int = 1000, seed: int = 0) -> History:
    """Train the network on ``LOSSES[loss_name]`` with minibatch SGD; the data, the start and the batch order
    depend only on ``seed``, so both losses see the same ones.

    Args:
        loss_name: ``"MSE"`` or ``"cross-entropy"``.
        epochs: passes over the training set.
        lr: the SGD step size.
        batch_size: examples per step.
        n_train, n_test: the sizes of the fresh training and test sets.
        seed: the seed of everything random.
    """
    mt.manual_seed(seed)
    x_train, y_train = make_data(n_train)
    x_test, y_test = make_data(n_test)
    model = make_model()
    loss_fn = LOSSES[loss_name]
    history = History()
    for _ in progress(range(epochs), desc=f"sum of five, {loss_name}"):
        order = mt.randperm(n_train)
        total = 0.0
        for start in range(0, n_train, batch_size):
            idx = order[start:start + batch_size]
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            model.zero_grad()
            loss.backward()
            sgd_step(model, lr)
            total += loss.item() * len(idx)
        history.loss.append(total / n_train)
        history.accuracy.append(accuracy(model, x_test, y_test))
    return history


def main(out: Path, quick: bool = False) -> None:
    """Train with both losses, print the test accuracy along the way and plot the two training curves."""
    epochs = 3 if quick else 40
    print(f"Sum of five numbers > 2.5: a {FEATURES}-{HIDDEN}-2 sigmoid network, minibatch SGD, {epochs} epochs,"
          " 1000 training and 1000 test examples")
    print("  the same start, data and batches for both losses")
    runs = {name: train(name, epochs) for name in LOSSES}
    marks = sorted({0, epochs // 4, epochs // 2, epochs - 1})
    print(f"  test accuracy after epoch {', '.join(str(e + 1) for e in marks)}:")
    for name, run in runs.items():
        print(f"    {name:13s} " + "  ".join(f"{run.accuracy[e]:.3f}" for e in marks))
    for name, run in runs.items():
        print(f"  {name:13s} first reaches {TARGET_ACCURACY:.0%} test accuracy after epoch "
              f"{epochs_to(run, TARGET_ACCURACY) or '-'}")
    headline("test accuracy", ", ".join(f"{name} {run.accuracy[-1]:.1%}" for name, run in runs.items()))

    plot_curves(runs, out / "training_curves.png", "training loss (each its own measure)")

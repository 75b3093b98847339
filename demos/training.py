"""What the classification demos share: a seeded train/test split of scikit-learn's digits, a minibatch
training loop over a DataLoader, timed runs and their table, accuracy curves, accuracy, a confusion matrix,
a parameter count and the module-grouped graph of a model's loss."""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.ticker import MaxNLocator

import microtensor as mt
from demos.common import new_figure, progress, save_figure, save_graph
from microtensor import datasets, nn, optim
from microtensor.nn import functional as F
from microtensor.utils.data import DataLoader, TensorDataset, random_split

LossFn = Callable[[mt.Tensor, mt.Tensor], mt.Tensor]


@dataclass
class Split:
    """A data set cut into a training and a test part, each ``(inputs, labels)``."""
    x_train: mt.Tensor
    y_train: mt.Tensor
    x_test: mt.Tensor
    y_test: mt.Tensor

    def train_set(self) -> TensorDataset:
        """The training part as a ``TensorDataset`` (for a DataLoader)."""
        return TensorDataset(self.x_train, self.y_train)


def digits_split(flatten: bool = False, test_fraction: float = 0.2, seed: int = 0) -> Split:
    """scikit-learn's 1,797 8x8 digits, shuffled with ``seed`` and cut into training and test parts.

    Args:
        flatten: give each image as 64 features ``(N, 64)`` instead of ``(N, 1, 8, 8)``.
        test_fraction: the share of the images held out for testing.
        seed: the seed of the shuffle.
    """
    data = datasets.digits(flatten=flatten)
    n_test = round(len(data) * test_fraction)
    train, test = random_split(data, [len(data) - n_test, n_test], generator=mt.Generator().manual_seed(seed))
    images, labels = data.tensors
    return Split(images[train.indices], labels[train.indices], images[test.indices], labels[test.indices])


@dataclass
class History:
    """One training run: the mean training loss and the test accuracy after every epoch."""
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)


def accuracy(model: nn.Module, x: mt.Tensor, labels: mt.Tensor) -> float:
    """The fraction of ``x``'s examples whose largest output is their class (the model in eval mode)."""
    was_training = model.training
    model.eval()
    with mt.no_grad():
        correct = (model(x).argmax(dim=1) == labels).float().mean().item()
    model.train(was_training)
    return correct


def loss_and_gradients(model: nn.Module, optimizer: optim.Optimizer, loss_fn: LossFn, x: mt.Tensor, y: mt.Tensor
                       ) -> mt.Tensor:
    """The loss ``loss_fn(model(x), y)`` on the batch ``(x, y)`` and the gradients of ``optimizer``'s parameters,
    computed afresh; returns the loss. Compiled on its own where the step goes on with what ``mt.compile`` cannot
    replay (``nn.utils.clip_grad_norm_`` computes its norm outside the recorded ops: a replay would reuse the
    first step's), which then runs eagerly after it."""
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    return loss


def train_step(model: nn.Module, optimizer: optim.Optimizer, loss_fn: LossFn, x: mt.Tensor, y: mt.Tensor
               ) -> mt.Tensor:
    """One training step on the batch ``(x, y)``: ``loss_and_gradients`` and one update of ``optimizer``; returns
    the loss (read it with ``.item()`` outside a compiled step)."""
    loss = loss_and_gradients(model, optimizer, loss_fn, x, y)
    optimizer.step()
    return loss


def train_classifier(model: nn.Module, split: Split, optimizer: optim.Optimizer, epochs: int,
                     batch_size: int = 32, loss_fn: LossFn = F.cross_entropy, seed: int = 0,
                     desc: str = "epochs", scheduler: optim.lr_scheduler.LRScheduler | None = None,
                     compiled: bool = True) -> History:
    """Train ``model`` on ``split``'s training part with minibatches in a seeded shuffled order.

    Args:
        model: the classifier, mapping a batch of inputs to ``(N, classes)`` scores.
        split: the data; the test accuracy is recorded after every epoch.
        optimizer: updates ``model``'s parameters after every batch.
        epochs: passes over the training part.
        batch_size: examples per step.
        loss_fn: the loss of the scores against the labels (cross-entropy by default).
        seed: the seed of the batch order.
        desc: the progress bar's label.
        scheduler: stepped once per epoch, when given.
        compiled: run ``train_step`` through ``mt.compile``: traced on the first batch (and on the last, smaller
            one), replayed as NumPy on the others, with eager's results; False runs it eagerly (for a model whose
            step ``mt.compile`` cannot replay yet).
    """
    loader = DataLoader(split.train_set(), batch_size=batch_size, shuffle=True,
                        generator=mt.Generator().manual_seed(seed))
    step = mt.compile(train_step) if compiled else train_step   # one per run: it caches this model's plans
    history = History()
    for _ in progress(range(epochs), desc=desc):
        model.train()
        total = 0.0
        for x, y in loader:
            total += step(model, optimizer, loss_fn, x, y).item() * len(y)
        if scheduler is not None:
            scheduler.step()
        history.loss.append(total / len(split.y_train))
        history.accuracy.append(accuracy(model, split.x_test, split.y_test))
    return history


def confusion_matrix(model: nn.Module, x: mt.Tensor, labels: mt.Tensor, classes: int = 10) -> np.ndarray:
    """``(classes, classes)`` counts: row = the true class, column = the predicted one."""
    model.eval()
    with mt.no_grad():
        predicted = model(x).argmax(dim=1).numpy()
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (labels.numpy(), predicted), 1)
    return counts


def count_parameters(model: nn.Module) -> int:
    """The number of trainable numbers in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@dataclass
class Trained:
    """A trained model, its training run (loss and test accuracy per epoch) and the seconds it took."""
    name: str
    model: nn.Module
    history: History
    seconds: float

    @property
    def accuracy(self) -> float:
        """The test accuracy after the last epoch."""
        return self.history.accuracy[-1]

    @property
    def parameters(self) -> int:
        """The model's number of trainable parameters."""
        return count_parameters(self.model)


def train_timed(name: str, model: nn.Module, split: Split, optimizer: optim.Optimizer, epochs: int,
                batch_size: int = 32, seed: int = 0,
                scheduler: optim.lr_scheduler.LRScheduler | None = None, compiled: bool = True) -> Trained:
    """``train_classifier`` (same arguments; ``name`` labels the progress bar), timed, as a ``Trained``."""
    start = time.perf_counter()
    history = train_classifier(model, split, optimizer, epochs, batch_size=batch_size, seed=seed, desc=name,
                               scheduler=scheduler, compiled=compiled)
    return Trained(name, model, history, time.perf_counter() - start)


def results_table(runs: Sequence[Trained]) -> str:
    """The table of trained models: name, parameters, test accuracy, epochs, training time."""
    lines = [f"  {'model':16s} {'parameters':>10s} {'test accuracy':>14s} {'epochs':>7s} {'time':>7s}"]
    lines += [f"  {run.name:16s} {run.parameters:10,d} {run.accuracy:14.1%} {len(run.history.accuracy):7d} "
              f"{run.seconds:6.1f}s" for run in runs]
    return "\n".join(lines)


def plot_curves(histories: Mapping[str, History], path: Path, loss_title: str = "training loss",
                classes: int | None = None) -> Path:
    """Draw each run's mean training loss (log scale) and test accuracy per epoch, side by side, to ``path``.

    Args:
        histories: the runs, by their legend label.
        path: the PNG to write.
        loss_title: the title of the loss plot (say which loss, and on what data).
        classes: when given, dashed lines mark chance: cross-entropy ln(classes), accuracy 1/classes.
    """
    fig, (loss_ax, acc_ax) = new_figure(1, 2, width=4.8, height=3.8)
    for label, history in histories.items():
        epochs = range(1, len(history.loss) + 1)
        loss_ax.plot(epochs, history.loss, marker="o", markersize=3, label=label)
        acc_ax.plot(epochs, history.accuracy, marker="o", markersize=3, label=label)
    if classes is not None:
        loss_ax.axhline(math.log(classes), color="gray", linestyle="--", linewidth=1,
                        label=f"chance (ln {classes})")
        acc_ax.axhline(1 / classes, color="gray", linestyle="--", linewidth=1, label=f"chance ({1 / classes:.0%})")
    loss_ax.set_yscale("log")
    loss_ax.set_title(loss_title)
    acc_ax.set_title("test accuracy")
    acc_ax.yaxis.set_major_formatter("{x:.0%}")
    for ax in (loss_ax, acc_ax):
        ax.set_xlabel("epoch")
        ax.set_xlim(0.5, max(len(history.loss) for history in histories.values()) + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return save_figure(fig, path)


def labelled_histories(runs: Sequence[Trained]) -> dict[str, History]:
    """``runs``' histories keyed by "name (parameters)", for ``plot_curves``."""
    return {f"{run.name} ({run.parameters:,d} parameters)": run.history for run in runs}


def draw_grouped_graph(model: nn.Module, x: mt.Tensor, labels: mt.Tensor, path: Path) -> Path:
    """Draw the autograd graph of ``model``'s cross-entropy on the batch ``x``, ``labels``, each op inside a
    box for the module that ran it (the forward runs under ``mt.viz.record(model)``, in eval mode so that
    BatchNorm's running statistics are left alone), to ``path``."""
    was_training = model.training
    model.eval()
    with mt.viz.record(model):
        loss = F.cross_entropy(model(x), labels)
    model.train(was_training)
    return save_graph(loss, path, params=dict(model.named_parameters()), group_by_module=True)

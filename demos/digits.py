"""An MLP and LeNet-5 on scikit-learn's 8x8 handwritten digits: a dense network against a convolutional one.

The data are the 1,797 8x8 grey-level digits that ship with scikit-learn (no download), 1,438 for training
and 359 held out for testing (``demos.training.digits_split``). Two classifiers learn them with Adam, the
learning rate annealed to zero along a cosine over the epochs:

- an MLP, 64-128-10 with ReLU: it sees the image as 64 unrelated numbers; moving a stroke by one pixel
  gives it a different input as much as any other change would.
- LeNet-5 (LeCun et al. 1998): two convolution stages (6, then 16 maps of 5x5 filters, each followed by a
  ReLU and a 2x2 max pooling), then 120-84-10 fully connected. Every filter is slid over the whole image, so
  a stroke detector learned in one place works everywhere (weight sharing), and pooling forgives small shifts.

Both pass 97% test accuracy in a few seconds (the median of three seeds; a single run's rounding, and so its
accuracy, depends on the CPU's BLAS kernels: LeNet with seed 0 ends at 98.3% on one machine and 95.0% on
another), and they end about level (98-99%, a handful of the 359 test images wrong): 64 pixels of digits
that the data set's makers already centred and scaled leave the convolutions little to win. LeNet-5's edge
shows on MNIST's 28x28 images (``demos/mnist.py``, which reuses this module's models, training and plots).
The demo prints the models' sizes and accuracies, plots their training curves and the confusion matrix of
the better one, and draws LeNet's autograd graph with each op inside the module that ran it.

Why LeNet-5 "scaled to 8x8" (``LeNet8``) and not ``nn.models.LeNet5``: that model is built for 28x28
inputs (its forward checks the size, and its first Linear expects 16x5x5 = 400 features); no argument
changes that. Upsampling the digits to 28x28 would let it run, but adds no information and makes every
step about 12 times dearer (784 pixels instead of 64). ``LeNet8`` keeps LeNet-5's layers and widths
and pads both 5x5 convolutions to keep their size ("same" padding): the second one has only 4x4 maps to
work on, where the valid 5x5 convolution of the original would not fit. So 8x8 -> 6@8x8 -> 6@4x4 ->
16@4x4 -> 16@2x2 = 64 features for the 120-84-10 classifier: 21,386 parameters, against LeNet5's 61,706.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import microtensor as mt
from demos.common import headline, new_figure, save_figure
from demos.training import (
    Split,
    Trained,
    confusion_matrix,
    digits_split,
    draw_grouped_graph,
    labelled_histories,
    plot_curves,
    results_table,
    train_timed,
)
from microtensor import nn, optim

PICTURES = ("training_curves.png", "confusion_matrix.png", "lenet_graph.png")  # what main() writes

CLASSES = 10
QUICK_EPOCHS = 2


class LeNet8(nn.Module):
    """LeNet-5 scaled to 8x8 images: ``nn.models.LeNet5``'s layers and widths, both 5x5 convolutions padded
    by 2 so they keep their size (the module docstring says why).

    ``features``: conv 1->6 5x5 padding 2, ReLU, max pool 2, conv 6->16 5x5 padding 2, ReLU, max pool 2,
    flatten (16x2x2 = 64 features); ``classifier``: Linear 64->120, ReLU, 120->84, ReLU, 84->10.

    Shape:
        input ``(N, 1, 8, 8)``, output ``(N, 10)`` class scores (logits).
    """

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(6, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
        self.classifier = nn.Sequential(nn.Linear(64, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                        nn.Linear(84, CLASSES))

    def forward(self, input: mt.Tensor) -> mt.Tensor:
        """The class scores of a batch of 8x8 images."""
        return self.classifier(self.features(input))


def make_mlp(side: int, hidden: int = 128) -> nn.Module:
    """An MLP for ``side`` x ``side`` images: flatten, ``Linear(side * side, hidden)``, ReLU, ``Linear(hidden,
    10)``. Input ``(N, 1, side, side)``, output ``(N, 10)``: it takes the same batches as the CNNs."""
    return nn.Sequential(nn.Flatten(), nn.MLP([side * side, hidden, CLASSES]))


@dataclass(frozen=True)
class Recipe:
    """A model and how to train it: Adam at ``lr``, annealed to 0 along a cosine over ``epochs``, on
    shuffled minibatches of ``batch_size``."""
    name: str
    build: Callable[[], nn.Module]
    epochs: int
    lr: float
    batch_size: int = 32


MLP_RECIPE = Recipe("MLP 64-128-10", lambda: make_mlp(8), epochs=20, lr=1e-2)
LENET_RECIPE = Recipe("LeNet-5 8x8", LeNet8, epochs=15, lr=1e-2)
RECIPES = (MLP_RECIPE, LENET_RECIPE)


def train(recipe: Recipe, split: Split, epochs: int | None = None, seed: int = 0) -> Trained:
    """Build ``recipe``'s model from seed ``seed`` and train it on ``split`` with ``demos.training``'s loop.

    Args:
        recipe: the model, optimizer settings and epochs.
        split: images ``(N, 1, H, W)`` and labels ``(N,)``; the test accuracy is recorded every epoch.
        epochs: overrides ``recipe.epochs`` (quick mode); the cosine then spans these epochs.
        seed: the seed of the initial weights and of the batch order.
    """
    epochs = recipe.epochs if epochs is None else epochs
    mt.manual_seed(seed)
    model = recipe.build()
    optimizer = optim.Adam(model.parameters(), lr=recipe.lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    return train_timed(recipe.name, model, split, optimizer, epochs, recipe.batch_size, seed, scheduler)


def train_all(recipes: Sequence[Recipe], split: Split, epochs: int | None = None) -> list[Trained]:
    """Train every recipe on ``split`` (``epochs`` overriding theirs, when given) and print a table of the
    models' parameter counts, test accuracies and training times."""
    runs = [train(recipe, split, epochs) for recipe in recipes]
    print(results_table(runs))
    return runs


def most_confused(counts: np.ndarray, top: int = 3) -> list[tuple[int, int, int]]:
    """The ``top`` largest off-diagonal entries of a confusion matrix as ``(true, predicted, count)``,
    largest first, zeros left out."""
    errors = counts.copy()
    np.fill_diagonal(errors, 0)
    order = np.argsort(errors, axis=None)[::-1][:top]
    return [(int(t), int(p), int(errors[t, p])) for t, p in zip(*np.unravel_index(order, errors.shape))
            if errors[t, p]]


def plot_confusion(counts: np.ndarray, path: Path, title: str) -> Path:
    """Draw a confusion matrix (rows: true class, columns: predicted) with its counts written in, to ``path``;
    the colour scale is logarithmic so that single mistakes show beside the full diagonal."""
    fig, ax = new_figure(width=5.6, height=5.0)
    shown = np.log1p(counts)
    image = ax.imshow(shown, cmap="Blues")
    for (t, p), n in np.ndenumerate(counts):
        if n:
            ax.text(p, t, str(n), ha="center", va="center", fontsize=8,
                    color="white" if shown[t, p] > 0.6 * shown.max() else "black")
    ticks = range(len(counts))
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="log(1 + count)")
    return save_figure(fig, path)


def report(runs: Sequence[Trained], split: Split, out: Path, data: str) -> Trained:
    """Print the headline accuracies and the best model's commonest mistakes, and write
    ``training_curves.png`` and ``confusion_matrix.png`` (of the best model) into ``out``.

    Args:
        runs: the trained models.
        split: the data they were tested on.
        out: the demo's folder.
        data: the data set's name, for titles.

    Returns:
        The run with the best test accuracy.
    """
    headline("test accuracy", ", ".join(f"{run.name} {run.accuracy:.1%}" for run in runs))
    best = max(runs, key=lambda run: run.accuracy)
    counts = confusion_matrix(best.model, split.x_test, split.y_test, CLASSES)
    errors = int(counts.sum() - np.trace(counts))
    mistakes = ", ".join(f"{t} taken for {p} ({n}x)" for t, p, n in most_confused(counts)) or "none"
    print(f"  best: {best.name}, {errors} of {int(counts.sum())} test images wrong; commonest: {mistakes}")
    plot_curves(labelled_histories(runs), out / "training_curves.png", f"training loss (cross-entropy) on {data}")
    plot_confusion(counts, out / "confusion_matrix.png",
                   f"{best.name} on {data}: {best.accuracy:.1%} ({errors} wrong)")
    return best


def main(out: Path, quick: bool = False) -> None:
    """Train the MLP and LeNet-5 on the digits, print the comparison, plot the training curves and the best
    model's confusion matrix, and draw LeNet's graph grouped by module."""
    split = digits_split()
    epochs = QUICK_EPOCHS if quick else None
    print(f"scikit-learn's 8x8 digits: {len(split.y_train)} training and {len(split.y_test)} test images;"
          " Adam with a cosine-annealed learning rate" + (f", {epochs} epochs (quick)" if quick else ""))
    runs = train_all(RECIPES, split, epochs)
    report(runs, split, out, "8x8 digits")
    lenet = next(run.model for run in runs if run.name == LENET_RECIPE.name)
    print("  LeNet's graph, each op inside the module that ran it:")
    draw_grouped_graph(lenet, split.x_test[:4], split.y_test[:4], out / "lenet_graph.png")

"""What the classification demos share: a seeded train/test split of scikit-learn's digits, a minibatch
training loop over a DataLoader, accuracy, a confusion matrix and a parameter count."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import microtensor as mt
from demos.common import progress
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


def train_classifier(model: nn.Module, split: Split, optimizer: optim.Optimizer, epochs: int,
                     batch_size: int = 32, loss_fn: LossFn = F.cross_entropy, seed: int = 0,
                     desc: str = "epochs", scheduler: optim.lr_scheduler.LRScheduler | None = None,
                     clip_norm: float | None = None) -> History:
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
        clip_norm: the largest total gradient norm, when given (``nn.utils.clip_grad_norm_``).
    """
    loader = DataLoader(split.train_set(), batch_size=batch_size, shuffle=True,
                        generator=mt.Generator().manual_seed(seed))
    history = History()
    for _ in progress(range(epochs), desc=desc):
        model.train()
        total = 0.0
        for x, y in loader:
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            if clip_norm is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
            optimizer.step()
            total += loss.item() * len(y)
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

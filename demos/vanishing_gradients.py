"""Vanishing gradients: how much gradient reaches each layer of a 10-layer network, and what fixes it.

The notes derive the gradient of a weight ``k`` layers below the output as a product of ``k`` factors
``sigma'(z) * w``; the sigmoid's derivative is at most 0.25, so the product shrinks layer after layer and the
first layers barely learn (vanishing gradients; factors above 1 would make it grow instead: exploding
gradients). This demo measures it. Four networks of ten ``Linear`` layers, 64 units wide, with PyTorch's
default initialisation, each see the same batch of scikit-learn's 8x8 digits; one backward of the
cross-entropy gives every layer's weight gradient, and the table lists their norms from layer 1 (next to
the input) to layer 10 (the output):

- sigmoid: each layer passes back about ``0.25 * sqrt(1/3) = 0.144`` of the gradient it receives (the
  default init draws weights of variance ``1 / (3 fan_in)``, so ``W^T`` scales a vector's norm by
  ``sqrt(1/3)``, and the pre-activations stay near 0 where ``sigma' = 0.25``): nine layers down, the first
  layer gets about 3e-8 of the last layer's gradient.
- ReLU: the derivative is 1 where a unit is active, but half the units are off and the same init keeps
  shrinking the signal, forward and backward; the first layer still gets about 1% of the last one's.
  (Kaiming's init, variance ``2 / fan_in`` and zero biases, is the cure made for ReLU: with it the first
  layer of this net gets about 1.5 times the last one's gradient.)
- ReLU + BatchNorm: normalising every layer's pre-activations to unit variance undoes the shrinking; the
  norms stay within a small factor of each other.
- residual: ``h <- h + Linear(ReLU(h))``; the identity path carries the gradient down unchanged, so every
  layer gets about as much as the one above it (the ResNet paper's point).

A short training run shows what this means: with the same SGD, the sigmoid and plain ReLU nets stay at
chance (loss ln 10 = 2.30), while the BatchNorm and residual nets learn. The graph picture draws the sigmoid
and the residual nets side by side, each edge coloured by the norm of the gradient that flowed along it
(``mt.viz.watch`` before ``backward``): blue where it vanishes, green near 1.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import microtensor as mt
from demos.common import headline, new_figure, save_figure, save_graph
from demos.training import History, Split, digits_split, plot_curves, train_classifier
from microtensor import nn, optim
from microtensor.nn import functional as F

PICTURES = ("gradient_norms.png", "training_curves.png", "graph.png")  # what main() writes into its folder

KINDS = ("sigmoid", "ReLU", "ReLU + BatchNorm", "residual")
DEPTH = 10
WIDTH = 64
CLASSES = 10
SIGMOID_FACTOR = 0.25 * math.sqrt(1 / 3)  # sigma'(0) times the norm scale of W^T under the default init
GRAPH_KINDS = ("sigmoid", "residual")


class DeepNet(nn.Module):
    """``DEPTH`` Linear layers, ``WIDTH`` units wide, of one of the four ``KINDS``.

    Layer 1 maps the inputs to ``width`` units, layers 2 .. depth-1 are hidden, layer ``depth`` gives the
    class scores. Before every layer but the first comes the activation (sigmoid or ReLU), after BatchNorm1d
    for ``"ReLU + BatchNorm"``; in the ``"residual"`` net the hidden layers add to their input,
    ``h <- h + Linear(ReLU(h))``.

    Args:
        kind: one of ``KINDS``.
        in_features: input features per example.
        width: units of every hidden layer.
        classes: outputs.
        depth: Linear layers in all.
    """

    def __init__(self, kind: str, in_features: int = 64, width: int = WIDTH, classes: int = CLASSES,
                 depth: int = DEPTH) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; choose from {', '.join(KINDS)}")
        sizes = [in_features] + [width] * (depth - 1) + [classes]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.norms = nn.ModuleList(nn.BatchNorm1d(width) if kind == "ReLU + BatchNorm" else nn.Identity()
                                   for _ in range(depth - 1))
        self.act = nn.Sigmoid() if kind == "sigmoid" else nn.ReLU()
        self.residual = kind == "residual"

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        """Class scores ``(N, classes)`` for inputs ``x`` ``(N, in_features)``."""
        h = self.layers[0](x)
        for norm, layer in zip(self.norms[:-1], self.layers[1:-1]):
            update = layer(self.act(norm(h)))
            h = h + update if self.residual else update
        return self.layers[-1](self.act(self.norms[-1](h)))


@dataclass
class Backward:
    """One backward through a fresh net: the net (its ``.grad`` filled), its loss and each layer's
    weight-gradient norm, layer 1 first."""
    model: DeepNet
    loss: mt.Tensor
    norms: list[float]

    @property
    def ratio(self) -> float:
        """The first layer's gradient norm over the last layer's."""
        return self.norms[0] / self.norms[-1]

    @property
    def factor(self) -> float:
        """The geometric mean, per layer, of the change from the last layer's norm to the first's."""
        return self.ratio ** (1 / (len(self.norms) - 1))


def backward_once(kind: str, x: mt.Tensor, labels: mt.Tensor, seed: int = 0) -> Backward:
    """Build a ``DeepNet(kind)`` seeded with ``seed``, compute its cross-entropy on ``x`` ``(N, 64)`` against
    ``labels`` ``(N,)`` and backpropagate once, the graph watched by ``mt.viz.watch`` (so it can be drawn
    with ``show_grad=True``)."""
    mt.manual_seed(seed)
    model = DeepNet(kind, in_features=x.shape[1])
    loss = F.cross_entropy(model(x), labels)
    mt.viz.watch(loss)
    loss.backward()
    return Backward(model, loss, [layer.weight.grad.norm().item() for layer in model.layers])


def compare(split: Split, batch_size: int = 256, seed: int = 0) -> dict[str, Backward]:
    """``backward_once`` for each of the ``KINDS`` on the first ``batch_size`` training images of ``split``
    (flattened digits), every net seeded with ``seed``."""
    x, labels = split.x_train[:batch_size], split.y_train[:batch_size]
    return {kind: backward_once(kind, x, labels, seed) for kind in KINDS}


def train(kind: str, split: Split, epochs: int = 6, lr: float = 0.1, batch_size: int = 64,
          seed: int = 0) -> History:
    """Train a fresh ``DeepNet(kind)`` (seeded with ``seed``) on ``split`` with plain SGD; the same batch order
    for every kind.

    Args:
        kind: one of ``KINDS``.
        split: flattened digits (``digits_split(flatten=True)``).
        epochs: passes over the training part.
        lr: the SGD step size.
        batch_size: examples per step.
        seed: the seed of the initial weights and of the batch order.
    """
    mt.manual_seed(seed)
    model = DeepNet(kind, in_features=split.x_train.shape[1])
    return train_classifier(model, split, optim.SGD(model.parameters(), lr=lr), epochs, batch_size=batch_size,
                            seed=seed, desc=kind)


def print_table(runs: dict[str, Backward]) -> None:
    """Print each layer's weight-gradient norm for every net, then the first/last ratio and the per-layer
    factor."""
    print("  " + f"{'layer':>8s}" + "".join(f"{kind:>18s}" for kind in runs))
    for layer in range(DEPTH):
        print("  " + f"{layer + 1:8d}" + "".join(f"{run.norms[layer]:18.2e}" for run in runs.values()))
    print("  " + f"{'1st/10th':>8s}" + "".join(f"{run.ratio:18.2e}" for run in runs.values()))
    print("  " + f"{'/layer':>8s}" + "".join(f"{run.factor:18.3f}" for run in runs.values()))


def main(out: Path, quick: bool = False) -> None:
    """Measure and plot the per-layer gradient norms of the four nets, train them briefly and draw the graphs
    of the sigmoid and residual nets with gradient-coloured edges (``quick``: two training epochs)."""
    epochs = 2 if quick else 6
    split = digits_split(flatten=True)
    runs = compare(split)
    print(f"{DEPTH} Linear layers of {WIDTH} units, PyTorch's default init, one backward of the cross-entropy on"
          " 256 digits")
    print("  the norm of each layer's weight gradient (layer 1 next to the input, 10 the output):")
    print_table(runs)
    print(f"  the sigmoid's derivative is at most 0.25; with the default init each sigmoid layer should pass back"
          f" about {SIGMOID_FACTOR:.3f} of its gradient, measured {runs['sigmoid'].factor:.3f}")
    headline("first/last layer gradient norm",
             ", ".join(f"{kind} {run.ratio:.1e}" for kind, run in runs.items()))

    fig, ax = new_figure(width=6.0, height=4.2)
    for kind, run in runs.items():
        ax.plot(range(1, DEPTH + 1), run.norms, marker="o", label=kind)
    ax.set_yscale("log")
    ax.set_xticks(range(1, DEPTH + 1))
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("norm of the weight gradient")
    ax.set_title(f"gradient reaching each layer of a {DEPTH}-layer net")
    ax.legend()
    save_figure(fig, out / "gradient_norms.png")

    print(f"  training each net for {epochs} epochs of plain SGD (lr 0.1, batches of 64):")
    histories = {kind: train(kind, split, epochs) for kind in KINDS}
    for kind, history in histories.items():
        print(f"    {kind:17s} loss {history.loss[0]:.3f} -> {history.loss[-1]:.3f}, "
              f"test accuracy {history.accuracy[-1]:.1%}")
    headline("test accuracy after training",
             ", ".join(f"{kind} {history.accuracy[-1]:.1%}" for kind, history in histories.items()))
    plot_curves(histories, out / "training_curves.png", "training loss (cross-entropy)", classes=CLASSES)

    print("  the graphs of the sigmoid and residual nets' losses, each edge coloured by the norm of the gradient"
          " that flowed along it (blue: vanishing, green: about 1):")
    params = {f"{kind} layer {i}.{name}": p for kind in GRAPH_KINDS
              for i, layer in enumerate(runs[kind].model.layers, start=1) for name, p in layer.named_parameters()}
    save_graph({kind: runs[kind].loss for kind in GRAPH_KINDS}, out / "graph.png", params=params, show_grad=True)

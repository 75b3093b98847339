"""Render the README's pictures: the graphs docs/mlp_graph.{svg,png} and docs/lenet_graph.{svg,png}, and
three demo figures, docs/demo_*.png (copied from full runs of their demos).

Run from the repository root: ``python docs/make_images.py``. The pictures come from the code, so
re-running this after a change keeps them in sync (the same seed gives the same files).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import graphviz

import microtensor as mt
from microtensor import viz
from microtensor.nn import functional as F
from microtensor.nn.mlp import MLP
from microtensor.nn.models import LeNet5
from microtensor.viz.render import render

DOCS = Path(__file__).resolve().parent
DPI = {"mlp_graph": "110", "lenet_graph": "72"}     # readable text, small PNGs; the SVGs scale


def mlp_graph() -> graphviz.Digraph:
    """A 2-8-8-1 tanh MLP's mean squared error, after a backward watched for gradient norms."""
    mt.manual_seed(0)
    model = MLP([2, 8, 8, 1], activation=mt.nn.Tanh)
    loss = F.mse_loss(model(mt.randn(16, 2)), mt.randn(16, 1))
    viz.watch(loss)
    loss.backward()
    return viz.make_dot(loss, params=dict(model.named_parameters()), show_grad=True)


def lenet_graph() -> graphviz.Digraph:
    """LeNet-5's cross-entropy on a batch of two, each op inside the cluster of the module that ran it."""
    mt.manual_seed(0)
    model = LeNet5()
    with viz.record(model):
        loss = F.cross_entropy(model(mt.randn(2, 1, 28, 28)), mt.tensor([3, 7]))
    return viz.make_dot(loss, params=dict(model.named_parameters()), group_by_module=True)


# (demo, the picture it writes) -> docs/demo_{demo}.png
DEMO_PICTURES = (("optimizers", "valley.png"), ("vanishing_gradients", "gradient_norms.png"),
                 ("attention", "transformer_attention.png"))


def demo_pictures() -> None:
    """Run each demo of ``DEMO_PICTURES`` with its full settings and copy its picture to docs/."""
    with tempfile.TemporaryDirectory() as out:
        for demo, picture in DEMO_PICTURES:
            subprocess.run([sys.executable, "-m", "demos", demo, "--out", out], cwd=DOCS.parent, check=True,
                           stdout=subprocess.DEVNULL)
            print(shutil.copyfile(Path(out) / demo / picture, DOCS / f"demo_{demo}.png"))


def main() -> None:
    for name, graph in (("mlp_graph", mlp_graph()), ("lenet_graph", lenet_graph())):
        graph.attr(dpi=DPI[name])
        for fmt in ("svg", "png"):
            print(render(graph, DOCS / f"{name}.{fmt}", fmt))
    demo_pictures()


if __name__ == "__main__":
    main()

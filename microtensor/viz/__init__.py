"""Render the graph autograd recorded: ``make_dot`` builds a ``graphviz.Digraph``, ``draw`` writes an image.

``record(model)`` lets the picture group ops by ``nn.Module``; ``watch(output)`` before ``backward()``
lets it label each edge with the norm of the gradient that flowed along it. Rendering needs the
Graphviz ``dot`` program; without it ``draw`` writes the DOT source and says how to install it.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import graphviz

from microtensor.compiler import CompiledFunction
from microtensor.tensor import Tensor
from microtensor.viz.dot import Drawing, backward_view
from microtensor.viz.forward import forward_view
from microtensor.viz.grads import WatchHandle, watch
from microtensor.viz.graph import walk
from microtensor.viz.plan import plan_view
from microtensor.viz.render import FORMATS, GraphvizNotFoundError, render, target
from microtensor.viz.scope import record

Outputs = Tensor | Sequence[Tensor] | Mapping[str, Tensor]


def make_dot(output: Outputs, params: Mapping[str, Tensor] | None = None, show_attrs: bool = False,
             show_saved: bool = False, *, group_by_module: bool = False, show_grad: bool = False,
             forward: bool = False, max_nodes: int | None = None) -> graphviz.Digraph:
    """The backward graph behind ``output`` as a ``graphviz.Digraph`` (as torchviz's ``make_dot``).

    One box per op, named as its ``grad_fn`` is (``MulBackward0``, ``MatMulBackward0``), one per leaf
    tensor (its name from ``params``, else its shape and dtype) and one per output (green); edges go
    the way data flows, from each tensor's producer to the ops that use it.

    Args:
        output: a tensor, a sequence of tensors or a dict name -> tensor, drawn in one graph.
        params: names of leaf tensors, e.g. ``dict(model.named_parameters())``.
        show_attrs: list the options each op kept (dim, shape, stride, padding, ...).
        show_saved: list the shape and dtype of each tensor an op saved for backward ("freed by
            backward" once a backward without ``retain_graph`` released them).
        group_by_module: draw each module's ops in a cluster labelled with its dotted name; the forward
            must have run inside ``with mt.viz.record(model):``.
        show_grad: label and colour each edge with the norm of the gradient that flowed along it (blue:
            vanishing, green: about 1, red: exploding); needs ``mt.viz.watch(output)`` before backward.
        forward: draw the forward data flow instead: tensors between ops named as in the forward.
        max_nodes: most op, leaf and output nodes to draw; beyond it repeated structure is collapsed
            to one representative labelled ``×N`` and a summary node, then the rest is cut to a summary.
    """
    d = Drawing(walk(output), params, show_attrs, show_saved, group_by_module, show_grad, max_nodes, "make_dot")
    return forward_view(d) if forward else backward_view(d)


def draw(output: Outputs | CompiledFunction, path: str | os.PathLike, format: str | None = None,
         params: Mapping[str, Tensor] | None = None, show_attrs: bool = False, show_saved: bool = False,
         group_by_module: bool = False, show_grad: bool = False, forward: bool = False,
         max_nodes: int | None = 500) -> Path:
    """Render ``make_dot(output, ...)`` to an image file and return its path; for a function compiled with
    ``microtensor.compile``, the steps of its captured plan (the options do not apply).

    Args:
        output, params, show_attrs, show_saved, group_by_module, show_grad, forward, max_nodes: as for
            ``make_dot`` (here ``max_nodes`` defaults to 500, which ``dot`` lays out in about a second).
        path: the file to write; ``.{format}`` is appended when it has no such suffix.
        format: "png", "svg" or "pdf"; by default the path's suffix, else "png".

    Raises:
        GraphvizNotFoundError: the ``dot`` program is missing; the DOT source was written next to
            ``path`` (same name, ``.dot``) and the message says how to install Graphviz.
    """
    file, fmt = target(path, format)
    if isinstance(output, CompiledFunction):
        if output.plan is None:
            raise ValueError("draw: this compiled function has captured nothing yet: call it first "
                             f"(graph breaks so far: {output.breaks or 'none'})")
        return render(plan_view(output.plan), file, fmt)
    d = Drawing(walk(output, "draw"), params, show_attrs, show_saved, group_by_module, show_grad, max_nodes, "draw")
    return render(forward_view(d) if forward else backward_view(d), file, fmt)


__all__ = ["make_dot", "draw", "record", "watch", "WatchHandle", "GraphvizNotFoundError", "FORMATS"]

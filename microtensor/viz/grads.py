"""``watch(output)``: record the norm of the gradient that flows along every edge of the next backward.

Each op node of the graph gets a ``register_hook`` hook; after the node's backward it stores the norms
of the gradients it passed to each input (one per edge) and of the gradients it received (the edge to
an output). ``draw(show_grad=True)`` reads them back.
"""
from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from microtensor.autograd.function import Node
from microtensor.tensor import Tensor
from microtensor.viz.graph import is_leaf, walk

# node -> (norms of the gradients sent to its inputs, norms of the gradients of its outputs)
_NORMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_WATCHED: weakref.WeakSet = weakref.WeakSet()


class _Watch:
    """Hook of one node: keeps the node weakly, so the graph is freed as usual."""

    def __init__(self, node: Node) -> None:
        self.node = weakref.ref(node)

    def __call__(self, grad_inputs: tuple, grad_outputs: tuple) -> None:
        node = self.node()
        if node is not None:
            _NORMS[node] = (tuple(map(_norm, grad_inputs)), tuple(map(_norm, grad_outputs)))


def _norm(g: Any) -> float | None:
    return None if g is None else float(np.linalg.norm(g._data if isinstance(g, Tensor) else g))


class WatchHandle:
    """Returned by ``watch``; ``remove()`` takes its hooks off the graph."""

    def __init__(self, hooked: list) -> None:
        self.hooked = hooked      # (node, hook handle) pairs

    def remove(self) -> None:
        for node, handle in self.hooked:
            handle.remove()
            _WATCHED.discard(node)
        self.hooked = []


def watch(output: Tensor | Sequence[Tensor] | Mapping[str, Tensor]) -> WatchHandle:
    """Record, in the next backward through ``output``'s graph, the norm of the gradient on every edge.

    Call it after the forward and before ``backward()``; then ``draw(output, path, show_grad=True)``
    labels and colours each edge by that norm. Watching a graph twice records once.

    Args:
        output: the tensor(s) whose graph to watch (as for ``make_dot``).
    """
    hooked = []
    for node in walk(output, "watch").nodes:
        if not is_leaf(node) and node not in _WATCHED:
            _WATCHED.add(node)
            hooked.append((node, node.register_hook(_Watch(node))))
    return WatchHandle(hooked)


def norms(node: Node) -> tuple | None:
    """What the last watched backward recorded for ``node``: (input norms, output norms), or None."""
    return _NORMS.get(node)

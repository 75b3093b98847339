"""The backward graph as plain data: its nodes, its edges with the shapes flowing along them, its outputs.

``walk`` follows ``_next`` (the edges ``Function._connect`` recorded, shapes and dtypes included) from
the outputs' ``grad_fn``s down to the leaves' ``AccumulateGrad`` nodes, iteratively and in a fixed order,
so a 10,000-node chain is a loop and the same graph always gives the same picture. Nothing here needs
the saved tensors, so a graph freed by ``backward()`` walks the same.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from microtensor.autograd.function import FREED, AccumulateGrad, Node, accumulator
from microtensor.tensor import Tensor


class Edge(NamedTuple):
    """Data flowing from output ``output_nr`` of ``src`` into argument ``input_nr`` of ``dst``."""
    src: Node
    dst: Node
    input_nr: int
    output_nr: int
    shape: tuple
    dtype: np.dtype


class Output(NamedTuple):
    """One drawn output: its label and where its value comes from."""
    label: str
    node: Node
    output_nr: int
    shape: tuple
    dtype: np.dtype


class Graph(NamedTuple):
    """Every node reachable from the outputs (each after the nodes that consume it first reached it),
    the edges between them and the outputs."""
    nodes: list
    edges: list
    outputs: list


def as_outputs(output: Tensor | Sequence[Tensor] | Mapping[str, Tensor], caller: str) -> list[tuple[str, Tensor]]:
    """``(label, tensor)`` pairs from one tensor, a sequence of them or a name -> tensor mapping."""
    if isinstance(output, Tensor):
        pairs = [("output", output)]
    elif isinstance(output, Mapping):
        pairs = [(str(k), v) for k, v in output.items()]
    elif isinstance(output, (list, tuple)):
        pairs = [(f"output {i}" if len(output) > 1 else "output", t) for i, t in enumerate(output)]
    else:
        raise TypeError(f"{caller}: output must be a Tensor, a sequence of Tensors or a dict of them, "
                        f"got {type(output).__name__}")
    if not pairs:
        raise ValueError(f"{caller}: no outputs to draw")
    for label, t in pairs:
        if not isinstance(t, Tensor):
            raise TypeError(f"{caller}: {label} must be a Tensor, got {type(t).__name__}")
        if t.grad_fn is None and not t.requires_grad:
            raise ValueError(f"{caller}: {label} (shape {tuple(t.shape)}) has no grad_fn and does not require "
                             "grad, so autograd recorded no graph for it; compute it from tensors created with "
                             "requires_grad=True, outside no_grad()")
    return pairs


def walk(output: Tensor | Sequence[Tensor] | Mapping[str, Tensor], caller: str = "make_dot") -> Graph:
    """The backward graph behind ``output`` (a tensor, a sequence of them or a dict name -> tensor)."""
    outputs = []
    for label, t in as_outputs(output, caller):
        node, nr = (t.grad_fn, t._output_nr) if t.grad_fn is not None else (accumulator(t), 0)
        outputs.append(Output(label, node, nr, tuple(t.shape), t._data.dtype))
    nodes = list(dict.fromkeys(o.node for o in outputs))
    seen = set(nodes)
    edges = []
    i = 0
    while i < len(nodes):           # breadth first: nodes grows while it is read
        node = nodes[i]
        i += 1
        for input_nr, e in enumerate(node._next):
            if e is None:
                continue
            src = e[0]
            edges.append(Edge(src, node, input_nr, e[1], tuple(e[2]), e[3]))
            if src not in seen:
                seen.add(src)
                nodes.append(src)
    return Graph(nodes, edges, outputs)


def is_leaf(node: Node) -> bool:
    """Whether ``node`` stands for a leaf tensor (its ``AccumulateGrad``)."""
    return type(node) is AccumulateGrad


def leaf_label(node: AccumulateGrad, names: Mapping[int, str]) -> str:
    """A leaf's parameter name (from ``names``: id -> name) and shape, or its shape and dtype."""
    t = node.variable
    shape = tuple(t.shape)
    name = names.get(id(t))
    if name is not None:
        return f"{name}\n{shape}"
    return f"{shape} {t.dtype.name}"


def parameter_names(params: Mapping[str, Tensor] | None) -> dict[int, str]:
    """id(tensor) -> name, from ``params`` such as ``dict(model.named_parameters())``."""
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise TypeError(f"make_dot: params must be a dict name -> Tensor such as dict(model.named_parameters()), "
                        f"got {type(params).__name__}")
    return {id(t): name for name, t in params.items()}


def forward_name(node: Node) -> str:
    """The op's forward name: ``MulBackward0`` -> ``Mul``."""
    name = node.name()
    for suffix in ("Backward0", "Backward"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


_GEOMETRY = {"kernel_size": "k", "stride": "s", "padding": "lo", "dilation": "d"}      # torch's name: the record's


def op_attributes(node: Node) -> dict[str, str]:
    """The options an op kept for its backward (dim, shape, stride, padding, ...), formatted."""
    attrs = {}
    for key, value in vars(node).items():
        if key.startswith("_") or key in ("needs_input_grad", "variable"):
            continue
        if hasattr(value, "_asdict"):     # a NamedTuple record, such as the convolutions' geometry
            fields = value._asdict()
            if all(f in fields for f in _GEOMETRY.values()):
                attrs.update({k: _format(fields[f]) for k, f in _GEOMETRY.items()})
                if "groups" in fields:
                    attrs["groups"] = _format(fields["groups"])
            else:
                attrs.update({f"{key}.{k}": _format(v) for k, v in fields.items()})
        else:
            attrs[key] = _format(value)
    return attrs


def _format(value: Any, limit: int = 40) -> str:
    if isinstance(value, (np.ndarray, Tensor)):
        return f"array{tuple(value.shape)}"
    if isinstance(value, (np.integer, np.floating)):
        value = value.item()
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def saved_shapes(node: Node) -> list[str] | None:
    """One ``shape dtype`` per tensor the op saved for backward; None once backward freed them."""
    saved = getattr(node, "_saved", None)
    if saved is FREED:
        return None
    shapes = []
    for item in saved or ():
        if item is None:
            continue
        value = item[1]     # the Tensor (inputs) or the array (outputs, constants); see function._pack
        array = value._data if isinstance(value, Tensor) else value
        shapes.append(f"{tuple(array.shape)} {array.dtype}")
    return shapes

"""The forward view: tensors (ellipses) between ops (boxes named as in the forward: ``Mul``, ``MatMul``).

Every tensor that flows along the graph is drawn once, however many ops read it: leaves by parameter
name or shape, intermediate results by shape and dtype (taken from the recorded edges, so freed graphs
draw too), outputs in green. Inputs that need no gradient are not in autograd's graph; each op shows
them as a grey "no-grad input".
"""
from __future__ import annotations

from typing import Any

import graphviz

from microtensor.autograd.function import Node
from microtensor.viz.dot import LEAF, NO_GRAD, OUTPUT, Drawing, add_edges, new_digraph
from microtensor.viz.graph import forward_name, is_leaf


def forward_view(d: Drawing) -> graphviz.Digraph:
    """The Digraph of the forward data flow of ``d``'s graph."""
    g = d.graph
    value_ids = {}         # (producer, output_nr) -> DOT id of the tensor
    labels = {}
    flows = [(e.src, e.output_nr, e.shape, e.dtype) for e in g.edges]
    for src, nr, shape, dtype in flows + [(o.node, o.output_nr, o.shape, o.dtype) for o in g.outputs]:
        if (src, nr) not in value_ids:
            i = d.index[src]
            value_ids[src, nr] = f"n{i}" if is_leaf(src) else f"v{i}_{nr}"
            labels[src, nr] = f"{shape} {dtype}"
    outputs: dict[tuple[Node, int], str] = {}
    for o in g.outputs:
        outputs.setdefault((o.node, o.output_nr), o.label)
    placed: dict[int, list[tuple[str, str, dict]]] = {}
    for i, node in enumerate(g.nodes):
        if not d.visible(i):
            continue
        if is_leaf(node):
            label = d.leaf_label(node)
            placed[i] = [(f"n{i}", label if (node, 0) not in outputs else f"{outputs[node, 0]}\n{label}",
                          {"shape": "ellipse", "fillcolor": OUTPUT if (node, 0) in outputs else LEAF})]
            continue
        items: list[tuple[str, str, dict[str, str]]] = [(f"n{i}", d.op_label(node, forward_name(node)), {})]
        items += [(f"c{i}_{k}", "no-grad input", {"shape": "ellipse", "fillcolor": "white", "fontcolor": NO_GRAD,
                                                  "color": NO_GRAD})
                  for k, (src, _) in enumerate(node.next_functions) if src is None]
        for (src, nr), vid in value_ids.items():
            if src is node:
                out = outputs.get((src, nr))
                items.append((vid, labels[src, nr] if out is None else f"{out}\n{labels[src, nr]}",
                              {"shape": "ellipse", "fillcolor": OUTPUT if out is not None else "white"}))
        placed[i] = items
    dot = new_digraph("forward")
    d.emit(dot, placed)
    links: list[tuple[Any, Any, dict]] = []
    for (src, _), vid in value_ids.items():
        if not is_leaf(src) and d.visible(d.index[src]):
            links.append((f"n{d.index[src]}", vid, {}))
    for item, dot_nodes in placed.items():
        links += [(name, f"n{item}", {}) for name, _, _ in dot_nodes if name.startswith("c")]
    for e in g.edges:
        i = d.index[e.src]
        vid = value_ids[e.src, e.output_nr] if d.visible(i) else d.node_id(i)
        links.append((vid, d.index[e.dst], d.edge_grad(e.dst, e.input_nr, 0)))
    add_edges(d, dot, links)
    return dot

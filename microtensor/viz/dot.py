"""Build the ``graphviz.Digraph``: node labels and colours, module clusters, gradient-labelled edges.

``Drawing`` numbers the items of a walked graph (op nodes, leaves, outputs) and asks ``collapse.plan``
which of them fit in ``max_nodes``; ``backward_view`` draws one box per op with edges from each
producer to its consumer, as data flows (``forward.py`` draws the tensors between the ops instead).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import graphviz

from microtensor.viz import collapse, grads
from microtensor.viz.graph import Graph, is_leaf, leaf_label, op_attributes, parameter_names, saved_shapes
from microtensor.viz.scope import Scope, chain

OP, LEAF, OUTPUT, SUMMARY = "lightgray", "lightblue", "darkolivegreen1", "white"
NO_GRAD = "gray60"


class Drawing:
    """The items of one picture, with what each option adds to them; ``emit`` writes the Digraph."""

    def __init__(self, graph: Graph, params: Mapping[str, Any] | None, show_attrs: bool, show_saved: bool,
                 group_by_module: bool, show_grad: bool, max_nodes: int | None, caller: str) -> None:
        self.graph, self.caller = graph, caller
        self.names = parameter_names(params)
        self.show_attrs, self.show_saved = show_attrs, show_saved
        self.index = {node: i for i, node in enumerate(graph.nodes)}
        n = len(graph.nodes)
        kinds = [None if is_leaf(node) else node.name() for node in graph.nodes] + ["output"] * len(graph.outputs)
        links = [(self.index[e.src], self.index[e.dst]) for e in graph.edges]
        links += [(self.index[o.node], n + j) for j, o in enumerate(graph.outputs)]
        self.plan = collapse.plan(kinds, links, max_nodes)
        self.show_grad = show_grad
        if show_grad and not any(grads.norms(node) for node in graph.nodes):
            raise RuntimeError(f"{caller}(show_grad=True): no gradients were recorded for this graph. Call "
                               "mt.viz.watch(output) after the forward and before output.backward(), then draw")
        self.group_by_module = group_by_module
        self.scopes = self._scopes() if group_by_module else {}

    def visible(self, item: int) -> bool:
        return item not in self.plan.hidden

    def node_id(self, item: int) -> str:
        """The DOT id of an item, or of the summary hiding it."""
        s = self.plan.hidden.get(item)
        return f"n{item}" if s is None else f"s{s}"

    def op_label(self, node: Any, name: str) -> str:
        lines = [name]
        if self.show_attrs:
            lines += [f"{k}: {v}" for k, v in op_attributes(node).items()]
        if self.show_saved:
            shapes = saved_shapes(node)
            lines += ["saved: freed by backward"] if shapes is None else [f"saved: {s}" for s in shapes]
        return "\n".join(lines)

    def leaf_label(self, node: Any) -> str:
        return leaf_label(node, self.names)

    def grad_style(self, norm: float | None) -> dict[str, str]:
        """Edge attributes for a gradient norm: its value as label, a colour from blue (vanishing) through
        green to red (exploding), grey and dashed where no gradient flowed."""
        if norm is None:
            return {"label": "no grad", "color": NO_GRAD, "fontcolor": NO_GRAD, "style": "dashed"}
        return {"label": f"{norm:.2e}", "color": _norm_colour(norm), "fontcolor": _norm_colour(norm),
                "penwidth": "1.5"}

    def edge_grad(self, node: Any, nr: int, side: int) -> dict[str, str]:
        """With ``show_grad``, the style of the edge into argument ``nr`` of ``node`` (side 0) or out of
        its output ``nr`` to a drawn output (side 1)."""
        if not self.show_grad:
            return {}
        recorded = grads.norms(node)
        return self.grad_style(recorded[side][nr] if recorded else None)

    def _scopes(self) -> dict[int, Scope]:
        """The innermost module of every op item (recorded by ``record``) and of every named parameter."""
        found = {self.index[n]: n._scope for n in self.graph.nodes if n._scope is not None}
        if not found:
            raise RuntimeError(f"{self.caller}(group_by_module=True): no op of this graph knows its module. Run the "
                               "forward inside `with mt.viz.record(model):`, then draw")
        by_path = {s.path: s for scope in set(found.values()) for s in chain(scope)}
        for node in self.graph.nodes:
            if is_leaf(node) and id(node.variable) in self.names:
                owner = by_path.get(self.names[id(node.variable)].rpartition(".")[0])
                if owner is not None:
                    found[self.index[node]] = owner
        return found

    def emit(self, dot: graphviz.Digraph, placed: dict[int, list[tuple[str, str, dict]]]) -> None:
        """Write the DOT nodes of each item (``placed``: item -> (id, label, attributes) triples) into its
        module's cluster, or its repeat's, and the summaries."""
        root = _Box()
        repeats = {r.summary: _Box() for r in self.plan.repeats}
        repeat_of = {} if self.group_by_module else {i: r.summary for r in self.plan.repeats for i in r.items}
        for item, dot_nodes in placed.items():
            scopes = chain(self.scopes.get(item))
            box = repeats[repeat_of[item]] if not scopes and item in repeat_of else root
            for scope in scopes:
                box = box.children.setdefault(scope, _Box())
            box.nodes.extend(dot_nodes)
        root.write(dot)
        for r in self.plan.repeats:
            if repeats[r.summary].nodes:
                sub = graphviz.Digraph(name=f"cluster_repeat{r.summary}")
                sub.attr(label=f"×{r.count}", style="dashed", color="gray40")
                repeats[r.summary].write(sub)
                dot.subgraph(sub)
        for s, text in enumerate(self.plan.summaries):
            dot.node(f"s{s}", text, shape="note", style="dashed", fillcolor=SUMMARY)


class _Box:
    """The DOT nodes of one cluster and its nested clusters (module scope -> box)."""

    def __init__(self) -> None:
        self.nodes: list[tuple[str, str, dict]] = []
        self.children: dict[Scope, _Box] = {}

    def write(self, dot: graphviz.Digraph) -> None:
        for name, label, attrs in self.nodes:
            dot.node(name, label, **attrs)
        for scope, box in self.children.items():
            sub = graphviz.Digraph(name=f"cluster_{scope.path or '(model)'}")
            sub.attr(label=scope.label(), style="rounded", color="gray50", fontsize="11")
            box.write(sub)
            dot.subgraph(sub)


def _norm_colour(norm: float) -> str:
    """HSV hue: blue at 1e-6 and below, green at 1, red at 1e3 and above (log scale)."""
    lg = math.log10(norm) if norm > 0 else -math.inf
    hue = 0.33 + 0.33 * min(-lg / 6, 1.0) if lg < 0 else 0.33 * (1 - min(lg / 3, 1.0))
    return f"{hue:.3f} 0.85 0.75"


def new_digraph(name: str) -> graphviz.Digraph:
    return graphviz.Digraph(name=name, node_attr={"shape": "box", "style": "filled", "fontsize": "10",
                                                   "height": "0.2", "fillcolor": OP},
                            edge_attr={"arrowsize": "0.6", "fontsize": "9"}, graph_attr={"ranksep": "0.2"})


def backward_view(d: Drawing) -> graphviz.Digraph:
    """One box per op (its ``name()``), per leaf and per output; edges as data flows."""
    g, n = d.graph, len(d.graph.nodes)
    dot = new_digraph("backward")
    placed: dict[int, list] = {}
    for i, node in enumerate(g.nodes):
        if d.visible(i):
            label, attrs = ((d.leaf_label(node), {"fillcolor": LEAF}) if is_leaf(node)
                            else (d.op_label(node, node.name()), {}))
            placed[i] = [(f"n{i}", label, attrs)]
    for j, o in enumerate(g.outputs):
        if d.visible(n + j):
            placed[n + j] = [(f"n{n + j}", f"{o.label}\n{o.shape} {o.dtype}", {"fillcolor": OUTPUT})]
    d.emit(dot, placed)
    links = [(d.index[e.src], d.index[e.dst], d.edge_grad(e.dst, e.input_nr, 0)) for e in g.edges]
    links += [(d.index[o.node], n + j, d.edge_grad(o.node, o.output_nr, 1)) for j, o in enumerate(g.outputs)]
    add_edges(d, dot, links)
    return dot


def add_edges(d: Drawing, dot: graphviz.Digraph, links: list[tuple[Any, Any, dict]]) -> None:
    """Edges between items (ints) or DOT node ids (str); an end hidden by ``max_nodes`` goes to its
    summary, and each summary edge is drawn once, unlabelled."""
    seen = set()
    for src, dst, attrs in links:
        a = d.node_id(src) if isinstance(src, int) else src
        b = d.node_id(dst) if isinstance(dst, int) else dst
        if a.startswith("s") or b.startswith("s"):
            if a == b or (a, b) in seen:
                continue
            seen.add((a, b))
            attrs = {"style": "dashed"}
        dot.edge(a, b, **attrs)

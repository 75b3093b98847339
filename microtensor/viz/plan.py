"""The picture of a captured step: one box per step of a ``microtensor.compile`` plan, edges as values flow.

Inputs (the call's tensor arguments, ``x0``...) and live tensors (parameters, read as ``t3._data``, and
their gradients) are the sources; each step is labelled with what its replay line calls (``Mul.forward``,
``ReluBackward0 (whole)``, ``sgd.step()``); an edge carries the name of the value it passes, a dashed one
the context a forward filled for a backward replayed whole.
"""
from __future__ import annotations

import re

import graphviz

from microtensor.compiler.plan import Plan
from microtensor.compiler.tracer import Step
from microtensor.tensor import Tensor
from microtensor.viz.dot import LEAF, OUTPUT, new_digraph

_NAME = re.compile(r"\b([vxg]\d+|[A-Za-z_]\w*(?:\.grad)?)\b")


def plan_view(plan: Plan) -> graphviz.Digraph:
    """The steps of ``plan`` as a ``graphviz.Digraph``: which value each step reads, and from where."""
    dot = new_digraph("plan")
    producer: dict[str, str] = {}
    filled: dict[int, str] = {}           # id(ctx) -> the forward step that fills it
    for i, step in enumerate(plan.steps):
        node = f"p{i}"
        dot.node(node, _label(step), **({"fillcolor": OUTPUT} if step.kind == Step.WHOLE else {}))
        if step.kind == Step.FORWARD:
            filled[id(step.ctx)] = node
        elif step.kind == Step.BACKWARD and id(step.target) in filled:     # what its forward saved
            dot.edge(filled[id(step.target)], node, label="ctx", style="dashed")
        for value in _reads(step):
            if value not in producer:
                producer[value] = f"in_{value.replace('.', '_')}"
                dot.node(producer[value], _source_label(value, plan), fillcolor=LEAF)
            dot.edge(producer[value], node, label=value)
        for out in step.outs:
            if out:
                producer[out] = node
    return dot


def _label(step: Step) -> str:
    if step.kind == Step.FORWARD:
        return f"{step.target.__name__}.forward"
    if step.kind == Step.CALL:
        return getattr(step.target, "__name__", "call")
    if step.kind == Step.BACKWARD:
        return f"{step.target.name()} (whole)"
    return f"{step.ctx.split('(')[0]}.{step.target.__name__}()"


def _reads(step: Step) -> list[str]:
    """The values a step reads: names of computed arrays and inputs, or ``t3`` / ``t3.grad`` of live tensors."""
    values = []
    for text in (*step.args, *step.kwargs.values()):
        for name in _NAME.findall(text):
            if re.fullmatch(r"[vxg]\d+", name) or re.fullmatch(r"(t|a)\d*(\.grad)?", name):
                values.append(name)
    return list(dict.fromkeys(values))


def _source_label(value: str, plan: Plan) -> str:
    base = value.split(".")[0]
    obj = plan.namespace.get(base)
    if isinstance(obj, Tensor):
        what = "gradient of " if value.endswith(".grad") else ""
        return f"{what}{base}\n{tuple(obj.shape)} {obj.dtype.name}"
    return value

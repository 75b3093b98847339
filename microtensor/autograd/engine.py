"""The backward engine: iterative topological order, gradient accumulation, hooks, freeing.

``run_backward`` walks the graph from the roots with an explicit stack and
dependency counts (never recursion), so a million-node chain is just a longer
loop. ``backward`` accumulates into leaves' ``.grad``; ``grad`` returns the
gradients of chosen inputs instead.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from microtensor.autograd.function import AccumulateGrad, AnomalyMode, Function, Node, accumulator
from microtensor.autograd.grad_mode import GradMode
from microtensor.tensor import Tensor


def _as_tuple(x: Any) -> tuple:
    if x is None:
        return ()
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _root_grads(outputs: tuple, grad_outputs: tuple, create_graph: bool) -> list[Tensor]:
    """The starting gradients: ones for one-element outputs, else the given ``grad_outputs`` (copied)."""
    if grad_outputs and len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad can be implicitly created only for scalar outputs: got {len(grad_outputs)} "
                           f"gradients for {len(outputs)} outputs")
    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if grad_outputs else None
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs: the output has shape "
                                   f"{list(out.shape)}; pass `gradient` (a tensor of that shape) to backward()")
            g = Tensor._make(np.ones(out._data.shape, dtype=out._data.dtype))
        else:
            if not isinstance(g, Tensor):
                g = Tensor._make(np.asarray(g, dtype=out._data.dtype))
            if g._data.shape != out._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {list(g.shape)} and "
                                   f"output[{i}] has a shape of {list(out.shape)}.")
            if not create_graph:
                g = Tensor._make(g._data.astype(out._data.dtype, copy=True))
        grads.append(g)
    return grads


def _root_edge(t: Tensor, i: int) -> tuple:
    if t.grad_fn is not None:
        return t.grad_fn, t._output_nr
    if t._requires_grad:
        return accumulator(t), 0
    raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def _dependencies(roots: list[Node]) -> dict[Node, int]:
    """For every node reachable from ``roots``: how many edges from its consumers lead to it."""
    deps: dict[Node, int] = {}
    stack = []
    for r in roots:
        if r not in deps:
            deps[r] = 0
            stack.append(r)
    while stack:
        for edge in stack.pop()._next:
            if edge is None:
                continue
            parent = edge[0]
            if parent in deps:
                deps[parent] += 1
            else:
                deps[parent] = 1
                stack.append(parent)
    return deps


def _needed(deps: dict[Node, int], targets: set) -> set:
    """The nodes from which some target node can be reached (the only ones worth running)."""
    parents_of: dict[Node, list] = {}
    for node in deps:
        for edge in node._next:
            if edge is not None:
                parents_of.setdefault(edge[0], []).append(node)
    needed = set(targets)
    stack = list(targets)
    while stack:
        for consumer in parents_of.get(stack.pop(), ()):
            if consumer not in needed:
                needed.add(consumer)
                stack.append(consumer)
    return needed


def run_backward(outputs: Sequence[Tensor], grad_outputs: Sequence[Any], retain_graph: bool, create_graph: bool,
                 capture: Sequence[Tensor] | None = None) -> list[Tensor | None] | None:
    """Push gradients from ``outputs`` to the graph's leaves.

    Without ``capture``, every leaf reached accumulates into ``.grad``. With ``capture``
    (a list of tensors), nothing is accumulated: the gradients reaching those tensors
    are returned, in order, None for those not reached.
    """
    outputs = tuple(outputs)
    grads = _root_grads(outputs, tuple(grad_outputs), create_graph)
    edges = [_root_edge(t, i) for i, t in enumerate(outputs)]
    deps = _dependencies([node for node, _ in edges])
    buffers: dict[Node, list] = {}
    for (node, nr), g in zip(edges, grads):
        _add_to_buffer(buffers, node, nr, g)

    targets: dict[tuple, int] = {}
    captured: list[Tensor | None] = []
    needed = None
    if capture is not None:
        for i, t in enumerate(capture):
            edge = (t.grad_fn, t._output_nr) if t.grad_fn is not None else (accumulator(t), 0)
            targets[edge] = i
        captured = [None] * len(capture)
        needed = _needed(deps, {node for node, _ in targets if node in deps})

    ready = [node for node, _ in edges if deps[node] == 0]
    ready = list(dict.fromkeys(ready))
    prev_mode = GradMode.enabled
    GradMode.enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            node_grads = buffers.pop(node, None)
            if node_grads is not None and (node._pre_hooks or node._retain):
                _run_pre_hooks(node, node_grads)
            if targets and node_grads is not None:
                for nr, g in enumerate(node_grads):
                    i = targets.get((node, nr))
                    if i is not None:
                        captured[i] = g
            if type(node) is AccumulateGrad:
                if capture is None and node_grads is not None:
                    node.accumulate(node_grads[0], create_graph)
                continue
            if node_grads is None or (needed is not None and node not in needed):
                results = (None,) * len(node._next)    # nothing to compute, but consumers still count down
            else:
                results = _call_backward(node, node_grads)
                if not retain_graph:
                    node._release()
            for edge, g, meta in zip(node._next, results + (None,) * (len(node._next) - len(results)),
                                     node._in_meta):
                if edge is None:
                    continue
                parent, nr = edge
                if g is not None:
                    _add_to_buffer(buffers, parent, nr, _check_grad(node, g, meta))
                deps[parent] -= 1
                if deps[parent] == 0:
                    ready.append(parent)
    finally:
        GradMode.enabled = prev_mode
    return captured if capture is not None else None


def _add_to_buffer(buffers: dict, node: Node, nr: int, g: Tensor) -> None:
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * node._n_outputs
    buf[nr] = g if buf[nr] is None else buf[nr] + g


def _run_pre_hooks(node: Node, grads: list) -> None:
    for table in (node._pre_hooks, node._retain):
        for nr, hooks in (table or {}).items():
            for hook in hooks:
                if grads[nr] is None:
                    continue
                result = hook(grads[nr])
                if result is not None:
                    grads[nr] = result


def _call_backward(node: Function, grads: list) -> tuple:
    """Run one node's backward, with missing output gradients filled with zeros."""
    if None in grads:
        grads = [g if g is not None else Tensor._make(np.zeros(shape, dtype)) for g, (shape, dtype)
                 in zip(grads, node._out_meta)]
    results = node.backward(node, *grads)
    if not isinstance(results, tuple):
        results = (results,)
    n_inputs = len(node._next)
    if len(results) != n_inputs:
        # extra Nones, or missing trailing gradients of inputs that need none (options such as dim), are fine
        extra_ok = all(r is None for r in results[n_inputs:])
        missing_ok = all(e is None for e in node._next[len(results):])
        if not (extra_ok and missing_ok):
            raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                               f"(expected {n_inputs}, got {len(results)})")
    if AnomalyMode.enabled:
        _check_anomaly(node, results)
    return results


def _check_grad(node: Node, g: Any, meta: tuple) -> Tensor:
    """Validate one gradient a backward returned: a Tensor of its input's shape and dtype."""
    if not isinstance(g, Tensor):
        g = Tensor._make(np.asarray(g))
    shape, dtype = meta
    if g._data.shape != shape:
        raise RuntimeError(f"Function {node.name()} returned an invalid gradient - got {list(g._data.shape)} "
                           f"but expected shape compatible with {list(shape)}")
    if g._data.dtype != dtype:
        g = g.to(dtype)
    return g


def _check_anomaly(node: Function, results: tuple) -> None:
    for i, g in enumerate(results):
        if isinstance(g, Tensor) and g._data.dtype.kind == "f" and not np.isfinite(g._data).all():
            bad = "nan" if np.isnan(g._data).any() else "inf"
            stack = "".join(node._forward_stack or ["(the forward op was recorded before anomaly mode was on)\n"])
            raise RuntimeError(f"Function '{node.name()}' returned {bad} values in its {i}th output. "
                               f"The forward call that created it was:\n{stack}")


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves (or only of ``inputs``).

    Args:
        tensors: the outputs to differentiate (a tensor or a sequence of them).
        grad_tensors: d(loss)/d(output) per output; None for one-element outputs.
        retain_graph: keep the saved tensors for another backward; defaults to ``create_graph``.
        create_graph: record the backward pass so higher-order gradients can be taken.
        inputs: if given, only these tensors accumulate gradient.
    """
    outputs = _as_tuple(tensors)
    grad_outputs = _as_tuple(grad_tensors) if not isinstance(grad_tensors, Tensor) else (grad_tensors,)
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        run_backward(outputs, grad_outputs, retain, create_graph)
        return
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to backward() cannot be empty.")
    grads = run_backward(outputs, grad_outputs, retain, create_graph, capture=inputs)
    for t, g in zip(inputs, grads):
        if g is not None:
            if t.grad_fn is None:
                accumulator(t).accumulate(g, create_graph)
            else:
                t.grad = g if t.grad is None else t.grad + g


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None,
         materialize_grads: bool = False) -> tuple[Tensor | None, ...]:
    """Return the gradients of ``outputs`` w.r.t. ``inputs`` without touching any ``.grad``.

    Args:
        outputs: the tensors to differentiate.
        inputs: the tensors to differentiate with respect to.
        grad_outputs: d(loss)/d(output) per output; None for one-element outputs.
        retain_graph: keep the saved tensors for another backward; defaults to ``create_graph``.
        create_graph: record the backward pass, so the result can be differentiated again.
        allow_unused: return None for inputs the outputs do not depend on instead of raising.
        materialize_grads: return zeros instead of None for unused inputs.
    """
    outputs = _as_tuple(outputs)
    inputs_t = _as_tuple(inputs)
    for i, t in enumerate(inputs_t):
        if not t._requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require grad")
    grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else _as_tuple(grad_outputs)
    retain = create_graph if retain_graph is None else retain_graph
    grads = run_backward(outputs, grad_outputs, retain, create_graph, capture=inputs_t)
    allow_unused = allow_unused or materialize_grads
    result = []
    for i, (t, g) in enumerate(zip(inputs_t, grads)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"One of the differentiated Tensors (input {i}) appears to not have been used "
                                   "in the graph. Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                g = Tensor._make(np.zeros_like(t._data))
        result.append(g)
    return tuple(result)

"""The backward engine: iterative topological order, gradient accumulation, hooks, freeing.

``run_backward`` walks the graph from the roots with an explicit stack and
dependency counts (never recursion), so a million-node chain is just a longer
loop. ``backward`` accumulates into leaves' ``.grad``; ``grad`` returns the
gradients of chosen inputs instead. After a backward through a long graph the
engine hands the memory it freed back to the system (``microtensor.autograd.memory``).
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, overload

import numpy as np

from microtensor.autograd.function import AccumulateGrad, AnomalyMode, Function, Node, accumulator, grad_copy, held_once
from microtensor.autograd.grad_mode import GradMode
from microtensor.autograd.memory import trim_after_backward
from microtensor.capture import Capture, graph_break, record
from microtensor.dtypes import from_numpy_dtype, is_floating
from microtensor.tensor import Tensor


def _as_tuple(x: Any) -> tuple:
    if x is None:
        return ()
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _root_grads(outputs: tuple, grad_outputs: tuple) -> list[Tensor]:
    """The starting gradients: ones for one-element outputs, else the given ``grad_outputs``."""
    if grad_outputs and len(grad_outputs) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if grad_outputs else None
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs: the output has shape "
                                   f"{list(out.shape)}; pass `gradient` (a tensor of that shape) to backward()")
            g = Tensor._make(record(np.ones, out._data.shape, dtype=out._data.dtype))
        else:
            if not isinstance(g, Tensor):
                g = Tensor._make(np.asarray(g, dtype=out._data.dtype))
            if g._data.shape != out._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {list(g.shape)} and "
                                   f"output[{i}] has a shape of {list(out.shape)}.")
            if g._data.dtype != out._data.dtype:
                g = g.to(out.dtype)
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
    """The nodes that must run for a gradient to reach some target: those with a path to one.
    A target node itself runs only when another target lies beyond it."""
    consumers: dict[Node, list] = {}
    for node in deps:
        for edge in node._next:
            if edge is not None:
                consumers.setdefault(edge[0], []).append(node)
    needed: set = set()
    stack = list(targets)
    while stack:
        for consumer in consumers.get(stack.pop(), ()):
            if consumer not in needed:
                needed.add(consumer)
                stack.append(consumer)
    return needed


@overload
def run_backward(outputs: Sequence[Tensor], grad_outputs: Sequence[Any], retain_graph: bool, create_graph: bool,
                 capture: None = None) -> None: ...
@overload
def run_backward(outputs: Sequence[Tensor], grad_outputs: Sequence[Any], retain_graph: bool, create_graph: bool,
                 capture: Sequence[Tensor]) -> list[Tensor | None]: ...
def run_backward(outputs: Sequence[Tensor], grad_outputs: Sequence[Any], retain_graph: bool, create_graph: bool,
                 capture: Sequence[Tensor] | None = None) -> list[Tensor | None] | None:
    """Push gradients from ``outputs`` to the graph's leaves.

    Without ``capture``, every leaf reached accumulates into ``.grad``. With ``capture``
    (a list of tensors), nothing is accumulated: the gradients reaching those tensors
    (after their hooks) are returned, in order, None for those not reached.
    """
    outputs = tuple(outputs)
    if create_graph:
        graph_break("backward(create_graph=True)")
    grads = _root_grads(outputs, tuple(grad_outputs))
    edges = [_root_edge(t, i) for i, t in enumerate(outputs)]
    deps = _dependencies([node for node, _ in edges])
    buffers: dict[Node, list] = {}
    for (node, nr), g in zip(edges, grads):
        _add_to_buffer(buffers, node, nr, g, create_graph)

    targets: dict[tuple, list[int]] = {}
    captured: list[Tensor | None] = []
    needed = None
    if capture is not None:
        for i, t in enumerate(capture):
            targets.setdefault(_root_edge(t, i), []).append(i)
        captured = [None] * len(capture)
        needed = _needed(deps, {node for node, _ in targets if node in deps})

    ready = list(dict.fromkeys(node for node, _ in edges if deps[node] == 0))
    prev = GradMode.enabled, GradMode.grad
    GradMode.enabled = GradMode.grad = create_graph
    try:
        while ready:
            node = ready.pop()
            node_grads = buffers.pop(node, None)
            leaf = type(node) is AccumulateGrad
            if node_grads is not None:
                if node._pre_hooks is not None or node._retain is not None:
                    _run_pre_hooks(node, node_grads)
                elif leaf and node.variable._hooks:
                    _run_hooks(node.variable._hooks, node_grads, 0)
                if targets:
                    for nr, g in enumerate(node_grads):
                        for i in targets.get((node, nr), ()):
                            captured[i] = g
            if leaf:
                if capture is None and node_grads is not None:
                    node.accumulate(node_grads.pop(), create_graph)   # handed over: see accumulate()
            elif node_grads is not None and (needed is None or node in needed):
                _run_node(node, node_grads, buffers, deps, ready, retain_graph, create_graph)
            else:    # nothing to compute, but the nodes it feeds still count it down
                for edge in node._next:
                    if edge is not None:
                        deps[edge[0]] -= 1
                        if deps[edge[0]] == 0:
                            ready.append(edge[0])
    finally:
        GradMode.enabled, GradMode.grad = prev
    trim_after_backward(len(deps), retain_graph)
    return captured if capture is not None else None


def _add_to_buffer(buffers: dict, node: Node, nr: int, g: Tensor, create_graph: bool) -> None:
    buf = buffers.get(node)
    if buf is None:
        if node._n_outputs == 1:
            buffers[node] = [g]
            return
        buf = buffers[node] = [None] * node._n_outputs
    old = buf[nr]
    if old is None:
        buf[nr] = g
    else:   # never in place: a backward may hand the same tensor to several inputs; NumPy's 0-d sum is a scalar
        buf[nr] = old + g if create_graph else Tensor._make(record(add_gradients, old._data, g._data))


def add_gradients(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The sum of two gradients of one output (an array even for 0-d ones, where NumPy gives a scalar)."""
    return np.asarray(a + b)


def _run_hooks(hooks: list, grads: list, nr: int) -> None:
    graph_break("a tensor hook")
    for hook in hooks:
        result = hook(grads[nr])
        if result is not None:
            grads[nr] = result


def _run_pre_hooks(node: Node, grads: list) -> None:
    for table in (node._pre_hooks, node._retain):
        for nr, hooks in (table or {}).items():
            if grads[nr] is not None:
                _run_hooks(hooks, grads, nr)


def _run_node(node: Function, grads: list, buffers: dict, deps: dict, ready: list, retain_graph: bool,
              create_graph: bool) -> None:
    """Run one node's backward and pass each input gradient on to the node that produced the input."""
    if node._n_outputs > 1:   # outputs that got no gradient get zeros (non-tensor outputs get None)
        grads = [Tensor._make(record(np.zeros, *meta)) if g is None and meta is not None else g
                 for g, meta in zip(grads, node._out_meta)]
    # decided per call, never stored on the node: a retained graph may be run again with create_graph
    tracer = Capture.tracer
    overwrite = node.overwrites_grad and not create_graph and held_once(grads[0])
    try:
        if tracer is not None:          # microtensor.compile is recording (microtensor/capture.py)
            results = tracer.backward(node, grads, overwrite)
        elif overwrite:
            results = node.backward(node, grads[0], overwrite_grad=True)  # type: ignore[call-arg]   # its own keyword
        else:
            results = node.backward(node, *grads)
    except Exception:
        if AnomalyMode.enabled:
            _warn_anomaly(node)
        raise
    if AnomalyMode.enabled:
        _check_finite(node, results)
    if type(results) is not tuple:
        results = (results,)
    next_ = node._next
    if len(results) != len(next_):
        results = _fit(node, results)
    if node._post_hooks is not None:
        results = _run_post_hooks(node, results, grads)
    if not retain_graph:
        node._release()
    for edge, g in zip(next_, results):
        if edge is None:
            continue
        parent = edge[0]
        if g is not None:
            if type(g) is not Tensor or g._data.shape != edge[2] or g._data.dtype != edge[3]:
                g = _check_grad(node, g, edge[2], edge[3])
            _add_to_buffer(buffers, parent, edge[1], g, create_graph)
        count = deps[parent] - 1
        deps[parent] = count
        if count == 0:
            ready.append(parent)


def _run_post_hooks(node: Node, results: tuple, grads: list) -> tuple:
    """Call the node's ``register_hook`` hooks with (grad_inputs, grad_outputs); a returned tuple replaces
    grad_inputs."""
    hooks = node._post_hooks
    assert hooks is not None   # called only for a node that has some
    graph_break("a grad_fn hook")
    for hook in hooks:
        replaced = hook(results, tuple(grads))
        if replaced is not None:
            if len(replaced) != len(results):
                raise RuntimeError(f"hook of {node.name()} returned {len(replaced)} gradients, expected "
                                   f"{len(results)}")
            results = tuple(replaced)
    return results


def _fit(node: Function, results: tuple) -> tuple:
    """Results padded or cut to one per input: extra Nones, or missing trailing gradients of inputs that
    need none (options such as dim), are fine; anything else is an error, as in PyTorch."""
    n_inputs = len(node._next)
    extra_ok = all(r is None for r in results[n_inputs:])
    missing_ok = all(e is None for e in node._next[len(results):])
    if not (extra_ok and missing_ok):
        raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                           f"(expected {n_inputs}, got {len(results)})")
    return results[:n_inputs] + (None,) * (n_inputs - len(results))


def _check_grad(node: Node, g: Any, shape: tuple, dtype: np.dtype) -> Tensor:
    """Validate one gradient a backward returned: a Tensor of its input's shape and dtype."""
    if not isinstance(g, Tensor):
        g = Tensor._make(np.asarray(g))
    if g._data.shape != shape:
        raise RuntimeError(f"Function {node.name()} returned an invalid gradient - got {list(g._data.shape)} "
                           f"but expected shape compatible with {list(shape)}")
    if g._data.dtype != dtype:
        g = g.to(from_numpy_dtype(dtype))
    return g


def _forward_stack(node: Function) -> str:
    return "".join(node._forward_stack or ["(the forward op was recorded before anomaly mode was on)\n"])


def _warn_anomaly(node: Function) -> None:
    """Anomaly mode: show the forward stack of the op whose backward failed."""
    warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
                  f"{_forward_stack(node)}", stacklevel=2)


def _check_finite(node: Function, results: Any) -> None:
    """Anomaly mode: raise, naming the op and its forward stack, if its backward returned NaN or inf."""
    for i, g in enumerate(results if type(results) is tuple else (results,)):
        if isinstance(g, Tensor) and is_floating(g._data.dtype) and not np.isfinite(g._data).all():
            bad = "nan" if np.isnan(g._data).any() else "inf"
            _warn_anomaly(node)
            raise RuntimeError(f"Function '{node.name()}' returned {bad} values in its {i}th output. "
                               f"The forward call that created it was:\n{_forward_stack(node)}")


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, grad_variables: Any = None, inputs: Any = None) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves (or only of ``inputs``).

    Args:
        tensors: the outputs to differentiate (a tensor or a sequence of them).
        grad_tensors: d(loss)/d(output) per output; None for one-element outputs.
        retain_graph: keep the saved tensors for another backward; defaults to ``create_graph``.
        create_graph: record the backward pass so higher-order gradients can be taken.
        grad_variables: ``grad_tensors``' deprecated name (a FutureWarning, as in PyTorch).
        inputs: if given, only these tensors accumulate gradient.
    """
    if grad_variables is not None:
        warnings.warn("`grad_variables` is deprecated. Use `grad_tensors` instead.", FutureWarning, stacklevel=2)
        if grad_tensors is not None:
            raise RuntimeError("`grad_tensors` and `grad_variables` (deprecated) arguments both passed to "
                               "`backward()`. Please only use `grad_tensors`.")
        grad_tensors = grad_variables
    outputs = _as_tuple(tensors)
    grad_outputs = _as_tuple(grad_tensors) if not isinstance(grad_tensors, Tensor) else (grad_tensors,)
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        run_backward(outputs, grad_outputs, retain, create_graph)
        return
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    grads = run_backward(outputs, grad_outputs, retain, create_graph, capture=inputs)
    for t, g in zip(inputs, grads):
        if g is not None:
            if t.grad_fn is None:
                accumulator(t).accumulate(g, create_graph)
            else:
                t.grad = grad_copy(g, create_graph) if t.grad is None else t.grad + g


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None, *,
         materialize_grads: bool = False) -> tuple[Tensor | None, ...]:
    """Return the gradients of ``outputs`` w.r.t. ``inputs`` without touching any ``.grad``.

    Args:
        outputs: the tensors to differentiate.
        inputs: the tensors to differentiate with respect to.
        grad_outputs: d(loss)/d(output) per output; None for one-element outputs.
        retain_graph: keep the saved tensors for another backward; defaults to ``create_graph``.
        create_graph: record the backward pass, so the result can be differentiated again.
        only_inputs: deprecated and ignored, as in PyTorch (False warns).
        allow_unused: return None for inputs the outputs do not depend on instead of raising.
        materialize_grads: return zeros instead of None for unused inputs (keyword-only: PyTorch's eighth
            positional argument is ``is_grads_batched``, which needs vmap).
    """
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to True). To accumulate "
                      "gradient for other parts of the graph, please use torch.autograd.backward.", FutureWarning,
                      stacklevel=2)
    outputs = _as_tuple(outputs)
    inputs_t = _as_tuple(inputs)
    if not inputs_t:
        raise RuntimeError("grad requires non-empty inputs.")
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
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

"""Function and its ctx: the one mechanism every differentiable op uses.

An op subclasses ``Function`` with a static ``forward(ctx, *args)`` and a static
``backward(ctx, *grads)``. ``Function.apply`` runs forward and, when grad mode is
on and an input requires grad, makes the ctx the node of the backward graph
(the output's ``grad_fn``). Backward formulas use Tensor operations, so the
backward pass is itself differentiable (``create_graph=True``).

Built-in ops set ``on_arrays = True``: their forward receives and returns NumPy
arrays (no Tensor overhead). User-defined Functions, as in PyTorch, receive the
input Tensors and return Tensors.
"""
from __future__ import annotations

import sys
import traceback
import weakref
from typing import Any

import numpy as np

from microtensor.autograd.grad_mode import GradMode
from microtensor.tensor import Tensor

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
    "or if you need to access saved tensors after calling backward.")

_FREED = ("freed",)


class AnomalyMode:
    """Process-wide switch of ``set_detect_anomaly``: record forward stacks, check backward for NaN/inf."""

    enabled = False


class Node:
    """What the engine needs of a graph node: its edges to the nodes that produced its inputs."""

    _next: tuple = ()
    _n_outputs = 1
    _pre_hooks: dict | None = None
    _retain: dict | None = None

    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple:
        """One ``(node, output_nr)`` pair per input, ``(None, 0)`` for inputs that need no gradient."""
        return tuple(e if e is not None else (None, 0) for e in self._next)

    def pre_hooks(self, output_nr: int) -> list:
        """The hooks called as ``hook(grad)`` on the gradient of output ``output_nr`` before this node runs."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        return self._pre_hooks.setdefault(output_nr, [])

    def retain_hooks(self, output_nr: int) -> list:
        """The ``retain_grad`` hooks of output ``output_nr``; they run after the other pre-hooks."""
        if self._retain is None:
            self._retain = {}
        return self._retain.setdefault(output_nr, [])

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


class AccumulateGrad(Node):
    """The graph node of a leaf tensor that requires grad: backward adds into ``variable.grad``."""

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def accumulate(self, grad: Tensor, keep_graph: bool) -> None:
        """Add ``grad`` into the leaf's ``.grad`` (in place when that is safe, as PyTorch does)."""
        leaf = self.variable
        for hook in leaf._hooks or ():
            result = hook(grad)
            if result is not None:
                grad = result
        if grad._data.dtype != leaf._data.dtype:
            grad = grad.to(leaf.dtype)
        if leaf.grad is None:
            leaf.grad = grad if keep_graph else _owned_copy(grad)
        elif keep_graph:
            leaf.grad = leaf.grad + grad
        else:
            current = leaf.grad._data
            if current.flags.writeable and current.base is None:
                np.add(current, grad._data, out=current)
            else:
                leaf.grad = Tensor._make(current + grad._data)


def _owned_copy(grad: Tensor) -> Tensor:
    """A detached tensor for ``.grad`` that shares memory with nothing else (copies only when it must)."""
    data = grad._data
    # getrefcount sees the local `data` and its own argument, plus grad's slot: 3 means nobody else holds it
    if data.base is None and data.flags.writeable and _refcount(data) <= 3:
        return Tensor._make(data)
    return Tensor._make(data.copy())


def _refcount(obj: Any) -> int:
    return sys.getrefcount(obj) - 1


class Function(Node):
    """Base of every differentiable op; subclass it with static ``forward`` and ``backward``.

    Example::

        class Exp(Function):
            @staticmethod
            def forward(ctx, x):
                out = x.exp()
                ctx.save_for_backward(out)
                return out

            @staticmethod
            def backward(ctx, grad):
                out, = ctx.saved_tensors
                return grad * out
    """

    on_arrays = False
    _saved: Any = None
    _to_save: tuple = ()
    _non_differentiable: tuple = ()
    _forward_stack: list | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._node_name = cls.__name__ + ("Backward0" if cls.on_arrays else "Backward")

    def name(self) -> str:
        return self._node_name

    @staticmethod
    def forward(ctx: Function, *args: Any, **kwargs: Any) -> Any:
        """Compute the outputs from the inputs; save what backward needs with ``ctx.save_for_backward``."""
        raise NotImplementedError("a Function subclass must define a static forward(ctx, *args)")

    @staticmethod
    def backward(ctx: Function, *grads: Tensor) -> Any:
        """Return one gradient per forward input (None for inputs that need none)."""
        raise NotImplementedError("a Function subclass must define a static backward(ctx, *grads)")

    def save_for_backward(self, *items: Any) -> None:
        """Keep inputs, outputs or other arrays/tensors for backward; they come back as ``saved_tensors``."""
        self._to_save = items

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Mark outputs (e.g. indices) that get no gradient and do not require grad."""
        self._non_differentiable = outputs

    @property
    def saved_tensors(self) -> tuple:
        """The saved values as Tensors: inputs and outputs keep their place in the graph."""
        saved = self._saved
        if saved is _FREED:
            raise RuntimeError(FREED_MESSAGE)
        return tuple(_unpack(self, item) for item in saved or ())

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run the op on ``args``, recording it in the graph when grad mode is on and an input requires grad."""
        on_arrays = cls.on_arrays
        ctx = object.__new__(cls)
        needs = []
        fwd_args = []
        record = False
        for a in args:
            if isinstance(a, Tensor):
                needs.append(a._requires_grad)
                record = record or a._requires_grad
                fwd_args.append(a._data if on_arrays else a)
            else:
                needs.append(False)
                fwd_args.append(a)
        record = record and GradMode.enabled
        ctx.needs_input_grad = tuple(needs) if record else (False,) * len(needs)
        if on_arrays:
            out = cls.forward(ctx, *fwd_args, **kwargs)
        else:
            prev, GradMode.enabled = GradMode.enabled, False
            try:
                out = cls.forward(ctx, *fwd_args, **kwargs)
            finally:
                GradMode.enabled = prev
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        if not record:
            results = tuple(_as_output(o) for o in outs)
        else:
            results = ctx._connect(args, fwd_args, outs)
        return results[0] if single else results

    def _connect(self, args: tuple, fwd_args: list, outs: tuple) -> tuple:
        """Make this ctx the grad_fn of the outputs and remember the edges to the inputs."""
        self._next = tuple(_edge(a) if need else None for a, need in zip(args, self.needs_input_grad))
        self._in_meta = tuple((a._data.shape, a._data.dtype) if need else None
                              for a, need in zip(args, self.needs_input_grad))
        self._n_outputs = len(outs)
        nondiff = self._non_differentiable
        results = []
        for nr, o in enumerate(outs):
            t = _as_output(o)
            if t._data.dtype.kind in "fc" and not any(o is n for n in nondiff):
                t._requires_grad = True
                t.grad_fn = self
                t._output_nr = nr
            results.append(t)
        self._out_meta = tuple((t._data.shape, t._data.dtype) for t in results)
        if self._to_save:
            self._saved = tuple(_pack(item, args, fwd_args, outs, results) for item in self._to_save)
        self._to_save = ()
        if AnomalyMode.enabled:
            self._forward_stack = traceback.format_stack()[:-2]
        return tuple(results)

    def _release(self) -> None:
        """Free what forward saved (called after backward unless retain_graph)."""
        if self._saved is not None:
            self._saved = _FREED


def _as_output(o: Any) -> Tensor:
    if isinstance(o, Tensor):
        return o
    return Tensor._make(o if isinstance(o, np.ndarray) else np.asarray(o))


def _edge(t: Tensor) -> tuple:
    """The (node, output_nr) that receives the gradient of ``t``: its grad_fn, or its AccumulateGrad."""
    if t.grad_fn is not None:
        return t.grad_fn, t._output_nr
    return accumulator(t), 0


def accumulator(leaf: Tensor) -> AccumulateGrad:
    """The one AccumulateGrad node of a leaf (held weakly by the leaf, strongly by the graph)."""
    ref = leaf._accumulator
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._accumulator = weakref.ref(node)
    return node


# A saved item is packed as ("in", tensor, version), ("out", array, output_nr, version_counter, version)
# or ("const", array): outputs are not held as Tensors, so a node and its output do not form a cycle.
def _pack(item: Any, args: tuple, fwd_args: list, outs: tuple, results: list) -> tuple | None:
    if item is None:
        return None
    for a, f in zip(args, fwd_args):
        if item is f and isinstance(a, Tensor):
            return ("in", a, a._vc[0])
    for nr, (o, t) in enumerate(zip(outs, results)):
        if item is o:
            return ("out", t._data, nr, t._vc, t._vc[0])
    if isinstance(item, Tensor):
        return ("const", item._data)
    return ("const", np.asarray(item))


def _unpack(ctx: Function, item: tuple | None) -> Tensor | None:
    if item is None:
        return None
    kind = item[0]
    if kind == "in":
        t, version = item[1], item[2]
        if t._vc[0] != version:
            _raise_modified(ctx, t, version, t._vc[0])
        return t
    if kind == "out":
        data, nr, vc, version = item[1:]
        if vc[0] != version:
            _raise_modified(ctx, Tensor._make(data), version, vc[0], nr)
        if GradMode.enabled:
            t = Tensor._make(data, requires_grad=True)
            t.grad_fn, t._output_nr = ctx, nr
            return t
        return Tensor._make(data)
    return Tensor._make(item[1])


def _raise_modified(ctx: Function, t: Tensor, expected: int, actual: int, output_nr: int | None = None) -> None:
    what = (f"which is output {output_nr} of {ctx.name()}," if output_nr is not None
            else f"which is an input of {ctx.name()},")
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[{t.dtype.name} tensor of shape {list(t.shape)}], {what} is at version {actual}; expected version "
        f"{expected} instead. Hint: the operation that failed to compute its gradient saved this tensor; "
        "clone it before modifying it in place, or modify a copy.")


class RetainGrad:
    """The pre-hook behind ``retain_grad``: stores the gradient on the (weakly held) tensor."""

    def __init__(self, t: Tensor) -> None:
        self.ref = weakref.ref(t)

    def __call__(self, grad: Tensor) -> None:
        t = self.ref()
        if t is None:
            return
        if t.grad is None:
            t.grad = grad if GradMode.enabled else Tensor._make(grad._data.copy())
        else:
            t.grad = t.grad + grad

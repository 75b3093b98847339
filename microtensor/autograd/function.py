"""Function and its ctx: the one mechanism every differentiable op uses.

An op subclasses ``Function`` with a static ``forward(ctx, *args)`` and a static
``backward(ctx, *grads)``. ``Function.apply`` runs forward and, when grad mode is
on and an input requires grad, makes the ctx the node of the backward graph
(the output's ``grad_fn``). Backward formulas use Tensor operations, so the
backward pass is itself differentiable (``create_graph=True``).

Built-in ops set ``on_arrays = True``: their forward receives and returns NumPy
arrays (no Tensor overhead). User-defined Functions, as in PyTorch, receive the
input Tensors and return Tensors (or, with a ``setup_context``, take no ctx).
"""
from __future__ import annotations

import sys
import traceback
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from microtensor.autograd.grad_mode import GradMode
from microtensor.capture import Capture, record
from microtensor.dtypes import is_floating
from microtensor.tensor import HookHandle, Tensor, share_version_counter, view_requires_grad

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
    "or if you need to access saved tensors after calling backward.")

FREED = ("freed",)


class AnomalyMode:
    """Process-wide switch of ``set_detect_anomaly`` (one for all threads, as in PyTorch): record forward
    stacks, check backward for NaN/inf."""

    enabled = False


RECORD_HOOKS: list[Callable[[Node], None]] = []
"""Called with every node ``Function.apply`` records, in any thread: ``microtensor.viz.record`` tags each
node with the module that made it. Empty, and one list test per recorded op, when nothing watches."""


class Node:
    """What the engine needs of a graph node: its edges to the nodes that produced its inputs."""

    _next: tuple = ()
    _n_outputs = 1
    _pre_hooks: dict | None = None
    _tensor_args: tuple | None = None     # which forward arguments were tensors, when not all were
    _retain: dict | None = None
    _post_hooks: list | None = None
    _scope: Any = None                    # the module that made the node, set by viz.record's RECORD_HOOKS

    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple:
        """One ``(node, output_nr)`` pair per tensor input, ``(None, 0)`` for inputs that need no gradient
        (option arguments such as ``dim`` are not inputs, as in PyTorch)."""
        mask = self._tensor_args
        edges = self._next if mask is None else [e for e, is_tensor in zip(self._next, mask) if is_tensor]
        return tuple((e[0], e[1]) if e is not None else (None, 0) for e in edges)

    def pre_hooks(self, output_nr: int) -> list:
        """The hooks called as ``hook(grad)`` on the gradient of output ``output_nr`` before this node runs."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        return self._pre_hooks.setdefault(output_nr, [])

    def register_hook(self, hook: Callable[[tuple, tuple], tuple | None]) -> HookHandle:
        """Call ``hook(grad_inputs, grad_outputs)`` after this node's backward, as PyTorch's
        ``grad_fn.register_hook`` does: ``grad_inputs`` holds one gradient per forward argument (None
        where none flows), ``grad_outputs`` the gradients of the node's outputs; a returned tuple replaces
        ``grad_inputs``."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(hook)
        return HookHandle(self._post_hooks, hook)

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

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def accumulate(self, grad: Tensor, keep_graph: bool) -> None:
        """Add ``grad`` into the leaf's ``.grad``: in place when that is safe, as PyTorch does; with
        ``keep_graph`` (create_graph) out of place, so that ``.grad`` stays differentiable.

        The engine hands ``grad`` over (popped from its buffer), so that when nothing else holds the
        tensor or its array, ``.grad`` takes it without a copy (PyTorch steals a gradient whose use
        count shows it is private the same way); otherwise ``.grad`` gets a copy, never an alias.
        ``microtensor.compile`` replays the call whole (not as ``@replayed_whole``: a wrapper's reference to
        ``grad`` would stop the hand-over).
        """
        tracer = Capture.tracer
        if tracer is not None and tracer.recording():
            tracer.whole(AccumulateGrad.accumulate, self, (grad, keep_graph), {})
            return
        leaf = self.variable
        if grad._data.dtype != leaf._data.dtype:
            grad = grad.to(leaf.dtype)
        current = leaf.grad
        if current is None:
            if keep_graph:
                leaf.grad = grad.clone()
            elif grad._data.base is None and held_once(grad):
                leaf.grad = grad
            else:
                leaf.grad = Tensor._make(grad._data.copy())
        elif keep_graph:
            leaf.grad = current + grad
        else:
            data = current._data
            if data.flags.writeable and data.shape == grad._data.shape:
                np.add(data, grad._data, out=data)
            else:
                leaf.grad = Tensor._make(data + grad._data)
        if POST_ACCUMULATE_HOOKS:           # empty unless some leaf registered one: one length check
            for hook in tuple(POST_ACCUMULATE_HOOKS.get(id(leaf), ())):
                hook(leaf)


# id(leaf) -> the hooks ``Tensor.register_post_accumulate_grad_hook`` registered on it, called as
# ``hook(leaf)`` once its ``.grad`` holds this backward's gradient; the entry goes when the leaf does
POST_ACCUMULATE_HOOKS: dict[int, list] = {}


def held_once(t: Tensor) -> bool:
    """Whether the caller's one reference is all that holds ``t`` and its memory, so that the caller may hand
    it on or write into it: no other tensor, array view, hook or graph can see the change.

    The engine uses it for the gradients it hands over: PyTorch steals a gradient whose use count shows it
    is private the same way. CPython's reference counts tell: ``t`` has the caller's reference, this call's
    argument and getrefcount's; its array, ``t``'s slot, the local name and getrefcount's (a view: the same
    for the view, and its owner is held by the view alone)."""
    if sys.getrefcount(t) != 3 or t._requires_grad:
        return False
    data = t._data
    if not data.flags.writeable or sys.getrefcount(data) != 3:
        return False
    base = data.base
    return base is None or (type(base) is np.ndarray and base.base is None and sys.getrefcount(base) == 3)


def grad_copy(grad: Tensor, keep_graph: bool) -> Tensor:
    """A copy of ``grad`` to store as a ``.grad``: differentiable with ``keep_graph`` (create_graph), else plain."""
    return grad.clone() if keep_graph else Tensor._make(grad._data.copy())


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
    _node_name: str               # the class name + "Backward" (set per subclass)
    _saved: Any = None
    _to_save: tuple = ()
    _non_differentiable: tuple = ()
    _forward_stack: list | None = None
    _out_meta: tuple = ()
    _separate_context = False
    # backward takes overwrite_grad=True, and may then write into its (one) incoming gradient: the engine
    # passes it, call by call, when it alone holds that gradient and create_graph is off
    overwrites_grad = False
    needs_input_grad: tuple[bool, ...]

    if TYPE_CHECKING:
        def __getattr__(self, name: str) -> Any:
            """Whatever forward stored on ctx (``ctx.dim = dim``), as on PyTorch's ctx."""

        def __setattr__(self, name: str, value: Any) -> None:
            """ctx takes any attribute forward stores on it."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._node_name = cls.__name__ + ("Backward0" if cls.on_arrays else "Backward")
        cls._separate_context = "setup_context" in cls.__dict__ or cls._separate_context

    def name(self) -> str:
        return self._node_name

    @staticmethod
    def forward(ctx: Function, *args: Any, **kwargs: Any) -> Any:
        """Compute the outputs from the inputs; save what backward needs with ``ctx.save_for_backward``."""
        raise RuntimeError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx: Function, inputs: tuple, output: Any) -> None:
        """PyTorch's split style: when a subclass defines this, ``forward(*args)`` takes no ctx and this
        saves what backward needs from the inputs and the output."""

    @staticmethod
    def backward(ctx: Function, *grads: Tensor) -> Any:
        """Return one gradient per forward input (None for inputs that need none)."""
        raise RuntimeError("You must implement either the backward or vjp method for your custom "
                           "autograd.Function to use it with backward mode AD.")

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
        if saved is FREED:
            raise RuntimeError(FREED_MESSAGE)
        return tuple([_unpack(self, item) for item in saved or ()])

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run the op on ``args``, recording it in the graph when grad mode is on and an input requires grad."""
        ctx = object.__new__(cls)
        enabled = GradMode.enabled
        if enabled:
            needs = tuple([isinstance(a, Tensor) and (a._requires_grad if a._base is None else view_requires_grad(a))
                           for a in args])
            record = True in needs
            ctx.needs_input_grad = needs if record else (False,) * len(args)
        else:
            record = False
            ctx.needs_input_grad = (False,) * len(args)
        if cls.on_arrays:
            fwd_args: Any = [a._data if isinstance(a, Tensor) else a for a in args]
            tracer = Capture.tracer
            if tracer is not None:            # microtensor.compile is recording (microtensor/capture.py)
                out = tracer.forward(cls, ctx, args, fwd_args, kwargs)
            else:
                out = cls.forward(ctx, *fwd_args, **kwargs) if kwargs else cls.forward(ctx, *fwd_args)
            if type(out) is np.ndarray:          # the common case: one array out
                t = Tensor._make(out)
                if out.base is not None or out is fwd_args[0]:
                    _mark_view(t, args, fwd_args, enabled)
                if record:
                    ctx._connect(args, fwd_args, (out,), (t,))
                return t
        else:
            fwd_args = args
            out = ctx._forward_tensors(args, kwargs)
        if type(out) is not tuple:
            t = out if isinstance(out, Tensor) else _as_output(out)
            if record:
                ctx._connect(args, fwd_args, (out,), (t,))
            return t
        if cls.on_arrays:
            results = tuple([_as_output(o) for o in out])
            for nr, t in enumerate(results):
                if t._data.base is not None:
                    _mark_view(t, args, fwd_args, enabled, (cls.__name__, nr))
        else:
            results = out
        if record:
            ctx._n_outputs = len(out)
            ctx._out_meta = tuple([(t._data.shape, t._data.dtype) if isinstance(t, Tensor) else None
                                   for t in results])
            ctx._connect(args, fwd_args, out, results)
        return results

    def _forward_tensors(self, args: tuple, kwargs: dict) -> Any:
        """A user Function's forward: Tensors in, Tensors out, run without recording."""
        prev = GradMode.enabled, GradMode.grad
        GradMode.enabled = GradMode.grad = False
        try:
            if self._separate_context:
                out = self.forward(*args, **kwargs)
                self.setup_context(self, args, out)
            else:
                out = self.forward(self, *args, **kwargs)
        finally:
            GradMode.enabled, GradMode.grad = prev
        if type(out) is tuple:
            return tuple([_fresh(o, args) for o in out])
        return _fresh(out, args)

    def _connect(self, args: tuple, fwd_args: list, outs: tuple, results: tuple) -> None:
        """Make this ctx the grad_fn of the (float, differentiable) outputs and remember, per input, the edge
        its gradient flows along: ``(node, output_nr, shape, dtype)``, or None for inputs needing none."""
        edges: list[tuple | None] = []
        options = False          # whether some argument is an option (dim, a key), not a tensor or array
        restricted = None        # a view PyTorch refuses to rebuild (see view_requires_grad), if it matters
        for a, need in zip(args, self.needs_input_grad):
            if need:
                d = a._data
                if a._base is not None and a._vc[0] != a._view_version:
                    restricted = a
                    edges.append(None)
                    continue
                fn = a._grad_fn
                if fn is not None:
                    edges.append((fn, a._output_nr, d.shape, d.dtype))
                    continue
                if a._base is not None and not a._requires_grad:   # a view made in no_grad mode: no gradient
                    edges.append(None)
                    continue
                ref = a._accumulator
                fn = ref() if ref is not None else None
                edges.append((fn if fn is not None else accumulator(a), 0, d.shape, d.dtype))
            else:
                edges.append(None)
                if not options and not isinstance(a, (Tensor, np.ndarray)):
                    options = True
        self._next = tuple(edges)
        if options:
            self._tensor_args = tuple([isinstance(a, (Tensor, np.ndarray)) for a in args])
        nondiff = self._non_differentiable
        for nr, t in enumerate(results):
            if isinstance(t, Tensor) and is_floating(t._data.dtype) and not (nondiff and any(
                    outs[nr] is n or t is n for n in nondiff)):
                t._requires_grad = True
                t._grad_fn = self
                t._output_nr = nr
                if restricted is not None:    # only a differentiable output needs the view's history
                    raise RuntimeError(restricted_view_message(restricted._view_meta, REBASED))
        if self._to_save:
            self._saved = tuple([_pack(item, args, fwd_args, outs, results) for item in self._to_save])
            self._to_save = ()
        if AnomalyMode.enabled:
            self._forward_stack = traceback.format_stack()[:-2]
        if RECORD_HOOKS:         # the test alone costs ~7 ns per op, a loop over the empty list ~30 (timeit)
            for hook in RECORD_HOOKS:
                hook(self)

    def _saved_output_is(self, nr: int, t: Tensor) -> None:
        """Make the saved copies of output ``nr`` refer to ``t``, at its current version: an in-place op
        wrote that output into ``t``'s memory, and PyTorch saves the modified tensor itself, so a later
        in-place change of ``t`` must make backward raise."""
        saved = self._saved
        if saved and saved is not FREED:
            self._saved = tuple([("out", t._data, nr, t._vc, t._vc[0]) if item is not None and item[0] == "out"
                                 and item[2] == nr else item for item in saved])

    def _release(self) -> None:
        """Free what forward saved (called after backward unless retain_graph)."""
        if self._saved is not None:
            self._saved = FREED


NO_GRAD_VIEW = "no_grad"   # a view's creation meta (``_view_meta``): made while grad mode was off
REBASED = "its base or another view of its base has been modified inplace"
MODIFIED = "is being modified inplace"


def restricted_view_message(meta: Any, what: str) -> str:
    """PyTorch's message refusing a view made in no_grad mode (``meta`` NO_GRAD_VIEW) or one of several views
    an op returned (``meta`` (op name, output number)); ``what``: REBASED or MODIFIED."""
    if meta == NO_GRAD_VIEW:
        return (f"A view was created in no_grad mode and {what} with grad mode enabled. Given that this use "
                "case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the "
                "view and the inplace either both inside the no_grad block (if you don't want the inplace to be "
                "tracked) or both outside (if you want the inplace to be tracked).")
    name, nr = meta
    return (f"Output {nr} of {name} is a view and {what}. This view is the output of a function that returns "
            "multiple views. Such functions do not allow the output views to be modified inplace. You should "
            "replace the inplace operation by an out-of-place one.")


def _mark_view(t: Tensor, args: tuple, fwd_args: list, enabled: bool, output: tuple[str, int] | None = None) -> None:
    """Make ``t`` a view of the input whose memory it shares, as PyTorch's view ops do: the same version
    counter (an in-place change of either shows in both) and ``_base``, the tensor that owns the memory,
    from which ``ops.views`` rebuilds the view's history after an in-place change.

    ``enabled``: grad mode was on for the op. ``output`` is (op name, output number) when the op returns
    several views (split, chunk, unbind).
    Such views, and views made in no_grad mode, keep PyTorch's creation meta in ``_view_meta``: an
    in-place change that involves them while grad is recorded is refused, as PyTorch refuses it."""
    data = t._data
    owner = data if data.base is None else data.base
    if owner.base is not None:           # a longer chain: as_strided's result has a wrapper as its base
        owner = _owner(owner)
    for a, f in zip(args, fwd_args):
        if type(f) is np.ndarray and (f is owner or (f.base is not None and _owner(f) is owner)) and \
                isinstance(a, Tensor):
            if a._base is None:
                t._base, meta = a, None
            else:
                t._base, meta = a._base, a._view_meta
            if meta is None and (output is not None or not enabled):
                meta = output if a._requires_grad and enabled else NO_GRAD_VIEW
            t._view_meta = meta
            share_version_counter(t, a)
            t._view_version = a._vc[0]
            return


def _owner(array: np.ndarray) -> Any:
    """The object at the end of ``array``'s chain of bases: the owner of its memory."""
    owner: Any = array
    while getattr(owner, "base", None) is not None:
        owner = owner.base
    return owner


def _as_output(o: Any) -> Tensor:
    if isinstance(o, Tensor):
        return o
    return Tensor._make(o if type(o) is np.ndarray else np.asarray(o))


def _fresh(o: Any, inputs: tuple) -> Any:
    """A custom forward's output, as a new tensor when it is one of the inputs returned as is (PyTorch
    returns a view then: the input keeps its own place in the graph)."""
    if isinstance(o, Tensor) and any(o is a for a in inputs):
        t = Tensor._make(record(np.ndarray.view, o._data))
        share_version_counter(t, o)
        return t
    return o


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
def _pack(item: Any, args: tuple, fwd_args: Any, outs: tuple, results: Any) -> tuple | None:
    if item is None:
        return None
    for a, f in zip(args, fwd_args):
        if item is f and isinstance(a, Tensor):
            return ("in", a, a._vc[0])
    for nr, o in enumerate(outs):
        if item is o or item is results[nr]:
            t = results[nr]
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
        if GradMode.enabled and is_floating(data.dtype):
            t = Tensor._make(data, requires_grad=True)
            t._grad_fn, t._output_nr, t._vc = ctx, nr, vc
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
        if t is not None:
            t.grad = grad_copy(grad, GradMode.enabled) if t.grad is None else t.grad + grad

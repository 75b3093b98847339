"""The tracer: runs a call eagerly and records, at the seam of ``microtensor/capture.py``, the array program
it performed, as a list of ``Step``s over named values.

Every array the recorded program computes gets a name (``v12``); arrays it reads but did not compute are
resolved once, when first seen:

- the call's tensor arguments: the inputs ``x0, x1, ...`` of the replay;
- a leaf tensor's memory (a parameter, a buffer, a constant made by the call): read live through the tensor,
  ``t3._data``, so an optimizer's in-place update is seen by the next replay;
- a parameter's gradient, once a ``@replayed_whole`` method (``AccumulateGrad.accumulate``) set it:
  ``t3.grad._data``, read live because every step makes a new one;
- an array passed as a plain argument (a Python number made a 0-d array by ``promote``): a constant.

Inside a node's backward only names and live tensors already seen are allowed: any other array was made by
NumPy code outside the seam (a short path), so that backward is recorded whole instead (``Step.BACKWARD``),
replayed by calling the node's backward again on a context its replayed forward filled.
"""
from __future__ import annotations

import functools
import os
import sys
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from microtensor.tensor import Tensor

RESERVED = frozenset({"np", "Tensor", "refill_saved", "backward_whole", "handed", "accumulator", "attach", "copy",
                      "ids", "GuardFailed", "saved", "attached"})
"""Names the replay's source defines itself (``microtensor/compiler/plan.py``)."""


class GraphBreak(RuntimeError):
    """Raised under ``fullgraph=True`` where a compiled function does something a recording cannot hold."""


@dataclass
class Step:
    """One line of the captured program.

    ``kind``: FORWARD (``outs = Cls.forward(ctx, *args)``), CALL (``outs = fn(*args)``), BACKWARD (a node's
    backward, whole) or WHOLE (``obj.method(*args)``, a ``@replayed_whole`` method). ``args`` and ``kwargs``
    hold source expressions; ``outs`` the names it defines (None for an output that is not an array).
    """

    FORWARD = "forward"
    CALL = "call"
    BACKWARD = "backward"
    WHOLE = "whole"

    kind: str
    target: Any                        # the Function class, the callable, the node, or the method
    args: list[str]
    kwargs: dict[str, str] = field(default_factory=dict)
    outs: list[str | None] = field(default_factory=list)
    ctx: Any = None                    # FORWARD: the context its replay fills; BACKWARD: the node; WHOLE: the
                                       # expression of the object whose method it calls
    tuple_out: bool = False            # the forward returned a tuple (unpacked even with one element)
    as_array: bool = False             # the forward returned a NumPy scalar: the replay wraps it, as apply does
    fills_saved: bool = False          # FORWARD whose node's backward is replayed whole: rebuild ctx._saved
    hands_over: str | None = None      # WHOLE accumulate: the name whose array the gradient may take over
    overwrite: bool = False            # BACKWARD that may write into its incoming gradient, as eager let it


class _Frame:
    """A backward being recorded: where its steps start, the arrays it named, whether it read a foreign array."""

    def __init__(self, start: int) -> None:
        self.start = start
        self.named: list[tuple[int, str]] = []      # (id of the array, its name)
        self.foreign = False


class Tracer:
    """Records one eager call of a compiled function (see the module docstring)."""

    def __init__(self, fullgraph: bool) -> None:
        self.fullgraph = fullgraph
        self.thread = threading.get_ident()
        self.steps: list[Step] = []
        self.globals: dict[str, Any] = {}           # name in the replay's source -> object
        self._global_names: dict[int, str] = {}
        self._counts: dict[str, int] = {}           # how many globals were named after each hint
        self._names: dict[int, str] = {}            # id(array) -> its name or live expression
        self._grads: dict[int, str] = {}            # id(a leaf's .grad array) -> "t3.grad._data"
        # a named array is watched, not held: holding it would change the reference counts by which the engine
        # decides to write into a gradient it alone holds (and so the rounding); when it dies its id is forgotten
        self._watched: dict[int, weakref.ref] = {}
        self._live: dict[int, Tensor] = {}          # leaf tensors read live, by id
        self._frames: list[_Frame] = []
        self._forwards: dict[int, Step] = {}        # id(ctx) -> its FORWARD step
        self._ran_backward: set[int] = set()        # ids of the nodes whose backward ran
        self._depth = 0                             # > 0 inside a call recorded whole: nothing below is recorded
        self._count = 0
        self._inputs = 0                            # tensor arguments named so far (x0, x1, ...)
        self.modules: dict[int, Any] = {}           # modules called, for the training-flag guards
        self.broken: str | None = None              # why the call cannot be replayed

    # ------------------------------------------------------------------ names
    def recording(self) -> bool:
        """Whether this thread's array computations are being recorded now."""
        return self._depth == 0 and self.broken is None and threading.get_ident() == self.thread

    def _new_name(self, array: np.ndarray, prefix: str = "v") -> str:
        name = f"{prefix}{self._count}"
        self._count += 1
        self._bind(array, name)
        if self._frames:
            self._frames[-1].named.append((id(array), name))
        return name

    def _bind(self, array: np.ndarray, name: str) -> None:
        self._names[id(array)] = name
        self._watch(array)

    def _watch(self, array: np.ndarray) -> None:
        key = id(array)
        if key not in self._watched:
            self._watched[key] = weakref.ref(array, functools.partial(self._died, key))

    def _died(self, key: int, _: weakref.ref) -> None:
        """A named array was freed: its id may now be another array's."""
        self._names.pop(key, None)
        self._grads.pop(key, None)
        self._watched.pop(key, None)

    def global_name(self, obj: Any, hint: str) -> str:
        """The name under which the replay's source refers to ``obj`` (one name per object)."""
        name = self._global_names.get(id(obj))
        if name is None:
            base = "".join(c if c.isalnum() else "_" for c in hint) or "obj"
            if base in ("v", "x", "g", "a", "c") or base[0].isdigit():     # the replay's own names: v3, x0, ...
                base = "_" + base
            n = self._counts.get(base, 0)
            name = base if n == 0 and base not in RESERVED else f"{base}{n}"
            while name in self.globals:
                n += 1
                name = f"{base}{n}"
            self._counts[base] = n + 1
            self.globals[name] = obj
            self._global_names[id(obj)] = name
        return name

    def add_input(self, t: Tensor) -> str:
        """Name the memory of a tensor argument of the call: the replay reads it from that argument."""
        i = self._inputs
        self._inputs += 1
        name = f"x{i}"
        self._bind(t._data, name)
        self._global_names[id(t)] = f"a{i}"
        self._live[id(t)] = t
        return name

    def _array(self, array: np.ndarray, owner: Tensor | None) -> str:
        """The expression that reads ``array`` in the replay (see the module docstring)."""
        name = self._known(array)
        if name is not None:
            return name
        if owner is not None and (id(owner) in self._live or (not self._frames and owner._grad_fn is None)):
            self._live[id(owner)] = owner
            name = self.global_name(owner, "t") + "._data"
            self._bind(array, name)
            return name
        if self._frames:
            self._frames[-1].foreign = True
        name = self.global_name(array, "const")
        self._bind(array, name)
        return name

    def _value(self, value: Any, owner: Any = None) -> str:
        """The source expression of an argument: an array's name, a literal, or a global."""
        if type(value) is np.ndarray:
            return self._array(value, owner if isinstance(owner, Tensor) else None)
        if isinstance(value, Tensor):
            if id(value) in self._live:
                return self.global_name(value, "t")
            return f"Tensor._make({self._array(value._data, value)})"
        if is_literal(value):
            return repr(value)
        if type(value) in (tuple, list) and any(type(v) is np.ndarray or isinstance(v, Tensor) for v in value):
            items = [self._value(v) for v in value]
            return f"[{', '.join(items)}]" if type(value) is list else f"({', '.join(items)}{',' * (len(items) == 1)})"
        if isinstance(value, np.dtype):
            return self.global_name(value, str(value))
        if callable(value) and self._holds_an_argument(value):
            self.graph_break(f"{getattr(value, '__qualname__', type(value).__name__)}, a callable holding a tensor "
                             "argument of the call (the replay would keep using the traced one)")
        return self.global_name(value, type(value).__name__)

    def _holds_an_argument(self, fn: Any) -> bool:
        """Whether ``fn`` closes over a tensor argument of the call (``batch_norm``'s running-statistics update
        for statistics passed in): baked into the replay, it would go on writing the traced tensors."""
        for cell in getattr(fn, "__closure__", None) or ():
            try:
                held = cell.cell_contents
            except ValueError:            # a cell not yet filled
                continue
            if isinstance(held, Tensor) and self._global_names.get(id(held), "").startswith("a"):
                return True
        return False

    # ------------------------------------------------------------------ the seam
    def forward(self, cls: Any, ctx: Any, args: tuple, fwd_args: list, kwargs: dict) -> Any:
        """Run and record ``cls.forward(ctx, *fwd_args, **kwargs)`` (called by ``Function.apply``)."""
        if not self.recording():
            return cls.forward(ctx, *fwd_args, **kwargs)
        self._depth += 1
        try:
            out = cls.forward(ctx, *fwd_args, **kwargs)
        finally:
            self._depth -= 1
        step = Step(Step.FORWARD, cls, [self._value(f, a) for a, f in zip(args, fwd_args)],
                    {k: self._value(v) for k, v in kwargs.items()}, ctx=ctx)
        if type(out) is tuple:
            out = tuple([_normalized(o) for o in out])
            step.tuple_out = True
            step.outs = [self._new_name(o) if type(o) is np.ndarray else None for o in out]
        else:
            if type(out) is not np.ndarray and not isinstance(out, Tensor):
                out = np.asarray(out)
                step.as_array = True
            step.outs = [self._new_name(out) if type(out) is np.ndarray else None]
        self.steps.append(step)
        self._forwards[id(ctx)] = step
        return out

    def call(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        """Run and record ``fn(*args, **kwargs)``, an array computation outside a Function (``capture.record``)."""
        if not self.recording():
            return fn(*args, **kwargs)
        step = Step(Step.CALL, fn, [self._value(a) for a in args], {k: self._value(v) for k, v in kwargs.items()})
        out = fn(*args, **kwargs)
        if type(out) is np.ndarray and not any(out is a for a in args) and out is not kwargs.get("out"):
            step.outs = [self._new_name(out)]
        self.steps.append(step)
        return out

    def backward(self, node: Any, grads: list, overwrite: bool = False) -> Any:
        """Run a node's backward (called by the engine) and record it: the steps inside it, or the whole call
        when it computed something outside the seam. ``overwrite``: the engine lets it write into its one
        incoming gradient (ReLU's backward does, in NumPy: recorded whole, and replayed the same way, so that
        the replay rounds as eager does)."""
        call = (lambda: node.backward(node, grads[0], overwrite_grad=True)) if overwrite else (
            lambda: node.backward(node, *grads))
        if not self.recording():
            return call()
        forward = self._forwards.get(id(node))
        if forward is None:
            self.graph_break(f"backward through {node.name()}, an op recorded outside the compiled function")
            return call()
        if overwrite:
            grad_names = [self._array(grads[0]._data, grads[0])]
            self._depth += 1
            try:
                results = call()
            finally:
                self._depth -= 1
            self._ran_backward.add(id(node))
            forward.fills_saved = True
            self._whole_backward(node, grads, results if type(results) is tuple else (results,), grad_names,
                                 overwrite=True)
            return results
        frame = _Frame(len(self.steps))
        self._frames.append(frame)
        try:
            results = call()
        finally:
            self._frames.pop()
        self._ran_backward.add(id(node))
        listed = results if type(results) is tuple else (results,)
        for g in listed:
            if g is not None and (not isinstance(g, Tensor) or self._known(g._data) is None):
                frame.foreign = True
        if frame.foreign:
            del self.steps[frame.start:]
            self._forget(frame.named)
            forward.fills_saved = True
            self._whole_backward(node, grads, listed, [self._array(g._data, g) if g is not None else "None"
                                                       for g in grads])
        elif self._frames:
            self._frames[-1].named.extend(frame.named)
        return results

    def _whole_backward(self, node: Any, grads: list, results: tuple, grad_names: list[str],
                        overwrite: bool = False) -> None:
        step = Step(Step.BACKWARD, node, grad_names, ctx=node, overwrite=overwrite)
        self.global_name(node, node.name())
        step.outs = [self._new_name(g._data) if isinstance(g, Tensor) else None for g in results]
        self.steps.append(step)

    def _known(self, array: np.ndarray) -> str | None:
        """The name of ``array``, or of a named array it views with the same layout (``detach()``'s view)."""
        key = id(array)
        name = self._grads.get(key) or self._names.get(key)
        if name is not None or array.base is None:
            return name
        layout = _layout(array)
        base: Any = array.base
        while isinstance(base, np.ndarray):
            name = self._grads.get(id(base)) or self._names.get(id(base))
            if name is not None and _layout(base) == layout:
                return name
            base = base.base
        return None

    def _forget(self, named: list[tuple[int, str]]) -> None:
        """Drop the names a discarded backward gave (those its arrays still carry)."""
        for key, name in named:
            if self._names.get(key) == name:
                del self._names[key]

    def whole(self, method: Callable[..., Any], obj: Any, args: tuple, kwargs: dict) -> Any:
        """Run ``method(obj, *args, **kwargs)`` and record it as one step (``capture.replayed_whole``)."""
        if not self.recording():
            return method(obj, *args, **kwargs)
        if any(callable(a) and not isinstance(a, (Tensor, type)) for a in (*args, *kwargs.values())):
            self.graph_break(f"{type(obj).__name__}.{method.__name__}() with a closure")
            return method(obj, *args, **kwargs)
        step = Step(Step.WHOLE, method, [self._value(a) for a in args],
                    {k: self._value(v) for k, v in kwargs.items()})
        step.ctx = self.global_name(obj, type(obj).__name__.lower())
        if args and isinstance(args[0], Tensor) and hasattr(obj, "variable"):      # AccumulateGrad.accumulate
            step.hands_over = self._known(args[0]._data)
            leaf = obj.variable
            self._live.setdefault(id(leaf), leaf)
            if self.global_name(leaf, "t").startswith("a"):      # an argument: the replay's own tensor
                step.ctx = f"accumulator({self.global_name(leaf, 't')})"
        self._depth += 1
        try:
            result = method(obj, *args, **kwargs)
        finally:
            self._depth -= 1
        self.steps.append(step)
        self._name_grads()
        return result

    def _name_grads(self) -> None:
        """Name the ``.grad`` arrays of the leaves seen so far, read live from now on."""
        self._grads = {}
        for t in self._live.values():
            g = t.grad
            if g is not None:
                self._grads[id(g._data)] = self.global_name(t, "t") + ".grad._data"
                self._watch(g._data)

    def assigned(self, t: Tensor, attribute: str, value: Any) -> None:
        """Record ``t.<attribute> = value`` (``p.grad = None``, ``p.data = ...``), made after the assignment."""
        if not self.recording():
            return
        if t._grad_fn is None:
            self._live.setdefault(id(t), t)
        self.steps.append(Step(Step.CALL, setattr, [self._value(t), repr(attribute), self._value(value)]))
        self._name_grads()

    def module_called(self, module: Any) -> None:
        """Remember a module the call ran (its ``training`` flag becomes a guard)."""
        if self.recording():
            self.modules[id(module)] = module

    def graph_break(self, what: str) -> None:
        """Stop recording: ``what`` cannot be replayed. Under ``fullgraph=True`` raise, naming the user's line."""
        if threading.get_ident() != self.thread or self.broken is not None:
            return
        where = _user_line()
        self.broken = f"{what} at {where}" if where else what
        if self.fullgraph:
            raise GraphBreak(f"microtensor.compile(fullgraph=True): cannot capture {self.broken}. Remove it from "
                             "the compiled function, or compile with fullgraph=False to run it eagerly.")

    def ran_backward(self, node: Any) -> bool:
        """Whether ``node``'s backward ran during the trace."""
        return id(node) in self._ran_backward

    def output(self, value: Any) -> str:
        """The expression of a returned array or tensor."""
        return self._value(value)

    def name_gradient_input(self, array: np.ndarray, i: int) -> None:
        """Name the placeholder for the gradient of returned tensor ``i`` (``g0``, ...): an argument of the
        backward replay of a call whose caller runs backward itself."""
        self._bind(array, f"g{i}")

    def live_tensors(self) -> list[Tensor]:
        """The tensors the replay reads live: arguments, parameters, buffers, constants made by the call."""
        return list(self._live.values())

    def differentiable_leaves(self) -> list[Tensor]:
        """The tensors read that require grad and were made outside the call: parameters and arguments."""
        return [t for t in self._live.values() if t._requires_grad]


def _layout(array: np.ndarray) -> tuple:
    return (array.__array_interface__["data"][0], array.shape, array.strides, array.dtype.str)


def _normalized(o: Any) -> Any:
    """A forward's output as ``apply`` turns it into a tensor: NumPy scalars and numbers become 0-d arrays."""
    if o is None or type(o) is np.ndarray or isinstance(o, Tensor):
        return o
    return np.asarray(o)


_LITERALS = (int, float, bool, str, type(None), slice, type(Ellipsis))


def is_literal(value: Any) -> bool:
    if type(value) in _LITERALS:
        return type(value) is not float or np.isfinite(value)
    if type(value) in (tuple, list):
        return all(is_literal(v) for v in value)
    return False


def _user_line() -> str:
    """``file:line`` of the innermost frame outside microtensor (and its nn and optim): the user's line."""
    packages = [sys.modules.get(name) for name in ("microtensor", "microtensor.nn", "microtensor.optim")]
    roots = tuple(os.path.dirname(m.__file__) + os.sep for m in packages if m is not None and m.__file__)
    frame: Any = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(roots):
            return f"{filename}:{frame.f_lineno}"
        frame = frame.f_back
    return ""

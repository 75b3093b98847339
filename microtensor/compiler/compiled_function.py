"""``microtensor.compile``: trace a call once, replay its recorded NumPy program on later calls.

A ``CompiledFunction`` keys its cache on the call's signature (each tensor argument's shape, dtype,
``requires_grad`` and leafness, each Python scalar's value, the identity of any other object, grad mode and
the default dtype). An unknown signature is traced: the function runs eagerly under a ``Tracer`` and, unless
it did something a recording cannot hold (a graph break), its steps become a ``Plan``. A known one is
replayed; when the plan's own guards fail (a module switched to eval, a parameter replaced) the call is
traced again. After ``cache_size_limit`` traces the function warns once and runs eagerly from then on, as
``torch._dynamo``'s recompile limit does.
"""
from __future__ import annotations

import functools
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.autograd.engine import run_backward
from microtensor.autograd.function import AnomalyMode
from microtensor.autograd.grad_mode import GradMode
from microtensor.capture import Capture
from microtensor.compiler.plan import BackwardSplit, GuardFailed, Plan
from microtensor.compiler.tracer import Tracer, is_literal
from microtensor.dtypes import get_default_dtype
from microtensor.tensor import Tensor

cache_size_limit = 8
"""How many signatures one compiled function traces before it runs eagerly (``torch._dynamo.config``'s)."""

_EAGER = "eager"        # a cache entry: this signature graph-breaks, run it eagerly
_ALL: weakref.WeakSet[CompiledFunction] = weakref.WeakSet()

BACKENDS = ("inductor", "eager", "aot_eager")
MODES = (None, "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


class CompiledFunction:
    """A function (or module) compiled by ``microtensor.compile``: call it as the original.

    Attributes:
        code: the replay's Python source for the most recently traced signature ("" before the first call).
        plan: that signature's ``Plan`` (its steps; ``microtensor.viz.draw`` draws it), or None.
        breaks: why signatures run eagerly (the graph breaks met so far).
    """

    def __init__(self, fn: Callable[..., Any], fullgraph: bool, replay: bool) -> None:
        functools.update_wrapper(self, fn)
        self._fn = fn
        self._name: str = getattr(fn, "__name__", type(fn).__name__)
        self._fullgraph = fullgraph
        self._replay = replay
        self._cache: dict[tuple, Plan | str] = {}
        self._traces = 0
        self._warned: set[str] = set()
        self.code = ""
        self.plan: Plan | None = None
        self.breaks: list[str] = []
        _ALL.add(self)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        """As a method decorator: bind to the instance (the instance becomes part of the signature)."""
        return self if obj is None else functools.partial(self, obj)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        tensors: list[Tensor] = []
        key = _signature(args, kwargs, tensors)
        plan = self._cache.get(key)
        if plan is None or Capture.tracer is not None or AnomalyMode.enabled:
            return self._trace(args, kwargs, tensors, key)
        if plan is _EAGER:
            return self._fn(*args, **kwargs)
        assert isinstance(plan, Plan)
        mode = GradMode
        prev = mode.enabled, mode.grad
        mode.enabled = mode.grad = False
        try:
            return plan.run(*tensors)
        except GuardFailed:
            pass
        finally:
            mode.enabled, mode.grad = prev
        return self._trace(args, kwargs, tensors, key)

    def _trace(self, args: tuple, kwargs: dict, tensors: list[Tensor], key: tuple) -> Any:
        if Capture.tracer is not None or AnomalyMode.enabled or not self._replay:
            return self._fn(*args, **kwargs)      # inside another trace its ops are that trace's; anomaly: eager
        if self._traces >= cache_size_limit:
            self._cache[key] = _EAGER
            self._warn(f"{self._name}: hit the recompile limit ({cache_size_limit} traced signatures); "
                       "running eagerly from now on")
            return self._fn(*args, **kwargs)
        self._traces += 1
        tracer = Tracer(self._fullgraph)
        for t in tensors:
            tracer.add_input(t)
        Capture.tracer = tracer
        try:
            result = self._fn(*args, **kwargs)
            pending = _pending(result, tracer)
            split = _trace_backward(tracer, pending) if pending and tracer.broken is None else None
            returned = _source_of(result, tracer, pending)
        finally:
            Capture.tracer = None
        if tracer.broken is None:
            self._cache[key] = self.plan = Plan(tracer, len(tensors), returned, split)
            self.code = self.plan.code
        else:
            self._cache[key] = _EAGER
            self.breaks.append(tracer.broken)
            self._warn(f"{self._name}: graph break: cannot capture {tracer.broken}; this signature runs eagerly")
        return result

    def _warn(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            warnings.warn(f"microtensor.compile: {message}", stacklevel=4)

    def explain(self) -> str:
        """What was captured: per traced signature, its steps and guards, or why it runs eagerly; then the
        replay's source of the latest one."""
        lines = [f"{self._name}: {len(self._cache)} traced signature(s)"]
        for i, plan in enumerate(self._cache.values()):
            if isinstance(plan, Plan):
                lines.append(f"  [{i}] captured: {len(plan.steps)} steps, {len(plan.guards)} guards")
            else:
                lines.append(f"  [{i}] runs eagerly")
        lines += [f"  graph break: {reason}" for reason in self.breaks]
        if self.code:
            lines += ["", self.code]
        return "\n".join(lines)

    def reset(self) -> None:
        """Forget every traced signature (the next call traces again)."""
        self._cache.clear()
        self._traces = 0
        self.code = ""
        self.plan = None
        self.breaks = []


def compile(model: Callable[..., Any] | None = None, *, fullgraph: bool = False, dynamic: bool | None = None,
            backend: str | Callable[..., Any] = "inductor", mode: str | None = None,
            options: dict[str, Any] | None = None, disable: bool = False) -> Any:
    """Compile a function or a module: trace its first call, replay the recorded NumPy program afterwards.

    The first call with a given signature runs ``model`` eagerly while recording the array computations it
    performs: the forward, and when ``model`` calls ``backward()``, ``optimizer.step()`` and ``zero_grad()``
    itself, the whole training step. Later calls with the same signature whose guards hold replay the
    recording: the same NumPy kernels on the new inputs, parameters, gradients and optimizer state updated
    in place as eager would, with no graph built and no topological sort. Results are bitwise those of
    eager. What a recording cannot hold (``Tensor.item()``, ``bool(t)``, a random draw, a hook) makes that
    signature run eagerly (a graph break); ``fullgraph=True`` raises there instead, naming the line.

    Args:
        model: the function or ``nn.Module`` (also usable as ``@compile`` or ``@compile(...)``).
        fullgraph: raise ``GraphBreak`` instead of running eagerly where the call cannot be captured.
        dynamic: accepted for PyTorch's signature; plans are specialised to shapes either way (a new shape
            is traced again, up to ``cache_size_limit`` signatures).
        backend: ``"inductor"`` (default) and ``"aot_eager"`` replay; ``"eager"`` runs the function as is.
        mode: one of PyTorch's mode names; all replay the same plan.
        options: accepted for PyTorch's signature (no options apply).
        disable: return ``model`` itself, uncompiled.

    Returns:
        A ``CompiledFunction`` (for a module, the module's call compiled, with the module's attributes).
    """
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                 options=options, disable=disable)
    if not callable(model):
        raise RuntimeError(f"compile(): model must be a function or an nn.Module, got {type(model).__name__}")
    if mode not in MODES:
        raise RuntimeError(f"compile(): unrecognized mode={mode!r}, should be one of: "
                           f"{', '.join(m for m in MODES if m)}")
    if isinstance(backend, str) and backend not in BACKENDS:
        raise RuntimeError(f"compile(): invalid backend {backend!r}; microtensor's backends: {', '.join(BACKENDS)}")
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if disable:
        return model
    return CompiledFunction(model, fullgraph, replay=backend != "eager")


def reset() -> None:
    """Forget what every compiled function traced (``torch.compiler.reset``)."""
    for compiled in list(_ALL):
        compiled.reset()


def is_compiling() -> bool:
    """Whether the calling code runs inside a trace of ``microtensor.compile``."""
    return Capture.tracer is not None


def _signature(args: tuple, kwargs: dict, tensors: list[Tensor]) -> tuple:
    parts: list[Any] = [GradMode.enabled, get_default_dtype()]
    _walk(args, parts, tensors)
    if kwargs:
        parts.append(tuple(sorted(kwargs)))
        _walk(tuple(kwargs[k] for k in sorted(kwargs)), parts, tensors)
    return tuple(parts)


def _walk(value: Any, parts: list, tensors: list[Tensor]) -> None:
    if isinstance(value, Tensor):
        tensors.append(value)
        d = value._data
        parts.append((d.shape, d.dtype, value._requires_grad, value._grad_fn is None))
    elif type(value) in (tuple, list):
        parts.append((type(value), len(value)))
        for v in value:
            _walk(v, parts, tensors)
    elif type(value) is dict:
        parts.append(tuple(value))
        for v in value.values():
            _walk(v, parts, tensors)
    elif is_literal(value):
        parts.append((type(value), value))
    else:
        parts.append(id(value))


def _tensors_in(result: Any) -> list[Tensor]:
    if isinstance(result, Tensor):
        return [result]
    if type(result) in (tuple, list):
        return [t for v in result for t in _tensors_in(v)]
    if type(result) is dict:
        return [t for v in result.values() for t in _tensors_in(v)]
    return []


def _pending(result: Any, tracer: Tracer) -> list[Tensor]:
    """The returned tensors whose backward is still to run: the caller will differentiate them."""
    pending: list[Tensor] = []
    for t in _tensors_in(result):
        if t._grad_fn is not None and not tracer.ran_backward(t._grad_fn) and not any(t is p for p in pending):
            pending.append(t)
    return pending


def _trace_backward(tracer: Tracer, pending: list[Tensor]) -> BackwardSplit:
    """Record, after the forward, the backward from the returned tensors to the parameters and arguments
    (placeholder gradients ``g0, ...``; the graph is retained for the caller's own backward)."""
    start = len(tracer.steps)
    placeholders = []
    for i, t in enumerate(pending):
        placeholders.append(Tensor._make(np.ones_like(t._data)))
        tracer.name_gradient_input(placeholders[-1]._data, i)
    wrt = tracer.differentiable_leaves()
    grads = run_backward(pending, placeholders, retain_graph=True, create_graph=False, capture=wrt)
    return BackwardSplit(start, wrt, [tracer.output(g._data) if g is not None else "None" for g in grads],
                         len(pending), [tracer.output(t._data) for t in pending])


def _source_of(result: Any, tracer: Tracer, pending: list[Tensor]) -> str:
    """The replay's source for the call's result: a tensor whose backward the caller runs is output ``i`` of
    the node that runs the recorded backward (``attached[i]``)."""
    if isinstance(result, Tensor):
        for i, t in enumerate(pending):
            if t is result:
                return f"attached[{i}]"
        return tracer.output(result)
    if type(result) in (tuple, list):
        items = [_source_of(v, tracer, pending) for v in result]
        if type(result) is list:
            return "[" + ", ".join(items) + "]"
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if type(result) is dict:
        return "{" + ", ".join(f"{tracer.output(k)}: {_source_of(v, tracer, pending)}" for k, v in result.items()) + "}"
    return tracer.output(result)

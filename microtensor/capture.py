"""The seam where ``microtensor.compile`` records a step: every array computation passes one of these points.

Normally ``Capture.tracer`` is None and each point costs one attribute test. While ``microtensor.compile``
traces a call, the tracer (``microtensor/compiler/tracer.py``) sees:

- each Function's array forward (``Function.apply`` hands it to ``Tracer.forward``);
- each node's backward, run by the engine (``Tracer.backward``);
- the few array computations made outside a Function (the engine's gradient sums, root gradients and
  in-place ufunc writes) through ``record``;
- the methods replayed as a whole, marked ``@replayed_whole`` (``Optimizer.step``, ``zero_grad``, a
  scheduler's ``step``) or asking ``Tracer.whole`` themselves (``AccumulateGrad.accumulate``);
- whatever a recording cannot hold (``Tensor.item()``, ``bool(t)``, a random draw, a hook) through
  ``graph_break``.

This module imports nothing from microtensor, so every layer can reach it.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Capture:
    """Holds the active tracer of ``microtensor.compile`` (None when nothing is traced)."""

    tracer: Any = None


def record(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, an array computation made outside a Function's forward; recorded while
    ``microtensor.compile`` traces, so that its replay computes it too."""
    tracer = Capture.tracer
    if tracer is None:
        return fn(*args, **kwargs)
    return tracer.call(fn, args, kwargs)


def graph_break(what: str) -> None:
    """Tell a tracing ``microtensor.compile`` that ``what`` cannot be recorded (a value leaves the arrays for
    Python, a random draw, a hook): the call falls back to eager, or raises under ``fullgraph=True``."""
    tracer = Capture.tracer
    if tracer is not None:
        tracer.graph_break(what)


def replayed_whole(method: F) -> F:
    """Mark a method that ``microtensor.compile`` replays as one step, calling it again on the same object,
    instead of recording the array computations inside it (an optimizer's step works on live state)."""
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = Capture.tracer
        if tracer is None:
            return method(self, *args, **kwargs)
        return tracer.whole(method, self, args, kwargs)
    return wrapper  # type: ignore[return-value]

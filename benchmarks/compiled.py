"""A workload's step in every engine, compiled ones included, and the rows that check and time the compiled ones.

A workload builds a ``Steps``: microtensor's step eager and under ``microtensor.compile`` (on a second,
identical copy of its state), PyTorch's eager and under ``torch.compile`` (sharing PyTorch's state), and the
NumPy floor. ``measure`` times them in one interleaved run and adds three rows: whether the compiled copy's
state is bitwise that of the eager copy after the same number of steps, the compiled step's graph breaks,
and the first call of each compiled engine (tracing; PyTorch's compiling) against one eager step.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.harness import ENGINES, Row, scaled, time_engines, torch
from microtensor.compiler import CompiledFunction


@dataclass
class Steps:
    """One fresh copy of a workload's step in each engine (None: the engine does not run it).

    ``compiled`` calls ``compiled_fn`` (whose ``breaks`` are reported); ``state()`` returns the arrays the eager
    and the compiled copies must agree on bitwise after the same number of calls (parameters, or a gradient).
    """

    microtensor: Callable[[], Any]
    compiled: Callable[[], Any]
    compiled_fn: CompiledFunction
    state: Callable[[], tuple[list[np.ndarray], list[np.ndarray]]]
    torch: Callable[[], Any] | None = None
    torch_compiled: Callable[[], Any] | None = None
    numpy: Callable[[], Any] | None = None


def torch_compiled(fn: Callable[..., Any], enabled: bool) -> Callable[..., Any] | None:
    """``torch.compile(fn)``, or None without PyTorch or when not ``enabled`` (compiling takes PyTorch
    seconds to a minute per workload, so only the full run asks for it)."""
    if torch is None or not enabled:
        return None
    return torch.compile(fn)


def _first_call_seconds(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _mt_only(workload: str, metric: str, engine: str, value: float, **kw: Any) -> Row:
    values = dict.fromkeys(ENGINES)
    values[engine] = value
    return Row(workload, metric, "", values, **kw)


def measure(name: str, steps: Steps, repeats: int, warmup: int, settle: int = 5) -> tuple[dict[str, float | None],
                                                                                            list[Row]]:
    """Median seconds of each engine's step (``time_engines``), timed after each compiled engine's first call,
    and the rows checking the compiled step: its state bitwise equal to eager's, no graph breaks, and its
    first call at most three eager steps (torch.compile's first call beside it)."""
    compiled_first = _first_call_seconds(steps.compiled)
    steps.microtensor()                                  # the eager copy takes as many steps as the compiled one
    torch_first, torch_compiled_fn = None, steps.torch_compiled
    if torch_compiled_fn is not None:
        try:
            torch_first = _first_call_seconds(torch_compiled_fn)
        except Exception as e:     # torch.compile needs a C++ compiler; without one its column stays empty
            print(f"  {name}: torch.compile failed here ({type(e).__name__}: {e})", file=sys.stderr)
            torch_compiled_fn = None
    times = time_engines(steps.microtensor, steps.torch, steps.numpy, repeats, warmup, settle,
                         compiled_fn=steps.compiled, torch_compiled_fn=torch_compiled_fn)
    eager, compiled = steps.state()
    differing = sum(not np.array_equal(a, b) for a, b in zip(eager, compiled, strict=True))
    breaks = steps.compiled_fn.breaks
    for reason in breaks:
        print(f"  {name}: graph break: {reason}", file=sys.stderr)
    first = dict(times, **{"mt-compiled": compiled_first, "torch-compile": torch_first, "numpy-floor": None})
    return times, [
        _mt_only(name, f"compiled state differing from eager (of {len(eager)} arrays)", "mt-compiled", differing,
                 limit=0, limit_engine="mt-compiled", target_text="0 (bitwise equal)"),
        _mt_only(name, "compiled graph breaks", "mt-compiled", len(breaks), limit=0, limit_engine="mt-compiled",
                 target_text="0"),
        Row(name, "first call (compile) vs eager step", "ms", scaled(first, 1e3), compiled_targets={"microtensor": 3},
            target_text="compiled <= 3x eager step"),
    ]


def first_losses(steps: Steps) -> dict[str, list[float] | None]:
    """The losses of the first two steps of each eager engine and of microtensor's compiled one (the first traced,
    the second replayed), for ``harness.loss_rows``."""
    runs = {"microtensor": steps.microtensor, "mt-compiled": steps.compiled, "torch-default": steps.torch,
            "numpy-floor": steps.numpy}
    return {engine: None if fn is None else [float(fn().item()) for _ in range(2)] for engine, fn in runs.items()}

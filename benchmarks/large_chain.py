"""A large elementwise chain: ``x = x * c + d`` on a 10^6-element float32 tensor, forward + backward.

Only x requires grad; c and d are constant tensors (or Python numbers). Each ``mul`` needs c for x's
gradient and nothing of x, each ``add`` nothing at all, so the graph keeps no intermediate alive: time and
memory are the arithmetic's own, as in PyTorch. Time: the whole chain's forward + backward. Memory: the peak
of the bytes allocated during one forward + backward and not yet freed, as each library's allocator reports
them: tracemalloc for NumPy (microtensor and the floor), the profiler's memory events for PyTorch. The
process's resident size would not compare them: memory freed earlier (by imports, by other runs) stays
resident and is reused, so a chain can run without the resident size growing at all.
"""
from __future__ import annotations

import gc
import itertools
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

import microtensor as mt
from benchmarks.compiled import Steps, measure
from benchmarks.harness import ENGINES, Row, Workload, torch, torch_threads_restored

MB = 1 / 2**20
C, D = 0.999, 1e-3


def chain(x: Any, c: Any, d: Any, n_ops: int) -> Any:
    """``n_ops`` ops: ``x = x * c + d``, n_ops / 2 times."""
    for _ in range(n_ops // 2):
        x = x * c + d
    return x


def numpy_chain(x: np.ndarray, c: Any, d: Any, grad: np.ndarray, n_ops: int) -> np.ndarray:
    """The floor: the forward keeps nothing; the backward multiplies the gradient by c once per mul."""
    chain(x, c, d, n_ops)
    for _ in range(n_ops // 2):
        grad = grad * c
    return grad


def _constants(size: int, numbers: bool) -> tuple[Any, Any]:
    return (C, D) if numbers else (np.full(size, C, np.float32), np.full(size, D, np.float32))


def engine_step(engine: str, size: int, n_ops: int, numbers: bool) -> Callable[[], Any]:
    """One forward + backward of ``engine`` ("microtensor", "torch" or "numpy"), returning x's gradient."""
    start = np.random.default_rng(0).standard_normal(size).astype(np.float32)
    ones = np.ones(size, np.float32)
    c, d = _constants(size, numbers)
    if engine == "numpy":
        return lambda: numpy_chain(start, c, d, ones, n_ops)
    lib: Any = mt if engine == "microtensor" else torch
    x, g = lib.tensor(start, requires_grad=True), lib.tensor(ones)
    if not numbers:
        c, d = lib.tensor(c), lib.tensor(d)

    def step() -> Any:
        x.grad = None
        chain(x, c, d, n_ops).backward(g)
        return x.grad
    return step


def chain_step(x: Any, c: Any, d: Any, g: Any, n_ops: int) -> Any:
    """One forward + backward of the chain from ``x`` (its gradient reset first); returns x's gradient."""
    x.grad = None
    chain(x, c, d, n_ops).backward(g)
    return x.grad


def microtensor_steps(size: int, n_ops: int, numbers: bool) -> Steps:
    """microtensor's step eager and under ``microtensor.compile``, each on its own copy of x."""
    start = np.random.default_rng(0).standard_normal(size).astype(np.float32)
    c, d = _constants(size, numbers)
    if not numbers:
        c, d = mt.tensor(c), mt.tensor(d)
    xs, g = [mt.tensor(start, requires_grad=True) for _ in range(2)], mt.ones(size)
    compiled = mt.compile(chain_step)
    return Steps(microtensor=lambda: chain_step(xs[0], c, d, g, n_ops),
                 compiled=lambda: compiled(xs[1], c, d, g, n_ops), compiled_fn=compiled,
                 state=lambda: ([xs[0].grad.numpy()], [xs[1].grad.numpy()]))


def traced_peak(step: Callable[[], Any]) -> float:
    """tracemalloc's peak during one call of ``step``, over what was traced before it (MB): NumPy reports
    every buffer it allocates to tracemalloc, so this is microtensor's (and the floor's) exact peak."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        step()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (peak - base) * MB


def torch_peak(step: Callable[[], Any]) -> float | None:
    """PyTorch's peak during one call of ``step`` (MB): its CPU allocator reports each allocation and free to
    the profiler (``profile_memory=True``); their running sum, in time order, peaks at the same quantity
    tracemalloc gives for NumPy. None without PyTorch."""
    if torch is None:
        return None
    from torch.profiler import ProfilerActivity, profile
    gc.collect()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    events = sorted((e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"),
                    key=lambda e: e.start_ns())
    return max(itertools.accumulate((e.nbytes() for e in events), initial=0)) * MB


def run(size: int, time_ops: int, memory_ops: int, repeats: int, warmup: int) -> list[Row]:
    """Time the ``time_ops`` chain (median of ``repeats``), with tensor and with number constants, and take the
    peak memory of the ``memory_ops`` chain in each engine."""
    if time_ops % 2 or memory_ops % 2:
        raise ValueError(f"chain lengths must be even (two ops per step), got {time_ops} and {memory_ops}")
    rows = []
    for numbers in (False, True):
        what = "number" if numbers else "tensor"
        name = f"{time_ops}-op x*c+d chain, {size:,} elements, {what} c, d"
        steps = microtensor_steps(size, time_ops, numbers)
        steps.torch = engine_step("torch", size, time_ops, numbers) if torch is not None else None
        steps.numpy = engine_step("numpy", size, time_ops, numbers)
        np.testing.assert_allclose(steps.microtensor().numpy(), steps.numpy(), rtol=1e-4,
                                   err_msg="large chain: gradient")
        times, checks = measure(name, steps, repeats, warmup, settle=1)
        rows.append(Row(name, "forward+backward", "s", times, targets={"torch": 1.2},
                        target_text="<= 1.2x torch"))
        rows += checks
        name = f"{memory_ops}-op x*c+d chain, {size:,} elements, {what} c, d"
        peaks: dict[str, float | None] = dict.fromkeys(ENGINES)
        peaks["microtensor"] = traced_peak(engine_step("microtensor", size, memory_ops, numbers))
        peaks["numpy-floor"] = traced_peak(engine_step("numpy", size, memory_ops, numbers))
        if torch is not None:
            with torch_threads_restored():
                torch.set_num_threads(1)
                peaks["torch-1thread"] = torch_peak(engine_step("torch", size, memory_ops, numbers))
        rows.append(Row(name, "peak memory of forward+backward", "MB", peaks, targets={"torch-1thread": 1.2},
                        target_text="<= 1.2x torch"))
    return rows


WORKLOAD = Workload(
    name="large_chain",
    description=__doc__.splitlines()[0],
    run=run,
    full=dict(size=10**6, time_ops=200, memory_ops=100, repeats=7, warmup=1),
    quick=dict(size=10**6, time_ops=200, memory_ops=100, repeats=3, warmup=1),
    tiny=dict(size=10**4, time_ops=20, memory_ops=10, repeats=1, warmup=0),
)

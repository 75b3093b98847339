"""Long chains: forward + backward through a 100,000-node and a 1,000,000-node graph, and the memory they leave.

Each step is ``x = x * 0.9999 + 0.0001`` (two nodes) on a (16,) float32 tensor. The
shorter chain also runs under ``microtensor.compile`` (its first call traces all its nodes). The
long chain must complete (the engine never recurses) and, once its output is deleted,
hand back its memory: measured as this process's RSS around the long chain and with
tracemalloc (which counts Python objects and NumPy buffers exactly, but slows a run
about threefold) around a shorter one.
"""
from __future__ import annotations

import gc
import time
import tracemalloc
from typing import Any

import numpy as np

import microtensor as mt
from benchmarks.compiled import Steps, measure
from benchmarks.harness import ENGINES, Row, Workload, rss_bytes, time_engines, torch

MB = 1 / 2**20


def _chain(x, n_nodes: int):
    for _ in range(n_nodes // 2):
        x = x * 0.9999 + 0.0001
    return x


def _numpy_chain(x: np.ndarray, grad: np.ndarray, n_nodes: int) -> np.ndarray:
    for _ in range(n_nodes // 2):
        x = x * 0.9999 + 0.0001
    for _ in range(n_nodes // 2):
        grad = grad * 0.9999        # mul; the add passes the gradient through
    return grad


def _step(x, g, n_nodes: int):
    """Forward and backward through the chain from the leaf ``x``; returns ``x.grad``."""
    x.grad = None
    _chain(x, n_nodes).backward(g)
    return x.grad


def _engines(n_nodes: int, size: int) -> Steps:
    """The chain's forward + backward in each engine (torch's None without PyTorch)."""
    start = np.random.default_rng(0).standard_normal(size).astype(np.float32)
    ones = np.ones(size, dtype=np.float32)
    xs_mt, g_mt = [mt.tensor(start, requires_grad=True) for _ in range(2)], mt.tensor(ones)
    compiled = mt.compile(_step)
    steps = Steps(microtensor=lambda: _step(xs_mt[0], g_mt, n_nodes),
                  compiled=lambda: compiled(xs_mt[1], g_mt, n_nodes), compiled_fn=compiled,
                  state=lambda: tuple([x.grad.numpy()] for x in xs_mt),
                  numpy=lambda: _numpy_chain(start, ones, n_nodes))
    if torch is not None:
        x_t, g_t = torch.tensor(start, requires_grad=True), torch.tensor(ones)
        steps.torch = lambda: _step(x_t, g_t, n_nodes)
    return steps


def _rss_run(n_nodes: int, size: int) -> tuple[float, list[int | None]]:
    """One microtensor forward + backward: its seconds, and the RSS before, after forward,
    after backward (output alive) and after deleting the output."""
    x, g = mt.tensor(np.zeros(size, dtype=np.float32), requires_grad=True), mt.ones(size)
    gc.collect()
    rss = [rss_bytes()]
    start = time.perf_counter()
    y = _chain(x, n_nodes)
    rss.append(rss_bytes())
    y.backward(g)
    rss.append(rss_bytes())
    del y
    seconds = time.perf_counter() - start      # deleting the graph included, as in the other engines' runs
    gc.collect()
    rss.append(rss_bytes())
    return seconds, rss


def _traced_run(n_nodes: int, size: int) -> list[int]:
    """tracemalloc's count, relative to before, after forward, after backward and after deleting the output."""
    x, g = mt.tensor(np.zeros(size, dtype=np.float32), requires_grad=True), mt.ones(size)
    gc.collect()
    tracemalloc.start()
    try:
        traced = [tracemalloc.get_traced_memory()[0]]
        y = _chain(x, n_nodes)
        traced.append(tracemalloc.get_traced_memory()[0])
        y.backward(g)
        traced.append(tracemalloc.get_traced_memory()[0])
        del y
        gc.collect()
        traced.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    return [t - traced[0] for t in traced[1:]]


def _mt_only(workload: str, metric: str, value: float, **kw: Any) -> Row:
    values = dict.fromkeys(ENGINES)
    values["microtensor"] = value
    return Row(workload, metric, "MB", values, **kw)


def run(n_nodes: int, long_nodes: int, traced_nodes: int, repeats: int, warmup: int, size: int = 16) -> list[Row]:
    """Time the ``n_nodes`` chain (median of ``repeats``) and the ``long_nodes`` chain (once, with the RSS
    around microtensor's run); tracemalloc's count around a ``traced_nodes`` chain (tracing is slow)."""
    if n_nodes % 2 or long_nodes % 2 or traced_nodes % 2:
        raise ValueError(f"chain lengths must be even (two nodes per step), got {n_nodes}, {long_nodes} "
                         f"and {traced_nodes}")
    long_seconds, rss = _rss_run(long_nodes, size)    # first, so that "before" is not after other big runs
    traced = _traced_run(traced_nodes, size)

    steps = _engines(n_nodes, size)
    np.testing.assert_allclose(steps.microtensor().numpy(), steps.numpy(), rtol=1e-4,
                               err_msg="chain: microtensor's gradient")
    times, checks = measure(f"{n_nodes:,}-node chain", steps, repeats, warmup, settle=0)
    rows = [Row(f"{n_nodes:,}-node chain", "forward+backward", "s", times), *checks]

    long_name = f"{long_nodes:,}-node chain"
    long_steps = _engines(long_nodes, size)
    long_times = time_engines(None, long_steps.torch, long_steps.numpy, repeats=1, warmup=0, settle=0)
    long_times["microtensor"] = long_seconds
    rows.append(Row(long_name, "forward+backward (completes)", "s", long_times, target_text="completes"))
    if rss[0] is not None:
        rows += [_mt_only(long_name, "RSS before", rss[0] * MB),
                 _mt_only(long_name, "RSS after forward", rss[1] * MB),
                 _mt_only(long_name, "RSS after backward (output alive)", rss[2] * MB),
                 _mt_only(long_name, "RSS after deleting the output", rss[3] * MB, limit=1.1 * rss[0] * MB,
                          target_text="<= 1.1x RSS before")]
    traced_name = f"{traced_nodes:,}-node chain"
    rows += [_mt_only(traced_name, "traced growth after forward", traced[0] * MB),
             _mt_only(traced_name, "traced growth after backward (output alive)", traced[1] * MB),
             _mt_only(traced_name, "traced growth after deleting the output", traced[2] * MB,
                      limit=0.1 * traced[0] * MB, target_text="<= 10% of forward's")]
    return rows


WORKLOAD = Workload(
    name="chain",
    description=__doc__.splitlines()[0],
    run=run,
    full=dict(n_nodes=100_000, long_nodes=1_000_000, traced_nodes=100_000, repeats=3, warmup=1),
    quick=dict(n_nodes=100_000, long_nodes=200_000, traced_nodes=20_000, repeats=1, warmup=0),
    tiny=dict(n_nodes=100, long_nodes=1000, traced_nodes=100, repeats=1, warmup=0),
)

"""Per-op overhead: a chain of elementwise ops (mul, add, tanh, sin, repeated) on a (16,) float32 tensor.

At this size the arithmetic is nothing; what is timed is the cost of recording one op
and of running its backward. Reported in microseconds per op.
"""
from __future__ import annotations

import numpy as np

import microtensor as mt
from benchmarks.compiled import Steps, measure, torch_compiled
from benchmarks.harness import Row, Workload, scaled, time_engines, torch

OPS_PER_BLOCK = 4   # x = (x * 0.9 + 0.1).tanh().sin()


def _chain(x, n_ops: int):
    for _ in range(n_ops // OPS_PER_BLOCK):
        x = (x * 0.9 + 0.1).tanh().sin()
    return x


def _numpy_forward(x: np.ndarray, n_ops: int) -> tuple[np.ndarray, list[np.ndarray]]:
    saved = []
    for _ in range(n_ops // OPS_PER_BLOCK):
        t = np.tanh(x * 0.9 + 0.1)
        saved.append(t)
        x = np.sin(t)
    return x, saved


def _numpy_backward(grad: np.ndarray, saved: list[np.ndarray]) -> np.ndarray:
    for t in reversed(saved):
        grad = grad * np.cos(t)         # sin
        grad = grad * (1.0 - t * t)     # tanh; the add passes the gradient through
        grad = grad * 0.9               # mul
    return grad


def _step(x, g, n_ops: int):
    """Forward and backward through the chain from the leaf ``x``; returns ``x.grad``."""
    x.grad = None
    _chain(x, n_ops).backward(g)
    return x.grad


def run(n_ops: int, repeats: int, warmup: int, torch_compile: bool, size: int = 16) -> list[Row]:
    """Time the chain forward only and forward + backward in each engine (torch.compile's only when
    ``torch_compile``); microseconds per op."""
    if n_ops % OPS_PER_BLOCK:
        raise ValueError(f"n_ops must be a multiple of {OPS_PER_BLOCK}, got {n_ops}")
    start = np.random.default_rng(0).standard_normal(size).astype(np.float32)
    ones = np.ones(size, dtype=np.float32)
    xs_mt = [mt.tensor(start, requires_grad=True) for _ in range(2)]
    g_mt = mt.tensor(ones)
    compiled = mt.compile(_step)
    steps = Steps(microtensor=lambda: _step(xs_mt[0], g_mt, n_ops), compiled=lambda: compiled(xs_mt[1], g_mt, n_ops),
                  compiled_fn=compiled, state=lambda: tuple([x.grad.numpy()] for x in xs_mt),
                  numpy=lambda: _numpy_backward(ones, _numpy_forward(start, n_ops)[1]))
    torch_forward = None
    if torch is not None:
        x_t, g_t = torch.tensor(start, requires_grad=True), torch.tensor(ones)
        steps.torch = lambda: _step(x_t, g_t, n_ops)
        torch_step = torch_compiled(_step, torch_compile)
        if torch_step is not None:
            steps.torch_compiled = lambda: torch_step(x_t, g_t, n_ops)

        def torch_forward():
            return _chain(x_t, n_ops)

    expected = steps.numpy()
    for name, fn in (("microtensor", steps.microtensor), ("torch", steps.torch)):
        if fn is not None:
            np.testing.assert_allclose(np.asarray(fn().detach().numpy()), expected, rtol=1e-4, atol=1e-6,
                                       err_msg=f"per-op chain: {name}'s gradient differs from the NumPy floor's")

    per_op = 1e6 / n_ops
    name = f"chain of {n_ops} ops, ({size},) f32"
    times, checks = measure(name, steps, repeats, warmup)
    return [
        Row(name, "forward+backward per op", "us", scaled(times, per_op), targets={"torch": 2.0},
            compiled_targets={"torch": 0.5}, target_text="<= 2x torch; compiled <= 0.5x torch"),
        Row(name, "forward only per op", "us",
            scaled(time_engines(lambda: _chain(xs_mt[0], n_ops), torch_forward,
                                lambda: _numpy_forward(start, n_ops), repeats, warmup), per_op)),
    ] + checks


WORKLOAD = Workload(
    name="per_op",
    description=__doc__.splitlines()[0],
    run=run,
    full=dict(n_ops=1000, repeats=20, warmup=3, torch_compile=True),     # torch.compile: ~50 s to compile
    quick=dict(n_ops=1000, repeats=5, warmup=1, torch_compile=False),
    tiny=dict(n_ops=8, repeats=1, warmup=0, torch_compile=False),
)

"""Per-op overhead: a chain of elementwise ops (mul, add, tanh, sin, repeated) on a (16,) float32 tensor.

At this size the arithmetic is nothing; what is timed is the cost of recording one op
and of running its backward. Reported in microseconds per op.
"""
from __future__ import annotations

import numpy as np

import microtensor as mt
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


def run(n_ops: int, repeats: int, warmup: int, size: int = 16) -> list[Row]:
    """Time the chain forward only and forward + backward in each engine; microseconds per op."""
    if n_ops % OPS_PER_BLOCK:
        raise ValueError(f"n_ops must be a multiple of {OPS_PER_BLOCK}, got {n_ops}")
    start = np.random.default_rng(0).standard_normal(size).astype(np.float32)
    ones = np.ones(size, dtype=np.float32)

    x_mt = mt.tensor(start, requires_grad=True)
    g_mt = mt.tensor(ones)

    def mt_forward():
        return _chain(x_mt, n_ops)

    def mt_step():
        x_mt.grad = None
        _chain(x_mt, n_ops).backward(g_mt)
        return x_mt.grad

    torch_forward = torch_step = None
    if torch is not None:
        x_t = torch.tensor(start, requires_grad=True)
        g_t = torch.tensor(ones)

        def torch_forward():
            return _chain(x_t, n_ops)

        def torch_step():
            x_t.grad = None
            _chain(x_t, n_ops).backward(g_t)
            return x_t.grad

    def numpy_forward():
        return _numpy_forward(start, n_ops)

    def numpy_step():
        _, saved = _numpy_forward(start, n_ops)
        return _numpy_backward(ones, saved)

    expected = numpy_step()
    for name, grad in (("microtensor", mt_step()), ("torch", torch_step() if torch_step else None)):
        if grad is not None:
            np.testing.assert_allclose(np.asarray(grad.detach().numpy()), expected, rtol=1e-4, atol=1e-6,
                                       err_msg=f"per-op chain: {name}'s gradient differs from the NumPy floor's")

    per_op = 1e6 / n_ops
    name = f"chain of {n_ops} ops, ({size},) f32"
    return [
        Row(name, "forward+backward per op", "us",
            scaled(time_engines(mt_step, torch_step, numpy_step, repeats, warmup), per_op),
            targets={"torch": 2.0}, target_text="<= 2x torch"),
        Row(name, "forward only per op", "us",
            scaled(time_engines(mt_forward, torch_forward, numpy_forward, repeats, warmup), per_op)),
    ]


WORKLOAD = Workload(
    name="per_op",
    description=__doc__.splitlines()[0],
    run=run,
    full=dict(n_ops=1000, repeats=20, warmup=3),
    quick=dict(n_ops=1000, repeats=5, warmup=1),
    tiny=dict(n_ops=8, repeats=1, warmup=0),
)

"""One Adam ``step()`` over the parameters of an MLP 784-256-256-10 (float32, gradients already in place).

The gradients are fixed random arrays set once, so only the optimizer's update is timed:
microtensor's ``optim.Adam``, PyTorch's with ``foreach=True`` (one multi-tensor kernel per
operation over all parameters) and with ``foreach=False`` (a loop over the parameters), and a
hand-written NumPy Adam with preallocated scratch buffers as the floor. A check row compares the
parameters after three steps in every engine.
"""
from __future__ import annotations

import numpy as np

import microtensor as mt
from benchmarks.compiled import Steps, measure
from benchmarks.harness import Row, Workload, scaled, torch
from benchmarks.mlp import init_params
from microtensor import optim

LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8


class NumpyAdam:
    """Adam by hand on NumPy arrays: in-place moment updates, one scratch buffer per parameter."""

    def __init__(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        self.params, self.grads = params, grads
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.scratch = [np.empty_like(p) for p in params]
        self.t = 0

    def step(self) -> None:
        self.t += 1
        beta1, beta2 = BETAS
        step_size = LR / (1 - beta1 ** self.t)
        bias_correction2_sqrt = (1 - beta2 ** self.t) ** 0.5
        for p, g, m, v, tmp in zip(self.params, self.grads, self.m, self.v, self.scratch):
            np.multiply(g, 1 - beta1, out=tmp)
            m *= beta1
            m += tmp
            np.multiply(g, g, out=tmp)
            tmp *= 1 - beta2
            v *= beta2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp *= 1 / bias_correction2_sqrt
            tmp += EPS
            np.divide(m, tmp, out=tmp)
            tmp *= -step_size
            p += tmp


def run(sizes: tuple[int, ...], repeats: int, warmup: int) -> list[Row]:
    """Time one Adam step in each engine (median of ``repeats`` after ``warmup``), once against PyTorch's
    foreach implementation and once against its per-parameter loop; microseconds per step."""
    start = init_params(sizes)
    rng = np.random.default_rng(2)
    grads = [rng.standard_normal(p.shape).astype(np.float32) * 0.01 for p in start]

    def engines(foreach: bool) -> tuple[Steps, list]:
        """The engines' Adam steps, and the parameters of microtensor eager, PyTorch and the floor."""
        p_mt = [[mt.tensor(p, requires_grad=True) for p in start] for _ in range(2)]
        for copy in p_mt:
            for p, g in zip(copy, grads):
                p.grad = mt.tensor(g)
        opts = [optim.Adam(copy, lr=LR, betas=BETAS, eps=EPS) for copy in p_mt]
        compiled = mt.compile(opts[1].step)
        p_np = [p.copy() for p in start]
        steps = Steps(microtensor=opts[0].step, compiled=compiled, compiled_fn=compiled,
                      state=lambda: tuple([p.detach().numpy() for p in copy] for copy in p_mt),
                      numpy=NumpyAdam(p_np, grads).step)
        p_t = None
        if torch is not None:
            p_t = [torch.tensor(p, requires_grad=True) for p in start]
            for p, g in zip(p_t, grads):
                p.grad = torch.tensor(g)
            steps.torch = torch.optim.Adam(p_t, lr=LR, betas=BETAS, eps=EPS, foreach=foreach).step
        return steps, [p_mt[0], p_t, p_np]

    name = f"Adam over MLP {'-'.join(map(str, sizes))}"
    steps, params = engines(foreach=True)
    for fn in (steps.microtensor, steps.torch, steps.numpy):
        if fn is not None:
            for _ in range(3):
                fn()
    checks = [None if ps is None else float(sum(np.abs(np.asarray(p.detach() if hasattr(p, "detach") else p,
                                                                   dtype=np.float64)).sum() for p in ps))
              for ps in params]
    values = dict(zip(("microtensor", "torch-default", "numpy-floor"), checks))
    rows = [Row(name, "sum |params| after 3 steps", "", values, digits=7, agree=1e-5,
                target_text="all equal (1e-5)")]
    for foreach in (True, False):
        times, compiled_checks = measure(name, engines(foreach)[0], repeats, warmup)
        rows.append(Row(name, f"step(), vs torch foreach={foreach}", "us", scaled(times, 1e6),
                        targets={"numpy-floor": 1.5}, target_text="<= 1.5x np"))
    return rows + compiled_checks


WORKLOAD = Workload(
    name="adam_step",
    description=__doc__.splitlines()[0],
    run=run,
    full=dict(sizes=(784, 256, 256, 10), repeats=200, warmup=20),
    quick=dict(sizes=(784, 256, 256, 10), repeats=50, warmup=5),
    tiny=dict(sizes=(12, 8, 8, 10), repeats=1, warmup=0),
)

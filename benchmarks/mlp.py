"""One training step of an MLP 784-256-256-10 (ReLU, batch 128, float32): forward, cross-entropy, backward, SGD.

The cross-entropy is written out (log_softmax, the targets' log-probabilities picked
with gather, mean) and the update by hand (``p -= lr * p.grad`` under no_grad, then
the gradient set to None), the same code running on microtensor and on PyTorch. The
NumPy floor is the same math written by hand: the fused softmax-minus-one-hot
gradient, in-place ReLU, bias and update.
"""
from __future__ import annotations

import numpy as np

import microtensor as mt
from benchmarks.harness import Row, Workload, scaled, time_engines, torch

LR = 0.01


def init_params(sizes: tuple[int, ...], seed: int = 0) -> list[np.ndarray]:
    """Weights (in, out) and biases drawn as PyTorch's Linear draws them: U(-1/sqrt(in), 1/sqrt(in))."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(n_in)
        params.append(rng.uniform(-bound, bound, (n_in, n_out)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, n_out).astype(np.float32))
    return params


def tensor_step(lib, x, targets, params: list):
    """One SGD step written against the PyTorch API; ``lib`` is microtensor or torch. Returns the loss."""
    h = x
    for i in range(0, len(params) - 2, 2):
        h = (h @ params[i] + params[i + 1]).relu()
    logp = (h @ params[-2] + params[-1]).log_softmax(1)
    loss = -logp.gather(1, targets).mean()
    loss.backward()
    with lib.no_grad():
        for p in params:
            p -= LR * p.grad
            p.grad = None
    return loss


def numpy_step(x: np.ndarray, labels: np.ndarray, params: list[np.ndarray]) -> np.float32:
    """The same step by hand in NumPy, updating ``params`` in place. Returns the loss."""
    rows = np.arange(len(x))
    acts = [x]
    for i in range(0, len(params) - 2, 2):
        h = acts[-1] @ params[i]
        h += params[i + 1]
        np.maximum(h, 0, out=h)
        acts.append(h)
    z = acts[-1] @ params[-2]
    z += params[-1]
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    total = e.sum(axis=1, keepdims=True)
    loss = np.log(total[:, 0]).mean() - z[rows, labels].mean()
    e /= total                                   # softmax; d loss / d z = (softmax - one_hot) / batch
    e[rows, labels] -= 1
    e *= 1 / len(x)
    grad = e
    for i in range(len(params) - 2, -1, -2):
        a = acts[i // 2]
        g_w = a.T @ grad
        g_b = grad.sum(axis=0)
        if i:
            grad = grad @ params[i].T
            grad *= a > 0                        # the ReLU that made `a`
        g_w *= LR
        params[i] -= g_w
        g_b *= LR
        params[i + 1] -= g_b
    return loss


def run(sizes: tuple[int, ...], batch: int, repeats: int, warmup: int) -> list[Row]:
    """Time one step in each engine (median of ``repeats`` after ``warmup``); also the losses of two steps."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    labels = rng.integers(0, sizes[-1], batch)
    start = init_params(sizes)

    def engines() -> tuple:
        x_mt, t_mt = mt.tensor(x), mt.tensor(labels[:, None])
        p_mt = [mt.tensor(p, requires_grad=True) for p in start]
        fns = [lambda: tensor_step(mt, x_mt, t_mt, p_mt), None]
        if torch is not None:
            x_t, t_t = torch.from_numpy(x), torch.from_numpy(labels[:, None])
            p_t = [torch.tensor(p, requires_grad=True) for p in start]
            fns[1] = lambda: tensor_step(torch, x_t, t_t, p_t)
        p_np = [p.copy() for p in start]
        fns.append(lambda: numpy_step(x, labels, p_np))
        return fns

    losses = []
    for fn in engines():
        losses.append(None if fn is None else [fn().item() for _ in range(2)])
    loss_rows = []
    for k, metric in enumerate(("loss, step 1", "loss, step 2 (after one update)")):
        values = dict(zip(("microtensor", "torch-default", "numpy-floor"),
                          (None if run is None else run[k] for run in losses)))
        loss_rows.append(Row(f"MLP {'-'.join(map(str, sizes))}", metric, "", values, digits=6,
                             agree=1e-4, target_text="all equal (1e-4)"))

    mt_fn, torch_fn, numpy_fn = engines()
    times = time_engines(mt_fn, torch_fn, numpy_fn, repeats, warmup)
    name = f"MLP {'-'.join(map(str, sizes))}, batch {batch}"
    return [Row(name, "training step", "ms", scaled(times, 1e3),
                targets={"torch": 1.25, "numpy-floor": 1.1}, target_text="<= 1.25x torch, <= 1.1x np")] + loss_rows


WORKLOAD = Workload(
    name="mlp",
    description=__doc__.splitlines()[0],
    run=run,
    full=dict(sizes=(784, 256, 256, 10), batch=128, repeats=30, warmup=5),
    quick=dict(sizes=(784, 256, 256, 10), batch=128, repeats=10, warmup=2),
    tiny=dict(sizes=(12, 8, 8, 10), batch=4, repeats=1, warmup=0),
)

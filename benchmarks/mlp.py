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
from benchmarks.compiled import Steps, first_losses, measure, torch_compiled
from benchmarks.harness import Row, Workload, loss_rows, scaled, torch

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


def run(sizes: tuple[int, ...], batch: int, repeats: int, warmup: int, torch_compile: bool) -> list[Row]:
    """Time one step in each engine (median of ``repeats`` after ``warmup``), torch.compile's only when
    ``torch_compile``; also the losses of two steps and the checks of the compiled step."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    labels = rng.integers(0, sizes[-1], batch)
    start = init_params(sizes)

    def engines(with_torch_compile: bool = False) -> Steps:
        copies = [(mt.tensor(x), mt.tensor(labels[:, None]), [mt.tensor(p, requires_grad=True) for p in start])
                  for _ in range(2)]
        compiled = mt.compile(tensor_step)
        steps = Steps(microtensor=lambda: tensor_step(mt, *copies[0]), compiled=lambda: compiled(mt, *copies[1]),
                      compiled_fn=compiled, state=lambda: tuple([p.detach().numpy() for p in c[2]] for c in copies))
        if torch is not None:
            x_t, t_t = torch.from_numpy(x), torch.from_numpy(labels[:, None])
            p_t = [torch.tensor(p, requires_grad=True) for p in start]
            steps.torch = lambda: tensor_step(torch, x_t, t_t, p_t)
            torch_step = torch_compiled(tensor_step, with_torch_compile)
            if torch_step is not None:
                steps.torch_compiled = lambda: torch_step(torch, x_t, t_t, p_t)
        p_np = [p.copy() for p in start]
        steps.numpy = lambda: numpy_step(x, labels, p_np)
        return steps

    name = f"MLP {'-'.join(map(str, sizes))}"
    losses = loss_rows(name, first_losses(engines()))
    times, checks = measure(f"{name}, batch {batch}", engines(torch_compile), repeats, warmup)
    return [Row(f"{name}, batch {batch}", "training step", "ms", scaled(times, 1e3),
                targets={"torch": 1.25, "numpy-floor": 1.1}, compiled_targets={"numpy-floor": 1.05},
                target_text="<= 1.25x torch, <= 1.1x np; compiled <= 1.05x np")] + checks + losses


WORKLOAD = Workload(
    name="mlp",
    description=__doc__.splitlines()[0],
    run=run,
    full=dict(sizes=(784, 256, 256, 10), batch=128, repeats=30, warmup=5, torch_compile=True),
    quick=dict(sizes=(784, 256, 256, 10), batch=128, repeats=10, warmup=2, torch_compile=False),
    tiny=dict(sizes=(12, 8, 8, 10), batch=4, repeats=1, warmup=0, torch_compile=False),
)

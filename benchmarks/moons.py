"""One training step of micrograd's moons classifier, MLP 2-16-16-1 (ReLU), 100 points: hinge loss + L2, SGD.

The model and loss are micrograd's demo (Karpathy's ``demo.ipynb``): labels -1/+1, the mean of
``relu(1 - y * score)`` plus ``1e-4`` times the sum of the squared parameters, on ``nn.Linear`` layers
with ``optim.SGD`` (``zero_grad()``, ``backward()``, ``step()``), the same code running on microtensor
and on PyTorch. The data are two noisy half circles drawn with NumPy (scikit-learn's ``make_moons``
recipe). At this size every op is a few hundred floats: the step times the per-op overhead of a small
graph. The NumPy floor is the step written by hand.
"""
from __future__ import annotations

import numpy as np

import microtensor as mt
import microtensor.nn  # noqa: F401 - binds mt.nn
from benchmarks.compiled import Steps, first_losses, measure, torch_compiled
from benchmarks.harness import Row, Workload, loss_rows, scaled, torch

LR, ALPHA = 0.1, 1e-4


def make_moons(n: int, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points (float32, shape (n, 2)) on two interleaved half circles with Gaussian noise, and their
    labels -1 (upper moon) and +1 (lower moon), as scikit-learn's ``make_moons`` draws them."""
    rng = np.random.default_rng(seed)
    n_upper = n // 2
    t_upper, t_lower = np.linspace(0, np.pi, n_upper), np.linspace(0, np.pi, n - n_upper)
    x = np.concatenate([np.stack([np.cos(t_upper), np.sin(t_upper)], 1),
                        np.stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)], 1)])
    x += rng.normal(0, noise, x.shape)
    y = np.concatenate([-np.ones(n_upper), np.ones(n - n_upper)])
    return x.astype(np.float32), y.astype(np.float32)


def mlp(nn, hidden: int):
    """micrograd's MLP 2-hidden-hidden-1 with ReLUs from the ``nn`` namespace of microtensor or of PyTorch."""
    return nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))


def tensor_step(model, opt, x, y):
    """One SGD step on the hinge loss + L2, written against the PyTorch API. Returns the loss."""
    opt.zero_grad()
    scores = model(x).squeeze(1)
    loss = (1 - y * scores).relu().mean() + ALPHA * sum((p * p).sum() for p in model.parameters())
    loss.backward()
    opt.step()
    return loss


def numpy_step(x: np.ndarray, y: np.ndarray, params: list[np.ndarray]) -> np.float32:
    """The same step by hand in NumPy on Linear weights laid out (in, out), updating ``params`` in place."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = x @ w1
    h1 += b1
    np.maximum(h1, 0, out=h1)
    h2 = h1 @ w2
    h2 += b2
    np.maximum(h2, 0, out=h2)
    margin = 1 - y * (h2 @ w3[:, 0] + b3[0])
    loss = np.maximum(margin, 0).mean() + ALPHA * sum((p * p).sum() for p in params)
    d_scores = np.where(margin > 0, -y / len(x), 0).astype(np.float32)[:, None]
    grads = [None] * 6
    grads[4], grads[5] = h2.T @ d_scores, d_scores.sum(axis=0)
    g = d_scores @ w3.T
    g *= h2 > 0
    grads[2], grads[3] = h1.T @ g, g.sum(axis=0)
    g = g @ w2.T
    g *= h1 > 0
    grads[0], grads[1] = x.T @ g, g.sum(axis=0)
    for p, grad in zip(params, grads):
        grad += (2 * ALPHA) * p
        grad *= LR
        p -= grad
    return loss


def run(n_points: int, hidden: int, repeats: int, warmup: int, torch_compile: bool) -> list[Row]:
    """Time one step in each engine (median of ``repeats`` after ``warmup``), torch.compile's only when
    ``torch_compile``; also the losses of two steps and the checks of the compiled step."""
    x, y = make_moons(n_points)
    mt.manual_seed(0)
    start = {k: v.numpy().copy() for k, v in mlp(mt.nn, hidden).state_dict().items()}

    def engines(with_torch_compile: bool = False) -> Steps:
        models = [mlp(mt.nn, hidden) for _ in range(2)]
        opts = []
        for model in models:
            model.load_state_dict({k: mt.tensor(v) for k, v in start.items()})
            opts.append(mt.optim.SGD(model.parameters(), lr=LR))
        x_mt, y_mt = mt.tensor(x), mt.tensor(y)
        compiled = mt.compile(tensor_step)
        steps = Steps(microtensor=lambda: tensor_step(models[0], opts[0], x_mt, y_mt),
                      compiled=lambda: compiled(models[1], opts[1], x_mt, y_mt), compiled_fn=compiled,
                      state=lambda: tuple([p.detach().numpy() for p in m.parameters()] for m in models))
        if torch is not None:
            model_t = mlp(torch.nn, hidden)
            model_t.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in start.items()})
            opt_t = torch.optim.SGD(model_t.parameters(), lr=LR)
            x_t, y_t = torch.from_numpy(x), torch.from_numpy(y)
            steps.torch = lambda: tensor_step(model_t, opt_t, x_t, y_t)
            torch_step = torch_compiled(tensor_step, with_torch_compile)
            if torch_step is not None:
                steps.torch_compiled = lambda: torch_step(model_t, opt_t, x_t, y_t)
        p_np = [np.ascontiguousarray(start[f"{i}.{k}"].T) for i in (0, 2, 4) for k in ("weight", "bias")]
        steps.numpy = lambda: numpy_step(x, y, p_np)
        return steps

    name = f"moons MLP 2-{hidden}-{hidden}-1, {n_points} points"
    losses = loss_rows(name, first_losses(engines()))
    times, checks = measure(name, engines(torch_compile), repeats, warmup)
    return [Row(name, "training step", "us", scaled(times, 1e6), compiled_targets={"torch": 0.5},
                target_text="compiled <= 0.5x torch")] + checks + losses


WORKLOAD = Workload(
    name="moons",
    description=__doc__.splitlines()[0],
    run=run,
    full=dict(n_points=100, hidden=16, repeats=50, warmup=5, torch_compile=True),
    quick=dict(n_points=100, hidden=16, repeats=20, warmup=2, torch_compile=False),
    tiny=dict(n_points=10, hidden=4, repeats=1, warmup=0, torch_compile=False),
)

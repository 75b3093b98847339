"""One training step of LeNet-5 on 1x28x28 images (batch 64, float32): forward, cross-entropy, backward, SGD.

LeNet-5 here is conv 1->6 5x5 pad 2, ReLU, maxpool 2, conv 6->16 5x5, ReLU, maxpool 2,
400-120-84-10 with ReLUs. microtensor and PyTorch run the same code on their own ``nn``
modules (``F.cross_entropy``, then ``p -= lr * p.grad`` under no_grad). The NumPy floor is
the step written by hand in NHWC layout: im2col by ``sliding_window_view`` and one GEMM per
convolution and direction, col2im as 25 strided adds, max pooling through an equality mask.
All three start from the same weights (microtensor's initialisation).
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import microtensor as mt
import microtensor.nn  # noqa: F401 - binds mt.nn
from benchmarks.harness import Row, Workload, scaled, time_engines, torch

LR = 0.01


def lenet5(nn):
    """LeNet-5 from the ``nn`` namespace of microtensor or of PyTorch."""
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def tensor_step(lib, model, x, targets):
    """One SGD step written against the PyTorch API; ``lib`` is microtensor or torch. Returns the loss."""
    loss = lib.nn.functional.cross_entropy(model(x), targets)
    loss.backward()
    with lib.no_grad():
        for p in model.parameters():
            p -= LR * p.grad
            p.grad = None
    return loss


def numpy_params(state: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The weights laid out for the NHWC floor: convolution kernels as (kh*kw*c_in, c_out) matrices, the
    first Linear's columns reordered from PyTorch's (c, h, w) flattening to (h, w, c), Linears as (in, out)."""
    conv = [state[f"{i}.weight"].transpose(2, 3, 1, 0).reshape(-1, state[f"{i}.weight"].shape[0]) for i in (0, 3)]
    fc1 = state["7.weight"].reshape(120, 16, 5, 5).transpose(2, 3, 1, 0).reshape(400, 120)
    params = [conv[0], state["0.bias"], conv[1], state["3.bias"], fc1, state["7.bias"],
              state["9.weight"].T, state["9.bias"], state["11.weight"].T, state["11.bias"]]
    return [np.ascontiguousarray(p, dtype=np.float32) for p in params]


def _im2col(x: np.ndarray, k: int) -> np.ndarray:
    """(N, H, W, C) -> (N * H' * W', k * k * C) rows of (kh, kw, c) patches (one copy)."""
    n, h, w, c = x.shape
    windows = sliding_window_view(x, (k, k), axis=(1, 2))            # (N, H', W', C, k, k), a view
    return windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * (h - k + 1) * (w - k + 1), k * k * c)


def _col2im(cols: np.ndarray, shape: tuple[int, ...], k: int) -> np.ndarray:
    """The adjoint of ``_im2col``: add each patch row back into an (N, H, W, C) array."""
    n, h, w, c = shape
    ho, wo = h - k + 1, w - k + 1
    patches = cols.reshape(n, ho, wo, k, k, c)
    out = np.zeros(shape, dtype=cols.dtype)
    for i in range(k):
        for j in range(k):
            out[:, i:i + ho, j:j + wo] += patches[:, :, :, i, j]
    return out


def _pool(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 max pooling of (N, H, W, C): the pooled array and the mask of the maxima."""
    n, h, w, c = a.shape
    windows = a.reshape(n, h // 2, 2, w // 2, 2, c)
    pooled = windows.max(axis=(2, 4))
    return pooled, windows == pooled[:, :, None, :, None]


def _unpool(grad: np.ndarray, mask: np.ndarray) -> np.ndarray:
    n, h, _, w, _, c = mask.shape
    return (mask * grad[:, :, None, :, None]).reshape(n, 2 * h, 2 * w, c)


def numpy_step(x: np.ndarray, labels: np.ndarray, params: list[np.ndarray]) -> np.float32:
    """The same step by hand in NumPy on NHWC images ``x`` (N, 28, 28, 1), updating ``params`` in place."""
    w1, b1, w2, b2, w3, b3, w4, b4, w5, b5 = params
    n, rows = len(x), np.arange(len(x))
    cols1 = _im2col(np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0))), 5)
    a1 = cols1 @ w1
    a1 += b1
    np.maximum(a1, 0, out=a1)
    a1 = a1.reshape(n, 28, 28, 6)
    p1, mask1 = _pool(a1)
    cols2 = _im2col(p1, 5)
    a2 = cols2 @ w2
    a2 += b2
    np.maximum(a2, 0, out=a2)
    a2 = a2.reshape(n, 10, 10, 16)
    p2, mask2 = _pool(a2)
    f = p2.reshape(n, 400)
    h1 = f @ w3
    h1 += b3
    np.maximum(h1, 0, out=h1)
    h2 = h1 @ w4
    h2 += b4
    np.maximum(h2, 0, out=h2)
    z = h2 @ w5
    z += b5
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    total = e.sum(axis=1, keepdims=True)
    loss = np.log(total[:, 0]).mean() - z[rows, labels].mean()
    e /= total                                    # d loss / d z = (softmax - one_hot) / batch
    e[rows, labels] -= 1
    e *= 1 / n
    grads = [None] * 10
    g = e
    for i, a in ((8, h2), (6, h1), (4, f)):       # the Linears, last first
        grads[i], grads[i + 1] = a.T @ g, g.sum(axis=0)
        g = g @ params[i].T
        if i != 4:
            g *= a > 0                            # the ReLU that made `a`
    g2 = _unpool(g.reshape(n, 5, 5, 16), mask2)
    g2 *= a2 > 0
    g2 = g2.reshape(-1, 16)
    grads[2], grads[3] = cols2.T @ g2, g2.sum(axis=0)
    g1 = _unpool(_col2im(g2 @ w2.T, p1.shape, 5), mask1)
    g1 *= a1 > 0
    g1 = g1.reshape(-1, 6)
    grads[0], grads[1] = cols1.T @ g1, g1.sum(axis=0)
    for p, grad in zip(params, grads):
        grad *= LR
        p -= grad
    return loss


def run(batch: int, repeats: int, warmup: int) -> list[Row]:
    """Time one step in each engine (median of ``repeats`` after ``warmup``); also the losses of two steps."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, batch)
    mt.manual_seed(0)
    start = {k: v.numpy().copy() for k, v in lenet5(mt.nn).state_dict().items()}

    def engines() -> tuple:
        model_mt = lenet5(mt.nn)
        model_mt.load_state_dict({k: mt.tensor(v) for k, v in start.items()})
        x_mt, t_mt = mt.tensor(x), mt.tensor(labels)
        fns = [lambda: tensor_step(mt, model_mt, x_mt, t_mt), None]
        if torch is not None:
            model_t = lenet5(torch.nn)
            model_t.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in start.items()})
            x_t, t_t = torch.from_numpy(x), torch.from_numpy(labels)
            fns[1] = lambda: tensor_step(torch, model_t, x_t, t_t)
        x_nhwc, p_np = np.ascontiguousarray(x.transpose(0, 2, 3, 1)), numpy_params(start)
        fns.append(lambda: numpy_step(x_nhwc, labels, p_np))
        return fns

    losses = []
    for fn in engines():
        losses.append(None if fn is None else [fn().item() for _ in range(2)])
    loss_rows = []
    for k, metric in enumerate(("loss, step 1", "loss, step 2 (after one update)")):
        values = dict(zip(("microtensor", "torch-default", "numpy-floor"),
                          (None if l is None else l[k] for l in losses)))
        loss_rows.append(Row("LeNet-5", metric, "", values, digits=6, agree=1e-4, target_text="all equal (1e-4)"))

    mt_fn, torch_fn, numpy_fn = engines()
    times = time_engines(mt_fn, torch_fn, numpy_fn, repeats, warmup)
    return [Row(f"LeNet-5, batch {batch}", "training step", "ms", scaled(times, 1e3),
                targets={"torch": 2.0, "numpy-floor": 1.2}, target_text="<= 2x torch, <= 1.2x np")] + loss_rows


WORKLOAD = Workload(
    name="lenet",
    description=__doc__.splitlines()[0],
    run=run,
    full=dict(batch=64, repeats=30, warmup=5),
    quick=dict(batch=64, repeats=10, warmup=2),
    tiny=dict(batch=2, repeats=1, warmup=0),
)

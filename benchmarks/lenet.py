"""One training step of LeNet-5 on 1x28x28 images (batch 64, float32): forward, cross-entropy, backward, SGD.

LeNet-5 here is conv 1->6 5x5 pad 2, ReLU, maxpool 2, conv 6->16 5x5, ReLU, maxpool 2,
400-120-84-10 with ReLUs. microtensor and PyTorch run the same code on their own ``nn``
modules (``F.cross_entropy``, then ``p -= lr * p.grad`` under no_grad). The NumPy floor is
the step written by hand in (C, N, H, W) layout: im2col by ``as_strided`` and one GEMM over the
whole batch per convolution and direction, col2im as 25 strided adds, max pooling as the maximum of
its four strided taps.
All three start from the same weights (microtensor's initialisation).
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

import microtensor as mt
import microtensor.nn  # noqa: F401 - binds mt.nn
from benchmarks.compiled import Steps, first_losses, measure, torch_compiled
from benchmarks.harness import Row, Workload, loss_rows, scaled, torch

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
    """The weights for the floor: convolution kernels as (c_out, c_in*kh*kw) matrices, Linears as (in, out)."""
    params = []
    for i in (0, 3):
        params += [state[f"{i}.weight"].reshape(state[f"{i}.weight"].shape[0], -1), state[f"{i}.bias"][:, None]]
    for i in (7, 9, 11):
        params += [state[f"{i}.weight"].T, state[f"{i}.bias"]]
    return [np.ascontiguousarray(p, dtype=np.float32) for p in params]


def _im2col(x: np.ndarray, k: int) -> np.ndarray:
    """(C, N, H, W) -> the (C*k*k, N*H'*W') columns of a stride-1 k x k convolution (one copy)."""
    c, n, h, w = x.shape
    sc, sn, sh, sw = x.strides
    windows = as_strided(x, (c, k, k, n, h - k + 1, w - k + 1), (sc, sh, sw, sn, sh, sw), writeable=False)
    return windows.reshape(c * k * k, -1)


def _col2im(cols: np.ndarray, shape: tuple[int, ...], k: int) -> np.ndarray:
    """The adjoint of ``_im2col``: add each column entry back onto its (C, N, H, W) position."""
    c, n, h, w = shape
    ho, wo = h - k + 1, w - k + 1
    taps = cols.reshape(c, k, k, n, ho, wo)
    out = np.zeros(shape, dtype=cols.dtype)
    for i in range(k):
        for j in range(k):
            out[:, :, i:i + ho, j:j + wo] += taps[:, i, j]
    return out


_TAPS = ((0, 0), (0, 1), (1, 0), (1, 1))


def _pool(a: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """2x2 max pooling of (C, N, H, W): the pooled array and, for each of the 4 taps, where it holds the max."""
    taps = [a[:, :, i::2, j::2] for i, j in _TAPS]
    pooled = np.maximum(taps[0], taps[1])
    np.maximum(pooled, taps[2], out=pooled)
    np.maximum(pooled, taps[3], out=pooled)
    return pooled, [t == pooled for t in taps]


def _unpool(grad: np.ndarray, masks: list[np.ndarray]) -> np.ndarray:
    """The gradient of ``_pool``: each pooled gradient goes back to the tap that held the max."""
    c, n, h, w = grad.shape
    out = np.empty((c, n, 2 * h, 2 * w), grad.dtype)       # the taps cover every element once
    for (i, j), mask in zip(_TAPS, masks):
        np.multiply(grad, mask, out=out[:, :, i::2, j::2])
    return out


def numpy_step(x: np.ndarray, labels: np.ndarray, params: list[np.ndarray]) -> np.float32:
    """The same step by hand in NumPy on images ``x`` laid out (C, N, H, W), updating ``params`` in place.

    The (C, N, H, W) layout makes each convolution, and each of its two gradients, a single GEMM over the
    whole batch, with the image rows contiguous in the columns."""
    w1, b1, w2, b2, w3, b3, w4, b4, w5, b5 = params
    n, rows = x.shape[1], np.arange(x.shape[1])
    xp = np.zeros((1, n, 32, 32), np.float32)
    xp[:, :, 2:30, 2:30] = x
    cols1 = _im2col(xp, 5)
    a1 = w1 @ cols1
    a1 += b1
    np.maximum(a1, 0, out=a1)
    a1 = a1.reshape(6, n, 28, 28)
    p1, mask1 = _pool(a1)
    cols2 = _im2col(p1, 5)
    a2 = w2 @ cols2
    a2 += b2
    np.maximum(a2, 0, out=a2)
    a2 = a2.reshape(16, n, 10, 10)
    p2, mask2 = _pool(a2)
    f = p2.transpose(1, 0, 2, 3).reshape(n, 400)     # PyTorch's flattening order (c, h, w)
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
    g2 = _unpool(g.reshape(n, 16, 5, 5).transpose(1, 0, 2, 3), mask2)
    g2 *= a2 > 0
    g2 = g2.reshape(16, -1)
    grads[2], grads[3] = (cols2 @ g2.T).T, g2.sum(axis=1, keepdims=True)   # faster in BLAS than g2 @ cols2.T
    g1 = _unpool(_col2im(w2.T @ g2, p1.shape, 5), mask1)
    g1 *= a1 > 0
    g1 = g1.reshape(6, -1)
    grads[0], grads[1] = (cols1 @ g1.T).T, g1.sum(axis=1, keepdims=True)
    for p, grad in zip(params, grads):
        grad *= LR
        p -= grad
    return loss


def run(batch: int, repeats: int, warmup: int, torch_compile: bool) -> list[Row]:
    """Time one step in each engine (median of ``repeats`` after ``warmup``), torch.compile's only when
    ``torch_compile``; also the losses of two steps and the checks of the compiled step."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, batch)
    mt.manual_seed(0)
    start = {k: v.numpy().copy() for k, v in lenet5(mt.nn).state_dict().items()}

    def engines(with_torch_compile: bool = False) -> Steps:
        models = [lenet5(mt.nn) for _ in range(2)]
        for model in models:
            model.load_state_dict({k: mt.tensor(v) for k, v in start.items()})
        x_mt, t_mt = mt.tensor(x), mt.tensor(labels)
        compiled = mt.compile(tensor_step)
        steps = Steps(microtensor=lambda: tensor_step(mt, models[0], x_mt, t_mt),
                      compiled=lambda: compiled(mt, models[1], x_mt, t_mt), compiled_fn=compiled,
                      state=lambda: tuple([p.detach().numpy() for p in m.parameters()] for m in models))
        if torch is not None:
            model_t = lenet5(torch.nn)
            model_t.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in start.items()})
            x_t, t_t = torch.from_numpy(x), torch.from_numpy(labels)
            steps.torch = lambda: tensor_step(torch, model_t, x_t, t_t)
            torch_step = torch_compiled(tensor_step, with_torch_compile)
            if torch_step is not None:
                steps.torch_compiled = lambda: torch_step(torch, model_t, x_t, t_t)
        x_cnhw, p_np = np.ascontiguousarray(x.transpose(1, 0, 2, 3)), numpy_params(start)
        steps.numpy = lambda: numpy_step(x_cnhw, labels, p_np)
        return steps

    losses = loss_rows("LeNet-5", first_losses(engines()))
    times, checks = measure(f"LeNet-5, batch {batch}", engines(torch_compile), repeats, warmup)
    return [Row(f"LeNet-5, batch {batch}", "training step", "ms", scaled(times, 1e3),
                targets={"torch": 2.0, "numpy-floor": 1.2}, compiled_targets={"numpy-floor": 1.0},
                target_text="<= 2x torch, <= 1.2x np; compiled <= 1x np")] + checks + losses


WORKLOAD = Workload(
    name="lenet",
    description=__doc__.splitlines()[0],
    run=run,
    full=dict(batch=64, repeats=30, warmup=5, torch_compile=True),
    quick=dict(batch=64, repeats=10, warmup=2, torch_compile=False),
    tiny=dict(batch=2, repeats=1, warmup=0, torch_compile=False),
)

"""create_graph=True: derivatives of any order, checked against closed forms, finite differences and PyTorch."""
import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor.autograd import grad
from microtensor.autograd.functional import hessian

X = np.array([-2.0, -0.7, 0.0, 0.3, 1.5])


def derivatives(f, x, order):
    """[f(x), f'(x), f''(x), ...] elementwise, each by differentiating the previous with create_graph."""
    out = [f(x)]
    for _ in range(order):
        d, = grad(out[-1].sum(), x, create_graph=True)
        out.append(d)
    return out


def test_tanh_derivatives_up_to_the_third_match_the_closed_form():
    x = mt.tensor(X, requires_grad=True)
    y, d1, d2, d3 = (t.detach().numpy() for t in derivatives(mt.tanh, x, 3))
    t = np.tanh(X)
    np.testing.assert_allclose(y, t, rtol=1e-12)
    np.testing.assert_allclose(d1, 1 - t ** 2, rtol=1e-12)
    np.testing.assert_allclose(d2, -2 * t * (1 - t ** 2), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(d3, (1 - t ** 2) * (6 * t ** 2 - 2), rtol=1e-12)


def test_exp_based_derivatives_of_any_order():
    x = mt.tensor(X, requires_grad=True)
    # f = x * exp(2x): the n-th derivative is 2^(n-1) * exp(2x) * (2x + n)
    ds = derivatives(lambda v: v * (2 * v).exp(), x, 5)
    for n, d in enumerate(ds[1:], start=1):
        np.testing.assert_allclose(d.detach().numpy(), 2.0 ** (n - 1) * np.exp(2 * X) * (2 * X + n), rtol=1e-11)


def test_gradient_of_a_gradient_norm_penalty():
    # d/dw of |d(sum(w * x^2))/dx|^2 = d/dw of sum((2 w x)^2) = 8 w x^2
    x = mt.tensor([0.5, -1.0, 2.0], dtype=mt.float64, requires_grad=True)
    w = mt.tensor([1.5, 0.2, -0.3], dtype=mt.float64, requires_grad=True)
    gx, = grad((w * x * x).sum(), x, create_graph=True)
    (gx * gx).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 8 * w.detach().numpy() * x.detach().numpy() ** 2, rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), 8 * w.detach().numpy() ** 2 * x.detach().numpy(), rtol=1e-12)


def test_backward_with_create_graph_makes_grad_differentiable():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])


# ----------------------------------------------------------------------------- the Hessian of an MLP loss
rng = np.random.default_rng(0)
DATA = rng.standard_normal((6, 3))
LABELS = np.array([0, 1, 1, 0, 1, 0])
PARAMS = [rng.standard_normal((3, 4)) * 0.8, rng.standard_normal(4) * 0.1, rng.standard_normal((4, 2)) * 0.8]


def mlp_loss(lib, w1, b1, w2):
    """Cross-entropy of a 2-layer tanh network, written with log_softmax and a one-hot mask."""
    x = lib.tensor(DATA)
    onehot = lib.tensor(np.eye(2)[LABELS])
    logits = lib.tanh(x @ w1 + b1) @ w2
    return -(lib.log_softmax(logits, 1) * onehot).sum() / len(LABELS)


def mlp_gradient(params):
    ts = [mt.tensor(p, requires_grad=True) for p in params]
    return np.concatenate([g.numpy().ravel() for g in grad(mlp_loss(mt, *ts), ts)])


def test_mlp_hessian_matches_finite_differences_of_the_gradient():
    blocks = hessian(lambda *p: mlp_loss(mt, *p), tuple(mt.tensor(p) for p in PARAMS))
    sizes = [p.size for p in PARAMS]
    full = np.block([[blocks[i][j].numpy().reshape(sizes[i], sizes[j]) for j in range(3)] for i in range(3)])
    flat = np.concatenate([p.ravel() for p in PARAMS])
    eps = 1e-6
    numeric = np.empty_like(full)
    for k in range(flat.size):
        cols = []
        for sign in (1, -1):
            shifted = flat.copy()
            shifted[k] += sign * eps
            parts = np.split(shifted, np.cumsum(sizes)[:-1])
            cols.append(mlp_gradient([q.reshape(p.shape) for q, p in zip(parts, PARAMS)]))
        numeric[:, k] = (cols[0] - cols[1]) / (2 * eps)
    np.testing.assert_allclose(full, numeric, atol=1e-7, rtol=1e-5)
    np.testing.assert_allclose(full, full.T, atol=1e-12)
    assert np.abs(full).max() > 1e-2          # a real, nonzero Hessian


@requires_torch
def test_mlp_hessian_and_third_order_match_torch():
    ours = hessian(lambda *p: mlp_loss(mt, *p), tuple(mt.tensor(p) for p in PARAMS))
    theirs = torch.autograd.functional.hessian(lambda *p: mlp_loss(torch, *p),
                                               tuple(torch.tensor(p) for p in PARAMS))
    for i in range(3):
        for j in range(3):
            np.testing.assert_allclose(ours[i][j].numpy(), theirs[i][j].numpy(), rtol=1e-9, atol=1e-12)

    def third(lib):
        ps = [lib.tensor(p, requires_grad=True) for p in PARAMS]
        g, = lib.autograd.grad(mlp_loss(lib, *ps), ps[0], create_graph=True)
        gg, = lib.autograd.grad((g * g).sum(), ps[2], create_graph=True)
        ggg, = lib.autograd.grad(gg.sum(), ps[1])
        return ggg.numpy()

    np.testing.assert_allclose(third(mt), third(torch), rtol=1e-9, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("name", ["tanh", "sigmoid", "exp", "log"])
def test_fourth_derivatives_match_torch(name):
    xs = np.array([0.2, 0.9, 1.7])

    def run(lib):
        x = lib.tensor(xs, requires_grad=True)
        out = [getattr(lib, name)(x)]
        for _ in range(4):
            out.append(lib.autograd.grad(out[-1].sum(), x, create_graph=True)[0])
        return [t.detach().numpy() for t in out]

    for a, b in zip(run(mt), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-10)

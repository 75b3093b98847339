"""Each optimizer's update against its formula written out by hand, for two steps (no torch needed):
the gradients are set directly, so only the rule is under test."""
import numpy as np
import pytest

import microtensor as mt
from microtensor import optim

P0 = np.array([0.5, -1.0, 2.0])
G1 = np.array([0.3, -0.2, 1.5])
G2 = np.array([-0.4, 0.1, 0.7])
LR = 0.1


def two_steps(name, **options):
    """The parameter after each of two steps of ``name`` with gradients G1 then G2."""
    p = mt.tensor(P0.copy(), requires_grad=True)
    opt = getattr(optim, name)([p], lr=LR, **options)
    out = []
    for g in (G1, G2):
        p.grad = mt.tensor(g.copy())
        opt.step()
        out.append(p.detach().numpy().copy())
    return out


def check(name, options, expected):
    for got, want in zip(two_steps(name, **options), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_sgd_plain_and_weight_decay_and_maximize():
    check("SGD", {}, [P0 - LR * G1, P0 - LR * G1 - LR * G2])
    wd = 0.2
    p1 = P0 - LR * (G1 + wd * P0)
    check("SGD", {"weight_decay": wd}, [p1, p1 - LR * (G2 + wd * p1)])
    p1 = P0 + LR * G1
    check("SGD", {"maximize": True}, [p1, p1 + LR * G2])


def test_sgd_momentum_dampening_nesterov():
    mu, tau = 0.9, 0.3
    b1 = G1                                  # the first buffer is the gradient itself (no dampening)
    b2 = mu * b1 + (1 - tau) * G2
    check("SGD", {"momentum": mu, "dampening": tau}, [P0 - LR * b1, P0 - LR * b1 - LR * b2])
    b2 = mu * G1 + G2
    p1 = P0 - LR * (G1 + mu * G1)
    check("SGD", {"momentum": mu, "nesterov": True}, [p1, p1 - LR * (G2 + mu * b2)])


def test_adagrad():
    decay, init, eps = 0.5, 0.1, 1e-10
    s1 = init + G1 ** 2
    p1 = P0 - LR * G1 / (np.sqrt(s1) + eps)
    s2 = s1 + G2 ** 2
    p2 = p1 - LR / (1 + decay) * G2 / (np.sqrt(s2) + eps)
    check("Adagrad", {"lr_decay": decay, "initial_accumulator_value": init}, [p1, p2])


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.8])
def test_rmsprop(centered, momentum):
    alpha, eps = 0.9, 1e-8
    p, v, a, b, out = P0, 0.0, 0.0, 0.0, []
    for g in (G1, G2):
        v = alpha * v + (1 - alpha) * g ** 2
        a = alpha * a + (1 - alpha) * g
        denom = np.sqrt(v - a ** 2 if centered else v) + eps
        if momentum:
            b = momentum * b + g / denom
            p = p - LR * b
        else:
            p = p - LR * g / denom
        out.append(p)
    check("RMSprop", {"alpha": alpha, "centered": centered, "momentum": momentum}, out)


def test_adadelta():
    rho, eps = 0.8, 1e-6
    v1 = (1 - rho) * G1 ** 2
    d1 = np.sqrt(0 + eps) / np.sqrt(v1 + eps) * G1
    u1 = (1 - rho) * d1 ** 2
    v2 = rho * v1 + (1 - rho) * G2 ** 2
    d2 = np.sqrt(u1 + eps) / np.sqrt(v2 + eps) * G2
    check("Adadelta", {"rho": rho}, [P0 - LR * d1, P0 - LR * d1 - LR * d2])


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam(amsgrad):
    b1, b2, eps = 0.9, 0.999, 1e-8
    m1, v1 = (1 - b1) * G1, (1 - b2) * G1 ** 2
    p1 = P0 - LR / (1 - b1) * m1 / (np.sqrt(v1) / np.sqrt(1 - b2) + eps)
    g2 = np.array([0.01, 0.1, 0.2])           # smaller than G1 where amsgrad's running max matters
    m2, v2 = b1 * m1 + (1 - b1) * g2, b2 * v1 + (1 - b2) * g2 ** 2
    v2 = np.maximum(v1, v2) if amsgrad else v2
    p2 = p1 - LR / (1 - b1 ** 2) * m2 / (np.sqrt(v2) / np.sqrt(1 - b2 ** 2) + eps)
    p = mt.tensor(P0.copy(), requires_grad=True)
    opt = optim.Adam([p], lr=LR, amsgrad=amsgrad)
    for g, want in ((G1, p1), (g2, p2)):
        p.grad = mt.tensor(g)
        opt.step()
        np.testing.assert_allclose(p.detach().numpy(), want, rtol=1e-12)


def test_adam_l2_against_adamw_decoupled_decay():
    b1, b2, eps, wd = 0.9, 0.999, 1e-8, 0.5
    g = G1 + wd * P0
    m1, v1 = (1 - b1) * g, (1 - b2) * g ** 2
    adam_p1 = P0 - LR / (1 - b1) * m1 / (np.sqrt(v1) / np.sqrt(1 - b2) + eps)
    assert np.allclose(two_steps("Adam", weight_decay=wd)[0], adam_p1, rtol=1e-12)
    decayed = P0 * (1 - LR * wd)
    m1, v1 = (1 - b1) * G1, (1 - b2) * G1 ** 2
    p1 = decayed - LR / (1 - b1) * m1 / (np.sqrt(v1) / np.sqrt(1 - b2) + eps)
    m2, v2 = b1 * m1 + (1 - b1) * G2, b2 * v1 + (1 - b2) * G2 ** 2
    p2 = p1 * (1 - LR * wd) - LR / (1 - b1 ** 2) * m2 / (np.sqrt(v2) / np.sqrt(1 - b2 ** 2) + eps)
    check("AdamW", {"weight_decay": wd}, [p1, p2])


def test_adamax():
    b1, b2, eps = 0.9, 0.999, 1e-8
    m1, u1 = (1 - b1) * G1, np.abs(G1) + eps
    p1 = P0 - LR / (1 - b1) * m1 / u1
    m2, u2 = b1 * m1 + (1 - b1) * G2, np.maximum(b2 * u1, np.abs(G2) + eps)
    check("Adamax", {}, [p1, p1 - LR / (1 - b1 ** 2) * m2 / u2])


def test_nadam():
    b1, b2, eps, psi = 0.9, 0.999, 1e-8, 4e-3
    mu = [b1 * (1 - 0.5 * 0.96 ** (t * psi)) for t in (1, 2, 3)]
    m1, v1 = (1 - b1) * G1, (1 - b2) * G1 ** 2
    d1 = np.sqrt(v1 / (1 - b2)) + eps
    p1 = P0 - LR * (1 - mu[0]) / (1 - mu[0]) * G1 / d1 - LR * mu[1] / (1 - mu[0] * mu[1]) * m1 / d1
    m2, v2 = b1 * m1 + (1 - b1) * G2, b2 * v1 + (1 - b2) * G2 ** 2
    d2 = np.sqrt(v2 / (1 - b2 ** 2)) + eps
    prod = mu[0] * mu[1]
    p2 = p1 - LR * (1 - mu[1]) / (1 - prod) * G2 / d2 - LR * mu[2] / (1 - prod * mu[2]) * m2 / d2
    # mu_product is kept in float32 state (PyTorch's scalar dtype), hence the looser tolerance
    for got, want in zip(two_steps("NAdam"), [p1, p2]):
        np.testing.assert_allclose(got, want, rtol=1e-7)


def test_radam_two_steps_then_rectified():
    b1, b2, eps = 0.9, 0.9, 1e-8                # with beta2 = 0.9 the rectification starts at step 6
    rho_inf = 2 / (1 - b2) - 1
    grads = [G1, G2, G1, -G2, 0.5 * G1, G2, G1]
    p, m, v, expected = P0, 0.0, 0.0, []
    for t, g in enumerate(grads, start=1):
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g ** 2
        m_hat = m / (1 - b1 ** t)
        rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
        if rho_t > 5:
            r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - LR * m_hat * np.sqrt(1 - b2 ** t) / (np.sqrt(v) + eps) * r
        else:
            p = p - LR * m_hat
        expected.append(p)
    assert [rho_inf - 2 * t * b2 ** t / (1 - b2 ** t) > 5 for t in (5, 6)] == [False, True]
    q = mt.tensor(P0.copy(), requires_grad=True)
    opt = optim.RAdam([q], lr=LR, betas=(b1, b2))
    for g, want in zip(grads, expected):
        q.grad = mt.tensor(g)
        opt.step()
        np.testing.assert_allclose(q.detach().numpy(), want, rtol=1e-12)

"""LBFGS against torch.optim.LBFGS (fixed steps and strong-Wolfe line search, history sizes, tolerances),
and without torch: convergence on a quadratic, the first step's formula, closure and state handling."""
import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor.optim import LBFGS

START = np.array([-1.2, 1.0, -0.5, 0.8])


def rosenbrock(x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def minimize(lib, steps, **options):
    """``steps`` LBFGS steps on Rosenbrock from START; returns (x, the losses step returned, state)."""
    x = lib.tensor(START.copy(), requires_grad=True)
    opt = lib.optim.LBFGS([x], **options)

    def closure():
        opt.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    losses = [opt.step(closure).item() for _ in range(steps)]
    return x.detach().numpy(), losses, opt.state[x]


OPTIONS = [
    {"lr": 0.1},
    {"lr": 0.1, "history_size": 3, "max_iter": 5},
    {"line_search_fn": "strong_wolfe"},
    {"line_search_fn": "strong_wolfe", "history_size": 2, "max_iter": 7, "max_eval": 9},
    {"line_search_fn": "strong_wolfe", "tolerance_grad": 1e-3, "tolerance_change": 1e-4},
]


@requires_torch
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_lbfgs_matches_torch(options):
    ours, our_losses, our_state = minimize(mt, 5, **options)
    theirs, their_losses, their_state = minimize(torch, 5, **options)
    assert np.isfinite(theirs).all() and not np.allclose(theirs, START)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-6, atol=1e-12)
    assert our_state["func_evals"] == their_state["func_evals"]
    assert our_state["n_iter"] == their_state["n_iter"]
    assert len(our_state["old_dirs"]) == len(their_state["old_dirs"])


def test_strong_wolfe_solves_rosenbrock():
    x, losses, _ = minimize(mt, 10, line_search_fn="strong_wolfe")
    np.testing.assert_allclose(x, np.ones(4), atol=1e-5)
    assert losses[0] > losses[-1]


def test_first_iteration_is_scaled_gradient_descent():
    # one iteration: d = -g, t = min(1, 1/|g|_1) * lr, x <- x + t d
    x = mt.tensor(START.copy(), requires_grad=True)
    opt = LBFGS([x], lr=0.5, max_iter=1)

    def closure():
        opt.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    opt.step(closure)
    x0 = START
    g = np.zeros(4)
    g[:-1] += -400 * x0[:-1] * (x0[1:] - x0[:-1] ** 2) - 2 * (1 - x0[:-1])
    g[1:] += 200 * (x0[1:] - x0[:-1] ** 2)
    t = min(1.0, 1.0 / np.abs(g).sum()) * 0.5
    np.testing.assert_allclose(x.detach().numpy(), x0 - t * g, rtol=1e-12)


def test_quadratic_converges_over_several_parameters():
    a = mt.tensor(np.array([[3.0, 1.0], [1.0, 2.0]]))
    w = mt.tensor(np.array([1.0, -1.0]), requires_grad=True)
    b = mt.tensor(np.array(0.5), requires_grad=True)
    opt = LBFGS([w, b], history_size=5, max_iter=50)

    def closure():
        opt.zero_grad()
        loss = (w @ a @ w) / 2 - w.sum() + (b - 2) ** 2
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(w.detach().numpy(), np.linalg.solve(a.numpy(), np.ones(2)), atol=1e-6)
    np.testing.assert_allclose(b.item(), 2.0, atol=1e-6)


def test_optimal_start_returns_at_once():
    x = mt.tensor(np.ones(4), requires_grad=True)
    opt = LBFGS([x])
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    assert opt.step(closure).item() == 0.0
    assert len(calls) == 1 and opt.state[x]["n_iter"] == 0
    np.testing.assert_array_equal(x.detach().numpy(), np.ones(4))


def test_lbfgs_errors():
    x = mt.tensor(START.copy(), requires_grad=True)
    y = mt.tensor(START.copy(), requires_grad=True)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        LBFGS([{"params": [x]}, {"params": [y]}])
    with pytest.raises(ValueError, match="only 'strong_wolfe' is supported"):
        LBFGS([x], line_search_fn="armijo")
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        LBFGS([x], lr=-1)
    with pytest.raises(RuntimeError, match="needs a closure"):
        LBFGS([x]).step()


def test_step_bumps_the_parameters_version():
    x = mt.tensor(START.copy(), requires_grad=True)
    opt = LBFGS([x], lr=0.1, max_iter=3)

    def closure():
        opt.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    saved = (x * x).sum()                   # mul saves x for backward
    opt.step(closure)
    assert x._version >= 1                  # one per write into the parameters' memory
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        saved.backward()

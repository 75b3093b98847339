"""Rprop, ASGD and Adafactor, step for step against PyTorch's."""
import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt

W0 = np.array([[0.5, -1.5, 2.0], [0.1, 0.0, -0.7]])
TARGET = np.array([[1.0, 1.0, -1.0], [0.0, 2.0, 0.5]])


def _run(lib, make, steps=25, dtype="float64"):
    w = lib.tensor(W0.astype(dtype), requires_grad=True)
    b = lib.tensor(np.array([0.3, -0.2]).astype(dtype), requires_grad=True)
    opt = make(lib, [{"params": [w]}, {"params": [b], "lr": 0.02}])
    trajectory = []
    for step in range(steps):
        opt.zero_grad()
        loss = ((w - lib.tensor(TARGET.astype(dtype))) ** 2).sum() + (b ** 4).sum() * (1 + step % 3)
        loss.backward()
        opt.step()
        trajectory.append((w.detach().numpy().copy(), b.detach().numpy().copy()))
    return trajectory, opt


MAKERS = {
    "rprop": lambda L, p: L.optim.Rprop(p, lr=0.05),
    "rprop_etas": lambda L, p: L.optim.Rprop(p, lr=0.1, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2)),
    "rprop_maximize": lambda L, p: L.optim.Rprop(p, lr=0.01, maximize=True),
    "asgd": lambda L, p: L.optim.ASGD(p, lr=0.05),
    "asgd_averaging": lambda L, p: L.optim.ASGD(p, lr=0.05, lambd=1e-2, alpha=0.5, t0=3, weight_decay=0.1),
    "asgd_maximize": lambda L, p: L.optim.ASGD(p, lr=0.01, t0=2, maximize=True),
    "adafactor": lambda L, p: L.optim.Adafactor(p),
    "adafactor_options": lambda L, p: L.optim.Adafactor(p, lr=0.05, beta2_decay=-0.5, eps=(1e-20, 1e-2), d=2.0,
                                                        weight_decay=0.1),
    "adafactor_maximize": lambda L, p: L.optim.Adafactor(p, lr=0.02, maximize=True),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(MAKERS))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_matches_torch(name, dtype):
    (ours, opt), (theirs, topt) = _run(mt, MAKERS[name], dtype=dtype), _run(torch, MAKERS[name], dtype=dtype)
    rtol = 1e-12 if dtype == "float64" else 1e-5
    for (w, b), (tw, tb) in zip(ours, theirs):
        np.testing.assert_allclose(w, tw, rtol=rtol, atol=rtol)
        np.testing.assert_allclose(b, tb, rtol=rtol, atol=rtol)
    for p, tp in zip(opt.param_groups[0]["params"], topt.param_groups[0]["params"]):
        state, tstate = opt.state[p], topt.state[tp]
        assert set(state) == set(tstate)
        for key in state:
            np.testing.assert_allclose(np.asarray(state[key].numpy()), tstate[key].numpy(), rtol=rtol, atol=rtol)


def test_rprop_shrinks_where_the_sign_flips():
    w = mt.tensor([1.0], requires_grad=True)
    opt = mt.optim.Rprop([w], lr=0.5)
    for _ in range(6):
        opt.zero_grad()
        (w ** 2).sum().backward()
        opt.step()
    assert abs(w.item()) < 0.5 and opt.state[w]["step_size"].item() < 0.5


def test_bad_arguments_raise_as_torch():
    w = mt.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="Invalid eta values: 1.5, 1.2"):
        mt.optim.Rprop([w], etas=(1.5, 1.2))
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        mt.optim.ASGD([w], lr=-1)


@requires_torch
def test_adafactor_factors_batches_of_matrices_as_torch():
    """A 3-d parameter keeps per-matrix row and column means (state shapes (2, 3, 1) and (2, 1, 4))."""
    rng = np.random.default_rng(0)
    init = rng.standard_normal((2, 3, 4))
    ours, theirs = mt.tensor(init, requires_grad=True), torch.tensor(init, requires_grad=True)
    opt, topt = mt.optim.Adafactor([ours]), torch.optim.Adafactor([theirs])
    for _ in range(5):
        grad = rng.standard_normal((2, 3, 4))
        ours.grad, theirs.grad = mt.tensor(grad), torch.tensor(grad)
        opt.step()
        topt.step()
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    assert tuple(opt.state[ours]["row_var"].shape) == (2, 3, 1) and tuple(opt.state[ours]["col_var"].shape) == (2, 1, 4)


def test_adafactor_bad_arguments_raise_as_torch():
    w = mt.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="beta2_decay should be <= 0 but is: 0.5"):
        mt.optim.Adafactor([w], beta2_decay=0.5)
    with pytest.raises(ValueError, match="Clipping threshold d should be >= 1 but is: 0.5"):
        mt.optim.Adafactor([w], d=0.5)
    with pytest.raises(ValueError, match="epsilon1 should be >= 0 but is: -1"):
        mt.optim.Adafactor([w], eps=(-1, 1e-3))

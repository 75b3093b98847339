"""ConstantLR, MultiplicativeLR, PolynomialLR, CosineAnnealingWarmRestarts and CyclicLR against PyTorch's."""
import math

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt


def _optimizer(lib, kind="sgd"):
    w = lib.zeros(2, requires_grad=True)
    b = lib.zeros(1, requires_grad=True)
    groups = [{"params": [w]}, {"params": [b], "lr": 0.05}]
    if kind == "adam":
        return lib.optim.Adam(groups, lr=0.1)
    return lib.optim.SGD(groups, lr=0.1, momentum=0.9)


MAKERS = {
    "constant": lambda L, o: L.optim.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=4),
    "multiplicative": lambda L, o: L.optim.lr_scheduler.MultiplicativeLR(o, lr_lambda=lambda e: 0.9),
    "multiplicative_per_group": lambda L, o: L.optim.lr_scheduler.MultiplicativeLR(
        o, [lambda e: 0.9, lambda e: 1.0 + 0.01 * e]),
    "polynomial": lambda L, o: L.optim.lr_scheduler.PolynomialLR(o, total_iters=6, power=2.0),
    "warm_restarts": lambda L, o: L.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=3, eta_min=0.001),
    "warm_restarts_mult": lambda L, o: L.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2),
    "cyclic": lambda L, o: L.optim.lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3),
    "cyclic_triangular2": lambda L, o: L.optim.lr_scheduler.CyclicLR(o, 0.01, [0.1, 0.2], step_size_up=2,
                                                                      step_size_down=4, mode="triangular2"),
    "cyclic_exp_range": lambda L, o: L.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=2, mode="exp_range",
                                                                    gamma=0.9, cycle_momentum=False),
}


def _trajectory(lib, name, kind="sgd", steps=15):
    opt = _optimizer(lib, kind)
    sched = MAKERS[name](lib, opt)
    rows = []
    for _ in range(steps):
        opt.step()
        sched.step()
        group = opt.param_groups[0]
        rows.append((list(sched.get_last_lr()), group.get("momentum"), group.get("betas")))
    return rows


@requires_torch
@pytest.mark.parametrize("name", sorted(MAKERS))
def test_schedule_matches_torch(name):
    ours, theirs = _trajectory(mt, name), _trajectory(torch, name)
    for (lr, m, _), (tlr, tm, _) in zip(ours, theirs):
        np.testing.assert_allclose(lr, tlr, rtol=1e-12, atol=1e-15)
        assert m == pytest.approx(tm)


@requires_torch
def test_cyclic_cycles_adams_beta1_as_torch():
    ours, theirs = _trajectory(mt, "cyclic", "adam"), _trajectory(torch, "cyclic", "adam")
    for (_, _, betas), (_, _, tbetas) in zip(ours, theirs):
        assert betas == pytest.approx(tbetas)


@requires_torch
def test_warm_restarts_fractional_epochs_match_torch():
    results = []
    for lib in (mt, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2, eta_min=0.01)
        lrs = []
        for epoch in np.arange(0, 9, 0.25):
            sched.step(float(epoch))
            lrs.append(sched.get_last_lr()[0])
        results.append(lrs)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_constant_lr_values():
    opt = _optimizer(mt)
    sched = mt.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(3):
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    assert lrs == pytest.approx([0.05, 0.05, 0.1, 0.1])


def test_bad_arguments_raise_as_torch():
    sched = mt.optim.lr_scheduler
    with pytest.raises(ValueError, match="Constant multiplicative factor expected to be between 0 and 1."):
        sched.ConstantLR(_optimizer(mt), factor=1.5)
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        sched.CosineAnnealingWarmRestarts(_optimizer(mt), T_0=0)
    with pytest.raises(ValueError, match="Expected integer T_mult >= 1, but got 0"):
        sched.CosineAnnealingWarmRestarts(_optimizer(mt), T_0=2, T_mult=0)
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        sched.CosineAnnealingWarmRestarts(_optimizer(mt), T_0=2).step(-1)
    with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
        sched.CyclicLR(_optimizer(mt), 0.01, 0.1, mode="sawtooth")
    w = mt.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        sched.CyclicLR(mt.optim.Adagrad([w]), 0.01, 0.1)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        sched.MultiplicativeLR(_optimizer(mt), [lambda e: 1.0])


def test_schedulers_are_in_torch_paths():
    from microtensor.optim.lr_scheduler import (  # noqa: F401
        ConstantLR,
        CosineAnnealingWarmRestarts,
        CyclicLR,
        MultiplicativeLR,
        PolynomialLR,
    )
    assert math.isclose(PolynomialLR(_optimizer(mt), total_iters=2).get_last_lr()[0], 0.1)

"""Every learning-rate scheduler's lr sequence against torch.optim.lr_scheduler (and its closed form by
hand without torch), chaining, SequentialLR milestones, ReduceLROnPlateau modes, OneCycleLR strategies,
state_dict round trips and errors."""
import math

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor import optim
from microtensor.optim import lr_scheduler

EPOCHS = 30
METRICS = [1.0, 0.9, 0.95, 0.95, 0.96, 0.97, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85, 0.7, 0.7, 0.7,
           0.7, 0.7, 0.7, 0.69999, 0.7, 0.6, 0.61, 0.62, 0.63, 0.64, 0.65, 0.66, 0.67, 0.68, 0.69]


def make_optimizer(lib, kind="SGD"):
    """An optimizer over two groups (lr 0.1 and 0.02) of one-element parameters."""
    a, b = lib.zeros(1, requires_grad=True), lib.zeros(1, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.02}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib.optim.Adam(groups, lr=0.1)


def _one_cycle(kind, **kw):
    return kind, lambda s, o: s.OneCycleLR(o, **kw)


SCHEDULERS = {
    "StepLR": ("SGD", lambda s, o: s.StepLR(o, step_size=4, gamma=0.5)),
    "MultiStepLR": ("SGD", lambda s, o: s.MultiStepLR(o, milestones=[3, 7, 7, 20], gamma=0.3)),
    "ExponentialLR": ("SGD", lambda s, o: s.ExponentialLR(o, gamma=0.9)),
    "CosineAnnealingLR": ("SGD", lambda s, o: s.CosineAnnealingLR(o, T_max=8, eta_min=0.001)),
    "LambdaLR": ("SGD", lambda s, o: s.LambdaLR(o, lr_lambda=[lambda e: 0.95 ** e, lambda e: 1 / (e + 1)])),
    "LinearLR": ("SGD", lambda s, o: s.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=6)),
    "OneCycleLR-cos": _one_cycle("SGD", max_lr=[1.0, 0.5], total_steps=EPOCHS),
    "OneCycleLR-linear-three-phase": _one_cycle("SGD", max_lr=1.0, epochs=3, steps_per_epoch=10,
                                                anneal_strategy="linear", three_phase=True, pct_start=0.25),
    "OneCycleLR-adam-betas": _one_cycle("Adam", max_lr=0.3, total_steps=EPOCHS, base_momentum=0.8,
                                        max_momentum=0.9, div_factor=10.0, final_div_factor=100.0),
    "OneCycleLR-no-momentum": _one_cycle("SGD", max_lr=0.3, total_steps=EPOCHS, cycle_momentum=False),
    "SequentialLR": ("SGD", lambda s, o: s.SequentialLR(
        o, [s.LinearLR(o, start_factor=0.1, total_iters=4), s.ExponentialLR(o, gamma=0.8),
            s.CosineAnnealingLR(o, T_max=6)], milestones=[5, 12])),
    "SequentialLR-step-then-multistep": ("SGD", lambda s, o: s.SequentialLR(
        o, [s.StepLR(o, step_size=2, gamma=0.5), s.MultiStepLR(o, milestones=[2, 4])], milestones=[7])),
    "chained-by-hand": ("SGD", lambda s, o: [s.ExponentialLR(o, gamma=0.9), s.StepLR(o, step_size=3, gamma=0.5)]),
    "ChainedScheduler": ("SGD", lambda s, o: s.ChainedScheduler(
        [s.CosineAnnealingLR(o, T_max=10), s.MultiStepLR(o, milestones=[4, 9], gamma=0.5)])),
}
PLATEAU = {
    "min-rel": dict(mode="min", patience=2),
    "min-abs-cooldown": dict(mode="min", threshold_mode="abs", threshold=0.05, patience=1, cooldown=2, factor=0.5),
    "max-rel-min_lr": dict(mode="max", patience=1, factor=0.5, min_lr=[0.01, 0.004]),
    "max-abs": dict(mode="max", threshold_mode="abs", threshold=0.01, patience=0, factor=0.7, eps=1e-3),
}


def lr_sequence(lib, kind, factory, epochs=EPOCHS):
    """The groups' lrs (and momenta) after construction and after each epoch's step, with get_last_lr()."""
    opt = make_optimizer(lib, kind)
    made = factory(lib.optim.lr_scheduler, opt)
    schedulers = made if isinstance(made, list) else [made]
    rows = []
    for _ in range(epochs):
        rows.append([g["lr"] for g in opt.param_groups] + list(schedulers[-1].get_last_lr())
                    + [g.get("momentum", g.get("betas", (0,))[0]) for g in opt.param_groups])
        opt.step()
        for s in schedulers:
            s.step()
    return np.array(rows, dtype=float)


def plateau_sequence(lib, options):
    opt = make_optimizer(lib)
    sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
    rows = []
    for metric in METRICS:
        opt.step()
        sched.step(metric)
        rows.append([g["lr"] for g in opt.param_groups] + list(sched.get_last_lr()))
    return np.array(rows)


@requires_torch
@pytest.mark.parametrize("name", SCHEDULERS)
def test_lr_sequence_matches_torch(name):
    kind, factory = SCHEDULERS[name]
    expected = lr_sequence(torch, kind, factory)
    assert len(np.unique(expected[:, 0])) > 2
    np.testing.assert_allclose(lr_sequence(mt, kind, factory), expected, rtol=1e-12, atol=1e-15)


@requires_torch
@pytest.mark.parametrize("name", PLATEAU)
def test_reduce_lr_on_plateau_matches_torch(name):
    expected = plateau_sequence(torch, PLATEAU[name])
    assert len(np.unique(expected[:, 0])) > 1
    np.testing.assert_allclose(plateau_sequence(mt, PLATEAU[name]), expected, rtol=1e-12, atol=1e-15)


CLOSED_FORMS = {   # lr of the first group (base 0.1) at epoch e, written out by hand
    "StepLR": lambda e: 0.1 * 0.5 ** (e // 4),
    "MultiStepLR": lambda e: 0.1 * 0.3 ** ((e >= 3) + 2 * (e >= 7) + (e >= 20)),
    "ExponentialLR": lambda e: 0.1 * 0.9 ** e,
    "CosineAnnealingLR": lambda e: 0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * e / 8)) / 2,
    "LambdaLR": lambda e: 0.1 * 0.95 ** e,
    "LinearLR": lambda e: 0.1 * (0.25 + (0.9 - 0.25) * min(e, 6) / 6),
    "OneCycleLR-cos": lambda e: (
        0.04 + (1.0 - 0.04) / 2 * (1 - math.cos(math.pi * e / 8)) if e <= 8
        else 4e-6 + (1.0 - 4e-6) / 2 * (1 + math.cos(math.pi * (e - 8) / 21))),
    "chained-by-hand": lambda e: 0.1 * 0.9 ** e * 0.5 ** (e // 3),
}


@pytest.mark.parametrize("name", CLOSED_FORMS)
def test_lr_sequence_matches_its_formula(name):
    kind, factory = SCHEDULERS[name]
    lrs = lr_sequence(mt, kind, factory)[:, 0]
    np.testing.assert_allclose(lrs, [CLOSED_FORMS[name](e) for e in range(EPOCHS)], rtol=1e-10)


def test_sequential_lr_restarts_each_scheduler_at_its_milestone():
    lrs = lr_sequence(mt, *SCHEDULERS["SequentialLR"])[:, 0]
    np.testing.assert_allclose(lrs[:5], [0.1 * (0.1 + 0.9 * e / 4) for e in range(5)])
    np.testing.assert_allclose(lrs[5:12], [0.1 * 0.8 ** e for e in range(7)])
    np.testing.assert_allclose(lrs[12:18], [0.1 * (1 + math.cos(math.pi * e / 6)) / 2 for e in range(6)], atol=1e-15)


def test_plateau_reduces_after_patience_by_hand():
    lrs = plateau_sequence(mt, dict(mode="min", patience=2, factor=0.5))[:, 0]
    # best 0.9 at epoch 1; 0.95, 0.95, 0.96 are three bad epochs -> halved after the third (epoch 4)
    np.testing.assert_allclose(lrs[:7], [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05])


@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "LambdaLR", "OneCycleLR-linear-three-phase",
                                  "SequentialLR", "ChainedScheduler"])
def test_state_dict_round_trip_resumes_the_schedule(name):
    kind, factory = SCHEDULERS[name]
    straight = lr_sequence(mt, kind, factory, epochs=20)
    opt = make_optimizer(mt, kind)
    sched = factory(lr_scheduler, opt)
    for _ in range(9):
        opt.step()
        sched.step()
    saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    fresh_opt = make_optimizer(mt, kind)
    fresh = factory(lr_scheduler, fresh_opt)
    fresh.load_state_dict(saved_sched)
    fresh_opt.load_state_dict(saved_opt)
    for epoch in range(9, 20):
        assert fresh_opt.param_groups[0]["lr"] == pytest.approx(straight[epoch, 0], rel=1e-12)
        assert fresh.get_last_lr()[1] == pytest.approx(straight[epoch, 3], rel=1e-12)
        fresh_opt.step()
        fresh.step()
    assert "optimizer" not in saved_sched


def test_plateau_state_dict_round_trip():
    opt = make_optimizer(mt)
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1)
    for metric in METRICS[:5]:
        sched.step(metric)
    other = lr_scheduler.ReduceLROnPlateau(make_optimizer(mt), patience=7, mode="max")
    other.load_state_dict(sched.state_dict())
    assert (other.best, other.num_bad_epochs, other.patience, other.mode) == (0.9, sched.num_bad_epochs, 1, "min")


def test_scheduler_errors():
    opt = make_optimizer(mt)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], step_size=2)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(opt, step_size=2, last_epoch=3)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        lr_scheduler.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode sideways is unknown"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="sideways")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 3"):
        lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0, 0, 0])
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=5, anneal_strategy="step")
    with pytest.raises(ValueError, match="max_lr must have the same length as optimizer.param_groups"):
        lr_scheduler.OneCycleLR(opt, max_lr=[1.0], total_steps=5)
    one_cycle = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=2)
    one_cycle.step()
    one_cycle.step()
    with pytest.raises(ValueError, match="Tried to step 3 times. The specified number of total steps is 2"):
        one_cycle.step()
    with pytest.raises(ValueError, match="momentum or beta1"):
        lr_scheduler.OneCycleLR(optim.Adagrad([mt.zeros(1, requires_grad=True)]), max_lr=1.0, total_steps=5)
    other = make_optimizer(mt)
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.StepLR(opt, 2), lr_scheduler.StepLR(other, 2)], [3])
    with pytest.raises(ValueError, match="number of schedulers 1 and the number of milestones to be equal to 1"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.StepLR(opt, 2)], [3])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        lr_scheduler.ChainedScheduler([lr_scheduler.ReduceLROnPlateau(opt)])

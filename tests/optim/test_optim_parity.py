"""Every optimizer and option combination against torch.optim: 100 steps on a Rosenbrock function and on a
small MLP from the same float64 start give the same parameters (rtol 1e-6); resuming from a state dict
gives the same trajectory as never stopping."""
import io

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor import load, optim, save

STEPS = 100

# (optimizer, options, lr on Rosenbrock, lr on the MLP)
CONFIGS = [
    ("SGD", {}, 5e-5, 0.1),
    ("SGD", {"momentum": 0.9}, 5e-5, 0.1),
    ("SGD", {"momentum": 0.9, "dampening": 0.5}, 5e-5, 0.1),
    ("SGD", {"momentum": 0.9, "nesterov": True}, 5e-5, 0.1),
    ("SGD", {"momentum": 0.5, "weight_decay": 0.1, "maximize": True}, 5e-5, 0.1),
    ("Adagrad", {}, 0.1, 0.1),
    ("Adagrad", {"lr_decay": 0.01, "initial_accumulator_value": 0.1}, 0.1, 0.1),
    ("Adagrad", {"weight_decay": 0.1, "eps": 1e-5, "maximize": True}, 0.1, 0.1),
    ("RMSprop", {}, 1e-3, 1e-2),
    ("RMSprop", {"centered": True}, 1e-3, 1e-2),
    ("RMSprop", {"momentum": 0.9}, 1e-3, 1e-2),
    ("RMSprop", {"centered": True, "momentum": 0.5, "alpha": 0.9}, 1e-3, 1e-2),
    ("RMSprop", {"weight_decay": 0.1, "maximize": True}, 1e-3, 1e-2),
    ("Adadelta", {}, 1.0, 1.0),
    # at lr 1 this run is chaotic: a 1e-17 difference in the MLP's gradient grows to 1e-6 by step 100
    ("Adadelta", {"rho": 0.5, "eps": 1e-4}, 1.0, 0.5),
    ("Adadelta", {"weight_decay": 0.1, "maximize": True}, 1.0, 1.0),
    ("Adam", {}, 1e-2, 1e-2),
    ("Adam", {"amsgrad": True}, 1e-2, 1e-2),
    ("Adam", {"betas": (0.8, 0.99), "eps": 1e-6}, 1e-2, 1e-2),
    ("Adam", {"weight_decay": 0.1, "maximize": True}, 1e-2, 1e-2),
    ("Adam", {"weight_decay": 0.1, "decoupled_weight_decay": True, "amsgrad": True}, 1e-2, 1e-2),
    ("AdamW", {}, 1e-2, 1e-2),
    ("AdamW", {"amsgrad": True, "weight_decay": 0.1}, 1e-2, 1e-2),
    ("AdamW", {"maximize": True}, 1e-2, 1e-2),
    ("Adamax", {}, 1e-2, 1e-2),
    ("Adamax", {"betas": (0.8, 0.99), "weight_decay": 0.1}, 1e-2, 1e-2),
    ("Adamax", {"maximize": True}, 1e-2, 1e-2),
    ("NAdam", {}, 1e-2, 1e-2),
    ("NAdam", {"momentum_decay": 1e-2, "weight_decay": 0.1}, 1e-2, 1e-2),
    ("NAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True}, 1e-2, 1e-2),
    ("NAdam", {"maximize": True}, 1e-2, 1e-2),
    ("RAdam", {}, 1e-4, 1e-2),
    ("RAdam", {"betas": (0.9, 0.9), "weight_decay": 0.1}, 1e-4, 1e-2),
    ("RAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True}, 1e-4, 1e-2),
    ("RAdam", {"maximize": True}, 1e-4, 1e-2),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in opts.items()) or 'default'}" for name, opts, *_ in CONFIGS]


def rosenbrock(lib, params, sign):
    """The n-dimensional Rosenbrock function, times ``sign`` (-1 to test maximize)."""
    (x,) = params
    return sign * (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


ROSENBROCK_START = [np.array([-1.2, 1.0, -0.5, 0.8])]

_rng = np.random.default_rng(0)
MLP_X, MLP_Y = _rng.standard_normal((16, 4)), _rng.standard_normal((16, 3))
MLP_START = [_rng.standard_normal((4, 8)) * 0.5, _rng.standard_normal(8) * 0.1,
             _rng.standard_normal((8, 3)) * 0.5, _rng.standard_normal(3) * 0.1]


def mlp(lib, params, sign):
    """Mean squared error of a 4-8-3 tanh MLP on fixed data, times ``sign``."""
    w1, b1, w2, b2 = params
    x, y = lib.tensor(MLP_X), lib.tensor(MLP_Y)
    return sign * (((x @ w1 + b1).tanh() @ w2 + b2 - y) ** 2).mean()


OBJECTIVES = {"rosenbrock": (rosenbrock, ROSENBROCK_START, 2), "mlp": (mlp, MLP_START, 3)}


def run(lib, name, options, lr, objective, steps, groups=None, state_dict=None):
    """``steps`` steps of optimizer ``name`` of ``lib`` on ``objective``; returns (params, optimizer)."""
    fn, start, _ = OBJECTIVES[objective]
    params = [lib.tensor(a.copy(), requires_grad=True) for a in start]
    opt = getattr(lib.optim, name)(groups(params) if groups else params, lr=lr, **options)
    if state_dict is not None:
        opt.load_state_dict(state_dict)
    sign = -1.0 if options.get("maximize") else 1.0
    for _ in range(steps):
        opt.zero_grad()
        fn(lib, params, sign).backward()
        opt.step()
    return params, opt


def two_groups(lr):
    return lambda params: ([{"params": params[0::2]}, {"params": params[1::2], "lr": lr / 2}]
                           if len(params) > 1 else params)


@requires_torch
@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_trajectory_matches_torch(config, objective):
    name, options, lr_rosenbrock, lr_mlp = config
    lr = lr_rosenbrock if objective == "rosenbrock" else lr_mlp
    groups = two_groups(lr)
    ours, _ = run(mt, name, options, lr, objective, STEPS, groups)
    theirs, _ = run(torch, name, options, lr, objective, STEPS, groups)
    start = OBJECTIVES[objective][1]
    for o, t, s in zip(ours, theirs, start):
        expected = t.detach().numpy()
        assert np.isfinite(expected).all()
        assert not np.allclose(expected, s, rtol=1e-3), "the optimizer did not move the parameters"
        np.testing.assert_allclose(o.detach().numpy(), expected, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_resume_from_state_dict_continues_the_trajectory(config):
    name, options, _, lr = config
    groups = two_groups(lr)
    straight, _ = run(mt, name, options, lr, "mlp", 10, groups)
    params, first_half = run(mt, name, options, lr, "mlp", 5, groups)
    saved = load(_roundtrip(first_half.state_dict()))
    opt = getattr(optim, name)(groups(params), lr=lr, **options)
    opt.load_state_dict(saved)
    first_half.zero_grad()
    sign = -1.0 if options.get("maximize") else 1.0
    for _ in range(5):
        opt.zero_grad()
        mlp(mt, params, sign).backward()
        opt.step()
    for a, b in zip(straight, params):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-7, atol=1e-12)


def _roundtrip(state_dict):
    """The state dict written by save into memory, as a file would hold it."""
    buffer = io.BytesIO()
    save(state_dict, buffer)
    buffer.seek(0)
    return buffer

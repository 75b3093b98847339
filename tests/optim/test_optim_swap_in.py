"""swap_in_optimizer_params_and_state against PyTorch's: a step on other parameters and state, with the live
optimizer untouched, in-place state updates reaching the swapped-in dict, and PyTorch's errors."""
import copy

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt


def _run(lib):
    model = lib.nn.Linear(3, 2).double()
    with lib.no_grad():
        model.weight.copy_(lib.tensor(np.arange(6.0).reshape(2, 3) / 10))
        model.bias.copy_(lib.tensor([0.1, -0.2]))
    opt = lib.optim.Adam(model.parameters(), lr=0.1)
    model(lib.ones(4, 3, dtype=lib.float64)).sum().backward()
    opt.step()
    other = copy.deepcopy(model)
    params = dict(other.named_parameters())
    for p in params.values():
        p.grad = lib.ones_like(p)
    osd = copy.deepcopy(opt.state_dict())
    osd["param_groups"][0]["lr"] = 0.5
    live_state = opt.state
    with lib.optim.swap_in_optimizer_params_and_state(opt, params, osd):
        opt.step()
        lr_inside = opt.param_groups[0]["lr"]
    assert opt.state is live_state and opt.param_groups[0]["params"][0] is model.weight
    return (model.weight.detach().numpy().copy(), other.weight.detach().numpy().copy(), lr_inside,
            opt.param_groups[0]["lr"], osd["state"][0]["step"].item(), osd["state"][0]["exp_avg"].numpy().copy())


@requires_torch
def test_matches_torch():
    for ours, theirs in zip(_run(mt), _run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_errors():
    w = mt.zeros(2, requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.1, momentum=0.9)
    with pytest.raises(RuntimeError, match="requires initialized optimizer state"):
        with mt.optim.swap_in_optimizer_params_and_state(opt, {"w": w}, opt.state_dict()):
            pass
    w.grad = mt.ones(2)
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(RuntimeError, match="different number of parameter groups"):
        with mt.optim.swap_in_optimizer_params_and_state(opt, {"w": w}, {"state": {}, "param_groups": []}):
            pass
    bad = copy.deepcopy(sd)
    bad["state"][7] = {}
    with pytest.raises(RuntimeError, match="got extra keys \\[7\\]"):
        with mt.optim.swap_in_optimizer_params_and_state(opt, {"w": w}, bad):
            pass

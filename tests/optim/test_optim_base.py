"""Optimizer base: parameter groups, errors, zero_grad, closures, in-place updates and versions,
state_dict format and load_state_dict checks, dtypes."""
import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor import optim
from microtensor.optim import Optimizer

ALL = ["SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax", "NAdam", "RAdam"]


def leaf(*values):
    return mt.tensor(np.array(values, dtype=np.float64), requires_grad=True)


def test_construction_errors():
    p = leaf(1.0, 2.0)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts, but got .*Tensor"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts, but got int"):
        optim.SGD(3, lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.Adam([])
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p], "lr": 0.5}])
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is float"):
        optim.SGD([p, 1.0])
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([p * 2])
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {p}}])
    with pytest.raises(TypeError, match="param_group must be a dict, but got list"):
        optim.SGD([p]).add_param_group([leaf(1.0)])


@pytest.mark.parametrize("name", ALL)
def test_negative_lr_is_refused(name):
    with pytest.raises(ValueError, match="Invalid learning rate: -0.1"):
        getattr(optim, name)([leaf(1.0)], lr=-0.1)


@pytest.mark.parametrize("name, options, message", [
    ("SGD", {"momentum": -0.5}, "Invalid momentum value: -0.5"),
    ("SGD", {"weight_decay": -1}, "Invalid weight_decay value: -1"),
    ("SGD", {"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "Nesterov momentum requires"),
    ("Adam", {"betas": (1.0, 0.999)}, r"Invalid beta parameter at index 0: 1.0"),
    ("AdamW", {"betas": (0.9, -0.1)}, r"Invalid beta parameter at index 1: -0.1"),
    ("Adamax", {"betas": (0.9, 1.5)}, r"Invalid beta parameter at index 1: 1.5"),
    ("NAdam", {"momentum_decay": -1e-3}, "Invalid momentum_decay value: -0.001"),
    ("RAdam", {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    ("Adadelta", {"rho": 1.5}, "Invalid rho value: 1.5"),
    ("RMSprop", {"alpha": -0.1}, "Invalid alpha value: -0.1"),
    ("Adagrad", {"lr_decay": -1}, "Invalid lr_decay value: -1"),
    ("Adagrad", {"initial_accumulator_value": -1}, "Invalid initial_accumulator_value value: -1"),
])
def test_invalid_options(name, options, message):
    with pytest.raises(ValueError, match=message):
        getattr(optim, name)([leaf(1.0)], **options)


def test_param_groups_take_defaults_and_overrides():
    a, b, c = leaf(1.0), leaf(2.0), leaf(3.0)
    opt = optim.SGD([{"params": a}, {"params": (b,), "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0, 0.9]
    assert opt.param_groups[0]["params"] == [a]
    opt.add_param_group({"params": [c], "weight_decay": 0.1})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["weight_decay"] == 0.1
    for p in (a, b, c):
        p.grad = mt.ones_like(p)
    opt.step()
    np.testing.assert_allclose([a.item(), b.item(), c.item()], [0.9, 1.5, 3.0 - 0.1 * 1.3])


def test_step_skips_parameters_without_grad_and_runs_the_closure():
    a, b = leaf(1.0, 2.0), leaf(3.0)
    opt = optim.Adam([a, b], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (a ** 2).sum()
        loss.backward()
        return loss

    with mt.no_grad():                       # the closure runs with grad enabled all the same
        loss = opt.step(closure)
    assert loss.item() == 5.0
    assert b.item() == 3.0 and b not in opt.state
    assert opt.state[a]["step"].item() == 1.0
    np.testing.assert_allclose(a.detach().numpy(), [0.9, 1.9])


def test_update_is_in_place_and_bumps_the_version():
    p = leaf(1.0, 2.0)
    view = p.detach()                        # shares memory with p
    opt = optim.SGD([p], lr=0.5)
    p.grad = mt.tensor(np.array([1.0, 1.0]))
    before = p._version
    opt.step()
    assert p._version == before + 1
    assert view._version == before + 1      # the counter is shared with the memory
    np.testing.assert_allclose(view.numpy(), [0.5, 1.5])
    assert p.is_leaf and p.requires_grad and p.grad_fn is None


@pytest.mark.parametrize("name", ALL)
def test_every_step_bumps_each_updated_parameter_once(name):
    p, untouched = leaf(1.0, 2.0), leaf(3.0)
    opt = getattr(optim, name)([p, untouched], lr=0.1)
    for step in range(1, 3):
        p.grad = mt.tensor(np.array([0.5, -0.25]))
        opt.step()
        assert p._version == step
    assert untouched._version == 0          # no gradient, no update


def test_zero_grad_in_place_bumps_the_gradients_version():
    p = leaf(1.0, 2.0)
    opt = optim.SGD([p], lr=0.1)
    (p * 3).sum().backward()
    before = p.grad._version
    opt.zero_grad(set_to_none=False)
    assert p.grad._version == before + 1


def test_a_saved_parameter_changed_by_step_fails_backward():
    p = leaf(1.0, 2.0)
    loss = (p * p).sum()                    # mul saves p for backward
    opt = optim.SGD([p], lr=0.1)
    p.grad = mt.ones_like(p)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_zero_grad():
    p = leaf(1.0, 2.0)
    opt = optim.SGD([p], lr=0.1)
    (p * 3).sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad
    np.testing.assert_array_equal(p.grad.numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert p.grad is None


@pytest.mark.parametrize("name", ALL)
def test_float32_parameters_and_state_stay_float32(name):
    p = mt.tensor(np.array([1.0, -2.0], dtype=np.float32), requires_grad=True)
    opt = getattr(optim, name)([p], lr=0.01, **({"momentum": 0.9} if name in ("SGD", "RMSprop") else {}))
    for _ in range(3):
        p.grad = mt.tensor(np.array([0.5, 0.25], dtype=np.float32))
        opt.step()
    assert p.dtype == mt.float32 and p._data.dtype == np.float32
    for key, value in opt.state[p].items():
        assert value.dtype == (mt.float32), key


def test_state_dict_format():
    a, b, c = leaf(1.0), leaf(2.0), leaf(3.0)
    opt = optim.Adam([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, amsgrad=True)
    for p in (a, c):
        p.grad = mt.ones_like(p)
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0, 1] and sd["param_groups"][1]["params"] == [2]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert sorted(sd["state"]) == [0, 2]
    assert sorted(sd["state"][0]) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]
    assert sd["state"][2]["step"].item() == 1.0
    assert "params" in opt.param_groups[0] and isinstance(opt.param_groups[0]["params"][0], mt.Tensor)


def test_load_state_dict_copies_and_casts_and_checks_sizes():
    p = leaf(1.0, 2.0)
    opt = optim.Adam([p], lr=0.1)
    p.grad = mt.ones_like(p)
    opt.step()
    sd = opt.state_dict()
    q = mt.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    other = optim.Adam([q], lr=0.3)
    other.load_state_dict(sd)
    assert other.param_groups[0]["lr"] == 0.1 and other.param_groups[0]["params"] == [q]
    assert other.state[q]["exp_avg"].dtype == mt.float32
    assert other.state[q]["exp_avg"]._data is not opt.state[p]["exp_avg"]._data
    assert other.state[q]["step"].item() == 1.0
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.Adam([{"params": [leaf(1.0)]}, {"params": [leaf(1.0)]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.Adam([leaf(1.0), leaf(2.0)]).load_state_dict(sd)


def test_failed_load_state_dict_changes_nothing():
    p, q = leaf(1.0, 2.0), leaf(3.0)
    opt = optim.Adam([{"params": [p]}, {"params": [q], "lr": 0.5}], lr=0.1)
    p.grad, q.grad = mt.ones_like(p), mt.ones_like(q)
    opt.step()
    groups, state = opt.param_groups, opt.state
    saved = {k: v.numpy().tobytes() for k, v in state[p].items()}
    bad = opt.state_dict()
    bad["param_groups"][1]["params"].append(7)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt.load_state_dict(bad)
    assert opt.param_groups is groups and opt.state is state and groups[1]["lr"] == 0.5
    assert {k: v.numpy().tobytes() for k, v in state[p].items()} == saved


def test_adagrad_fills_its_state_at_construction():
    p = leaf(1.0, 2.0)
    opt = optim.Adagrad([p], initial_accumulator_value=0.25)
    np.testing.assert_array_equal(opt.state[p]["sum"].numpy(), [0.25, 0.25])
    assert opt.state[p]["step"].item() == 0.0


def test_sgd_without_momentum_keeps_no_state():
    p = leaf(1.0)
    opt = optim.SGD([p], lr=0.1)
    p.grad = mt.ones_like(p)
    opt.step()
    assert opt.state_dict()["state"] == {}


def test_repr_lists_each_group():
    opt = optim.SGD([leaf(1.0)], lr=0.1, momentum=0.9)
    assert repr(opt) == ("SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n    maximize: False\n"
                         "    momentum: 0.9\n    nesterov: False\n    weight_decay: 0\n)")


def test_a_custom_optimizer_writes_only_its_rule():
    class SignSGD(Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, {"lr": lr})

        def _update(self, param, grad, group, state):
            param -= group["lr"] * np.sign(grad)

    p = leaf(1.0, -1.0)
    opt = SignSGD([p])
    p.grad = mt.tensor(np.array([3.0, -0.5]))
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), [0.9, -0.9])


@requires_torch
def test_state_dict_layout_matches_torch():
    def build(lib):
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
        opt = lib.optim.NAdam([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
        a.grad, b.grad = lib.ones(2), lib.ones(3)
        opt.step()
        return opt.state_dict()

    ours, theirs = build(mt), build(torch)
    assert sorted(ours["state"]) == sorted(theirs["state"])
    for i in theirs["state"]:
        assert sorted(ours["state"][i]) == sorted(theirs["state"][i])
        for key, value in theirs["state"][i].items():
            np.testing.assert_allclose(ours["state"][i][key].numpy(), value.numpy(), rtol=1e-6)
    for g_ours, g_theirs in zip(ours["param_groups"], theirs["param_groups"]):
        for key in g_ours:
            assert g_ours[key] == g_theirs[key], key

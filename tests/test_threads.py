"""Modes are per thread, as in PyTorch: grad mode and inference mode set in one thread leave the others
alone, and a new thread starts with grad on and inference off. Anomaly detection, as in PyTorch, is one
switch for all threads."""
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from helpers import requires_torch, run_threads, torch

import microtensor as mt
from microtensor import nn

LIBS = ["mt", pytest.param("torch", marks=requires_torch)]          # PyTorch shows the same defaults

SWITCHES = {                                   # name -> make the switch that turns recording off
    "no_grad": lambda lib: lib.no_grad(),
    "inference_mode": lambda lib: lib.inference_mode(),
    "set_grad_enabled_false": lambda lib: lib.set_grad_enabled(False),
}


def library(name: str) -> Any:
    return mt if name == "mt" else torch


def records(lib: Any = mt) -> bool:
    """Whether an op on a tensor that requires grad is recorded right now, in this thread."""
    return (lib.ones(1, requires_grad=True) * 2).requires_grad


def where(lib: Any) -> Any:
    """Where the library keeps its ``is_*_enabled`` functions."""
    return mt.autograd if lib is mt else torch


def modes(lib: Any = mt) -> tuple[bool, bool, bool]:
    """This thread's (grad mode, inference mode, recording)."""
    return where(lib).is_grad_enabled(), where(lib).is_inference_mode_enabled(), records(lib)


DEFAULTS = (True, False, True)


@pytest.fixture(autouse=True)
def modes_are_restored():
    yield
    assert modes() == DEFAULTS and not mt.autograd.is_anomaly_enabled()


@pytest.mark.parametrize("lib_name", LIBS)
@pytest.mark.parametrize("name", SWITCHES)
def test_new_thread_records_while_this_one_does_not(lib_name, name):
    lib = library(lib_name)
    with SWITCHES[name](lib):
        assert not records(lib)
        assert run_threads(lambda: records(lib)) == [True]
        assert not records(lib)


@pytest.mark.parametrize("lib_name", LIBS)
def test_new_thread_starts_with_the_default_modes(lib_name):
    lib = library(lib_name)
    with lib.inference_mode():
        assert run_threads(lambda: modes(lib)) == [DEFAULTS]
    with lib.no_grad(), lib.enable_grad(), lib.inference_mode(), lib.set_grad_enabled(False):
        assert run_threads(lambda: modes(lib)) == [DEFAULTS]


@pytest.mark.parametrize("lib_name", LIBS)
def test_plain_call_leaves_other_threads_alone(lib_name):
    lib = library(lib_name)
    barrier = threading.Barrier(2, timeout=30)

    def switch_off() -> tuple:
        lib.set_grad_enabled(False)
        barrier.wait()                 # switched off here ...
        barrier.wait()                 # ... while the other thread looked
        return modes(lib)

    def look() -> tuple:
        barrier.wait()
        seen = modes(lib)
        barrier.wait()
        return seen

    assert run_threads(switch_off, look, barrier=barrier) == [(False, False, False), DEFAULTS]
    assert modes(lib) == DEFAULTS      # the switched thread ended; this one never changed


@pytest.mark.filterwarnings("ignore:Anomaly Detection has been enabled")   # PyTorch's notice
@pytest.mark.parametrize("lib_name", LIBS)
def test_anomaly_detection_is_one_switch_for_all_threads(lib_name):
    lib = library(lib_name)
    with lib.autograd.detect_anomaly():
        assert run_threads(lambda: where(lib).is_anomaly_enabled()) == [True]
    try:
        run_threads(lambda: lib.autograd.set_detect_anomaly(True))
        assert where(lib).is_anomaly_enabled()
    finally:
        lib.autograd.set_detect_anomaly(False)


def make_run(seed: int, evaluate_every: int | None) -> tuple[nn.Module, Callable[[], list[float]]]:
    """A small regression model and a function that trains it (a few hundred steps, evaluating under
    ``no_grad`` every ``evaluate_every`` steps) and returns every loss it saw. The model is made here, in
    the calling thread: the default generator is one for all threads, as in PyTorch."""
    mt.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
    rng = np.random.default_rng(seed)
    x = mt.tensor(rng.standard_normal((32, 4)), dtype=mt.float32)
    y = mt.tensor(rng.standard_normal((32, 1)), dtype=mt.float32)
    opt = mt.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    def train(barrier: threading.Barrier | None = None) -> list[float]:
        losses = []
        for step in range(300):
            if barrier is not None:
                barrier.wait()         # the two threads take their steps side by side
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if evaluate_every and step % evaluate_every == 0:
                with mt.no_grad():
                    losses.append(nn.functional.mse_loss(model(x), y).item())
        return losses

    return model, train


def trajectories(concurrent: bool) -> list:
    """(losses, final parameters) of the two runs, done in two threads at once or one after the other."""
    runs = [make_run(0, evaluate_every=3), make_run(1, evaluate_every=None)]
    if concurrent:
        barrier = threading.Barrier(2, timeout=60)
        losses = run_threads(*[lambda train=train: train(barrier) for _, train in runs], barrier=barrier)
    else:
        losses = [train() for _, train in runs]
    return [(loss, [p.detach().numpy().copy() for p in model.parameters()])
            for loss, (model, _) in zip(losses, runs)]


def test_two_threads_train_two_models_as_if_one_after_the_other():
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)        # switch threads as often as possible: inside ops, not just between them
    try:
        together = trajectories(concurrent=True)
    finally:
        sys.setswitchinterval(interval)
    for (losses, params), (expected_losses, expected_params) in zip(together, trajectories(concurrent=False)):
        assert losses == expected_losses
        for p, q in zip(params, expected_params):
            np.testing.assert_array_equal(p, q)

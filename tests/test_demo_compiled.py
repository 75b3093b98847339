"""The demos' compiled training steps (``mt.compile``) give eager's numbers exactly: ``train_classifier``'s
step (an MLP, a BatchNorm network, the last smaller batch of an epoch), the optimizers demo's valley steps and
its loss-and-gradients step before clipping, and the sequences demo's memory and sine-wave training."""
import importlib.util

import numpy as np
import pytest

import microtensor as mt

pytest.importorskip("matplotlib")  # demos.common draws with it

from demos import optimizers as opt
from demos import sequences as seq
from demos.training import digits_split, loss_and_gradients, train_classifier
from microtensor import nn, optim
from microtensor.nn import functional as F
from microtensor.utils.data import DataLoader

needs_digits = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="the digits need scikit-learn")


def small_split():
    split = digits_split(flatten=True)
    return type(split)(split.x_train[:300], split.y_train[:300], split.x_test[:100], split.y_test[:100])


def batchnorm_net():
    return nn.Sequential(nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 10))


@needs_digits
@pytest.mark.parametrize("build", [lambda: nn.MLP([64, 32, 10]), batchnorm_net], ids=["mlp", "batchnorm"])
def test_train_classifier_compiled_matches_eager(build):
    split = small_split()                      # 300 examples in batches of 64: the last batch has 44
    runs = []
    for compiled in (False, True):
        mt.manual_seed(0)
        model = build()
        history = train_classifier(model, split, optim.Adam(model.parameters(), lr=0.01), epochs=2, batch_size=64,
                                   compiled=compiled)
        runs.append((history, model.state_dict()))
    (eager, eager_state), (replayed, replayed_state) = runs
    assert replayed.loss == eager.loss and replayed.accuracy == eager.accuracy
    for name, value in eager_state.items():
        assert np.array_equal(replayed_state[name].numpy(), value.numpy()), name


@pytest.mark.parametrize("name", opt.RULES)
def test_valley_descent_compiled_matches_eager(name):
    run = opt.descend(name, steps=20, angle=opt.TURN)
    w = mt.tensor(opt.turn(opt.VALLEY_START, opt.TURN), dtype=mt.float64, requires_grad=True)
    optimizer = opt.make_optimizer(name, [w], opt.VALLEY_LR[name])
    losses = [opt.valley_step(w, optimizer, opt.TURN).item() for _ in range(20)]
    assert run.losses[:-1] == losses
    assert run.points[-1].tolist() == w.tolist()
    assert "def replay(" in run.code and "step()" in run.code


@needs_digits
def test_updates_with_clipping_match_an_eager_loop():
    split = small_split()
    loader = DataLoader(split.train_set(), batch_size=64, shuffle=True, generator=mt.Generator().manual_seed(0))
    model = opt.make_mlp(0)
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    replayed = [(u.loss, u.norm) for u in opt.updates(model, loader, optimizer, 8, clip_norm=1.0)]
    loader = DataLoader(split.train_set(), batch_size=64, shuffle=True, generator=mt.Generator().manual_seed(0))
    model = opt.make_mlp(0)
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    eager = []
    for x, y in [batch for _ in range(2) for batch in loader][:8]:
        loss = loss_and_gradients(model, optimizer, F.cross_entropy, x, y)
        eager.append((loss.item(), nn.utils.clip_grad_norm_(model.parameters(), 1.0).item()))
        optimizer.step()
    assert replayed == eager


def trained_states(train, monkeypatch, build_name):
    """Run ``train()`` compiled, then eagerly (``mt.compile`` made the identity); each run's result and the
    state of the model it built with ``seq.<build_name>``."""
    runs = []
    for compiled in (True, False):
        if not compiled:
            monkeypatch.setattr(mt, "compile", lambda fn: fn)
        built = []
        cls = getattr(seq, build_name)
        monkeypatch.setattr(seq, build_name, lambda *args: built.append(cls(*args)) or built[-1])
        result = train()
        monkeypatch.setattr(seq, build_name, cls)
        runs.append((result, {k: v.numpy() for k, v in built[0].state_dict().items()}))
    return runs


@pytest.mark.parametrize("kind", seq.KINDS)
def test_memory_training_compiled_matches_eager(kind, monkeypatch):
    (replayed, replayed_state), (eager, eager_state) = trained_states(
        lambda: seq.train_memory(kind, gap=10, steps=12, eval_every=4), monkeypatch, "Recaller")
    assert replayed.accuracy == eager.accuracy
    for name, value in eager_state.items():
        assert np.array_equal(replayed_state[name], value), name


def test_sine_training_compiled_matches_eager(monkeypatch):
    (replayed, replayed_state), (eager, eager_state) = trained_states(lambda: seq.train_sine(steps=12), monkeypatch,
                                                                      "NextStep")
    assert replayed.losses == eager.losses and replayed.mse == eager.mse
    for name, value in eager_state.items():
        assert np.array_equal(replayed_state[name], value), name

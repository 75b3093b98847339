"""The demos' compiled training steps (``mt.compile``) give eager's numbers exactly: ``train_classifier``'s
step (an MLP, a BatchNorm network, the last smaller batch of an epoch)."""
import importlib.util

import numpy as np
import pytest

import microtensor as mt

pytest.importorskip("matplotlib")  # demos.common draws with it

from demos.training import digits_split, train_classifier
from microtensor import nn, optim

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

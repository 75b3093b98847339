"""The vanishing-gradients demo's headline facts (full settings, seed 0): the sigmoid net's first layer gets
about 1e-8 of its last layer's gradient, about 0.144 less per layer as the notes' sigma' <= 0.25 predicts,
while BatchNorm and residual connections keep every layer's gradient within a small factor; and only those
two nets learn in a short SGD run."""
import math

import pytest

pytest.importorskip("sklearn")

from demos import vanishing_gradients as vg
from demos.training import digits_split


@pytest.fixture(scope="module")
def split():
    return digits_split(flatten=True)


@pytest.fixture(scope="module")
def runs(split):
    return vg.compare(split)


def test_sigmoid_first_layer_gets_orders_of_magnitude_less_gradient_than_the_last(runs):
    sigmoid = runs["sigmoid"]
    assert sigmoid.ratio < 1e-6
    assert all(lower < upper for lower, upper in zip(sigmoid.norms, sigmoid.norms[1:]))  # shrinks every layer


def test_sigmoid_shrinks_the_gradient_per_layer_as_the_derivative_bound_predicts(runs):
    assert vg.SIGMOID_FACTOR == pytest.approx(0.25 / math.sqrt(3))
    assert runs["sigmoid"].factor == pytest.approx(vg.SIGMOID_FACTOR, rel=0.15)


def test_plain_relu_with_the_default_init_still_loses_most_of_the_gradient(runs):
    assert 1e-4 < runs["ReLU"].ratio < 0.05


@pytest.mark.parametrize("kind", ["ReLU + BatchNorm", "residual"])
def test_batchnorm_and_residual_keep_every_layer_within_a_small_factor(runs, kind):
    norms = runs[kind].norms
    assert 0.1 < runs[kind].ratio < 10
    assert max(norms) / min(norms) < 10


def test_nets_are_the_same_but_for_their_kind(runs):
    counts = {kind: sum(p.numel() for p in run.model.layers.parameters()) for kind, run in runs.items()}
    assert len(set(counts.values())) == 1
    assert all(len(run.norms) == vg.DEPTH for run in runs.values())
    with pytest.raises(ValueError, match="unknown kind"):
        vg.DeepNet("tanh")


@pytest.mark.slow
def test_only_the_batchnorm_and_residual_nets_learn_in_a_short_sgd_run(split):
    histories = {kind: vg.train(kind, split) for kind in vg.KINDS}
    for kind in ("sigmoid", "ReLU"):  # stuck at chance: cross-entropy ln 10
        assert histories[kind].loss[-1] > math.log(10) - 0.05, kind
        assert histories[kind].accuracy[-1] < 0.2, kind
    for kind in ("ReLU + BatchNorm", "residual"):
        assert histories[kind].loss[-1] < 0.5, kind
        assert histories[kind].accuracy[-1] > 0.85, kind

"""The optimizers demo's headline facts with its full settings: every rule reaches the valley's floor and momentum
beats plain SGD there; turning the valley changes only the per-coordinate methods; all seven learn the digits;
decayed learning rates end lower than a constant one; clipping turns a divergence into training; and the three
batch sizes rank as the notes say, per update and per example."""
import importlib.util
import math

import pytest

pytest.importorskip("matplotlib")  # demos.common draws with it

from demos import optimizers as opt

needs_digits = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="the digits need scikit-learn")


@pytest.fixture(scope="module")
def aligned():
    return {name: opt.descend(name) for name in opt.RULES}


def test_every_optimizer_reaches_the_valley_floor(aligned):
    start_loss = aligned["SGD"].losses[0]
    assert start_loss == pytest.approx(4.32)
    for name, run in aligned.items():
        assert run.losses[-1] < opt.VALLEY_TOL, name
        assert math.hypot(*run.points[-1]) < 0.05, name


def test_momentum_beats_sgd_and_nesterov_beats_momentum_on_the_valley(aligned):
    steps = {name: run.steps_to() for name, run in aligned.items()}
    assert steps["Nesterov"] < steps["Momentum"] < steps["SGD"]
    assert steps["Adagrad"] == min(steps.values())  # the valley lies along the axes: per-coordinate steps fit it


def test_plain_sgd_zigzags_across_the_valley(aligned):
    y = aligned["SGD"].points[:6, 1]
    assert all(a * b < 0 for a, b in zip(y[1:], y[2:]))  # each step crosses the floor


def test_adadelta_at_its_default_learning_rate_has_barely_started():
    run = opt.descend("Adadelta", lr=opt.ADADELTA_DEFAULT_LR)
    assert run.losses[-1] > 1.0 and run.steps_to() is None


def test_turning_the_valley_changes_only_the_per_coordinate_methods(aligned):
    for name in ("SGD", "Momentum", "Nesterov"):
        turned = opt.descend(name, angle=opt.TURN)
        assert turned.losses == pytest.approx(aligned[name].losses, rel=1e-9, abs=1e-15), name
    for name in ("Adagrad", "RMSprop", "Adadelta"):
        turned = opt.descend(name, angle=opt.TURN)
        assert turned.steps_to() is None and turned.losses[-1] > 100 * aligned[name].losses[-1], name


@needs_digits
def test_every_optimizer_learns_the_digits():
    for name in opt.RULES:
        run = opt.train_digits(name)
        assert run.accuracy[-1] > 0.93, name
        assert run.loss[-1] < 0.3 < run.loss[0], name


def test_learning_rate_schedules_follow_their_formulas():
    assert opt.lr_sequence("constant") == [opt.DECAY_LR] * opt.DECAY_EPOCHS
    assert opt.lr_sequence("StepLR") == pytest.approx([0.5] * 3 + [0.15] * 3 + [0.045] * 3)
    assert opt.lr_sequence("ExponentialLR") == pytest.approx([0.5 * 0.75 ** e for e in range(opt.DECAY_EPOCHS)])
    cosine = opt.lr_sequence("CosineAnnealingLR")
    assert cosine == pytest.approx([0.25 * (1 + math.cos(math.pi * e / opt.DECAY_EPOCHS))
                                    for e in range(opt.DECAY_EPOCHS)])


@needs_digits
def test_decayed_learning_rates_end_with_a_lower_loss_than_a_constant_one():
    constant = opt.train_with_schedule("constant").loss[-1]
    for name in ("StepLR", "CosineAnnealingLR"):
        assert opt.train_with_schedule(name).loss[-1] < constant / 2, name


@needs_digits
def test_clipping_turns_a_divergence_into_training():
    plain = opt.train_clipping(None)
    assert plain.norms[0] > 100 * opt.CLIP_NORM
    assert plain.diverged_at is not None and plain.diverged_at <= 10
    clipped = opt.train_clipping(opt.CLIP_NORM)
    assert clipped.diverged_at is None and all(math.isfinite(v) for v in clipped.losses)
    assert clipped.norms[0] == plain.norms[0]  # the same start: clipping changes the steps, not the gradient
    assert clipped.losses[0] > 100 and clipped.losses[-1] < 1.0
    assert clipped.accuracy > 0.75


@needs_digits
def test_batch_sizes_rank_as_the_notes_say_per_update_and_per_example():
    runs = {name: opt.train_scheme(size) for name, size in opt.SCHEMES.items()}
    bgd, mbgd, sgd = runs["BGD"], runs["MBGD"], runs["SGD"]
    assert bgd.updates == mbgd.updates == sgd.updates == opt.checkpoints(opt.SCHEME_UPDATES)
    assert sgd.updates[-1] == opt.SCHEME_UPDATES and sgd.examples[-1] == opt.SCHEME_UPDATES
    assert bgd.examples[1:4] == [bgd.n_train * k for k in (1, 2, 3)]  # one epoch per update
    # per update: a batch of 32 is nearly the full gradient; one example is a noisy direction
    assert mbgd.losses[-1] == pytest.approx(bgd.losses[-1], rel=0.25)
    assert sgd.losses[-1] > 3 * max(bgd.losses[-1], mbgd.losses[-1])
    # per example seen: SGD has made 150 updates when MBGD has made 4 and BGD none
    seen = sgd.examples[-1]
    assert bgd.loss_after_examples(seen) == bgd.losses[0]
    assert sgd.loss_after_examples(seen) < mbgd.loss_after_examples(seen) - 0.5
    assert mbgd.loss_after_examples(seen) < bgd.loss_after_examples(seen)
    # and MBGD's 150 updates (3.3 epochs) beat BGD's 3
    assert mbgd.loss_after_examples(mbgd.examples[-1]) < bgd.loss_after_examples(mbgd.examples[-1]) - 1.0

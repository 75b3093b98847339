"""The cnn_zoo demo's headline results: every architecture learns the digits (full settings), the parameter counts
the table prints are the hand-counted ones, and the output-size table agrees with the notes' formula."""
import math

import pytest

import microtensor as mt

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")

from demos import cnn_zoo
from demos.training import count_parameters, digits_split, results_table


def conv(c_in, c_out, k, bias=True):
    return c_in * c_out * k * k + (c_out if bias else 0)


def linear(n_in, n_out):
    return n_in * n_out + n_out


def bn(c):
    return 2 * c


# by hand, layer by layer, from the architectures in the docstrings
LENET5 = conv(1, 6, 5) + conv(6, 16, 5) + linear(16 * 5 * 5, 120) + linear(120, 84) + linear(84, 10)
VGG = (conv(1, 8, 3) + bn(8) + conv(8, 8, 3) + bn(8) + conv(8, 16, 3) + bn(16) + conv(16, 16, 3) + bn(16)
       + linear(64, 10))
INCEPTION = (conv(1, 8, 3)
             + conv(8, 8, 1, False) + bn(8)                                   # 1x1 branch
             + conv(8, 8, 1, False) + bn(8) + conv(8, 8, 3, False) + bn(8)    # 1x1 -> 3x3
             + conv(8, 4, 1, False) + bn(4) + conv(4, 4, 5, False) + bn(4)    # 1x1 -> 5x5
             + conv(8, 4, 1, False) + bn(4)                                   # pool -> 1x1
             + linear(24 * 4 * 4, 10))


def basic_block(c_in, c_out):
    shortcut = conv(c_in, c_out, 1, False) + bn(c_out) if c_in != c_out else 0
    return conv(c_in, c_out, 3, False) + bn(c_out) + conv(c_out, c_out, 3, False) + bn(c_out) + shortcut


RESNET8 = conv(1, 8, 3, False) + bn(8) + basic_block(8, 8) + basic_block(8, 16) + basic_block(16, 32) + linear(32, 10)
ALEXNET = conv(1, 16, 3) + conv(16, 32, 3) + linear(32 * 2 * 2, 64) + linear(64, 10)
SHUFFLE_UNIT = 2 * 16 * 4 + 16 * 9 + 3 * bn(16)                 # two 1x1 group convs (4 groups), depthwise 3x3
SEPARABLE = 16 * 9 + bn(16) + 16 * 32 + bn(32)                   # depthwise 3x3, pointwise 1x1, no biases
SHUFFLENET = 1 * 16 * 9 + bn(16) + SHUFFLE_UNIT + SEPARABLE + linear(32, 10)
BY_HAND = {"LeNet-5": LENET5, "VGG-style": VGG, "Inception-style": INCEPTION, "ResNet-8": RESNET8,
           "AlexNet-style": ALEXNET, "ShuffleNet-style": SHUFFLENET}


@pytest.fixture(scope="module")
def runs():
    return cnn_zoo.train_zoo(digits_split())       # the full settings: 4 epochs each, seed 0


def test_hand_counts_are_the_known_totals():
    assert (LENET5, VGG, INCEPTION, RESNET8, ALEXNET, SHUFFLENET) == (61_706, 4_898, 5_170, 19_810, 13_706, 1_626)
    assert set(BY_HAND) == set(cnn_zoo.MODELS)


# the AlexNet-style net has no batch normalization: four epochs leave it a few points short of the others
AT_LEAST = {"AlexNet-style": 0.85}


@pytest.mark.slow
def test_every_model_learns_the_digits(runs):
    for name, run in runs.items():
        assert len(run.history.accuracy) == 4
        assert run.accuracy > AT_LEAST.get(name, 0.93), name


@pytest.mark.slow
def test_the_table_prints_the_hand_counted_parameters_and_the_accuracies(runs):
    lines = results_table(list(runs.values())).splitlines()[1:]
    assert [line.split()[0] for line in lines] == list(cnn_zoo.MODELS)
    for line, (name, run) in zip(lines, runs.items()):
        assert run.parameters == count_parameters(run.model) == BY_HAND[name]
        assert f" {BY_HAND[name]:,d} " in line and f" {run.accuracy:.1%} " in line


def test_lenet_front_end_makes_28x28_from_blocks_and_a_zero_border():
    x = mt.rand(2, 1, 8, 8)
    y = cnn_zoo.ToLeNetInput()(x)
    assert y.shape == (2, 1, 28, 28)
    assert y[:, :, 2:26, 2:26].numpy() == pytest.approx(x.numpy().repeat(3, axis=2).repeat(3, axis=3))
    assert y.abs().sum().item() == pytest.approx(9 * x.sum().item(), rel=1e-5)    # the border is zero
    assert cnn_zoo.lenet5()(x).shape == (2, 10)


def test_every_size_row_is_the_formula_rounded_down():
    for case in cnn_zoo.SIZE_CASES:
        assert case.actual() == (math.floor(case.formula()),) * 2, case.source


def test_size_rows_from_the_notes():
    rows = {case.source: case for case in cnn_zoo.SIZE_CASES}
    example = rows["004: 5x5 image, 3x3 filter"]
    assert (example.pads(), example.actual()) == ((0, 0), (3, 3))
    assert rows["'same', even kernel"].pads() == (1, 2)                 # the extra zero on the right
    odd = rows["004 TF 'same', odd pad"]
    assert (odd.pads(), odd.actual()) == ((0, 1), (3, 3))
    strided = rows["'valid', stride 2"]
    assert (strided.formula(), strided.actual()) == (3.5, (3, 3))
    assert [rows[s].actual() for s in ("LeNet C1 on 32x32", "LeNet S2 pooling", "LeNet C3")] == [(28, 28), (14, 14),
                                                                                                 (10, 10)]


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_tf_same_gives_ceil_and_valid_the_formula(stride):
    for size in range(3, 12):
        for kernel in range(1, 6):
            out, before, after = cnn_zoo.tf_padding(size, kernel, stride, "same")
            assert out == -(-size // stride) and 0 <= after - before <= 1
            assert (size + before + after - kernel) // stride + 1 == out
            if kernel <= size:
                assert cnn_zoo.tf_padding(size, kernel, stride, "valid") == ((size - kernel) // stride + 1, 0, 0)


def test_same_padding_keeps_the_size_at_stride_1():
    for size in (5, 8):
        for kernel in range(1, 7):
            case = cnn_zoo.SizeCase("same", size, kernel, padding="same")
            assert case.actual() == (size, size) and case.pads() == cnn_zoo.tf_padding(size, kernel, 1, "same")[1:]


def test_notes_worked_convolution():
    assert cnn_zoo.notes_feature_map() == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]


def test_depthwise_separable_savings_follow_the_notes_formula():
    from microtensor.nn.models import DepthwiseSeparable
    separable, full, formula = cnn_zoo.separable_savings(DepthwiseSeparable(16, 32, stride=2), size=4)
    assert (separable, full) == (2 * 2 * (16 * 9 + 16 * 32), 2 * 2 * 16 * 32 * 9)
    assert separable / full == pytest.approx(formula) and formula == pytest.approx(1 / 32 + 1 / 9)

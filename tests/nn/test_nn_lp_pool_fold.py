"""lp_pool1d / lp_pool2d / lp_pool3d with their modules, and the Fold / Unfold modules: PyTorch's values, gradients and
reprs; finite differences of first and second order."""
import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, requires_torch, torch

import microtensor as mt
from microtensor.nn import functional as F

TF = torch.nn.functional if torch is not None else None


def positive(seed, shape):
    """Values in [0.5, 2] (a fractional power of a negative number is NaN, in PyTorch too)."""
    return np.random.default_rng(seed).uniform(0.5, 2.0, shape)


# name -> (fn(x, F), input shape)
LP = {
    "lp1d_p2": (lambda x, F: F.lp_pool1d(x, 2, 3), (2, 3, 7)),
    "lp1d_stride": (lambda x, F: F.lp_pool1d(x, 1.5, 2, stride=1), (2, 5)),
    "lp1d_ceil": (lambda x, F: F.lp_pool1d(x, 3, kernel_size=2, ceil_mode=True), (1, 2, 5)),
    "lp2d_p2": (lambda x, F: F.lp_pool2d(x, 2, 2), (2, 3, 4, 4)),
    "lp2d_rect": (lambda x, F: F.lp_pool2d(x, norm_type=1.5, kernel_size=(2, 3), stride=(1, 2)), (1, 2, 4, 5)),
    "lp2d_unbatched_ceil": (lambda x, F: F.lp_pool2d(x, 4, 2, ceil_mode=True), (2, 3, 5)),
    "lp2d_inf": (lambda x, F: F.lp_pool2d(x, float("inf"), 2), (1, 2, 4, 4)),
    "lp1d_neg_inf": (lambda x, F: F.lp_pool1d(x, -float("inf"), 2), (1, 2, 6)),
    "lp3d_p2": (lambda x, F: F.lp_pool3d(x, 2, 2), (1, 2, 4, 4, 4)),
    "lp3d_rect_stride": (lambda x, F: F.lp_pool3d(x, norm_type=1.5, kernel_size=(2, 1, 3), stride=(1, 2, 2)),
                         (1, 2, 3, 4, 5)),
    "lp3d_unbatched_ceil": (lambda x, F: F.lp_pool3d(x, 3, 2, ceil_mode=True), (2, 3, 3, 5)),
    "lp3d_inf": (lambda x, F: F.lp_pool3d(x, float("inf"), (1, 2, 2)), (1, 2, 2, 4, 4)),
}


@requires_torch
@pytest.mark.parametrize("name", LP)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lp_pool_matches_torch(name, dtype):
    fn, shape = LP[name]
    compare_with_torch(lambda t: fn(t, F), positive(0, shape).astype(dtype), torch_fn=lambda t: fn(t, TF))


@pytest.mark.parametrize("name", LP)
def test_lp_pool_gradcheck(name):
    fn, shape = LP[name]
    check_gradients(lambda t: fn(t, F), positive(1, shape))


def test_lp_pool_of_p1_is_the_window_sum():
    x = mt.tensor(positive(2, (1, 1, 6)))
    np.testing.assert_allclose(F.lp_pool1d(x, 1, 3).numpy(), x.numpy().reshape(1, 1, 2, 3).sum(-1))


# (class name, constructor args, input shape)
MODULES = [
    ("LPPool1d", (2, 3), (2, 3, 7)), ("LPPool1d", (1.5, 2, 1, True), (2, 5)),
    ("LPPool2d", (2, 2), (1, 2, 4, 4)), ("LPPool2d", (3, (2, 3), (1, 2)), (1, 2, 4, 5)),
    ("LPPool3d", (2, 2), (1, 2, 4, 4, 4)), ("LPPool3d", (1.5, (1, 2, 3), (1, 1, 2), True), (2, 3, 4, 5)),
    ("Unfold", (2,), (2, 3, 4, 4)), ("Unfold", ((2, 3), 1, 1, 2), (1, 2, 4, 5)),
    ("Fold", ((3, 4), 2), (2, 12, 6)), ("Fold", ((4, 5), (2, 3), 1, 1, 2), (1, 6, 9)),
]
IDS = [f"{m[0]}-{m[1]}" for m in MODULES]


@requires_torch
@pytest.mark.parametrize("name, args, shape", MODULES, ids=IDS)
def test_modules_match_torch(name, args, shape):
    ours, theirs = getattr(mt.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    compare_with_torch(ours, positive(3, shape), torch_fn=theirs)


@pytest.mark.parametrize("name, args, shape", MODULES, ids=IDS)
def test_modules_gradcheck(name, args, shape):
    check_gradients(getattr(mt.nn, name)(*args), positive(4, shape))


def test_fold_of_unfold_counts_each_pixel_once_per_block():
    x = mt.ones(1, 2, 4, 4)
    blocks = mt.nn.Unfold(2, stride=1)(x)
    counts = mt.nn.Fold((4, 4), 2, stride=1)(blocks)
    np.testing.assert_array_equal(counts.numpy()[0, 0], [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])

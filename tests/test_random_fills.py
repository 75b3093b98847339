"""random_, exponential_, geometric_, cauchy_ and log_normal_: their distributions (empirical CDFs against the
analytic ones), PyTorch's ranges per dtype, errors and warnings, generators, and the in-place rules."""
import math

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt

N = 40_000
TOLERANCE = 4 / math.sqrt(N)     # a Kolmogorov-Smirnov-sized band: a right sampler misses it ~never


def _check_cdf(sample: np.ndarray, cdf, points) -> None:
    for x in points:
        assert abs(np.mean(sample <= x) - cdf(x)) < TOLERANCE, (x, np.mean(sample <= x), cdf(x))


def _draw(fill, dtype=mt.float64):
    mt.manual_seed(0)
    return fill(mt.empty(N, dtype=dtype)).numpy()


def test_exponential_distribution():
    s = _draw(lambda t: t.exponential_(2.5))
    _check_cdf(s, lambda x: 1 - math.exp(-2.5 * x), [0.05, 0.2, 0.4, 1.0])
    assert (s >= 0).all()


def test_geometric_distribution_counts_trials():
    s = _draw(lambda t: t.geometric_(0.3))
    _check_cdf(s, lambda k: 1 - 0.7 ** k, [1, 2, 3, 6])
    assert s.min() == 1 and (s == np.round(s)).all()
    ints = mt.zeros(5, dtype=mt.int64).geometric_(0.5)
    assert ints.dtype == mt.int64 and (ints >= 1).all()


def test_cauchy_distribution():
    s = _draw(lambda t: t.cauchy_(1.0, sigma=2.0))
    _check_cdf(s, lambda x: 0.5 + math.atan((x - 1.0) / 2.0) / math.pi, [-5.0, -1.0, 1.0, 3.0, 9.0])


def test_log_normal_distribution():
    s = _draw(lambda t: t.log_normal_(0.5, std=0.75))
    _check_cdf(s, lambda x: 0.5 * (1 + math.erf((math.log(x) - 0.5) / (0.75 * math.sqrt(2)))), [0.5, 1.5, 3.0])
    assert (s > 0).all()
    assert _draw(lambda t: t.log_normal_(), mt.float32).dtype == np.float32


@pytest.mark.parametrize("args, low, high", [((), 0, 2 ** 24), ((7,), 0, 6), ((-3, 4), -3, 3),
                                             ((-5, None), -5, 2 ** 24)])
def test_random_ranges_for_float32(args, low, high):
    s = _draw(lambda t: t.random_(*args), mt.float32)
    assert s.min() >= low and s.max() <= high and (s == np.round(s)).all()
    if high - low < 10:
        assert set(np.unique(s)) == set(range(low, high + 1))   # every value, and no other
        _check_cdf(s, lambda x: (x - low + 1) / (high - low + 1), range(low, high))


@pytest.mark.parametrize("dtype, high", [(mt.uint8, 255), (mt.int8, 127), (mt.int16, 2 ** 15 - 1),
                                         (mt.int32, 2 ** 31 - 1), (mt.int64, 2 ** 63 - 1), (mt.bool, 1),
                                         (mt.float16, 2 ** 11), (mt.float64, 2 ** 53)])
def test_random_default_range_per_dtype(dtype, high):
    s = _draw(lambda t: t.random_(), dtype)
    assert s.min() >= 0 and s.max() <= high
    assert s.max() > high // 2       # the draws reach the top half of the range


def test_random_keywords_and_full_int64_range():
    x = mt.zeros(1000, dtype=mt.int64).random_(-2 ** 63, None)
    assert (x < 0).any() and (x > 0).any()
    assert set(mt.zeros(200).random_(to=3).tolist()) == {0.0, 1.0, 2.0}


def test_generators_make_fills_reproducible():
    g1, g2 = mt.Generator().manual_seed(5), mt.Generator().manual_seed(5)
    for fill in ("exponential_", "cauchy_", "log_normal_", "random_"):
        a, b = getattr(mt.empty(6), fill)(generator=g1), getattr(mt.empty(6), fill)(generator=g2)
        assert a.tolist() == b.tolist()
    assert mt.empty(4).geometric_(0.2, generator=g1).tolist() == mt.empty(4).geometric_(0.2, generator=g2).tolist()
    mt.manual_seed(3)
    first = mt.empty(5).exponential_()
    mt.manual_seed(3)
    assert mt.empty(5).exponential_().tolist() == first.tolist()


def test_fills_follow_the_in_place_rules():
    leaf = mt.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf.exponential_()
    with mt.no_grad():
        assert leaf.cauchy_() is leaf
    base = mt.zeros(4, 3)
    before = base._version
    base[:, 1].random_(1, 2)
    assert base[:, 1].tolist() == [1.0] * 4 and base[:, 0].tolist() == [0.0] * 4 and base._version == before + 1
    w = mt.ones(3, requires_grad=True)
    y = w * 2
    y.log_normal_()
    y.sum().backward()
    assert w.grad.tolist() == [0.0, 0.0, 0.0]     # a fill replaces the values: no gradient flows back


ERRORS = {
    "random_from_ge_to": lambda T: T.zeros(3).random_(5, 3),
    "random_empty_range": lambda T: T.zeros(3).random_(3, 3),
    "random_negative_to": lambda T: T.zeros(3).random_(-3),
    "random_from_below_uint8": lambda T: T.zeros(3, dtype=T.uint8).random_(-1, 3),
    "random_to_above_uint8": lambda T: T.zeros(3, dtype=T.uint8).random_(0, 300),
    "exponential_lambda": lambda T: T.zeros(3).exponential_(0),
    "exponential_int": lambda T: T.zeros(3, dtype=T.int64).exponential_(),
    "geometric_p0": lambda T: T.zeros(3).geometric_(0),
    "geometric_p1": lambda T: T.zeros(3).geometric_(1),
    "cauchy_sigma": lambda T: T.zeros(3).cauchy_(sigma=0),
    "cauchy_int": lambda T: T.zeros(3, dtype=T.int64).cauchy_(),
    "log_normal_std": lambda T: T.zeros(3).log_normal_(std=0),
    "log_normal_int": lambda T: T.zeros(3, dtype=T.int32).log_normal_(),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors(name):
    with pytest.raises((RuntimeError, NotImplementedError)) as ours:
        ERRORS[name](mt)
    if torch is not None:
        with pytest.raises(Exception) as theirs:
            ERRORS[name](torch)
        assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)


@requires_torch
def test_float_range_warning_matches_torch():
    with pytest.warns(UserWarning) as theirs:
        torch.zeros(3).random_(2 ** 25)
    with pytest.warns(UserWarning) as ours:
        mt.zeros(3).random_(2 ** 25)
    assert str(ours[0].message) in str(theirs[0].message)

"""nn.init: PyTorch's gains and fans, the statistics of every scheme on large tensors, reproducibility, and errors."""
import math

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor.nn import init
from microtensor.nn.parameter import Parameter

GAINS = [("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None), ("conv_transpose1d", None),
         ("conv_transpose2d", None), ("conv_transpose3d", None), ("sigmoid", None), ("tanh", None),
         ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 1), ("selu", None)]
FAN_SHAPES = [(3, 5), (1, 1), (6, 4, 3), (8, 3, 5, 5), (2, 7, 1, 3, 2)]
N = 200_000                                        # sample size of the statistics tests


@pytest.mark.parametrize("nonlinearity,param", GAINS)
def test_calculate_gain(nonlinearity, param):
    expected = {"tanh": 5 / 3, "relu": math.sqrt(2), "selu": 0.75,
                "leaky_relu": math.sqrt(2 / (1 + (0.01 if param is None else param) ** 2))}.get(nonlinearity, 1)
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-12)
    if torch is not None:
        assert init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(nonlinearity, param)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("shape", FAN_SHAPES)
def test_fans(shape):
    receptive = int(np.prod(shape[2:]))
    assert init._calculate_fan_in_and_fan_out(mt.empty(shape)) == (shape[1] * receptive, shape[0] * receptive)
    if torch is not None:
        assert init._calculate_fan_in_and_fan_out(mt.empty(shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def test_fan_errors():
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed for tensor with fewer than 2 "
                                         "dimensions"):
        init._calculate_fan_in_and_fan_out(mt.empty(4))
    with pytest.raises(ValueError, match=r"Mode fan_avg not supported, please use one of \['fan_in', 'fan_out'\]"):
        init.kaiming_uniform_(mt.empty(3, 3), mode="fan_avg")


def check_uniform(t, bound, lo=None):
    lo = -bound if lo is None else lo
    x = t.numpy().astype(np.float64)
    # the bounds as the tensor's dtype holds them: a float32 sample may round to float32(lo) < lo
    assert x.min() >= float(np.asarray(lo, t.numpy().dtype)) and x.max() <= float(np.asarray(bound, t.numpy().dtype))
    assert x.min() < lo + 0.01 * (bound - lo) and x.max() > bound - 0.01 * (bound - lo)
    assert x.mean() == pytest.approx((lo + bound) / 2, abs=0.01 * (bound - lo))
    assert x.std() == pytest.approx((bound - lo) / math.sqrt(12), rel=0.01)


def check_normal(t, std, mean=0.0):
    x = t.numpy().astype(np.float64)
    # five standard errors (at least 1%): 0.01 * std alone was 2.3 standard errors for 51,200 samples and
    # failed about one run in forty
    assert x.mean() == pytest.approx(mean, abs=max(0.01, 5 / math.sqrt(x.size)) * std)
    assert x.std() == pytest.approx(std, rel=max(0.01, 5 / math.sqrt(2 * x.size)))
    assert abs(x - mean).max() > 3 * std                       # tails, not a clipped distribution


def test_uniform_and_normal():
    check_uniform(init.uniform_(mt.empty(N)), 1.0, 0.0)
    check_uniform(init.uniform_(mt.empty(400, 500), -3.0, 5.0), 5.0, -3.0)
    check_normal(init.normal_(mt.empty(N)), 1.0)
    check_normal(init.normal_(mt.empty(N, dtype=mt.float64), 2.0, 0.5), 0.5, 2.0)


@pytest.mark.parametrize("shape", [(500, 400), (64, 32, 5, 5)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_xavier(shape, gain):
    t = mt.empty(shape)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(t)
    std = gain * math.sqrt(2 / (fan_in + fan_out))
    check_uniform(init.xavier_uniform_(t, gain=gain), math.sqrt(3) * std)
    check_normal(init.xavier_normal_(t, gain=gain), std)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "FAN_OUT"])
@pytest.mark.parametrize("nonlinearity,a", [("leaky_relu", 0), ("leaky_relu", math.sqrt(5)), ("relu", 0),
                                            ("tanh", 0), ("linear", 0)])
def test_kaiming(mode, nonlinearity, a):
    t = mt.empty(300, 40, 4, 4)
    fan = init._calculate_fan_in_and_fan_out(t)[0 if mode == "fan_in" else 1]
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    check_uniform(init.kaiming_uniform_(t, a=a, mode=mode, nonlinearity=nonlinearity), math.sqrt(3) * std)
    check_normal(init.kaiming_normal_(t, a=a, mode=mode, nonlinearity=nonlinearity), std)


def test_kaiming_zero_element_warns():
    t = mt.empty(0, 3)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        assert init.kaiming_uniform_(t) is t
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        assert init.kaiming_normal_(t) is t


def truncated_moments(mean, std, a, b):
    """Mean and standard deviation of N(mean, std**2) truncated to [a, b]."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)      # noqa: E731
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2                # noqa: E731
    z = cdf(beta) - cdf(alpha)
    m = (pdf(alpha) - pdf(beta)) / z
    var = 1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - m * m
    return mean + std * m, std * math.sqrt(var)


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0),     # most of the mass: normal proposals
                                          (0.0, 0.02, -0.04, 0.04),
                                          (0.0, 1.0, 1.0, 3.0),      # a tail: uniform proposals on [a, b]
                                          (1.0, 2.0, -0.5, 0.5)])
def test_trunc_normal(mean, std, a, b):
    x = init.trunc_normal_(mt.empty(N, dtype=mt.float64), mean, std, a, b).numpy()
    expected_mean, expected_std = truncated_moments(mean, std, a, b)
    assert x.min() >= a and x.max() <= b
    assert x.mean() == pytest.approx(expected_mean, abs=0.01 * expected_std)
    assert x.std() == pytest.approx(expected_std, rel=0.01)


def test_trunc_normal_warns_far_from_interval():
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        x = init.trunc_normal_(mt.empty(1000), mean=5.0, std=1.0, a=-1.0, b=1.0)
    assert x.numpy().min() >= -1 and x.numpy().max() <= 1


@pytest.mark.parametrize("shape", [(6, 6), (10, 4), (4, 10), (8, 2, 3, 3)])
def test_orthogonal(shape):
    t = init.orthogonal_(mt.empty(shape), gain=2.0)
    q = t.numpy().reshape(shape[0], -1).astype(np.float64)
    gram = q.T @ q if q.shape[0] >= q.shape[1] else q @ q.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(q.shape)), atol=1e-5)


def test_constant_ones_zeros_eye_dirac():
    assert init.constant_(mt.empty(2, 3), 0.5).tolist() == [[0.5] * 3] * 2
    assert init.ones_(mt.empty(2)).tolist() == [1.0, 1.0]
    assert init.zeros_(mt.ones(2, dtype=mt.int64)).tolist() == [0, 0]
    assert init.eye_(mt.empty(2, 3)).tolist() == [[1, 0, 0], [0, 1, 0]]
    w = init.dirac_(mt.empty(4, 2, 3, 3), groups=2).numpy()
    expected = np.zeros((4, 2, 3, 3), np.float32)
    for o, i in [(0, 0), (1, 1), (2, 0), (3, 1)]:
        expected[o, i, 1, 1] = 1
    np.testing.assert_array_equal(w, expected)
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(mt.empty(2, 2, 2))
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions are supported"):
        init.dirac_(mt.empty(2, 2))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(mt.empty(3, 2, 3), groups=2)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(mt.empty(3))
    with pytest.raises(TypeError, match="nn.init.normal_: expected a floating-point tensor, got microtensor.int64"):
        init.normal_(mt.zeros(3, dtype=mt.int64))


@requires_torch
@pytest.mark.parametrize("shape,groups", [((4, 2, 3, 3), 2), ((5, 3, 4), 1), ((2, 3, 3, 3, 3), 1)])
def test_eye_dirac_match_torch(shape, groups):
    np.testing.assert_array_equal(init.dirac_(mt.empty(shape), groups).numpy(),
                                  torch.nn.init.dirac_(torch.empty(shape), groups).numpy())
    np.testing.assert_array_equal(init.eye_(mt.empty(shape[:2])).numpy(),
                                  torch.nn.init.eye_(torch.empty(shape[:2])).numpy())


def test_in_place_on_parameters_under_no_grad():
    p = Parameter(mt.zeros(20, 10))
    version = p._version
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.kaiming_normal_, init.orthogonal_,
               init.trunc_normal_, init.ones_, init.eye_):
        assert fn(p) is p
    assert p.requires_grad and p.is_leaf and p.grad_fn is None and type(p) is Parameter
    assert p._version > version and p.dtype == mt.float32


def test_reproducible_with_manual_seed_and_generator():
    def draw():
        return [f(mt.empty(5, 4)).numpy() for f in (init.uniform_, init.normal_, init.xavier_normal_,
                                                    init.kaiming_uniform_, init.orthogonal_, init.trunc_normal_)]
    mt.manual_seed(3)
    first = draw()
    mt.manual_seed(3)
    for a, b in zip(first, draw()):
        np.testing.assert_array_equal(a, b)
    g1, g2 = mt.Generator().manual_seed(7), mt.Generator().manual_seed(7)
    mt.manual_seed(0)
    a = init.normal_(mt.empty(10), generator=g1).numpy()
    init.normal_(mt.empty(10))                                 # the default generator does not disturb g2
    np.testing.assert_array_equal(a, init.normal_(mt.empty(10), generator=g2).numpy())
    assert not np.array_equal(a, init.normal_(mt.empty(10), generator=g1).numpy())

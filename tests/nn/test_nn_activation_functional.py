"""Activation functions of nn.functional: gradients (first and second order), PyTorch's values, dtypes and
gradients for every option, in-place forms, stability at large magnitudes, the (+) step and maxout, errors."""
import warnings

import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, rand, requires_torch, seeds, shapes, torch
from hypothesis import given, settings

import microtensor as mt
from microtensor.nn import functional as F

TF = torch.nn.functional if torch is not None else None

# name -> (fn(x, F), kinks: input values where the function is not differentiable)
ACTIVATIONS = {
    "relu": (lambda x, F: F.relu(x), [0.0]),
    "relu6": (lambda x, F: F.relu6(x * 4), [0.0, 1.5]),
    "leaky_relu": (lambda x, F: F.leaky_relu(x), [0.0]),
    "leaky_relu_slope": (lambda x, F: F.leaky_relu(x, 0.3), [0.0]),
    "elu": (lambda x, F: F.elu(x), [0.0]),
    "elu_alpha": (lambda x, F: F.elu(x, alpha=0.5), [0.0]),
    "selu": (lambda x, F: F.selu(x), [0.0]),
    "celu": (lambda x, F: F.celu(x, alpha=0.7), []),
    "gelu": (lambda x, F: F.gelu(x), []),
    "gelu_tanh": (lambda x, F: F.gelu(x, approximate="tanh"), []),
    "silu": (lambda x, F: F.silu(x), []),
    "mish": (lambda x, F: F.mish(x), []),
    "sigmoid": (lambda x, F: F.sigmoid(x), []),
    "hardsigmoid": (lambda x, F: F.hardsigmoid(x * 4), [-0.75, 0.75]),
    "tanh": (lambda x, F: F.tanh(x), []),
    "hardtanh": (lambda x, F: F.hardtanh(x), [-1.0, 1.0]),
    "hardtanh_bounds": (lambda x, F: F.hardtanh(x, -0.5, 2.0), [-0.5, 2.0]),
    "softplus": (lambda x, F: F.softplus(x), []),
    "softplus_beta": (lambda x, F: F.softplus(x * 5, beta=2.0, threshold=3.0), [0.3]),
    "softsign": (lambda x, F: F.softsign(x), [0.0]),
    "threshold": (lambda x, F: F.threshold(x, 0.2, -3.0), [0.2]),
    "logsigmoid": (lambda x, F: F.logsigmoid(x), []),
    "rrelu_eval": (lambda x, F: F.rrelu(x), [0.0]),
    "rrelu_eval_bounds": (lambda x, F: F.rrelu(x, 0.1, 0.5, training=False), [0.0]),
    "softmax": (lambda x, F: F.softmax(x, dim=-1), []),
    "log_softmax": (lambda x, F: F.log_softmax(x, dim=0), []),
    "softmin": (lambda x, F: F.softmin(x, dim=-1), []),
    "hardswish": (lambda x, F: F.hardswish(x * 4), [-0.75, 0.75]),
    "hardshrink": (lambda x, F: F.hardshrink(x), [-0.5, 0.5]),
    "hardshrink_lambd": (lambda x, F: F.hardshrink(x, lambd=1.2), [-1.2, 1.2]),
    "softshrink": (lambda x, F: F.softshrink(x), [-0.5, 0.5]),
    "softshrink_lambd": (lambda x, F: F.softshrink(x, 0.0), [0.0]),
    "tanhshrink": (lambda x, F: F.tanhshrink(x), []),
}


def away_from_kinks(x, kinks, gap=0.05):
    """Move the elements within ``gap`` of a kink to 2 * gap past it, so finite differences stay on one side."""
    x = np.array(x, dtype=np.float64)
    for k in kinks:
        near = np.abs(x - k) < gap
        x[near] = k + 2 * gap * np.where(x[near] >= k, 1, -1)
    return x


@pytest.mark.parametrize("name", ACTIVATIONS)
@given(shape=shapes, seed=seeds)
@settings(max_examples=10)
def test_activation_gradcheck(name, shape, seed):
    fn, kinks = ACTIVATIONS[name]
    if name in ("softmax", "log_softmax", "softmin") and shape == ():
        shape = (1,)
    x = away_from_kinks(rand(seed, shape)[0] * 2, kinks)
    check_gradients(lambda t: fn(t, F), x)


@requires_torch
@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_activation_matches_torch(name, dtype):
    fn, kinks = ACTIVATIONS[name]
    x = away_from_kinks(np.linspace(-6, 6, 24).reshape(2, 3, 4) + 0.01, kinks).astype(dtype)
    compare_with_torch(lambda t: fn(t, F), x, torch_fn=lambda t: fn(t, TF))


INPLACE = {
    "relu": lambda x, F: F.relu(x, inplace=True),
    "relu6": lambda x, F: F.relu6(x, inplace=True),
    "leaky_relu": lambda x, F: F.leaky_relu(x, 0.2, inplace=True),
    "elu": lambda x, F: F.elu(x, 0.5, inplace=True),
    "selu": lambda x, F: F.selu(x, inplace=True),
    "celu": lambda x, F: F.celu(x, 2.0, inplace=True),
    "hardtanh": lambda x, F: F.hardtanh(x, -0.5, 0.5, inplace=True),
    "hardsigmoid": lambda x, F: F.hardsigmoid(x, inplace=True),
    "silu": lambda x, F: F.silu(x, inplace=True),
    "mish": lambda x, F: F.mish(x, inplace=True),
    "threshold": lambda x, F: F.threshold(x, 0.1, 20.0, inplace=True),
    "threshold_": lambda x, F: F.threshold_(x, 0.1, 20.0),
    "rrelu_eval": lambda x, F: F.rrelu(x, inplace=True),
    "hardswish": lambda x, F: F.hardswish(x, inplace=True),
    "elu_": lambda x, F: F.elu_(x, 0.5),
    "elu_default": lambda x, F: F.elu_(x),
    "hardtanh_": lambda x, F: F.hardtanh_(x, -0.5, max_val=0.5),
    "hardtanh_default": lambda x, F: F.hardtanh_(x),
    "leaky_relu_": lambda x, F: F.leaky_relu_(x, negative_slope=0.2),
    "leaky_relu_default": lambda x, F: F.leaky_relu_(x),
}


@requires_torch
@pytest.mark.parametrize("name", INPLACE)
def test_inplace_matches_torch(name):
    base = np.linspace(-4, 4, 12).reshape(3, 4) + 0.03
    x = mt.tensor(base, requires_grad=True)
    tx = torch.tensor(base, requires_grad=True)
    y, ty = x * 1, tx * 1                     # non-leaf copies: in place is allowed on them
    out, tout = INPLACE[name](y, F), INPLACE[name](ty, TF)
    assert out is y
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-7)
    w = np.arange(12.0).reshape(3, 4)
    (out * mt.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-7)


def test_inplace_on_leaf_requiring_grad_is_an_error():
    x = mt.tensor([1.0, -1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.elu(x, inplace=True)


@requires_torch
@pytest.mark.parametrize("shape, weight_shape", [((2, 3, 4), (3,)), ((2, 3), (1,)), ((5,), (1,)), ((2, 3, 2, 2), (3,)),
                                                 ((2, 4, 3), (1,))])
def test_prelu_matches_torch(shape, weight_shape):
    x = away_from_kinks(rand(0, shape)[0], [0.0])
    w = np.linspace(0.1, 0.5, int(np.prod(weight_shape))).reshape(weight_shape)
    compare_with_torch(lambda x, w: F.prelu(x, w), x, w, torch_fn=lambda x, w: TF.prelu(x, w))
    compare_with_torch(lambda x, w: mt.prelu(x, w), x.astype("float32"), w.astype("float32"),
                       torch_fn=lambda x, w: torch.prelu(x, w))


@given(seed=seeds)
@settings(max_examples=4)
def test_prelu_gradcheck(seed):
    x = away_from_kinks(rand(seed, (2, 3, 2))[0], [0.0])
    check_gradients(lambda x, w: F.prelu(x, w), x, np.array([0.2, -0.3, 0.5]))
    check_gradients(lambda x, w: F.prelu(x, w), x, np.array([0.25]))


def test_rrelu_training_statistics_and_mask_consistent_gradient():
    mt.manual_seed(0)
    x = mt.tensor(np.full((200, 50), -2.0), requires_grad=True)
    out = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = out.detach().numpy() / -2.0
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.005 and abs(slopes.std() - 0.2 / np.sqrt(12)) < 0.005
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes)       # the gradient uses the very slopes of the forward
    pos = mt.tensor([1.0, 3.0], requires_grad=True)
    F.rrelu(pos, training=True).sum().backward()
    np.testing.assert_array_equal(pos.grad.numpy(), [1.0, 1.0])


def test_rrelu_is_reproducible_and_eval_uses_mean_slope():
    x = mt.tensor(np.linspace(-3, 3, 10))
    mt.manual_seed(5)
    a = F.rrelu(x, training=True)
    mt.manual_seed(5)
    b = F.rrelu(x, training=True)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_allclose(F.rrelu(x, 0.2, 0.4).numpy(), np.where(x.numpy() > 0, x.numpy(), 0.3 * x.numpy()))
    g = mt.Generator().manual_seed(3)
    c = mt.rrelu(x, training=True, generator=g)
    g.manual_seed(3)
    np.testing.assert_array_equal(c.numpy(), mt.rrelu(x, training=True, generator=g).numpy())


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_large_magnitudes_are_finite_and_match_torch(dtype):
    x = np.array([-1e4, -100.0, -30.0, -1.0, 0.5, 30.0, 100.0, 1e4], dtype=dtype)
    for name in ("softplus", "softplus_beta", "logsigmoid", "elu", "selu", "celu", "gelu", "silu", "mish",
                 "sigmoid", "softsign", "gelu_tanh"):
        fn = ACTIVATIONS[name][0]
        t = mt.tensor(x, requires_grad=True)
        out = fn(t, F)
        out.sum().backward()
        assert np.isfinite(out.detach().numpy()).all() and np.isfinite(t.grad.numpy()).all(), name
        compare_with_torch(lambda t: fn(t, F), x, torch_fn=lambda t: fn(t, TF))


def test_softplus_is_linear_above_threshold():
    x = mt.tensor([25.0, 1e4], dtype=mt.float64, requires_grad=True)
    out = F.softplus(x)
    np.testing.assert_array_equal(out.detach().numpy(), [25.0, 1e4])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


def test_step_is_heaviside_with_zero_gradient():
    x = mt.tensor([-2.0, -0.0, 0.0, 1e-9, 3.0], requires_grad=True)
    out = F.step(x)
    np.testing.assert_array_equal(out.detach().numpy(), [0, 0, 0, 1, 1])
    assert out.dtype == mt.float32 and out.requires_grad
    (out * mt.tensor([1.0, 2, 3, 4, 5])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(5))
    g, = mt.autograd.grad(F.step(x * x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), np.zeros(5))
    assert F.step(mt.tensor([-1, 0, 2])).dtype == mt.float32


@given(seed=seeds)
@settings(max_examples=4)
def test_maxout_gradcheck(seed):
    x = rand(seed, (2, 6, 3))[0]
    check_gradients(lambda t: F.maxout(t, 3), x)
    check_gradients(lambda t: F.maxout(t, 2, dim=-1), rand(seed, (3, 4))[0])


@requires_torch
def test_maxout_matches_grouped_amax():
    x = rand(1, (4, 6, 5))[0]
    compare_with_torch(lambda t: F.maxout(t, 2), x, torch_fn=lambda t: t.unflatten(1, (3, 2)).amax(2))
    compare_with_torch(lambda t: F.maxout(t, 5, dim=2), x, torch_fn=lambda t: t.unflatten(2, (1, 5)).amax(3))
    assert F.maxout(mt.tensor(x), 3).shape == (4, 2, 5)


@requires_torch
def test_implicit_softmax_dim_warns_like_torch():
    for shape in [(3,), (2, 3), (2, 3, 4), (2, 3, 4, 5)]:
        x = rand(2, shape)[0]
        for name in ("softmax", "log_softmax", "softmin"):
            with pytest.warns(UserWarning, match="Implicit dimension choice"):
                ours = getattr(F, name)(mt.tensor(x))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs = getattr(TF, name)(torch.tensor(x))
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    x = rand(3, (2, 3))[0].astype("float32")
    compare_with_torch(lambda t: F.softmax(t, 1, dtype=mt.float64), x,
                       torch_fn=lambda t: TF.softmax(t, 1, dtype=torch.float64))


@requires_torch
def test_top_level_functions_match_torch():
    x = np.linspace(-3, 3, 12).reshape(3, 4) + 0.01
    for name, args in [("selu", ()), ("celu", (0.5,)), ("threshold", (0.5, 7.0))]:
        compare_with_torch(lambda t: getattr(mt, name)(t, *args), x,
                           torch_fn=lambda t: getattr(torch, name)(t, *args))
    compare_with_torch(lambda t: mt.rrelu(t), x, torch_fn=lambda t: torch.rrelu(t))


@pytest.mark.parametrize("fn", [F.elu, F.gelu, F.softplus, F.logsigmoid, F.silu, F.hardtanh, F.leaky_relu])
def test_integer_input_is_an_error(fn):
    with pytest.raises(RuntimeError, match=r"expected a floating point input, got Long"):
        fn(mt.tensor([1, 2]))


def test_errors():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(mt.zeros(2), approximate="fast")
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(mt.zeros(2), 1.0, -1.0)
    with pytest.raises(RuntimeError, match=r"Found parameter numbers = 2 and channel size = 3"):
        F.prelu(mt.zeros(4, 3), mt.ones(2))
    with pytest.raises(RuntimeError, match=r"size 5 of dimension 1 of input \[2, 5\] must be divisible by pool_size=2"):
        F.maxout(mt.zeros(2, 5), 2)
    with pytest.raises(TypeError, match=r"relu6\(\)|hardtanh\(\): argument 'input'"):
        F.relu6([1.0, 2.0])


@pytest.mark.parametrize("name", ["relu", "hardtanh", "threshold"])
def test_masked_gradients_are_zero_not_nan_for_inf_gradients(name):
    """Where the mask is off the gradient is 0 even when the incoming one is inf (inf * 0 would be nan)."""
    fns = {"relu": lambda x, F: F.relu(x), "hardtanh": lambda x, F: F.hardtanh(x),
           "threshold": lambda x, F: F.threshold(x, 0.5, 0.0)}
    x = mt.tensor([-2.0, 0.7], requires_grad=True)
    fns[name](x, F).backward(mt.tensor([np.inf, np.inf]))
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, np.inf])
    if torch is not None:
        xt = torch.tensor([-2.0, 0.7], requires_grad=True)
        fns[name](xt, TF).backward(torch.tensor([np.inf, np.inf]))
        np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("name, expected", [
    ("relu", [1.0, 0.0, 1.0, 0.0]), ("relu6", [1.0, 0.0, 1.0, 0.0]), ("hardtanh", [1.0, 0.0, 0.0, 1.0]),
    ("elu", [1.0, np.exp(-1.0), 1.0, 1.0]), ("celu", [1.0, np.exp(-1.0), 1.0, 1.0]),
    ("threshold", [1.0, 0.0, 1.0, 0.0])])
def test_a_nan_input_gets_the_gradient_of_the_branch_not_tested(name, expected):
    """PyTorch's backward tests x <= threshold (or the bounds) and passes the gradient otherwise, so a NaN input
    gets the gradient of the untested branch (1 for relu), not 0 or NaN."""
    fns = {"relu": lambda x, F: F.relu(x), "relu6": lambda x, F: F.relu6(x), "hardtanh": lambda x, F: F.hardtanh(x),
           "elu": lambda x, F: F.elu(x), "celu": lambda x, F: F.celu(x),
           "threshold": lambda x, F: F.threshold(x, 0.5, -2.0)}
    values = [np.nan, -1.0, 2.0, 0.0]
    x = mt.tensor(values, requires_grad=True)
    out = fns[name](x, F)
    assert np.isnan(out.detach().numpy()[0])
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)
    if torch is not None:
        xt = torch.tensor(values, requires_grad=True)
        fns[name](xt, TF).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6)

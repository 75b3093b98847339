"""Activation modules against PyTorch's: outputs, input gradients, PReLU's weight gradient, state_dict keys
and reprs; RReLU's train/eval behaviour; finite differences of every module; Step and Maxout (microtensor's
extras) against NumPy."""
import numpy as np
import pytest
from helpers import check_gradients, rand, requires_torch, seeds, shapes, torch
from hypothesis import given

import microtensor as mt
from microtensor.nn import activation as A

# (class name, constructor kwargs): each module of PyTorch's that microtensor has, with each option
CASES = [
    ("ReLU", {}), ("ReLU", {"inplace": True}),
    ("ReLU6", {}), ("ReLU6", {"inplace": True}),
    ("LeakyReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}), ("LeakyReLU", {"negative_slope": 0.3, "inplace": True}),
    ("PReLU", {}), ("PReLU", {"num_parameters": 3, "init": 0.1}),
    ("ELU", {}), ("ELU", {"alpha": 0.5}), ("ELU", {"alpha": 2.0, "inplace": True}),
    ("SELU", {}), ("SELU", {"inplace": True}),
    ("CELU", {}), ("CELU", {"alpha": 0.7}),
    ("GELU", {}), ("GELU", {"approximate": "tanh"}),
    ("SiLU", {}), ("SiLU", {"inplace": True}),
    ("Mish", {}),
    ("Sigmoid", {}),
    ("Hardsigmoid", {}),
    ("Tanh", {}),
    ("Hardtanh", {}), ("Hardtanh", {"min_val": -2.0, "max_val": 3}), ("Hardtanh", {"inplace": True}),
    ("Softplus", {}), ("Softplus", {"beta": 2.0, "threshold": 3.0}),
    ("Softsign", {}),
    ("Softmax", {"dim": 1}), ("Softmax", {"dim": -1}),
    ("LogSoftmax", {"dim": 1}), ("LogSoftmax", {"dim": 0}),
    ("Softmin", {"dim": 1}),
    ("Hardswish", {}), ("Hardswish", {"inplace": True}),
    ("LogSigmoid", {}),
    ("GLU", {}), ("GLU", {"dim": 0}),
    ("Hardshrink", {}), ("Hardshrink", {"lambd": 1.5}),
    ("Softshrink", {}), ("Softshrink", {"lambd": 2.0}),
    ("Tanhshrink", {}),
    ("Threshold", {"threshold": 0.1, "value": 20.0}), ("Threshold", {"threshold": -1, "value": 0.5, "inplace": True}),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for name, kw in CASES]
# reprs also of the defaults that the value tests cannot run (RReLU is random; dim=None is deprecated)
# PyTorch computes the float64 backward of these with float32 constants (Hardsigmoid: 1.0f / 6.0f; CELU, alpha != 1),
# so their float64 gradients agree with the exact ones (and ours, see test_gradcheck) only to ~1e-7
TORCH_FLOAT32_BACKWARD = {"CELU", "Hardsigmoid"}
REPR_CASES = CASES + [("RReLU", {}), ("RReLU", {"lower": 0.1, "upper": 0.2, "inplace": True}),
                      ("Softmax", {}), ("LogSoftmax", {}), ("Softmin", {})]


def pair(name, kwargs, dtype=None):
    """The same module in microtensor and PyTorch (PReLU made in ``dtype``)."""
    if torch is None:
        return getattr(A, name)(**kwargs, **({"dtype": dtype} if name == "PReLU" and dtype else {})), None
    if name == "PReLU" and dtype is not None:
        return (A.PReLU(**kwargs, dtype=dtype),
                torch.nn.PReLU(**kwargs, dtype=getattr(torch, dtype.name)))
    return getattr(A, name)(**kwargs), getattr(torch.nn, name)(**kwargs)


def inputs(seed, shape=(2, 3, 4)):
    """Values spread over [-8, 8] (both sides of every kink: ReLU6's 6, Hardsigmoid's +-3...), none on a kink."""
    x = np.random.default_rng(seed).uniform(-8, 8, shape)
    return np.where(np.abs(x) < 1e-3, 0.5, x)


@requires_torch
@pytest.mark.parametrize("name,kwargs", REPR_CASES, ids=[str(i) for i in range(len(REPR_CASES))])
def test_repr_matches_torch(name, kwargs):
    ours, theirs = pair(name, kwargs)
    assert repr(ours) == repr(theirs)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_forward_and_input_grad_match_torch(name, kwargs, dtype):
    ours, theirs = pair(name, kwargs, getattr(mt, dtype))
    x = inputs(0).astype(dtype)
    xo = mt.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    # "+ 0" gives the in-place modules a non-leaf to modify, as they need in PyTorch too
    out, expected = ours(xo + 0), theirs(xt + 0)
    assert out.dtype.name == dtype and tuple(out.shape) == tuple(expected.shape)
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == "float32" else {"rtol": 1e-10, "atol": 1e-12}
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), **tol)
    w = np.random.default_rng(1).standard_normal(tuple(expected.shape)).astype(dtype)
    (out * mt.tensor(w)).sum().backward()
    (expected * torch.tensor(w)).sum().backward()
    if dtype == "float64" and name in TORCH_FLOAT32_BACKWARD:
        tol = {"rtol": 1e-6, "atol": 1e-12}
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), **tol)
    for (key, p), (tkey, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        assert key == tkey
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), **tol)


@requires_torch
@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_state_dict_matches_torch(name, kwargs):
    ours, theirs = pair(name, kwargs)
    mine, reference = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(reference)
    for key in reference:
        assert mine[key].dtype.name == str(reference[key].dtype).replace("torch.", "")
        np.testing.assert_array_equal(mine[key].numpy(), reference[key].numpy())


@pytest.mark.parametrize("name,kwargs", [c for c in CASES if not c[1].get("inplace")],
                         ids=[i for i, c in zip(IDS, CASES) if not c[1].get("inplace")])
def test_gradcheck(name, kwargs):
    module, _ = pair(name, kwargs, mt.float64)
    x = inputs(2, (2, 3, 2)) / 2          # small enough that Softplus's threshold and the kinks stay apart
    check_gradients(module, x)


@given(shape=shapes, seed=seeds)
def test_prelu_gradcheck(shape, seed):
    x, = rand(seed, shape)
    module = A.PReLU(shape[1] if len(shape) >= 2 else 1, init=0.3, dtype=mt.float64)
    check_gradients(module, x)


def test_prelu_weight_is_a_learnable_parameter():
    m = A.PReLU(4, init=0.5)
    assert [name for name, _ in m.named_parameters()] == ["weight"]
    assert m.weight.requires_grad and m.weight.dtype == mt.float32
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.full(4, 0.5, np.float32))
    x = mt.tensor(np.array([[-2.0, 1.0, -1.0, 3.0]], np.float32))
    m(x).sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), [-2.0, 0.0, -1.0, 0.0])
    with mt.no_grad():
        m.weight.fill_(0.0)
    m.reset_parameters()
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.full(4, 0.5, np.float32))


# ----------------------------------------------------------------------------- RReLU: random in train, mean in eval
def test_rrelu_train_draws_slopes_in_range_per_element():
    m = A.RReLU(0.1, 0.3)
    assert m.training
    x = mt.tensor(-np.ones((200, 50)), requires_grad=True)
    mt.manual_seed(0)
    out = m(x)
    slopes = -out.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert len(np.unique(slopes)) > 1000                          # one draw per element
    assert abs(slopes.mean() - 0.2) < 0.005                        # uniform on [0.1, 0.3]
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes)            # the gradient is the drawn slope
    again = -m(x).detach().numpy()
    assert not np.array_equal(again, slopes)                       # a fresh draw each call
    positive = mt.tensor(np.arange(1.0, 5.0))
    np.testing.assert_array_equal(m(positive).numpy(), np.arange(1.0, 5.0))


def test_rrelu_train_is_reproducible_with_manual_seed():
    m = A.RReLU()
    x = mt.tensor(-np.ones(100))
    mt.manual_seed(7)
    first = m(x).numpy()
    mt.manual_seed(7)
    np.testing.assert_array_equal(m(x).numpy(), first)


@requires_torch
@pytest.mark.parametrize("kwargs", [{}, {"lower": 0.05, "upper": 0.45}])
def test_rrelu_eval_uses_the_mean_slope_like_torch(kwargs):
    ours, theirs = pair("RReLU", kwargs)
    ours.eval()
    theirs.eval()
    assert not ours.training
    x = inputs(3)
    xo, xt = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours(xo), theirs(xt)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    slope = (ours.lower + ours.upper) / 2
    np.testing.assert_allclose(out.detach().numpy(), np.where(x >= 0, x, slope * x), rtol=1e-12)
    np.testing.assert_array_equal(ours(xo).detach().numpy(), out.detach().numpy())   # deterministic
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
    ours.train()
    assert not np.array_equal(ours(xo).detach().numpy(), out.detach().numpy())


def test_rrelu_eval_gradcheck():
    m = A.RReLU(0.2, 0.4).eval()
    check_gradients(m, inputs(4, (3, 2)))


# ----------------------------------------------------------------------------- Step and Maxout (microtensor's extras)
def test_step_is_the_heaviside_unit_step_with_zero_gradient():
    x = mt.tensor(np.array([-3.0, -1e-9, 0.0, 1e-9, 0.5, 7.0]), requires_grad=True)
    out = A.Step()(x)
    np.testing.assert_array_equal(out.detach().numpy(), [0.0, 0.0, 0.0, 1.0, 1.0, 1.0])   # step(0) = 0
    assert out.dtype == x.dtype
    (out * mt.tensor(np.arange(6.0))).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(6))
    assert repr(A.Step()) == "Step()"
    assert list(A.Step().state_dict()) == []


@given(shape=shapes, seed=seeds)
def test_step_matches_numpy(shape, seed):
    x, = rand(seed, shape)
    out = A.Step()(mt.tensor(x, dtype=mt.float32))
    np.testing.assert_array_equal(out.numpy(), (x.astype(np.float32) > 0).astype(np.float32))


def maxout_reference(x, pool_size, dim):
    """NumPy: split ``dim`` into (C // pool_size, pool_size) and take the max of each group."""
    dim = dim % x.ndim
    grouped = x.reshape(x.shape[:dim] + (x.shape[dim] // pool_size, pool_size) + x.shape[dim + 1:])
    return grouped.max(axis=dim + 1)


@pytest.mark.parametrize("shape,pool_size,dim", [((2, 6), 2, 1), ((2, 6), 3, 1), ((4, 6, 3), 3, 1),
                                                 ((2, 3, 8), 4, -1), ((6, 2), 2, 0), ((2, 4, 3, 3), 2, 1),
                                                 ((2, 5), 1, 1), ((2, 5), 5, 1)])
def test_maxout_matches_numpy(shape, pool_size, dim):
    x, = rand(5, shape)
    m = A.Maxout(pool_size, dim)
    xt = mt.tensor(x, requires_grad=True)
    out = m(xt)
    expected = maxout_reference(x, pool_size, dim)
    np.testing.assert_array_equal(out.detach().numpy(), expected)
    out.sum().backward()
    # the gradient flows to the maximum of each group only
    d = dim % x.ndim
    winners = x == np.repeat(expected, pool_size, axis=d)
    np.testing.assert_array_equal(xt.grad.numpy(), winners.astype(np.float64))
    check_gradients(m, x)


def test_maxout_repr_and_default_dim():
    m = A.Maxout(3)
    assert repr(m) == "Maxout(pool_size=3, dim=1)"
    x, = rand(6, (2, 9, 2))
    np.testing.assert_array_equal(m(mt.tensor(x)).numpy(), maxout_reference(x, 3, 1))
    assert list(m.state_dict()) == []


@requires_torch
@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax", "Softmin"])
@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 3, 4), (2, 3, 4, 2)])
def test_softmax_family_without_dim_uses_torchs_implicit_dim(name, shape):
    ours, theirs = pair(name, {})
    x = inputs(9, shape)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        out = ours(mt.tensor(x))
    with pytest.warns(UserWarning):
        expected = theirs(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------- modes and bad arguments
def test_hardtanh_rejects_max_not_above_min():
    with pytest.raises(AssertionError, match=r"max_val \(1.0\) must be greater than min_val \(1.0\)"):
        A.Hardtanh(1.0, 1.0)


def test_inplace_modules_modify_their_input():
    x = mt.tensor(np.array([-1.0, 2.0]))
    y = A.ReLU(inplace=True)(x)
    np.testing.assert_array_equal(x.numpy(), [0.0, 2.0])
    np.testing.assert_array_equal(y.numpy(), [0.0, 2.0])
    x = mt.tensor(np.array([-1.0, 2.0]))
    A.ReLU()(x)
    np.testing.assert_array_equal(x.numpy(), [-1.0, 2.0])


def test_activation_modules_work_in_sequential():
    net = mt.nn.Sequential(A.LeakyReLU(0.1), A.Tanh(), A.Softmax(dim=-1))
    x, = rand(8, (3, 4))
    out = net(mt.tensor(x))
    expected = np.tanh(np.where(x >= 0, x, 0.1 * x))
    expected = np.exp(expected) / np.exp(expected).sum(-1, keepdims=True)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)

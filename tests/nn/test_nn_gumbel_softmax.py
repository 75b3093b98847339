"""F.gumbel_softmax: sample statistics, reproducibility from the default generator, the soft sample's gradients
(first and second order, at fixed noise), the straight-through gradient of hard samples, warnings and errors;
and the in-place activations F.elu_, F.hardtanh_, F.leaky_relu_ on versions and autograd."""
import numpy as np
import pytest
from helpers import check_gradients, rand, requires_torch, seeds, torch
from hypothesis import given, settings

import microtensor as mt
from microtensor.nn import functional as F


def at_seed(fn, seed=0):
    """``fn`` with the default generator reseeded on every call, so the noise is the same each time."""
    def run(*args):
        mt.manual_seed(seed)
        return fn(*args)
    return run


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("tau", [0.5, 1.0, 3.0])
def test_gumbel_softmax_samples_follow_the_softmax_of_the_logits(hard, tau):
    mt.manual_seed(0)
    logits = mt.tensor([1.0, 0.0, -1.0, 2.0]).log_softmax(0).expand(20000, 4)
    y = F.gumbel_softmax(logits, tau=tau, hard=hard)
    assert y.shape == (20000, 4)
    np.testing.assert_allclose(y.sum(-1).numpy(), 1.0, rtol=1e-6)
    if hard:
        assert set(np.unique(y.numpy())) <= {0.0, 1.0}
    # the argmax of (logits + Gumbel noise) / tau is Categorical(softmax(logits)) whatever tau is
    freq = np.bincount(y.argmax(-1).numpy(), minlength=4) / 20000
    np.testing.assert_allclose(freq, logits[0].exp().numpy(), atol=0.015)


def test_gumbel_softmax_low_temperature_is_nearly_one_hot_and_high_is_nearly_uniform():
    mt.manual_seed(1)
    logits = mt.zeros(2000, 5)
    assert F.gumbel_softmax(logits, tau=0.01).amax(-1).mean().item() > 0.99
    np.testing.assert_allclose(F.gumbel_softmax(logits, tau=100.0).numpy(), 0.2, atol=0.05)


def test_gumbel_softmax_draws_from_the_default_generator():
    logits = mt.randn(3, 6)
    a = at_seed(lambda x: F.gumbel_softmax(x, dim=0), 7)(logits)
    b = at_seed(lambda x: F.gumbel_softmax(x, dim=0), 7)(logits)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_allclose(a.sum(0).numpy(), 1.0, rtol=1e-6)
    assert not np.array_equal(a.numpy(), F.gumbel_softmax(logits, dim=0).numpy())


@given(seed=seeds)
@settings(max_examples=5, deadline=None, derandomize=True)
def test_gumbel_softmax_gradcheck_at_fixed_noise(seed):
    x, = rand(seed, (2, 3))
    check_gradients(at_seed(lambda x: F.gumbel_softmax(x, tau=0.7)), x)
    check_gradients(at_seed(lambda x: F.gumbel_softmax(x, 2.0, dim=0)), x)


def test_hard_gumbel_softmax_has_the_straight_through_gradient():
    x = mt.randn(4, 5, dtype=mt.float64, requires_grad=True)
    w = mt.randn(4, 5, dtype=mt.float64)
    hard = at_seed(lambda x: F.gumbel_softmax(x, tau=0.5, hard=True, dim=1), 3)(x)
    soft = at_seed(lambda x: F.gumbel_softmax(x, tau=0.5, dim=1), 3)(x)
    np.testing.assert_array_equal(hard.detach().numpy(), np.eye(5)[soft.detach().numpy().argmax(1)])
    g_hard, = mt.autograd.grad((hard * w).sum(), x)
    g_soft, = mt.autograd.grad((soft * w).sum(), x)
    np.testing.assert_allclose(g_hard.numpy(), g_soft.numpy(), rtol=1e-12)


def test_gumbel_softmax_warnings_and_errors():
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        F.gumbel_softmax(mt.randn(2, 3), eps=1e-3)
    with pytest.raises(RuntimeError, match="dtype must be a floating point"):
        F.gumbel_softmax(mt.ones(2, 3, dtype=mt.int64))
    with pytest.raises(TypeError, match="gumbel_softmax"):
        F.gumbel_softmax([1.0, 2.0])
    assert F.gumbel_softmax(mt.randn(2, 3, dtype=mt.float64)).dtype == mt.float64
    assert F.gumbel_softmax(mt.zeros(0, 3), hard=True).shape == (0, 3)


@requires_torch
def test_gumbel_softmax_signature_is_torchs():
    import inspect
    ours = inspect.signature(F.gumbel_softmax).parameters
    theirs = inspect.signature(torch.nn.functional.gumbel_softmax).parameters
    assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()]


@pytest.mark.parametrize("op", [F.elu_, F.hardtanh_, F.leaky_relu_])
def test_inplace_activation_bumps_the_version_and_follows_the_leaf_rule(op):
    x = mt.tensor([-2.0, -0.5, 0.5, 2.0])
    v = x._version
    assert op(x) is x and x._version > v
    leaf = mt.tensor([1.0, -1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        op(leaf)
    a = mt.tensor([1.0, -1.0], requires_grad=True)
    y = a.exp()          # exp saves its output: changing it in place makes backward raise
    op(y)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_activation_on_a_view_writes_through_to_the_base():
    base = mt.tensor([[-2.0, 3.0], [-4.0, 0.5]], requires_grad=True)
    y = base * 1
    F.leaky_relu_(y[0], 0.5)
    np.testing.assert_allclose(y.detach().numpy(), [[-1.0, 3.0], [-4.0, 0.5]])
    y.sum().backward()
    np.testing.assert_allclose(base.grad.numpy(), [[0.5, 1.0], [1.0, 1.0]])

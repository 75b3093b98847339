"""batch_norm, layer_norm, group_norm and instance_norm: gradients (first and second order) for every input layout
and option, PyTorch's outputs and input/weight/bias gradients, running statistics, and errors."""
import numpy as np
import pytest
from helpers import check_gradients, rand, requires_torch, seeds, torch
from hypothesis import given, settings

import microtensor as mt
from microtensor.nn import functional as F

TF = torch.nn.functional if torch is not None else None

SHAPES = [(4, 3), (3, 2, 4), (2, 3, 2, 3)]


def channel_params(seed, c):
    w, b = rand(seed + 1, (c,), (c,))
    return w + 1.5, b


# name -> fn(x, w, b, rm, rv, F): every normalization with every option; rm/rv are running statistics
NORMS = {
    "batch_norm_train": lambda x, w, b, rm, rv, F: F.batch_norm(x, None, None, w, b, training=True),
    "batch_norm_train_no_affine": lambda x, w, b, rm, rv, F: F.batch_norm(x, None, None, training=True) * w[0],
    "batch_norm_train_weight_only": lambda x, w, b, rm, rv, F: F.batch_norm(x, None, None, w, None, True, eps=1e-3),
    "batch_norm_eval": lambda x, w, b, rm, rv, F: F.batch_norm(x, rm, rv, w, b, training=False),
    "batch_norm_eval_no_affine": lambda x, w, b, rm, rv, F: F.batch_norm(x, rm, rv) * b[0],
    "instance_norm": lambda x, w, b, rm, rv, F: F.instance_norm(x, weight=w, bias=b),
    "instance_norm_eval": lambda x, w, b, rm, rv, F: F.instance_norm(x, rm, rv, w, b, use_input_stats=False),
    "group_norm": lambda x, w, b, rm, rv, F: F.group_norm(x, 3, w, b),
    "group_norm_one_group": lambda x, w, b, rm, rv, F: F.group_norm(x, 1, w, b, eps=1e-3),
    "group_norm_no_affine": lambda x, w, b, rm, rv, F: F.group_norm(x, 3) * w[0],
    "layer_norm_last": lambda x, w, b, rm, rv, F: F.layer_norm(x, x.shape[-1:]) * w[0] + b[0],
}


def inputs(seed, shape):
    x, = rand(seed, shape)
    x = x * 2 + 0.5
    c = shape[1]
    w, b = channel_params(seed, c)
    rm = rand(seed + 2, (c,))[0] * 0.5
    rv = rand(seed + 3, (c,), low=0.5)[0]
    return x, w, b, rm, rv


def _instance_ok(name, shape):
    return not name.startswith("instance_norm") or len(shape) > 2


@pytest.mark.parametrize("name", NORMS)
@pytest.mark.parametrize("shape", [(4, 3), (3, 3, 4), (2, 3, 2, 2)])
@given(seed=seeds)
@settings(max_examples=3)
def test_norm_gradcheck(name, shape, seed):
    if not _instance_ok(name, shape):
        return
    x, w, b, rm, rv = inputs(seed, shape)
    rm_t, rv_t = mt.tensor(rm), mt.tensor(rv)
    check_gradients(lambda x, w, b: NORMS[name](x, w, b, rm_t, rv_t, F), x, w, b)


@pytest.mark.parametrize("name", NORMS)
@pytest.mark.parametrize("shape", [(4, 3), (3, 3, 4), (2, 3, 2, 2)])
def test_first_order_gradients_equal_the_differentiable_formulas(name, shape):
    """A plain backward takes NumPy's short path for per-channel weights (batch and instance norm); with
    create_graph it takes the differentiable Tensor formulas. Both give the same gradients."""
    if not _instance_ok(name, shape):
        return
    x, w, b, rm, rv = (mt.tensor(a) for a in inputs(3, shape))
    g = mt.tensor(rand(4, shape)[0])
    grads = []
    for create_graph in (False, True):
        leaves = [t.detach().requires_grad_() for t in (x, w, b)]
        out = NORMS[name](*leaves, mt.tensor(rm), mt.tensor(rv), F)
        grads.append(mt.autograd.grad(out, leaves, g, create_graph=create_graph, allow_unused=True))
    for fast, general in zip(*grads):
        assert (fast is None) == (general is None)
        if fast is not None:
            np.testing.assert_allclose(fast.numpy(), general.detach().numpy(), rtol=1e-10, atol=1e-12)


@given(seed=seeds)
@settings(max_examples=3)
def test_layer_norm_gradcheck(seed):
    x = rand(seed, (2, 3, 4))[0]
    w, b = rand(seed + 1, (3, 4), (3, 4))
    check_gradients(lambda x, w, b: F.layer_norm(x, (3, 4), w, b), x, w + 1, b)
    w, b = rand(seed + 2, (4,), (4,))
    check_gradients(lambda x, w, b: F.layer_norm(x, 4, w, b, eps=1e-2), x, w, b)


def _compare(name, shape, dtype, rtol, atol):
    x, w, b, rm, rv = (a.astype(dtype) for a in inputs(7, shape))
    ours = [mt.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = NORMS[name](*ours, mt.tensor(rm), mt.tensor(rv), F)
    expected = NORMS[name](*theirs, torch.tensor(rm), torch.tensor(rv), TF)
    assert out.dtype.name == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=rtol, atol=atol)
    g = rand(9, shape)[0].astype(dtype)
    (out * mt.tensor(g)).sum().backward()
    (expected * torch.tensor(g)).sum().backward()
    for a, e in zip(ours, theirs):
        if e.grad is None:
            assert a.grad is None or not a.grad.numpy().any()
        else:
            np.testing.assert_allclose(a.grad.numpy(), e.grad.numpy(), rtol=rtol, atol=atol)


@requires_torch
@pytest.mark.parametrize("name", NORMS)
@pytest.mark.parametrize("shape", SHAPES + [(8, 6, 5, 4)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_norm_matches_torch(name, shape, dtype):
    if not _instance_ok(name, shape):
        return
    shape = (shape[0], 6) + shape[2:] if name.startswith("group") else shape
    _compare(name, shape, dtype, *((1e-4, 1e-5) if dtype == "float32" else (1e-10, 1e-12)))


@requires_torch
@pytest.mark.parametrize("normalized", [(4,), (3, 4), (2, 3, 4)])
def test_layer_norm_matches_torch(normalized):
    x = rand(0, (2, 3, 4))[0]
    w, b = rand(1, normalized, normalized)
    ours = [mt.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = F.layer_norm(ours[0], normalized, ours[1], ours[2])
    expected = TF.layer_norm(theirs[0], normalized, theirs[1], theirs[2])
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10)
    out.pow(3).sum().backward()
    expected.pow(3).sum().backward()
    for a, e in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), e.grad.numpy(), rtol=1e-9, atol=1e-12)
    y = mt.layer_norm(mt.tensor(x, dtype=mt.float32), normalized)
    np.testing.assert_allclose(y.numpy(), torch.layer_norm(torch.tensor(x, dtype=torch.float32), normalized).numpy(),
                               rtol=1e-5, atol=1e-6)


@requires_torch
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("momentum", [0.1, 0.5, 1.0])
def test_running_statistics_follow_torch_over_several_steps(shape, momentum):
    c = shape[1]
    rm, rv = mt.zeros(c), mt.ones(c)
    trm, trv = torch.zeros(c), torch.ones(c)
    for step in range(4):
        x = rand(step, shape)[0].astype("float32") * (step + 1) + step
        F.batch_norm(mt.tensor(x), rm, rv, training=True, momentum=momentum)
        TF.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=momentum)
        np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-5, atol=1e-6)
    x = rand(9, shape)[0].astype("float32")
    np.testing.assert_allclose(F.batch_norm(mt.tensor(x), rm, rv).numpy(),
                               TF.batch_norm(torch.tensor(x), trm, trv).numpy(), rtol=1e-5, atol=1e-5)
    mt.batch_norm(mt.tensor(x), None, None, rm, rv, True, momentum, 1e-5, False)
    torch.batch_norm(torch.tensor(x), None, None, trm, trv, True, momentum, 1e-5, False)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-5, atol=1e-6)


def test_running_variance_is_unbiased_and_updated_in_place():
    x = mt.tensor([[1.0, 10.0], [3.0, 20.0], [5.0, 60.0]])
    rm, rv = mt.zeros(2), mt.ones(2)
    before = rm._version
    out = F.batch_norm(x, rm, rv, training=True, momentum=1.0)
    np.testing.assert_allclose(rm.numpy(), [3.0, 30.0])
    np.testing.assert_allclose(rv.numpy(), [4.0, 700.0])         # sum of squares / (n - 1)
    np.testing.assert_allclose(out.numpy()[:, 0], np.array([-2.0, 0, 2]) / np.sqrt(8 / 3 + 1e-5), rtol=1e-6)
    assert rm._version > before and not rm.requires_grad


@requires_torch
def test_instance_norm_running_statistics_match_torch():
    x = rand(0, (3, 2, 5))[0]
    rm, rv = mt.zeros(2, dtype=mt.float64), mt.ones(2, dtype=mt.float64)
    trm, trv = torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)
    for _ in range(2):
        out = F.instance_norm(mt.tensor(x), rm, rv, momentum=0.3)
        expected = TF.instance_norm(torch.tensor(x), trm, trv, momentum=0.3)
        np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-10)
        np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-10)
        np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-10)


def test_batch_norm_second_order_matches_torch():
    if torch is None:
        pytest.skip("PyTorch is not installed")
    x, w, b, _, _ = inputs(3, (4, 3, 2))
    ours = [mt.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    g_ours = mt.autograd.grad((F.batch_norm(ours[0], None, None, ours[1], ours[2], True) ** 3).sum(), ours,
                              create_graph=True)
    g_theirs = torch.autograd.grad((TF.batch_norm(theirs[0], None, None, theirs[1], theirs[2], True) ** 3).sum(),
                                   theirs, create_graph=True)
    sum(g.pow(2).sum() for g in g_ours).backward()
    sum(g.pow(2).sum() for g in g_theirs).backward()
    for a, e in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), e.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_output_may_be_modified_in_place_before_backward():
    x = mt.tensor(rand(0, (4, 3))[0], requires_grad=True)
    w = mt.ones(3, dtype=mt.float64, requires_grad=True)
    y = F.batch_norm(x, None, None, w, None, training=True)
    y.relu_()                          # as nn.ReLU(inplace=True) after BatchNorm: the output is not saved
    y.sum().backward()
    assert x.grad is not None and w.grad is not None


def test_errors():
    x = mt.zeros(4, 3)
    with pytest.raises(RuntimeError, match=r"batch_norm\(\): weight should have shape \[3\] .*input of shape "
                                           r"\[4, 3\]\), but got shape \[4\]"):
        F.batch_norm(x, None, None, mt.ones(4), training=True)
    with pytest.raises(RuntimeError, match=r"batch_norm\(\): running_mean should have shape \[3\].*got shape \[2\]"):
        F.batch_norm(x, mt.zeros(2), mt.ones(3), training=True)
    with pytest.raises(RuntimeError, match=r"batch_norm\(\): running_var should have shape \[3\].*got shape \[3, 1\]"):
        F.batch_norm(x, mt.zeros(3), mt.ones(3, 1))
    with pytest.raises(RuntimeError, match=r"batch_norm\(\): bias should have shape \[3\]"):
        F.batch_norm(x, mt.zeros(3), mt.ones(3), bias=mt.zeros(5))
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size "
                                         r"\[1, 3\]"):
        F.batch_norm(mt.zeros(1, 3), mt.zeros(3), mt.ones(3), training=True)
    with pytest.raises(ValueError, match=r"batch_norm\(\): expected an input of shape \(N, C\).*got an input of "
                                         r"shape \[3\]"):
        F.batch_norm(mt.zeros(3), mt.zeros(3), mt.ones(3))
    with pytest.raises(RuntimeError, match="running_mean and running_var must be defined in evaluation mode"):
        F.batch_norm(x, None, None)
    with pytest.raises(TypeError, match="argument 'momentum' must be float, not NoneType"):
        F.batch_norm(x, mt.zeros(3), mt.ones(3), training=True, momentum=None)
    with pytest.raises(RuntimeError, match=r"expected weight to have the input's dtype float32, got float64"):
        F.batch_norm(x, None, None, mt.ones(3, dtype=mt.float64), training=True)
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\], "
                                           r"but got input of size\[4, 3\]"):
        F.layer_norm(x, (4,))
    with pytest.raises(RuntimeError, match=r"layer_norm\(\): weight should have shape \[3\].*got shape \[4\]"):
        F.layer_norm(x, 3, mt.ones(4))
    with pytest.raises(RuntimeError, match=r"divisible by num_groups, but got input of shape \[2, 6, 4\] and "
                                           r"num_groups=4"):
        F.group_norm(mt.zeros(2, 6, 4), 4)
    with pytest.raises(RuntimeError, match=r"group_norm\(\): weight should have shape \[6\]"):
        F.group_norm(mt.zeros(2, 6, 4), 3, mt.ones(3))
    with pytest.raises(RuntimeError, match=r"batch_norm\(\): expected a floating point input, got Long"):
        F.batch_norm(mt.zeros(4, 3, dtype=mt.int64), None, None, training=True)

"""nn.utils: gradient clipping by norm and by value, and parameters <-> one vector, against PyTorch."""
import math

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor.nn import utils
from microtensor.nn.parameter import Parameter

SHAPES = [(3, 4), (4,), (2, 1, 3), ()]


def params_with_grads(scale=1.0, lib=mt, seed=0):
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [scale * rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    if lib is mt:
        params = [Parameter(mt.tensor(v)) for v in values]
    else:
        params = [torch.nn.Parameter(torch.tensor(v)) for v in values]
    for p, g in zip(params, grads):
        p.grad = lib.tensor(g)
    return params, grads


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm(norm_type, max_norm):
    params, grads = params_with_grads()
    flat = np.concatenate([g.reshape(-1) for g in grads]).astype(np.float64)
    expected_total = np.linalg.norm(flat, ord=norm_type)
    total = utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    assert isinstance(total, mt.Tensor) and total.shape == () and total.dtype == mt.float32
    assert total.item() == pytest.approx(expected_total, rel=1e-5)
    coef = min(1.0, max_norm / (expected_total + 1e-6))
    for p, g in zip(params, grads):
        np.testing.assert_allclose(p.grad.numpy(), g * coef, rtol=1e-5)
    clipped = np.linalg.norm(np.concatenate([p.grad.numpy().reshape(-1) for p in params]), ord=norm_type)
    assert clipped == pytest.approx(min(max_norm, expected_total), rel=1e-4)


@requires_torch
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 0.5, math.inf])
def test_clip_grad_norm_matches_torch(norm_type):
    ours, _ = params_with_grads(scale=3.0)
    theirs, _ = params_with_grads(scale=3.0, lib=torch)
    total = utils.clip_grad_norm_(ours, 1.0, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type)
    assert total.item() == pytest.approx(expected.item(), rel=1e-5)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_skips_missing_grads_and_accepts_one_tensor():
    params, grads = params_with_grads()
    params[1].grad = None
    expected = np.linalg.norm(np.concatenate([g.reshape(-1) for i, g in enumerate(grads) if i != 1]))
    assert utils.clip_grad_norm_(iter(params), 100.0).item() == pytest.approx(expected, rel=1e-5)
    assert params[1].grad is None
    single = Parameter(mt.zeros(2))
    single.grad = mt.tensor([3.0, 4.0])
    assert utils.clip_grad_norm_(single, 1.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(single.grad.numpy(), [0.6, 0.8], rtol=1e-5)
    empty = utils.clip_grad_norm_([Parameter(mt.zeros(2))], 1.0)
    assert empty.item() == 0.0


def test_clip_grad_norm_nonfinite():
    p = Parameter(mt.zeros(2))
    p.grad = mt.tensor([1.0, math.inf])
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from `parameters` is "
                                           "non-finite, so it cannot be clipped"):
        utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert math.isinf(utils.clip_grad_norm_([p], 1.0).item())
    assert np.isnan(p.grad.numpy()[1])                     # inf * 0, as in PyTorch


def test_clip_grad_norm_scales_grad_in_place():
    p = Parameter(mt.zeros(2))
    p.grad = mt.tensor([30.0, 40.0])
    grad = p.grad
    utils.clip_grad_norm_([p], 5.0)
    assert p.grad is grad
    np.testing.assert_allclose(grad.numpy(), [3.0, 4.0], rtol=1e-5)


def test_clip_grad_value():
    params, grads = params_with_grads(scale=2.0)
    assert utils.clip_grad_value_(params, 1.5) is None
    for p, g in zip(params, grads):
        np.testing.assert_array_equal(p.grad.numpy(), np.clip(g, -1.5, 1.5))
    if torch is not None:
        theirs, _ = params_with_grads(scale=2.0, lib=torch)
        torch.nn.utils.clip_grad_value_(theirs, 1.5)
        for p, q in zip(params, theirs):
            np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def test_parameters_to_vector_and_back():
    params, _ = params_with_grads()
    for p in params:
        p.grad = None
    vec = utils.parameters_to_vector(params)
    assert vec.shape == (sum(int(np.prod(s)) for s in SHAPES),) and vec.requires_grad
    np.testing.assert_array_equal(vec.detach().numpy(),
                                  np.concatenate([p.detach().numpy().reshape(-1) for p in params]))
    (vec * mt.arange(float(vec.shape[0]))).sum().backward()         # differentiable back to each parameter
    offset = 0
    for p in params:
        n = p.numel()
        np.testing.assert_array_equal(p.grad.numpy().reshape(-1), np.arange(offset, offset + n, dtype=np.float32))
        offset += n
    new = mt.arange(float(vec.shape[0]))
    utils.vector_to_parameters(new, params)
    assert all(type(p) is Parameter and p.requires_grad for p in params)
    assert [tuple(p.shape) for p in params] == SHAPES
    np.testing.assert_array_equal(utils.parameters_to_vector(params).detach().numpy(), new.numpy())
    with pytest.raises(TypeError, match="expected microtensor.Tensor, but got: list"):
        utils.vector_to_parameters([1.0], params)


@requires_torch
def test_vectors_match_torch():
    ours, _ = params_with_grads()
    theirs, _ = params_with_grads(lib=torch)
    np.testing.assert_array_equal(utils.parameters_to_vector(ours).detach().numpy(),
                                  torch.nn.utils.parameters_to_vector(theirs).detach().numpy())
    values = np.linspace(-1, 1, 23, dtype=np.float32)
    utils.vector_to_parameters(mt.tensor(values), ours)
    torch.nn.utils.vector_to_parameters(torch.tensor(values), theirs)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())

"""F.rms_norm, torch.rms_norm and nn.RMSNorm: gradients (first and second order), PyTorch's values, gradients,
default eps, module state and errors."""
import warnings

import numpy as np
import pytest
from helpers import check_gradients, compare_modules_with_torch, compare_with_torch, rand, requires_torch, seeds, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor import nn
from microtensor.nn import functional as F


@given(seed=seeds, lead=st.lists(st.integers(1, 3), max_size=2), norm=st.lists(st.integers(1, 3), min_size=1,
                                                                                max_size=2))
@settings(max_examples=15, deadline=None, derandomize=True)
def test_rms_norm_gradcheck(seed, lead, norm):
    x, w = rand(seed, tuple(lead + norm), tuple(norm))
    check_gradients(lambda x, w: F.rms_norm(x, norm, w), x, w)
    check_gradients(lambda x: F.rms_norm(x, norm, eps=0.1), x)


@requires_torch
@pytest.mark.parametrize("normalized", [[4], (3, 4), [2, 3, 4]])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm_matches_torch(normalized, dtype, eps):
    x, w = (a.astype(dtype) for a in rand(0, (2, 3, 4), tuple(normalized)))
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    compare_with_torch(lambda x, w, F=F: F.rms_norm(x, normalized, w, eps), x, w,
                       torch_fn=lambda x, w: torch.nn.functional.rms_norm(x, normalized, w, eps), **tol)
    compare_with_torch(lambda x: mt.rms_norm(x, normalized, eps=eps), x,
                       torch_fn=lambda x: torch.rms_norm(x, normalized, eps=eps), **tol)


@requires_torch
def test_rms_norm_default_eps_is_the_dtype_epsilon():
    x = np.full((2, 3), 1e-4, dtype=np.float32)       # mean square 1e-8, below float32's eps (1.2e-7)
    out = F.rms_norm(mt.tensor(x), [3])
    np.testing.assert_allclose(out.numpy(), torch.nn.functional.rms_norm(torch.tensor(x), [3]).numpy(), rtol=1e-6)
    assert abs(out.numpy()[0, 0] - 1e-4 / np.sqrt(1e-8 + np.finfo(np.float32).eps)) < 1e-6


def test_rms_norm_errors():
    x = mt.randn(2, 3, 4)
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[5\], expected input with shape"):
        F.rms_norm(x, [5])
    with pytest.raises(RuntimeError, match=r"weight of shape \[3\] and normalized_shape = \[4\]"):
        F.rms_norm(x, [4], mt.ones(3))
    with pytest.raises(TypeError, match="must be tuple of ints, not int"):
        F.rms_norm(x, 4)
    with pytest.raises(RuntimeError, match="at least 1-dimensional"):
        F.rms_norm(x, [])
    with pytest.raises(RuntimeError, match="rms_norm"):
        F.rms_norm(mt.ones(2, 4, dtype=mt.int64), [4])


def test_rms_norm_weight_of_another_dtype_warns_and_keeps_the_input_dtype():
    with pytest.warns(UserWarning, match="Mismatch dtype between input and weight"):
        out = F.rms_norm(mt.randn(2, 4), [4], mt.ones(4, dtype=mt.float64))
    assert out.dtype == mt.float32


@requires_torch
@pytest.mark.parametrize("kwargs", [{}, {"eps": 1e-2}, {"elementwise_affine": False}])
@pytest.mark.parametrize("shape", [4, [3, 4], (3, 4)])
def test_rms_norm_module_matches_torch(kwargs, shape):
    ours, theirs = nn.RMSNorm(shape, **kwargs), torch.nn.RMSNorm(shape, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():
        for p in theirs.parameters():
            p.uniform_(0.5, 1.5)
    x = rand(1, (2, 3, 4))[0].astype(np.float32)
    compare_modules_with_torch(ours, theirs, {"x": x}, lambda m, t, lib: (m(t["x"]),), rtol=1e-5, atol=1e-6)


def test_rms_norm_module_defaults():
    m = nn.RMSNorm([3], dtype=mt.float64)
    assert m.eps is None and m.normalized_shape == (3,) and m.weight.dtype == mt.float64
    assert m.weight.tolist() == [1.0, 1.0, 1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert m(mt.ones(2, 3, dtype=mt.float64)).shape == (2, 3)
    assert nn.modules.normalization.RMSNorm is nn.RMSNorm

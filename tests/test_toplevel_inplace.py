"""PyTorch's top-level in-place functions (``torch.exp_(x)``), constants and default device."""
import math

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt

UNARY = ["abs_", "acos_", "acosh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "cos_", "cosh_", "erf_", "erfc_",
         "exp2_", "exp_", "expm1_", "fix_", "floor_", "frac_", "log10_", "log1p_", "log2_", "log_", "neg_",
         "negative_", "reciprocal_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinh_", "sqrt_", "square_", "tan_",
         "tanh_", "trunc_", "relu_", "zero_"]
DOMAIN = {"acosh_": 1.5, "acos_": 0.0, "asin_": 0.0, "atanh_": 0.0}   # shift into the op's domain


def _start(name):
    return np.array([0.3, 0.7, 0.55], dtype=np.float32) + DOMAIN.get(name, 0.0)


@pytest.mark.parametrize("name", UNARY)
def test_top_level_in_place_function_is_the_method(name):
    x = mt.tensor(_start(name))
    expected = getattr(mt.tensor(_start(name)), name)()
    version = x._version
    assert getattr(mt, name)(x) is x and x._version == version + 1
    np.testing.assert_array_equal(x.numpy(), expected.numpy())


@requires_torch
@pytest.mark.parametrize("name", UNARY)
def test_top_level_in_place_function_matches_torch(name):
    ours, theirs = mt.tensor(_start(name)), torch.tensor(_start(name))
    getattr(mt, name)(ours)
    getattr(torch, name)(theirs)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@requires_torch
def test_clamp_bounds_in_place_match_torch():
    for lib in (mt, torch):
        x = lib.tensor([-2.0, 0.5, 3.0])
        lib.clamp_min_(x, 0.0)
        lib.clamp_max_(x, 1.0)
        assert x.tolist() == [0.0, 0.5, 1.0]


def test_in_place_on_a_leaf_that_requires_grad_raises():
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        mt.exp_(mt.ones(2, requires_grad=True))


def test_constants_and_default_device():
    assert (mt.e, mt.pi, mt.inf) == (math.e, math.pi, math.inf) and math.isnan(mt.nan) and mt.newaxis is None
    assert mt.ones(3)[mt.newaxis].shape == (1, 3)
    assert mt.get_default_device() == mt.device("cpu")
    mt.set_default_device("cpu")
    mt.set_default_device(None)
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        mt.set_default_device("cuda")


@requires_torch
def test_constants_match_torch():
    assert (mt.e, mt.pi, mt.inf, mt.newaxis) == (torch.e, torch.pi, torch.inf, torch.newaxis)
    assert str(mt.get_default_device()) == str(torch.get_default_device())

"""PyTorch's top-level in-place functions (``torch.exp_(x)``), constants and default device."""
import math

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt

UNARY = ["abs_", "acos_", "acosh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "cos_", "cosh_", "erf_",
         "erfc_", "exp2_", "exp_", "expm1_", "fix_", "floor_", "frac_", "i0_", "log10_", "log1p_", "log2_",
         "log_", "logit_", "nan_to_num_", "neg_", "sinc_", "negative_", "reciprocal_", "round_", "rsqrt_",
         "sigmoid_", "sin_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "relu_", "zero_"]
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


# ----------------------------------------------------------------------------- in-place comparisons and logic
COMPARE = ["eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "greater_equal_", "less_", "less_equal_",
           "not_equal_", "logical_and_", "logical_or_", "logical_xor_"]
SELF = {"float32": np.array([0.0, 1.5, 2.0, -1.0], dtype=np.float32), "int64": np.array([0, 2, 3, -1]),
        "bool": np.array([True, False, True, False])}


@requires_torch
@pytest.mark.parametrize("name", COMPARE)
@pytest.mark.parametrize("dtype", sorted(SELF))
@pytest.mark.parametrize("other", [2, 1.5, "tensor"])
def test_in_place_comparison_matches_torch(name, dtype, other):
    results = []
    for lib in (mt, torch):
        x = lib.tensor(SELF[dtype])
        y = lib.tensor(np.array([0.0, 1.5, 3.0, 0.0], dtype=np.float32)) if other == "tensor" else other
        if name.startswith("logical") and other != "tensor":
            with pytest.raises(TypeError, match=f"{name}\\(\\): argument 'other' \\(position 1\\) must be Tensor"):
                getattr(x, name)(y)
            continue
        assert getattr(x, name)(y) is x
        results.append((x.numpy().tolist(), str(x.dtype).split(".")[1]))
    assert not results or results[0] == results[1]


@requires_torch
def test_logical_not_in_place_and_gradient_match_torch():
    for lib in (mt, torch):
        f = lib.tensor([1.0, 0.0, -2.0])
        f.logical_not_()
        assert f.tolist() == [0.0, 1.0, 0.0]
    ours, theirs = mt.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    for x in (ours, theirs):
        a = x * 1
        a.eq_(1)
        assert a.requires_grad and a.tolist() == [1.0, 0.0]
        a.sum().backward()
    assert ours.grad.tolist() == theirs.grad.tolist() == [0.0, 0.0]


def test_in_place_comparison_cannot_broadcast_self():
    with pytest.raises(RuntimeError, match="eq_"):
        mt.ones(2).eq_(mt.ones(3, 2))


# ----------------------------------------------------------------------------- angle units and predicates
@pytest.mark.parametrize("name", ["deg2rad", "rad2deg"])
def test_angle_units_gradients(name):
    from helpers import check_gradients
    check_gradients(lambda x: getattr(mt, name)(x), np.array([[0.3, -2.0], [1.0, 4.0]]))


@requires_torch
@pytest.mark.parametrize("name", ["deg2rad", "rad2deg"])
@pytest.mark.parametrize("values", [np.array([180, -90, 0]), np.array([3.14159, 1.0], dtype=np.float64),
                                    np.array([[1.5, 2.0]], dtype=np.float32)])
def test_angle_units_match_torch(name, values):
    from helpers import compare_with_torch
    if values.dtype.kind == "i":
        ours, theirs = getattr(mt, name)(mt.tensor(values)), getattr(torch, name)(torch.tensor(values))
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    else:
        compare_with_torch(lambda x: getattr(x, name)(), values)
        compare_with_torch(lambda x: getattr(x * 1, name + "_")(), values)


@requires_torch
def test_arc_aliases_and_predicates_match_torch():
    for lib in (mt, torch):
        x = lib.tensor([0.5])
        assert x.arcsin_() is x and abs(x.item() - 0.5235987) < 1e-6
        assert lib.arctan_(lib.tensor([1.0])).item() == pytest.approx(0.7853982)
        assert x.is_nonzero() and lib.ones(2, 3).ndimension() == 2
        assert lib.ones(2, 3).is_same_size(lib.zeros(2, 3)) and not lib.ones(2).is_same_size(lib.ones(3))
        assert lib.tensor([1]).is_signed() and not lib.tensor([1], dtype=lib.uint8).is_signed()
        assert not lib.tensor([True]).is_signed() and lib.tensor([1.0]).is_signed()
        with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
            lib.tensor([1.0, 2.0]).is_nonzero()
        with pytest.raises(RuntimeError, match="Boolean value of Tensor with no values is ambiguous"):
            lib.tensor([]).is_nonzero()


@requires_torch
def test_nan_to_num_in_place_matches_torch():
    data = np.array([math.nan, math.inf, -math.inf, 1.5], dtype=np.float32)
    for call in (lambda L, x: x.nan_to_num_(1.0, 2.0, 3.0), lambda L, x: L.nan_to_num_(x, nan=-1.0),
                 lambda L, x: x.nan_to_num_(posinf=7.0)):
        ours, theirs = mt.tensor(data), torch.tensor(data)
        assert call(mt, ours) is ours
        call(torch, theirs)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ints = mt.tensor([3, 4])
    assert ints.nan_to_num_() is ints and ints.tolist() == [3, 4]


@requires_torch
def test_nan_to_num_and_mvlgamma_in_place_gradients_match_torch():
    for name, call in (("nan_to_num_", lambda t: t.nan_to_num_(0.5)), ("mvlgamma_", lambda t: t.mvlgamma_(3))):
        grads = []
        for L in (mt, torch):
            x = L.tensor([2.5, math.inf, 3.0, math.nan] if name == "nan_to_num_" else [2.5, 3.0, 4.5],
                         dtype=L.float64, requires_grad=True)
            y = x * 2
            assert call(y) is y
            (y * L.tensor([1.5, 0.5, -0.25, 3.0][:y.numel()], dtype=L.float64)).sum().backward()
            grads.append(x.grad.numpy())
        np.testing.assert_allclose(*grads, rtol=1e-12, err_msg=name)


def test_mvlgamma_in_place_rules():
    x = mt.tensor([3.0, 4.0])
    version = x._version
    assert x.mvlgamma_(2) is x and x._version == version + 1
    np.testing.assert_allclose(x.numpy(), [1.5502, 3.5651], atol=1e-4)
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        mt.tensor([3, 4]).mvlgamma_(2)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        mt.ones(2, requires_grad=True).nan_to_num_()


@requires_torch
def test_nan_to_num_gradient_is_a_product_as_torch():
    """grad * isfinite(x): an infinite incoming gradient at a replaced element gives NaN, as PyTorch's does."""
    values = [1.0, float("inf"), float("nan")]
    for incoming in ([float("inf"), float("inf"), 2.0], [float("nan"), 1.0, 1.0]):
        ours, theirs = mt.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
        with np.errstate(invalid="ignore"):
            mt.nan_to_num(ours).backward(mt.tensor(incoming))
        torch.nan_to_num(theirs).backward(torch.tensor(incoming))
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())

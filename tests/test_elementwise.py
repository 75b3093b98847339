"""Elementwise ops: finite-difference gradients (first and second order), the PyTorch oracle, dtype promotion,
operators and error messages."""
import warnings

import numpy as np
import pytest
from helpers import (
    broadcast_pairs,
    broadcast_triples,
    check_gradients,
    compare_with_torch,
    rand,
    requires_torch,
    seeds,
    shapes,
    torch,
)
from hypothesis import given, settings

import microtensor as mt


def lib(x):
    """The library a tensor belongs to, so one lambda serves microtensor and torch."""
    return mt if isinstance(x, mt.Tensor) else torch


# input domains: keep every op where it is defined and differentiable
def normal(a):
    return a


def positive(a):
    return np.abs(a) + 0.5


def away_from_zero(a):
    return np.where(a >= 0, a + 0.2, a - 0.2)


def unit(a):
    return np.tanh(a) * 0.9


def above_one(a):
    return np.abs(a) + 1.5


def off_integers(a):
    return np.floor(a * 3) / 3 + 0.15     # at least 0.15 away from every integer and half-integer jump


# name -> (fn for both libraries, domain)
UNARY = {
    "abs": (lambda x: x.abs(), away_from_zero),
    "abs_op": (lambda x: abs(x), away_from_zero),
    "neg": (lambda x: -x, normal),
    "reciprocal": (lambda x: x.reciprocal(), away_from_zero),
    "sqrt": (lambda x: lib(x).sqrt(x), positive),
    "rsqrt": (lambda x: x.rsqrt(), positive),
    "square": (lambda x: x.square(), normal),
    "exp": (lambda x: lib(x).exp(x), normal),
    "exp2": (lambda x: x.exp2(), normal),
    "expm1": (lambda x: x.expm1(), normal),
    "log": (lambda x: lib(x).log(x), positive),
    "log1p": (lambda x: x.log1p(), positive),
    "log2": (lambda x: x.log2(), positive),
    "log10": (lambda x: lib(x).log10(x), positive),
    "sin": (lambda x: x.sin(), normal),
    "cos": (lambda x: lib(x).cos(x), normal),
    "tan": (lambda x: x.tan(), unit),
    "tanh": (lambda x: lib(x).tanh(x), normal),
    "sinh": (lambda x: x.sinh(), normal),
    "cosh": (lambda x: x.cosh(), normal),
    "asin": (lambda x: x.asin(), unit),
    "acos": (lambda x: lib(x).acos(x), unit),
    "atan": (lambda x: x.atan(), normal),
    "asinh": (lambda x: x.asinh(), normal),
    "acosh": (lambda x: x.acosh(), above_one),
    "atanh": (lambda x: lib(x).atanh(x), unit),
    "sigmoid": (lambda x: lib(x).sigmoid(x), normal),
    "relu": (lambda x: lib(x).relu(x), away_from_zero),
    "erf": (lambda x: lib(x).erf(x), normal),
    "erfc": (lambda x: x.erfc(), normal),
    "sign": (lambda x: x.sign(), away_from_zero),
    "floor": (lambda x: x.floor(), off_integers),
    "ceil": (lambda x: lib(x).ceil(x), off_integers),
    "round": (lambda x: x.round(), off_integers),
    "round_decimals": (lambda x: lib(x).round(x * 10, decimals=-1), off_integers),
    "trunc": (lambda x: x.trunc(), off_integers),
    "frac": (lambda x: x.frac(), off_integers),
    "clamp": (lambda x: x.clamp(-0.5, 0.7), off_integers),
    "clamp_min": (lambda x: lib(x).clamp(x, min=0.2), off_integers),
    "clip_max": (lambda x: x.clip(max=-0.4), off_integers),
    "nan_to_num": (lambda x: x.nan_to_num(), normal),
    "pow_scalar": (lambda x: x ** 3, normal),
    "pow_frac": (lambda x: x ** 1.5, positive),
    "rpow": (lambda x: 2.5 ** x, normal),
    "scalar_ops": (lambda x: (3 - x) * 2 / (x.abs() + 1) - 1, normal),
    "rmod": (lambda x: 1.5 % (x.abs() + 0.4), off_integers),
    "rdiv": (lambda x: 2 / x, away_from_zero),
    "mod_scalar": (lambda x: x % 0.7, off_integers),
}

# name -> (fn of two tensors, domain of the first, domain of the second)
BINARY = {
    "add": (lambda a, b: a + b, normal, normal),
    "add_alpha": (lambda a, b: lib(a).add(a, b, alpha=-2.5), normal, normal),
    "sub": (lambda a, b: a - b, normal, normal),
    "sub_alpha": (lambda a, b: a.sub(b, alpha=0.5), normal, normal),
    "rsub": (lambda a, b: lib(a).rsub(a, b), normal, normal),
    "mul": (lambda a, b: a * b, normal, normal),
    "div": (lambda a, b: a / b, normal, away_from_zero),
    "div_trunc": (lambda a, b: a.div(b, rounding_mode="trunc"), off_integers, positive),
    "div_floor": (lambda a, b: a.div(b, rounding_mode="floor"), off_integers, positive),
    "floordiv_op": (lambda a, b: a // b, off_integers, positive),
    "pow": (lambda a, b: a ** b, positive, normal),
    "remainder": (lambda a, b: a % b, normal, positive),
    "remainder_fn": (lambda a, b: lib(a).remainder(a, -b), normal, positive),
    "fmod": (lambda a, b: lib(a).fmod(a, b), normal, away_from_zero),
    "atan2": (lambda a, b: lib(a).atan2(a, b), away_from_zero, away_from_zero),
    "maximum": (lambda a, b: lib(a).maximum(a, b), normal, normal),
    "minimum": (lambda a, b: a.minimum(b), normal, normal),
    "clamp_tensor_min": (lambda a, b: a.clamp(min=b), normal, normal),
    "clamp_tensor_max": (lambda a, b: lib(a).clamp(a, max=b), normal, normal),
    "lerp_scalar": (lambda a, b: a.lerp(b, 0.3), normal, normal),
    "lerp_scalar_high": (lambda a, b: lib(a).lerp(a, b, 0.8), normal, normal),
}

# name -> (fn of three tensors, domains)
TERNARY = {
    "clamp_both": (lambda x, lo, hi: lib(x).clamp(x, lo, hi), normal, normal, normal),
    "clamp_ordered": (lambda x, lo, hi: x.clamp(lo - 1, hi.abs()), normal, normal, normal),
    "lerp": (lambda s, e, w: lib(s).lerp(s, e, w), normal, normal, normal),
    "addcmul": (lambda a, b, c: lib(a).addcmul(a, b, c, value=0.5), normal, normal, normal),
    "addcdiv": (lambda a, b, c: a.addcdiv(b, c, value=-2), normal, normal, away_from_zero),
    "where": (lambda a, b, c: lib(a).where(a > 0, a * b, c), normal, normal, normal),
}


NO_TORCH_GRAD = {"rmod", "floordiv_op"}    # torch has no derivative for number % tensor and for //


def _inputs(seed, shape_list, domains):
    return [domain(a) for a, domain in zip(rand(seed, *shape_list), domains)]


@pytest.mark.parametrize("name", UNARY)
@given(shape=shapes, seed=seeds)
@settings(max_examples=12)
def test_unary_gradcheck(name, shape, seed):
    fn, domain = UNARY[name]
    check_gradients(fn, *_inputs(seed, [shape], [domain]))


@pytest.mark.parametrize("name", BINARY)
@given(pair=broadcast_pairs, seed=seeds)
@settings(max_examples=12)
def test_binary_gradcheck(name, pair, seed):
    fn, *domains = BINARY[name]
    check_gradients(fn, *_inputs(seed, pair.input_shapes, domains))


@pytest.mark.parametrize("name", TERNARY)
@given(triple=broadcast_triples, seed=seeds)
@settings(max_examples=10)
def test_ternary_gradcheck(name, triple, seed):
    fn, *domains = TERNARY[name]
    check_gradients(fn, *_inputs(seed, triple.input_shapes, domains))


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", UNARY)
def test_unary_matches_torch(name, dtype):
    fn, domain = UNARY[name]
    for shape in [(), (1,), (2, 3)]:
        compare_with_torch(fn, *[a.astype(dtype) for a in _inputs(3, [shape], [domain])],
                           check_grad=name not in NO_TORCH_GRAD)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", BINARY)
def test_binary_matches_torch(name, dtype):
    fn, *domains = BINARY[name]
    for shape_list in [[(3, 1), (1, 4)], [(), (2, 3)], [(2, 3), ()], [(4,), (2, 1, 4)]]:
        compare_with_torch(fn, *[a.astype(dtype) for a in _inputs(5, shape_list, domains)],
                           check_grad=name not in NO_TORCH_GRAD)


@requires_torch
@pytest.mark.parametrize("name", TERNARY)
def test_ternary_matches_torch(name):
    fn, *domains = TERNARY[name]
    # torch's clamp backward fails when x is smaller than the broadcast shape, so x has the full shape here
    for shape_list in [[(2, 3), (3,), (2, 1)], [(2, 3), (), (1, 3)]]:
        compare_with_torch(fn, *[a.astype(np.float32) for a in _inputs(7, shape_list, domains)])


@requires_torch
@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt",   # sqrt(-2) is nan, as in torch
                            "ignore:divide by zero")                     # sqrt's gradient at 0 is inf, as in torch
def test_ties_and_boundaries_match_torch():
    """maximum/minimum split the gradient on ties; clamp passes it on the closed interval; relu/abs/sign/sqrt at ±0."""
    a = np.array([1.0, 2.0, -1.0, 3.0], dtype=np.float32)
    b = np.array([1.0, 0.5, -1.0, 4.0], dtype=np.float32)
    compare_with_torch(lambda x, y: lib(x).maximum(x, y), a, b)
    compare_with_torch(lambda x, y: lib(x).minimum(x, y), a, b)
    compare_with_torch(lambda x: x.clamp(-1.0, 1.0), a)
    compare_with_torch(lambda x, lo, hi: x.clamp(lo, hi), a, b, b - 1)       # min > max: the output is max
    compare_with_torch(lambda x, lo: x.clamp(min=lo), a, b)
    compare_with_torch(lambda x, hi: x.clamp(max=hi), a, b)
    z = np.array([0.0, -0.0, 1.0, -2.0], dtype=np.float32)
    for fn in (lambda x: x.relu(), lambda x: x.abs(), lambda x: x.sign(), lambda x: x.sqrt()):
        compare_with_torch(fn, z)


@requires_torch
# frac(inf) is inf - inf = nan, as in torch
@pytest.mark.filterwarnings("ignore:invalid value encountered in subtract")
def test_special_values_match_torch():
    x = np.array([-np.inf, -30.0, -5.0, -2.6, -2.4, -0.3, 0.0, 1e-8, 0.7, 2.5, 3.0, 6.0, 27.0, np.inf, np.nan])
    for name in ("erf", "erfc", "sigmoid", "tanh", "sign", "nan_to_num", "exp", "floor", "frac"):
        for dtype in (np.float32, np.float64):
            ours = getattr(mt, name)(mt.tensor(x.astype(dtype))).numpy()
            theirs = getattr(torch, name)(torch.tensor(x.astype(dtype))).numpy()
            np.testing.assert_allclose(ours, theirs, rtol=1e-5 if dtype == np.float32 else 1e-10, atol=1e-300,
                                       err_msg=name)
    dense = np.linspace(-7, 7, 2001)
    np.testing.assert_allclose(mt.erf(mt.tensor(dense)).numpy(), torch.erf(torch.tensor(dense)).numpy(),
                               rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(mt.erfc(mt.tensor(dense)).numpy(), torch.erfc(torch.tensor(dense)).numpy(),
                               rtol=1e-11, atol=0)
    r = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 1.2345, 12345.678])
    np.testing.assert_array_equal(mt.tensor(r).round().numpy(), torch.tensor(r).round().numpy())
    np.testing.assert_allclose(mt.tensor(r).round(decimals=2).numpy(), torch.tensor(r).round(decimals=2).numpy())
    np.testing.assert_allclose(mt.tensor(r).round(decimals=-2).numpy(), torch.tensor(r).round(decimals=-2).numpy())
    # Python's floor division: 1 // 0.1 is 9 (floor(1 / 0.1) would be 10)
    a, b = np.array([1.0, -7.5, 7.0, -1.0]), np.array([0.1, 2.0, -0.1, 0.3])
    np.testing.assert_array_equal((mt.tensor(a) // mt.tensor(b)).numpy(), (torch.tensor(a) // torch.tensor(b)).numpy())
    np.testing.assert_allclose((mt.tensor(a) % mt.tensor(b)).numpy(), (torch.tensor(a) % torch.tensor(b)).numpy())


@requires_torch
@pytest.mark.filterwarnings("ignore:divide by zero")   # 1 / 0 is inf, as in torch
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_integer_inputs_match_torch(dtype):
    """Integer and bool inputs: float math gives the default float dtype, the rest keep (or refuse) the dtype."""
    data = np.array([[3, 0, 2], [1, 5, 4]]).astype(dtype)
    names = ["abs", "neg", "reciprocal", "sqrt", "exp", "log1p", "sin", "tanh", "sigmoid", "relu", "square", "sign",
             "floor", "ceil", "round", "trunc", "frac", "erf", "atan", "positive", "nan_to_num", "bitwise_not"]
    for name in names:
        try:
            expected = getattr(torch, name)(torch.tensor(data))
        except RuntimeError:
            with pytest.raises(RuntimeError):
                getattr(mt, name)(mt.tensor(data))
            continue
        out = getattr(mt, name)(mt.tensor(data))
        assert out.dtype.name == str(expected.dtype).replace("torch.", ""), name
        np.testing.assert_allclose(out.numpy().astype(float), expected.numpy().astype(float), rtol=1e-6, err_msg=name)
    other = np.array([2, 3, 1]).astype(dtype)
    for fn in (lambda a, b: a & b, lambda a, b: a | b, lambda a, b: a ^ b, lambda a, b: ~a,
               lambda a, b: lib(a).maximum(a, b), lambda a, b: a * b, lambda a, b: a / (b | True),
               lambda a, b: lib(a).atan2(a, b), lambda a, b: a.clamp(min=1), lambda a, b: a.clamp(min=0.5)):
        try:
            expected = fn(torch.tensor(data), torch.tensor(other))
        except RuntimeError:
            with pytest.raises(RuntimeError):
                fn(mt.tensor(data), mt.tensor(other))
            continue
        out = fn(mt.tensor(data), mt.tensor(other))
        assert out.dtype.name == str(expected.dtype).replace("torch.", "")
        np.testing.assert_allclose(out.numpy().astype(float), expected.numpy().astype(float), rtol=1e-6)
    if dtype != "bool":
        for fn in (lambda a, b: a // b, lambda a, b: a % b, lambda a, b: lib(a).fmod(a, b), lambda a, b: -a % b,
                   lambda a, b: lib(a).fmod(-a, b), lambda a, b: a.div(-b, rounding_mode="trunc"), lambda a, b: a ** b):
            expected = fn(torch.tensor(data), torch.tensor(other))
            out = fn(mt.tensor(data), mt.tensor(other))
            assert out.dtype.name == str(expected.dtype).replace("torch.", "")
            np.testing.assert_array_equal(out.numpy(), expected.numpy())


# ----------------------------------------------------------------------------- type promotion
def _t(lib_, values, dtype):
    return lib_.tensor(values, dtype=getattr(lib_, dtype))


# (case, fn of the library, PyTorch's result dtype)
PROMOTION = [
    ("float32 tensor * python float", lambda L: _t(L, [1.0, 2.0], "float32") * 2.5, "float32"),
    ("int64 tensor / int", lambda L: _t(L, [1, 2], "int64") / 2, "float32"),
    ("float32 + float64 tensors", lambda L: _t(L, [1.0], "float32") + _t(L, [1.0], "float64"), "float64"),
    ("int64 + bool tensors", lambda L: _t(L, [1], "int64") + _t(L, [True], "bool"), "int64"),
    ("bool + bool tensors", lambda L: _t(L, [True], "bool") + _t(L, [True], "bool"), "bool"),
    ("bool * bool tensors", lambda L: _t(L, [True], "bool") * _t(L, [False], "bool"), "bool"),
    ("int32 tensor + int", lambda L: _t(L, [1, 2], "int32") + 5, "int32"),
    ("int32 + int64 tensors", lambda L: _t(L, [1], "int32") + _t(L, [1], "int64"), "int64"),
    ("float32 tensor + 0-d float64", lambda L: _t(L, [1.0], "float32") + _t(L, 1.0, "float64"), "float32"),
    ("int64 tensor + 0-d float64", lambda L: _t(L, [1], "int64") + _t(L, 1.0, "float64"), "float64"),
    ("int32 tensor + 0-d int64", lambda L: _t(L, [1], "int32") + _t(L, 1, "int64"), "int32"),
    ("0-d float64 + 0-d float32", lambda L: _t(L, 1.0, "float64") + _t(L, 1.0, "float32"), "float64"),
    ("bool tensor + int", lambda L: _t(L, [True], "bool") + 1, "int64"),
    ("bool tensor * float", lambda L: _t(L, [True], "bool") * 2.5, "float32"),
    ("int tensor ** float", lambda L: _t(L, [1, 2], "int64") ** 2.0, "float32"),
    ("int tensor ** int", lambda L: _t(L, [1, 2], "int64") ** 2, "int64"),
    ("float ** int tensor", lambda L: 2.5 ** _t(L, [1, 2], "int64"), "float32"),
    ("int // int", lambda L: _t(L, [7, 2], "int64") // 2, "int64"),
    ("int32 % int", lambda L: _t(L, [7, 2], "int32") % 3, "int32"),
    ("float32 % float64 0-d", lambda L: _t(L, [7.0], "float32") % _t(L, 2.0, "float64"), "float32"),
    ("int sqrt", lambda L: _t(L, [4], "int64").sqrt(), "float32"),
    ("int abs", lambda L: _t(L, [-4], "int32").abs(), "int32"),
    ("bool square", lambda L: _t(L, [True], "bool").square(), "int64"),
    ("bool & int", lambda L: _t(L, [True], "bool") & _t(L, [3], "int32"), "int32"),
    ("uint8 + int8", lambda L: _t(L, [1], "uint8") + _t(L, [1], "int8"), "int16"),
    ("int maximum float", lambda L: L.maximum(_t(L, [1], "int64"), _t(L, [1.5], "float32")), "float32"),
    ("int atan2 int", lambda L: L.atan2(_t(L, [1], "int64"), _t(L, [2], "int64")), "float32"),
    ("int clamp float bound", lambda L: _t(L, [1], "int64").clamp(min=0.5), "float32"),
    ("float32 clamp float64 tensor", lambda L: _t(L, [1.0], "float32").clamp(min=_t(L, [0.5], "float64")), "float64"),
    ("where float32 / python float", lambda L: L.where(_t(L, [True], "bool"), _t(L, [1.0], "float32"), 0.0),
     "float32"),
]


@pytest.mark.parametrize("case, fn, expected", PROMOTION, ids=[c[0] for c in PROMOTION])
def test_type_promotion(case, fn, expected):
    assert fn(mt).dtype.name == expected
    if torch is not None:
        assert str(fn(torch).dtype) == "torch." + expected


def test_default_dtype_decides_int_division():
    mt.set_default_dtype(mt.float64)
    try:
        assert (mt.tensor([1, 2]) / 2).dtype == mt.float64
        assert mt.tensor([1, 2]).exp().dtype == mt.float64
    finally:
        mt.set_default_dtype(mt.float32)
    assert (mt.tensor([1, 2]) / 2).dtype == mt.float32


def test_float32_math_stays_float32():
    x = mt.randn(3, requires_grad=True)
    for out in (x.sigmoid(), x.erf(), x * 0.1, x.clamp(0.1, 0.2), x.lerp(mt.zeros(3), 0.5), 2 ** x, x % 0.3,
                mt.maximum(x, mt.tensor(0.5, dtype=mt.float64)), x.atan2(mt.ones(3, dtype=mt.int64))):
        assert out.dtype == mt.float32
        out.sum().backward()
        assert x.grad.dtype == mt.float32


# ----------------------------------------------------------------------------- numerics and operators
def test_sigmoid_is_stable_without_warnings():
    x = mt.tensor([-1e4, -800.0, -50.0, 0.0, 50.0, 800.0, 1e4], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dtype in (mt.float32, mt.float64):
            y = x.to(dtype).sigmoid()
            assert np.isfinite(y.detach().numpy()).all()
            assert y[0].item() == 0.0 and y[3].item() == 0.5 and y[-1].item() == 1.0
        y = x.sigmoid()
        y.sum().backward()
        assert np.isfinite(x.grad.numpy()).all()
        assert mt.erf(mt.tensor(np.array([-1e300, 1e300, -np.inf, np.inf]))).tolist() == [-1.0, 1.0, -1.0, 1.0]
        assert mt.erfc(mt.tensor(np.array([1e300, -1e300]))).tolist() == [0.0, 2.0]


def test_second_derivatives_of_saved_output_ops():
    """tanh, sigmoid, exp and sqrt save their output; the double backward goes through it."""
    x = mt.tensor([0.3, -1.2, 0.8], dtype=mt.float64, requires_grad=True)
    for fn, second in ((mt.tanh, lambda v: -2 * np.tanh(v) * (1 - np.tanh(v) ** 2)),
                       (mt.sigmoid, lambda v: (s := 1 / (1 + np.exp(-v))) * (1 - s) * (1 - 2 * s)),
                       (mt.exp, np.exp), (lambda t: (t + 2).sqrt(), lambda v: -0.25 * (v + 2) ** -1.5)):
        g, = mt.autograd.grad(fn(x).sum(), x, create_graph=True)
        gg, = mt.autograd.grad(g.sum(), x)
        np.testing.assert_allclose(gg.numpy(), second(x.detach().numpy()), rtol=1e-10)


def test_rounding_ops_have_zero_gradient():
    x = mt.tensor([0.4, 1.7, -2.2], requires_grad=True)
    for fn in (mt.floor, mt.ceil, mt.round, mt.trunc, mt.sign, lambda t: t // 0.3):
        x.grad = None
        fn(x).sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]
    x.grad = None
    x.frac().sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_reflected_operators_and_numpy_scalars():
    x = mt.tensor([1.0, 2.0, 4.0])
    assert (2 - x).tolist() == [1.0, 0.0, -2.0]
    assert (8 / x).tolist() == [8.0, 4.0, 2.0]
    assert (7 // x).tolist() == [7.0, 3.0, 1.0]
    assert (7 % x).tolist() == [0.0, 1.0, 3.0]
    assert (2 ** x).tolist() == [2.0, 4.0, 16.0]
    assert (1 + x).tolist() == [2.0, 3.0, 5.0] and (3 * x).tolist() == [3.0, 6.0, 12.0]
    assert (abs(-x)).tolist() == [1.0, 2.0, 4.0] and (+x) is x
    y = np.float64(2.0) * x
    assert isinstance(y, mt.Tensor) and y.dtype == mt.float32
    b = mt.tensor([True, False])
    assert (True & b).tolist() == [True, False] and (b | False).tolist() == [True, False]
    assert (1 ^ mt.tensor([1, 2])).tolist() == [0, 3] and (~b).tolist() == [False, True]
    assert (~mt.tensor([0, 5])).tolist() == [-1, -6]


def test_outputs_of_non_float_ops_do_not_require_grad():
    x = mt.tensor([1.0, -2.0], requires_grad=True)
    assert (x.floor()).requires_grad        # zero gradient, but still in the graph as in PyTorch
    assert not (mt.tensor([1, 2]) & 3).requires_grad
    assert not mt.tensor([3, 4]).abs().requires_grad


# ----------------------------------------------------------------------------- errors
def test_bool_subtraction_and_negation_errors():
    b = mt.tensor([True, False])
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool tensors"):
        b - b
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor"):
        -b
    with pytest.raises(RuntimeError, match="The `\\+` operator, on a bool tensor"):
        +b
    with pytest.raises(RuntimeError, match="abs"):
        b.abs()
    with pytest.raises(RuntimeError, match="relu"):
        b.relu()


def test_error_messages():
    a, b = mt.ones(2, 3), mt.ones(4)
    for name, fn in (("add", lambda: a + b), ("mul", lambda: a * b), ("div", lambda: a / b),
                     ("remainder", lambda: a % b), ("fmod", lambda: mt.fmod(a, b)), ("atan2", lambda: a.atan2(b)),
                     ("maximum", lambda: mt.maximum(a, b)), ("minimum", lambda: a.minimum(b)),
                     ("pow", lambda: a ** b), ("clamp", lambda: a.clamp(min=b)), ("lerp", lambda: a.lerp(b, 0.5)),
                     ("bitwise_and", lambda: mt.ones(2, dtype=mt.bool) & mt.ones(3, dtype=mt.bool))):
        with pytest.raises(RuntimeError, match=rf"^{name}: shapes .* cannot be broadcast"):
            fn()
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of tensor b \(4\)"):
        a + b
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        a.clamp()
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        mt.tensor([1, 2]) % 0
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        mt.tensor([1, 2]) // mt.tensor([1, 0])
    with pytest.raises(RuntimeError, match="bitwise_and.*float32"):
        mt.ones(2) & mt.ones(2)
    with pytest.raises(RuntimeError, match="only implemented on integer and Boolean"):
        ~mt.ones(2)
    with pytest.raises(RuntimeError, match="frac.*int64"):
        mt.tensor([1, 2]).frac()
    with pytest.raises(RuntimeError, match="lerp expected dtype float32 for `end`"):
        mt.ones(2).lerp(mt.ones(2, dtype=mt.float64), 0.5)
    with pytest.raises(RuntimeError, match="lerp expected dtype float32 for `weight`"):
        mt.ones(2).lerp(mt.ones(2), mt.ones(2, dtype=mt.float64))
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        mt.tensor([1, 2]) ** -1
    with pytest.raises(RuntimeError, match="Integer division with addcdiv"):
        mt.addcdiv(mt.ones(2), mt.tensor([1, 2]), mt.tensor([1, 2]))
    with pytest.raises(ValueError, match="rounding_mode"):
        a.div(a, rounding_mode="nearest")
    with pytest.raises(TypeError, match=r"sigmoid\(\): argument 'input' .* must be Tensor, not float"):
        mt.sigmoid(1.0)
    with pytest.raises(TypeError, match="unsupported operand"):
        a + "x"

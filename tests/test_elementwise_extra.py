"""copysign, logaddexp(2), hypot, xlogy, ldexp, float_power, frexp, nextafter, heaviside, the shifts, gcd/lcm
and integer powers with negative exponents: finite-difference gradients (first and second order), the PyTorch
oracle (values, dtypes, gradients, the conventions at special points), dtype rules, in-place forms, errors."""
import math

import numpy as np
import pytest
from helpers import broadcast_pairs, check_gradients, compare_with_torch, rand, requires_torch, seeds, shapes, torch
from hypothesis import given, settings

import microtensor as mt


def lib(x):
    return mt if isinstance(x, mt.Tensor) else torch


def normal(a):
    return a


def away_from_zero(a):
    return np.where(a >= 0, a + 0.2, a - 0.2)


def positive(a):
    return np.abs(a) + 0.3


# name -> (fn of two tensors, domain of the first, domain of the second)
BINARY = {
    "copysign": (lambda a, b: lib(a).copysign(a, b), away_from_zero, away_from_zero),
    "copysign_method": (lambda a, b: a.copysign(b), away_from_zero, away_from_zero),
    "logaddexp": (lambda a, b: lib(a).logaddexp(a, b), normal, normal),
    "logaddexp_method": (lambda a, b: (a * 30).logaddexp(b), normal, normal),
    "logaddexp2": (lambda a, b: lib(a).logaddexp2(a, b), normal, normal),
    "hypot": (lambda a, b: lib(a).hypot(a, b), away_from_zero, normal),
    "hypot_method": (lambda a, b: a.hypot(b), normal, away_from_zero),
    "xlogy": (lambda a, b: lib(a).xlogy(a, b), normal, positive),
    "xlogy_method": (lambda a, b: a.xlogy(b), normal, positive),
    "ldexp": (lambda a, b: lib(a).ldexp(a, b), normal, normal),
    "float_power": (lambda a, b: lib(a).float_power(a, b), positive, normal),
    "float_power_method": (lambda a, b: a.float_power(b), positive, normal),
}

# name -> (fn of one tensor, domain)
UNARY = {
    "copysign_scalar": (lambda a: a.copysign(-0.0), away_from_zero),
    "xlogy_scalar_self": (lambda a: lib(a).xlogy(2.5, a), positive),
    "xlogy_scalar_other": (lambda a: lib(a).xlogy(a, 3), normal),
    "float_power_scalar": (lambda a: a.float_power(3), normal),
    "float_power_scalar_base": (lambda a: lib(a).float_power(2, a), normal),
    "frexp_mantissa": (lambda a: lib(a).frexp(a * 3).mantissa, away_from_zero),
    "frexp_method": (lambda a: a.frexp()[0] * 2, away_from_zero),
}


def _inputs(seed, shape_list, domains):
    return [domain(a) for a, domain in zip(rand(seed, *shape_list), domains)]


@pytest.mark.parametrize("name", BINARY)
@given(pair=broadcast_pairs, seed=seeds)
@settings(max_examples=10)
def test_binary_gradcheck(name, pair, seed):
    fn, *domains = BINARY[name]
    check_gradients(fn, *_inputs(seed, pair.input_shapes, domains))


@pytest.mark.parametrize("name", UNARY)
@given(shape=shapes, seed=seeds)
@settings(max_examples=10)
def test_unary_gradcheck(name, shape, seed):
    fn, domain = UNARY[name]
    check_gradients(fn, *_inputs(seed, [shape], [domain]))


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", BINARY)
def test_binary_matches_torch(name, dtype):
    fn, *domains = BINARY[name]
    for shape_list in [[(3, 1), (1, 4)], [(), (2, 3)], [(2, 3), ()], [(4,), (2, 1, 4)], [(0, 3), (3,)]]:
        compare_with_torch(fn, *[a.astype(dtype) for a in _inputs(5, shape_list, domains)])


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", UNARY)
def test_unary_matches_torch(name, dtype):
    fn, domain = UNARY[name]
    for shape in [(), (1,), (2, 3), (0,)]:
        compare_with_torch(fn, *[a.astype(dtype) for a in _inputs(3, [shape], [domain])])


INF, NAN = math.inf, math.nan
# the special points where PyTorch's gradient conventions decide: (fn, first input, second input)
SPECIAL = {
    "copysign_at_zero": (lambda a, b: lib(a).copysign(a, b), [0.0, -0.0, 2.0, -2.0, NAN], [-1.0, 1.0, -0.0, 1.0, -1]),
    "logaddexp_infinities": (lambda a, b: lib(a).logaddexp(a, b),
                             [-INF, INF, -INF, INF, 1.0, 800.0, NAN], [-INF, INF, 1.0, -INF, INF, -800.0, 0.0]),
    "logaddexp2_infinities": (lambda a, b: lib(a).logaddexp2(a, b),
                              [-INF, INF, -INF, INF, 1.0, 2000.0, 0.0], [-INF, INF, 1.0, -INF, INF, 0.0, NAN]),
    "hypot_at_origin": (lambda a, b: lib(a).hypot(a, b), [0.0, 3.0, -0.0, 1e200], [0.0, 4.0, 5.0, 1e200]),
    "xlogy_at_zero": (lambda a, b: lib(a).xlogy(a, b), [0.0, 0.0, 0.0, 2.0, 0.0, 1.0], [0.0, -1.0, NAN, 0.0, INF, 2.0]),
    "ldexp_large": (lambda a, b: lib(a).ldexp(a, b), [1.0, -3.0, 0.0], [1023.0, -1074.0, 5.0]),
}


@requires_torch
@pytest.mark.filterwarnings("ignore:invalid value encountered in reduce")   # the oracle sums NaN outputs
@pytest.mark.parametrize("name", SPECIAL)
def test_special_points_match_torch(name):
    fn, a, b = SPECIAL[name]
    compare_with_torch(fn, np.array(a), np.array(b))


@requires_torch
def test_xlogy_special_values_and_second_order_match_torch():
    a, b = np.array([0.0, 1.5, -2.0, 0.0]), np.array([0.5, 2.0, 3.0, 1.0])
    for L in (mt, torch):
        x, y = L.tensor(a, requires_grad=True), L.tensor(b, requires_grad=True)
        gx, gy = L.autograd.grad(L.xlogy(x, y).sum(), (x, y), create_graph=True)
        second = L.autograd.grad((gx * gy).sum(), (x, y))
        if L is mt:
            ours = [t.detach().numpy() for t in (gx, gy, *second)]
        else:
            np.testing.assert_allclose(ours, [t.detach().numpy() for t in (gx, gy, *second)], rtol=1e-12)


@requires_torch
@pytest.mark.parametrize("call", [
    lambda L, i, f, b: L.copysign(i, -1),
    lambda L, i, f, b: L.copysign(b, i),
    lambda L, i, f, b: L.copysign(i.int(), f.double()),
    lambda L, i, f, b: L.logaddexp(i, f),
    lambda L, i, f, b: L.hypot(f, f.double()),
    lambda L, i, f, b: L.xlogy(i, i),
    lambda L, i, f, b: L.xlogy(2, i),
    lambda L, i, f, b: L.ldexp(i, L.tensor([1, 2, 3])),
    lambda L, i, f, b: L.ldexp(f, L.tensor([1.0, -2, 3], dtype=L.float64)),
    lambda L, i, f, b: L.float_power(i, 2),
    lambda L, i, f, b: L.float_power(f, L.tensor([2])),
    lambda L, i, f, b: L.float_power(i.abs(), -1.5),
    lambda L, i, f, b: L.nextafter(f, L.tensor([INF, -INF, 0.5])),
    lambda L, i, f, b: L.nextafter(f, f.double()),
    lambda L, i, f, b: L.heaviside(L.tensor([-1.0, 0.0, 2.0]), L.tensor([0.5])),
    lambda L, i, f, b: L.heaviside(i * 0, L.tensor([7])),
    lambda L, i, f, b: L.heaviside(b, b),
    lambda L, i, f, b: tuple(L.frexp(L.tensor([8.0, 0.0, -3.0, INF, NAN, 5e-324], dtype=L.float64))),
    lambda L, i, f, b: tuple(f.frexp()),
    lambda L, i, f, b: L.gcd(L.tensor([12, -18, 0, 0]), L.tensor([8, 12, 5, 0])),
    lambda L, i, f, b: L.lcm(L.tensor([12, -18, 0, 4]), L.tensor([8, 12, 5, -6])),
    lambda L, i, f, b: L.gcd(i, i.int()),
    lambda L, i, f, b: i.lcm(L.tensor([[4], [6]])),
    # integer powers with negative exponents: 1, ±1 by parity, else 0
    lambda L, i, f, b: L.tensor([1, 2, -3, -1, -1, 0]) ** L.tensor([-1, 2, 1, -3, -2, 2]),
    lambda L, i, f, b: 2 ** L.tensor([-1, 2]),
    lambda L, i, f, b: L.pow(L.tensor([-1, 1, 5]), L.tensor([[-4], [-5]])),
    # shifts: int, tensor, bool and number operands; out-of-range amounts
    lambda L, i, f, b: (i << 2, i >> 1, i << 70, i << -1, i >> -1, i >> 70),
    lambda L, i, f, b: (i << L.tensor([1, 63, 64]), i >> L.tensor([1, 63, 64])),
    lambda L, i, f, b: (1 << i.abs(), 16 >> i.abs(), b << 1, b >> 1),
    lambda L, i, f, b: (L.tensor([200], dtype=L.uint8) << 1, L.tensor([200], dtype=L.uint8) >> 9),
    lambda L, i, f, b: (L.tensor([-128], dtype=L.int8) >> 9, L.tensor([1], dtype=L.int32) << 31),
    lambda L, i, f, b: (L.tensor([1], dtype=L.int32) << 40, L.tensor([1], dtype=L.int8) << L.tensor([3])),
    lambda L, i, f, b: (L.bitwise_left_shift(i, 1), L.bitwise_right_shift(1024, i.abs()), i.bitwise_left_shift(b)),
])
def test_values_and_dtypes_match_torch(call):
    def make(L):
        return L.tensor([1, 2, -3]), L.tensor([1.0, -2.0, 0.5]), L.tensor([True, False, True])
    ours, theirs = call(mt, *make(mt)), call(torch, *make(torch))
    ours, theirs = (ours, theirs) if isinstance(ours, tuple) else ((ours,), (theirs,))
    for o, t in zip(ours, theirs):
        assert o.dtype.name == str(t.dtype).replace("torch.", "")
        np.testing.assert_array_equal(o.numpy(), t.numpy())


@requires_torch
@pytest.mark.parametrize("call", [
    lambda L: L.tensor([1.0, 2.0]).copysign_(L.tensor([-1.0, 1.0])),
    lambda L: L.tensor([3.0, 0.0]).hypot_(L.tensor([4.0, 2.0])),
    lambda L: L.tensor([0.0, 2.0]).xlogy_(L.tensor([0.0, 3.0])),
    lambda L: L.xlogy_(L.tensor([0.0, 2.0]), 3.0),
    lambda L: L.tensor([1.0, 3.0]).ldexp_(L.tensor([2, -1])),
    lambda L: L.tensor([2.0, 3.0], dtype=L.float64).float_power_(2),
    lambda L: L.tensor([1.0, 2.0]).nextafter_(L.tensor([2.0, 0.0])),
    lambda L: L.tensor([-1.0, 0.0]).heaviside_(L.tensor([0.5])),
    lambda L: L.tensor([12, 18]).gcd_(L.tensor([8, 4])),
    lambda L: L.lcm_(L.tensor([12, 18]), L.tensor([8, 4])),
    lambda L: L.tensor([1, -8]).bitwise_left_shift_(2),
    lambda L: L.tensor([1, -8]).bitwise_right_shift_(L.tensor([0, 2])),
])
def test_inplace_forms_match_torch(call):
    ours, theirs = call(mt), call(torch)
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_shift_operators_in_place():
    x = mt.tensor([1, -8])
    y = x
    x <<= 3
    assert x is y and x.tolist() == [8, -64]
    x >>= mt.tensor([1, 2])
    assert x is y and x.tolist() == [4, -16]


def test_inplace_records_the_gradient():
    x = mt.tensor([1.0, -2.0], requires_grad=True)
    y = x * 1
    y.copysign_(mt.tensor([-1.0, -1.0]))
    y.sum().backward()
    assert x.grad.tolist() == [-1.0, 1.0]


def test_frexp_reconstructs_its_input():
    x = mt.tensor(rand(0, (3, 4))[0] * 1000)
    m, e = mt.frexp(x)
    assert e.dtype == mt.int32 and not e.requires_grad
    assert mt.equal(mt.ldexp(m, e), x)
    assert ((m.abs() >= 0.5) & (m.abs() < 1)).all()


@pytest.mark.parametrize("call, error, message", [
    (lambda: mt.logaddexp(mt.tensor([1]), mt.tensor([2])), NotImplementedError,
     "\"logaddexp_cpu\" not implemented for 'Long'"),
    (lambda: mt.logaddexp(mt.ones(2), 2.0), TypeError, "argument 'other' \\(position 2\\) must be Tensor, not float"),
    (lambda: mt.hypot(mt.tensor([1]), mt.tensor([1])), NotImplementedError, "\"hypot_cpu\" not implemented"),
    (lambda: mt.hypot(mt.ones(2), mt.ones(3)), RuntimeError, "hypot: shapes \\[2\\] and \\[3\\] cannot be broadcast"),
    (lambda: mt.nextafter(mt.tensor([1]), mt.tensor([1])), NotImplementedError, "nextafter_cpu"),
    (lambda: mt.heaviside(mt.ones(2), mt.tensor([1])), RuntimeError, "heaviside is not yet implemented for tensors "
     "with different dtypes"),
    (lambda: mt.heaviside(mt.ones(2), 0.5), TypeError, "argument 'values' \\(position 2\\) must be Tensor"),
    (lambda: mt.frexp(mt.tensor([1, 2])), RuntimeError, "torch.frexp\\(\\) only supports floating-point dtypes"),
    (lambda: mt.ldexp(mt.ones(2), 2), TypeError, "argument 'other' \\(position 2\\) must be Tensor, not int"),
    (lambda: mt.ones(2).float_power_(2), RuntimeError, "the base given to float_power_ has dtype Float but the "
     "operation's result requires dtype Double"),
    (lambda: mt.tensor([1]).copysign_(-1.0), RuntimeError, "copysign_"),
    (lambda: mt.ones(2) << 1, NotImplementedError, "\"lshift_cpu\" not implemented for 'Float'"),
    (lambda: mt.tensor([1]) >> 1.5, NotImplementedError, "\"rshift_cpu\" not implemented for 'Float'"),
    (lambda: 1.5 << mt.tensor([1]), NotImplementedError, "lshift_cpu"),
    (lambda: mt.tensor([1, 2]) << mt.tensor([1, 2, 3]), RuntimeError, "bitwise_left_shift: shapes"),
    (lambda: mt.gcd(mt.ones(2), mt.ones(2)), NotImplementedError, "\"gcd_cpu\" not implemented for 'Float'"),
    (lambda: mt.lcm(mt.tensor([True]), mt.tensor([True])), NotImplementedError, "\"lcm_cpu\" not implemented for "
     "'Bool'"),
    (lambda: mt.tensor([True]) >> mt.tensor([True]), NotImplementedError, "\"rshift_cpu\" not implemented for 'Bool'"),
    (lambda: mt.gcd(mt.tensor([2]), 2), TypeError, "argument 'other' \\(position 2\\) must be Tensor, not int"),
    (lambda: mt.tensor([1, 2]) ** -1, RuntimeError, "Integers to negative integer powers are not allowed."),
])
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@requires_torch
def test_errors_are_the_ones_torch_raises():
    """The same calls on torch raise the same types (so the rows above mirror PyTorch, not a guess)."""
    for call, error in [
        (lambda L: L.logaddexp(L.tensor([1]), L.tensor([2])), NotImplementedError),
        (lambda L: L.ones(2) << 1, NotImplementedError),
        (lambda L: L.gcd(L.tensor([2]), 2), TypeError),
        (lambda L: L.frexp(L.tensor([1, 2])), RuntimeError),
        (lambda L: L.tensor([1, 2]) ** -1, RuntimeError),
        (lambda L: L.ones(2).float_power_(2), RuntimeError),
    ]:
        for L in (mt, torch):
            with pytest.raises(error):
                call(L)

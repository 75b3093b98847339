"""Comparison and logical ops: bool results without gradient, PyTorch's promotion, broadcasting, errors."""
import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt


def lib(x):
    return mt if isinstance(x, mt.Tensor) else torch


COMPARE = {
    "lt": lambda a, b: a < b, "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
    "eq_fn": lambda a, b: lib(a).eq(a, b), "ne_fn": lambda a, b: lib(a).ne(a, b), "lt_m": lambda a, b: a.lt(b),
    "le_m": lambda a, b: a.le(b), "gt_fn": lambda a, b: lib(a).gt(a, b), "ge_m": lambda a, b: a.ge(b),
    "greater": lambda a, b: lib(a).greater(a, b), "greater_equal": lambda a, b: a.greater_equal(b),
    "less": lambda a, b: a.less(b), "less_equal": lambda a, b: lib(a).less_equal(a, b),
    "not_equal": lambda a, b: a.not_equal(b),
    "logical_and": lambda a, b: lib(a).logical_and(a, b), "logical_or": lambda a, b: a.logical_or(b),
    "logical_xor": lambda a, b: lib(a).logical_xor(a, b), "logical_not": lambda a, b: lib(a).logical_not(a),
    "isclose": lambda a, b: lib(a).isclose(a, b + 1e-6), "isclose_tol": lambda a, b: a.isclose(b, rtol=0.5, atol=0.1),
    "isnan": lambda a, b: lib(a).isnan(a / b), "isinf": lambda a, b: lib(a).isinf(a / b),
    "isfinite": lambda a, b: (a / b).isfinite(), "isposinf": lambda a, b: lib(a).isposinf(a / b),
    "isneginf": lambda a, b: (a / b).isneginf(),
}

VALUES = np.array([[0.0, 1.0, -2.0, np.nan], [3.0, -0.0, np.inf, -np.inf]])
OTHER = np.array([0.0, 2.0, -2.0, np.nan])


def _torch_result(fn, *arrays):
    return fn(*[torch.tensor(a) for a in arrays])


@requires_torch
@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # x / 0 makes the inf and nan tested here
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool"])
@pytest.mark.parametrize("name", COMPARE)
def test_matches_torch(name, dtype):
    fn = COMPARE[name]
    a = np.nan_to_num(VALUES, posinf=5, neginf=-5).astype(dtype) if dtype != "float32" and dtype != "float64" \
        else VALUES.astype(dtype)
    b = np.nan_to_num(OTHER).astype(dtype) if dtype not in ("float32", "float64") else OTHER.astype(dtype)
    for x, y in ((a, b), (a, b[:1]), (a[0, 0], b), (a[:, :1], b)):
        try:
            expected = _torch_result(fn, x, y)
        except RuntimeError:         # e.g. bool / bool; then ours must refuse as well
            with pytest.raises(RuntimeError):
                fn(mt.tensor(x), mt.tensor(y))
            continue
        out = fn(mt.tensor(x), mt.tensor(y))
        assert out.dtype == mt.bool and not out.requires_grad
        assert tuple(out.shape) == tuple(expected.shape)
        np.testing.assert_array_equal(out.numpy(), expected.numpy())


@requires_torch
@pytest.mark.parametrize("name", ["lt", "le", "gt", "ge", "eq", "ne"])
def test_promotion_against_torch(name):
    """Comparisons promote first: a float32 tensor equals 0.1 (as float32), an int tensor is below 2.5."""
    fn = COMPARE[name]
    cases = [
        (lambda L: L.tensor([0.1, 0.2], dtype=L.float32), 0.1),
        (lambda L: L.tensor([1, 2, 3]), 2.5),
        (lambda L: L.tensor([1, 2, 3]), 2),
        (lambda L: L.tensor([True, False]), 1),
        (lambda L: L.tensor([0.1, 2.0], dtype=L.float32), lambda L: L.tensor(np.array(0.1))),      # float64
        (lambda L: L.tensor([0.1, 2.0], dtype=L.float32), lambda L: L.tensor(np.array([0.1]))),
        (lambda L: L.tensor([1, 3], dtype=L.int32), lambda L: L.tensor([2.5], dtype=L.float32)),
    ]
    for make_a, b in cases:
        results = []
        for L in (mt, torch):
            other = b(L) if callable(b) else b
            results.append(np.asarray(fn(make_a(L), other).tolist()))
            results.append(np.asarray(fn(other, make_a(L)).tolist()))   # reflected forms
        np.testing.assert_array_equal(results[0], results[2])
        np.testing.assert_array_equal(results[1], results[3])


def test_results_are_bool_and_never_require_grad():
    x = mt.tensor([1.0, -1.0], requires_grad=True)
    for out in (x > 0, x == x, x.isnan(), mt.logical_not(x), mt.isclose(x, x), x != 1):
        assert out.dtype == mt.bool and not out.requires_grad and out.grad_fn is None
    assert (x > 0).tolist() == [True, False]


def test_special_float_values():
    x = mt.tensor([1.0, np.nan, np.inf, -np.inf])
    assert mt.isnan(x).tolist() == [False, True, False, False]
    assert x.isinf().tolist() == [False, False, True, True]
    assert x.isfinite().tolist() == [True, False, False, False]
    assert (x == x).tolist() == [True, False, True, True]
    assert (x != x).tolist() == [False, True, False, False]
    ints = mt.tensor([1, 2])
    assert ints.isnan().tolist() == [False, False] and ints.isfinite().tolist() == [True, True]


def test_isclose_allclose_equal():
    a = mt.tensor([1.0, np.nan, np.inf, 1e-9])
    b = mt.tensor([1.0 + 1e-7, np.nan, np.inf, 0.0])
    assert a.isclose(b).tolist() == [True, False, True, True]
    assert mt.isclose(a, b, equal_nan=True).tolist() == [True, True, True, True]
    assert not mt.allclose(a, b) and mt.allclose(a, b, equal_nan=True)
    assert a.allclose(a + 1e-3, rtol=0, atol=1e-2, equal_nan=True)
    assert not mt.allclose(mt.tensor([1.0]), mt.tensor([1.1]))
    assert mt.isclose(mt.tensor([1, 2]), mt.tensor([2, 2]), atol=1).tolist() == [True, True]
    assert mt.equal(mt.tensor([1, 2]), mt.tensor([1, 2])) is True
    assert mt.tensor([1, 2]).equal(mt.tensor([1, 3])) is False
    assert mt.equal(mt.ones(2), mt.ones(3)) is False
    assert mt.equal(mt.ones(2, 1), mt.ones(2)) is False


def test_hash_stays_identity_based():
    a, b = mt.tensor([1.0]), mt.tensor([1.0])
    before = hash(a)
    a.add_(1.0)                                   # the value changes, the hash does not
    assert hash(a) == before and hash(a) != hash(b)
    assert len({a, b}) == 2 and {a: 1, b: 2}[b] == 2
    assert (a == None) is False and (a != None) is True   # noqa: E711 - the operator itself is tested
    assert (a == "x") is False
    assert a in [b, a]            # identity is tried first, as with torch tensors


def test_error_messages():
    a, b = mt.ones(2, 3), mt.ones(4)
    for name, fn in (("lt", lambda: a < b), ("eq", lambda: a == b), ("ne", lambda: a.ne(b)),
                     ("ge", lambda: mt.ge(a, b)), ("logical_and", lambda: mt.logical_and(a, b)),
                     ("logical_xor", lambda: a.logical_xor(b)), ("isclose", lambda: mt.isclose(a, b))):
        with pytest.raises(RuntimeError, match=rf"^{name}: shapes \[2, 3\] and \[4\] cannot be broadcast together: "
                                               r"the size of tensor a \(3\) must match the size of tensor b \(4\)"):
            fn()
    with pytest.raises(RuntimeError, match="isclose: float32 did not match float64"):
        mt.isclose(mt.ones(2), mt.ones(2, dtype=mt.float64))
    with pytest.raises(RuntimeError, match="equal: int64 did not match float32"):
        mt.equal(mt.tensor([1]), mt.ones(1))
    with pytest.raises(RuntimeError, match="rtol and atol must be non-negative"):
        mt.allclose(mt.ones(1), mt.ones(1), rtol=-1)
    with pytest.raises(TypeError, match=r"isnan\(\): argument 'input' .* must be Tensor, not list"):
        mt.isnan([1.0])
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(mt.ones(2) == mt.ones(2))


# ----------------------------------------------------------------------------- where(condition) alone
CONDITIONS = {
    "bool_2d": np.array([[True, False, True], [False, False, True]]),
    "float_1d": np.array([0.0, 1.5, 0.0, -2.0]),
    "int_3d": np.arange(12).reshape(2, 3, 2) % 3,
    "true_0d": np.array(True),
    "false_0d": np.array(False),
    "none_true": np.zeros((2, 2), dtype=bool),
}


@pytest.mark.parametrize("name", CONDITIONS)
def test_where_with_the_condition_alone_is_nonzero_as_tuple(name):
    cond = mt.tensor(CONDITIONS[name])
    expected = np.nonzero(np.atleast_1d(CONDITIONS[name]))
    for out in (mt.where(cond), mt.where(condition=cond), cond.nonzero(as_tuple=True),
                mt.nonzero(cond, as_tuple=True)):
        assert isinstance(out, tuple) and len(out) == len(expected)
        for o, e in zip(out, expected):
            assert o.dtype == mt.int64 and o.tolist() == e.tolist()
    assert mt.argwhere(cond).tolist() == np.argwhere(CONDITIONS[name]).tolist()
    assert mt.nonzero(cond).shape == np.argwhere(CONDITIONS[name]).shape


@requires_torch
@pytest.mark.parametrize("name", CONDITIONS)
def test_where_nonzero_argwhere_match_torch(name):
    array = CONDITIONS[name]
    for fn in (lambda L, c: L.where(c), lambda L, c: c.nonzero(as_tuple=True), lambda L, c: L.nonzero(c),
               lambda L, c: L.argwhere(c), lambda L, c: c.nonzero()):
        ours, theirs = fn(mt, mt.tensor(array)), fn(torch, torch.tensor(array))
        ours, theirs = (ours, theirs) if isinstance(theirs, tuple) else ((ours,), (theirs,))
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            assert tuple(o.shape) == tuple(t.shape) and o.tolist() == t.tolist()
            assert repr(o).replace("microtensor.", "torch.") == repr(t)


def test_where_with_input_but_no_other_is_an_error():
    cond = mt.tensor([True, False])
    with pytest.raises(TypeError, match="condition alone, or the condition, input and other"):
        mt.where(cond, mt.ones(2))
    with pytest.raises(TypeError, match="condition alone"):
        mt.where(cond, other=mt.ones(2))
    assert mt.where(cond, mt.ones(2), 0.0).tolist() == [1.0, 0.0]
    if torch is not None:
        with pytest.raises(TypeError):
            torch.where(torch.tensor([True, False]), torch.ones(2))

"""microtensor.testing: assert_close's verdicts and messages against torch.testing's, and make_tensor."""
import math

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor.testing import assert_close, make_tensor


def _cases(T):
    """(actual, expected, keywords) built with the library ``T``; the same cases for both libraries."""
    nan = math.nan
    return [
        (T.tensor([1.0, 2, 3]), T.tensor([1.0, 2.5, 3]), {}),
        (T.tensor([[1.0, 2], [3, 4]]), T.tensor([[1.0, 2], [3, 5]]), {}),
        (T.tensor([1.0, 2, 3]), T.tensor([1.0, 2, 3.0001]), {}),
        (T.tensor([1.0, 2, 3]), T.tensor([1.0, 2, 3.00001]), {}),
        (T.tensor([1, 2, 3]), T.tensor([1, 2, 4]), {}),
        (T.tensor([True, False]), T.tensor([True, True]), {}),
        (T.tensor([1.0, 2], dtype=T.float64), T.tensor([1.0, 2 + 1e-8], dtype=T.float64), {}),
        (T.tensor([1.0, 2]), T.tensor([1.0, 2], dtype=T.float64), {"check_dtype": False}),
        (T.tensor([1.0, 2]), T.tensor([1.0, 2.1], dtype=T.float64), {"check_dtype": False}),
        (T.tensor([1.0, nan]), T.tensor([1.0, nan]), {}),
        (T.tensor([1.0, nan]), T.tensor([1.0, nan]), {"equal_nan": True}),
        (T.tensor([math.inf, -math.inf]), T.tensor([math.inf, -math.inf]), {}),
        (T.tensor([math.inf]), T.tensor([-math.inf]), {}),
        (T.tensor([0.0]), T.tensor([1e-6]), {}),
        (T.tensor([0.0, 1.0]), T.tensor([1.0, 1.0]), {}),
        (T.tensor(1.0), T.tensor(2.0), {}),
        (T.tensor([1.0, 2]), T.tensor([1.0, 3]), {"rtol": 0.1, "atol": 0.5}),
        (T.tensor([1.0, 2]), T.tensor([1.0, 3]), {"rtol": 0.0, "atol": 0.0}),
        (T.zeros(0, 3), T.zeros(0, 3), {}),
        (1.0, 1.0 + 1e-6, {}),
        (1.0, 1.0 + 1e-8, {}),
        (1.0, 1.1, {}),
        (1, 2, {}),
        (0.0, 1.0, {}),
        ([T.tensor(1.0), 2.0], [T.tensor(1.0), 2.5], {}),
        ((T.tensor([1.0]), [T.tensor([2.0])]), [T.tensor([1.0]), (T.tensor([3.0]),)], {}),
        ({"a": T.tensor(1.0)}, {"a": T.tensor(2.0)}, {}),
        ({"a": T.tensor(1.0)}, {"b": T.tensor(1.0)}, {}),
        ([1.0, 2.0], [1.0], {}),
        (T.tensor([1.0, 2]), T.tensor([1.0, 3]), {"msg": "custom"}),
        (T.tensor([1.0, 2]), T.tensor([1.0, 3]), {"msg": lambda m: m.splitlines()[0] + " (callable)"}),
        (T.tensor([1.0, 2]), T.tensor([1.0, 2]), {"check_stride": True, "check_device": True}),
    ]


def _outcome(T, fn, actual, expected, kw):
    try:
        fn(actual, expected, **kw)
    except (AssertionError, TypeError, ValueError) as e:
        return type(e).__name__, str(e).replace(T.__name__ + ".", "LIB.")
    return "ok", ""


@requires_torch
@pytest.mark.parametrize("k", range(len(_cases(mt))))
def test_verdict_and_message_match_torch(k):
    ours = _outcome(mt, assert_close, *_cases(mt)[k])
    theirs = _outcome(torch, torch.testing.assert_close, *_cases(torch)[k])
    assert ours == theirs


@requires_torch
@pytest.mark.parametrize("case", ["shape", "dtype", "number_types", "rtol_only"])
def test_attribute_and_argument_errors_match_torch(case):
    def make(T):
        return {"shape": (T.ones(2), T.ones(3), {}), "dtype": (T.ones(2), T.ones(2, dtype=T.float64), {}),
                "number_types": (1.0, 1, {}), "rtol_only": (T.ones(1), T.ones(1), {"rtol": 0.1})}[case]
    assert _outcome(mt, assert_close, *make(mt)) == _outcome(torch, torch.testing.assert_close, *make(torch))


def test_unsupported_pair_is_a_type_error():
    with pytest.raises(TypeError, match="No comparison pair was able to handle inputs of type"):
        assert_close(mt.ones(2), [1.0, 1.0])
    assert mt.testing.assert_close is assert_close


@pytest.mark.parametrize("dtype, low, high", [(mt.float32, None, None), (mt.float64, -1.0, 2.0), (mt.int64, None, None),
                                              (mt.int32, 3, 5), (mt.uint8, None, None), (mt.bool, None, None)])
def test_make_tensor_dtype_shape_and_range(dtype, low, high):
    t = make_tensor(200, 3, dtype=dtype, low=low, high=high)
    assert t.shape == (200, 3) and t.dtype == dtype
    values = t.numpy()
    if dtype != mt.bool:
        lo = low if low is not None else (0 if dtype == mt.uint8 else -9)
        hi = high if high is not None else (10 if dtype.is_floating_point is False else 9)
        assert values.min() >= lo and values.max() < hi and len(np.unique(values)) > 1


def test_make_tensor_exclude_zero_requires_grad_and_shape_tuple():
    t = make_tensor((50, 4), dtype=mt.int64, low=-1, high=1, exclude_zero=True)
    assert t.shape == (50, 4) and not (t.numpy() == 0).any()
    assert make_tensor(2, dtype=mt.float32, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="`low` must be less than `high`"):
        make_tensor(2, dtype=mt.int64, low=5, high=5)

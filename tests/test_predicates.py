"""signbit, isreal, can_cast and the top-level is_nonzero / is_same_size / is_signed, against PyTorch."""
import math

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
def test_signbit_and_isreal_match_torch(dtype):
    values = np.array([-0.0, 0.0, -1.5, 2.0, math.nan, -math.nan, -math.inf]) if dtype[0] == "f" else \
        np.array([0, 1, 3]) if dtype in ("bool", "uint8") else np.array([-2, 0, 5])
    data = values.astype(dtype)
    for name in ("signbit", "isreal"):
        ours, theirs = getattr(mt, name)(mt.tensor(data)), getattr(torch, name)(torch.tensor(data))
        assert ours.dtype == mt.bool
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        np.testing.assert_array_equal(getattr(mt.tensor(data), name)().numpy(), theirs.numpy())


def test_signbit_and_isreal_keep_shape_and_refuse_non_tensors():
    assert mt.signbit(mt.zeros(0, 2)).shape == (0, 2) and mt.isreal(mt.tensor(1.0)).shape == ()
    with pytest.raises(TypeError, match=r"signbit\(\): argument 'input' \(position 1\) must be Tensor"):
        mt.signbit(1.0)


@requires_torch
@pytest.mark.parametrize("from_", DTYPES)
def test_can_cast_matches_torch(from_):
    for to in DTYPES:
        assert mt.can_cast(getattr(mt, from_), getattr(mt, to)) == torch.can_cast(getattr(torch, from_),
                                                                                 getattr(torch, to)), (from_, to)
    assert mt.can_cast(from_=getattr(mt, from_), to=mt.float64)


def test_can_cast_refuses_non_dtypes():
    with pytest.raises(TypeError, match=r"can_cast\(\): argument 'from_' \(position 1\) must be torch.dtype, not int"):
        mt.can_cast(1, mt.uint8)
    with pytest.raises(TypeError, match=r"argument 'to' \(position 2\)"):
        mt.can_cast(mt.uint8, "int8")


@requires_torch
def test_top_level_predicates_match_torch():
    for lib in (mt, torch):
        assert lib.is_nonzero(lib.tensor([2.0])) and not lib.is_nonzero(lib.tensor(0))
        assert lib.is_same_size(lib.ones(2, 3), lib.zeros(2, 3)) and not lib.is_same_size(lib.ones(2), lib.ones(3))
        assert lib.is_signed(lib.ones(1)) and not lib.is_signed(lib.ones(1, dtype=lib.uint8))
        assert not lib.is_signed(lib.ones(1, dtype=lib.bool))
        for bad, message in [(lib.ones(2), "more than one value"), (lib.ones(0), "with no values")]:
            with pytest.raises(RuntimeError, match=message):
                lib.is_nonzero(bad)
        with pytest.raises(TypeError, match="is_same_size"):
            lib.is_same_size(lib.ones(2), [1, 2])

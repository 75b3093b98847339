"""Tensor.view(dtype): PyTorch's bit reinterpretation (same memory, version counter shared, outside the graph),
its size rules for different element sizes, and its errors."""
import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _source(name):
    values = np.arange(-8, 8).reshape(2, 8) * 3 + 1
    return values.astype(np.float64 if name.startswith("float") else np.int64).astype(getattr(np, name)
                                                                                     if name != "bool" else bool)


@requires_torch
@pytest.mark.parametrize("new", DTYPES)
@pytest.mark.parametrize("old", ["uint8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("form", ["positional", "keyword"])
def test_view_dtype_matches_torch(old, new, form):
    a = _source(old)
    ours_x, theirs_x = mt.tensor(a), torch.tensor(a)
    if form == "positional":
        ours, theirs = ours_x.view(getattr(mt, new)), theirs_x.view(getattr(torch, new))
    else:
        ours, theirs = ours_x.view(dtype=getattr(mt, new)), theirs_x.view(dtype=getattr(torch, new))
    assert ours.dtype.name == new and tuple(ours.shape) == tuple(theirs.shape)
    assert ours.numpy().tobytes() == theirs.numpy().tobytes()
    assert ours.stride() == theirs.stride()


def test_view_dtype_shares_memory_and_version():
    x = mt.zeros(2, 4)
    bits = x.view(mt.int32)
    bits[0, 0] = 0x3F800000   # the bits of 1.0f
    assert x[0, 0].item() == 1.0
    assert x._version == bits._version == 1
    y = mt.ones(3, requires_grad=True)
    assert not y.view(mt.float32).requires_grad and y.view(mt.int32).grad_fn is None


@pytest.mark.parametrize("fn, match", [
    (lambda: mt.randn(2, 3).view(mt.float64), r"self.size\(-1\) must be divisible by 2 to view float32 as float64 "
                                              r"\(different element sizes\), but got 3"),
    (lambda: mt.tensor(1.0).view(mt.float64), r"self.dim\(\) cannot be 0 to view float32 as float64"),
    (lambda: mt.randn(4, 2).t().view(mt.float64), r"self.stride\(-1\) must be 1 .*, but got 2"),
    (lambda: mt.randn(2, 4)[:, 1:3].view(mt.float64), r"self.storage_offset\(\) must be divisible by 2 .* got 1"),
    (lambda: mt.zeros(2, 0).view(mt.float64), r"self.stride\(0\) must be divisible by 2 .* got 1"),
])
def test_view_dtype_errors(fn, match):
    with pytest.raises(RuntimeError, match=match):
        fn()


def test_same_size_views_of_any_layout_and_0d():
    assert mt.randn(4, 2).t().view(mt.int32).shape == (2, 4)
    assert mt.tensor(1.0).view(mt.int32).item() == 0x3F800000

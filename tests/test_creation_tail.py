"""asarray, frombuffer, range, scalar_tensor, Tensor.new, empty_strided/new_empty_strided/empty_permuted, isin,
torch.fill and the resize family, against PyTorch: values, dtypes, memory sharing, warnings and errors."""
import array
import warnings

import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, rand, requires_torch, torch

import microtensor as mt


def _same(ours, theirs):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


# name -> fn(lib): same call on both libraries, deterministic results
CALLS = {
    "isin": lambda T: T.isin(T.tensor([1, 2, 3]), T.tensor([2, 5])),
    "isin_number_tests": lambda T: T.isin(T.tensor([1, 2, 3]), 2),
    "isin_number_element": lambda T: T.isin(2, T.tensor([2, 5])),
    "isin_promotes": lambda T: T.isin(T.tensor([1.0, 2, 3.5]), T.tensor([2, 5]), invert=True),
    "isin_keywords": lambda T: T.isin(elements=T.tensor([[1, 2], [3, 4]]), test_elements=T.tensor([4, 1]),
                                      assume_unique=True),
    "isin_nan": lambda T: T.isin(T.tensor([float("nan"), 1.0]), T.tensor([float("nan"), 1.0])),
    "scalar_tensor": lambda T: T.scalar_tensor(3),
    "scalar_tensor_bool": lambda T: T.scalar_tensor(True),
    "scalar_tensor_dtype": lambda T: T.scalar_tensor(3, dtype=T.int64),
    "scalar_tensor_0d_tensor": lambda T: T.scalar_tensor(T.tensor(2)),
    "range": lambda T: T.range(1, 4),
    "range_step": lambda T: T.range(1, 4, 0.5, dtype=T.float64),
    "range_int": lambda T: T.range(0, 3, dtype=T.int64),
    "range_down": lambda T: T.range(4, 1, -1),
    "range_keywords": lambda T: T.range(start=0, end=1, step=0.25),
    "fill": lambda T: T.fill(T.zeros(2, 3), 3),
    "fill_int": lambda T: T.fill(T.zeros(2, dtype=T.int64), 2.7),
    "asarray_list": lambda T: T.asarray([1.0, 2]),
    "asarray_ints": lambda T: T.asarray([[1, 2], [3, 4]]),
    "asarray_scalar": lambda T: T.asarray(3.5),
    "asarray_numpy_dtype": lambda T: T.asarray(np.arange(3.0), dtype=T.float32),
    "asarray_buffer": lambda T: T.asarray(bytearray(b"\x01\x02"), dtype=T.uint8),
    "frombuffer": lambda T: T.frombuffer(bytearray(b"\x01\x00\x00\x00\x02\x00\x00\x00"), dtype=T.int32),
    "frombuffer_count_offset": lambda T: T.frombuffer(bytearray(range(8)), dtype=T.uint8, count=3, offset=4),
    "frombuffer_array": lambda T: T.frombuffer(array.array("d", [1.5, 2.5]), dtype=T.float64),
    "new_list": lambda T: T.ones(2, 3).new([1, 2]),
    "new_tuple_is_data": lambda T: T.ones(2, dtype=T.int64).new((2, 3)),
    "new_empty": lambda T: T.ones(2, 3).new(),
    "new_sizes_shape": lambda T: T.zeros(T.ones(2, 3, dtype=T.float64).new(2, 2).shape),
    "new_size_shape": lambda T: T.zeros(T.ones(2).new(T.Size([3])).shape),
    "new_tensor_alias": lambda T: T.ones(2, 3).new(T.arange(3.0)),
    "resize_shrink": lambda T: T.arange(6.0).resize_(2, 2),
    "resize_view": lambda T: T.arange(6.0)[1:].resize_(2),
    "resize_column_view": lambda T: T.arange(12.0).reshape(3, 4)[:, 1:].resize_(5),
    "resize_transposed": lambda T: T.arange(6.0).reshape(2, 3).t().resize_(2),
    "resize_as_": lambda T: T.resize_as_(T.arange(6.0), T.ones(2, 2)),
    "resize_as_method": lambda T: T.arange(6.0).resize_as_(T.ones(3)),
    "resize_grow_keeps_values": lambda T: T.arange(4.0).resize_(2, 3).flatten()[:4],
}


@requires_torch
@pytest.mark.parametrize("name", sorted(CALLS))
def test_against_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(CALLS[name](mt), CALLS[name](torch))


def test_strides_of_strided_creation():
    assert mt.empty_strided((2, 3), (1, 2)).stride() == (1, 2)
    assert mt.ones(1, dtype=mt.float64).new_empty_strided((2, 3), (1, 2)).dtype == mt.float64
    assert mt.empty_strided((2, 3), (1, 2), dtype=mt.int64).dtype == mt.int64
    x = mt.empty_permuted((2, 3, 4), (0, 2, 1))
    assert x.stride() == (12, 1, 3) and x.shape == (2, 3, 4)
    assert mt.empty_permuted((2, 3, 4, 5), (0, 2, 3, 1)).is_contiguous(memory_format=mt.channels_last)
    w = mt.empty_strided((2, 2), (1, 2), requires_grad=True)
    (w * mt.arange(4.0).reshape(2, 2)).sum().backward()
    assert w.is_leaf and w.grad.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    if torch is not None:
        assert torch.empty_permuted((2, 3, 4), (0, 2, 1)).stride() == x.stride()


def test_asarray_shares_memory_as_torch_does():
    a = np.arange(3.0)
    t = mt.asarray(a)
    a[0] = 9
    assert t.dtype == mt.float64 and t.tolist() == [9.0, 1.0, 2.0]
    assert mt.asarray(a, copy=True).tolist() == [9.0, 1.0, 2.0]
    copied = mt.asarray(a, copy=True)
    a[1] = 7
    assert copied[1].item() == 1.0
    x = mt.ones(2)
    assert mt.asarray(x) is x and mt.asarray(x, copy=True) is not x
    assert mt.asarray(x, dtype=mt.float64).dtype == mt.float64
    r = mt.asarray(x, requires_grad=True)
    assert r is x and x.requires_grad and r.is_leaf
    buf = bytearray(4)
    b = mt.asarray(buf, dtype=mt.uint8)
    buf[2] = 5
    assert b.tolist() == [0, 0, 5, 0]


def test_frombuffer_shares_the_buffer_and_warns_on_read_only():
    buf = bytearray(8)
    t = mt.frombuffer(buf, dtype=mt.int32)
    t[1] = 3
    assert buf[4] == 3
    with pytest.warns(UserWarning, match="The given buffer is not writable"):
        assert mt.frombuffer(bytes(8), dtype=mt.int32).tolist() == [0, 0]
    assert mt.frombuffer(bytearray(8), dtype=mt.float32, requires_grad=True).requires_grad


def test_range_warns_as_torch():
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        mt.range(0, 2)
    assert mt.range(1, 4, requires_grad=True).requires_grad


def test_resize_keeps_storage_and_bumps_version():
    x = mt.arange(6.0)
    v = x.view(2, 3)
    before = x._version
    x.resize_(2)
    assert x.tolist() == [0.0, 1.0] and v.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert x._version == before + 1
    x[0] = 7
    assert v[0, 0].item() == 7.0        # still the same memory


def test_resize_out_of_place_is_differentiable_and_warns():
    (x,) = rand(0, (2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_gradients(lambda t: t.resize(3, 2), x)
        check_gradients(lambda t: t.resize_as(mt.ones(6)), x)
        if torch is not None:
            compare_with_torch(lambda t: t.resize(3, 2), x)
    with pytest.warns(UserWarning, match="non-inplace resize is deprecated"):
        mt.ones(4).resize(2, 2)
    with pytest.warns(UserWarning, match="non-inplace resize_as is deprecated"):
        mt.ones(4).resize_as(mt.ones(2, 2))


def test_fill_gradients():
    x, v = rand(0, (2, 3), ())
    check_gradients(lambda t, u: mt.fill(t, u), x, v)
    if torch is not None:
        compare_with_torch(lambda t, u: mt.fill(t, u), x, v, torch_fn=lambda t, u: torch.fill(t, u))


ERRORS = {
    "isin_two_numbers": lambda T: T.isin(2, 3),
    "isin_bool": lambda T: T.isin(T.tensor([True]), T.tensor([1])),
    "scalar_tensor_list": lambda T: T.scalar_tensor([1]),
    "range_step_zero": lambda T: T.range(1, 4, 0),
    "range_sign": lambda T: T.range(4, 1),
    "fill_1d_value": lambda T: T.fill(T.zeros(2), T.tensor([3.0])),
    "asarray_alias_dtype": lambda T: T.asarray(np.arange(3.0), dtype=T.float32, copy=False),
    "asarray_alias_tensor": lambda T: T.asarray(T.ones(2), dtype=T.float64, copy=False),
    "asarray_alias_list": lambda T: T.asarray([1, 2], copy=False),
    "asarray_int_grad": lambda T: T.asarray(np.arange(3), requires_grad=True),
    "frombuffer_multiple": lambda T: T.frombuffer(bytearray(7), dtype=T.int32),
    "frombuffer_count": lambda T: T.frombuffer(bytearray(8), dtype=T.int32, count=3),
    "frombuffer_empty": lambda T: T.frombuffer(bytearray(0), dtype=T.int32),
    "frombuffer_offset": lambda T: T.frombuffer(bytearray(8), dtype=T.int32, offset=9),
    "frombuffer_no_dtype": lambda T: T.frombuffer(bytearray(8)),
    "new_dtype_keyword": lambda T: T.ones(2).new([1, 2], dtype=T.float64),
    "new_other_dtype": lambda T: T.ones(2).new(T.tensor([1, 2])),
    "empty_strided_dims": lambda T: T.empty_strided((2, 3), (1,)),
    "empty_permuted_length": lambda T: T.empty_permuted((2, 3, 4), (0, 2)),
    "empty_permuted_duplicate": lambda T: T.empty_permuted((2, 3, 4), (0, 2, 2)),
    "resize_requires_grad": lambda T: T.ones(2, requires_grad=True).resize_(3),
    "resize_non_leaf": lambda T: (T.ones(2, requires_grad=True) * 2).resize_(3),
    "resize_numel": lambda T: T.arange(6.0).resize(2, 2),
    "resize_as_numel": lambda T: T.arange(6.0).resize_as(T.ones(2, 2)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises((RuntimeError, TypeError, ValueError)) as ours:
            ERRORS[name](mt)
        if torch is not None:
            with pytest.raises(Exception) as theirs:
                ERRORS[name](torch)
            assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)

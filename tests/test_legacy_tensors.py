"""``Tensor(...)``'s legacy call forms, the ``FloatTensor``-style constructors and ``Tensor.type()``, checked
against NumPy and, when it is installed, against PyTorch."""
import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt

# name -> (call on library L, expected shape, expected dtype name, expected values or None when uninitialised)
FORMS = {
    "sizes": (lambda L: L.Tensor(3, 4), (3, 4), "float32", None),
    "one_size": (lambda L: L.Tensor(3), (3,), "float32", None),
    "zero_size": (lambda L: L.Tensor(0), (0,), "float32", None),
    "numpy_int_size": (lambda L: L.Tensor(np.int64(2), 3), (2, 3), "float32", None),
    "Size": (lambda L: L.Tensor(L.Size([2, 3])), (2, 3), "float32", None),
    "Size_0d": (lambda L: L.Tensor(L.Size([])), (), "float32", None),
    "size_kw": (lambda L: L.Tensor(size=(2, 3)), (2, 3), "float32", None),
    "empty": (lambda L: L.Tensor(), (0,), "float32", []),
    "list": (lambda L: L.Tensor([1, 2]), (2,), "float32", [1.0, 2.0]),
    "tuple_is_data": (lambda L: L.Tensor((2, 3)), (2,), "float32", [2.0, 3.0]),
    "nested": (lambda L: L.Tensor([[1.5], [2.5]]), (2, 1), "float32", [[1.5], [2.5]]),
    "empty_list": (lambda L: L.Tensor([]), (0,), "float32", []),
    "data_kw": (lambda L: L.Tensor(data=[1.0]), (1,), "float32", [1.0]),
    "numpy": (lambda L: L.Tensor(np.arange(3.0)), (3,), "float32", [0.0, 1.0, 2.0]),
    "list_of_tensors": (lambda L: L.Tensor([L.tensor(1.0), L.tensor(2.0)]), (2,), "float32", [1.0, 2.0]),
    "other_tensor_keeps_dtype": (lambda L: L.Tensor(L.tensor([1, 2])), (2,), "int64", [1, 2]),
    "device_cpu": (lambda L: L.Tensor(3, device="cpu"), (3,), "float32", None),
    "FloatTensor_sizes": (lambda L: L.FloatTensor(3, 4), (3, 4), "float32", None),
    "FloatTensor_list": (lambda L: L.FloatTensor([1, 2]), (2,), "float32", [1.0, 2.0]),
    "FloatTensor_empty": (lambda L: L.FloatTensor(), (0,), "float32", []),
    "FloatTensor_numpy_int": (lambda L: L.FloatTensor(np.arange(3)), (3,), "float32", [0.0, 1.0, 2.0]),
    "LongTensor_size": (lambda L: L.LongTensor(5), (5,), "int64", None),
    "LongTensor_floats_truncate": (lambda L: L.LongTensor([1.5, 2.0]), (2,), "int64", [1, 2]),
    "DoubleTensor": (lambda L: L.DoubleTensor([1]), (1,), "float64", [1.0]),
    "IntTensor": (lambda L: L.IntTensor([1, 2]), (2,), "int32", [1, 2]),
    "BoolTensor": (lambda L: L.BoolTensor([1, 0]), (2,), "bool", [True, False]),
    "ByteTensor": (lambda L: L.ByteTensor([1, 255]), (2,), "uint8", [1, 255]),
    "CharTensor": (lambda L: L.CharTensor([-1]), (1,), "int8", [-1]),
    "ShortTensor": (lambda L: L.ShortTensor(2, 2), (2, 2), "int16", None),
    "HalfTensor": (lambda L: L.HalfTensor([0.5]), (1,), "float16", [0.5]),
    "LongTensor_Size": (lambda L: L.LongTensor(L.Size([2])), (2,), "int64", None),
}


@pytest.mark.parametrize("name", FORMS)
def test_legacy_call_forms(name):
    call, shape, dtype, values = FORMS[name]
    ours = call(mt)
    assert type(ours) is mt.Tensor and tuple(ours.shape) == shape and ours.dtype.name == dtype
    assert not ours.requires_grad
    if values is not None:
        assert ours.tolist() == values
    if torch is not None:
        theirs = call(torch)
        assert tuple(theirs.shape) == shape and str(theirs.dtype) == f"torch.{dtype}"
        if values is not None:
            assert theirs.tolist() == values


def test_default_dtype_follows_set_default_dtype():
    mt.set_default_dtype(mt.float64)
    try:
        assert mt.Tensor(2).dtype == mt.float64 and mt.Tensor([1]).dtype == mt.float64
        assert mt.FloatTensor(2).dtype == mt.float32
    finally:
        mt.set_default_dtype(mt.float32)


def test_numpy_array_of_the_dtype_is_shared_as_in_pytorch():
    a = np.zeros(3, np.float32)
    mt.Tensor(a)[0] = 5.0
    mt.FloatTensor(a)[1] = 6.0
    assert a.tolist() == [5.0, 6.0, 0.0]
    b = np.zeros(2)                       # float64: converted, so a copy
    mt.Tensor(b)[0] = 1.0
    assert b.tolist() == [0.0, 0.0]


def test_tensor_of_a_tensor_is_an_alias_with_its_history():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = mt.Tensor(x)
    assert y.requires_grad and y.grad_fn is not None and y._base is x
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    with mt.no_grad():
        y[0] = 9.0
    assert x.tolist() == [9.0, 2.0]


@requires_torch
def test_tensor_of_a_tensor_matches_pytorch():
    for L in (mt, torch):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = L.Tensor(x)
        (y * y).sum().backward()
        assert y.requires_grad and x.grad.tolist() == [2.0, 4.0]


BAD = {
    "requires_grad_kw": (lambda L: L.Tensor([1.0], requires_grad=True), TypeError, "requires_grad"),
    "requires_grad_positional": (lambda L: L.Tensor([1.0], True), TypeError, "invalid combination"),
    "dtype_kw": (lambda L: L.Tensor([1.0], dtype=L.float64), TypeError, "dtype"),
    "float_data": (lambda L: L.Tensor(2.5), TypeError, r"data must be a sequence \(got float\)"),
    "bool_data": (lambda L: L.Tensor(True), TypeError, r"data must be a sequence \(got bool\)"),
    "str_data": (lambda L: L.Tensor("a"), TypeError, "invalid data type 'str'"),
    "negative_size": (lambda L: L.Tensor(-1), RuntimeError, "negative dimension -1"),
    "size_then_list": (lambda L: L.Tensor(2, [3]), TypeError, "must be tuple of ints,but got list"),
    "size_then_float": (lambda L: L.Tensor(2, 3.0), TypeError, "at pos 2"),
    "tensor_then_int": (lambda L: L.Tensor(L.ones(2), 2), TypeError, "invalid combination"),
    "ragged": (lambda L: L.Tensor([[1], [2, 3]]), ValueError, "rectangular"),
    "none_element": (lambda L: L.Tensor([None]), TypeError, "NoneType|must be numbers"),
    "cuda_device": (lambda L: L.Tensor([1.0], device="cuda"), RuntimeError, "expects device type: cpu"),
    "FloatTensor_requires_grad": (lambda L: L.FloatTensor([1.0], requires_grad=True), TypeError, "requires_grad"),
    "LongTensor_of_float_tensor": (lambda L: L.LongTensor(L.ones(2)), TypeError, "int64"),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_legacy_calls_raise_as_pytorch(name):
    call, error, match = BAD[name]
    with pytest.raises(error, match=match):
        call(mt)
    if torch is not None:
        with pytest.raises(error):
            call(torch)


# ----------------------------------------------------------------------------- isinstance and type()
TYPES = ["FloatTensor", "DoubleTensor", "HalfTensor", "ByteTensor", "CharTensor", "ShortTensor", "IntTensor",
         "LongTensor", "BoolTensor"]
DTYPES = ["float32", "float64", "float16", "uint8", "int8", "int16", "int32", "int64", "bool"]


@pytest.mark.parametrize("type_name, dtype", list(zip(TYPES, DTYPES)))
def test_isinstance_and_type_strings(type_name, dtype):
    legacy = getattr(mt, type_name)
    x = mt.zeros(2, dtype=getattr(mt, dtype))
    assert isinstance(x, legacy) and isinstance(mt.nn.Parameter(x.float()), mt.FloatTensor)
    assert not isinstance(x, mt.DoubleTensor if dtype != "float64" else mt.FloatTensor)
    assert not isinstance(x.numpy(), legacy) and not issubclass(legacy, mt.Tensor)
    assert x.type() == f"torch.{type_name}" and mt.Tensor.type(x) == x.type()
    assert repr(legacy) == f"<class 'microtensor.{type_name}'>" and legacy.dtype is getattr(mt, dtype)
    y = mt.ones(3).type(f"torch.{type_name}")
    assert y.dtype.name == dtype and mt.ones(3).type(legacy).dtype.name == dtype
    assert mt.ones(3).type(f"microtensor.{type_name}").dtype.name == dtype
    if torch is not None:
        tx = torch.zeros(2, dtype=getattr(torch, dtype))
        assert tx.type() == x.type() and isinstance(tx, getattr(torch, type_name))
        assert str(torch.ones(3).type(f"torch.{type_name}").dtype) == f"torch.{dtype}"


def test_type_converts_like_to():
    x = mt.tensor([1.5, 2.5], requires_grad=True)
    assert x.type(mt.float32) is x and x.type("torch.FloatTensor") is x
    y = x.type(mt.float64)
    assert y.dtype == mt.float64 and y.grad_fn is not None
    assert x.type(dtype=mt.int64).tolist() == [1, 2] and x.type(mt.float64, True).dtype == mt.float64
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("bad", ["LongTensor", "torch.float64", "torch.Foo", int])
def test_type_rejects_what_pytorch_rejects(bad):
    with pytest.raises(ValueError, match="invalid type"):
        mt.ones(2).type(bad)
    if torch is not None:
        with pytest.raises(ValueError, match="invalid type"):
            torch.ones(2).type(bad)

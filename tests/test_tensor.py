"""Tensor creation, dtypes, attributes, conversions, repr and seeding."""
import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt

CREATION = {
    "tensor_floats": lambda m: m.tensor([[1.0, 2.0], [3.0, 4.5]]),
    "tensor_ints": lambda m: m.tensor([1, 2, 3]),
    "tensor_bools": lambda m: m.tensor([True, False]),
    "tensor_scalar": lambda m: m.tensor(3.5),
    "tensor_int_scalar": lambda m: m.tensor(7),
    "tensor_mixed": lambda m: m.tensor([1, 2.5]),
    "tensor_dtype": lambda m: m.tensor([1, 2], dtype=m.float64),
    "tensor_numpy_f64": lambda m: m.tensor(np.array([1.0, 2.0])),
    "tensor_numpy_i32": lambda m: m.tensor(np.array([1, 2], dtype=np.int32)),
    "as_tensor": lambda m: m.as_tensor([1.0, 2.0]),
    "from_numpy": lambda m: m.from_numpy(np.arange(6.0).reshape(2, 3)),
    "zeros": lambda m: m.zeros(2, 3),
    "zeros_tuple": lambda m: m.zeros((2, 3), dtype=m.int64),
    "ones": lambda m: m.ones(4),
    "full_float": lambda m: m.full((2, 2), 1.5),
    "full_int": lambda m: m.full((2,), 3),
    "full_bool": lambda m: m.full((2,), True),
    "zeros_like": lambda m: m.zeros_like(m.ones(2, dtype=m.float64)),
    "ones_like": lambda m: m.ones_like(m.zeros(3, dtype=m.int32)),
    "full_like": lambda m: m.full_like(m.zeros(3), 2.0),
    "arange_int": lambda m: m.arange(5),
    "arange_float": lambda m: m.arange(0, 1, 0.25),
    "arange_start_end": lambda m: m.arange(2, 8, 2),
    "linspace": lambda m: m.linspace(0, 1, 5),
    "eye": lambda m: m.eye(3),
    "eye_rect": lambda m: m.eye(2, 3),
    "new_zeros": lambda m: m.ones(2, dtype=m.float64).new_zeros(2, 3),
    "new_zeros_tuple": lambda m: m.ones(2, dtype=m.int32).new_zeros((2, 3)),
    "new_zeros_size": lambda m: m.ones(2).new_zeros(size=(1, 2)),
    "new_ones_dtype": lambda m: m.ones(2, dtype=m.float64).new_ones([4], dtype=m.int64),
    "new_full": lambda m: m.ones(2, dtype=m.float64).new_full((2, 2), 7),
    "new_full_int": lambda m: m.ones(2, dtype=m.int64).new_full((3,), 2.7),
    "new_tensor": lambda m: m.ones(2, dtype=m.float64).new_tensor([1, 2]),
    "new_tensor_dtype": lambda m: m.ones(2).new_tensor([1, 2], dtype=m.int32),
    "new_empty_shape": lambda m: m.ones(2, dtype=m.float16).new_empty(3, 2).zero_(),
}


@requires_torch
@pytest.mark.parametrize("name", CREATION)
def test_creation_matches_torch(name):
    ours, theirs = CREATION[name](mt), CREATION[name](torch)
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_default_dtypes_without_torch():
    assert mt.tensor([1.0]).dtype == mt.float32
    assert mt.tensor([1]).dtype == mt.int64
    assert mt.tensor([True]).dtype == mt.bool
    assert mt.tensor(np.array([1.0])).dtype == mt.float64
    assert mt.arange(3).dtype == mt.int64 and mt.arange(0.5, 2).dtype == mt.float32
    assert mt.zeros(2).dtype == mt.float32 and mt.full((1,), 2).dtype == mt.int64


def test_new_factories_take_the_tensors_dtype_and_check_their_size():
    x = mt.ones(2, dtype=mt.float64)
    assert x.new_zeros(2, 3).dtype == mt.float64 and tuple(x.new_ones(4).shape) == (4,)
    grad = x.new_zeros(2, requires_grad=True)
    assert grad.requires_grad and grad.is_leaf
    assert x.new_tensor([1.5]).dtype == mt.float64 and mt.ones(1, dtype=mt.int64).new_full((2,), 3.9).tolist() == [3, 3]
    with pytest.raises(RuntimeError, match=r"negative dimension -1: \[2, -1\]"):
        x.new_zeros(2, -1)
    with pytest.raises(TypeError, match="missing 1 required positional arguments"):
        x.new_empty()


def test_set_default_dtype():
    try:
        mt.set_default_dtype(mt.float64)
        assert mt.get_default_dtype() == mt.float64
        assert mt.tensor([1.0]).dtype == mt.float64 and mt.zeros(1).dtype == mt.float64
        assert (mt.tensor([1, 2]) / 2).dtype == mt.float64
    finally:
        mt.set_default_dtype(mt.float32)
    with pytest.raises(TypeError, match="only floating-point"):
        mt.set_default_dtype(mt.int64)


def test_from_numpy_and_numpy_share_memory():
    a = np.zeros(3, dtype=np.float32)
    t = mt.from_numpy(a)
    a[0] = 5
    assert t[0].item() == 5.0
    t.numpy()[1] = 7
    assert a[1] == 7
    copy = mt.tensor(a)
    a[2] = 9
    assert copy[2].item() == 0.0


def test_attributes():
    t = mt.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert t.ndim == 3 and t.dim() == 3 and t.numel() == 24 and len(t) == 2
    assert t.device == mt.device("cpu") and str(t.device) == "cpu" and t.is_leaf and t.grad is None
    assert repr(t.shape) == "microtensor.Size([2, 3, 4])" and t.shape.numel() == 24
    with pytest.raises(IndexError, match="Dimension out of range"):
        t.size(3)


def test_conversions():
    t = mt.tensor([[1.5, 2.0]])
    assert t.tolist() == [[1.5, 2.0]]
    assert mt.tensor(2.5).item() == 2.5 and float(mt.tensor(2.5)) == 2.5 and int(mt.tensor(3)) == 3
    assert np.asarray(t).dtype == np.float32
    assert t.double().dtype == mt.float64 and t.long().dtype == mt.int64 and t.int().dtype == mt.int32
    assert t.bool().dtype == mt.bool and t.float().dtype == mt.float32
    assert t.to(mt.float64).dtype == mt.float64 and t.to("cpu") is t
    assert t.to("cpu", mt.float64).dtype == mt.float64
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        t.item()
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(mt.tensor(1.0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(mt.tensor([1, 2]))


@pytest.mark.parametrize("method, dtype", [("byte", "uint8"), ("char", "int8"), ("short", "int16"),
                                           ("half", "float16")])
def test_small_dtype_conversions_match_torch(method, dtype):
    values = [-130.7, -1.5, 0.0, 2.9, 127.0, 300.25]
    t = mt.tensor(values, requires_grad=True)
    out = getattr(t, method)()
    assert out.dtype == getattr(mt, dtype) and getattr(out, method)() is out
    if torch is not None:
        in_range = [v for v in values if np.iinfo(dtype).min <= v <= np.iinfo(dtype).max] if dtype[0] in "ui" \
            else values                             # out-of-range float -> int casts are undefined behaviour in C++
        np.testing.assert_array_equal(getattr(mt.tensor(in_range), method)().numpy(),
                                      getattr(torch.tensor(in_range), method)().numpy())
    if dtype == "float16":
        out.sum().backward()
        assert t.grad.dtype == mt.float32 and (t.grad.numpy() == 1).all()
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        t.to("cuda")


def test_numpy_refuses_tensor_requiring_grad():
    t = mt.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Use tensor.detach\(\).numpy\(\) instead"):
        t.numpy()
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(t)
    assert t.detach().numpy().tolist() == [1.0]


def test_unsupported_data_is_a_clear_error():
    with pytest.raises(TypeError, match="Could not infer dtype"):
        mt.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="can't convert"):
        mt.tensor(np.array([1 + 2j]))
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        mt.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="negative dimension"):
        mt.zeros(-1)


REPRS = {
    "floats": (lambda m: m.tensor([1.0, 2.5, -3.25]), "tensor([ 1.0000,  2.5000, -3.2500])"),
    "integral_floats": (lambda m: m.tensor([1.0, 2.0]), "tensor([1., 2.])"),
    "matrix": (lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]]), "tensor([[1., 2.],\n        [3., 4.]])"),
    "ints": (lambda m: m.tensor([1, 2, 3]), "tensor([1, 2, 3])"),
    "bools": (lambda m: m.tensor([True, False]), "tensor([ True, False])"),
    "scalar": (lambda m: m.tensor(3.5), "tensor(3.5000)"),
    "float64": (lambda m: m.tensor([1.5], dtype=m.float64), "tensor([1.5000], dtype={}.float64)"),
    "int32": (lambda m: m.tensor([1], dtype=m.int32), "tensor([1], dtype={}.int32)"),
    "requires_grad": (lambda m: m.tensor([1.0], requires_grad=True), "tensor([1.], requires_grad=True)"),
    "scientific": (lambda m: m.tensor([1e-5, 1.0, 1e3]), "tensor([1.0000e-05, 1.0000e+00, 1.0000e+03])"),
    "empty": (lambda m: m.zeros(0), "tensor([])"),
    "empty_2d": (lambda m: m.zeros(0, 3), "tensor([], size=(0, 3))"),
    "empty_int64": (lambda m: m.zeros(0, dtype=m.int64), "tensor([], dtype={}.int64)"),
    "nan_inf": (lambda m: m.tensor([0.5, float("nan"), float("inf")]), "tensor([0.5000,    nan,    inf])"),
    "wide_range_is_scientific": (lambda m: m.tensor([1.0, 2000.0]), "tensor([1.0000e+00, 2.0000e+03])"),
    "summarised_floats": (lambda m: m.arange(1001.0), "tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.])"),
    "summarised_ints": (lambda m: m.arange(5000), "tensor([   0,    1,    2,  ..., 4997, 4998, 4999])"),
    "wraps_at_80_columns": (lambda m: m.arange(30.0).reshape(2, 15),
                            ("tensor([[ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
                            "         14.],\n"
                            "        [15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27., 28.,\n"
                            "         29.]])")),
    "summarised_wide_scientific": (lambda m: m.arange(2000.0).reshape(2, 1000),
                                   ("tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.9700e+02, 9.9800e+02,\n"
                                   "         9.9900e+02],\n"
                                   "        [1.0000e+03, 1.0010e+03, 1.0020e+03,  ..., 1.9970e+03, 1.9980e+03,\n"
                                   "         1.9990e+03]])")),
    "wide_float64_requires_grad": (lambda m: (m.arange(40, dtype=m.float64).reshape(2, 20) / 4).requires_grad_(),
                                   ("tensor([[0.0000, 0.2500, 0.5000, 0.7500, 1.0000, 1.2500, 1.5000, 1.7500, 2.0000,\n"
                                   "         2.2500, 2.5000, 2.7500, 3.0000, 3.2500, 3.5000, 3.7500, 4.0000, 4.2500,\n"
                                   "         4.5000, 4.7500],\n"
                                   "        [5.0000, 5.2500, 5.5000, 5.7500, 6.0000, 6.2500, 6.5000, 6.7500, 7.0000,\n"
                                   "         7.2500, 7.5000, 7.7500, 8.0000, 8.2500, 8.5000, 8.7500, 9.0000, 9.2500,\n"
                                   "         9.5000, 9.7500]], dtype={}.float64, requires_grad=True)")),
    "suffix_on_its_own_line": (lambda m: m.arange(13.0, dtype=m.float64),
                               ("tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12.],\n"
                               "       dtype={}.float64)")),
}


@pytest.mark.parametrize("name", REPRS)
def test_repr_like_pytorch(name):
    make, expected = REPRS[name]
    assert repr(make(mt)) == expected.format("microtensor")


@requires_torch
@pytest.mark.parametrize("name", REPRS)
def test_repr_matches_torch(name):
    make, _ = REPRS[name]
    assert repr(make(mt)).replace("microtensor.", "torch.") == repr(make(torch))


def test_repr_shows_grad_fn():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"


def test_large_tensor_repr_is_summarised():
    text = repr(mt.arange(5000))
    assert "..." in text and text.count(",") < 20


def test_repr_fills_lines_to_80_columns():
    lines = repr(mt.arange(1000.0).reshape(10, 100)).splitlines()
    assert lines[0].count(".,") == 12 and max(len(line) for line in lines) <= 80     # as PyTorch puts them
    assert lines[0].startswith("tensor([[  0.,   1.,") and lines[8] == "          96.,  97.,  98.,  99.],"


# large and wide tensors, each printed as PyTorch prints it (summarised beyond 1000 elements)
BIG_REPRS = {
    "wide_2d": lambda m: m.arange(1000.0).reshape(10, 100),
    "wide_2d_ints": lambda m: m.arange(1000).reshape(10, 100),
    "summarised_2d": lambda m: m.arange(10000.0).reshape(100, 100),
    "summarised_2d_ints": lambda m: m.arange(10000).reshape(100, 100),
    "summarised_3d": lambda m: m.arange(2000.0).reshape(10, 10, 20),
    "summarised_4d": lambda m: m.arange(4096.0).reshape(8, 8, 8, 8) / 7,
    "summarised_column": lambda m: m.arange(2000.0).reshape(2000, 1),
    "summarised_negative_ints": lambda m: m.arange(-500, 600),
    "summarised_bools": lambda m: m.arange(2000) % 3 == 0,
    "summarised_scientific": lambda m: m.arange(2000.0) * 1e5,
    "fractions_50": lambda m: m.arange(50.0) / 7,
    "signed_fractions": lambda m: (m.arange(200.0) * 0.37 - 30).sin() * 10,
    "grad_fn_suffix": lambda m: m.arange(100.0).requires_grad_() * 2,
    "tiny_values": lambda m: m.tensor([1e-5, 2e-5, 3.5e-5]),
    "huge_integral_values": lambda m: m.tensor([1e10, 2e10]),
    "negative_zero": lambda m: m.tensor([-0.0, 1e9]),
    "nan_in_integral_floats": lambda m: m.tensor([1.0, float("nan"), -float("inf")]),
}


@requires_torch
@pytest.mark.parametrize("name", BIG_REPRS)
def test_large_and_wide_repr_matches_torch(name):
    make = BIG_REPRS[name]
    assert repr(make(mt)) == repr(make(torch))


def test_manual_seed_reproduces_random_tensors():
    mt.manual_seed(123)
    a = (mt.rand(3), mt.randn(2, 2), mt.randint(0, 10, (4,)), mt.randperm(5))
    mt.manual_seed(123)
    b = (mt.rand(3), mt.randn(2, 2), mt.randint(0, 10, (4,)), mt.randperm(5))
    for x, y in zip(a, b):
        assert x.tolist() == y.tolist()
    mt.manual_seed(124)
    assert mt.rand(3).tolist() != a[0].tolist()
    assert a[0].dtype == mt.float32 and a[2].dtype == mt.int64
    assert 0 <= a[0].min().item() and a[0].max().item() < 1


def test_generator_objects_are_independent():
    g1, g2 = mt.Generator().manual_seed(5), mt.Generator().manual_seed(5)
    assert mt.rand(4, generator=g1).tolist() == mt.rand(4, generator=g2).tolist()
    state = g1.get_state()
    first = mt.randn(3, generator=g1).tolist()
    g1.set_state(state)
    assert mt.randn(3, generator=g1).tolist() == first


def test_like_functions_and_randint_bounds():
    x = mt.zeros(2, 3, dtype=mt.float64)
    assert mt.rand_like(x).dtype == mt.float64 and mt.randn_like(x).shape == (2, 3)
    r = mt.randint(3, 6, (1000,))
    assert r.min().item() >= 3 and r.max().item() <= 5
    with pytest.raises(RuntimeError, match="from=5 >= to=5"):
        mt.randint(5, 5, (2,))


def test_subpackages_are_attributes_after_import_microtensor_alone():
    import subprocess
    import sys
    code = ("import microtensor as mt; "
            "print(mt.nn.Linear.__name__, mt.optim.SGD.__name__, mt.utils.data.DataLoader.__name__, "
            "mt.viz.draw.__name__, mt.datasets.xor.__name__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["Linear", "SGD", "DataLoader", "draw", "xor"]
    with pytest.raises(AttributeError, match="no attribute 'no_such_thing'"):
        mt.no_such_thing


def test_in_place_random_fills():
    mt.manual_seed(0)
    t = mt.empty(20000)
    version = t._version
    assert t.uniform_(-2.0, 3.0) is t and t._version == version + 1
    assert -2.0 <= t.min().item() and t.max().item() < 3.0 and abs(t.mean().item() - 0.5) < 0.05
    t.normal_(1.0, 2.0)
    assert abs(t.mean().item() - 1.0) < 0.05 and abs(t.std().item() - 2.0) < 0.05
    mt.manual_seed(1)
    first = mt.zeros(5, dtype=mt.float64).normal_().tolist()
    mt.manual_seed(1)
    assert mt.zeros(5, dtype=mt.float64).normal_().tolist() == first
    draws = [mt.zeros(3).uniform_(generator=mt.Generator().manual_seed(3)).tolist() for _ in range(2)]
    assert draws[0] == draws[1]
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        mt.zeros(3, requires_grad=True).normal_()
    with pytest.raises(RuntimeError, match="normal_: expected a floating-point tensor, got microtensor.int64"):
        mt.zeros(3, dtype=mt.int64).normal_()


def test_tensor_of_a_transposed_array_is_row_major_and_gradchecks():
    """mt.tensor copies into row-major memory, what stride() reports: a column-major source once kept its layout,
    so gradcheck's perturbations of the flat data did not reach the elements the op read."""
    from microtensor.autograd import gradcheck
    a = np.random.default_rng(0).standard_normal((3, 4))
    x = mt.tensor(a.T, requires_grad=True)
    assert x._data.flags.c_contiguous and x.stride() == (3, 1)
    np.testing.assert_array_equal(x.detach().numpy(), a.T)
    assert gradcheck(lambda t: (t @ t.mT).sum(0), (x,))

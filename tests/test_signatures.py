"""PyTorch's call forms: keyword names (``size=``, ``shape=``, ``dims=``, ``split_size=`` ...), the
alternative positional forms, and scatter's ``reduce=``; each checked against NumPy, and against
PyTorch when it is installed, with bad calls raising the error type PyTorch raises."""
import warnings

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt

X = np.arange(24.0).reshape(2, 3, 4)
M = np.arange(6.0).reshape(2, 3)
IDX = np.array([[0, 1, 0], [1, 1, 1]])


def make(L):
    """The inputs, as tensors of library ``L`` (microtensor or torch)."""
    return L.tensor(X), L.tensor(M), L.tensor(IDX)


def sections(a, sizes, axis):
    return np.split(a, np.cumsum(sizes)[:-1], axis)


# name -> (call on library L and its inputs, the expected value from NumPy)
CALLS = {
    # shape ops: PyTorch's keyword names, as methods and as functions
    "reshape_shape_kw": (lambda L, x, m, i: x.reshape(shape=(6, 4)), lambda: X.reshape(6, 4)),
    "reshape_fn_shape_kw": (lambda L, x, m, i: L.reshape(x, shape=[4, -1]), lambda: X.reshape(4, 6)),
    "reshape_list": (lambda L, x, m, i: x.reshape([6, 4]), lambda: X.reshape(6, 4)),
    "view_size_kw": (lambda L, x, m, i: x.view(size=(4, 6)), lambda: X.reshape(4, 6)),
    "permute_dims_kw": (lambda L, x, m, i: x.permute(dims=(2, 0, 1)), lambda: X.transpose(2, 0, 1)),
    "permute_fn_dims_kw": (lambda L, x, m, i: L.permute(x, dims=[2, 0, 1]), lambda: X.transpose(2, 0, 1)),
    "permute_fn_input_kw": (lambda L, x, m, i: L.permute(input=x, dims=(1, 0, 2)), lambda: X.transpose(1, 0, 2)),
    "flip_fn_dims_kw": (lambda L, x, m, i: L.flip(x, dims=(0, 2)), lambda: X[::-1, :, ::-1]),
    "flip_fn_tuple": (lambda L, x, m, i: L.flip(x, (1,)), lambda: X[:, ::-1]),
    "flip_method_ints": (lambda L, x, m, i: x.flip(0, 1), lambda: X[::-1, ::-1]),
    "flip_method_dims_kw": (lambda L, x, m, i: x.flip(dims=[2]), lambda: X[..., ::-1]),
    "expand_size_kw": (lambda L, x, m, i: m[:1].expand(size=(4, 3)), lambda: np.broadcast_to(M[:1], (4, 3))),
    "repeat_repeats_kw": (lambda L, x, m, i: m.repeat(repeats=(2, 1)), lambda: np.tile(M, (2, 1))),
    "tile_dims_kw": (lambda L, x, m, i: m.tile(dims=(2, 1)), lambda: np.tile(M, (2, 1))),
    "tile_fn_dims_kw": (lambda L, x, m, i: L.tile(m, dims=(2,)), lambda: np.tile(M, (1, 2))),
    "tile_method_int": (lambda L, x, m, i: m.tile(2), lambda: np.tile(M, (1, 2))),
    "squeeze_dim_kw": (lambda L, x, m, i: m[None].squeeze(dim=0), lambda: M),
    "squeeze_method_ints": (lambda L, x, m, i: m[None, :, None].squeeze(0, 2), lambda: M),
    "squeeze_dim_tuple": (lambda L, x, m, i: m[None, None].squeeze(dim=(0, 1)), lambda: M),
    "unsqueeze_dim_kw": (lambda L, x, m, i: L.unsqueeze(input=m, dim=1), lambda: M[:, None]),
    "flatten_kw": (lambda L, x, m, i: L.flatten(input=x, start_dim=1, end_dim=2), lambda: X.reshape(2, 12)),
    "unflatten_kw": (lambda L, x, m, i: x.unflatten(dim=2, sizes=(2, 2)), lambda: X.reshape(2, 3, 2, 2)),
    "transpose_kw": (lambda L, x, m, i: L.transpose(input=x, dim0=0, dim1=2), lambda: X.swapaxes(0, 2)),
    "swapaxes_axis_kw": (lambda L, x, m, i: x.swapaxes(axis0=0, axis1=2), lambda: X.swapaxes(0, 2)),
    "swapaxes_fn_axis_kw": (lambda L, x, m, i: L.swapaxes(x, axis0=1, axis1=2), lambda: X.swapaxes(1, 2)),
    "swapdims_dim_kw": (lambda L, x, m, i: x.swapdims(dim0=0, dim1=1), lambda: X.swapaxes(0, 1)),
    "movedim_kw": (lambda L, x, m, i: x.movedim(source=0, destination=2), lambda: np.moveaxis(X, 0, 2)),
    "moveaxis_kw": (lambda L, x, m, i: L.moveaxis(x, source=(0, 1), destination=(2, 0)),
                    lambda: np.moveaxis(X, (0, 1), (2, 0))),
    "roll_kw": (lambda L, x, m, i: L.roll(input=x, shifts=(1, -1), dims=(0, 2)), lambda: np.roll(X, (1, -1), (0, 2))),
    "broadcast_to_size_kw": (lambda L, x, m, i: L.broadcast_to(input=m[:1], size=(4, 3)),
                             lambda: np.broadcast_to(M[:1], (4, 3))),
    "narrow_kw": (lambda L, x, m, i: m.narrow(dim=1, start=1, length=2), lambda: M[:, 1:3]),
    "cat_tensors_kw": (lambda L, x, m, i: L.cat(tensors=[m, m], dim=1), lambda: np.concatenate([M, M], 1)),
    "stack_tensors_kw": (lambda L, x, m, i: L.stack(tensors=[m, m], dim=1), lambda: np.stack([M, M], 1)),
    "chunk_kw": (lambda L, x, m, i: L.chunk(input=x, chunks=2, dim=2), lambda: tuple(np.split(X, 2, 2))),
    "unbind_kw": (lambda L, x, m, i: m.unbind(dim=1), lambda: tuple(M.T)),
    "split_method_split_size_kw": (lambda L, x, m, i: m.split(split_size=2, dim=1), lambda: sections(M, [2, 1], 1)),
    "split_method_sizes_kw": (lambda L, x, m, i: x.split(dim=2, split_size=[1, 3]), lambda: sections(X, [1, 3], 2)),
    "split_fn_sections_kw": (lambda L, x, m, i: L.split(x, split_size_or_sections=2, dim=2),
                             lambda: sections(X, [2, 2], 2)),
    "split_fn_tensor_kw": (lambda L, x, m, i: L.split(tensor=m, split_size_or_sections=[1, 1]),
                           lambda: sections(M, [1, 1], 0)),
    "split_with_sizes": (lambda L, x, m, i: m.split_with_sizes(split_sizes=[1, 2], dim=1),
                         lambda: sections(M, [1, 2], 1)),
    # indexing ops
    "index_select_kw": (lambda L, x, m, i: L.index_select(input=m, dim=1, index=L.tensor([2, 0])),
                        lambda: M[:, [2, 0]]),
    "gather_kw": (lambda L, x, m, i: m.gather(dim=1, index=i), lambda: np.take_along_axis(M, IDX, 1)),
    "take_kw": (lambda L, x, m, i: L.take(input=m, index=L.tensor([0, 5])), lambda: M.ravel()[[0, 5]]),
    "masked_fill_kw": (lambda L, x, m, i: m.masked_fill(mask=m > 2, value=-1.0), lambda: np.where(M > 2, -1.0, M)),
    "masked_select_kw": (lambda L, x, m, i: L.masked_select(input=m, mask=m > 2), lambda: M[M > 2]),
    "diagonal_kw": (lambda L, x, m, i: x.diagonal(offset=1, dim1=1, dim2=2), lambda: X.diagonal(1, 1, 2)),
    "triu_kw": (lambda L, x, m, i: L.triu(input=m, diagonal=1), lambda: np.triu(M, 1)),
    "nonzero_as_tuple_kw": (lambda L, x, m, i: L.nonzero(input=m, as_tuple=True), lambda: np.nonzero(M)),
    "scatter_kw": (lambda L, x, m, i: m.scatter(dim=0, index=i[:1], src=m * 10),
                   lambda: np.array([[0.0, 1.0, 20.0], [3.0, 10.0, 5.0]])),
    "scatter_value_kw": (lambda L, x, m, i: m.scatter(dim=1, index=i, value=-1.0),
                         lambda: np.array([[-1.0, -1.0, 2.0], [3.0, -1.0, 5.0]])),
    # the elementwise form of max / min with PyTorch's keyword
    "max_other_kw": (lambda L, x, m, i: L.max(input=m, other=m.flip(0)), lambda: np.maximum(M, M[::-1])),
    "min_other_kw": (lambda L, x, m, i: m.min(other=m.flip(1)), lambda: np.minimum(M, M[:, ::-1])),
    # scatter with reduce: repeated indices accumulate
    "scatter_reduce_add": (lambda L, x, m, i: m.scatter(0, i, m + 10, reduce="add"),
                           lambda: np.array([[10.0, 1.0, 14.0], [16.0, 29.0, 20.0]])),
    "scatter_reduce_multiply": (lambda L, x, m, i: (m + 1).scatter(0, i, m + 10, reduce="multiply"),
                                lambda: np.array([[10.0, 2.0, 36.0], [52.0, 770.0, 90.0]])),
    "scatter_reduce_value_add": (lambda L, x, m, i: m.scatter(1, i, 2.0, reduce="add"),
                                 lambda: np.array([[4.0, 3.0, 2.0], [3.0, 10.0, 5.0]])),
    "scatter_reduce_value_multiply": (lambda L, x, m, i: (m + 1).scatter(dim=1, index=i[:, :2], value=3.0,
                                                                        reduce="multiply"),
                                      lambda: np.array([[3.0, 6.0, 3.0], [4.0, 45.0, 6.0]])),
    "scatter_reduce_int": (lambda L, x, m, i: L.ones(2, 3, dtype=L.int64).scatter(0, i, L.full((2, 3), 3),
                                                                                    reduce="multiply"),
                           lambda: np.array([[3, 1, 3], [3, 9, 3]])),
    "scatter_reduce_inplace": (lambda L, x, m, i: L.zeros(2, 3).scatter_(0, i, L.ones(2, 3), reduce="add"),
                               lambda: np.array([[1.0, 0.0, 1.0], [1.0, 2.0, 1.0]], np.float32)),
    # creation: size as positional ints, one sequence, or the keyword
    "zeros_size_kw": (lambda L, x, m, i: L.zeros(size=(2, 3)), lambda: np.zeros((2, 3), np.float32)),
    "ones_size_kw_list": (lambda L, x, m, i: L.ones(size=[2], dtype=L.int64), lambda: np.ones(2, np.int64)),
    "zeros_size_kw_empty": (lambda L, x, m, i: L.zeros(size=()), lambda: np.zeros((), np.float32)),
    "empty_size_kw": (lambda L, x, m, i: L.empty(size=(2, 0)), lambda: np.empty((2, 0), np.float32)),
    "full_size_kw": (lambda L, x, m, i: L.full(size=(2, 3), fill_value=1.5), lambda: np.full((2, 3), 1.5, np.float32)),
    "full_fill_value_kw": (lambda L, x, m, i: L.full((2,), fill_value=7), lambda: np.full(2, 7, np.int64)),
    "zeros_bool_size": (lambda L, x, m, i: L.zeros(2, True), lambda: np.zeros((2, 1), np.float32)),
    "zeros_numpy_int": (lambda L, x, m, i: L.zeros(np.int64(2), 3), lambda: np.zeros((2, 3), np.float32)),
    "arange_end_kw": (lambda L, x, m, i: L.arange(end=5), lambda: np.arange(5)),
    "arange_all_kw": (lambda L, x, m, i: L.arange(start=1, end=7, step=2), lambda: np.arange(1, 7, 2)),
}


def _as_numpy(out):
    if isinstance(out, (tuple, list)):
        return [_as_numpy(o) for o in out]
    return out.numpy()


def _assert_same(ours, expected):
    if isinstance(expected, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(expected)
        for o, e in zip(ours, expected):
            _assert_same(o, e)
        return
    assert ours.shape == expected.shape, (ours.shape, expected.shape)
    assert ours.dtype == expected.dtype, (ours.dtype, expected.dtype)
    np.testing.assert_array_equal(ours, expected)


@pytest.mark.parametrize("name", CALLS)
def test_call_form_values(name):
    call, expected = CALLS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = _as_numpy(call(mt, *make(mt)))
    exp = expected()
    _assert_same(ours, [np.asarray(e) for e in exp] if isinstance(exp, (tuple, list)) else np.asarray(exp))


@requires_torch
@pytest.mark.parametrize("name", CALLS)
def test_call_form_matches_torch(name):
    call, _ = CALLS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                   # torch deprecates scatter's reduce with a src tensor
        ours, theirs = call(mt, *make(mt)), call(torch, *make(torch))
    _assert_same(_as_numpy(ours), _as_numpy(theirs))


# ----------------------------------------------------------------------------- random creation
RANDOM = {
    "rand_size_kw": (lambda L: L.rand(size=(2, 3)), (2, 3), "float32"),
    "randn_size_kw": (lambda L: L.randn(size=[4], dtype=L.float64), (4,), "float64"),
    "randint_high_size_kw": (lambda L: L.randint(10, size=(2, 5)), (2, 5), "int64"),
    "randint_high_size": (lambda L: L.randint(10, (3,)), (3,), "int64"),
    "randint_low_high_size": (lambda L: L.randint(3, 10, (4,)), (4,), "int64"),
    "randint_low_high_size_kw": (lambda L: L.randint(3, 10, size=(4,), dtype=L.int32), (4,), "int32"),
    "randint_all_kw": (lambda L: L.randint(low=3, high=10, size=(2, 2)), (2, 2), "int64"),
    "randint_high_kw": (lambda L: L.randint(high=10, size=(3,)), (3,), "int64"),
    "randint_0d": (lambda L: L.randint(0, 10, []), (), "int64"),
    "randint_like_high_kw": (lambda L: L.randint_like(L.zeros(2, 3), high=5), (2, 3), "float32"),
    "randint_like_high": (lambda L: L.randint_like(L.zeros(2, 3, dtype=L.int64), 5), (2, 3), "int64"),
    "normal_kw": (lambda L: L.normal(mean=0.0, std=1.0, size=(2,)), (2,), "float32"),
}


@pytest.mark.parametrize("name", RANDOM)
def test_random_call_forms(name):
    call, shape, dtype = RANDOM[name]
    out = call(mt)
    assert tuple(out.shape) == shape and out.dtype.name == dtype
    if name.startswith("randint"):
        low = 3 if "low" in name else 0
        high = 5 if "like" in name else 10
        assert low <= out.min().item() and out.max().item() < high
    if torch is not None:
        theirs = call(torch)
        assert tuple(theirs.shape) == shape and str(theirs.dtype) == f"torch.{dtype}"


def test_keyword_and_positional_forms_draw_the_same_numbers():
    for keyword, positional in [(lambda: mt.rand(size=(3, 2)), lambda: mt.rand(3, 2)),
                                (lambda: mt.randn(size=(4,)), lambda: mt.randn((4,))),
                                (lambda: mt.randint(7, size=(5,)), lambda: mt.randint(0, 7, (5,))),
                                (lambda: mt.randint(high=7, size=(5,)), lambda: mt.randint(7, (5,)))]:
        mt.manual_seed(3)
        a = keyword()
        mt.manual_seed(3)
        assert a.tolist() == positional().tolist()


# ----------------------------------------------------------------------------- bad calls
x23 = np.arange(6.0).reshape(2, 3)
ERRORS = {
    "reshape_shape_kw_int": (lambda L: L.tensor(x23).reshape(shape=6), TypeError,
                             "argument 'shape' must be tuple of ints"),
    "reshape_twice": (lambda L: L.tensor(x23).reshape(6, shape=(6,)), TypeError,
                      "multiple values for argument 'shape'"),
    "reshape_float": (lambda L: L.tensor(x23).reshape((2.0, 3)), TypeError, "must be tuple of ints"),
    "permute_dims_kw_int": (lambda L: L.tensor(x23)[0].permute(dims=0), TypeError, "argument 'dims' must be tuple"),
    "permute_twice": (lambda L: L.tensor(x23).permute(1, dims=(1, 0)), TypeError,
                      "multiple values for argument 'dims'"),
    "flip_dims_kw_int": (lambda L: L.flip(L.tensor(x23), dims=0), TypeError, "argument 'dims' must be tuple of ints"),
    "expand_size_kw_int": (lambda L: L.tensor(x23)[0].expand(size=3), TypeError, "argument 'size' must be tuple"),
    "repeat_repeats_kw_int": (lambda L: L.tensor(x23).repeat(repeats=2), TypeError, "argument 'repeats' must be tuple"),
    "tile_missing": (lambda L: L.tensor(x23).tile(), TypeError, "missing 1 required positional argument"),
    "split_method_sections_kw": (lambda L: L.tensor(x23).split(split_size_or_sections=2), TypeError,
                                 "unexpected keyword argument 'split_size_or_sections'"),
    "split_fn_split_size_kw": (lambda L: L.split(L.tensor(x23), split_size=2), TypeError,
                               "unexpected keyword argument 'split_size'"),
    "swapaxes_dim_kw": (lambda L: L.tensor(x23).swapaxes(dim0=0, dim1=1), TypeError, "dim0"),
    "zeros_no_size": (lambda L: L.zeros(), TypeError, "missing 1 required positional argument"),
    "zeros_size_twice": (lambda L: L.zeros(2, size=(2,)), TypeError, "multiple values for argument 'size'"),
    "zeros_size_kw_int": (lambda L: L.zeros(size=2), TypeError, "argument 'size' must be tuple of ints, not int"),
    "zeros_float": (lambda L: L.zeros(2.0), TypeError, "must be tuple of ints"),
    "zeros_negative": (lambda L: L.zeros(2, -1), RuntimeError, "negative dimension"),
    "rand_negative": (lambda L: L.rand(size=(-1,)), RuntimeError, "negative dimension -1"),
    "full_int_size": (lambda L: L.full(2, 1.0), TypeError, "argument 'size' must be tuple of ints, not int"),
    "randint_int_size": (lambda L: L.randint(10, size=2), TypeError, "argument 'size' must be tuple of ints"),
    "randint_three_ints": (lambda L: L.randint(3, 10, 2), TypeError, "size"),
    "randint_float_high": (lambda L: L.randint(10.5, size=(2,)), TypeError, "argument 'high' must be int, not float"),
    "randint_no_size": (lambda L: L.randint(10), TypeError, "size"),
    "randint_empty_range": (lambda L: L.randint(5, 3, size=(2,)), RuntimeError, "from=5 >= to=3"),
    # matmul's operands must be tensors: the operator leaves the TypeError to Python, as torch.Tensor does
    "matmul_operator_int": (lambda L: L.tensor(M) @ 3, TypeError, "unsupported operand type.*for @"),
    "matmul_operator_int_left": (lambda L: 3 @ L.tensor(M), TypeError, "unsupported operand type.*for @"),
    "matmul_operator_str": (lambda L: L.tensor(M) @ "a", TypeError, "unsupported operand type.*for @"),
    "matmul_fn_int": (lambda L: L.matmul(L.tensor(M), 3), TypeError,
                      r"matmul\(\): argument 'other' \(position 2\) must be Tensor, not int"),
    "matmul_fn_int_left": (lambda L: L.matmul(3, L.tensor(M)), TypeError, r"argument 'input' .* not int"),
    "matmul_method_list": (lambda L: L.tensor(M).matmul([1.0, 2.0, 3.0]), TypeError, "must be Tensor, not list"),
    "mm_int": (lambda L: L.mm(L.tensor(M), 3), TypeError, r"mm\(\): argument 'mat2'"),
    "bmm_int": (lambda L: L.bmm(L.tensor(X), 3), TypeError, r"bmm\(\): argument 'mat2'"),
    "mv_int": (lambda L: L.mv(L.tensor(M), 3), TypeError, r"mv\(\): argument 'vec'"),
    "dot_int": (lambda L: L.dot(L.tensor([1.0]), 3), TypeError, r"dot\(\): argument 'tensor'"),
    "outer_int": (lambda L: L.outer(L.tensor([1.0]), 3), TypeError, r"outer\(\): argument 'vec2'"),
    # a dtype argument must be a dtype (or the Python type bool, int or float)
    "tensor_dtype_str": (lambda L: L.tensor([1.0], dtype="float32"), TypeError,
                         r"tensor\(\): argument 'dtype' must be microtensor.dtype, not str"),
    "tensor_dtype_numpy": (lambda L: L.tensor([1.0], dtype=np.float32), TypeError, "must be microtensor.dtype"),
    "tensor_dtype_int_value": (lambda L: L.tensor([1.0], dtype=3), TypeError, "not int"),
    "as_tensor_dtype_str": (lambda L: L.as_tensor([1.0], dtype="float64"), TypeError, r"as_tensor\(\)"),
    "zeros_dtype_str": (lambda L: L.zeros(2, dtype="float32"), TypeError, r"zeros\(\): argument 'dtype'"),
    "ones_dtype_str": (lambda L: L.ones(2, dtype="float32"), TypeError, r"ones\(\): argument 'dtype'"),
    "full_dtype_str": (lambda L: L.full((2,), 1.0, dtype="float32"), TypeError, r"full\(\): argument 'dtype'"),
    "arange_dtype_str": (lambda L: L.arange(3, dtype="float32"), TypeError, r"arange\(\): argument 'dtype'"),
    "empty_dtype_str": (lambda L: L.empty(2, dtype="float32"), TypeError, r"empty\(\): argument 'dtype'"),
    "zeros_like_dtype_str": (lambda L: L.zeros_like(L.tensor(M), dtype="int64"), TypeError, "zeros_like"),
    "randn_dtype_str": (lambda L: L.randn(2, dtype="float32"), TypeError, r"randn\(\): argument 'dtype'"),
    "sum_dtype_str": (lambda L: L.tensor(M).sum(dtype="float32"), TypeError, r"sum\(\): argument 'dtype'"),
    "to_dtype_kw_str": (lambda L: L.tensor(M).to(dtype="float32"), TypeError, r"to\(\): argument 'dtype'"),
    "to_dtype_numpy": (lambda L: L.tensor(M).to(np.float64), TypeError, r"to\(\): argument 'dtype'"),
    "to_name_as_device": (lambda L: L.tensor(M).to("float32"), RuntimeError, "device"),
    # eye's sizes
    "eye_negative_n": (lambda L: L.eye(-1), RuntimeError, r"eye\(\): n must be greater or equal to 0, got -1"),
    "eye_negative_m": (lambda L: L.eye(2, -1), RuntimeError, r"eye\(\): m must be greater or equal to 0, got -1"),
    "scatter_bad_reduce": (lambda L: L.tensor(x23).scatter(0, L.tensor([[0, 1, 0]]), L.tensor(x23), reduce="mean"),
                           RuntimeError, "reduce argument must be either add or multiply"),
    "scatter_value_bad_reduce": (lambda L: L.tensor(x23).scatter(0, L.tensor([[0, 1, 0]]), 1.0, reduce="max"),
                                 RuntimeError, "reduce argument must be either add or multiply"),
}


@pytest.mark.parametrize("kind, expected", [(bool, "bool"), (int, "int64"), (float, "float64")])
def test_python_types_as_dtypes_as_pytorch(kind, expected):
    assert mt.tensor([1], dtype=kind).dtype.name == expected
    assert mt.zeros(2, dtype=kind).dtype.name == expected
    assert mt.ones(2).to(kind).dtype.name == expected
    if torch is not None:
        assert str(torch.tensor([1], dtype=kind).dtype) == f"torch.{expected}"


@pytest.mark.parametrize("name", ERRORS)
def test_bad_calls_raise_clear_errors(name):
    call, error, match = ERRORS[name]
    with pytest.raises(error, match=match):
        call(mt)
    if torch is not None:
        with pytest.raises(error):
            call(torch)


@pytest.mark.parametrize("reduce", ["add", "multiply"])
@pytest.mark.parametrize("src", ["tensor", "value"])
def test_scatter_with_reduce_has_no_gradient_as_in_pytorch(reduce, src):
    def run(L):
        x = L.tensor(x23, requires_grad=True)
        s = L.tensor(x23 + 10, requires_grad=True) if src == "tensor" else 2.0
        out = x.scatter(0, L.tensor([[0, 1, 0], [1, 1, 1]]), s, reduce=reduce)
        assert out.requires_grad and out.grad_fn is not None
        with pytest.raises(RuntimeError, match="derivative for .*scatter.* is not implemented"):
            out.sum().backward()
        with L.no_grad():
            assert not x.scatter(0, L.tensor([[0, 1, 0]]), 1.0, reduce=reduce).requires_grad
    run(mt)
    if torch is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run(torch)

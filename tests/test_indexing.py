"""Indexing: x[...] in every form, x[...] = v, gather/scatter family, masks, triangles and diagonals."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from helpers import check_gradients, compare_with_torch, rand, requires_torch, seeds, torch

# name -> (input shape, f(x, lib)); lib is microtensor or torch, so index tensors come from the same library
GETITEM = {
    "int": ((3, 4), lambda x, T: x[1]),
    "negative_int": ((3, 4), lambda x, T: x[-1, -2]),
    "all_ints_0d": ((3, 4), lambda x, T: x[2, 3]),
    "slice": ((4, 3), lambda x, T: x[1:3]),
    "slice_step": ((5, 4), lambda x, T: x[::2, 1::2]),
    "slice_past_end": ((3, 2), lambda x, T: x[1:10]),
    "none": ((3, 2), lambda x, T: x[None, :, None]),
    "ellipsis": ((2, 3, 4), lambda x, T: x[..., 1]),
    "ellipsis_none": ((2, 3), lambda x, T: x[..., None]),
    "zero_d_input": ((), lambda x, T: x[...]),
    "zero_d_int_tensor": ((2, 3, 4), lambda x, T: x[T.tensor(1), :, T.tensor([0, 2])]),
    "bool_mask": ((3, 4), lambda x, T: x[T.tensor(np.arange(12).reshape(3, 4) % 3 == 0)]),
    "bool_mask_rows": ((3, 4), lambda x, T: x[T.tensor([True, False, True])]),
    "bool_mask_numpy": ((3, 2), lambda x, T: x[np.array([False, True, True])]),
    "bool_mask_partial": ((2, 3, 2), lambda x, T: x[:, T.tensor([True, False, True])]),
    "int_list": ((4, 3), lambda x, T: x[[0, 2, 2]]),
    "int_tensor_repeats": ((4, 3), lambda x, T: x[T.tensor([1, 1, 3, 1])]),
    "int_tensor_negative": ((4, 3), lambda x, T: x[T.tensor([-1, 0, -1])]),
    "int_array_2d": ((4, 3), lambda x, T: x[T.tensor([[0, 1], [1, 1]])]),
    "numpy_int_array": ((4, 3), lambda x, T: x[np.array([3, 3, 0])]),
    "two_arrays": ((3, 4), lambda x, T: x[T.tensor([0, 2, 2]), T.tensor([1, 1, 3])]),
    "arrays_broadcast": ((3, 4), lambda x, T: x[T.tensor([[0], [2]]), T.tensor([1, 3, 3])]),
    "slice_then_array": ((3, 4), lambda x, T: x[1:, T.tensor([0, 0, 3])]),
    "arrays_apart": ((2, 3, 4), lambda x, T: x[T.tensor([0, 1, 1]), :, T.tensor([3, 0, 3])]),
    "int_and_array_apart": ((2, 3, 4), lambda x, T: x[0, 1:, T.tensor([0, 0, 2])]),
    "int_none_arrays": ((2, 3, 4), lambda x, T: x[T.tensor([0, 1]), 1, None, T.tensor([0, 1])]),
    "array_ellipsis": ((2, 3, 4), lambda x, T: x[T.tensor([1, 0, 1]), ...]),
    "mask_and_slice": ((3, 4), lambda x, T: x[T.tensor([True, False, True]), 1:3]),
    "empty_list": ((3, 2), lambda x, T: x[[]]),
    "true_scalar": ((2, 3), lambda x, T: x[True]),
}


@pytest.mark.parametrize("name", GETITEM)
@given(seed=seeds)
@settings(max_examples=5)
def test_getitem_gradcheck(name, seed):
    shape, f = GETITEM[name]
    check_gradients(lambda x: f(x, mt), *rand(seed, shape))


@requires_torch
@pytest.mark.parametrize("name", GETITEM)
def test_getitem_matches_torch(name):
    shape, f = GETITEM[name]
    compare_with_torch(lambda x: f(x, mt), *rand(0, shape), torch_fn=lambda x: f(x, torch))


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_getitem_dtypes_match_torch(dtype):
    a = (np.arange(12).reshape(3, 4) % 5).astype(dtype)
    for f in (lambda x, T: x[1], lambda x, T: x[T.tensor([2, 0])], lambda x, T: x[:, ::3]):
        compare_with_torch(lambda x: f(x, mt), a, torch_fn=lambda x: f(x, torch))


def test_repeated_indices_accumulate():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[mt.tensor([0, 2, 0, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])


def test_basic_indexing_is_a_view_and_advanced_a_copy():
    x = mt.arange(12.0).reshape(3, 4)
    assert np.shares_memory(x[1:, ::2].numpy(), x.numpy())
    assert np.shares_memory(x[1, 2].numpy(), x.numpy())
    assert not np.shares_memory(x[mt.tensor([0, 1])].numpy(), x.numpy())
    view = x[0]
    x.add_(1)
    assert view[0].item() == 1.0
    assert view._version == x._version


def test_getitem_second_order():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x[mt.tensor([0, 0, 2])] ** 3).sum()
    g, = mt.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [6.0, 0.0, 27.0])
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [12.0, 0.0, 18.0])


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("index, error, match", [
    (5, IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    (-4, IndexError, "index -4 is out of bounds for dimension 0 with size 3"),
    ((slice(None), 4), IndexError, "index 4 is out of bounds for dimension 1 with size 4"),
    ((0, 0, 0), IndexError, "too many indices for tensor of dimension 2"),
    (slice(None, None, -1), ValueError, "step must be greater than zero"),
    (slice(None, None, 0), ValueError, "step must be greater than zero"),
    (np.array([0.0, 1.0]), IndexError, "tensors used as indices must be long, int, byte or bool tensors"),
    ([0.5], IndexError, "tensors used as indices must be long, int, byte or bool tensors"),
    (np.array([0, 3]), IndexError, "index 3 is out of bounds for dimension 0 with size 3"),
    ((slice(None), np.array([[4]])), IndexError, "index 4 is out of bounds for dimension 1 with size 4"),
    (np.array([True, False]), IndexError, r"The shape of the mask \[2\] at index 0 does not match"),
])
def test_getitem_errors(index, error, match):
    x = mt.zeros(3, 4)
    with pytest.raises(error, match=match):
        x[index]
    if isinstance(index, np.ndarray):
        with pytest.raises(error, match=match):
            x[mt.tensor(index)]


@requires_torch
def test_getitem_errors_match_torch_messages():
    for index in (5, (0, 0, 0), slice(None, None, -1)):
        with pytest.raises((IndexError, ValueError)) as theirs:
            torch.zeros(3, 4)[index]
        with pytest.raises(type(theirs.value), match=str(theirs.value).split("(")[0]):
            mt.zeros(3, 4)[index]
    with pytest.raises(IndexError, match="tensors used as indices"):
        torch.zeros(3)[torch.tensor([0.0])]
    with pytest.raises(IndexError, match="tensors used as indices"):
        mt.zeros(3)[mt.tensor([0.0])]


# ----------------------------------------------------------------------------- setitem
SETITEM = {
    "row_tensor": ((3, 4), (4,), lambda y, v, T: y.__setitem__(0, v)),
    "broadcast_column": ((3, 4), (3, 1), lambda y, v, T: y.__setitem__((slice(None), slice(1, 3)), v)),
    "scalar_value": ((3, 4), (), lambda y, v, T: y.__setitem__((slice(None), 2), v)),
    "mask": ((3, 4), (), lambda y, v, T: y.__setitem__(T.tensor(np.eye(3, 4, dtype=bool)), v)),
    "int_array": ((4, 3), (2, 3), lambda y, v, T: y.__setitem__(T.tensor([3, 1]), v)),
    "int_and_array_apart": ((2, 3, 4), (2, 2), lambda y, v, T: y.__setitem__((1, slice(1, None), T.tensor([0, 3])), v)),
}


def _setitem_fn(f, T):
    def fn(x, v):
        y = x * 1
        f(y, v, T)
        return y
    return fn


@pytest.mark.parametrize("name", SETITEM)
@given(seed=seeds)
@settings(max_examples=5)
def test_setitem_gradcheck(name, seed):
    xs, vs, f = SETITEM[name]
    check_gradients(_setitem_fn(f, mt), *rand(seed, xs, vs))


@requires_torch
@pytest.mark.parametrize("name", SETITEM)
def test_setitem_matches_torch(name):
    xs, vs, f = SETITEM[name]
    compare_with_torch(_setitem_fn(f, mt), *rand(0, xs, vs), torch_fn=_setitem_fn(f, torch))


def test_setitem_gradients_like_pytorch():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = mt.tensor(5.0, requires_grad=True)
    y = x * 1
    y[0] = v
    assert y.grad_fn is not None
    (y * mt.tensor([2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 3.0, 4.0])
    assert v.grad.item() == 2.0
    np.testing.assert_array_equal(y.detach().numpy(), [5.0, 2.0, 3.0])


def test_setitem_on_leaf_requiring_grad_raises():
    x = mt.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        x[0] = 1.0
    with mt.no_grad():
        x[0] = 1.0
    assert x.tolist() == [1.0, 0.0, 0.0]


def test_setitem_bumps_version_and_invalidates_saved_tensors():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    z = y * y                      # saves y
    before = y._version
    y[1] = 0.0
    assert y._version == before + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_setitem_without_grad_writes_in_place_and_casts():
    x = mt.zeros(2, 3, dtype=mt.int64)
    data = x.numpy()
    x[0] = 2.7
    x[mt.tensor([True, False]), 1:] = mt.tensor([5, 6])
    assert x.numpy() is data
    assert x.tolist() == [[2, 5, 6], [0, 0, 0]]
    with pytest.raises(RuntimeError, match=r"shape mismatch: value tensor of shape \[4\] cannot be broadcast to "
                                           r"indexing result of shape \[3\]"):
        x[1] = mt.zeros(4, dtype=mt.int64)


# ----------------------------------------------------------------------------- gather/scatter family
def _i(T, data):
    return T.tensor(data)


# name -> (input shapes, f(*xs, lib)); float inputs are differentiable
OPS = {
    "index_select": (((4, 3),), lambda x, T: x.index_select(0, _i(T, [3, 0, 3]))),
    "index_select_dim1": (((2, 4),), lambda x, T: T.index_select(x, -1, _i(T, [1, 1]))),
    "gather": (((3, 4),), lambda x, T: x.gather(1, _i(T, [[0, 0], [3, 1], [2, 2]]))),
    "gather_dim0": (((3, 4),), lambda x, T: T.gather(x, 0, _i(T, [[2, 0, 1, 1], [2, 2, 2, 0]]))),
    "scatter_src": (((3, 4), (2, 4)), lambda x, s, T: x.scatter(0, _i(T, [[0, 1, 2, 0], [2, 0, 1, 1]]), s)),
    "scatter_small_index": (((3, 4), (2, 3)), lambda x, s, T: T.scatter(x, 1, _i(T, [[0, 1], [3, 2]]), s)),
    "scatter_value": (((3, 4),), lambda x, T: x.scatter(1, _i(T, [[0], [3], [1]]), 2.5)),
    "scatter_add": (((3, 4), (2, 4)), lambda x, s, T: x.scatter_add(0, _i(T, [[0, 0, 2, 0], [0, 1, 1, 0]]), s)),
    "index_add": (((4, 3), (3, 3)), lambda x, s, T: x.index_add(0, _i(T, [1, 1, 3]), s)),
    "index_add_alpha": (((2, 4), (2, 2)), lambda x, s, T: T.index_add(x, 1, _i(T, [0, 3]), s, alpha=2.0)),
    "index_fill": (((3, 4),), lambda x, T: x.index_fill(1, _i(T, [0, 2]), -1.0)),
    "index_put": (((3, 4), (2,)), lambda x, v, T: x.index_put((_i(T, [0, 2]), _i(T, [1, 1])), v)),
    "index_put_accumulate": (((3, 4), (3,)), lambda x, v, T: x.index_put((_i(T, [0, 0, 0]),), v[:, None],
                                                                          accumulate=True)),
    "masked_fill": (((3, 4),), lambda x, T: x.masked_fill(x > 0, 0.5)),
    "masked_fill_tensor_value": (((3, 4), ()), lambda x, v, T: T.masked_fill(x, x < 0, v)),
    "masked_fill_broadcast": (((3, 4),), lambda x, T: x.masked_fill(_i(T, [True, False, False, True]), -2.0)),
    "masked_select": (((3, 4),), lambda x, T: x.masked_select(x > 0.2)),
    "masked_select_broadcast": (((3, 1),), lambda x, T: T.masked_select(x, _i(T, [[True, False], [True, True],
                                                                                   [False, False]]))),
    "take": (((3, 4),), lambda x, T: x.take(_i(T, [[0, 11], [5, 5]]))),
    "tril": (((3, 4),), lambda x, T: x.tril()),
    "tril_k": (((2, 3, 3),), lambda x, T: T.tril(x, -1)),
    "triu": (((4, 3),), lambda x, T: x.triu(1)),
    "triu_neg": (((2, 3, 4),), lambda x, T: T.triu(x, diagonal=-1)),
    "diagonal": (((3, 4),), lambda x, T: x.diagonal()),
    "diagonal_offset": (((3, 4),), lambda x, T: x.diagonal(1)),
    "diagonal_negative_offset": (((4, 3),), lambda x, T: x.diagonal(-2)),
    "diagonal_dims": (((2, 3, 4),), lambda x, T: T.diagonal(x, offset=1, dim1=2, dim2=0)),
    "trace": (((3, 4),), lambda x, T: x.trace()),
}


@pytest.mark.parametrize("name", OPS)
@given(seed=seeds)
@settings(max_examples=5)
def test_op_gradcheck(name, seed):
    shapes, f = OPS[name]
    check_gradients(lambda *xs: f(*xs, mt), *rand(seed, *shapes))


@requires_torch
@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_op_matches_torch(name, dtype):
    shapes, f = OPS[name]
    arrays = [a.astype(dtype) for a in rand(3, *shapes)]
    # torch's own scatter backward rejects a src larger than the index: compare values only there
    compare_with_torch(lambda *xs: f(*xs, mt), *arrays, torch_fn=lambda *xs: f(*xs, torch),
                       check_grad=name != "scatter_small_index")


@requires_torch
@pytest.mark.parametrize("name", ["index_select", "gather", "take", "tril", "diagonal", "trace", "masked_select"])
def test_op_on_integers_matches_torch(name):
    shapes, f = OPS[name]
    a = np.arange(12).reshape(shapes[0]) - 5
    compare_with_torch(lambda x: f(x, mt), a, torch_fn=lambda x: f(x, torch))


INPLACE = {
    "masked_fill_": lambda y, T: y.masked_fill_(y > 0, 1.5),
    "scatter_": lambda y, T: y.scatter_(1, _i(T, [[0], [2], [3]]), 7.0),
    "scatter_add_": lambda y, T: y.scatter_add_(0, _i(T, [[1, 1, 1, 1]]), _i(T, [[1.0, 2.0, 3.0, 4.0]]).to(y.dtype)),
    "index_add_": lambda y, T: y.index_add_(1, _i(T, [0, 0]), T.ones(3, 2, dtype=y.dtype)),
    "index_fill_": lambda y, T: y.index_fill_(0, _i(T, [2]), 0.0),
    "index_put_": lambda y, T: y.index_put_((_i(T, [0, 1]),), _i(T, [1.0, 2.0, 3.0, 4.0]).to(y.dtype)),
    "tril_": lambda y, T: y.tril_(1),
    "triu_": lambda y, T: y.triu_(),
}


@requires_torch
@pytest.mark.parametrize("name", INPLACE)
def test_inplace_matches_torch(name):
    def fn(T):
        def run(x):
            y = x * 1
            out = INPLACE[name](y, T)
            assert out is y
            return y
        return run
    compare_with_torch(fn(mt), *rand(5, (3, 4)), torch_fn=fn(torch))


def test_inplace_on_leaf_raises():
    x = mt.zeros(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x.masked_fill_(x > 0, 1.0)


@requires_torch
@pytest.mark.parametrize("as_tuple", [False, True])
def test_nonzero_matches_torch(as_tuple):
    a = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    ours, theirs = mt.tensor(a).nonzero(as_tuple=as_tuple), torch.tensor(a).nonzero(as_tuple=as_tuple)
    for o, t in zip(ours if as_tuple else [ours], theirs if as_tuple else [theirs]):
        assert o.dtype == mt.int64 and o.tolist() == t.tolist()
    assert mt.argwhere(mt.tensor(a)).tolist() == torch.argwhere(torch.tensor(a)).tolist()


@pytest.mark.parametrize("fn, error, match", [
    (lambda x: x.index_select(0, mt.tensor([0.0])), RuntimeError, "Expected dtype int32 or int64 for index"),
    (lambda x: x.index_select(0, mt.tensor([[0]])), IndexError, "Index is supposed to be a vector"),
    (lambda x: x.index_select(0, mt.tensor([3])), IndexError, "index out of range in self"),
    (lambda x: x.gather(0, mt.tensor([0])), RuntimeError, "Index tensor must have the same number of dimensions"),
    (lambda x: x.gather(0, mt.tensor([[0, 5]])), RuntimeError, "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda x: x.gather(1, mt.tensor([[0]], dtype=mt.int32)), RuntimeError, "Expected dtype int64 for index"),
    (lambda x: x.gather(0, mt.tensor([[0, 0, 0, 0, 0]])), RuntimeError, "Size does not match at dimension 1"),
    (lambda x: x.scatter(0, mt.tensor([[0]]), mt.zeros(1, 1, dtype=mt.float64)), RuntimeError,
     "Expected self.dtype to be equal to src.dtype"),
    (lambda x: x.masked_fill(mt.ones(3, 4), 1.0), RuntimeError, "only supports boolean masks"),
    (lambda x: x.masked_fill(x > 0, mt.ones(2)), RuntimeError, "only supports a 0-dimensional value tensor"),
    (lambda x: x.take(mt.tensor([12])), IndexError, "out of range: tried to access index 12 on a tensor of 12"),
    (lambda x: x[0].tril(), RuntimeError, "tril: input tensor must have at least 2 dimensions"),
    (lambda x: x.diagonal(0, 1, 1), RuntimeError, "diagonal dimensions cannot be identical 1, 1"),
    (lambda x: x[None].trace(), RuntimeError, "trace: expected a matrix, but got tensor with dim 3"),
])
def test_op_errors(fn, error, match):
    with pytest.raises(error, match=match):
        fn(mt.zeros(3, 4))


@given(seed=seeds, rows=st.integers(1, 4), cols=st.integers(1, 4))
@settings(max_examples=10)
def test_diagonal_embed_roundtrip_second_order(seed, rows, cols):
    check_gradients(lambda x: (x.diagonal() ** 2).sum() + x.tril().trace() if rows == cols else x.diagonal() ** 2,
                    *rand(seed, (rows, cols)))

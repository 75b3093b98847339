"""Indexing: x[...] in every form, x[...] = v, gather/scatter family, masks, triangles and diagonals."""
import numpy as np
import pytest
from helpers import broadcastable_to, check_gradients, compare_with_torch, rand, requires_torch, seeds, torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, basic_indices

import microtensor as mt


# ----------------------------------------------------------------------------- drawn shapes and indices
def small_shapes(min_dims=0, max_dims=3):
    """Shapes with 0-d (min_dims=0) and size-1 dims, small enough for second-order finite differences."""
    return array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=3)


def dim_of(draw, ndim):
    """A valid dim of a tensor with ``ndim`` dims, negative ones too (0 and -1 for a 0-d tensor)."""
    return draw(st.integers(-ndim, ndim - 1)) if ndim else draw(st.integers(-1, 0))


def positive_steps(index):
    """A basic index with every slice step made positive (PyTorch has no negative steps)."""
    def fix(item):
        return slice(item.start, item.stop, abs(item.step)) if isinstance(item, slice) and item.step else item
    return tuple(map(fix, index)) if isinstance(index, tuple) else fix(index)


def basic_index(draw, shape):
    """ints, slices (positive steps, past the ends too), None and ... valid for ``shape``."""
    return positive_steps(draw(basic_indices(shape, allow_newaxis=True, allow_ellipsis=True)))


def as_numpy(index):
    """The same index with microtensor tensors as NumPy arrays (to find the shape it selects)."""
    def conv(item):
        return item.numpy() if isinstance(item, mt.Tensor) else item
    return tuple(map(conv, index)) if isinstance(index, tuple) else conv(index)


def ints(rng, high, shape):
    """An int64 microtensor of ``shape`` with values in [0, high)."""
    return mt.tensor(rng.integers(0, high, shape))


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


def _basic(draw, s, rng):
    return basic_index(draw, s)


def _int_arrays(draw, s, rng):
    """Integer arrays (negative values and repeats too) for the first k dims, broadcast together."""
    k = draw(st.integers(1, len(s)))
    common = draw(small_shapes(max_dims=2))
    arrays = [rng.integers(-n, n, broadcastable_to(draw, common)) for n in s[:k]]
    return tuple(map(mt.tensor, arrays)) if draw(st.booleans()) else tuple(arrays)


def _array_among_slices(draw, s, rng):
    """One integer tensor at a drawn dim, basic items (int, slice or None) around it."""
    d = draw(st.integers(0, len(s) - 1))
    index = mt.tensor(rng.integers(-s[d], s[d], draw(small_shapes(max_dims=2))))
    around = [draw(st.one_of(st.integers(-n, n - 1), st.just(slice(None)), st.just(slice(1, None, 2))))
              for n in s]
    around[d] = index
    if draw(st.booleans()):
        around.insert(draw(st.integers(0, len(around))), None)
    return tuple(around)


def _mask(draw, s, rng):
    """A bool mask over the first k dims (numpy or tensor), then maybe a slice."""
    k = draw(st.integers(1, len(s))) if s else 0
    mask = rng.random(s[:k]) < 0.6
    rest = (slice(None, None, 2),) if k < len(s) and draw(st.booleans()) else ()
    return (mt.tensor(mask) if draw(st.booleans()) else mask,) + rest


# name -> (min dims, draw the index for shape s)
GETITEM_DRAWN = {"basic": (0, _basic), "int_arrays": (1, _int_arrays), "array_among_slices": (1, _array_among_slices),
                 "mask": (0, _mask)}


@pytest.mark.parametrize("name", GETITEM_DRAWN)
@given(data=st.data(), seed=seeds)
@settings(max_examples=10, deadline=None, derandomize=True)
def test_getitem_drawn_gradcheck(name, data, seed):
    min_dims, make = GETITEM_DRAWN[name]
    shape = data.draw(small_shapes(min_dims), label="shape")
    index = make(data.draw, shape, np.random.default_rng(seed))
    check_gradients(lambda x: x[index] * x[index], *rand(seed, shape))


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


def _unique_rows(draw, s, rng):
    """A 1-D integer tensor of distinct rows (a repeated row would make the written value ambiguous)."""
    return mt.tensor(rng.permutation(s[0])[:draw(st.integers(0, s[0]))])


# name -> (min dims, draw the index for shape s); the value broadcasts to y[index]
SETITEM_DRAWN = {"basic": (0, _basic), "mask": (0, _mask), "unique_rows": (1, _unique_rows)}


@pytest.mark.parametrize("name", SETITEM_DRAWN)
@given(data=st.data(), seed=seeds)
@settings(max_examples=8, deadline=None, derandomize=True)
def test_setitem_drawn_gradcheck(name, data, seed):
    """y = x * 1; y[index] = v: x gets the gradient outside the region, v (broadcast) the summed one inside."""
    min_dims, make = SETITEM_DRAWN[name]
    shape = data.draw(small_shapes(min_dims), label="shape")
    index = make(data.draw, shape, np.random.default_rng(seed))
    value_shape = broadcastable_to(data.draw, np.empty(shape)[as_numpy(index)].shape)

    def fn(x, v):
        y = x * 1
        y[index] = v
        return y * x

    check_gradients(fn, *rand(seed, shape, value_shape))


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


# name -> (x[index] = value on a float32 x, whether PyTorch refuses the value's dtype)
SOURCE_DTYPE = {
    "advanced_tensor_of_another_dtype": (lambda x, T: x.__setitem__((slice(None), [0, 1]), T.tensor([1, 2])), True),
    "advanced_zero_dim_tensor": (lambda x, T: x.__setitem__([0], T.tensor(1)), True),
    "advanced_float64_tensor": (lambda x, T: x.__setitem__([1], T.tensor([1.5, 2, 3], dtype=T.float64)), True),
    "index_put_": (lambda x, T: x.index_put_((T.tensor([0]),), T.tensor(1)), True),
    "index_put_accumulate": (lambda x, T: x.index_put_((T.tensor([0]),), T.tensor([1, 2, 3]), accumulate=True),
                             True),
    "basic_index_casts": (lambda x, T: x.__setitem__(0, T.tensor([1, 2, 3])), False),
    "python_number_casts": (lambda x, T: x.__setitem__([0], 1), False),
    "bool_mask_one_value_casts": (lambda x, T: x.__setitem__(x == 0, T.tensor(1)), False),
    "bool_list_mask_one_value_casts": (lambda x, T: x.__setitem__([True, False], T.tensor([1])), False),
    "int_then_bool_mask_one_value_casts": (lambda x, T: x.__setitem__((0, T.tensor([True, False, True])),
                                                                      T.tensor([False])), False),
    "index_put_bool_mask_one_value_casts": (lambda x, T: x.index_put_((x == 0,), T.tensor(1)), False),
}


@pytest.mark.parametrize("name", SOURCE_DTYPE)
def test_index_put_source_dtype_must_match(name):
    put, refused = SOURCE_DTYPE[name]
    x = mt.zeros(2, 3)
    if not refused:
        put(x, mt)
        assert x.dtype == mt.float32
        return
    with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes match, got Float "
                                           "for the destination and (Long|Double) for the source."):
        put(x, mt)


@requires_torch
@pytest.mark.parametrize("name", SOURCE_DTYPE)
def test_index_put_source_dtype_matches_torch(name):
    put, refused = SOURCE_DTYPE[name]
    if refused:
        with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes match"):
            put(torch.zeros(2, 3), torch)
    else:
        put(torch.zeros(2, 3), torch)


@pytest.mark.parametrize("lib", [mt, pytest.param(torch, marks=requires_torch)], ids=["microtensor", "torch"])
def test_no_bounds_check_when_the_broadcast_indices_are_empty(lib):
    empty = lib.tensor([], dtype=lib.int64)
    assert tuple(lib.zeros((0, 0))[[0], empty].shape) == (0,)
    assert tuple(lib.zeros((2, 0))[[5], empty].shape) == (0,)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 2"):
        lib.zeros((2, 1))[[5], [0]]


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


# ----------------------------------------------------------------------------- the family with drawn shapes
def _size(s, d):
    """The size along dim ``d`` (1 for a 0-d tensor, which index ops treat as one element)."""
    return s[d] if s else 1


def _index_select(draw, s, rng):
    d = dim_of(draw, len(s))
    # a 0-d index keeps the dim with size 1; a 0-d input takes one position only (as PyTorch)
    index = ints(rng, _size(s, d), draw(st.sampled_from([()] if not s else [(), (0,), (1,), (2,), (4,)])))
    return (lambda x: x.index_select(d, index)), [s]


def _gather_index_shape(draw, s, d):
    """An index shape for gather: the same rank, at most s in every dim but ``d`` (any size there)."""
    return tuple(draw(st.integers(1, 3 if k == d % len(s) else n)) for k, n in enumerate(s))


def _gather(draw, s, rng):
    d = dim_of(draw, len(s))
    index = ints(rng, _size(s, d), _gather_index_shape(draw, s, d))
    return (lambda x: x.gather(d, index)), [s]


def _distinct_along(rng, s, d, shape):
    """Index values in [0, s[d]) of ``shape`` (shape[d] <= s[d]), distinct along ``d``: no position is written twice."""
    if not s:
        return mt.tensor(np.array(0))
    full = list(shape)
    full[d] = s[d]
    order = np.argsort(rng.random(full), axis=d)
    return mt.tensor(order[tuple(slice(0, n) for n in shape)])


def _scatter(draw, s, rng):
    d = dim_of(draw, len(s))
    shape = tuple(draw(st.integers(1, n)) for n in s)
    index = _distinct_along(rng, s, d, shape)
    src = tuple(n + draw(st.integers(0, 1)) for n in shape)   # src may be larger than index: only index's part
    return (lambda x, v: x.scatter(d, index, v)), [s, src]


def _scatter_value(draw, s, rng):
    d = dim_of(draw, len(s))
    index = _distinct_along(rng, s, d, tuple(draw(st.integers(1, n)) for n in s))
    return (lambda x: mt.scatter(x, d, index, value=-1.5)), [s]


def _scatter_add(draw, s, rng):
    d = dim_of(draw, len(s))
    shape = tuple(draw(st.integers(1, 3 if k == d % len(s) else n)) for k, n in enumerate(s))
    src = tuple(n + draw(st.integers(0, 1)) for n in shape)
    index = ints(rng, _size(s, d), shape)                      # repeats accumulate
    return (lambda x, v: x.scatter_add(d, index, v)), [s, src]


def _index_add(draw, s, rng):
    d = dim_of(draw, len(s))
    n = draw(st.integers(0, 4)) if s else 1
    source = s[:d % len(s)] + (n,) + s[d % len(s) + 1:] if s else ()
    alpha = draw(st.sampled_from([1, 2.0, -0.5]))
    index = ints(rng, _size(s, d), (n,))
    return (lambda x, v: x.index_add(d, index, v, alpha=alpha)), [s, source]


def _index_fill(draw, s, rng):
    d = dim_of(draw, len(s))
    index = ints(rng, _size(s, d), (draw(st.integers(0, 3)),) if s else (1,))   # repeats too
    if draw(st.booleans()):
        return (lambda x: x.index_fill(d, index, 2.5)), [s]
    # a 0-d tensor value gets the gradient summed over the filled positions; distinct rows here, as repeated
    # ones are counted more than once (test_index_fill_repeated_index_value_gradient)
    index = mt.tensor(rng.permutation(_size(s, d))[:draw(st.integers(0, _size(s, d)))])
    return (lambda x, v: x.index_fill(d, index, v)), [s, ()]


def _index_put(draw, s, rng):
    """Integer tensors for the first k dims; without accumulate, distinct positions (else the write is ambiguous)."""
    k = draw(st.integers(1, len(s)))
    if draw(st.booleans()):
        common = draw(small_shapes(max_dims=2))
        indices = tuple(ints(rng, n, broadcastable_to(draw, common)) for n in s[:k])
        picked = np.broadcast_shapes(*(i.shape for i in indices)) + s[k:]
        return (lambda x, v: x.index_put(indices, v, accumulate=True)), [s, broadcastable_to(draw, picked)]
    flat = rng.permutation(int(np.prod(s[:k])))[:draw(st.integers(0, int(np.prod(s[:k]))))]
    indices = tuple(map(mt.tensor, np.unravel_index(flat, s[:k])))
    picked = (len(flat),) + s[k:]
    return (lambda x, v: x.index_put(indices, v)), [s, broadcastable_to(draw, picked)]


def _masked_fill(draw, s, rng):
    mask = mt.tensor(rng.random(broadcastable_to(draw, s)) < 0.5)   # the mask broadcasts to the input
    if draw(st.booleans()):
        return (lambda x: x.masked_fill(mask, 0.5)), [s]
    return (lambda x, v: mt.masked_fill(x, mask, v)), [s, ()]


def _masked_select(draw, s, rng):
    """The mask and the input broadcast together (either may be the larger)."""
    mask_shape = tuple(draw(st.sampled_from([1, 2, 3] if n == 1 else [1, n])) for n in s)
    mask_shape = tuple(draw(st.lists(st.integers(1, 2), max_size=1))) + mask_shape[draw(st.integers(0, len(s))):]
    mask = mt.tensor(rng.random(mask_shape) < 0.6)
    return (lambda x: x.masked_select(mask)), [s]


def _take(draw, s, rng):
    index = ints(rng, int(np.prod(s)), draw(small_shapes(max_dims=2)))
    return (lambda x: x.take(index)), [s]


def _triangle(draw, s, rng):
    k = draw(st.integers(-3, 3))
    if draw(st.booleans()):
        return (lambda x: x.tril(k)), [s]
    return (lambda x: mt.triu(x, diagonal=k)), [s]


def _diagonal(draw, s, rng):
    d1, d2 = draw(st.permutations(range(len(s))))[:2]
    d1 -= len(s) * draw(st.integers(0, 1))                     # negative dims too
    offset = draw(st.integers(-3, 3))
    return (lambda x: x.diagonal(offset, d1, d2)), [s]


# name -> (min dims, make(draw, shape, rng) -> (f of microtensor inputs, input shapes)); 0-d where PyTorch allows
OPS_DRAWN = {
    "index_select": (0, _index_select), "gather": (0, _gather), "scatter": (0, _scatter),
    "scatter_value": (0, _scatter_value), "scatter_add": (1, _scatter_add), "index_add": (0, _index_add),
    "index_fill": (0, _index_fill), "index_put": (1, _index_put), "masked_fill": (0, _masked_fill),
    "masked_select": (0, _masked_select), "take": (0, _take), "tril_triu": (2, _triangle),
    "diagonal": (2, _diagonal), "trace": (2, lambda draw, s, rng: ((lambda x: x.trace()), [s[:2]])),
}


@pytest.mark.parametrize("name", OPS_DRAWN)
@given(data=st.data(), seed=seeds)
@settings(max_examples=10, deadline=None, derandomize=True)
def test_op_drawn_gradcheck(name, data, seed):
    """Shapes (0-d and size-1 dims) and valid indices drawn; the output is squared so the second order is not 0."""
    min_dims, make = OPS_DRAWN[name]
    shape = data.draw(small_shapes(min_dims), label="shape")
    fn, shapes = make(data.draw, shape, np.random.default_rng(seed))
    check_gradients(lambda *xs: fn(*xs) ** 2, *rand(seed, *shapes))


def test_index_fill_repeated_index_value_gradient():
    # positions 0 and 1 are filled once each, however often the index repeats them: 2 + 3, as PyTorch
    x = mt.tensor([0.3, 0.7], dtype=mt.float64, requires_grad=True)
    v = mt.tensor(1.5, dtype=mt.float64, requires_grad=True)
    (x * 1).index_fill(0, mt.tensor([0, 0, 1]), v).mul(mt.tensor([2.0, 3.0], dtype=mt.float64)).sum().backward()
    assert v.grad.item() == 5.0
    check_gradients(lambda x, v: x.index_fill(0, mt.tensor([0, 0, 1]), v), np.array([0.3, 0.7]), np.array(1.5))


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

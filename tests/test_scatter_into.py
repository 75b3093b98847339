"""The scatter family (diagonal/select/slice/as_strided_scatter, masked_scatter, put, index_copy, fill_diagonal_),
as_strided views, the in-place products and cumulative ops, and the shape conveniences (ravel, h/v/dsplit,
H/mH/adjoint, sum_to_size, broadcast_tensors/shapes, unravel_index): values and gradients (first and second
order, finite differences) and PyTorch's values, gradients and errors; in-place forms also on views."""
import functools

import numpy as np
import pytest
from helpers import (
    broadcast_pairs,
    broadcastable_to,
    check_gradients,
    compare_with_torch,
    rand,
    requires_torch,
    seeds,
    shapes,
    torch,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt


def _long(T, values):
    return T.tensor(values, dtype=T.int64)


# name -> (fn(lib, *tensors), input shapes); every fn runs unchanged on microtensor and on torch
CASES = {
    "ravel": (lambda T, x: T.ravel(x.t()), [(3, 4)]),
    "hsplit_int": (lambda T, x: T.hsplit(x, 2), [(3, 4)]),
    "hsplit_1d": (lambda T, x: x.hsplit([1, 3]), [(5,)]),
    "vsplit_indices": (lambda T, x: x.vsplit([2]), [(3, 4)]),
    "dsplit": (lambda T, x: T.dsplit(x, [1]), [(2, 2, 3)]),
    "H": (lambda T, x: x.H, [(3, 4)]),
    "mH": (lambda T, x: x.mH, [(2, 3, 4)]),
    "adjoint": (lambda T, x: T.adjoint(x), [(2, 3, 4)]),
    "adjoint_method": (lambda T, x: x.adjoint(), [(3, 4)]),
    "swapaxes_": (lambda T, x: (x * 1).swapaxes_(0, 2), [(2, 3, 4)]),
    "swapdims_": (lambda T, x: (x * 1).swapdims_(-1, 0), [(2, 3)]),
    "sum_to_size": (lambda T, x: x.sum_to_size(3, 1), [(2, 3, 4)]),
    "sum_to_size_tuple": (lambda T, x: x.sum_to_size((1, 4)), [(3, 4)]),
    "broadcast_tensors": (lambda T, x, y: T.broadcast_tensors(x, y), [(3, 1), (4,)]),
    "diagonal_scatter": (lambda T, x, s: T.diagonal_scatter(x, s, 1), [(3, 4), (3,)]),
    "diagonal_scatter_dims": (lambda T, x, s: x.diagonal_scatter(s, -1, dim1=2, dim2=0), [(3, 2, 4), (2, 3)]),
    "select_scatter": (lambda T, x, s: T.select_scatter(x, s, 1, -1), [(3, 4), (3,)]),
    "slice_scatter": (lambda T, x, s: T.slice_scatter(x, s, 1, 0, None, 2), [(3, 4), (3, 2)]),
    "slice_scatter_keywords": (lambda T, x, s: x.slice_scatter(s, start=-1), [(3, 4), (1, 4)]),
    "slice_scatter_clamped": (lambda T, x, s: T.slice_scatter(x, s, start=-10, end=10), [(3, 4), (3, 4)]),
    "as_strided": (lambda T, x: x.as_strided((2, 2), (1, 2), 1), [(3, 4)]),
    "as_strided_overlapping": (lambda T, x: T.as_strided(x, (3, 3), (1, 1)), [(3, 4)]),
    "as_strided_of_view": (lambda T, x: x[1:].as_strided((2, 3), (4, 1)), [(3, 4)]),
    "as_strided_of_column_view": (lambda T, x: x[:, 1:].as_strided((2, 2), (1, 4)), [(3, 4)]),
    "as_strided_of_transpose": (lambda T, x: x.t().as_strided((2, 2), (1, 4), 0), [(3, 4)]),
    "masked_scatter": (lambda T, x, s: T.masked_scatter(x, x > 0, s), [(3, 4), (12,)]),
    "masked_scatter_broadcast": (lambda T, x, s: x.masked_scatter(T.tensor([True, False, True, True]), s),
                                 [(2, 1), (3, 3)]),
    "masked_scatter_": (lambda T, x, s: (x * 1).masked_scatter_(x > 0, s), [(3, 4), (3, 5)]),
    "put": (lambda T, x, s: T.put(x, _long(T, [1, -1, 4]), s), [(3, 4), (3,)]),
    "put_accumulate": (lambda T, x, s: x.put(_long(T, [[1, -1], [1, 2]]), s, accumulate=True), [(3, 4), (2, 2)]),
    "put_": (lambda T, x, s: (x * 1).put_(_long(T, [0, 5]), s, True), [(2, 3), (2,)]),
    "index_copy": (lambda T, x, s: T.index_copy(x, 1, _long(T, [3, 0]), s), [(3, 4), (3, 2)]),
    "index_copy_": (lambda T, x, s: (x * 1).index_copy_(0, _long(T, [1]), s), [(3, 4), (1, 4)]),
    "index_copy_0d": (lambda T, x, s: x.index_copy(0, _long(T, [0]), s), [(), ()]),
    "fill_diagonal_": (lambda T, x: (x * 1).fill_diagonal_(2.5), [(3, 4)]),
    "fill_diagonal_wrap": (lambda T, x: (x * 1).fill_diagonal_(-1, wrap=True), [(7, 3)]),
    "fill_diagonal_tall": (lambda T, x: (x * 1).fill_diagonal_(0), [(7, 3)]),
    "fill_diagonal_cube": (lambda T, x: (x * 1).fill_diagonal_(1), [(2, 2, 2)]),
    "fill_diagonal_0d_value": (lambda T, x: (x * 1).fill_diagonal_(T.tensor(0.5)), [(2, 2)]),
    "cumsum_": (lambda T, x: (x * 1).cumsum_(1), [(3, 4)]),
    "cumprod_": (lambda T, x: (x * 1).cumprod_(dim=0), [(3, 4)]),
    "addmm_": (lambda T, x, a, b: (x * 1).addmm_(a, b, beta=2, alpha=0.5), [(3, 4), (3, 2), (2, 4)]),
    "addmv_": (lambda T, x, a, b: T.addmv_(x * 1, a, b, alpha=3), [(3,), (3, 2), (2,)]),
    "addmv_method": (lambda T, x, a, b: (x * 1).addmv_(a, b, beta=0.5), [(3,), (3, 2), (2,)]),
    "addr_": (lambda T, x, a, b: (x * 1).addr_(a, b), [(3, 4), (3,), (4,)]),
    "addbmm_": (lambda T, x, a, b: (x * 1).addbmm_(a, b, alpha=2), [(3, 4), (2, 3, 2), (2, 2, 4)]),
    "baddbmm_": (lambda T, x, a, b: (x * 1).baddbmm_(a, b, beta=-1), [(2, 3, 4), (2, 3, 2), (2, 2, 4)]),
}


def _arrays(shapes_list, seed=0):
    return rand(seed, *shapes_list)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients(name):
    fn, shapes_list = CASES[name]
    check_gradients(functools.partial(fn, mt), *_arrays(shapes_list))


@requires_torch
@pytest.mark.parametrize("name", sorted(CASES))
def test_against_torch(name):
    fn, shapes_list = CASES[name]
    compare_with_torch(functools.partial(fn, mt), *_arrays(shapes_list), torch_fn=functools.partial(fn, torch))


def test_as_strided_scatter_input_gradient_is_the_finite_difference_one():
    # PyTorch 2.13's as_strided_scatter gives the input a wrong gradient (its own gradcheck fails); ours is exact
    check_gradients(lambda x, s: mt.as_strided_scatter(x, s, (2, 2), (1, 2), 1), *_arrays([(3, 4), (2, 2)]))
    x = mt.ones(3, 4, requires_grad=True)
    mt.as_strided_scatter(x, mt.zeros(2, 2), (2, 2), (1, 2), 1).sum().backward()
    assert x.grad.tolist() == [[1, 0, 0, 0], [0, 1, 1, 1], [1, 1, 1, 1]]
    if torch is not None:   # the values, and the source's gradient, are PyTorch's
        compare_with_torch(lambda x, s: mt.as_strided_scatter(x.detach(), s, (2, 2), (1, 2), 1),
                           *_arrays([(3, 4), (2, 2)]),
                           torch_fn=lambda x, s: torch.as_strided_scatter(x.detach(), s, (2, 2), (1, 2), 1))


# ----------------------------------------------------------------------------- hypothesis shapes
@settings(max_examples=15, deadline=None)
@given(shape=shapes, seed=seeds)
def test_ravel_any_shape(shape, seed):
    (x,) = rand(seed, shape)
    check_gradients(lambda t: t.ravel(), x)
    assert mt.ravel(mt.tensor(x)).tolist() == x.ravel().tolist()


@settings(max_examples=15, deadline=None)
@given(data=st.data(), shape=shapes, seed=seeds)
def test_sum_to_size_any_shape(data, shape, seed):
    target = broadcastable_to(data.draw, shape)
    (x,) = rand(seed, shape)
    check_gradients(lambda t: t.sum_to_size(target), x)
    if torch is not None:
        compare_with_torch(lambda t: t.sum_to_size(target), x)


@settings(max_examples=15, deadline=None)
@given(pair=broadcast_pairs, seed=seeds)
def test_broadcast_tensors_and_masked_scatter_broadcast(pair, seed):
    (a_shape, b_shape), out_shape = pair.input_shapes, pair.result_shape
    a, b = rand(seed, a_shape, b_shape)
    mask = b > 0
    source = rand(seed + 1, (int(np.prod(out_shape)),))[0]
    check_gradients(lambda x, y: mt.broadcast_tensors(x, y), a, b)
    check_gradients(lambda x, s: mt.masked_scatter(x, mt.tensor(mask), s), a, source)
    assert mt.broadcast_shapes(a_shape, b_shape) == out_shape
    if torch is not None:
        compare_with_torch(lambda x, y: mt.broadcast_tensors(x, y), a, b,
                           torch_fn=lambda x, y: torch.broadcast_tensors(x, y))
        compare_with_torch(lambda x, s: mt.masked_scatter(x, mt.tensor(mask), s), a, source,
                           torch_fn=lambda x, s: torch.masked_scatter(x, torch.tensor(mask), s))


@settings(max_examples=15, deadline=None)
@given(shape=shapes.filter(lambda s: len(s) >= 1), seed=seeds, data=st.data())
def test_select_and_slice_scatter_any_shape(shape, seed, data):
    dim = data.draw(st.integers(0, len(shape) - 1))
    index = data.draw(st.integers(-shape[dim], shape[dim] - 1))
    x, s = rand(seed, shape, shape[:dim] + shape[dim + 1:])
    check_gradients(lambda t, u: mt.select_scatter(t, u, dim, index), x, s)
    start = data.draw(st.integers(0, shape[dim]))
    piece = rand(seed, shape[:dim] + (shape[dim] - start,) + shape[dim + 1:])[0]
    check_gradients(lambda t, u: t.slice_scatter(u, dim, start), x, piece)


@settings(max_examples=20, deadline=None)
@given(data=st.data(), seed=seeds)
def test_as_strided_any_geometry(data, seed):
    size = tuple(data.draw(st.lists(st.integers(0, 3), min_size=0, max_size=3)))
    stride = tuple(data.draw(st.lists(st.integers(0, 3), min_size=len(size), max_size=len(size))))
    reach = 0 if 0 in size else sum((n - 1) * k for n, k in zip(size, stride))
    offset = data.draw(st.integers(0, 11 - reach)) if reach <= 11 else None
    if offset is None:
        with pytest.raises(RuntimeError, match="out of bounds for storage"):
            mt.zeros(12).as_strided(size, stride)
        return
    (x,) = rand(seed, (3, 4))
    check_gradients(lambda t: (t * 1).as_strided(size, stride, offset), x)
    if torch is not None:
        compare_with_torch(lambda t: (t * 1).as_strided(size, stride, offset), x)


# ----------------------------------------------------------------------------- in place on views
def _scatters_on_views(T, x, s):
    y = x * 1
    v = y[1:, ::2]
    v.masked_scatter_(v > 0, s)
    y.t()[1].put_(_long(T, [0, 2]), s[:2] * 2, accumulate=True)
    y[0].index_copy_(0, _long(T, [1]), s[:1])
    y.t()[2:].cumsum_(1)
    y[:, 1:3].fill_diagonal_(-1.0)
    y[1:].addmm_(s[:4].reshape(2, 2), s[4:12].reshape(2, 4), beta=0.5)
    y.reshape(4, 3)[1:3].t().swapaxes_(0, 1).cumprod_(0)
    return y * y


def _as_strided_view_written(T, x, s):
    y = x * 1
    v = y.as_strided((2, 2), (1, 4), 1)
    v.mul_(s[:4].reshape(2, 2))
    return y * v.sum()


def _base_written_under_as_strided_view(T, x, s):
    y = x * 1
    v = y.as_strided((3,), (5,))
    y[1].index_copy_(0, _long(T, [1, 2]), s[:2])
    return v * 2


def _strided_view_of_a_column_slice(T, x, s):
    y = x * 1
    y[:, 1:].as_strided((2, 2), (1, 4)).mul_(s[:4].reshape(2, 2))
    y.t()[2].put_(_long(T, [0, 2]), s[4:6], accumulate=True)
    y.fill_diagonal_(-1.0)
    return T.diagonal_scatter(y, s[6:9], 1)


VIEW_SCENARIOS = {"strided_view_of_a_column_slice": _strided_view_of_a_column_slice,
                  "scatters": _scatters_on_views, "as_strided_view_written": _as_strided_view_written,
                  "base_written_under_as_strided_view": _base_written_under_as_strided_view}


@pytest.mark.parametrize("name", sorted(VIEW_SCENARIOS))
def test_in_place_on_views_gradients(name):
    fn = VIEW_SCENARIOS[name]
    check_gradients(functools.partial(fn, mt), *_arrays([(3, 4), (12,)]))


@requires_torch
@pytest.mark.parametrize("name", sorted(VIEW_SCENARIOS))
def test_in_place_on_views_against_torch(name):
    fn = VIEW_SCENARIOS[name]
    compare_with_torch(functools.partial(fn, mt), *_arrays([(3, 4), (12,)]), torch_fn=functools.partial(fn, torch))


def test_in_place_ops_bump_the_version_and_refuse_leaves():
    x = mt.zeros(3, 4)
    before = x._version
    x.fill_diagonal_(1).put_(mt.tensor([0]), mt.tensor([5.0])).cumsum_(0)
    assert x._version == before + 3
    leaf = mt.zeros(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf.index_copy_(0, mt.tensor([0]), mt.ones(1, 2))


def test_as_strided_is_a_view_sharing_memory():
    x = mt.arange(12.0).reshape(3, 4).clone()
    v = x.as_strided((2, 2), (4, 1), 1)
    assert v._base is x and v.stride() == (4, 1)
    x.add_(1)
    assert v.tolist() == [[2.0, 3.0], [6.0, 7.0]]
    v.zero_()
    assert x[0].tolist() == [1.0, 0.0, 0.0, 4.0]
    y = mt.arange(6.0)
    assert y.as_strided_((2, 2), (2, 1), 1) is y and y.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_unravel_index_and_broadcast_shapes_values():
    rows, cols = mt.unravel_index(mt.tensor([4, 1, -1, 7]), (2, 3))
    assert rows.tolist() == [1, 0, 1, 0] and cols.tolist() == [1, 1, 2, 1] and rows.dtype == mt.int64
    assert [t.tolist() for t in mt.unravel_index(mt.tensor(5, dtype=mt.int32), mt.Size([2, 3]))] == [1, 2]
    assert mt.broadcast_shapes(2, (3, 1), mt.Size([1, 1])) == (3, 2) and mt.broadcast_shapes() == ()
    if torch is not None:
        idx = torch.tensor([4, 1, -1, 7])
        assert [t.tolist() for t in torch.unravel_index(idx, (2, 3))] == [rows.tolist(), cols.tolist()]


def test_H_on_0d_warns_as_torch():
    with pytest.warns(UserWarning, match="Tensor.H is deprecated on 0-D tensors"):
        assert mt.tensor(2.0).H.item() == 2.0


# ----------------------------------------------------------------------------- errors, as PyTorch raises them
ERRORS = {
    "hsplit_indivisible": lambda T: T.hsplit(T.zeros(2, 3), 2),
    "hsplit_0d": lambda T: T.hsplit(T.tensor(1.0), 1),
    "vsplit_1d": lambda T: T.vsplit(T.zeros(3), 3),
    "dsplit_2d": lambda T: T.zeros(2, 3).dsplit(1),
    "H_3d": lambda T: T.zeros(2, 3, 4).H,
    "H_1d": lambda T: T.zeros(3).H,
    "mH_1d": lambda T: T.zeros(3).mH,
    "adjoint_1d": lambda T: T.zeros(3).adjoint(),
    "sum_to_size": lambda T: T.zeros(2, 3).sum_to_size(3, 1),
    "broadcast_shapes": lambda T: T.broadcast_shapes((2,), (3,)),
    "broadcast_shapes_negative": lambda T: T.broadcast_shapes((2, -1)),
    "broadcast_tensors": lambda T: T.broadcast_tensors(T.zeros(2), T.zeros(3)),
    "unravel_float": lambda T: T.unravel_index(T.tensor([1.0]), (2, 3)),
    "unravel_negative_shape": lambda T: T.unravel_index(T.tensor([1]), (2, -3)),
    "diagonal_scatter_size": lambda T: T.diagonal_scatter(T.zeros(3, 4), T.ones(2), 1),
    "select_scatter_index": lambda T: T.select_scatter(T.zeros(3, 4), T.ones(4), 0, 5),
    "slice_scatter_step": lambda T: T.slice_scatter(T.zeros(3, 4), T.ones(2, 4), step=0),
    "as_strided_negative": lambda T: T.arange(6.0).as_strided((2,), (-1,), 3),
    "as_strided_out_of_bounds": lambda T: T.arange(6.0).as_strided((2,), (3,), 3),
    "as_strided_scatter_out_of_bounds": lambda T: T.as_strided_scatter(T.zeros(3, 4), T.ones(2, 2), (2, 2),
                                                                       (1, 20), 1),
    "masked_scatter_count": lambda T: T.zeros(3).masked_scatter(T.tensor([True, False, True]), T.tensor([1.0])),
    "masked_scatter_mask_dtype": lambda T: T.zeros(3).masked_scatter(T.tensor([1, 0, 1]), T.arange(9.0)),
    "masked_scatter_source_dtype": lambda T: T.zeros(3).masked_scatter(T.tensor([True, False, True]),
                                                                       T.arange(9, dtype=T.float64)),
    "put_out_of_range": lambda T: T.zeros(6).put_(T.tensor([10]), T.tensor([1.0])),
    "put_count": lambda T: T.zeros(6).put_(T.tensor([1, 2]), T.tensor([1.0])),
    "put_dtype": lambda T: T.zeros(6).put_(T.tensor([1]), T.tensor([1.0], dtype=T.float64)),
    "put_index_dtype": lambda T: T.zeros(6).put(T.tensor([1.0]), T.tensor([1.0])),
    "index_copy_bounds": lambda T: T.zeros(3, 2).index_copy(0, T.tensor([3, 0]), T.ones(2, 2)),
    "index_copy_negative": lambda T: T.zeros(3, 2).index_copy(0, T.tensor([-1]), T.ones(1, 2)),
    "index_copy_slice": lambda T: T.zeros(3, 2).index_copy(0, T.tensor([2, 0]), T.ones(2, 3)),
    "index_copy_dtype": lambda T: T.zeros(3, 2).index_copy(0, T.tensor([2, 0]), T.ones(2, 2, dtype=T.float64)),
    "index_copy_index_dtype": lambda T: T.zeros(3, 2).index_copy(0, T.tensor([2.0, 0]), T.ones(2, 2)),
    "index_copy_index_2d": lambda T: T.zeros(3, 2).index_copy(0, T.tensor([[2, 0]]), T.ones(2, 2)),
    "index_copy_dims": lambda T: T.zeros(3, 2).index_copy(0, T.tensor(1), T.ones(2)),
    "fill_diagonal_unequal": lambda T: T.zeros(2, 2, 3).fill_diagonal_(1),
    "fill_diagonal_1d": lambda T: T.zeros(3).fill_diagonal_(1),
    "addmm_shape": lambda T: T.ones(3).addmm_(T.ones(2, 2), T.ones(2, 3)),
    "cumsum_dtype": lambda T: T.ones(3, dtype=T.int64).cumsum_(0, dtype=T.float32),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    fn = ERRORS[name]
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)) as ours:
        fn(mt)
    assert str(ours.value), name


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_name_the_problem(name):
    with pytest.raises((RuntimeError, IndexError, TypeError, ValueError)) as info:
        ERRORS[name](mt)
    assert len(str(info.value)) > 20

"""Construction and shape ops of issue 22 (the diag family, meshgrid and its products, kron, block_diag, vander,
rot90, repeat_interleave, take_along_dim, atleast_Nd, column_stack): finite-difference gradients (first and
second order), the PyTorch oracle, and errors."""
import warnings

import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, rand, requires_torch, seeds, torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt


def m(x):
    """The library a tensor belongs to, so one lambda runs on both microtensor and torch."""
    return torch if torch is not None and isinstance(x, torch.Tensor) else mt


def _long(x, values):
    """An int64 tensor of ``values`` in the library of ``x``."""
    return m(x).tensor(np.asarray(values, dtype=np.int64))


# name -> (min_dims, max_dims, make(draw, shape) -> (fn, input shapes)); sides 0..3
def _diag(draw, s):
    k = draw(st.integers(-2, 2))
    return (lambda t: mt.diag(t, k)), [s]


def _diag_embed(draw, s):
    n = len(s) + 1
    d1, d2 = draw(st.sampled_from([(a, b) for a in range(-n, n) for b in range(-n, n) if a % n != b % n]))
    k = draw(st.integers(-2, 2))
    return (lambda t: t.diag_embed(k, d1, d2)), [s]


def _meshgrid(draw, s):
    indexing = draw(st.sampled_from(["ij", "xy"]))
    shapes = [(n,) for n in s]
    return (lambda *ts: mt.meshgrid(*ts, indexing=indexing)), shapes


def _kron(draw, s):
    other = draw(array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
    return (lambda a, b: mt.kron(a, b)), [s, other]


def _rot90(draw, s):
    n = len(s)
    d0, d1 = draw(st.sampled_from([(a, b) for a in range(-n, n) for b in range(-n, n) if a % n != b % n]))
    k = draw(st.integers(-5, 5))
    return (lambda t: t.rot90(k, [d0, d1])), [s]


def _repeat_interleave(draw, s):
    if draw(st.booleans()) or not s:
        r = draw(st.integers(0, 3))
        return (lambda t: t.repeat_interleave(r)), [s]
    d = draw(st.integers(-len(s), len(s) - 1))
    counts = mt.tensor(draw(st.lists(st.integers(0, 3), min_size=s[d], max_size=s[d])), dtype=mt.int64)
    return (lambda t: mt.repeat_interleave(t, counts, dim=d)), [s]


def _take_along_dim(draw, s):
    d = draw(st.integers(-len(s), len(s) - 1))
    shape = [draw(st.sampled_from([1, n])) for n in s]
    shape[d] = draw(st.integers(0, 4)) if s[d] else 0
    rng = np.random.default_rng(draw(seeds))
    idx = mt.tensor(rng.integers(0, max(s[d], 1), size=shape) if s[d] else np.zeros(shape, np.int64))
    return (lambda t: mt.take_along_dim(t, idx, dim=d)), [s]


def _vander(draw, s):
    n, increasing = draw(st.sampled_from([None, 0, 1, 4])), draw(st.booleans())
    return (lambda t: mt.vander(t, N=n, increasing=increasing)), [s]


CONSTRUCTION_OPS = {
    "diag": (1, 2, _diag),
    "diag_embed": (1, 3, _diag_embed),
    "diagflat": (0, 3, lambda draw, s: ((lambda t: mt.diagflat(t, -1)), [s])),
    "meshgrid": (1, 3, _meshgrid),
    "cartesian_prod": (1, 3, lambda draw, s: ((lambda *ts: mt.cartesian_prod(*ts)), [(n,) for n in s])),
    "combinations": (1, 1, lambda draw, s: ((lambda t: mt.combinations(t, r=2)), [s])),
    "combinations_r3_replacement": (1, 1, lambda draw, s: (
        (lambda t: mt.combinations(t, 3, with_replacement=True)), [s])),
    "block_diag": (1, 3, lambda draw, s: ((lambda *ts: mt.block_diag(*ts)), [s[:k] for k in range(len(s))])),
    "kron": (0, 3, _kron),
    "rot90": (2, 3, _rot90),
    "vander": (1, 1, _vander),
    "repeat_interleave": (0, 3, _repeat_interleave),
    "take_along_dim": (1, 3, _take_along_dim),
    "atleast_3d": (0, 3, lambda draw, s: ((lambda a, b: mt.atleast_3d(a, b)), [s, s[:1]])),
    "column_stack": (0, 2, lambda draw, s: ((lambda a, b: mt.column_stack([a, b])), [s, s[:1]])),
}


@pytest.mark.parametrize("name", CONSTRUCTION_OPS)
@given(data=st.data(), seed=seeds)
@settings(max_examples=10, deadline=None, derandomize=True)
def test_construction_gradcheck(name, data, seed):
    min_dims, max_dims, make = CONSTRUCTION_OPS[name]
    shape = data.draw(array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=3))
    fn, shapes = make(data.draw, shape)
    check_gradients(fn, *rand(seed, *shapes))


A = (2, 3, 4)
TORCH_CASES = {
    "diag_vector": (lambda x: m(x).diag(x), [(4,)]),
    "diag_vector_offset": (lambda x: x.diag(-2), [(3,)]),
    "diag_matrix": (lambda x: m(x).diag(x, diagonal=1), [(3, 5)]),
    "diag_matrix_below": (lambda x: x.diag(-1), [(5, 3)]),
    "diag_embed": (lambda x: x.diag_embed(), [A]),
    "diag_embed_dims": (lambda x: m(x).diag_embed(x, offset=1, dim1=0, dim2=2), [A]),
    "diag_embed_swapped": (lambda x: m(x).diag_embed(x, -1, dim1=-1, dim2=1), [(2, 3)]),
    "diagflat": (lambda x: x.diagflat(), [(2, 2)]),
    "diagflat_offset": (lambda x: m(x).diagflat(x, offset=-2), [(3,)]),
    "diagflat_0d": (lambda x: m(x).diagflat(x.sum()), [(3,)]),
    "meshgrid_ij": (lambda a, b, c: m(a).meshgrid(a, b, c, indexing="ij"), [(2,), (3,), (4,)]),
    "meshgrid_xy": (lambda a, b, c: m(a).meshgrid([a, b, c], indexing="xy"), [(2,), (3,), (4,)]),
    "meshgrid_xy_one": (lambda a: m(a).meshgrid(a, indexing="xy"), [(2,)]),
    "meshgrid_0d": (lambda a, b: m(a).meshgrid(a.sum(), b, indexing="xy"), [(2,), (3,)]),
    "cartesian_prod": (lambda a, b, c: m(a).cartesian_prod(a, b, c), [(2,), (3,), (2,)]),
    "cartesian_prod_one": (lambda a: m(a).cartesian_prod(a) * 1, [(3,)]),
    "combinations": (lambda x: m(x).combinations(x), [(4,)]),
    "combinations_r3": (lambda x: m(x).combinations(x, r=3, with_replacement=True), [(3,)]),
    "combinations_r1": (lambda x: m(x).combinations(x, 1), [(3,)]),
    "combinations_too_long": (lambda x: m(x).combinations(x, 4), [(3,)]),
    "block_diag": (lambda a, b, c: m(a).block_diag(a, b, c.sum()), [(2, 3), (4,), (2,)]),
    "block_diag_empty_blocks": (lambda a, b: m(a).block_diag(a, b), [(0, 2), (2, 0)]),
    "kron": (lambda a, b: m(a).kron(a, b), [(2, 3), (4, 2)]),
    "kron_ranks": (lambda a, b: a.kron(b), [(2,), (3, 2, 2)]),
    "kron_0d": (lambda a, b: m(a).kron(a.sum(), b), [(2,), (3,)]),
    "rot90": (lambda x: x.rot90(), [A]),
    "rot90_k": (lambda x: m(x).rot90(x, 3, [2, 0]), [A]),
    "rot90_negative": (lambda x: m(x).rot90(x, k=-2, dims=(-1, 1)), [A]),
    "rot90_zero": (lambda x: m(x).rot90(x, 4, [0, 1]), [A]),
    "repeat_interleave_int": (lambda x: x.repeat_interleave(2), [A]),
    "repeat_interleave_dim": (lambda x: m(x).repeat_interleave(x, 3, dim=-1), [A]),
    "repeat_interleave_tensor": (lambda x: x.repeat_interleave(_long(x, [2, 0, 1]), dim=1), [A]),
    "repeat_interleave_one_count": (lambda x: x.repeat_interleave(_long(x, [2]), dim=0), [A]),
    "repeat_interleave_0d_count": (lambda x: x.repeat_interleave(_long(x, 2), dim=0), [A]),
    "repeat_interleave_output_size": (lambda x: m(x).repeat_interleave(
        x, _long(x, [1, 2]), dim=0, output_size=3), [A]),
    "repeat_interleave_0d": (lambda x: x.sum().repeat_interleave(3), [A]),
    "take_along_dim": (lambda x: m(x).take_along_dim(x, _long(x, [[[0], [3], [1]]]), dim=2), [A]),
    "take_along_dim_broadcast": (lambda x: x.take_along_dim(_long(x, [[[0]], [[1]], [[1]], [[0]], [[0]]]), 0), [A]),
    "take": (lambda x: m(x).take(x, _long(x, [[0, -1], [5, 2], [23, 23]])), [A]),
    "take_0d_index": (lambda x: x.take(_long(x, 4)), [A]),
    "take_along_dim_flat": (lambda x: m(x).take_along_dim(x, _long(x, [[5], [23]])), [A]),
    "atleast_1d": (lambda x: m(x).atleast_1d(x.sum()), [A]),
    "atleast_2d": (lambda a, b: m(a).atleast_2d(a, b.sum()), [(3,), (2,)]),
    "atleast_3d_list": (lambda a, b: m(a).atleast_3d([a, b]), [(3,), (2, 2)]),
    "column_stack": (lambda a, b, c: m(a).column_stack([a, b, c]), [(3,), (3, 2), (3,)]),
    "column_stack_0d": (lambda a, b: m(a).column_stack([a.sum(), b.sum()]), [(3,), (2,)]),
    "row_stack": (lambda a, b: m(a).row_stack((a, b)), [(3,), (2, 3)]),
    "hstack": (lambda a, b: m(a).hstack((a, b)), [(2, 3, 1), (2, 1, 1)]),
    "vstack": (lambda a, b: m(a).vstack((a, b.sum())), [(1,), (3,)]),
    "dstack": (lambda a, b: m(a).dstack((a, b)), [(2, 3), (2, 3, 2)]),
}


@requires_torch
@pytest.mark.parametrize("name", TORCH_CASES)
def test_construction_matches_torch(name):
    fn, shapes = TORCH_CASES[name]
    compare_with_torch(fn, *rand(0, *shapes), rtol=1e-12, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("fn", [
    lambda x: m(x).vander(x), lambda x: m(x).vander(x, N=2, increasing=True), lambda x: m(x).vander(x, 0),
    lambda x: m(x).vander(x, N=5, increasing=False),
])
def test_vander_values_match_torch(fn):
    """Values only: PyTorch's own vander cannot be differentiated (its cumprod runs in place on a saved
    tensor, so backward raises); the gradient is checked by finite differences above."""
    compare_with_torch(fn, *rand(0, (4,)), rtol=1e-12, atol=1e-12, check_grad=False)


@requires_torch
@pytest.mark.parametrize("fn", [
    lambda x: m(x).diag(x), lambda x: m(x).kron(x, x.bool()), lambda x: m(x).block_diag(x, x.bool(), x.double()),
    lambda x: m(x).vander(x), lambda x: m(x).vander(x.bool()), lambda x: m(x).vander(x.int(), increasing=True),
    lambda x: x.repeat_interleave(2), lambda x: m(x).combinations(x), lambda x: m(x).cartesian_prod(x, x),
    lambda x: m(x).meshgrid(x, x, indexing="ij"), lambda x: x.reshape(1, 3).rot90(),
    lambda x: m(x).diag_embed(x.bool()),
], ids=["diag", "kron", "block_diag", "vander", "vander_bool", "vander_int32", "repeat_interleave",
        "combinations", "cartesian_prod", "meshgrid", "rot90", "diag_embed_bool"])
def test_integer_dtypes_match_torch(fn):
    x = np.array([1, 2, 3], dtype=np.int64)
    ours, theirs = fn(mt.tensor(x)), fn(torch.tensor(x))
    for o, t in zip(ours if isinstance(ours, tuple) else (ours,), theirs if isinstance(theirs, tuple) else (theirs,)):
        assert o.dtype.name == str(t.dtype).replace("torch.", "")
        np.testing.assert_array_equal(o.numpy(), t.numpy())


@requires_torch
@pytest.mark.parametrize("args", [(3, 3), (4, 3, 1), (3, 5, -2), (0, 3), (3, 0), (5, 2, 7), (2, 5, -9)])
@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
def test_triangle_indices_match_torch(name, args):
    ours, theirs = getattr(mt, name)(*args), getattr(torch, name)(*args)
    assert ours.dtype == mt.int64 and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert getattr(mt, name)(*args, dtype=mt.int32).dtype == mt.int32


def test_repeat_interleave_counts_only():
    out = mt.repeat_interleave(mt.tensor([2, 0, 3]))
    assert out.dtype == mt.int64 and out.tolist() == [0, 0, 2, 2, 2]
    assert mt.repeat_interleave(mt.tensor([1, 2], dtype=mt.int32)).dtype == mt.int32


def test_meshgrid_outputs_are_views_and_warn_without_indexing():
    a, b = mt.arange(2.0), mt.arange(3.0)
    with pytest.warns(UserWarning, match="indexing argument"):
        x, y = mt.meshgrid(a, b)
    assert tuple(x.shape) == (2, 3) and x._base is a
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mt.meshgrid(a, b, indexing="ij")


def test_atleast_returns_the_tensor_itself_when_it_has_the_dims():
    x = mt.zeros(2, 3)
    assert mt.atleast_2d(x) is x and mt.atleast_1d(x) is x
    assert isinstance(mt.atleast_1d([x]), tuple)


ERRORS = [
    (lambda: mt.diag(mt.zeros(2, 2, 2)), RuntimeError, r"diag\(\): Supports 1D or 2D tensors. Got 3D"),
    (lambda: mt.diag(mt.tensor(1.0)), RuntimeError, "Got 0D"),
    (lambda: mt.diag_embed(mt.zeros(2), dim1=0, dim2=0), RuntimeError, "diagonal dimensions cannot be identical"),
    (lambda: mt.diag_embed(mt.zeros(2), dim1=2), IndexError, "Dimension out of range"),
    (lambda: mt.diag_embed(mt.tensor(1.0)), RuntimeError, "at least 1 dimension"),
    (lambda: mt.tril_indices(-1, 3), RuntimeError, "row must be non-negative, got -1"),
    (lambda: mt.triu_indices(3, -2), RuntimeError, "col must be non-negative, got -2"),
    (lambda: mt.tril_indices(3, 3, dtype=mt.float32), RuntimeError, "int32 or int64"),
    (lambda: mt.meshgrid(mt.zeros(2), mt.zeros(2, 2), indexing="ij"), RuntimeError, "0D or 1D tensor.*2D"),
    (lambda: mt.meshgrid(mt.zeros(2), mt.zeros(2, dtype=mt.float64), indexing="ij"), RuntimeError, "same dtype"),
    (lambda: mt.meshgrid(mt.zeros(2), indexing="yx"), RuntimeError, "must be one of \"xy\" or \"ij\""),
    (lambda: mt.meshgrid(indexing="ij"), RuntimeError, "non-empty TensorList"),
    (lambda: mt.cartesian_prod(mt.zeros(2, 2)), RuntimeError, r"Expect a 1D vector, but got shape \[2, 2\]"),
    (lambda: mt.combinations(mt.zeros(2, 2)), RuntimeError, "Expect a 1D vector"),
    (lambda: mt.combinations(mt.zeros(3), r=-1), RuntimeError, "Expect a non-negative number, but got -1"),
    (lambda: mt.block_diag(mt.zeros(2, 2, 2)), RuntimeError, "2 or fewer dimensions. Input 0 has 3"),
    (lambda: mt.block_diag(mt.zeros(2), 3), TypeError, "expected Tensor as element 1"),
    (lambda: mt.rot90(mt.zeros(2, 3), 1, [0]), RuntimeError, "total rotation dims == 2, but got dims = 1"),
    (lambda: mt.rot90(mt.zeros(2), 1, [0, 1]), RuntimeError, "total dims >= 2, but got total dims = 1"),
    (lambda: mt.rot90(mt.zeros(2, 3), 1, [0, -2]), RuntimeError, "dims to be different, but got dim0 = 0"),
    (lambda: mt.vander(mt.zeros(2, 2)), RuntimeError, "x must be a one-dimensional tensor."),
    (lambda: mt.vander(mt.zeros(2), N=-1), RuntimeError, "N must be non-negative."),
    (lambda: mt.repeat_interleave(mt.zeros(2), mt.tensor([1, -2])), RuntimeError, "can not be negative"),
    (lambda: mt.repeat_interleave(mt.zeros(2), -1), RuntimeError, "can not be negative"),
    (lambda: mt.repeat_interleave(mt.zeros(2, 2), mt.tensor([1, 2, 3]), dim=0), RuntimeError,
     r"repeats.size\(0\) = 3 and input.size\(0\) = 2"),
    (lambda: mt.repeat_interleave(mt.zeros(2), mt.tensor([[1, 2]])), RuntimeError, "0-dim or 1-dim"),
    (lambda: mt.repeat_interleave(mt.zeros(2), mt.tensor([1.0, 2.0])), RuntimeError, "integer tensor"),
    (lambda: mt.repeat_interleave(mt.zeros(2), 2, output_size=3), RuntimeError,
     r"allocated size \(3\) does not match required size \(4\)"),
    (lambda: mt.repeat_interleave(mt.zeros(2, 2), 2, dim=2), IndexError, "Dimension out of range"),
    (lambda: mt.take_along_dim(mt.zeros(2, 3), mt.zeros(2, dtype=mt.int64), 1), RuntimeError,
     "same number of dimensions, but got 2 dimensions for input, and 1 dimensions for indices"),
    (lambda: mt.take_along_dim(mt.zeros(2, 3), mt.zeros(2, 1, dtype=mt.int32), 1), RuntimeError,
     "dtype of indices should be Long but got Int"),
    (lambda: mt.take_along_dim(mt.zeros(2, 3), mt.zeros(3, 1, dtype=mt.int64), 1), RuntimeError,
     r"take_along_dim.*\[2, 1\].*\[3, 1\]"),
    (lambda: mt.take_along_dim(mt.zeros(2, 3), mt.full((1, 1), 7), 1), RuntimeError, "index 7 is out of bounds"),
    (lambda: mt.atleast_2d([mt.zeros(2), 1.0]), TypeError, "atleast_2d"),
    (lambda: mt.zeros(2, 3).take(mt.tensor([1], dtype=mt.int32)), RuntimeError,
     "take\\(\\): Expected a long tensor for index, but got Int"),
    (lambda: mt.take(mt.zeros(2, 3), mt.tensor([6])), IndexError, "tried to access index 6 on a tensor of 6"),
]


@pytest.mark.parametrize("fn, error, match", ERRORS)
def test_construction_errors(fn, error, match):
    with pytest.raises(error, match=match):
        fn()

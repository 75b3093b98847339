"""Shape ops: finite-difference gradients (first and second order), the PyTorch oracle, views, errors."""
import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, rand, requires_torch, seeds, torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt


def lib(x):
    """The library a tensor belongs to, so one lambda runs on both microtensor and torch."""
    return torch if torch is not None and isinstance(x, torch.Tensor) else mt


def dim_of(draw, ndim, extra=0):
    """A valid dim (negative ones too) of a tensor with ``ndim`` dims (+ ``extra`` for new dims)."""
    n = ndim + extra
    return draw(st.integers(-n, n - 1)) if n else draw(st.integers(-1, 0))


# name -> (min_dims, make(draw, shape) -> (fn, input shapes)); one input of `shape` unless make says otherwise
def _reshape(draw, s):
    target = tuple(reversed(s)) if draw(st.booleans()) else (-1,) + (1,) * draw(st.integers(0, 2))
    return (lambda t: t.reshape(target)), [s]


def _flatten(draw, s):
    a, b = sorted((dim_of(draw, len(s)) % max(len(s), 1), dim_of(draw, len(s)) % max(len(s), 1)))
    return (lambda t: t.flatten(a, b)), [s]


def _unflatten(draw, s):
    d = dim_of(draw, len(s))
    sizes = draw(st.sampled_from([(1, s[d]), (s[d], 1), (-1, 1), (1, -1, 1)]))
    return (lambda t: mt.unflatten(t, d, sizes)), [s]


def _squeeze(draw, s):
    if draw(st.booleans()) or not s:
        return (lambda t: t.squeeze()), [s]
    dims = tuple(draw(st.lists(st.integers(0, len(s) - 1), min_size=1, unique=True)))
    return (lambda t: mt.squeeze(t, dims if len(dims) > 1 else dims[0])), [s]


def _unsqueeze(draw, s):
    d = dim_of(draw, len(s), extra=1)
    return (lambda t: t.unsqueeze(d)), [s]


def _permute(draw, s):
    order = draw(st.permutations(range(len(s))))
    return (lambda t: t.permute(*order)), [s]


def _transpose(draw, s):
    a, b = dim_of(draw, len(s)), dim_of(draw, len(s))
    return (lambda t: t.transpose(a, b)), [s]


def _movedim(draw, s):
    src = draw(st.lists(st.integers(0, len(s) - 1), min_size=1, max_size=len(s), unique=True))
    dst = draw(st.permutations(range(len(s))))[:len(src)]
    return (lambda t: mt.movedim(t, tuple(src), tuple(dst))), [s]


def _broadcast_target(draw, s):
    """A shape ``s`` broadcasts to: size-1 dims stretched (or kept) and up to two leading dims added."""
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    return lead + tuple(draw(st.integers(1, 3)) if n == 1 else n for n in s)


def _expand(draw, s):
    target = _broadcast_target(draw, s)
    lead = len(target) - len(s)
    # -1 keeps a dimension's size (allowed only in the existing dims)
    sizes = tuple(-1 if i >= lead and n == s[i - lead] and draw(st.booleans()) else n for i, n in enumerate(target))
    return (lambda t: t.expand(*sizes)), [s]


def _expand_as(draw, s):
    target = _broadcast_target(draw, s)
    # other is differentiable too: it gets no gradient through expand_as, only through the product
    return (lambda t, other: t.expand_as(other) * other), [s, target]


def _broadcast_to(draw, s):
    target = _broadcast_target(draw, s)
    if draw(st.booleans()):
        return (lambda t: mt.broadcast_to(t, target)), [s]
    return (lambda t: t.broadcast_to(list(target))), [s]


def _repeat(draw, s):
    sizes = tuple(draw(st.lists(st.integers(1, 2), min_size=len(s), max_size=len(s) + 1)))
    return (lambda t: t.repeat(*sizes)), [s]


def _tile(draw, s):
    dims = tuple(draw(st.lists(st.integers(1, 2), min_size=1, max_size=len(s) + 1)))
    return (lambda t: t.tile(dims)), [s]


def _flip(draw, s):
    dims = draw(st.lists(st.integers(0, max(len(s) - 1, 0)), max_size=len(s), unique=True))
    return (lambda t: t.flip(dims)), [s]


def _roll(draw, s):
    shifts = draw(st.integers(-4, 4))
    if draw(st.booleans()) or not s:
        return (lambda t: t.roll(shifts)), [s]
    dims = tuple(draw(st.lists(st.integers(0, len(s) - 1), min_size=1, unique=True)))
    more = tuple(shifts + k for k in range(len(dims)))
    return (lambda t: mt.roll(t, more, dims)), [s]


def _cat(draw, s):
    d = dim_of(draw, len(s))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    shapes = [s[:d % len(s)] + (n,) + s[d % len(s) + 1:] for n in sizes]
    return (lambda *ts: mt.cat(ts, d)), shapes


def _stack(draw, s):
    d = dim_of(draw, len(s), extra=1)
    count = draw(st.integers(1, 3))
    return (lambda *ts: mt.stack(ts, dim=d)), [s] * count


def _split(draw, s):
    d = dim_of(draw, len(s))
    n = s[d]
    if draw(st.booleans()):
        size = draw(st.integers(1, n + 1))
        return (lambda t: t.split(size, d)), [s]
    cut = draw(st.integers(0, n))
    return (lambda t: mt.split(t, [cut, n - cut], dim=d)), [s]


def _chunk(draw, s):
    d, k = dim_of(draw, len(s)), draw(st.integers(1, 4))
    return (lambda t: t.chunk(k, d)), [s]


def _unbind(draw, s):
    d = dim_of(draw, len(s))
    return (lambda t: t.unbind(d)), [s]


def _unbind_some(draw, s):
    """Only some outputs used, one of them twice: gradients of the others arrive as zeros, the rest accumulate."""
    d = dim_of(draw, len(s))
    return (lambda t: (lambda u: u[0] * u[-1] + u[0])(mt.unbind(t, d))), [s]


def _split_some(draw, s):
    d = dim_of(draw, len(s))
    return (lambda t: (lambda p: p[-1] * 2 + p[-1].sum())(t.split(1, d))), [s]


def _narrow(draw, s):
    d = dim_of(draw, len(s))
    start = draw(st.integers(0, s[d] - 1))
    length = draw(st.integers(0, s[d] - start))
    return (lambda t: t.narrow(d, start, length)), [s]


def _tensor_split(draw, s):
    d = dim_of(draw, len(s))
    how = draw(st.one_of(st.integers(1, 4), st.lists(st.integers(-4, 5), max_size=3)))
    return (lambda t: (lambda p: p[0] * 2 + p[-1].sum())(t.tensor_split(how, d))), [s]


def _unfold(draw, s):
    d = dim_of(draw, len(s))
    size = draw(st.integers(0, s[d]))
    step = draw(st.integers(1, 3))
    return (lambda t: t.unfold(d, size, step) * 1.5), [s]


SHAPE_OPS = {
    "reshape": (0, _reshape), "view": (0, lambda draw, s: ((lambda t: t.view(-1)), [s])),
    "flatten": (0, _flatten), "unflatten": (1, _unflatten), "squeeze": (0, _squeeze), "unsqueeze": (0, _unsqueeze),
    "permute": (0, _permute), "transpose": (0, _transpose), "swapaxes": (2, lambda draw, s: (
        (lambda t: t.swapaxes(0, -1)), [s])), "t": (0, lambda draw, s: ((lambda t: t.t()), [s[:2]])),
    "T": (0, lambda draw, s: ((lambda t: t.T), [s])), "mT": (2, lambda draw, s: ((lambda t: t.mT), [s])),
    "movedim": (1, _movedim), "expand": (0, _expand), "expand_as": (0, _expand_as),
    "broadcast_to": (0, _broadcast_to), "repeat": (0, _repeat), "tile": (0, _tile),
    "flip": (0, _flip), "roll": (0, _roll), "cat": (1, _cat), "stack": (0, _stack), "split": (1, _split),
    "chunk": (1, _chunk), "unbind": (1, _unbind), "unbind_some": (1, _unbind_some), "split_some": (1, _split_some),
    "narrow": (1, _narrow), "tensor_split": (1, _tensor_split), "unfold": (1, _unfold),
    "hstack": (0, lambda draw, s: ((lambda a, b: mt.hstack([a, b])), [s, s])),
    "vstack": (0, lambda draw, s: ((lambda a, b: mt.vstack((a, b))), [s[-2:], s[-2:]])),
}


@pytest.mark.parametrize("name", SHAPE_OPS)
@given(data=st.data(), seed=seeds)
@settings(max_examples=12, deadline=None, derandomize=True)
def test_shape_gradcheck(name, data, seed):
    min_dims, make = SHAPE_OPS[name]
    shape = data.draw(array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=3))
    fn, shapes = make(data.draw, shape)
    check_gradients(fn, *rand(seed, *shapes))


def test_multi_output_gradients_accumulate():
    x = mt.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    a, b, c = x.unbind(1)
    (a * 2 + a * c + mt.split(x, [1, 2], 1)[1].sum()).sum().backward()
    # the split's sum is added to both rows, so its elements get 2
    np.testing.assert_allclose(x.grad.numpy(), [[2 + 2, 2, 0 + 2], [2 + 5, 2, 3 + 2]])
    p, q = x.chunk(2)
    assert p.grad_fn is q.grad_fn and p.grad_fn.name() == "SplitWithSizesBackward0"


# ----------------------------------------------------------------------------- the PyTorch oracle
def m(x):
    return lib(x)


A = (2, 3, 4)
TORCH_CASES = {
    "reshape": (lambda x: x.reshape(4, -1), [A]),
    "reshape_tuple": (lambda x: m(x).reshape(x, (3, 8)), [A]),
    "view": (lambda x: x.view(-1, 2, 2), [A]),
    "reshape_as": (lambda x: x.reshape_as(m(x).ones(6, 4)), [A]),
    "view_as": (lambda x: x.view_as(m(x).ones(2, 12)), [A]),
    "flatten": (lambda x: x.flatten(), [A]),
    "flatten_range": (lambda x: m(x).flatten(x, 1), [A]),
    "flatten_neg": (lambda x: x.flatten(0, -2), [A]),
    "flatten_0d": (lambda x: x.sum().flatten(), [A]),
    "unflatten": (lambda x: x.unflatten(2, (2, -1)), [A]),
    "unflatten_fn": (lambda x: m(x).unflatten(x, -1, (1, 4, 1)), [A]),
    "squeeze": (lambda x: x.squeeze(), [(2, 1, 3, 1)]),
    "squeeze_dim": (lambda x: x.squeeze(1), [(2, 1, 3, 1)]),
    "squeeze_dim_non1": (lambda x: x.squeeze(0), [(2, 1, 3, 1)]),
    "squeeze_tuple": (lambda x: m(x).squeeze(x, (1, 3)), [(2, 1, 3, 1)]),
    "unsqueeze": (lambda x: x.unsqueeze(0), [A]),
    "unsqueeze_end": (lambda x: m(x).unsqueeze(x, -1), [A]),
    "unsqueeze_mid": (lambda x: x.unsqueeze(2), [A]),
    "permute": (lambda x: x.permute(2, 0, 1), [A]),
    "permute_tuple": (lambda x: m(x).permute(x, (1, -1, 0)), [A]),
    "transpose": (lambda x: x.transpose(0, 2), [A]),
    "transpose_fn": (lambda x: m(x).transpose(x, -1, 1), [A]),
    "swapaxes": (lambda x: x.swapaxes(0, 1), [A]),
    "swapdims": (lambda x: m(x).swapdims(x, 2, 1), [A]),
    "t": (lambda x: x.t(), [(3, 4)]),
    "t_1d": (lambda x: m(x).t(x), [(4,)]),
    "T": (lambda x: x.T, [(3, 4)]),
    "mT": (lambda x: x.mT, [A]),
    "movedim": (lambda x: x.movedim(0, -1), [A]),
    "movedim_tuple": (lambda x: m(x).movedim(x, (0, 1), (2, 0)), [A]),
    "moveaxis": (lambda x: m(x).moveaxis(x, 2, 0), [A]),
    "expand": (lambda x: x.expand(2, 3, 4), [(3, 1)]),
    "expand_minus1": (lambda x: x.expand(5, -1, 4), [(3, 1)]),
    "expand_as": (lambda x: x.expand_as(x.sum(1, keepdim=True).expand(3, 4)), [(3, 1)]),
    "broadcast_to": (lambda x: m(x).broadcast_to(x, (2, 3, 2)), [(1, 2)]),
    "repeat": (lambda x: x.repeat(2, 3), [(2, 3)]),
    "repeat_lead": (lambda x: x.repeat(2, 1, 2), [(2, 3)]),
    "repeat_0d": (lambda x: x.sum().repeat(3), [(2, 3)]),
    "tile": (lambda x: x.tile((2,)), [(2, 3)]),
    "tile_fn": (lambda x: m(x).tile(x, (2, 1, 3)), [(2, 3)]),
    "tile_varargs": (lambda x: x.tile(2, 1, 3), [(2, 3)]),
    "flip": (lambda x: x.flip(0), [A]),
    "flip_tuple": (lambda x: m(x).flip(x, (0, 2)), [A]),
    "flip_many": (lambda x: x.flip(-1, 1), [A]),
    "fliplr": (lambda x: m(x).fliplr(x), [A]),
    "flipud": (lambda x: x.flipud(), [A]),
    "roll": (lambda x: x.roll(2), [A]),
    "roll_dim": (lambda x: m(x).roll(x, -1, 1), [A]),
    "roll_dims": (lambda x: x.roll((1, 5), (0, 2)), [A]),
    "cat": (lambda a, b: m(a).cat([a, b]), [(2, 3), (4, 3)]),
    "cat_dim": (lambda a, b, c: m(a).cat((a, b, c), dim=1), [(2, 1), (2, 3), (2, 2)]),
    "cat_neg": (lambda a, b: m(a).cat([a, b], -1), [A, (2, 3, 1)]),
    "concat": (lambda a, b: m(a).concat([a, b], 0), [(2, 3), (1, 3)]),
    "concatenate": (lambda a, b: m(a).concatenate([a, b], 1), [(2, 3), (2, 1)]),
    "cat_one": (lambda a: m(a).cat([a], 1), [A]),
    "stack": (lambda a, b: m(a).stack([a, b]), [(2, 3), (2, 3)]),
    "stack_dim": (lambda a, b, c: m(a).stack((a, b, c), dim=-1), [(2, 3), (2, 3), (2, 3)]),
    "stack_0d": (lambda a, b: m(a).stack([a.sum(), b.sum()]), [(2,), (3,)]),
    "hstack": (lambda a, b: m(a).hstack([a, b]), [(2, 3), (2, 1)]),
    "hstack_1d": (lambda a, b: m(a).hstack([a, b]), [(2,), (3,)]),
    "vstack": (lambda a, b: m(a).vstack([a, b]), [(3,), (2, 3)]),
    "dstack": (lambda a, b: m(a).dstack([a, b]), [(2, 3), (2, 3, 2)]),
    "split": (lambda x: x.split(2), [(5, 3)]),
    "split_dim": (lambda x: m(x).split(x, 2, dim=2), [A]),
    "split_sections": (lambda x: x.split([1, 3], -1), [A]),
    "split_big": (lambda x: x.split(10, 1), [A]),
    "chunk": (lambda x: x.chunk(3, 2), [A]),
    "chunk_uneven": (lambda x: m(x).chunk(x, 3), [(5, 2)]),
    "chunk_more": (lambda x: x.chunk(6, 1), [A]),
    "unbind": (lambda x: x.unbind(), [A]),
    "unbind_dim": (lambda x: m(x).unbind(x, -1), [A]),
    "unbind_1d": (lambda x: x.unbind(0), [(3,)]),
    "iter": (lambda x: tuple(x), [(3, 2)]),
    "narrow": (lambda x: x.narrow(2, 1, 2), [A]),
    "narrow_neg": (lambda x: m(x).narrow(x, -1, -3, 3), [A]),
    "narrow_empty": (lambda x: x.narrow(1, 3, 0), [A]),
    "tensor_split_sections": (lambda x: x.tensor_split(3, dim=2), [A]),
    "tensor_split_indices": (lambda x: m(x).tensor_split(x, [1, -1, 9, 0], 2), [A]),
    "tensor_split_keyword": (lambda x: m(x).tensor_split(x, indices=[1], dim=1), [A]),
    "tensor_split_tensor": (lambda x: x.tensor_split(m(x).tensor([1, 3]), dim=-1), [A]),
    "tensor_split_0d_tensor": (lambda x: x.tensor_split(m(x).tensor(2)), [(5, 2)]),
    "unfold": (lambda x: x.unfold(2, 2, 1), [A]),
    "unfold_step": (lambda x: x.unfold(-1, 2, 3), [(2, 7)]),
    "unfold_whole": (lambda x: x.unfold(0, 2, 2), [A]),
    "unfold_empty_window": (lambda x: x.unfold(1, 0, 1), [A]),
    "unfold_0d": (lambda x: x.sum().unfold(0, 1, 1), [A]),
}


@requires_torch
@pytest.mark.parametrize("name", TORCH_CASES)
def test_shape_matches_torch(name):
    fn, shapes = TORCH_CASES[name]
    compare_with_torch(fn, *rand(0, *shapes), rtol=1e-12, atol=0)


@requires_torch
@pytest.mark.parametrize("fn", [
    lambda a, b: m(a).cat([a, b]), lambda a, b: m(a).stack([a, b], 1), lambda a, b: m(a).cat([a.float(), b], 1),
    lambda a, b: m(a).cat([b, a.double()]), lambda a, b: m(a).hstack([a.bool(), b]), lambda a, b: a.split(1),
    lambda a, b: a.flip(1), lambda a, b: a.bool().roll(1), lambda a, b: a.repeat(2, 1), lambda a, b: a.T,
], ids=["cat_int", "stack_int", "cat_float32_int", "cat_int_float64", "hstack_bool_int", "split", "flip_int",
        "roll_bool", "repeat", "T"])
def test_dtypes_and_promotion_match_torch(fn):
    a = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int32)
    b = np.array([[7, 8, 9], [0, 1, 2]], dtype=np.int64)
    compare_with_torch(fn, a, b)


@requires_torch
def test_cat_skips_empty_1d_tensors_as_torch():
    compare_with_torch(lambda a, b: lib(a).cat([a, b, a]), np.zeros(0), np.ones((2, 2)))


VIEWS = {
    "reshape": lambda x: x.reshape(6, 4), "view": lambda x: x.view(-1), "flatten": lambda x: x.flatten(1),
    "unflatten": lambda x: x.unflatten(0, (1, 2)), "squeeze": lambda x: x.unsqueeze(0).squeeze(),
    "permute": lambda x: x.permute(2, 1, 0), "transpose": lambda x: x.transpose(0, 1), "T": lambda x: x.T,
    "mT": lambda x: x.mT, "movedim": lambda x: x.movedim(0, 2),
    "expand": lambda x: x.unsqueeze(0).expand(3, -1, -1, -1),
    "split": lambda x: x.split(1, 2)[1], "chunk": lambda x: x.chunk(2, 1)[0],
    "unbind": lambda x: x.unbind(2)[3], "narrow": lambda x: x.narrow(1, 1, 2), "select": lambda x: x[1],
    "slice": lambda x: x[:, ::2], "view_as": lambda x: x.view_as(mt.ones(4, 6)), "detach": lambda x: x.detach(),
    "swapaxes": lambda x: x.swapaxes(0, 2), "broadcast_to": lambda x: mt.broadcast_to(x, (3, 2, 3, 4)),
    "expand_as": lambda x: x.expand_as(mt.ones(3, 2, 3, 4)), "select method": lambda x: x.select(2, 1),
    "diagonal": lambda x: x.diagonal(0, 1, 2), "einsum permutation": lambda x: mt.einsum("ijk->kji", x),
    "None": lambda x: x[None], "ellipsis": lambda x: x[..., 1], "unfold": lambda x: x.unfold(2, 2, 2),
    "tensor_split": lambda x: x.tensor_split([1], 2)[1],
}
COPIES = {   # PyTorch documents these as returning new memory
    "flip": lambda x: x.flip(1), "fliplr": lambda x: x.fliplr(), "flipud": lambda x: x.flipud(),
    "roll": lambda x: x.roll(1, 0), "reshape of a transpose": lambda x: x.transpose(0, 2).reshape(-1),
    "contiguous of a transpose": lambda x: x.transpose(0, 1).contiguous(), "advanced index": lambda x: x[[0, 1]],
    "mask": lambda x: x[x > 0], "clone": lambda x: x.clone(), "repeat": lambda x: x.repeat(1, 1, 1),
    "tile": lambda x: x.tile((1, 1)), "index_select": lambda x: x.index_select(0, mt.tensor([0, 1])),
    "gather": lambda x: x.gather(0, mt.zeros(2, 3, 4, dtype=mt.int64)), "arithmetic": lambda x: x + 0,
}


@pytest.mark.parametrize("name", VIEWS)
def test_views_share_memory_and_version_counter(name):
    x = mt.randn(2, 3, 4)
    out = VIEWS[name](x)
    assert np.shares_memory(out.numpy(), x.numpy())
    before = x._version
    out.add_(1) if name not in ("expand", "broadcast_to", "expand_as") else x.add_(1)
    assert x._version == out._version == before + 1
    assert out._base is (None if name == "detach" else x)


@pytest.mark.parametrize("name", COPIES)
def test_copies_never_alias(name):
    x = mt.randn(2, 3, 4)
    out = COPIES[name](x)
    assert not np.shares_memory(out.numpy(), x.numpy())
    out.add_(1)
    assert x._version == 0 and out._base is None


# ----------------------------------------------------------------------------- errors
ERRORS = [
    (lambda: mt.ones(2, 3).squeeze(3), IndexError,
     r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 3\)"),
    (lambda: mt.ones(2, 3).unsqueeze(3), IndexError, r"expected to be in range of \[-3, 2\], but got 3"),
    (lambda: mt.ones(2, 3).transpose(0, 2), IndexError, "Dimension out of range"),
    (lambda: mt.ones(2, 3).flip(-3), IndexError, "Dimension out of range"),
    (lambda: mt.ones(2, 3).unbind(2), IndexError, "Dimension out of range"),
    (lambda: mt.cat([mt.ones(2, 3)], 2), IndexError, "Dimension out of range"),
    (lambda: mt.stack([mt.ones(2, 3)], 3), IndexError, r"\[-3, 2\], but got 3"),
    (lambda: mt.ones(12).reshape(3, 5), RuntimeError, r"shape '\[3, 5\]' is invalid for input of size 12"),
    (lambda: mt.ones(3, 4).view(5, -1), RuntimeError, r"shape '\[5, -1\]' is invalid for input of size 12"),
    (lambda: mt.ones(12).reshape(-1, -1), RuntimeError, "only one dimension can be inferred"),
    (lambda: mt.ones(2, 3).flatten(1, 0), RuntimeError, "start_dim cannot come after end_dim"),
    (lambda: mt.ones(2, 3).unflatten(1, (2, 2)), RuntimeError,
     r"Provided sizes \[2, 2\] don't multiply up to the size of dim 1 \(3\)"),
    (lambda: mt.ones(2, 3).permute(0), RuntimeError, "input.dim\\(\\) = 2 is not equal to len\\(dims\\) = 1"),
    (lambda: mt.ones(2, 3).permute(1, -1), RuntimeError, "duplicate dims are not allowed"),
    (lambda: mt.ones(2, 3, 4).t(), RuntimeError, "t\\(\\) expects a tensor with <= 2 dimensions, but self is 3D"),
    (lambda: mt.ones(3).mT, RuntimeError, "only supported on matrices or batches of matrices. Got 1-D tensor"),
    (lambda: mt.ones(2, 3).expand(4, 3, 2), RuntimeError,
     "size of the tensor \\(2\\) must match the existing size \\(3\\) at non-singleton dimension 2"),
    (lambda: mt.ones(2, 3).expand(3), RuntimeError, "number of sizes provided \\(1\\) must be greater or equal"),
    (lambda: mt.ones(2, 3).expand(-1, 2, 3), RuntimeError, "isn't allowed in a leading, non-existing dimension 0"),
    (lambda: mt.ones(2, 3).repeat(2), RuntimeError, "Number of dimensions of repeat dims can not be smaller"),
    (lambda: mt.ones(2, 3).roll((1, 2), 0), RuntimeError, "shifts and dimensions must align. shifts: 2, dims:1"),
    (lambda: mt.cat([mt.ones(2, 3), mt.ones(3, 3)], 1), RuntimeError,
     r"Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for tensor number 1 "
     r"in the list \(cat of shapes \[2, 3\], \[3, 3\] along dim 1\)"),
    (lambda: mt.cat([mt.ones(2, 3), mt.ones(3)]), RuntimeError,
     "Tensors must have same number of dimensions: got 2 and 1"),
    (lambda: mt.cat([]), ValueError, "expected a non-empty list of Tensors"),
    (lambda: mt.cat([mt.ones(()), mt.ones(())]), RuntimeError,
     r"zero-dimensional tensor \(at position 0\) cannot be concatenated"),
    (lambda: mt.cat([mt.ones(2), [1.0]]), TypeError, "expected Tensor as element 1"),
    (lambda: mt.stack([mt.ones(2, 3), mt.ones(3, 3)]), RuntimeError,
     r"stack expects each tensor to be equal size, but got \[2, 3\] at entry 0 and \[3, 3\] at entry 1"),
    (lambda: mt.stack([]), RuntimeError, "stack expects a non-empty TensorList"),
    (lambda: mt.ones(12).split([5, 5]), RuntimeError,
     r"split_with_sizes expects split_sizes to sum exactly to 12 \(input tensor's size at dimension 0\), "
     r"but got split_sizes=\[5, 5\]"),
    (lambda: mt.ones(2, 3).split(-1), RuntimeError, "split expects split_size be non-negative"),
    (lambda: mt.ones(2, 3).split(0), RuntimeError, "split_size can only be 0 if dimension size is 0"),
    (lambda: mt.ones(2, 3).chunk(0), RuntimeError, "chunk expects `chunks` to be greater than 0, got: 0"),
    (lambda: mt.ones(2, 3).narrow(1, 2, 3), RuntimeError, r"start \(2\) \+ length \(3\) exceeds dimension size \(3\)"),
    (lambda: mt.ones(2, 3).narrow(1, 5, 0), IndexError, r"start out of range \(expected to be in range of \[-3, 3\]"),
    (lambda: iter(mt.ones(())), TypeError, "iteration over a 0-d tensor"),
    (lambda: mt.ones(3).tensor_split(0), RuntimeError, "number of sections must be larger than 0, got 0"),
    (lambda: mt.ones(()).tensor_split(2), RuntimeError, "expected at least a 1-dimensional tensor"),
    (lambda: mt.ones(3).tensor_split(mt.ones(2)), RuntimeError, "zero-dimensional or one-dimensional integer"),
    (lambda: mt.ones(3).unfold(0, 4, 1), RuntimeError, "maximum size for tensor at dimension 0 is 3 but size is 4"),
    (lambda: mt.ones(3).unfold(0, 2, 0), RuntimeError, "step is 0 but must be > 0"),
    (lambda: mt.ones(3).unfold(1, 2, 1), IndexError, "Dimension out of range"),
]


@pytest.mark.parametrize("fn, error, match", ERRORS, ids=range(len(ERRORS)))
def test_shape_errors(fn, error, match):
    with pytest.raises(error, match=match):
        fn()

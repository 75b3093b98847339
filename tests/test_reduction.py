"""Reductions: finite-difference gradients (first and second order), the PyTorch oracle, errors."""
import math

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


def all_dims(x, d):
    return tuple(range(x.ndim)) if d is None else d


# name -> (fn(x, dim, keepdim), which dims it takes: "any" = None/int/tuple, "int" = one int)
REDUCTIONS = {
    "sum": (lambda x, d, k: x.sum(all_dims(x, d), keepdim=k), "any"),
    "mean": (lambda x, d, k: x.mean(all_dims(x, d), keepdim=k), "any"),
    "prod": (lambda x, d, k: mt.prod(x, d, keepdim=k), "any"),
    "var": (lambda x, d, k: x.var(d, keepdim=k, correction=0), "any"),
    "std": (lambda x, d, k: x.std(d, keepdim=k, correction=0), "any"),
    "amax": (lambda x, d, k: x.amax(all_dims(x, d), keepdim=k), "any"),
    "amin": (lambda x, d, k: mt.amin(x, all_dims(x, d), keepdim=k), "any"),
    "max": (lambda x, d, k: x.max(), "any"),
    "min": (lambda x, d, k: mt.min(x), "any"),
    "max_dim": (lambda x, d, k: x.max(d, keepdim=k).values, "int"),
    "min_dim": (lambda x, d, k: mt.min(x, d, k)[0], "int"),
    "logsumexp": (lambda x, d, k: x.logsumexp(all_dims(x, d), keepdim=k), "any"),
    "norm_fro": (lambda x, d, k: x.norm(dim=d, keepdim=k), "any"),
    "norm_1": (lambda x, d, k: x.norm(1, d, k), "any"),
    "norm_3": (lambda x, d, k: x.norm(3, d, k), "any"),
    "norm_1.5": (lambda x, d, k: x.norm(1.5, d, k), "any"),
    "norm_0.5": (lambda x, d, k: x.norm(0.5, d, k), "any"),
    "norm_inf": (lambda x, d, k: mt.norm(x, math.inf, d, k), "any"),
    "norm_-inf": (lambda x, d, k: mt.norm(x, -math.inf, d, k), "any"),
    "cumsum": (lambda x, d, k: x.cumsum(d), "int"),
    "cumprod": (lambda x, d, k: mt.cumprod(x, d), "int"),
}


@st.composite
def shape_and_dim(draw, kind):
    """A small shape (0-d and size-1 dims included) and a valid dim of the given kind (negative ones too)."""
    shape = draw(array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    ndim = len(shape)
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if kind == "int":
        return shape, draw(st.integers(lo, hi))
    choice = draw(st.sampled_from(["none", "int", "tuple"]))
    if choice == "none":
        return shape, None
    if choice == "int":
        return shape, draw(st.integers(lo, hi))
    axes = draw(st.lists(st.integers(0, max(ndim - 1, 0)), min_size=1, max_size=max(ndim, 1), unique=True))
    return shape, tuple(a - ndim if draw(st.booleans()) and ndim else a for a in axes)


@pytest.mark.parametrize("name", REDUCTIONS)
@given(data=st.data(), keepdim=st.booleans(), seed=seeds)
@settings(max_examples=12)
def test_reduction_gradcheck(name, data, keepdim, seed):
    fn, kind = REDUCTIONS[name]
    shape, dim = data.draw(shape_and_dim(kind))
    x, = rand(seed, shape)
    check_gradients(lambda t: fn(t, dim, keepdim), x)


@given(shape=array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=3), seed=seeds, keepdim=st.booleans())
@settings(max_examples=10)
def test_var_std_unbiased_gradcheck(shape, seed, keepdim):
    x, = rand(seed, shape)
    check_gradients(lambda t: t.var(-1, keepdim=keepdim), x)
    check_gradients(lambda t: mt.std(t, (0, -1), unbiased=True, keepdim=keepdim), x)


def with_zeros(zeros_per_row):
    """A 3-row matrix whose rows hold the given numbers of zeros among nonzero values."""
    rng = np.random.default_rng(5)
    x = rng.uniform(0.5, 1.5, (len(zeros_per_row), 4)) * rng.choice([-1, 1], (len(zeros_per_row), 4))
    for row, count in enumerate(zeros_per_row):
        x[row, rng.permutation(4)[:count]] = 0.0
    return x


@pytest.mark.parametrize("zeros", [(0, 1, 2), (3, 1, 4)])
def test_prod_gradients_with_zeros(zeros):
    x = with_zeros(zeros)
    check_gradients(lambda t: t.prod(1), x)
    check_gradients(lambda t: t.prod(), x)
    check_gradients(lambda t: t.prod(0, keepdim=True), x.T.copy())


@pytest.mark.parametrize("zeros", [(0, 1, 2), (3, 1, 4)])
def test_cumprod_gradients_with_zeros(zeros):
    # first order only: the second derivative is exact where x has no zeros (the gradcheck above)
    x = with_zeros(zeros)
    check_gradients(lambda t: t.cumprod(1), x, second_order=False)
    check_gradients(lambda t: t.cumprod(0), x.T.copy(), second_order=False)


def test_norm_gradient_is_zero_at_zero():
    x = mt.zeros(3, dtype=mt.float64, requires_grad=True)
    x.norm().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    rows = mt.tensor([[0.0, 0.0], [3.0, 4.0]], dtype=mt.float64, requires_grad=True)
    rows.norm(dim=1).sum().backward()
    np.testing.assert_allclose(rows.grad.numpy(), [[0, 0], [0.6, 0.8]])


def test_std_gradient_is_zero_where_std_is_zero():
    x = mt.tensor([[1.0, 1.0], [0.0, 2.0]], dtype=mt.float64, requires_grad=True)
    x.std(1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0], [-0.5 ** 0.5, 0.5 ** 0.5]])


def test_whole_max_and_amax_split_ties_evenly():
    x = mt.tensor([[1.0, 3.0, 3.0], [3.0, 0.0, 2.0]], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 1 / 3, 1 / 3], [1 / 3, 0, 0]], rtol=1e-6)
    x.grad = None
    x.amin(dim=0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1, 0, 0], [0, 1, 1]])


@pytest.mark.parametrize("op", ["max", "min"])
def test_whole_max_and_min_of_nans_split_the_gradient_among_the_nans(op):
    """A NaN maximum (minimum) of the whole tensor is every NaN's: PyTorch splits the gradient among them,
    where amax and amin give NaN gradients."""
    values = [[np.nan, 1.0, np.nan], [2.0, 3.0, 3.0]]
    x = mt.tensor(values, requires_grad=True)
    getattr(x, op)().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.5, 0, 0.5], [0, 0, 0]])
    if torch is not None:
        xt = torch.tensor(values, requires_grad=True)
        getattr(xt, op)().backward()
        np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


def test_max_dim_sends_gradient_to_the_returned_index():
    x = mt.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    values, indices = mt.max(x, 1)
    assert indices.tolist() == [1, 0] and indices.dtype == mt.int64 and not indices.requires_grad
    values.sum().backward()
    assert x.grad.tolist() == [[0, 1, 0], [1, 0, 0]]
    result = x.min(dim=0, keepdim=True)
    assert result.values.shape == (1, 3) and result.indices.tolist() == [[0, 1, 1]]
    assert repr(result).startswith("microtensor.return_types.min(\nvalues=tensor(")


def test_logsumexp_is_stable_at_large_magnitudes():
    x = mt.tensor([[1e4, 1e4 - 1.0, -1e4], [-1e4, -1e4, -1e4]], dtype=mt.float32, requires_grad=True)
    out = mt.logsumexp(x, 1)
    expected = np.array([1e4 + np.log1p(np.exp(-1.0)), -1e4 + np.log(3.0)])
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-6)
    out.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy().sum(1), [1, 1], rtol=1e-3)  # float32 rounding of out, as torch
    assert mt.logsumexp(mt.full((2,), -math.inf), 0).item() == -math.inf


def test_second_derivative_of_prod_and_cumprod():
    x = mt.tensor([2.0, 3.0, 5.0], dtype=mt.float64, requires_grad=True)
    g, = mt.autograd.grad(x.prod(), x, create_graph=True)
    h = [mt.autograd.grad(g[i], x, retain_graph=True)[0].tolist() for i in range(3)]
    assert h == [[0, 5, 3], [5, 0, 2], [3, 2, 0]]
    g, = mt.autograd.grad(x.cumprod(0).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [1 + 3 + 15, 2 + 10, 6])
    np.testing.assert_allclose(mt.autograd.grad(g[0], x)[0].numpy(), [0, 1 + 5, 3])


# ----------------------------------------------------------------------------- the PyTorch oracle
def m(x):
    return lib(x)


X = (3, 4, 5)
TORCH_CASES = {
    "sum": (lambda x: x.sum(), X),
    "sum_dim": (lambda x: m(x).sum(x, 1), X),
    "sum_tuple_keepdim": (lambda x: x.sum((0, -1), keepdim=True), X),
    "sum_empty_dims": (lambda x: x.sum(dim=[]), X),
    "sum_dtype": (lambda x: x.float().sum(1, dtype=m(x).float64), X),
    "mean": (lambda x: x.mean(), X),
    "mean_tuple": (lambda x: m(x).mean(x, (2, 0), keepdim=True), X),
    "mean_dtype": (lambda x: x.float().mean(1, dtype=m(x).float64), X),
    "max_elementwise": (lambda x: m(x).max(x, x.flip(0)), X),
    "min_elementwise": (lambda x: x.min(x.flip(1)), X),
    "prod": (lambda x: x.prod(), X),
    "prod_dim": (lambda x: m(x).prod(x, 1, keepdim=True), X),
    "prod_dtype": (lambda x: x.float().prod(-1, dtype=m(x).float64), X),
    "var": (lambda x: x.var(), X),
    "var_dim": (lambda x: x.var(1), X),
    "var_tuple_keepdim": (lambda x: m(x).var(x, (0, 2), keepdim=True), X),
    "var_correction0": (lambda x: x.var(0, correction=0), X),
    "var_correction2": (lambda x: x.var(-1, correction=2), X),
    "var_unbiased_false": (lambda x: x.var(1, False), X),
    "var_positional_unbiased": (lambda x: m(x).var(x, False), X),
    "std": (lambda x: x.std(), X),
    "std_dim_keepdim": (lambda x: x.std(2, keepdim=True), X),
    "std_unbiased": (lambda x: m(x).std(x, 1, unbiased=False), X),
    "std_correction": (lambda x: x.std((0, 1), correction=0), X),
    "var_mean": (lambda x: m(x).var_mean(x, 1), X),
    "std_mean": (lambda x: m(x).std_mean(x, (0, 2), keepdim=True), X),
    "max": (lambda x: x.max(), X),
    "min": (lambda x: m(x).min(x), X),
    "max_dim": (lambda x: m(x).max(x, 1), X),
    "max_dim_keepdim": (lambda x: x.max(dim=-1, keepdim=True), X),
    "min_dim": (lambda x: x.min(0), X),
    "max_0d": (lambda x: x.sum().max(0), X),
    "amax": (lambda x: x.amax(), X),
    "amax_tuple": (lambda x: m(x).amax(x, (0, 2)), X),
    "amin_keepdim": (lambda x: x.amin(1, keepdim=True), X),
    "logsumexp": (lambda x: m(x).logsumexp(x, 1), X),
    "logsumexp_tuple_keepdim": (lambda x: x.logsumexp((0, 2), keepdim=True), X),
    "norm": (lambda x: x.norm(), X),
    "norm_fro_dim": (lambda x: m(x).norm(x, "fro", (1, 2)), X),
    "norm_2_dim": (lambda x: x.norm(2, 1, keepdim=True), X),
    "norm_1": (lambda x: x.norm(1, -1), X),
    "norm_3": (lambda x: x.norm(3), X),
    "norm_0.5": (lambda x: x.norm(0.5, 0), X),
    "norm_0": (lambda x: x.norm(0, 0), X),
    "norm_inf": (lambda x: x.norm(math.inf, 1), X),
    "norm_-inf": (lambda x: x.norm(-math.inf), X),
    "cumsum": (lambda x: x.cumsum(1), X),
    "cumsum_neg": (lambda x: m(x).cumsum(x, -1), X),
    "cumsum_dtype": (lambda x: x.float().cumsum(0, dtype=m(x).float64), X),
    "cumprod": (lambda x: x.cumprod(2), X),
    "cumprod_0": (lambda x: m(x).cumprod(x, 0), X),
}


@requires_torch
@pytest.mark.parametrize("name", TORCH_CASES)
def test_reduction_matches_torch(name):
    fn, shape = TORCH_CASES[name]
    x, = rand(0, shape)
    compare_with_torch(fn, x, rtol=1e-6, atol=1e-7)


TIES = np.array([[1.0, 3.0, 3.0, -3.0], [2.0, 2.0, 0.0, 0.0], [-1.0, -1.0, -1.0, -1.0]])
ZEROS = with_zeros((0, 1, 2))


@requires_torch
@pytest.mark.parametrize("fn", [
    lambda x: x.max(), lambda x: x.min(), lambda x: x.amax(1), lambda x: x.amin((0, 1)),
    lambda x: x.max(1), lambda x: x.min(0), lambda x: x.norm(math.inf, 1), lambda x: x.norm(-math.inf),
    lambda x: x.argmax(), lambda x: x.argmin(1), lambda x: x.argmax(0, keepdim=True),
], ids=["max", "min", "amax", "amin", "max_dim", "min_dim", "norm_inf", "norm_-inf", "argmax", "argmin_dim",
        "argmax_keepdim"])
def test_ties_match_torch(fn):
    compare_with_torch(fn, TIES)


@requires_torch
@pytest.mark.parametrize("fn", [
    lambda x: x.prod(1), lambda x: x.prod(), lambda x: x.prod(0), lambda x: x.cumprod(1), lambda x: x.cumprod(0),
    lambda x: x.norm(dim=1), lambda x: (x * 0).norm(), lambda x: x.norm(1, 1), lambda x: x.norm(3, 1),
    lambda x: x.norm(1.5, 1), lambda x: x.norm(0.5, 1), lambda x: (x * 0).norm(3, 1),
    lambda x: x[:1].expand(2, 4).std(0), lambda x: x.amax(), lambda x: x.norm(math.inf, 0),
], ids=["prod_dim", "prod", "prod_0", "cumprod", "cumprod_0", "norm2", "norm2_of_zeros", "norm1", "norm3",
        "norm1.5", "norm0.5", "norm3_of_zeros", "std_of_constant", "amax", "norm_inf_zeros"])
def test_zeros_match_torch(fn):
    compare_with_torch(fn, ZEROS)


INTS = np.array([[3, -1, 0, 7], [2, 2, 5, 0]], dtype=np.int64)


@requires_torch
@pytest.mark.parametrize("fn", [
    lambda x: x.sum(), lambda x: x.int().sum(1), lambda x: x.bool().sum(), lambda x: x.sum(0, dtype=m(x).float32),
    lambda x: x.int().prod(), lambda x: x.bool().prod(1), lambda x: x.int().cumsum(1), lambda x: x.bool().cumsum(0),
    lambda x: x.cumprod(1), lambda x: x.int().max(), lambda x: x.int().amax(0), lambda x: x.bool().max(),
    lambda x: x.max(1), lambda x: x.int().min(0, keepdim=True), lambda x: x.argmax(), lambda x: x.int().argmin(1),
    lambda x: m(x).logsumexp(x, 1), lambda x: x.all(), lambda x: x.any(1), lambda x: x.all((0, 1)),
    lambda x: x.float().all(1, keepdim=True), lambda x: x.to(m(x).uint8).any(), lambda x: x.bool().any(0),
    lambda x: m(x).count_nonzero(x), lambda x: m(x).count_nonzero(x, 1), lambda x: m(x).count_nonzero(x, (0, 1)),
    lambda x: x.sum().all(), lambda x: x.sum().argmax(0), lambda x: x.float().mean(1),
], ids=["sum", "sum_int32", "sum_bool", "sum_dtype", "prod_int32", "prod_bool", "cumsum_int32", "cumsum_bool",
        "cumprod", "max_int32", "amax_int32", "max_bool", "max_dim", "min_dim_int32", "argmax", "argmin_int32",
        "logsumexp_int", "all", "any_dim", "all_tuple", "all_float_keepdim", "any_uint8", "any_bool",
        "count_nonzero", "count_nonzero_dim", "count_nonzero_tuple", "all_0d", "argmax_0d", "mean_float"])
def test_integer_and_bool_dtypes_match_torch(fn):
    compare_with_torch(fn, INTS)


@requires_torch
def test_second_derivatives_match_torch():
    x, = rand(3, (3, 4))
    for fn in (lambda t: t.prod(1), lambda t: t.var(0), lambda t: t.std(1), lambda t: t.logsumexp(1),
               lambda t: t.norm(dim=1), lambda t: t.norm(3, 0), lambda t: t.cumprod(1)):
        ours = mt.tensor(x, requires_grad=True)
        theirs = torch.tensor(x, requires_grad=True)
        g1, = mt.autograd.grad(fn(ours).sum(), ours, create_graph=True)
        g2, = torch.autograd.grad(fn(theirs).sum(), theirs, create_graph=True)
        h1, = mt.autograd.grad((g1 * g1).sum(), ours)
        h2, = torch.autograd.grad((g2 * g2).sum(), theirs)
        np.testing.assert_allclose(h1.numpy(), h2.numpy(), rtol=1e-7, atol=1e-9)


# ----------------------------------------------------------------------------- errors
def test_dim_out_of_range():
    x = mt.ones(2, 3)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 3\)"):
        x.sum(3)
    for fn in (lambda: x.mean((0, -3)), lambda: x.max(2), lambda: x.argmax(-3), lambda: x.var(2),
               lambda: x.cumsum(5), lambda: x.logsumexp(2), lambda: x.norm(dim=2), lambda: x.any(2),
               lambda: mt.ones(()).sum(1)):
        with pytest.raises(IndexError, match="Dimension out of range"):
            fn()


def test_reduction_errors():
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype.*Got: Long"):
        mt.arange(3).mean()
    with pytest.raises(RuntimeError, match="std and var only support floating point"):
        mt.arange(3).var()
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as input. Got Long"):
        mt.arange(3).norm()
    with pytest.raises(RuntimeError, match="max\\(\\): Expected reduction dim to be specified"):
        mt.ones(0).max()
    with pytest.raises(RuntimeError, match="amin\\(\\): Expected reduction dim to be specified"):
        mt.ones(0, 2).amin()
    with pytest.raises(IndexError, match="max\\(\\): Expected reduction dim 1 to have non-zero size"):
        mt.ones(2, 0).max(1)
    with pytest.raises(IndexError, match="argmax\\(\\): Expected reduction dim to be specified"):
        mt.ones(0).argmax()
    with pytest.raises(RuntimeError, match="appears multiple times"):
        mt.ones(2, 3).sum((1, -1))
    with pytest.raises(RuntimeError, match="cannot specify both"):
        mt.ones(3).var(unbiased=True, correction=0)
    with pytest.raises(RuntimeError, match="Order bad not supported"):
        mt.ones(2, 2).norm("bad")
    with pytest.raises(TypeError):
        mt.logsumexp(mt.ones(3))


# ----------------------------------------------------------------------------- spectral and nuclear norms (SVD)
SPECTRAL_ORDS = [2, -2, "nuc"]
SVD_SHAPES = [(3, 3), (4, 2), (2, 5), (2, 3, 4), (3, 1)]


def _numpy_norm_and_grad(a: np.ndarray, ord) -> tuple[np.ndarray, np.ndarray]:
    """The norm of each matrix and its gradient from NumPy's SVD: u1 v1^T (2), u_k v_k^T (-2), U V^T ('nuc')."""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    if ord == "nuc":
        return s.sum(-1), u @ vh
    k = 0 if ord == 2 else -1
    return s[..., k], u[..., :, k:k + 1 if k == 0 else None] @ vh[..., k:k + 1 if k == 0 else None, :]


@pytest.mark.parametrize("ord", SPECTRAL_ORDS)
@pytest.mark.parametrize("shape", SVD_SHAPES)
def test_spectral_and_nuclear_norms_value_and_gradient(ord, shape):
    a, = rand(11, shape)
    x = mt.tensor(a, requires_grad=True)
    out = mt.linalg.matrix_norm(x, ord)
    value, grad = _numpy_norm_and_grad(a, ord)
    np.testing.assert_allclose(out.detach().numpy(), value, rtol=1e-10)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), grad, rtol=1e-8, atol=1e-10)
    if len(shape) == 2:
        np.testing.assert_allclose(mt.linalg.norm(mt.tensor(a), ord).numpy(), np.linalg.norm(a, ord), rtol=1e-10)


@pytest.mark.parametrize("ord", SPECTRAL_ORDS)
@pytest.mark.parametrize("shape", SVD_SHAPES)
def test_spectral_and_nuclear_norms_gradcheck(ord, shape):
    a, = rand(5, shape)
    check_gradients(lambda A: mt.linalg.matrix_norm(A, ord), a)         # first and second order
    if len(shape) == 2:
        check_gradients(lambda A: mt.linalg.norm(A, ord), a, second_order=False)


@pytest.mark.parametrize("ord", SPECTRAL_ORDS)
def test_matrix_norm_over_other_dims(ord):
    a, = rand(2, (2, 3, 4, 5))
    for dim, keepdim in [((0, 2), False), ((3, 1), True), ((-1, -2), False)]:
        out = mt.linalg.matrix_norm(mt.tensor(a), ord, dim=dim, keepdim=keepdim)
        value, _ = _numpy_norm_and_grad(np.moveaxis(a, dim, (-2, -1)), ord)
        if keepdim:
            value = np.expand_dims(value, tuple(sorted(d % 4 for d in dim)))
        assert out.shape == value.shape
        np.testing.assert_allclose(out.numpy(), value, rtol=1e-10)
    check_gradients(lambda A: mt.linalg.matrix_norm(A, ord, dim=(2, 0), keepdim=True), rand(3, (3, 2, 4))[0])


def test_norm_of_degenerate_matrices():
    eye = mt.eye(3, dtype=mt.float64, requires_grad=True)       # three equal singular values
    mt.linalg.matrix_norm(eye, 2).backward()
    np.testing.assert_allclose(eye.grad.numpy(), np.eye(3) / 3)  # amax splits its gradient among the ties
    eye.grad = None
    mt.linalg.matrix_norm(eye, "nuc").backward()
    np.testing.assert_allclose(eye.grad.numpy(), np.eye(3))      # U V^T, finite at repeated singular values
    empty = mt.zeros(2, 0, 3, requires_grad=True)
    assert mt.linalg.matrix_norm(empty, 2).tolist() == [0.0, 0.0]
    assert mt.linalg.matrix_norm(empty, "nuc", keepdim=True).shape == (2, 1, 1)
    x = mt.tensor([[3.0, 0.0], [0.0, -4.0]], dtype=mt.float64)
    assert mt.linalg.norm(x, 2).item() == pytest.approx(4.0) and mt.linalg.norm(x, -2).item() == pytest.approx(3.0)
    assert mt.linalg.norm(x, "nuc").item() == pytest.approx(7.0) and x.norm(p="nuc").item() == pytest.approx(7.0)


def test_svd_and_svdvals():
    a, = rand(4, (4, 3))
    for full in (True, False):
        U, S, Vh = mt.linalg.svd(mt.tensor(a), full_matrices=full)
        k = 4 if full else 3
        assert U.shape == (4, k) and S.shape == (3,) and Vh.shape == (3, 3)
        np.testing.assert_allclose((U[:, :3] * S) @ Vh, a, atol=1e-12)
        np.testing.assert_allclose(U.mT @ U, np.eye(k), atol=1e-12)
    np.testing.assert_allclose(mt.linalg.svdvals(mt.tensor(a)).numpy(), np.linalg.svd(a, compute_uv=False))
    assert repr(mt.linalg.svd(mt.eye(2))).startswith("microtensor.return_types.linalg_svd(\nU=tensor([[1., 0.],")
    check_gradients(lambda A: mt.linalg.svdvals(A), a)
    for full in (True, False):        # losses that do not depend on the signs of the singular vectors
        def projectors(A, full=full):
            U, S, Vh = mt.linalg.svd(A, full_matrices=full)
            return (U[:, :1] @ U[:, :1].mT).sum() + (Vh[1:2].mT @ Vh[1:2] * S[0]).sum()
        check_gradients(projectors, a)
        check_gradients(projectors, a.T.copy())


def test_svd_norm_errors():
    for fn, error, match in [
            (lambda: mt.linalg.matrix_norm(mt.ones(3, 3), 3), RuntimeError, "Order 3 not supported"),
            (lambda: mt.linalg.matrix_norm(mt.ones(3, 3), "bad"), RuntimeError, "Order bad not supported"),
            (lambda: mt.linalg.matrix_norm(mt.ones(3), "nuc"), RuntimeError, "at least 2 dimensions"),
            (lambda: mt.linalg.norm(mt.ones(2, 2, 2), "nuc"), RuntimeError, "input must be 1D or 2D"),
            (lambda: mt.norm(mt.ones(2, 2, 2), "nuc"), RuntimeError, "dim must be a 2-tuple"),
            (lambda: mt.linalg.svdvals(mt.ones(3)), RuntimeError, "at least 2 dimensions"),
            (lambda: mt.linalg.svd(mt.ones(2, 2, dtype=mt.int64)), RuntimeError, "Expected a floating point"),
            (lambda: mt.linalg.svdvals(mt.tensor([[np.nan, 1.0], [1.0, 1.0]])), RuntimeError, "non-finite values")]:
        with pytest.raises(error, match=match):
            fn()


SVD_TORCH_CASES = {
    "norm_2": lambda A: m(A).linalg.norm(A, 2),
    "norm_-2": lambda A: m(A).linalg.norm(A, -2),
    "norm_nuc": lambda A: m(A).linalg.norm(A, "nuc"),
    "norm_nuc_keepdim": lambda A: m(A).linalg.norm(A, "nuc", keepdim=True),
    "matrix_norm_2_batched": lambda A: m(A).linalg.matrix_norm(A.reshape(2, 2, 3), 2),
    "matrix_norm_-2_dims": lambda A: m(A).linalg.matrix_norm(A.reshape(2, 2, 3), -2, dim=(0, 2)),
    "matrix_norm_nuc_dims_keepdim": lambda A: m(A).linalg.matrix_norm(A.reshape(2, 2, 3), "nuc", dim=(2, 1),
                                                                      keepdim=True),
    "tensor_norm_nuc": lambda A: A.norm(p="nuc"),
    "svdvals": lambda A: m(A).linalg.svdvals(A),
    "svdvals_wide": lambda A: m(A).linalg.svdvals(A.mT),
}


@requires_torch
@pytest.mark.parametrize("name", SVD_TORCH_CASES)
def test_svd_norms_match_torch(name):
    a, = rand(8, (4, 3))
    compare_with_torch(SVD_TORCH_CASES[name], a, rtol=1e-9, atol=1e-11)


@requires_torch
@pytest.mark.parametrize("ord", SPECTRAL_ORDS)
@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 5)])
def test_svd_norm_second_derivatives_match_torch(ord, shape):
    a, w = rand(9, shape, shape)
    results = []
    for L in (mt, torch):
        x = L.tensor(a, requires_grad=True)
        g, = L.autograd.grad(L.linalg.matrix_norm(x, ord), x, create_graph=True)
        hvp, = L.autograd.grad((g * L.tensor(w)).sum(), x)
        results.append((g.detach().numpy(), hvp.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10)

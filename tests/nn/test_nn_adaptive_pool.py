"""Adaptive average and max pooling in 1, 2 and 3 dims: finite differences of first and second order, PyTorch's
values, indices and gradients (tables and hypothesis shapes), NaN windows, the modules, and errors."""
import numpy as np
import pytest
from helpers import check_gradients, compare_modules_with_torch, compare_with_torch, requires_torch, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor.nn import functional as F

# name -> (function name, input shape, output_size, return_indices)
ADAPTIVE = {
    "avg1d_uneven": ("adaptive_avg_pool1d", (2, 3, 7), 3, None),
    "avg1d_tuple_upsample": ("adaptive_avg_pool1d", (3, 4), (6,), None),
    "avg2d_none": ("adaptive_avg_pool2d", (2, 2, 5, 7), (None, 3), None),
    "avg3d_uneven": ("adaptive_avg_pool3d", (2, 2, 5, 4, 7), (2, 3, 3), None),
    "avg3d_unbatched_none": ("adaptive_avg_pool3d", (2, 4, 5, 3), [3, None, 2], None),
    "avg3d_global": ("adaptive_avg_pool3d", (2, 3, 3, 4, 2), 1, None),
    "max1d_uneven": ("adaptive_max_pool1d", (2, 3, 7), 3, True),
    "max1d_unbatched_upsample": ("adaptive_max_pool1d", (3, 4), (6,), True),
    "max2d_list": ("adaptive_max_pool2d", (2, 2, 5, 7), [2, None], True),
    "max3d_uneven": ("adaptive_max_pool3d", (2, 2, 5, 4, 7), (2, 3, 3), True),
    "max3d_unbatched_none": ("adaptive_max_pool3d", (2, 4, 5, 3), (3, None, 2), False),
    "max3d_upsample": ("adaptive_max_pool3d", (1, 2, 2, 3, 2), (3, 4, 3), True),
}


def _call(lib, case):
    name, _, output_size, return_indices = ADAPTIVE[case]
    fn = getattr(F if lib is mt else torch.nn.functional, name)
    options = {} if return_indices is None else {"return_indices": return_indices}
    return lambda x: fn(x, output_size, **options)


def _distinct(shape, seed=0, dtype="float64"):
    """Distinct values (a permutation), so no window has a tie for its maximum and finite differences hold."""
    rng = np.random.default_rng(seed)
    return (rng.permutation(int(np.prod(shape))).reshape(shape) / 7.0 - 2.0).astype(dtype)


def _values(out):
    return out[0] if isinstance(out, tuple) else out


@pytest.mark.parametrize("case", ADAPTIVE)
def test_adaptive_gradcheck(case):
    check_gradients(lambda x: _values(_call(mt, case)(x)), _distinct(ADAPTIVE[case][1]))


@requires_torch
@pytest.mark.parametrize("case", ADAPTIVE)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_adaptive_matches_torch(case, dtype):
    compare_with_torch(_call(mt, case), _distinct(ADAPTIVE[case][1], 1, dtype), torch_fn=_call(torch, case))


@requires_torch
@pytest.mark.parametrize("case", ["avg3d_uneven", "max1d_uneven", "max3d_uneven", "max3d_upsample"])
def test_adaptive_double_backward_matches_torch(case):
    x = _distinct(ADAPTIVE[case][1], 2)
    results = []
    for lib in (mt, torch):
        t = lib.tensor(x, requires_grad=True)
        out = _values(_call(lib, case)(t))
        weights = lib.tensor(np.random.default_rng(3).standard_normal(tuple(out.shape)))
        g, = lib.autograd.grad((out * out * weights).sum(), t, create_graph=True)
        (g * g).sum().backward()
        results.append(t.grad.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-9, atol=1e-10)


@st.composite
def _adaptive_args(draw):
    nd = draw(st.integers(1, 3))
    lead = draw(st.sampled_from([(1, 2), (2, 1), (3,)]))
    sizes = tuple(draw(st.integers(1, 6)) for _ in range(nd))
    outs = tuple(draw(st.one_of(st.integers(1, 7), st.none())) if nd > 1 else draw(st.integers(1, 7))
                 for _ in range(nd))
    return draw(st.sampled_from(["avg", "max"])), nd, lead + sizes, outs, draw(st.integers(0, 2**32 - 1))


@requires_torch
@given(args=_adaptive_args())
@settings(max_examples=60, deadline=None, derandomize=True)
def test_adaptive_any_shape_matches_torch(args):
    kind, nd, shape, outs, seed = args
    name = f"adaptive_{kind}_pool{nd}d"
    options = {"return_indices": True} if kind == "max" else {}
    # rounding to a coarse grid makes ties likely: the first maximum must be the one chosen, as in PyTorch
    x = np.round(np.random.default_rng(seed).standard_normal(shape), 1)
    compare_with_torch(lambda t: getattr(F, name)(t, outs, **options), x,
                       torch_fn=lambda t: getattr(torch.nn.functional, name)(t, outs, **options), atol=1e-12)


@requires_torch
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_adaptive_max_nan_picks_the_last_nan_as_torch(nd):
    x = np.arange(24.0).reshape((1, 1) + {1: (24,), 2: (4, 6), 3: (2, 3, 4)}[nd])
    x.reshape(-1)[[1, 3, 10, 13, 22]] = np.nan
    x.reshape(-1)[[5, 6]] = -np.inf
    name = f"adaptive_max_pool{nd}d"
    out, idx = getattr(F, name)(mt.tensor(x), 2, return_indices=True)
    expected, expected_idx = getattr(torch.nn.functional, name)(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    np.testing.assert_array_equal(idx.numpy(), expected_idx.numpy())


@requires_torch
def test_adaptive_max_all_minus_inf_points_at_the_first_element_as_torch():
    x = np.full((1, 1, 5), -np.inf)
    _, idx = F.adaptive_max_pool1d(mt.tensor(x), 2, return_indices=True)
    _, expected = torch.nn.functional.adaptive_max_pool1d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), expected.numpy())


@requires_torch
@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("kind", ["avg", "max"])
def test_adaptive_output_size_zero_gives_an_empty_output_and_zero_gradient(nd, kind):
    x = mt.randn(2, 3, *(4,) * nd, dtype=mt.float64, requires_grad=True)
    out = _values(getattr(F, f"adaptive_{kind}_pool{nd}d")(x, 0))
    expected = _values(getattr(torch.nn.functional, f"adaptive_{kind}_pool{nd}d")(torch.zeros(2, 3, *(4,) * nd), 0))
    assert tuple(out.shape) == tuple(expected.shape) == (2, 3) + (0,) * nd
    out.sum().backward()
    assert not x.grad.numpy().any()


def test_with_indices_forms_always_return_values_and_indices():
    x = mt.tensor(_distinct((2, 3, 4, 5, 6)))
    for nd in (1, 2, 3):
        t = x.flatten(0, 3 - nd)
        out, idx = getattr(F, f"adaptive_max_pool{nd}d_with_indices")(t, 2)
        np.testing.assert_array_equal(out.numpy(), F.__dict__[f"adaptive_max_pool{nd}d"](t, 2).numpy())
        assert idx.dtype == mt.int64
        assert getattr(F, f"adaptive_max_pool{nd}d_with_indices")(t, 2, return_indices=False)[1].dtype == mt.int64
    out, idx = F.adaptive_max_pool1d(x.flatten(0, 2), 3, True)                 # return_indices by position
    assert idx.shape == out.shape


@requires_torch
def test_top_level_adaptive_avg_pool1d():
    assert mt.adaptive_avg_pool1d is F.adaptive_avg_pool1d
    compare_with_torch(lambda t, lib=mt: lib.adaptive_avg_pool1d(t, output_size=3), _distinct((2, 3, 8)),
                       torch_fn=lambda t: torch.adaptive_avg_pool1d(t, output_size=3))


MODULES = [("AdaptiveAvgPool1d", (3,), (2, 3, 7)), ("AdaptiveAvgPool3d", ((None, 2, 3),), (2, 3, 4, 5, 6)),
           ("AdaptiveAvgPool3d", (2,), (3, 4, 5, 6)), ("AdaptiveMaxPool1d", (4,), (3, 9)),
           ("AdaptiveMaxPool2d", ((3, None),), (2, 2, 5, 6)), ("AdaptiveMaxPool2d", (3, True), (2, 2, 5, 6)),
           ("AdaptiveMaxPool3d", ((2, 3, 2),), (1, 2, 4, 5, 6)), ("AdaptiveMaxPool3d", (2, True), (2, 4, 5, 6))]


@requires_torch
@pytest.mark.parametrize("name, args, shape", MODULES)
def test_adaptive_modules_match_torch(name, args, shape):
    ours, theirs = getattr(mt.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert getattr(mt.nn.modules.pooling, name) is getattr(mt.nn, name)
    x = _distinct(shape)
    compare_modules_with_torch(ours, theirs, {"x": x}, lambda m, t, lib: (_values(m(t["x"])),))
    if getattr(theirs, "return_indices", False):
        np.testing.assert_array_equal(ours(mt.tensor(x))[1].numpy(), theirs(torch.tensor(x))[1].numpy())


ERRORS = [
    (lambda: F.adaptive_avg_pool1d(mt.zeros(5), 2), RuntimeError,
     r"adaptive_avg_pool1d: expected input of shape \(N, C, L\) or \(C, L\) with non-zero L, got \[5\]"),
    (lambda: F.adaptive_max_pool3d(mt.zeros(3, 4, 5), 2), RuntimeError,
     r"adaptive_max_pool3d: expected input of shape \(N, C, D, H, W\) or \(C, D, H, W\) .* got \[3, 4, 5\]"),
    (lambda: F.adaptive_avg_pool3d(mt.zeros(1, 2, 0, 4, 5), 2), RuntimeError, r"with non-zero D, H, W, got \[1, 2, 0"),
    (lambda: F.adaptive_max_pool1d(mt.zeros(2, 2, 0), 2), RuntimeError, r"non-zero L, got \[2, 2, 0\]"),
    (lambda: F.adaptive_avg_pool3d(mt.zeros(1, 2, 3, 4, 5), (2, 2)), RuntimeError,
     r"adaptive_avg_pool3d: output_size must be 3 values, got \(2, 2\)"),
    (lambda: F.adaptive_max_pool2d(mt.zeros(1, 1, 4, 4), (1, 2, 3)), RuntimeError, "output_size must be 2 values"),
    (lambda: F.adaptive_avg_pool1d(mt.zeros(2, 3, 7), (2, 3)), RuntimeError, "output_size must be 1 values"),
    (lambda: F.adaptive_avg_pool3d(mt.zeros(1, 2, 3, 4, 5), (2, -1, 2)), RuntimeError,
     r"elements of output_size must be greater than or equal to 0 but received \(2, -1, 2\)"),
    (lambda: F.adaptive_max_pool2d(mt.zeros(1, 2, 3, 4), -1), RuntimeError, "greater than or equal to 0"),
    (lambda: F.adaptive_avg_pool1d(mt.zeros(2, 3, 7), None), TypeError,
     r"adaptive_avg_pool1d\(\): output_size must be an int or a tuple of 1 int, got None"),
    (lambda: F.adaptive_avg_pool1d(mt.zeros(2, 3, 7), (None,)), TypeError, "a tuple of 1 int"),
    (lambda: F.adaptive_max_pool3d(mt.zeros(1, 2, 3, 4, 5), None), TypeError,
     "output_size must be an int or a tuple of 3 ints or Nones, got None"),
    (lambda: F.adaptive_avg_pool2d(mt.zeros(1, 3, 4), (2, 2.0)), TypeError, r"got \(2, 2\.0\)"),
    (lambda: F.adaptive_avg_pool1d(mt.zeros(2, 3, 7), 2.5), TypeError, "got 2.5"),
    (lambda: F.adaptive_avg_pool3d(mt.zeros(1, 2, 3, 4, 5, dtype=mt.int64), 2), RuntimeError,
     r"adaptive_avg_pool3d\(\): expected floating point tensors of one dtype, got input int64"),
    (lambda: F.adaptive_max_pool1d(mt.zeros(1, 2, 3, dtype=mt.int32), 2), RuntimeError,
     r"adaptive_max_pool1d\(\): expected floating point tensors of one dtype, got input int32"),
]


@pytest.mark.parametrize("call, error, message", ERRORS)
def test_adaptive_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()

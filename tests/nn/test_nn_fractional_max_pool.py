"""Fractional max pooling in 2 and 3 dims: with ``_random_samples`` given, PyTorch's values, indices and
gradients exactly (tables and hypothesis shapes, float32 and float64, NaN windows); without, samples from the
seeded generator; finite differences of first and second order, the modules, and errors."""
import numpy as np
import pytest
from helpers import check_gradients, compare_modules_with_torch, requires_torch, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor.nn import functional as F

# name -> (input shape, kernel_size, options)
FRACTIONAL = {
    "2d_output_size": ((2, 3, 7, 9), 2, {"output_size": (4, 5)}),
    "2d_int_size_rect_kernel": ((1, 2, 8, 7), (3, 2), {"output_size": 4}),
    "2d_ratio_unbatched": ((3, 9, 8), 2, {"output_ratio": (0.5, 0.75)}),
    "2d_one_window_and_full_size": ((2, 2, 5, 6), (5, 1), {"output_size": (1, 6)}),
    "3d_output_size": ((2, 2, 5, 6, 7), 2, {"output_size": (3, 4, 5)}),
    "3d_ratio_unbatched": ((2, 6, 7, 8), (2, 3, 2), {"output_ratio": 0.5}),
}


def _samples(case, dtype="float64", seed=7):
    shape, _, _ = FRACTIONAL[case]
    nd = 2 if case.startswith("2d") else 3
    n = shape[0] if len(shape) == nd + 2 else 1
    return np.random.default_rng(seed).random((n, shape[-nd - 1], nd)).astype(dtype)


def _call(lib, case, samples, return_indices=True):
    _, kernel, options = FRACTIONAL[case]
    fn = getattr(F if lib is mt else torch.nn.functional, f"fractional_max_pool{case[:2]}")
    u = lib.tensor(samples)
    return lambda x: fn(x, kernel, return_indices=return_indices, _random_samples=u, **options)


def _distinct(shape, seed=0, dtype="float64"):
    rng = np.random.default_rng(seed)
    return (rng.permutation(int(np.prod(shape))).reshape(shape) / 7.0 - 2.0).astype(dtype)


@pytest.mark.parametrize("case", FRACTIONAL)
def test_fractional_gradcheck(case):
    samples = _samples(case)
    check_gradients(_call(mt, case, samples, return_indices=False), _distinct(FRACTIONAL[case][0]))


def _assert_same(case, x, samples):
    ours_in = mt.tensor(x, requires_grad=True)
    theirs_in = torch.tensor(x, requires_grad=True)
    (out, idx), (expected, expected_idx) = _call(mt, case, samples)(ours_in), _call(torch, case, samples)(theirs_in)
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), expected_idx.numpy())
    assert out.dtype.name == str(expected.dtype)[6:] and idx.dtype == mt.int64
    w = np.random.default_rng(1).standard_normal(tuple(expected.shape)).astype(x.dtype)
    (out * mt.tensor(w)).sum().backward()
    (expected * torch.tensor(w)).sum().backward()
    # windows may overlap: the gradients landing on one element add up in another order than PyTorch's
    np.testing.assert_allclose(ours_in.grad.numpy(), theirs_in.grad.numpy(), rtol=1e-6)


@requires_torch
@pytest.mark.parametrize("case", FRACTIONAL)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fractional_matches_torch_exactly(case, dtype):
    _assert_same(case, _distinct(FRACTIONAL[case][0], 1, dtype), _samples(case, dtype))


@requires_torch
@pytest.mark.parametrize("case", ["2d_output_size", "3d_output_size"])
def test_fractional_ties_and_nan_windows_as_torch(case):
    x = np.round(np.random.default_rng(4).standard_normal(FRACTIONAL[case][0]), 0)      # many ties
    x.reshape(-1)[::5] = np.nan
    x.reshape(-1)[1::7] = -np.inf
    samples = _samples(case)
    (out, idx), (expected, expected_idx) = _call(mt, case, samples)(mt.tensor(x)), \
        _call(torch, case, samples)(torch.tensor(x))
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    np.testing.assert_array_equal(idx.numpy(), expected_idx.numpy())


@requires_torch
@pytest.mark.parametrize("case", ["2d_output_size", "3d_ratio_unbatched"])
def test_fractional_double_backward_matches_torch(case):
    x, samples = _distinct(FRACTIONAL[case][0], 2), _samples(case)
    results = []
    for lib in (mt, torch):
        t = lib.tensor(x, requires_grad=True)
        out = _call(lib, case, samples, return_indices=False)(t)
        weights = lib.tensor(np.random.default_rng(3).standard_normal(tuple(out.shape)))
        g, = lib.autograd.grad((out * out * weights).sum(), t, create_graph=True)
        (g * g).sum().backward()
        results.append(t.grad.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


@st.composite
def _fractional_args(draw):
    nd = draw(st.integers(2, 3))
    sizes = tuple(draw(st.integers(2, 9)) for _ in range(nd))
    kernel = tuple(draw(st.integers(1, n - (nd == 3))) for n in sizes)
    outs = tuple(draw(st.integers(0, n - k + (nd == 2))) for n, k in zip(sizes, kernel))
    lead = draw(st.sampled_from([(1, 1), (2, 3), (3,)]))
    dtype = draw(st.sampled_from(["float32", "float64"]))
    return nd, lead + sizes, kernel, outs, dtype, draw(st.integers(0, 2**32 - 1))


@requires_torch
@given(args=_fractional_args())
@settings(max_examples=80, deadline=None, derandomize=True)
def test_fractional_any_shape_matches_torch_exactly(args):
    nd, shape, kernel, outs, dtype, seed = args
    rng = np.random.default_rng(seed)
    x = np.round(rng.standard_normal(shape), 1).astype(dtype)
    samples = rng.random((shape[0] if len(shape) == nd + 2 else 1, shape[-nd - 1], nd)).astype(dtype)
    name = f"fractional_max_pool{nd}d"
    ours = getattr(F, name)(mt.tensor(x), kernel, outs, return_indices=True, _random_samples=mt.tensor(samples))
    theirs = getattr(torch.nn.functional, name)(torch.tensor(x), kernel, outs, return_indices=True,
                                                _random_samples=torch.tensor(samples))
    for o, e in zip(ours, theirs):
        np.testing.assert_array_equal(o.numpy(), e.numpy())


def test_fractional_samples_come_from_the_seeded_generator():
    x = mt.randn(2, 3, 9, 10)
    mt.manual_seed(5)
    out, idx = F.fractional_max_pool2d(x, 2, output_ratio=0.5, return_indices=True)
    mt.manual_seed(5)
    samples = mt.rand(2, 3, 2)
    again, again_idx = F.fractional_max_pool2d(x, 2, output_ratio=0.5, return_indices=True, _random_samples=samples)
    assert tuple(out.shape) == (2, 3, 4, 5)
    np.testing.assert_array_equal(idx.numpy(), again_idx.numpy())
    draws = {F.fractional_max_pool2d_with_indices(x, 2, 4)[1].numpy().tobytes() for _ in range(8)}
    assert len(draws) > 1                                             # each call draws new windows


def test_fractional_unbatched_uses_one_row_of_samples_and_unpools():
    x = mt.tensor(_distinct((3, 6, 6, 6)))
    samples = mt.rand(1, 3, 3, dtype=mt.float64)
    out, idx = F.fractional_max_pool3d_with_indices(x, 2, (3, 3, 3), _random_samples=samples)
    batched, batched_idx = F.fractional_max_pool3d(x[None], 2, (3, 3, 3), return_indices=True,
                                                   _random_samples=samples)
    np.testing.assert_array_equal(out.numpy(), batched[0].numpy())
    np.testing.assert_array_equal(idx.numpy(), batched_idx[0].numpy())
    np.testing.assert_array_equal(x.flatten(1).numpy()[np.arange(3)[:, None], idx.flatten(1).numpy()],
                                  out.flatten(1).numpy())


MODULES = [("FractionalMaxPool2d", (2,), {"output_size": 4}, (2, 3, 9, 8)),
           ("FractionalMaxPool2d", ((3, 2),), {"output_ratio": 0.5, "return_indices": True}, (3, 9, 8)),
           ("FractionalMaxPool3d", (2,), {"output_size": (3, 2, 4)}, (2, 2, 6, 5, 7)),
           ("FractionalMaxPool3d", (2,), {"output_ratio": (0.5, 0.4, 0.6), "return_indices": True}, (2, 6, 5, 7))]


@requires_torch
@pytest.mark.parametrize("name, args, options, shape", MODULES)
def test_fractional_modules_match_torch(name, args, options, shape):
    nd = 2 if name.endswith("2d") else 3
    samples = np.random.default_rng(3).random((shape[0] if len(shape) == nd + 2 else 1, shape[-nd - 1], nd))
    ours = getattr(mt.nn, name)(*args, _random_samples=mt.tensor(samples), **options)
    theirs = getattr(torch.nn, name)(*args, _random_samples=torch.tensor(samples), **options)
    assert repr(ours) == repr(theirs)
    for attr in ("kernel_size", "output_size", "output_ratio", "return_indices"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["_random_samples"]
    assert getattr(mt.nn.modules.pooling, name) is getattr(mt.nn, name)
    x = _distinct(shape)
    compare_modules_with_torch(ours, theirs, {"x": x}, lambda m, t, lib: (m(t["x"])[0] if
                                                                          m.return_indices else m(t["x"]),))
    if options.get("return_indices"):
        np.testing.assert_array_equal(ours(mt.tensor(x))[1].numpy(), theirs(torch.tensor(x))[1].numpy())


_X = mt.zeros(2, 3, 7, 9)
ERRORS = [
    (lambda: F.fractional_max_pool2d(_X, 2), ValueError,
     "fractional_max_pool2d requires specifying either an output_size or an output_ratio"),
    (lambda: F.fractional_max_pool2d(_X, 2, output_ratio=(0.5, 0.5, 0.5)), ValueError,
     "output_ratio to either be a single number or a tuple of 2"),
    (lambda: F.fractional_max_pool2d(_X, 2, output_size=(7, 9)), RuntimeError,
     r"fractional_max_pool2d\(\): pool height 2 too large relative to input height 7"),
    (lambda: F.fractional_max_pool2d(_X, (1, 3), output_size=(3, 8)), RuntimeError,
     "pool width 3 too large relative to input width 9"),
    (lambda: F.fractional_max_pool3d(mt.zeros(1, 1, 5, 5, 5), 2, output_size=4), RuntimeError,
     r"fractional_max_pool3d\(\): pool time 2 too large relative to input time 5 .*less than the input size"),
    (lambda: F.fractional_max_pool2d(_X, (2, 2, 2), output_size=3), RuntimeError,
     "fractional_max_pool2d: kernel_size must either be a single Int or tuple of Ints"),
    (lambda: F.fractional_max_pool2d(_X, 2, output_size=(3, 4, 5)), RuntimeError,
     "output_size must either be a single Int or tuple of Ints"),
    (lambda: F.fractional_max_pool2d(_X, 0, output_size=3), RuntimeError, "kernel_size must be greater than zero"),
    (lambda: F.fractional_max_pool2d(_X, 2, output_size=(-1, 3)), RuntimeError, "must be non-negative"),
    (lambda: F.fractional_max_pool2d(_X, 2, output_size=3, _random_samples=mt.rand(2, 3, 3)), RuntimeError,
     r"expected _random_samples of shape \(N', C, 2\) with N' >= N = 2 and C = 3, got \[2, 3, 3\]"),
    (lambda: F.fractional_max_pool2d(_X, 2, output_size=3, _random_samples=mt.rand(1, 3, 2)), RuntimeError,
     r"got \[1, 3, 2\]"),
    (lambda: F.fractional_max_pool2d(_X, 2, output_size=3, _random_samples=mt.rand(6, 2)), RuntimeError,
     r"got \[6, 2\]"),
    (lambda: F.fractional_max_pool2d(_X, 2, output_size=3, _random_samples=mt.rand(2, 3, 2, dtype=mt.float64)),
     RuntimeError, r"_random_samples to have the same dtype as input \(float32\), got float64"),
    (lambda: F.fractional_max_pool2d(mt.zeros(7, 9), 2, output_size=3), RuntimeError,
     r"expected input of shape \(N, C, H, W\) or \(C, H, W\) with non-zero C, H, W, got \[7, 9\]"),
    (lambda: F.fractional_max_pool3d(mt.zeros(2, 0, 4, 4, 4), 2, output_size=2), RuntimeError,
     r"with non-zero C, T, H, W, got \[2, 0, 4, 4, 4\]"),
    (lambda: F.fractional_max_pool2d(mt.zeros(1, 2, 7, 9, dtype=mt.int64), 2, output_size=3), RuntimeError,
     "expected floating point tensors of one dtype, got input int64"),
    (lambda: mt.nn.FractionalMaxPool2d(2), ValueError,
     "FractionalMaxPool2d requires specifying either an output size, or a pooling ratio"),
    (lambda: mt.nn.FractionalMaxPool3d(2, output_size=3, output_ratio=0.5), ValueError,
     "only one of output_size and output_ratio may be specified"),
    (lambda: mt.nn.FractionalMaxPool2d(2, output_ratio=1.5), ValueError,
     r"output_ratio must be between 0 and 1 \(got 1.5\)"),
]


@pytest.mark.parametrize("call, error, message", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_fractional_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()

"""Max, average and adaptive pooling (1-D, 2-D and 3-D): gradients of first and second order, PyTorch's values
and indices, errors."""
import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, requires_torch, torch

import microtensor as mt
from microtensor.nn import functional as F

if torch is not None:
    import torch.nn.functional as TF

# name -> (function name, input shape, options): every option of every pooling op
POOL = {
    "max2d_plain": ("max_pool2d", (2, 2, 4, 4), {"kernel_size": 2}),
    "max2d_stride_padding": ("max_pool2d", (1, 2, 5, 6), {"kernel_size": 3, "stride": 2, "padding": 1}),
    "max2d_overlapping": ("max_pool2d", (1, 2, 5, 5), {"kernel_size": (3, 2), "stride": 1}),
    "max2d_dilation": ("max_pool2d", (1, 2, 7, 6), {"kernel_size": 2, "dilation": (2, 3), "padding": (1, 0)}),
    "max2d_ceil": ("max_pool2d", (1, 2, 5, 7), {"kernel_size": 2, "stride": 2, "ceil_mode": True}),
    "max2d_ceil_padding": ("max_pool2d", (1, 1, 6, 6), {"kernel_size": 3, "stride": 2, "padding": 1,
                                                        "ceil_mode": True}),
    "max2d_indices": ("max_pool2d", (2, 2, 5, 4), {"kernel_size": (2, 3), "stride": (2, 1), "padding": (1, 1),
                                                   "return_indices": True}),
    "max2d_unbatched": ("max_pool2d", (2, 5, 5), {"kernel_size": 2, "ceil_mode": True, "return_indices": True}),
    "max1d_plain": ("max_pool1d", (2, 3, 8), {"kernel_size": 2}),
    "max1d_options": ("max_pool1d", (2, 2, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2,
                                                "ceil_mode": True, "return_indices": True}),
    "max1d_unbatched": ("max_pool1d", (3, 7), {"kernel_size": 3, "stride": 1, "return_indices": True}),
    "avg2d_plain": ("avg_pool2d", (2, 2, 4, 4), {"kernel_size": 2}),
    "avg2d_stride_padding": ("avg_pool2d", (1, 2, 5, 6), {"kernel_size": 3, "stride": 2, "padding": 1}),
    "avg2d_exclude_pad": ("avg_pool2d", (1, 2, 5, 6), {"kernel_size": 3, "stride": 2, "padding": 1,
                                                       "count_include_pad": False}),
    "avg2d_ceil": ("avg_pool2d", (1, 2, 5, 7), {"kernel_size": (2, 3), "stride": 2, "ceil_mode": True}),
    "avg2d_ceil_padding_exclude": ("avg_pool2d", (1, 1, 6, 6), {"kernel_size": 3, "stride": 2, "padding": 1,
                                                                "ceil_mode": True, "count_include_pad": False}),
    "avg2d_divisor": ("avg_pool2d", (1, 2, 5, 5), {"kernel_size": 2, "stride": 1, "padding": 1,
                                                   "divisor_override": 3}),
    "avg2d_unbatched": ("avg_pool2d", (2, 4, 5), {"kernel_size": 2, "ceil_mode": True}),
    "avg1d_plain": ("avg_pool1d", (2, 3, 8), {"kernel_size": 3}),
    "avg1d_options": ("avg_pool1d", (2, 2, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                                                "count_include_pad": False}),
    "max3d_plain": ("max_pool3d", (2, 2, 4, 4, 4), {"kernel_size": 2}),
    "max3d_options": ("max_pool3d", (1, 2, 5, 4, 6), {"kernel_size": (2, 3, 2), "stride": (1, 2, 2),
                                                      "padding": (1, 1, 0), "dilation": (1, 1, 2), "ceil_mode": True,
                                                      "return_indices": True}),
    "max3d_overlapping": ("max_pool3d", (1, 1, 4, 3, 4), {"kernel_size": 2, "stride": 1, "return_indices": True}),
    "max3d_unbatched": ("max_pool3d", (2, 3, 5, 3), {"kernel_size": (3, 2, 2), "stride": 2, "padding": (1, 0, 1),
                                                     "ceil_mode": True, "return_indices": True}),
    "max3d_with_indices": ("max_pool3d_with_indices", (1, 2, 4, 4, 3), {"kernel_size": 2, "padding": 1}),
    "max2d_with_indices": ("max_pool2d_with_indices", (2, 5, 4), {"kernel_size": (2, 3), "stride": 1}),
    "max1d_with_indices": ("max_pool1d_with_indices", (2, 2, 7), {"kernel_size": 3, "stride": 2,
                                                                  "return_indices": False}),
    "avg3d_plain": ("avg_pool3d", (2, 2, 4, 4, 4), {"kernel_size": 2}),
    "avg3d_stride_padding_exclude": ("avg_pool3d", (1, 2, 5, 4, 6), {"kernel_size": 3, "stride": (2, 1, 2),
                                                                     "padding": 1, "count_include_pad": False}),
    "avg3d_ceil_padding": ("avg_pool3d", (1, 1, 5, 6, 5), {"kernel_size": (3, 2, 3), "stride": 2,
                                                           "padding": (1, 1, 0), "ceil_mode": True}),
    "avg3d_ceil_padding_exclude": ("avg_pool3d", (1, 1, 6, 5, 6), {"kernel_size": 3, "stride": 2, "padding": 1,
                                                                   "ceil_mode": True, "count_include_pad": False}),
    "avg3d_divisor": ("avg_pool3d", (1, 2, 3, 4, 3), {"kernel_size": 2, "stride": 1, "padding": 1,
                                                      "divisor_override": 5}),
    "avg3d_unbatched": ("avg_pool3d", (2, 3, 4, 5), {"kernel_size": (1, 2, 2), "ceil_mode": True}),
    "adaptive_avg_divisible": ("adaptive_avg_pool2d", (2, 2, 4, 6), {"output_size": (2, 3)}),
    "adaptive_avg_uneven": ("adaptive_avg_pool2d", (1, 2, 5, 7), {"output_size": 3}),
    "adaptive_avg_none": ("adaptive_avg_pool2d", (1, 2, 5, 4), {"output_size": (None, 3)}),
    "adaptive_avg_global": ("adaptive_avg_pool2d", (2, 3, 3, 4), {"output_size": 1}),
    "adaptive_avg_upsample": ("adaptive_avg_pool2d", (3, 2, 3), {"output_size": (4, 5)}),
    "adaptive_max_uneven": ("adaptive_max_pool2d", (1, 2, 5, 7), {"output_size": 3, "return_indices": True}),
    "adaptive_max_none": ("adaptive_max_pool2d", (2, 2, 4, 5), {"output_size": (2, None)}),
    "adaptive_max_unbatched": ("adaptive_max_pool2d", (2, 6, 5), {"output_size": (4, 2), "return_indices": True}),
}


def _call(lib, case):
    name, _, options = POOL[case]
    fn = getattr(F if lib is mt else TF, name)
    return lambda x: fn(x, **options)


def _input(case, seed=0, dtype="float64"):
    # a permutation keeps every value distinct, so no window has a tie for its maximum
    shape = POOL[case][1]
    rng = np.random.default_rng(seed)
    return (rng.permutation(int(np.prod(shape))).reshape(shape) / 7.0 - 2.0).astype(dtype)


def _values(out):
    return out[0] if isinstance(out, tuple) else out


@pytest.mark.parametrize("case", POOL)
def test_pool_gradcheck(case):
    check_gradients(lambda x: _values(_call(mt, case)(x)), _input(case))


@requires_torch
@pytest.mark.parametrize("case", POOL)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pool_matches_torch(case, dtype):
    compare_with_torch(_call(mt, case), _input(case, 1, dtype), torch_fn=_call(torch, case))


@requires_torch
@pytest.mark.parametrize("case", ["max2d_overlapping", "max2d_indices", "avg2d_ceil_padding_exclude",
                                  "adaptive_avg_uneven", "adaptive_max_uneven", "max3d_options", "max3d_overlapping",
                                  "avg3d_ceil_padding_exclude", "avg3d_divisor"])
def test_pool_double_backward_matches_torch(case):
    x = _input(case, 2)
    results = []
    for lib in (mt, torch):
        t = lib.tensor(x, requires_grad=True)
        out = _values(_call(lib, case)(t))
        weights = lib.tensor(np.random.default_rng(3).standard_normal(tuple(out.shape)))
        g, = (lib.autograd if lib is mt else torch.autograd).grad((out * out * weights).sum(), t, create_graph=True)
        (g * g).sum().backward()
        results.append(t.grad.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-9, atol=1e-10)


@requires_torch
@pytest.mark.parametrize("pool", ["max_pool2d", "avg_pool2d"])
@pytest.mark.parametrize("size", [5, 6, 7])
@pytest.mark.parametrize("kernel, stride, padding", [(2, 2, 0), (3, 2, 1), (3, 3, 1), (2, 3, 1), (4, 3, 2)])
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_output_sizes_match_torch(pool, size, kernel, stride, padding, ceil_mode):
    x = np.random.default_rng(size).standard_normal((1, 2, size, size + 1)).astype(np.float32)
    options = {"kernel_size": kernel, "stride": stride, "padding": padding, "ceil_mode": ceil_mode}
    compare_with_torch(lambda x: getattr(F, pool)(x, **options), x,
                       torch_fn=lambda x: getattr(TF, pool)(x, **options))


def test_max_pool_pads_with_minus_infinity_and_indices_are_int64():
    x = -mt.ones(1, 1, 3, 3) - mt.arange(9.0).reshape(1, 1, 3, 3)
    out, idx = F.max_pool2d(x, 2, stride=2, padding=1, return_indices=True)
    np.testing.assert_array_equal(out.numpy(), [[[[-1.0, -2.0], [-4.0, -5.0]]]])
    np.testing.assert_array_equal(idx.numpy(), [[[[0, 1], [3, 4]]]])
    assert idx.dtype == mt.int64 and not idx.requires_grad


@requires_torch
@pytest.mark.parametrize("case", ["max2d_stride_padding", "max2d_ceil_padding", "max1d_options", "max3d_options"])
def test_integer_max_pool_matches_torch(case):
    x = (_input(case, 4) * 7).astype(np.int64)
    compare_with_torch(_call(mt, case), x, torch_fn=_call(torch, case))


@requires_torch
def test_max_pool_nan_is_the_maximum_as_in_torch():
    x = np.random.default_rng(5).standard_normal((2, 3, 6, 6)).astype(np.float32)
    x[0, 1, 2, 3] = x[1, 0, 0, 0] = np.nan
    out, idx = F.max_pool2d(mt.tensor(x), 3, 2, 1, return_indices=True)
    expected, expected_idx = TF.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), expected_idx.numpy())
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


@requires_torch
@pytest.mark.parametrize("options", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1},
                                     {"kernel_size": (2, 3), "stride": 1, "dilation": (1, 2)}])
def test_max_pool_ties_pick_the_first_maximum_as_in_torch(options):
    x = np.random.default_rng(6).integers(0, 3, (2, 3, 7, 8)).astype(np.float32)     # ties in most windows
    xt, x_mt = torch.tensor(x, requires_grad=True), mt.tensor(x, requires_grad=True)
    out, idx = F.max_pool2d(x_mt, return_indices=True, **options)
    expected, expected_idx = TF.max_pool2d(xt, return_indices=True, **options)
    np.testing.assert_array_equal(idx.numpy(), expected_idx.numpy())
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    weights = np.arange(out.numel(), dtype=np.float32).reshape(out.shape)
    (out * mt.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x_mt.grad.numpy(), xt.grad.numpy())


def test_max_pool_gradient_goes_to_the_maximum_once_per_window():
    x = mt.tensor([[[[0.0, 5.0, 1.0], [2.0, 3.0, 4.0]]]], requires_grad=True)
    F.max_pool2d(x, 2, stride=1).sum().backward()      # 5 is the maximum of both windows
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0.0, 2.0, 0.0], [0.0, 0.0, 0.0]]]])


def test_pool_float32_and_exports():
    x = mt.randn(2, 3, 8, 8, requires_grad=True)
    out = F.max_pool2d(x, 2)
    assert out.dtype == mt.float32 and tuple(out.shape) == (2, 3, 4, 4)
    assert out.grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    out.sum().backward()
    assert x.grad.dtype == mt.float32 and float(x.grad.sum()) == 2 * 3 * 16
    for name in ("max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool2d"):
        assert getattr(mt, name) is getattr(F, name)
    assert F.adaptive_max_pool2d is not None


def test_pool_errors():
    with pytest.raises(RuntimeError, match=r"max_pool2d: expected input of shape \(N, C, H, W\) or \(C, H, W\), "
                                           r"got \[4, 4\]"):
        F.max_pool2d(mt.zeros(4, 4), 2)
    with pytest.raises(RuntimeError, match=r"avg_pool1d: expected input of shape \(N, C, L\) or \(C, L\), got \[4\]"):
        F.avg_pool1d(mt.zeros(4), 2)
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size, but got pad=2, "
                                           "kernel_size=3 and dilation=1"):
        F.max_pool2d(mt.zeros(1, 1, 5, 5), 3, padding=2)
    with pytest.raises(RuntimeError, match=r"Given input size: \(1x2x2\)\. Calculated output size: \(1x0x0\)\. "
                                           "Output size is too small"):
        F.avg_pool2d(mt.zeros(1, 1, 2, 2), 3)
    with pytest.raises(RuntimeError, match="stride must be greater than zero"):
        F.max_pool1d(mt.zeros(1, 1, 5), 2, stride=0)
    with pytest.raises(RuntimeError, match="divisor must be not zero"):
        F.avg_pool2d(mt.zeros(1, 1, 4, 4), 2, divisor_override=0)
    with pytest.raises(RuntimeError, match=r"adaptive_avg_pool2d: expected input of shape .* got \[1, 1, 0, 4\]"):
        F.adaptive_avg_pool2d(mt.zeros(1, 1, 0, 4), 2)
    with pytest.raises(RuntimeError, match="output_size must be 2 values"):
        F.adaptive_max_pool2d(mt.zeros(1, 1, 4, 4), (1, 2, 3))
    with pytest.raises(RuntimeError, match="expected floating point tensors of one dtype, got input int64"):
        F.avg_pool2d(mt.zeros(1, 1, 4, 4, dtype=mt.int64), 2)
    with pytest.raises(RuntimeError, match="max_pool2d: expected a floating point or integer input, got bool"):
        F.max_pool2d(mt.zeros(1, 1, 4, 4, dtype=mt.bool), 2)


@pytest.mark.parametrize("stride, expected", [(2, [[0.0, np.inf], [0.0, 0.0]]),           # windows tile the plane
                                              (1, [[0.0, np.nan, 0.0], [0.0, 0.0, 0.0]])])  # overlapping windows
def test_max_pool_gives_non_maxima_zero_gradient_even_when_it_is_inf_or_nan(stride, expected):
    x = mt.tensor([[[[1.0, 5.0], [2.0, 3.0]]]] if stride == 2 else [[[[1.0, 5.0, 0.0], [2.0, 3.0, 1.0]]]],
                  requires_grad=True)
    out = F.max_pool2d(x, 2, stride=stride)
    out.backward(mt.tensor([[[[np.inf, np.nan][:out.shape[-1]]]]]))    # y * 0 would be nan at the other taps
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], expected)
    if torch is not None:
        xt = torch.tensor(x.detach().numpy(), requires_grad=True)
        TF.max_pool2d(xt, 2, stride=stride).backward(torch.tensor([[[[np.inf, np.nan][:out.shape[-1]]]]]))
        np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


@requires_torch
@pytest.mark.parametrize("options", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1},
                                     {"kernel_size": (2, 3, 2), "stride": 1, "dilation": (2, 1, 2)}])
def test_max_pool3d_ties_and_nan_pick_the_maximum_as_in_torch(options):
    """Indices are d * H * W + h * W + w of the first maximum in (d, h, w) order (max_unpool3d reads them)."""
    x = np.random.default_rng(7).integers(0, 3, (2, 2, 6, 7, 6)).astype(np.float32)     # ties in most windows
    x[0, 1, 2, 3, 4] = x[1, 0, 0, 0, 0] = np.nan
    xt, x_mt = torch.tensor(x, requires_grad=True), mt.tensor(x, requires_grad=True)
    out, idx = F.max_pool3d(x_mt, return_indices=True, **options)
    expected, expected_idx = TF.max_pool3d(xt, return_indices=True, **options)
    np.testing.assert_array_equal(idx.numpy(), expected_idx.numpy())
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    weights = np.arange(out.numel(), dtype=np.float32).reshape(out.shape)
    (out * mt.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x_mt.grad.numpy(), xt.grad.numpy())


@requires_torch
@pytest.mark.parametrize("pool", ["max_pool3d", "avg_pool3d"])
@pytest.mark.parametrize("kernel, stride, padding",
                         [(2, 2, 0), (3, 2, 1), (2, 3, 1), ((3, 2, 4), (1, 3, 2), (1, 0, 2))])
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool3d_output_sizes_match_torch(pool, kernel, stride, padding, ceil_mode):
    x = np.random.default_rng(8).standard_normal((1, 2, 5, 6, 7)).astype(np.float32)
    options = {"kernel_size": kernel, "stride": stride, "padding": padding, "ceil_mode": ceil_mode}
    compare_with_torch(lambda x: getattr(F, pool)(x, **options), x,
                       torch_fn=lambda x: getattr(TF, pool)(x, **options))


def test_pool3d_grad_fn_names_and_exports():
    x = mt.randn(1, 2, 4, 4, 4, requires_grad=True)
    assert F.max_pool3d(x, 2).grad_fn.name() == "MaxPool3DWithIndicesBackward0"
    assert F.avg_pool3d(x, 2).grad_fn.name() == "AvgPool3DBackward0"
    assert mt.max_pool3d is F.max_pool3d and mt.max_pool1d_with_indices is F.max_pool1d_with_indices
    out, idx = F.max_pool2d_with_indices(x[0], 2)
    assert idx.dtype == mt.int64 and tuple(idx.shape) == tuple(out.shape) == (2, 4, 2, 2)


def test_pool3d_errors():
    with pytest.raises(RuntimeError, match=r"max_pool3d: expected input of shape \(N, C, D, H, W\) or \(C, D, H, W\), "
                                           r"got \[4, 4\]"):
        F.max_pool3d(mt.zeros(4, 4), 2)
    with pytest.raises(RuntimeError, match=r"avg_pool3d: Given input size: \(1x2x2x2\)\. Calculated output size: "
                                           r"\(1x0x0x0\)\. Output size is too small"):
        F.avg_pool3d(mt.zeros(1, 1, 2, 2, 2), 3)
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size, but got pad=2, "
                                           "kernel_size=3 and dilation=1"):
        F.avg_pool3d(mt.zeros(1, 1, 4, 4, 4), 3, padding=2)
    with pytest.raises(TypeError, match=r"max_pool3d: kernel_size must be an int or a tuple of 3 ints, got \(2, 2\)"):
        F.max_pool3d(mt.zeros(1, 1, 4, 4, 4), (2, 2))
    with pytest.raises(RuntimeError, match="max_pool3d: dilation must be greater than zero"):
        F.max_pool3d(mt.zeros(1, 1, 4, 4, 4), 2, dilation=0)
    with pytest.raises(RuntimeError, match="avg_pool3d: divisor must be not zero"):
        F.avg_pool3d(mt.zeros(1, 1, 4, 4, 4), 2, divisor_override=0)
    with pytest.raises(RuntimeError, match="max_pool3d: expected a floating point or integer input, got bool"):
        F.max_pool3d(mt.zeros(1, 1, 4, 4, 4, dtype=mt.bool), 2)
    with pytest.raises(RuntimeError, match="expected floating point tensors of one dtype, got input int64"):
        F.avg_pool3d(mt.zeros(1, 1, 4, 4, 4, dtype=mt.int64), 2)

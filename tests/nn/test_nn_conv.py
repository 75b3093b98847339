"""conv1d/2d/3d, conv_transpose1d/2d/3d, unfold and fold: gradients of first and second order, PyTorch's values,
errors."""
import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, requires_torch, seeds, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor.nn import functional as F

# an asymmetric 'same' padding warns, as PyTorch's does (tests/nn/test_nn_odd_inputs.py checks the warning)
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")

if torch is not None:
    import torch.nn.functional as TF

# name -> (function name, input shape, weight shape, bias?, options): every option of every op
CONV = {
    "conv2d_plain": ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), True, {}),
    "conv2d_no_bias": ("conv2d", (1, 2, 4, 5), (3, 2, 2, 3), False, {}),
    "conv2d_stride": ("conv2d", (2, 2, 6, 5), (3, 2, 3, 2), True, {"stride": (2, 3)}),
    "conv2d_padding": ("conv2d", (1, 2, 4, 4), (2, 2, 3, 3), True, {"padding": 1}),
    "conv2d_padding_tuple": ("conv2d", (1, 2, 4, 3), (2, 2, 3, 2), True, {"padding": (2, 1), "stride": 2}),
    "conv2d_same_odd": ("conv2d", (1, 2, 5, 4), (3, 2, 3, 3), True, {"padding": "same"}),
    "conv2d_same_even_dilated": ("conv2d", (1, 2, 6, 5), (2, 2, 4, 2), True, {"padding": "same", "dilation": (1, 3)}),
    "conv2d_valid": ("conv2d", (1, 2, 4, 4), (2, 2, 2, 2), True, {"padding": "valid"}),
    "conv2d_dilation": ("conv2d", (1, 2, 7, 6), (2, 2, 3, 2), True, {"dilation": 2, "padding": 1}),
    "conv2d_groups": ("conv2d", (2, 4, 4, 4), (6, 2, 2, 3), True, {"groups": 2, "stride": (1, 2)}),
    "conv2d_depthwise": ("conv2d", (2, 3, 5, 4), (3, 1, 3, 3), True, {"groups": 3, "padding": 1}),
    "conv2d_depthwise_multiplier": ("conv2d", (1, 2, 4, 4), (4, 1, 2, 2), False, {"groups": 2}),
    "conv2d_unbatched": ("conv2d", (2, 4, 5), (3, 2, 2, 2), True, {"padding": (0, 1)}),
    "conv2d_1x1": ("conv2d", (2, 3, 3, 2), (2, 3, 1, 1), True, {}),
    "conv1d_plain": ("conv1d", (2, 3, 7), (4, 3, 3), True, {}),
    "conv1d_stride_padding": ("conv1d", (2, 2, 8), (3, 2, 3), False, {"stride": 2, "padding": 2}),
    "conv1d_same_even_dilated": ("conv1d", (1, 2, 7), (2, 2, 4), True, {"padding": "same", "dilation": 2}),
    "conv1d_groups": ("conv1d", (2, 4, 6), (4, 2, 2), True, {"groups": 2, "dilation": 2}),
    "conv1d_depthwise": ("conv1d", (1, 3, 6), (3, 1, 3), True, {"groups": 3, "padding": "valid"}),
    "conv1d_unbatched": ("conv1d", (2, 6), (3, 2, 3), True, {"padding": 1}),
    "conv_transpose2d_plain": ("conv_transpose2d", (2, 3, 3, 4), (3, 2, 3, 2), True, {}),
    "conv_transpose2d_stride": ("conv_transpose2d", (1, 2, 3, 3), (2, 3, 3, 3), True, {"stride": 2, "padding": 1}),
    "conv_transpose2d_output_padding": ("conv_transpose2d", (1, 2, 3, 2), (2, 2, 3, 2), False,
                                        {"stride": (2, 3), "padding": (1, 0), "output_padding": (1, 2)}),
    "conv_transpose2d_groups": ("conv_transpose2d", (2, 4, 3, 3), (4, 1, 2, 2), True, {"groups": 2, "stride": 2}),
    "conv_transpose2d_dilation": ("conv_transpose2d", (1, 2, 3, 3), (2, 2, 2, 3), True,
                                  {"dilation": (2, 1), "padding": 1, "output_padding": 1, "stride": (1, 2)}),
    "conv_transpose2d_unbatched": ("conv_transpose2d", (2, 3, 3), (2, 3, 2, 2), True, {"stride": 2}),
    "conv3d_plain": ("conv3d", (2, 2, 3, 4, 3), (3, 2, 2, 2, 2), True, {}),
    "conv3d_stride_padding": ("conv3d", (1, 2, 4, 3, 5), (2, 2, 2, 3, 2), False,
                              {"stride": (2, 1, 3), "padding": (1, 0, 2)}),
    "conv3d_same_even_dilated": ("conv3d", (1, 2, 4, 5, 3), (2, 2, 2, 3, 2), True,
                                 {"padding": "same", "dilation": (1, 2, 1)}),
    "conv3d_valid_dilation": ("conv3d", (1, 1, 5, 4, 4), (2, 1, 2, 2, 2), True,
                              {"padding": "valid", "dilation": (2, 1, 2)}),
    "conv3d_groups": ("conv3d", (2, 4, 3, 3, 4), (4, 2, 2, 1, 2), True, {"groups": 2, "stride": (1, 2, 1)}),
    "conv3d_depthwise": ("conv3d", (1, 3, 3, 3, 3), (3, 1, 2, 2, 2), False, {"groups": 3, "padding": 1}),
    "conv3d_unbatched": ("conv3d", (2, 3, 4, 3), (2, 2, 2, 2, 1), True, {"padding": (0, 1, 0)}),
    "conv_transpose1d_plain": ("conv_transpose1d", (2, 3, 5), (3, 2, 3), True, {}),
    "conv_transpose1d_options": ("conv_transpose1d", (2, 4, 4), (4, 1, 3), True,
                                 {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2, "dilation": 2}),
    "conv_transpose1d_unbatched": ("conv_transpose1d", (2, 4), (2, 3, 2), False, {"stride": 3, "output_padding": 2}),
    "conv_transpose3d_plain": ("conv_transpose3d", (1, 2, 2, 3, 2), (2, 2, 2, 2, 2), True, {}),
    "conv_transpose3d_options": ("conv_transpose3d", (1, 4, 2, 2, 3), (4, 1, 2, 3, 2), True,
                                 {"stride": (2, 1, 2), "padding": (1, 0, 1), "output_padding": (1, 0, 1),
                                  "groups": 2, "dilation": (1, 2, 1)}),
    "conv_transpose3d_unbatched": ("conv_transpose3d", (2, 2, 2, 2), (2, 1, 2, 1, 2), False, {"stride": 2}),
}


def _arrays(case, seed=0, dtype="float64"):
    _, xs, ws, has_bias, _ = CONV[case]
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws)]
    if has_bias:
        out_c = ws[1] * CONV[case][4].get("groups", 1) if CONV[case][0].startswith("conv_transpose") else ws[0]
        arrays.append(rng.standard_normal(out_c))
    return [a.astype(dtype) for a in arrays]


def _call(lib, case):
    name, _, _, _, options = CONV[case]
    fn = getattr(F if lib is mt else TF, name)
    return lambda x, w, b=None: fn(x, w, b, **options)


@pytest.mark.parametrize("case", CONV)
def test_conv_gradcheck(case):
    check_gradients(_call(mt, case), *_arrays(case))


@requires_torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("case", CONV)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv_matches_torch(case, dtype):
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == "float32" else {"rtol": 1e-10, "atol": 1e-12}
    compare_with_torch(_call(mt, case), *_arrays(case, 1, dtype), torch_fn=_call(torch, case), **tol)


@requires_torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("case", ["conv2d_groups", "conv2d_same_even_dilated", "conv1d_groups",
                                  "conv_transpose2d_output_padding", "conv_transpose2d_groups", "conv3d_groups",
                                  "conv3d_same_even_dilated", "conv_transpose1d_options",
                                  "conv_transpose3d_options"])
def test_conv_double_backward_matches_torch(case):
    arrays = _arrays(case, 2)
    ours = [mt.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    results = []
    for lib, inputs in ((mt, ours), (torch, theirs)):
        out = _call(lib, case)(*inputs)
        weights = lib.tensor(np.random.default_rng(3).standard_normal(tuple(out.shape)))
        grads = (lib.autograd if lib is mt else torch.autograd).grad((out * weights).sum(), inputs, create_graph=True)
        (sum((g * g).sum() for g in grads)).backward()
        results.append([None if t.grad is None else t.grad.numpy() for t in inputs])
    assert results[0][0] is not None and results[0][1] is not None     # the bias's gradient is constant
    for a, b in zip(*results):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


@requires_torch
@pytest.mark.parametrize("nd", [1, 2, 3])
@settings(max_examples=20)
@given(seed=seeds, data=st.data())
def test_random_conv_geometry_matches_torch(nd, seed, data):
    groups = data.draw(st.sampled_from([1, 2, 3]))
    cin, cout = groups * data.draw(st.integers(1, 2)), groups * data.draw(st.integers(1, 2))
    k = tuple(data.draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(data.draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(data.draw(st.integers(1, 2)) for _ in range(nd))
    padding = tuple(data.draw(st.integers(0, 2)) for _ in range(nd))
    size = tuple(dilation[i] * (k[i] - 1) + 1 + data.draw(st.integers(0, 3)) for i in range(nd))
    batch = data.draw(st.sampled_from([(), (1,), (2,)]))                 # () is an unbatched input
    conv, conv_t = f"conv{nd}d", f"conv_transpose{nd}d"
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(batch + (cin,) + size), rng.standard_normal((cout, cin // groups) + k)
    b = rng.standard_normal(cout)
    options = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    compare_with_torch(lambda x, w, b: getattr(F, conv)(x, w, b, **options), x, w, b,
                       torch_fn=lambda x, w, b: getattr(TF, conv)(x, w, b, **options), rtol=1e-10, atol=1e-12)
    wt = rng.standard_normal((cin, cout // groups) + k)
    out_pad = tuple(int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation))
    t_options = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups,
                 "output_padding": out_pad}
    expected_size = [(n - 1) * s - 2 * p + d * (kk - 1) + o + 1
                     for n, s, p, d, kk, o in zip(size, stride, padding, dilation, k, out_pad)]
    if min(expected_size) > 0:
        compare_with_torch(lambda x, w: getattr(F, conv_t)(x, w, **t_options), x, wt,
                           torch_fn=lambda x, w: getattr(TF, conv_t)(x, w, **t_options), rtol=1e-10, atol=1e-12)


def test_conv_float32_output_and_grad_fn():
    x = mt.randn(2, 3, 8, 8)
    w = mt.randn(4, 3, 3, 3, requires_grad=True)
    out = F.conv2d(x, w, padding=1)
    assert out.dtype == mt.float32 and tuple(out.shape) == (2, 4, 8, 8)
    assert out.grad_fn.name() == "ConvolutionBackward0"
    out.sum().backward()
    assert w.grad.dtype == mt.float32 and x.grad is None
    assert mt.conv2d is F.conv2d and mt.conv_transpose2d is F.conv_transpose2d and mt.conv1d is F.conv1d
    assert mt.conv3d is F.conv3d and mt.conv_transpose1d is F.conv_transpose1d
    assert mt.conv_transpose3d is F.conv_transpose3d
    out3 = F.conv3d(mt.randn(2, 3, 4, 4, 4), mt.randn(2, 3, 3, 3, 3, requires_grad=True), padding=1)
    assert out3.dtype == mt.float32 and tuple(out3.shape) == (2, 2, 4, 4, 4)
    assert out3.grad_fn.name() == "ConvolutionBackward0"


def test_conv_transpose_is_the_input_gradient_of_conv():
    rng = np.random.default_rng(4)
    x = mt.tensor(rng.standard_normal((2, 3, 8, 6)), requires_grad=True)
    w = mt.tensor(rng.standard_normal((4, 3, 3, 2)))
    y = mt.tensor(rng.standard_normal((2, 4, 3, 4)))
    (F.conv2d(x, w, stride=2, padding=(0, 1)) * y).sum().backward()
    expected = F.conv_transpose2d(y, w, stride=2, padding=(0, 1), output_padding=(1, 0))
    np.testing.assert_allclose(x.grad.numpy(), expected.numpy(), rtol=1e-12, atol=1e-12)


UNFOLD = {
    "plain": {"kernel_size": 2},
    "strided_padded": {"kernel_size": (2, 3), "stride": (2, 1), "padding": 1},
    "dilated": {"kernel_size": 2, "dilation": (2, 1), "stride": 2},
}


@pytest.mark.parametrize("case", UNFOLD)
@pytest.mark.parametrize("batched", [True, False])
def test_unfold_fold_gradcheck(case, batched):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 2, 5, 4) if batched else (2, 5, 4))
    check_gradients(lambda x: F.unfold(x, **UNFOLD[case]), x)
    cols = F.unfold(mt.tensor(x), **UNFOLD[case]).numpy()
    check_gradients(lambda c: F.fold(c, (5, 4), **UNFOLD[case]), rng.standard_normal(cols.shape))


@requires_torch
@pytest.mark.parametrize("case", UNFOLD)
@pytest.mark.parametrize("batched", [True, False])
def test_unfold_fold_match_torch(case, batched):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 6, 5) if batched else (3, 6, 5)).astype(np.float32)
    compare_with_torch(lambda x: F.unfold(x, **UNFOLD[case]), x, torch_fn=lambda x: TF.unfold(x, **UNFOLD[case]))
    cols = TF.unfold(torch.tensor(x), **UNFOLD[case]).numpy()
    c = rng.standard_normal(cols.shape).astype(np.float32)
    compare_with_torch(lambda c: F.fold(c, (6, 5), **UNFOLD[case]), c,
                       torch_fn=lambda c: TF.fold(c, (6, 5), **UNFOLD[case]))


def test_conv_errors():
    x, w = mt.zeros(8, 1, 28, 28), mt.zeros(6, 3, 5, 5)
    with pytest.raises(RuntimeError, match=r"conv2d: expected input of shape \(N, C_in, H, W\) or \(C_in, H, W\) "
                                           r"with C_in = 3 \(weight \[6, 3, 5, 5\], groups 1\), got \[8, 1, 28, 28\]"):
        F.conv2d(x, w)
    with pytest.raises(RuntimeError, match=r"conv2d: expected input of shape .* got \[28, 28\]"):
        F.conv2d(mt.zeros(28, 28), w)
    with pytest.raises(RuntimeError, match=r"conv1d: expected input of shape \(N, C_in, L\) or \(C_in, L\) with "
                                           r"C_in = 4 .* got \[2, 3, 9\]"):
        F.conv1d(mt.zeros(2, 3, 9), mt.zeros(2, 2, 3), groups=2)
    with pytest.raises(RuntimeError, match=r"conv2d: expected a 4-D weight .* got weight of shape \[6, 3, 5\]"):
        F.conv2d(x, mt.zeros(6, 3, 5))
    with pytest.raises(RuntimeError, match=r"Calculated padded input size per channel: \(4 x 4\)\. Kernel size: "
                                           r"\(5 x 5\)\. Kernel size can't be greater than actual input size"):
        F.conv2d(mt.zeros(1, 3, 2, 2), w, padding=1)
    with pytest.raises(RuntimeError, match=r"Kernel size: \(5 x 9\)"):
        F.conv2d(mt.zeros(1, 3, 8, 8), w, dilation=(1, 2))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        F.conv2d(mt.zeros(1, 3, 8, 8), w, stride=2, padding="same")
    with pytest.raises(ValueError, match="invalid padding string 'full'"):
        F.conv2d(mt.zeros(1, 3, 8, 8), w, padding="full")
    with pytest.raises(RuntimeError, match=r"expected weight to be divisible by 4 at dimension 0, but got weight of "
                                           r"size \[6, 3, 5, 5\]"):
        F.conv2d(mt.zeros(1, 12, 8, 8), w, groups=4)
    with pytest.raises(RuntimeError, match=r"expected bias to be 1-dimensional with 6 elements, but got bias of size "
                                           r"\[5\]"):
        F.conv2d(mt.zeros(1, 3, 8, 8), w, mt.zeros(5))
    with pytest.raises(RuntimeError, match="non-positive stride"):
        F.conv2d(mt.zeros(1, 3, 8, 8), w, stride=0)
    with pytest.raises(RuntimeError, match="negative padding"):
        F.conv2d(mt.zeros(1, 3, 8, 8), w, padding=-1)
    with pytest.raises(RuntimeError, match="float32, weight float64"):
        F.conv2d(mt.zeros(1, 3, 8, 8), mt.zeros(6, 3, 5, 5, dtype=mt.float64))
    with pytest.raises(TypeError, match="stride must be an int or a tuple of 2 ints"):
        F.conv2d(mt.zeros(1, 3, 8, 8), w, stride=(1, 2, 3))


def test_remembered_geometry_still_checks_option_types_and_follows_shapes():
    """Convolution and pooling remember geometries by shape and options: a cached (2, 2) stride must not let
    (2.0, 2.0) or True through, lists work as tuples, and each input shape gets its own output size."""
    w = mt.zeros(6, 3, 3, 3)
    assert F.conv2d(mt.zeros(1, 3, 8, 8), w, stride=(2, 2)).shape == (1, 6, 3, 3)
    assert F.conv2d(mt.zeros(2, 3, 9, 9), w, stride=[2, 2]).shape == (2, 6, 4, 4)
    assert F.conv2d(mt.zeros(3, 8, 8), w, stride=(2, 2)).shape == (6, 3, 3)
    with pytest.raises(TypeError, match="stride must be an int or a tuple of 2 ints, got \\(2.0, 2.0\\)"):
        F.conv2d(mt.zeros(1, 3, 8, 8), w, stride=(2.0, 2.0))
    assert F.conv2d(mt.zeros(1, 3, 8, 8), w, dilation=1).shape == (1, 6, 6, 6)
    with pytest.raises(TypeError, match="dilation must be an int"):
        F.conv2d(mt.zeros(1, 3, 8, 8), w, dilation=True)
    assert F.max_pool2d(mt.zeros(1, 3, 8, 8), 2).shape == (1, 3, 4, 4)
    assert F.max_pool2d(mt.zeros(1, 3, 6, 6), [2, 2]).shape == (1, 3, 3, 3)
    with pytest.raises(TypeError, match="kernel_size must be an int"):
        F.max_pool2d(mt.zeros(1, 3, 8, 8), 2.0)
    with pytest.raises(TypeError, match="kernel_size must be an int"):
        F.max_pool2d(mt.zeros(1, 3, 8, 8), np.array([2, 2]))


def test_conv_transpose_and_fold_errors():
    with pytest.raises(RuntimeError, match=r"conv_transpose2d: expected input of shape .* with C_in = 4 .* got "
                                           r"\[1, 3, 5, 5\]"):
        F.conv_transpose2d(mt.zeros(1, 3, 5, 5), mt.zeros(4, 2, 3, 3))
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride or dilation"):
        F.conv_transpose2d(mt.zeros(1, 4, 5, 5), mt.zeros(4, 2, 3, 3), stride=2, output_padding=2)
    with pytest.raises(RuntimeError, match="is too small"):
        F.conv_transpose2d(mt.zeros(1, 4, 1, 1), mt.zeros(4, 2, 1, 1), padding=1)
    with pytest.raises(RuntimeError,
                       match=r"unfold: expected input of shape \(N, C, H, W\) or \(C, H, W\), got \[5, 5\]"):
        F.unfold(mt.zeros(5, 5), 2)
    with pytest.raises(RuntimeError, match=r"calculated number of sliding blocks 2 \* 2 = 4, but got 5"):
        F.fold(mt.zeros(1, 8, 5), (3, 3), 2)
    with pytest.raises(RuntimeError, match=r"divisible by the product of kernel_size \(2 \* 2 = 4\), but got 6"):
        F.fold(mt.zeros(1, 6, 4), (3, 3), 2)


def test_conv3d_and_transposed_1d_3d_errors():
    w = mt.zeros(2, 3, 2, 2, 2)
    with pytest.raises(RuntimeError, match=r"conv3d: expected input of shape \(N, C_in, D, H, W\) or \(C_in, D, H, W\) "
                                           r"with C_in = 3 \(weight \[2, 3, 2, 2, 2\], groups 1\), got \[1, 3, 4, 4\]"):
        F.conv3d(mt.zeros(1, 3, 4, 4), w)
    with pytest.raises(RuntimeError, match=r"conv3d: expected input .* with C_in = 3 .* got \[1, 2, 4, 4, 4\]"):
        F.conv3d(mt.zeros(1, 2, 4, 4, 4), w)
    with pytest.raises(RuntimeError, match=r"conv3d: expected a 5-D weight \(C_out, C_in / groups, kD, kH, kW\), got "
                                           r"weight of shape \[2, 3, 3, 3\]"):
        F.conv3d(mt.zeros(1, 3, 4, 4, 4), mt.zeros(2, 3, 3, 3))
    with pytest.raises(RuntimeError, match=r"Calculated padded input size per channel: \(2 x 4 x 4\)\. Kernel size: "
                                           r"\(3 x 3 x 3\)\. Kernel size can't be greater than actual input size"):
        F.conv3d(mt.zeros(1, 3, 2, 4, 4), mt.zeros(2, 3, 3, 3, 3))
    with pytest.raises(TypeError, match="conv3d: stride must be an int or a tuple of 3 ints, got \\(1, 2\\)"):
        F.conv3d(mt.zeros(1, 3, 4, 4, 4), w, stride=(1, 2))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        F.conv3d(mt.zeros(1, 3, 4, 4, 4), w, stride=2, padding="same")
    with pytest.raises(RuntimeError, match=r"conv_transpose3d: expected input of shape \(N, C_in, D, H, W\) or "
                                           r"\(C_in, D, H, W\) with C_in = 2 .* got \[1, 3, 4, 4, 4\]"):
        F.conv_transpose3d(mt.zeros(1, 3, 4, 4, 4), w)
    with pytest.raises(RuntimeError, match=r"conv_transpose3d: expected a 5-D weight \(C_in, C_out / groups, kD, kH, "
                                           r"kW\), got weight of shape \[3, 2, 2, 2\]"):
        F.conv_transpose3d(mt.zeros(1, 3, 4, 4, 4), mt.zeros(3, 2, 2, 2))
    with pytest.raises(RuntimeError, match="conv_transpose1d: output padding must be smaller than either stride or "
                                           "dilation, got output_padding \\(2,\\), stride \\(2,\\)"):
        F.conv_transpose1d(mt.zeros(1, 3, 4), mt.zeros(3, 3, 3), stride=2, output_padding=2)
    with pytest.raises(RuntimeError, match=r"conv_transpose1d: given input size per channel \(1\), the calculated "
                                           r"output size \(-1\) is too small"):
        F.conv_transpose1d(mt.zeros(1, 3, 1), mt.zeros(3, 3, 1), padding=1)
    with pytest.raises(RuntimeError, match="conv_transpose3d: given weight of size .* expected bias to be "
                                           "1-dimensional with 4 elements, but got bias of size \\[3\\]"):
        F.conv_transpose3d(mt.zeros(1, 2, 2, 2, 2), mt.zeros(2, 2, 1, 1, 1), mt.zeros(3), groups=2)

"""interpolate's interpolating modes (linear, bilinear, bicubic, trilinear, area) with align_corners,
scale_factor and recompute_scale_factor, the Upsample modules and the deprecated upsample functions: PyTorch's
values and gradients, finite differences of first and second order, reprs and errors."""
import warnings

import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, rand, requires_torch, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor.nn import functional as F

TF = torch.nn.functional if torch is not None else None

# (input shape, interpolate keyword arguments)
CASES = [
    ((2, 3, 5), {"size": 8, "mode": "linear"}),
    ((2, 3, 5), {"size": 3, "mode": "linear", "align_corners": True}),
    ((1, 2, 5), {"scale_factor": 1.7, "mode": "linear"}),
    ((1, 2, 5), {"scale_factor": 0.5, "mode": "linear", "align_corners": False}),
    ((1, 2, 4, 5), {"size": (7, 3), "mode": "bilinear"}),
    ((1, 2, 4, 5), {"scale_factor": (2.5, 0.6), "mode": "bilinear", "align_corners": True}),
    ((1, 2, 4, 5), {"scale_factor": 1.3, "mode": "bilinear", "recompute_scale_factor": True}),
    ((2, 1, 1, 5), {"size": (3, 1), "mode": "bilinear", "align_corners": True}),
    ((1, 2, 4, 5), {"size": (7, 3), "mode": "bicubic"}),
    ((1, 1, 4, 5), {"size": (9, 11), "mode": "bicubic", "align_corners": True}),
    ((1, 2, 6, 5), {"scale_factor": 0.55, "mode": "bicubic"}),
    ((1, 1, 2, 2), {"scale_factor": 3, "mode": "bicubic"}),
    ((1, 2, 3, 4, 5), {"size": (4, 2, 7), "mode": "trilinear"}),
    ((1, 1, 2, 3, 2), {"scale_factor": (2, 1.5, 0.5), "mode": "trilinear", "align_corners": True}),
    ((1, 2, 7), {"scale_factor": 0.5, "mode": "area"}),
    ((1, 2, 7, 5), {"size": (3, 4), "mode": "area"}),
    ((1, 2, 3, 4, 5), {"scale_factor": 1.5, "mode": "area"}),
    ((2, 2, 4), {"size": 4, "mode": "linear"}),
]
IDS = [f"{i}-{kw['mode']}" for i, (_, kw) in enumerate(CASES)]


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape, kwargs", CASES, ids=IDS)
def test_matches_torch(shape, kwargs, dtype):
    x = rand(0, shape)[0].astype(dtype)
    compare_with_torch(lambda t: F.interpolate(t, **kwargs), x, torch_fn=lambda t: TF.interpolate(t, **kwargs))


@pytest.mark.parametrize("shape, kwargs", CASES, ids=IDS)
def test_gradcheck(shape, kwargs):
    check_gradients(lambda t: F.interpolate(t, **kwargs), rand(1, shape)[0])


@requires_torch
@given(n_in=st.integers(1, 9), n_out=st.integers(1, 12), align=st.booleans(), mode=st.sampled_from(["bilinear",
       "bicubic"]), scale=st.one_of(st.none(), st.floats(0.3, 3.0)))
@settings(max_examples=40)
def test_every_geometry_matches_torch(n_in, n_out, align, mode, scale):
    """Each output size (or scale) from each input size, both corner conventions: PyTorch's values and grads."""
    kwargs = {"mode": mode, "align_corners": align}
    kwargs.update({"size": (n_out, 2)} if scale is None else {"scale_factor": (scale, 1.0)})
    if int(n_in * (scale or 1)) < 1:
        return
    x = rand(2, (1, 2, n_in, 2))[0]
    # PyTorch's bicubic backward copies the gradient when the output has the input's size, though its forward
    # interpolates there when a scale_factor != 1 gives that size (its gradcheck fails); ours is the true gradient
    torch_grad_wrong = mode == "bicubic" and scale is not None and int(n_in * scale) == n_in
    compare_with_torch(lambda t: F.interpolate(t, **kwargs), x, torch_fn=lambda t: TF.interpolate(t, **kwargs),
                       rtol=1e-10, atol=1e-12, check_grad=not torch_grad_wrong)
    if torch_grad_wrong:
        check_gradients(lambda t: F.interpolate(t, **kwargs), x, second_order=False)


@requires_torch
@pytest.mark.parametrize("cls, kwargs, shape", [
    ("Upsample", {"scale_factor": 2}, (1, 2, 3, 3)), ("Upsample", {"size": 5, "mode": "linear"}, (2, 1, 3)),
    ("Upsample", {"scale_factor": (2, 1.5), "mode": "bilinear", "align_corners": True}, (1, 1, 2, 4)),
    ("Upsample", {"size": (3, 4, 2), "mode": "trilinear"}, (1, 1, 2, 2, 2)),
    ("Upsample", {"scale_factor": 0.5, "mode": "area", "recompute_scale_factor": True}, (1, 1, 4, 4)),
    ("Upsample", {"scale_factor": 2.0, "mode": "bicubic"}, (1, 1, 3, 3)),
    ("UpsamplingNearest2d", {"scale_factor": 2}, (1, 2, 2, 3)), ("UpsamplingNearest2d", {"size": (3, 5)}, (1, 1, 2, 2)),
    ("UpsamplingBilinear2d", {"scale_factor": 2}, (1, 2, 2, 3)), ("UpsamplingBilinear2d", {"size": 4}, (1, 1, 3, 2)),
])
def test_modules_match_torch(cls, kwargs, shape):
    ours, theirs = getattr(mt.nn, cls)(**kwargs), getattr(torch.nn, cls)(**kwargs)
    assert repr(ours) == repr(theirs)
    assert (ours.scale_factor, ours.size, ours.mode, ours.align_corners) == (
        theirs.scale_factor, theirs.size, theirs.mode, theirs.align_corners)
    compare_with_torch(ours, rand(3, shape)[0], torch_fn=theirs)


@requires_torch
@pytest.mark.parametrize("name, kwargs", [("upsample", {"scale_factor": 2, "mode": "bilinear"}),
                                          ("upsample_nearest", {"size": 5}), ("upsample_bilinear", {"size": (3, 5)})])
def test_deprecated_upsample_functions_warn_and_match_torch(name, kwargs):
    x = rand(4, (1, 2, 2, 3))[0]
    with pytest.warns(UserWarning, match=f"nn.functional.{name}` is deprecated"):
        out = getattr(F, name)(mt.tensor(x), **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = getattr(TF, name)(torch.tensor(x), **kwargs)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-12)


def test_interpolation_keeps_constants_and_linear_ramps():
    ramp = mt.arange(5.0).reshape(1, 1, 5)
    out = F.interpolate(ramp, size=9, mode="linear", align_corners=True)
    np.testing.assert_allclose(out.numpy().ravel(), np.linspace(0, 4, 9))
    ones = mt.ones(2, 3, 4, 5, dtype=mt.float64)
    for mode in ("bilinear", "bicubic", "area"):
        np.testing.assert_allclose(F.interpolate(ones, size=(7, 3), mode=mode).numpy(), 1.0, rtol=1e-12)


ERRORS = [
    ({"size": 2, "mode": "nearest", "align_corners": True}, (1, 1, 3), ValueError,
     "align_corners option can only be set with the interpolating modes"),
    ({"size": 2, "mode": "area", "align_corners": False}, (1, 1, 3), ValueError, "align_corners option"),
    ({"size": 2, "mode": "bilinear"}, (1, 1, 3), ValueError, "Got 3D input, but bilinear mode needs 4D input"),
    ({"size": 2, "mode": "linear"}, (1, 1, 3, 3), ValueError, "Got 4D input, but linear mode needs 3D input"),
    ({"size": 2, "mode": "bicubic"}, (1, 1, 3, 3, 3), ValueError, "Got 5D input, but bicubic mode needs 4D input"),
    ({"size": 2, "mode": "trilinear"}, (1, 1, 3), ValueError, "trilinear mode needs 5D input"),
    ({"size": 2, "mode": "cubic"}, (1, 1, 3), ValueError, "unknown mode 'cubic'"),
    ({"size": 2, "mode": "bilinear"}, (1, 3, 3), ValueError, "Got 3D input"),
    ({"size": 2}, (3, 3), ValueError, r"Only 3D, 4D and 5D input Tensors supported \(got 2D\)"),
    ({"size": 2, "recompute_scale_factor": True}, (1, 1, 3), ValueError, "not meaningful with an explicit size"),
    ({"size": 2.5, "mode": "linear"}, (1, 1, 3), TypeError, "expected size to be one of int"),
    ({"size": (2, 2), "mode": "linear"}, (1, 1, 3), ValueError, "same number of spatial dimensions"),
    ({"scale_factor": (2, 2), "mode": "linear"}, (1, 1, 3), ValueError, "scale_factor of shape"),
    ({"scale_factor": 0.2, "mode": "linear"}, (1, 1, 3), RuntimeError, "must be greater than 0"),
    ({"size": 4, "mode": "bilinear", "antialias": True}, (1, 1, 3, 3), ValueError, "antialias=True"),
]


@pytest.mark.parametrize("kwargs, shape, error, message", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors(kwargs, shape, error, message):
    with pytest.raises(error, match=message):
        F.interpolate(mt.zeros(*shape), **kwargs)


def test_integer_input_needs_a_float_for_interpolating_modes():
    with pytest.raises(RuntimeError, match="interpolate"):
        F.interpolate(mt.zeros(1, 1, 3, dtype=mt.int64), size=5, mode="linear")
    assert F.interpolate(mt.zeros(1, 1, 3, dtype=mt.int64), size=5).dtype == mt.int64

"""F.pad with negative (cropping) widths in every mode, and the padding modules: PyTorch's values, gradients,
reprs and errors; finite differences of first and second order."""
import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, rand, requires_torch, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor.nn import functional as F

TF = torch.nn.functional if torch is not None else None

# (input shape, pad, mode)
CASES = [
    ((1, 2, 6), (-1, 2), "reflect"), ((1, 2, 6), (2, -1), "reflect"), ((1, 2, 6), (-3, 4), "reflect"),
    ((1, 2, 6), (-5, 1), "reflect"), ((2, 6), (-2, -2), "reflect"), ((1, 1, 3, 4), (1, -1, -1, 2), "reflect"),
    ((1, 1, 3, 4, 5), (-1, 2, 1, -2, 0, 1), "reflect"),
    ((1, 2, 6), (-1, 2), "replicate"), ((1, 2, 6), (2, -1), "replicate"), ((1, 2, 6), (-8, 9), "replicate"),
    ((1, 1, 3, 4), (1, -1, -1, 2), "replicate"), ((2, 3, 4, 5), (-2, 3, 0, -1, 2, -1), "replicate"),
    ((1, 2, 6), (-1, 2), "circular"), ((1, 2, 6), (2, -1), "circular"), ((1, 2, 6), (-3, 3), "circular"),
    ((1, 1, 3, 4), (1, -1, -1, 2), "circular"), ((1, 1, 3, 4, 5), (-1, 2, 1, -1, 0, -1), "circular"),
    ((2, 3, 4), (-1, -2, 2, -1), "constant"), ((2, 3), (-1, 3), "constant"),
]
IDS = [f"{mode}-{pad}" for _, pad, mode in CASES]


@requires_torch
@pytest.mark.parametrize("shape, pad, mode", CASES, ids=IDS)
def test_negative_pads_match_torch(shape, pad, mode):
    compare_with_torch(lambda t: F.pad(t, pad, mode=mode), rand(0, shape)[0],
                       torch_fn=lambda t: TF.pad(t, pad, mode=mode))


@pytest.mark.parametrize("shape, pad, mode", CASES, ids=IDS)
def test_negative_pads_gradcheck(shape, pad, mode):
    check_gradients(lambda t: F.pad(t, pad, mode=mode), rand(1, shape)[0])


@requires_torch
@given(n=st.integers(1, 6), before=st.integers(-6, 6), after=st.integers(-6, 6),
       mode=st.sampled_from(["reflect", "replicate", "circular", "constant"]))
@settings(max_examples=80)
def test_every_width_matches_torch(n, before, after, mode):
    """Each pair of widths gives PyTorch's values and gradients, or an error where PyTorch raises one."""
    kept = n + min(before, 0) + min(after, 0)
    if mode == "circular" and 0 <= kept < max(before, after):
        return            # PyTorch reads memory it has not written (or refuses to overlap); we wrap around again
    x = rand(2, (1, 2, n))[0]
    try:
        TF.pad(torch.tensor(x), (before, after), mode=mode)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            F.pad(mt.tensor(x), (before, after), mode=mode)
        return
    compare_with_torch(lambda t: F.pad(t, (before, after), mode=mode), x,
                       torch_fn=lambda t: TF.pad(t, (before, after), mode=mode))


PAD_ERRORS = [
    ((1, 2, 6), (-6, 0), "reflect", r"input \(W: 6\) is too small. Calculated output W: 0"),
    ((1, 2, 6), (-3, -4), "replicate", r"input \(W: 6\) is too small. Calculated output W: -1"),
    ((1, 2, 6), (-7, 0), "circular", "Negative padding value is resulting in an empty dimension"),
    ((1, 2, 6), (-6, 1), "circular", "crops it to nothing"),
    ((1, 2, 6), (7, -1), "circular", "wrapping around more than once"),
    ((1, 2, 6), (-3, 6), "reflect", "Padding size should be less than the corresponding input dimension"),
]


@pytest.mark.parametrize("shape, pad, mode, message", PAD_ERRORS, ids=[str(i) for i in range(len(PAD_ERRORS))])
def test_pad_errors(shape, pad, mode, message):
    with pytest.raises(RuntimeError, match=message):
        F.pad(mt.zeros(*shape), pad, mode=mode)


# (class name, constructor args, input shape)
MODULES = [
    ("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad1d", ((1, -2),), (3, 4)), ("ZeroPad2d", (2,), (1, 2, 3, 3)),
    ("ZeroPad2d", ((1, 0, -1, 2),), (2, 3, 3)), ("ZeroPad3d", (1,), (1, 1, 2, 2, 2)),
    ("ConstantPad1d", (2, 3.5), (2, 3, 4)), ("ConstantPad2d", ((1, -1, 0, 2), -1.0), (1, 2, 3, 3)),
    ("ConstantPad3d", ((1, 2, 0, 0, -1, 1), 0.5), (1, 1, 2, 2, 2)),
    ("ReflectionPad1d", (2,), (2, 3, 4)), ("ReflectionPad1d", ((-1, 3),), (3, 5)),
    ("ReflectionPad2d", (1,), (1, 2, 3, 3)), ("ReflectionPad2d", ((2, -1, 1, 0),), (2, 3, 4)),
    ("ReflectionPad3d", (1,), (1, 1, 2, 3, 2)),
    ("ReplicationPad1d", (3,), (2, 3, 4)), ("ReplicationPad2d", ((1, -1, 2, 0),), (1, 2, 3, 3)),
    ("ReplicationPad3d", (1,), (1, 2, 2, 2)),
    ("CircularPad1d", (2,), (2, 3, 4)), ("CircularPad2d", ((1, -1, 2, 0),), (1, 2, 3, 3)),
    ("CircularPad3d", (1,), (1, 1, 2, 3, 2)),
]
MODULE_IDS = [f"{m[0]}-{m[1]}" for m in MODULES]


@requires_torch
@pytest.mark.parametrize("name, args, shape", MODULES, ids=MODULE_IDS)
def test_modules_match_torch(name, args, shape):
    ours, theirs = getattr(mt.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.padding == theirs.padding
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    compare_with_torch(ours, rand(3, shape)[0], torch_fn=theirs)


@pytest.mark.parametrize("name, args, shape", MODULES, ids=MODULE_IDS)
def test_modules_gradcheck(name, args, shape):
    check_gradients(getattr(mt.nn, name)(*args), rand(4, shape)[0])


def test_circular_pad_module_checks_the_input_dims():
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        mt.nn.CircularPad2d(1)(mt.zeros(3, 3))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        mt.nn.CircularPad1d(1)(mt.zeros(1, 1, 3, 3))


def test_pad_modules_keep_integer_dtypes():
    x = mt.arange(6).reshape(1, 2, 3)
    out = mt.nn.ReflectionPad1d(1)(x)
    assert out.dtype == mt.int64
    np.testing.assert_array_equal(out.numpy()[0, 0], [1, 0, 1, 2, 1])

"""glu, the shrink family's options, pixel_shuffle / pixel_unshuffle, channel_shuffle and local_response_norm with
their modules: finite differences (first and second order), PyTorch's values, gradients, reprs and errors."""
import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, rand, requires_torch, seeds, shapes, torch
from hypothesis import given, settings

import microtensor as mt
from microtensor.nn import functional as F

TF = torch.nn.functional if torch is not None else None

# name -> (fn(x, F), input shape)
OPS = {
    "glu_last": (lambda x, F: F.glu(x), (2, 3, 4)),
    "glu_dim": (lambda x, F: F.glu(x, dim=1), (3, 2, 5)),
    "glu_1d": (lambda x, F: F.glu(x, 0), (6,)),
    "pixel_shuffle": (lambda x, F: F.pixel_shuffle(x, 2), (2, 8, 3, 2)),
    "pixel_shuffle_unbatched": (lambda x, F: F.pixel_shuffle(x, upscale_factor=3), (9, 2, 1)),
    "pixel_shuffle_5d": (lambda x, F: F.pixel_shuffle(x, 2), (2, 1, 4, 2, 3)),
    "pixel_unshuffle": (lambda x, F: F.pixel_unshuffle(x, 2), (2, 3, 4, 6)),
    "pixel_unshuffle_unbatched": (lambda x, F: F.pixel_unshuffle(x, downscale_factor=3), (1, 3, 6)),
    "channel_shuffle": (lambda x, F: F.channel_shuffle(x, 3), (2, 6, 2, 2)),
    "channel_shuffle_3d": (lambda x, F: F.channel_shuffle(x, 2), (1, 4, 3)),
    "channel_shuffle_5d": (lambda x, F: F.channel_shuffle(x, groups=2), (2, 4, 1, 2, 2)),
    "lrn_3d": (lambda x, F: F.local_response_norm(x, 2), (2, 5, 3)),
    "lrn_4d": (lambda x, F: F.local_response_norm(x, 3, alpha=0.5, beta=0.6, k=2.0), (2, 4, 3, 2)),
    "lrn_5d": (lambda x, F: F.local_response_norm(x, size=5, alpha=1e-2), (1, 3, 2, 2, 2)),
    "lrn_size_1": (lambda x, F: F.local_response_norm(x, 1, 0.3), (2, 3, 4)),
    "lrn_size_past_channels": (lambda x, F: F.local_response_norm(x, 7, 0.2, 0.9), (1, 3, 2)),
}


@pytest.mark.parametrize("name", OPS)
def test_gradcheck(name):
    fn, shape = OPS[name]
    check_gradients(lambda t: fn(t, F), rand(0, shape)[0])


@requires_torch
@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_torch(name, dtype):
    fn, shape = OPS[name]
    compare_with_torch(lambda t: fn(t, F), rand(1, shape)[0].astype(dtype), torch_fn=lambda t: fn(t, TF))


@given(shape=shapes, seed=seeds)
@settings(max_examples=10)
def test_glu_gradcheck_any_shape(shape, seed):
    x, = rand(seed, (*shape, 2))
    check_gradients(lambda t: F.glu(t, -1), x)


@given(shape=shapes, seed=seeds)
@settings(max_examples=10)
def test_local_response_norm_gradcheck_any_trailing_shape(shape, seed):
    x, = rand(seed, (2, 3, *shape, 1))
    check_gradients(lambda t: F.local_response_norm(t, 2, alpha=0.5), x)


def test_pixel_unshuffle_inverts_pixel_shuffle_and_keeps_integers():
    x = mt.arange(2 * 12 * 2 * 3).reshape(2, 12, 2, 3)
    up = mt.pixel_shuffle(x, 2)
    assert up.dtype == mt.int64 and tuple(up.shape) == (2, 3, 4, 6)
    np.testing.assert_array_equal(mt.pixel_unshuffle(up, 2).numpy(), x.numpy())
    shuffled = mt.channel_shuffle(x, 4)
    np.testing.assert_array_equal(shuffled[0, :, 0, 0].numpy(), [0, 18, 36, 54, 6, 24, 42, 60, 12, 30, 48, 66])


def test_empty_and_size_zero_inputs():
    x = mt.zeros(0, 4, 2, 2, requires_grad=True)
    for out in (F.pixel_shuffle(x, 2), F.channel_shuffle(x, 2), F.local_response_norm(x, 3), F.glu(x, 1)):
        assert out.shape[0] == 0
        out.sum().backward()
    assert tuple(x.grad.shape) == (0, 4, 2, 2)


@requires_torch
def test_top_level_and_method_forms_match_torch():
    x = rand(2, (2, 4, 2, 2))[0]
    compare_with_torch(lambda t: mt.pixel_shuffle(t, 2), x, torch_fn=lambda t: torch.pixel_shuffle(t, 2))
    compare_with_torch(lambda t: mt.pixel_unshuffle(t, 2), x, torch_fn=lambda t: torch.pixel_unshuffle(t, 2))
    compare_with_torch(lambda t: mt.channel_shuffle(t, 2), x, torch_fn=lambda t: torch.channel_shuffle(t, 2))
    compare_with_torch(lambda t: mt.hardshrink(t, 0.3), x, torch_fn=lambda t: torch.hardshrink(t, 0.3))
    compare_with_torch(lambda t: t.hardshrink(lambd=0.7), x)
    compare_with_torch(lambda t: F.hardshrink(t, -1.0), x, torch_fn=lambda t: TF.hardshrink(t, -1.0))


ERRORS = [
    (lambda: F.glu(mt.ones(3, 5), 1), RuntimeError, "Halving dimension must be even, but dimension 1 is size 5"),
    (lambda: F.glu(mt.tensor(1.0)), RuntimeError, "glu does not support scalars"),
    (lambda: F.glu(mt.ones(2, dtype=mt.int64)), RuntimeError, "glu"),
    (lambda: F.hardswish(mt.ones(2, dtype=mt.int64)), RuntimeError, "hardswish"),
    (lambda: F.softshrink(mt.ones(3), -1), RuntimeError, r"lambda must be in range \[0, .*found -1"),
    (lambda: F.pixel_shuffle(mt.ones(3, 3), 2), RuntimeError, "at least 3 dimensions, but got input with 2"),
    (lambda: F.pixel_shuffle(mt.ones(2, 5, 3, 3), 2), RuntimeError, r"input.size\(-3\)=5 is not divisible by 4"),
    (lambda: F.pixel_shuffle(mt.ones(2, 4, 3, 3), 0), RuntimeError, "positive upscale_factor, but got 0"),
    (lambda: F.pixel_unshuffle(mt.ones(2, 5, 3, 4), 2), RuntimeError, r"height .* input.size\(-2\)=3"),
    (lambda: F.pixel_unshuffle(mt.ones(2, 5, 4, 3), 2), RuntimeError, r"width .* input.size\(-1\)=3"),
    (lambda: F.channel_shuffle(mt.ones(2, 5, 3), 2), RuntimeError, "Got 5 channels and 2 groups"),
    (lambda: F.channel_shuffle(mt.ones(2, 4, 3), 0), RuntimeError, "must be positive. Value of groups:0"),
    (lambda: F.channel_shuffle(mt.ones(2, 4), 2), RuntimeError, r"> 2 dims, but got input with sizes \[2, 4\]"),
    (lambda: F.local_response_norm(mt.ones(3, 3), 2), ValueError, r"Expected 3D or higher .*\(got 2 dimensions\)"),
]


@pytest.mark.parametrize("call, error, message", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# (class name, constructor args, input shape)
MODULES = [
    ("GLU", {}, (2, 3, 4)), ("GLU", {"dim": 1}, (2, 4, 3)),
    ("PixelShuffle", {"upscale_factor": 2}, (2, 8, 2, 3)), ("PixelUnshuffle", {"downscale_factor": 2}, (2, 2, 4, 2)),
    ("ChannelShuffle", {"groups": 2}, (2, 4, 3, 3)),
    ("LocalResponseNorm", {"size": 3}, (2, 5, 3, 3)),
    ("LocalResponseNorm", {"size": 2, "alpha": 0.1, "beta": 0.5, "k": 2.0}, (2, 3, 4)),
]


@requires_torch
@pytest.mark.parametrize("name, kwargs, shape", MODULES, ids=[m[0] + str(i) for i, m in enumerate(MODULES)])
def test_module_matches_torch(name, kwargs, shape):
    ours, theirs = getattr(mt.nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    compare_with_torch(ours, rand(3, shape)[0], torch_fn=theirs)


@pytest.mark.parametrize("name, kwargs, shape", MODULES, ids=[m[0] + str(i) for i, m in enumerate(MODULES)])
def test_module_gradcheck(name, kwargs, shape):
    check_gradients(getattr(mt.nn, name)(**kwargs), rand(4, shape)[0])


def test_alexnet_style_block_trains():
    mt.manual_seed(0)
    net = mt.nn.Sequential(mt.nn.Conv2d(3, 8, 3), mt.nn.ReLU(), mt.nn.LocalResponseNorm(5, 1e-4, 0.75, 2.0),
                           mt.nn.MaxPool2d(3, 2), mt.nn.Conv2d(8, 8, 1, groups=2), mt.nn.ChannelShuffle(2),
                           mt.nn.Flatten(), mt.nn.Linear(72, 2))
    x, y = mt.randn(4, 3, 9, 9), mt.tensor([0, 1, 0, 1])
    opt = mt.optim.SGD(net.parameters(), lr=0.1)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 2

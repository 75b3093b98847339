"""grid_sample (4-D and 5-D, every mode, padding mode and align_corners) and affine_grid: PyTorch's values and
gradients in input and grid over grids reaching outside the input, finite differences of first and second order
away from the kinks, a spatial transformer's theta gradient, warnings and errors."""
import itertools
import warnings

import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, requires_torch, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor.nn import functional as F

TF = torch.nn.functional if torch is not None else None
MODES = ["bilinear", "nearest", "bicubic"]
PADDINGS = ["zeros", "border", "reflection"]
COMBOS = [(dims, mode, padding, align) for dims, mode, padding, align
          in itertools.product((2, 3), MODES, PADDINGS, (True, False)) if not (dims == 3 and mode == "bicubic")]


def _sample(L, mode, padding, align):
    return lambda x, g: L.nn.functional.grid_sample(x, g, mode=mode, padding_mode=padding, align_corners=align)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("dims, mode, padding, align", COMBOS)
def test_grid_sample_matches_torch(dims, mode, padding, align, dtype):
    rng = np.random.default_rng(dims)
    x = rng.standard_normal((2, 3) + (3, 4, 5)[-dims:]).astype(dtype)
    grid = rng.uniform(-1.7, 1.7, (2,) + (2, 3, 4)[-dims:] + (dims,)).astype(dtype)   # a third lies outside
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == "float32" else {}
    compare_with_torch(_sample(mt, mode, padding, align), x, grid, torch_fn=_sample(torch, mode, padding, align),
                       **tol)


def _kink_free_grid(rng, spatial, out_spatial, align):
    """A grid whose pixel coordinates lie 0.1 to 0.4 from the integers and half-integers (where floor, round,
    clipping and reflection change), from two pixels before the input to two after it."""
    dims = len(spatial)
    grid = np.empty(out_spatial + (dims,))
    for component in range(dims):
        size = spatial[dims - 1 - component]
        pixel = rng.integers(-2, size + 2, out_spatial) + rng.choice([0.1, 0.6], out_spatial) + \
            rng.uniform(0, 0.3, out_spatial)
        if align:
            grid[..., component] = pixel * 2 / (size - 1) - 1 if size > 1 else rng.uniform(-1, 1, out_spatial)
        else:
            grid[..., component] = (2 * pixel + 1) / size - 1
    return grid


@pytest.mark.parametrize("dims, mode, padding, align", COMBOS)
@given(data=st.data())
@settings(max_examples=4, deadline=None, derandomize=True)
def test_grid_sample_gradcheck(dims, mode, padding, align, data):
    n = data.draw(st.integers(1, 2))
    spatial = tuple(data.draw(st.lists(st.integers(1, 4), min_size=dims, max_size=dims)))
    out_spatial = tuple(data.draw(st.lists(st.integers(1, 3), min_size=dims, max_size=dims)))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((n, data.draw(st.integers(1, 2))) + spatial)
    grid = np.stack([_kink_free_grid(rng, spatial, out_spatial, align) for _ in range(n)])
    check_gradients(_sample(mt, mode, padding, align), x, grid)


@requires_torch
@pytest.mark.parametrize("mode", MODES)
def test_grid_sample_second_order_matches_torch(mode):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 3, 4))
    grid = _kink_free_grid(rng, (3, 4), (2, 3), False)[None]
    results = []
    for L in (mt, torch):
        a, g = L.tensor(x, requires_grad=True), L.tensor(grid, requires_grad=True)
        out = L.nn.functional.grid_sample(a, g, mode=mode, padding_mode="reflection", align_corners=False)
        ga, gg = L.autograd.grad((out * out).sum(), (a, g), create_graph=True)
        results.append([t.detach().numpy() for t in L.autograd.grad((ga * ga).sum() + (gg * gg).sum(), (a, g))])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10)


def test_grid_sample_identity_grid_returns_the_input():
    x = mt.arange(12.0).reshape(1, 1, 3, 4)
    grid = F.affine_grid(mt.tensor([[[1.0, 0, 0], [0, 1, 0]]]), [1, 1, 3, 4], align_corners=False)
    for mode in MODES:
        np.testing.assert_allclose(F.grid_sample(x, grid, mode=mode, align_corners=False).numpy(), x.numpy(),
                                   atol=1e-5)


def test_grid_sample_keywords_and_default_warning():
    x, grid = mt.zeros(1, 1, 2, 2), mt.zeros(1, 1, 1, 2)
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior has changed"):
        out = F.grid_sample(input=x, grid=grid)
    assert out.shape == (1, 1, 1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.grid_sample(input=x, grid=grid, mode="nearest", padding_mode="border", align_corners=True)


@requires_torch
def test_grid_sample_nearest_grid_gets_zero_gradient():
    grid = mt.zeros(1, 2, 2, 2, requires_grad=True)
    F.grid_sample(mt.ones(1, 1, 3, 3), grid, mode="nearest", align_corners=False).sum().backward()
    assert grid.grad is not None and not grid.grad.numpy().any()


GRID_ERRORS = {
    "mode": (lambda L: L.nn.functional.grid_sample(L.zeros(1, 1, 2, 2), L.zeros(1, 1, 1, 2), mode="area",
                                                   align_corners=False), ValueError, "expected mode to be"),
    "padding": (lambda L: L.nn.functional.grid_sample(L.zeros(1, 1, 2, 2), L.zeros(1, 1, 1, 2),
                                                      padding_mode="wrap", align_corners=False),
                ValueError, "expected padding_mode"),
    "dtypes": (lambda L: L.nn.functional.grid_sample(L.zeros(1, 1, 2, 2), L.zeros(1, 1, 1, 2, dtype=L.float64),
                                                     align_corners=False), RuntimeError, "same dtype"),
    "batch": (lambda L: L.nn.functional.grid_sample(L.zeros(2, 1, 2, 2), L.zeros(1, 1, 1, 2), align_corners=False),
              RuntimeError, "same batch size"),
    "last_dim": (lambda L: L.nn.functional.grid_sample(L.zeros(1, 1, 2, 2), L.zeros(1, 1, 1, 3),
                                                       align_corners=False), RuntimeError, "size 2 in last dimension"),
    "last_dim_3d": (lambda L: L.nn.functional.grid_sample(L.zeros(1, 1, 2, 2, 2), L.zeros(1, 1, 1, 1, 2),
                                                          align_corners=False), RuntimeError, "size 3 in last"),
    "bicubic_5d": (lambda L: L.nn.functional.grid_sample(L.zeros(1, 1, 2, 2, 2), L.zeros(1, 1, 1, 1, 3),
                                                         mode="bicubic", align_corners=False),
                   RuntimeError, "bicubic interpolation only supports 4D input"),
    "empty_spatial": (lambda L: L.nn.functional.grid_sample(L.zeros(1, 1, 0, 2), L.zeros(1, 1, 1, 2),
                                                            align_corners=False), RuntimeError, "non-empty spatial"),
    "theta_dtype": (lambda L: L.nn.functional.affine_grid(L.zeros(1, 2, 3, dtype=L.int32), [1, 1, 2, 2],
                                                          align_corners=False), ValueError, "floating point type"),
    "theta_shape": (lambda L: L.nn.functional.affine_grid(L.zeros(1, 3, 4), [1, 1, 2, 2], align_corners=False),
                    ValueError, "shape Nx2x3"),
    "theta_shape_3d": (lambda L: L.nn.functional.affine_grid(L.zeros(1, 2, 3), [1, 1, 2, 2, 2],
                                                             align_corners=False), ValueError, "shape Nx3x4"),
    "size_length": (lambda L: L.nn.functional.affine_grid(L.zeros(1, 2, 3), [1, 1, 2], align_corners=False),
                    NotImplementedError, "only supports 4D and 5D sizes"),
    "size_zero": (lambda L: L.nn.functional.affine_grid(L.zeros(1, 2, 3), [1, 1, 0, 2], align_corners=False),
                  ValueError, "non-zero, positive output size"),
    "theta_batch": (lambda L: L.nn.functional.affine_grid(L.zeros(3, 2, 3), [2, 1, 2, 2], align_corners=False),
                    RuntimeError, "theta holds 3 matrices"),
}


@pytest.mark.parametrize("name", GRID_ERRORS)
def test_errors(name):
    call, kind, message = GRID_ERRORS[name]
    with pytest.raises(kind, match=message):
        call(mt)
    if torch is not None:
        with pytest.raises(kind):
            call(torch)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 5), (2, 3, 2, 4, 5), (2, 1, 3, 1, 2)])
@pytest.mark.parametrize("align", [True, False])
def test_affine_grid_matches_torch(size, align, dtype):
    dims = len(size) - 2
    theta = np.random.default_rng(0).standard_normal((2, dims, dims + 1)).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # unit sizes with align_corners warn on both sides
        compare_with_torch(lambda t: F.affine_grid(t, size, align_corners=align), theta,
                           torch_fn=lambda t: TF.affine_grid(t, size, align_corners=align), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("size", [(2, 1, 3, 4), (1, 2, 2, 3, 2)])
def test_affine_grid_gradcheck(size):
    dims = len(size) - 2
    theta = np.random.default_rng(1).standard_normal((size[0], dims, dims + 1))
    check_gradients(lambda t: F.affine_grid(t, size, align_corners=True), theta)


def test_affine_grid_warnings():
    theta = mt.zeros(1, 2, 3)
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid"):
        F.affine_grid(theta, [1, 1, 2, 2])
    with pytest.warns(UserWarning, match="unit-size grids when align_corners=True"):
        F.affine_grid(theta, mt.Size([1, 1, 1, 2]), align_corners=True)


@requires_torch
@pytest.mark.parametrize("dims", [2, 3])
def test_spatial_transformer_matches_torch(dims):
    """theta -> affine_grid -> grid_sample, as a spatial transformer network calls them."""
    rng = np.random.default_rng(5)
    size = (2, 3) + (3, 5, 4)[-dims:]
    x = rng.standard_normal(size)
    theta = np.eye(dims, dims + 1) + 0.3 * rng.standard_normal((2, dims, dims + 1))

    def stn(L):
        def run(a, t):
            grid = L.nn.functional.affine_grid(t, list(size), align_corners=False)
            return L.nn.functional.grid_sample(a, grid, padding_mode="border", align_corners=False)
        return run
    compare_with_torch(stn(mt), x, theta, torch_fn=stn(torch))

"""Spatial transformer sampling: ``affine_grid`` and ``grid_sample`` (4-D and 5-D inputs), with PyTorch's
coordinate rules (``align_corners``, the three padding modes, bicubic's per-tap padding).

Every sampled value is a weighted sum of input values at integer taps (1 for nearest, 2 per spatial axis for
bilinear, 4 per axis for bicubic). Where a tap lies depends on the grid only through floor/round, so it is a
constant of the step; along each axis the tap weights are polynomials of the fractional part ``t``, and ``t``
is an affine function of the grid coordinate: ``t = k * g + e`` with ``k`` the unnormalisation slope times the
padding's slope (0 where ``border`` clips, -1 where ``reflection`` mirrors). The forward gathers the taps with
one fancy index; the backward is written with Tensor ops on ``t = grid * k + e``, a differentiable gather
(``GatherTaps``) and its transpose, a scatter-add by ``bincount`` (``ScatterTaps``), so gradients of every
order come with it, as PyTorch's grid sampler has them.
"""
from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import GradMode
from microtensor.dtypes import is_floating
from microtensor.ops.checks import tensor_input
from microtensor.ops.linalg import matmul
from microtensor.ops.shape import stack
from microtensor.tensor import Tensor

_MODES = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")
_CUBIC_A = -0.75   # PyTorch's cubic convolution parameter
_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


# ----------------------------------------------------------------------------- gather and its transpose
class GatherTaps(Function):
    """out[n, c, j] = x[n, c, index[n, j]], for x of shape (N, C, S) and integer index (N, J)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, index: np.ndarray) -> np.ndarray:
        ctx.index, ctx.size = index, x.shape[2]
        return np.take_along_axis(x, index[:, None, :], 2)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        return ScatterTaps.apply(grad, ctx.index, ctx.size), None


class ScatterTaps(Function):
    """out[n, c, s] = the sum of x[n, c, j] over the j with index[n, j] = s (the transpose of GatherTaps)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, index: np.ndarray, size: int) -> np.ndarray:
        ctx.index = index
        return _scatter_add(x, index, size)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        return GatherTaps.apply(grad, ctx.index), None, None


def _scatter_add(x: np.ndarray, index: np.ndarray, size: int) -> np.ndarray:
    n, c, _ = x.shape
    rows = (np.arange(n * c).reshape(n, c, 1) * size + index[:, None, :]).ravel()
    return np.bincount(rows, weights=x.ravel(), minlength=n * c * size).astype(x.dtype).reshape(n, c, size)


def _gather(x: Any, index: np.ndarray) -> Any:
    """GatherTaps on a Tensor (differentiable) or an array."""
    return GatherTaps.apply(x, index) if isinstance(x, Tensor) else np.take_along_axis(x, index[:, None, :], 2)


def _scatter(x: Any, index: np.ndarray, size: int) -> Any:
    """ScatterTaps on a Tensor (differentiable) or an array."""
    return ScatterTaps.apply(x, index, size) if isinstance(x, Tensor) else _scatter_add(x, index, size)


def _stack(items: list, axis: int) -> Any:
    return stack(items, axis) if isinstance(items[0], Tensor) else np.stack(items, axis)


# ----------------------------------------------------------------------------- coordinates along one axis
def _unnormalize(g: np.ndarray, size: int, align_corners: bool) -> tuple[np.ndarray, float]:
    """The pixel coordinate of a [-1, 1] grid coordinate, and its slope."""
    if align_corners:
        return (g + 1) / 2 * (size - 1), (size - 1) / 2
    return ((g + 1) * size - 1) / 2, size / 2


def _clip(u: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """u clipped into [0, size - 1], and its slope (0 where clipped)."""
    return np.clip(u, 0, size - 1), ((u > 0) & (u < size - 1)).astype(u.dtype)


def _reflect(u: np.ndarray, twice_low: int, twice_high: int) -> tuple[np.ndarray, np.ndarray]:
    """u mirrored at low and high until it lies between them, and its slope (+-1)."""
    if twice_low == twice_high:
        return np.zeros_like(u), np.zeros_like(u)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    v = u - low
    sign = np.where(v < 0, -1, 1).astype(u.dtype)
    v = np.abs(v)
    extra = np.fmod(v, span)
    even = np.floor(v / span) % 2 == 0
    return np.where(even, extra + low, span - extra + low).astype(u.dtype), np.where(even, sign, -sign)


def _pad(u: np.ndarray, size: int, padding_mode: str, align_corners: bool) -> tuple[np.ndarray, np.ndarray | float]:
    """PyTorch's ``compute_coordinates``: u moved inside the input by the padding mode, and its slope."""
    if padding_mode == "border":
        return _clip(u, size)
    if padding_mode == "reflection":
        r, slope = _reflect(u, 0, 2 * (size - 1)) if align_corners else _reflect(u, -1, 2 * size - 1)
        c, clip_slope = _clip(r, size)
        return c, slope * clip_slope
    return u, 1.0


def _taps_of(position: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer taps from float positions, and whether each lies inside the axis (invalid ones point at 0)."""
    valid = (position >= 0) & (position <= size - 1)     # False for NaN too
    return np.where(valid, position, 0).astype(np.int64), valid


def _near(x: Any) -> Any:      # the cubic kernel for |x| <= 1, on arrays or Tensors
    return ((_CUBIC_A + 2) * x - (_CUBIC_A + 3)) * x * x + 1


def _far(x: Any) -> Any:       # the cubic kernel for 1 < |x| < 2
    return ((_CUBIC_A * x - 5 * _CUBIC_A) * x + 8 * _CUBIC_A) * x - 4 * _CUBIC_A


def _near_slope(x: Any) -> Any:
    return (3 * (_CUBIC_A + 2) * x - 2 * (_CUBIC_A + 3)) * x


def _far_slope(x: Any) -> Any:
    return (3 * _CUBIC_A * x - 10 * _CUBIC_A) * x + 8 * _CUBIC_A


def _axis_weights(mode: str, t: Any) -> tuple[list, list]:
    """The weights of an axis's taps as polynomials of the fraction ``t`` (array or Tensor), and their
    derivatives in ``t``."""
    if mode == "bilinear":
        return [1 - t, t], [-1.0, 1.0]
    return ([_far(t + 1), _near(t), _near(1 - t), _far(2 - t)],
            [_far_slope(t + 1), _near_slope(t), -_near_slope(1 - t), -_far_slope(2 - t)])


def _axis_sampling(g: np.ndarray, size: int, mode: str, padding_mode: str,
                   align_corners: bool) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray, Any]:
    """Along one axis: the taps, whether each is inside, the fraction t and its slope k in the grid coordinate."""
    u, k = _unnormalize(g, size, align_corners)
    with np.errstate(invalid="ignore"):
        if mode == "bicubic":           # padding applies to each tap, not to the coordinate (as PyTorch)
            first = np.floor(u)
            taps = [_taps_of(_pad(first + i, size, padding_mode, align_corners)[0], size) for i in (-1, 0, 1, 2)]
            return [i for i, _ in taps], [v for _, v in taps], u - first, k
        p, slope = _pad(u, size, padding_mode, align_corners)
        if mode == "nearest":
            index, valid = _taps_of(np.rint(p), size)
            return [index], [valid], p, 0.0
        first = np.floor(p)
        taps = [_taps_of(first, size), _taps_of(first + 1, size)]
        return [i for i, _ in taps], [v for _, v in taps], p - first, k * slope


# ----------------------------------------------------------------------------- the op
class GridSample(Function):
    """out[n, c, p] = sum over taps of weight(t(grid[n, p])) * input[n, c, tap]; see the module docstring."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, grid: np.ndarray, mode: str, padding_mode: str,
                align_corners: bool) -> np.ndarray:
        n, c, *spatial = x.shape
        out_spatial = grid.shape[1:-1]
        points = int(np.prod(out_spatial))
        g = grid.reshape(n, points, len(spatial))
        index: np.ndarray = np.zeros((1, n, points), np.int64)
        valid: np.ndarray = np.ones((1, n, points), bool)
        fractions, slopes, axis_count = [], [], []
        stride = 1
        for axis in reversed(range(len(spatial))):          # grid[..., 0] is the last spatial axis
            size = spatial[axis]
            taps, inside, t, k = _axis_sampling(g[..., len(spatial) - 1 - axis], size, mode, padding_mode,
                                                align_corners)
            # the taps of all axes combined, the last axis varying fastest
            combined = (len(taps) * index.shape[0], n, points)
            index = (np.stack(taps)[:, None] * stride + index[None]).reshape(combined)
            valid = (np.stack(inside)[:, None] & valid[None]).reshape(combined)
            fractions.append(t)
            slopes.append(k)
            axis_count.append(len(taps))
            stride *= size
        valid = np.moveaxis(valid, 0, 1)                                           # (N, T, P)
        weights = valid.astype(x.dtype)
        if mode != "nearest":
            weights *= _tap_weights_and_partials(mode, fractions, with_partials=False)[0]
        flat_index = np.moveaxis(index, 0, 1).reshape(n, index.shape[0] * points)      # (N, T * P)
        values = np.take_along_axis(x.reshape(n, c, stride), flat_index[:, None, :], 2).reshape(n, c, *valid.shape[1:])
        with np.errstate(invalid="ignore"):
            out = np.einsum("nctp,ntp->ncp", values, weights)
        ctx.save_for_backward(x, grid)
        ctx.geometry = flat_index, valid, fractions, slopes, mode
        return out.reshape(n, c, *out_spatial)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        x, grid = ctx.saved_tensors
        index, valid, fractions, slopes, mode = ctx.geometry
        n, c, *spatial = x._data.shape
        dims, size, points = len(spatial), int(np.prod(spatial)), valid.shape[2]
        dtype = x._data.dtype
        # the same formulas on Tensors under create_graph (so they are differentiable), else on plain arrays
        lift: Any = Tensor._make if GradMode.enabled else (lambda a: a)
        xs, gs, g = (x, grid, grad) if GradMode.enabled else (x._data, grid._data, grad._data)
        g = g.reshape(n, c, 1, points)
        mask = lift(valid.astype(dtype))                                          # (N, T, P)
        if mode == "nearest":
            weights, grid_grad = mask, (gs * 0 if ctx.needs_input_grad[1] else None)
        else:
            t = fractions
            if GradMode.enabled:    # t = grid * k + e, a differentiable function of the grid
                flat = gs.reshape(n, points, dims)
                t = [flat[..., dims - 1 - axis] * lift(np.asarray(k, dtype))
                     + lift((f - k * flat._data[..., dims - 1 - axis]).astype(dtype))
                     for axis, (f, k) in zip(reversed(range(dims)), zip(fractions, slopes))]
            weights, partials = _tap_weights_and_partials(mode, t)
            weights = weights * mask
            grid_grad = None
            if ctx.needs_input_grad[1]:
                sampled = _gather(xs.reshape(n, c, size), index).reshape(n, c, *valid.shape[1:])
                per_tap = (sampled * g).sum(1) * mask                              # (N, T, P)
                by_axis = [(per_tap * partial).sum(1) * lift(np.asarray(k, dtype))
                           for partial, k in zip(partials, slopes)]                # in the order x, y, z
                grid_grad = _stack(by_axis, -1).reshape(grid._data.shape)
        input_grad = None
        if ctx.needs_input_grad[0]:
            spread = (g * weights.reshape(n, 1, *valid.shape[1:])).reshape(n, c, index.shape[1])
            input_grad = _scatter(spread, index, size).reshape(x._data.shape)
        return (_as_tensor(input_grad), _as_tensor(grid_grad), None, None, None)


def _as_tensor(value: Any) -> Tensor | None:
    return Tensor._make(value) if isinstance(value, np.ndarray) else value


def _tap_weights_and_partials(mode: str, fractions: list, with_partials: bool = True) -> tuple[Any, list]:
    """The (N, T, P) weight of every tap, the product over axes (listed last axis first) of each axis's weight,
    and (``with_partials``) its derivative in each axis's fraction; on arrays or Tensors."""
    per_axis = [_axis_weights(mode, t) for t in fractions]          # last axis first
    weights: list = []
    partials: list[list] = [[] for _ in fractions]
    # taps in the forward's order: the first axis (listed last) varies slowest
    for combo in itertools.product(*(range(len(w)) for w, _ in reversed(per_axis))):
        chosen = list(reversed(combo))                              # tap number per axis, last axis first
        factors = [per_axis[a][0][i] for a, i in enumerate(chosen)]
        weights.append(_product(factors))
        for a, i in enumerate(chosen if with_partials else ()):
            partials[a].append(_product(factors[:a] + [per_axis[a][1][i]] + factors[a + 1:]))
    like = fractions[0]
    return (_stack([_full(w, like) for w in weights], 1),
            [_stack([_full(p, like) for p in axis], 1) for axis in partials if axis])


def _product(factors: list) -> Any:
    out = factors[0]
    for f in factors[1:]:
        out = out * f
    return out


def _full(value: Any, like: Any) -> Any:
    """value as an array or Tensor of like's shape (a bilinear weight's derivative is a plain number)."""
    return value if isinstance(value, (Tensor, np.ndarray)) else like * 0 + value


def _check_grid_sample(x: Tensor, grid: Tensor, mode: str) -> None:
    xs, gs = tuple(x._data.shape), tuple(grid._data.shape)
    if not is_floating(x._data.dtype) or not is_floating(grid._data.dtype):
        raise RuntimeError(f"grid_sampler(): expected floating point input and grid, got {x.dtype.name} and "
                           f"{grid.dtype.name}")
    if x._data.dtype != grid._data.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have the same dtype, but got input "
                           f"{x.dtype.name} and grid {grid.dtype.name}")
    if len(xs) not in (4, 5) or len(gs) != len(xs):
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, "
                           f"but got input with sizes {list(xs)} and grid with sizes {list(gs)}")
    if xs[0] != gs[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(xs)} and grid with sizes {list(gs)}")
    if gs[-1] != len(xs) - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {len(xs) - 2} in last dimension, but got "
                           f"grid with sizes {list(gs)}")
    for d in range(2, len(xs)):
        if xs[d] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input "
                               f"has sizes {list(xs)} with dimension {d} being empty")
    if mode == "bicubic" and len(xs) != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """Sample ``input`` at the locations of ``grid``, normalised to [-1, 1] (-1 the left/top edge).

    Args:
        input: (N, C, H_in, W_in) or (N, C, D_in, H_in, W_in).
        grid: (N, H_out, W_out, 2) or (N, D_out, H_out, W_out, 3); the last dimension holds (x, y[, z]).
        mode: 'bilinear' (trilinear for 5-D inputs), 'nearest' or 'bicubic' (4-D inputs only).
        padding_mode: what lies outside the input: 'zeros', 'border' (the edge value) or 'reflection'.
        align_corners: True puts -1 and 1 at the centres of the corner pixels, False (the default, with a
            warning when not given) at their outer edges.

    Returns:
        (N, C, H_out, W_out) or (N, C, D_out, H_out, W_out); differentiable in input and grid.
    """
    if mode not in _MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in _PADDINGS:
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    x = tensor_input("grid_sample", input)
    g = tensor_input("grid_sample", grid, "grid", 2)
    _check_grid_sample(x, g, mode)
    return GridSample.apply(x, g, mode, padding_mode, bool(align_corners))


def _base_coordinates(steps: int, align_corners: bool) -> np.ndarray:
    """PyTorch's ``linspace_from_neg_one``: pixel centres in [-1, 1] (0 for a single step)."""
    if steps <= 1:
        return np.zeros(max(steps, 0))
    base = np.linspace(-1, 1, steps)
    return base if align_corners else base * (steps - 1) / steps


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None) -> Tensor:
    """The sampling grid of the affine maps ``theta``: output pixel (x, y[, z], 1) -> theta @ it, for
    ``grid_sample``.

    Args:
        theta: (N, 2, 3) for 2-D maps or (N, 3, 4) for 3-D maps, floating point.
        size: the output size, (N, C, H, W) or (N, C, D, H, W).
        align_corners: as in ``grid_sample`` (use the same value there); False by default, with a warning
            when not given.

    Returns:
        (N, H, W, 2) or (N, D, H, W, 3); differentiable in theta.
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    theta = tensor_input("affine_grid", theta, "theta")
    if not is_floating(theta._data.dtype):
        raise ValueError(f"Expected theta to have floating point type, but got torch.{theta.dtype.name}")
    size = [int(s) for s in size]
    ts = tuple(theta._data.shape)
    if len(size) not in (4, 5):
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    dims = len(size) - 2
    if len(ts) != 3 or ts[1:] != (dims, dims + 1):
        raise ValueError(f"Expected a batch of {dims}D affine matrices of shape Nx{dims}x{dims + 1} for size "
                         f"{size}. Got torch.Size({list(ts)}).")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", UserWarning, stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if ts[0] != size[0]:
        raise RuntimeError(f"affine_grid: theta holds {ts[0]} matrices but size asks for a batch of {size[0]}")
    spatial = size[2:]
    axes = [_base_coordinates(s, bool(align_corners)) for s in reversed(spatial)]     # x first
    mesh = list(np.meshgrid(*reversed(axes), indexing="ij"))[::-1]                       # each of shape spatial
    base = np.stack(mesh + [np.ones(spatial)], -1).reshape(1, -1, dims + 1).astype(theta._data.dtype)
    grid = matmul(Tensor._make(np.broadcast_to(base, (size[0],) + base.shape[1:]).copy()), theta.transpose(1, 2))
    return grid.reshape(size[0], *spatial, dims)

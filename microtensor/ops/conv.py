"""Convolution and pooling: conv1d/2d/3d and their transposes, max/avg pooling, unfold/fold.

Every op works on (N, C, *spatial) planes of 2 or 3 spatial dims (a 1-D op is the 2-D op with a plane of
height 1) through one geometry record, ``_Geom``. A convolution is im2col (a strided window view of the padded
input, copied once into (C * prod(kernel), N * prod(out)) columns spanning the whole batch) and one GEMM per
group. Its output, and the max-pooling gradient, are (N, C, ...) arrays laid out (C, N, ...) in memory, the
layout these GEMMs read and write without copies. Its backward is two more Functions, ``ConvolutionInputGrad``
(col2im of W^T @ grad, which is also the transposed convolution) and ``ConvolutionWeightGrad``
(grad @ columns^T), whose own backwards are again these three Functions, so gradients of any order stay
convolutions. col2im accumulates one strided slice per kernel tap (prod(kernel) NumPy adds), never a loop over
pixels, channels or batch items.
"""
from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

from microtensor.autograd.function import Function
from microtensor.dtypes import BFLOAT16, is_floating
from microtensor.ops.checks import floating_dtype
from microtensor.ops.elementwise import masked
from microtensor.ops.float32_compute import in_float32
from microtensor.ops.reduction import Sum
from microtensor.tensor import Tensor


class _Geom(NamedTuple):
    """Where the windows of an op on (N, C, *spatial) planes lie, one entry per spatial dim: kernel, stride,
    dilation, the leading (top/left/front) padding, the input size, the padded size (it also covers ceil-mode
    windows) and the output size."""
    k: tuple[int, ...]
    s: tuple[int, ...]
    d: tuple[int, ...]
    lo: tuple[int, ...]
    size: tuple[int, ...]
    padded: tuple[int, ...]
    out: tuple[int, ...]
    groups: int = 1


def _plane_geom(nd: int, k: tuple, s: tuple, d: tuple, lo: tuple, size: tuple, padded: tuple, out: tuple,
                groups: int = 1) -> _Geom:
    """The geometry of an ``nd``-D op; a 1-D op's gets a leading height-1 dim (it runs on (N, C, 1, L) planes)."""
    if nd == 1:
        return _Geom((1,) + k, (1,) + s, (1,) + d, (0,) + lo, (1,) + size, (1,) + padded, (1,) + out, groups)
    return _Geom(k, s, d, lo, size, padded, out, groups)


@functools.lru_cache(maxsize=256)
def _taps(g: _Geom) -> tuple[tuple[tuple[int, ...], tuple[slice, ...]], ...]:
    """Each kernel tap's position (in C order) and the index of the (N, C, *out) strided slice of a padded
    (N, C, *padded) plane that it sees (only the spatial axes are sliced, so it also indexes (C, N, ...))."""
    return tuple((pos, (slice(None), slice(None)) + tuple(slice(i * d, i * d + s * (o - 1) + 1, s)
                                                          for i, d, s, o in zip(pos, g.d, g.s, g.out)))
                 for pos in np.ndindex(*g.k))


def _inner(g: _Geom) -> tuple[slice, ...]:
    """The index of the input plane inside a padded (N, C, *padded) one."""
    return (slice(None), slice(None)) + tuple(slice(p, p + n) for p, n in zip(g.lo, g.size))


def _pad(x: np.ndarray, g: _Geom, value: float = 0.0) -> np.ndarray:
    """``x`` (N, C, *size) inside a (N, C, *padded) plane filled with ``value``; ``x`` itself without padding.

    The padded plane is laid out (C, N, ...) in memory, so the columns read from it are contiguous runs."""
    if g.padded == g.size:
        return x
    shape = (x.shape[1], x.shape[0]) + g.padded
    xp = (np.zeros(shape, x.dtype) if value == 0 else np.full(shape, value, x.dtype)).swapaxes(0, 1)
    xp[_inner(g)] = x
    return xp


def _windows(xp: np.ndarray, g: _Geom) -> np.ndarray:
    """The read-only (N, C, *kernel, *out) window view of a padded input (no copy)."""
    n, c, *spatial = xp.strides
    taps = tuple(st * d for st, d in zip(spatial, g.d))
    steps = tuple(st * s for st, s in zip(spatial, g.s))
    return as_strided(xp, xp.shape[:2] + g.k + g.out, (n, c) + taps + steps, writeable=False)


def _col2im(cols: np.ndarray, g: _Geom) -> np.ndarray:
    """Sum the (C, *kernel, N, *out) columns back onto their (N, C, *size) input positions.

    The sum is built in a (C, N, *padded) buffer and returned as an (N, C, *size) view of it."""
    c, n = cols.shape[0], cols.shape[1 + len(g.k)]
    buf = np.zeros((c, n) + g.padded, cols.dtype)
    for pos, index in _taps(g):
        tap = buf[index]
        np.add(tap, cols[(slice(None),) + pos], out=tap)
    return _crop(buf.swapaxes(0, 1), g)


def _crop(buf: np.ndarray, g: _Geom) -> np.ndarray:
    """The (N, C, *size) input plane inside a padded (N, C, *padded) one (a view; the plane itself without padding)."""
    return buf if g.padded == g.size else buf[_inner(g)]


def _im2col(x: np.ndarray, g: _Geom) -> np.ndarray:
    """The (groups, C/groups * prod(kernel), N * prod(out)) columns of a convolution's input (one copy).

    Columns span the whole batch, so a convolution and each of its gradients is one GEMM per group."""
    nd = len(g.k)
    windows = _windows(_pad(x, g), g).transpose((1, *range(2, 2 + nd), 0, *range(2 + nd, 2 + 2 * nd)))
    return windows.reshape(g.groups, x.shape[1] // g.groups * math.prod(g.k), x.shape[0] * math.prod(g.out))


def _batch_rows(y: np.ndarray, g: _Geom) -> np.ndarray:
    """An (N, O, *out) output gradient as (groups, O/groups, N * prod(out)) rows (a view when laid out (O, N, ...))."""
    return y.swapaxes(0, 1).reshape(g.groups, y.shape[1] // g.groups, y.shape[0] * math.prod(g.out))


def _conv_forward(cols: np.ndarray, w: np.ndarray, b: np.ndarray | None, g: _Geom) -> np.ndarray:
    """(N, O, *out), laid out (O, N, *out) in memory."""
    out_c = w.shape[0]
    out = np.matmul(w.reshape(g.groups, out_c // g.groups, cols.shape[1]), cols)      # (G, O/G, N * L)
    if b is not None:
        out += b.reshape(g.groups, -1, 1)
    return out.reshape((out_c, cols.shape[2] // math.prod(g.out)) + g.out).swapaxes(0, 1)


def _conv_weight_grad(cols: np.ndarray, y: np.ndarray, g: _Geom, wshape: tuple) -> np.ndarray:
    # columns @ rows^T, transposed: the same product as rows @ columns^T, but OpenBLAS takes 0.61-0.98x the
    # time for it on these shapes (a long reduction over N * Ho * Wo), most for LeNet's and ResNet's first layers
    return np.matmul(cols, _batch_rows(y, g).swapaxes(-1, -2)).swapaxes(-1, -2).reshape(wshape)


def _conv_input_grad(y: np.ndarray, w: np.ndarray, g: _Geom) -> np.ndarray:
    out_c = w.shape[0]
    wt = w.reshape(g.groups, out_c // g.groups, -1).swapaxes(1, 2)         # (G, C/G * prod(kernel), O/G)
    cols = np.matmul(wt, _batch_rows(y, g))
    return _col2im(cols.reshape((g.groups * w.shape[1],) + g.k + (y.shape[0],) + g.out), g)


def _bias_grad(grad: Tensor) -> Tensor:
    """A convolution's bias gradient: the (N, O, ...) output gradient summed over all but the channels."""
    return Sum.apply(grad, (0,) + tuple(range(2, grad._data.ndim)), False, grad._data.dtype)


# ----------------------------------------------------------------------------- convolution
class Convolution(Function):
    """out = conv(x, w) + b: im2col and one batched GEMM.

    Each operand is saved only for the gradient that uses it, as PyTorch saves them: w for x's, x for w's,
    nothing for b's. The columns (prod(kernel) times x's size) are not kept: the weight gradient copies
    them again from x, which costs less than holding them (LeNet-5's and ResNet-8's steps run faster)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, g: _Geom) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Convolution.forward, ctx, x, w, b, g)
        cols = _im2col(x, g)
        out = _conv_forward(cols, w, b, g)
        ctx.g = g
        need = ctx.needs_input_grad
        ctx.save_for_backward(x if need[1] else None, w if need[0] else None)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (ConvolutionInputGrad.apply(grad, w, None, ctx.g) if need[0] else None,
                ConvolutionWeightGrad.apply(x, grad, ctx.g) if need[1] else None,
                _bias_grad(grad) if need[2] else None, None)


class ConvolutionInputGrad(Function):
    """out = the gradient of conv(x, w) with respect to x for the output gradient y (conv_transpose(y, w)) + b."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, y: np.ndarray, w: np.ndarray, b: np.ndarray | None, g: _Geom) -> np.ndarray:
        if y.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(ConvolutionInputGrad.forward, ctx, y, w, b, g)
        out = _conv_input_grad(y, w, g)
        if b is not None:
            out += b.reshape((-1,) + (1,) * len(g.k))
        ctx.g = g
        need = ctx.needs_input_grad           # w for y's gradient, y for w's
        ctx.save_for_backward(y if need[1] else None, w if need[0] else None)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        y, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (Convolution.apply(grad, w, None, ctx.g) if need[0] else None,
                ConvolutionWeightGrad.apply(grad, y, ctx.g) if need[1] else None,
                _bias_grad(grad) if need[2] else None, None)


class ConvolutionWeightGrad(Function):
    """out = the gradient of conv(x, w) with respect to w for the output gradient y (from x's columns)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, y: np.ndarray, g: _Geom) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(ConvolutionWeightGrad.forward, ctx, x, y, g)
        ctx.g = g
        need = ctx.needs_input_grad           # y for x's gradient, x for y's
        ctx.save_for_backward(x if need[1] else None, y if need[0] else None)
        return _conv_weight_grad(_im2col(x, g), y, g, (y.shape[1], x.shape[1] // g.groups) + g.k)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        x, y = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (ConvolutionInputGrad.apply(y, grad, None, ctx.g) if need[0] else None,
                Convolution.apply(x, grad, None, ctx.g) if need[1] else None, None)


def _tuple(op: str, name: str, value: Any, n: int) -> tuple[int, ...]:
    """An int or a length-n sequence of ints as an n-tuple."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    if isinstance(value, (tuple, list)) and len(value) == 1 and n > 1:
        value = tuple(value) * n
    if isinstance(value, (tuple, list)) and len(value) == n and all(isinstance(v, (int, np.integer)) for v in value):
        return tuple(int(v) for v in value)
    raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")


_SPATIAL = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def _lift(x: Tensor, nd: int) -> Tensor:
    """A 1-D op's (N, C, L) tensor as a (N, C, 1, L) plane."""
    return x.unsqueeze(2) if nd == 1 else x


def _check_input(op: str, shape: tuple[int, ...], nd: int, expected_c: int, what: str) -> bool:
    """Validate the rank and channel count of a convolution's input shape; True when it has a batch dim."""
    dims = ("N", "C_in") + _SPATIAL[nd]
    if len(shape) not in (nd + 1, nd + 2) or shape[-nd - 1] != expected_c:
        batched, unbatched = ", ".join(dims), ", ".join(dims[1:])
        raise RuntimeError(f"{op}: expected input of shape ({batched}) or ({unbatched}) with C_in = {expected_c} "
                           f"({what}), got {list(shape)}")
    return len(shape) == nd + 2


def _conv_padding(op: str, padding: Any, nd: int, k: tuple, d: tuple, s: tuple) -> tuple[tuple, tuple]:
    """Top/left and bottom/right padding per spatial dim; 'same' splits d*(k-1) with the extra on the right."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * nd, (0,) * nd
        if padding != "same":
            raise ValueError(f"{op}: invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
        if any(v != 1 for v in s):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride {s})")
        total = tuple(dd * (kk - 1) for kk, dd in zip(k, d))
        if any(t % 2 for t in total):     # PyTorch warns (once: a cached geometry is not computed again)
            warnings.warn("Using padding='same' with even kernel lengths and odd dilation may require a zero-padded "
                          "copy of the input be created", UserWarning, stacklevel=2)
        return tuple(t // 2 for t in total), tuple(t - t // 2 for t in total)
    p = _tuple(op, "padding", padding, nd)
    if any(v < 0 for v in p):
        raise RuntimeError(f"{op}: negative padding is not supported, got padding {p}")
    return p, p


def cached_geometry(n_shapes: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Make a geometry function (pure in its op name, dims, ``n_shapes`` array shapes, then options) remember
    its results: a layer asks for the same geometry at every step. The key holds each option's type, and its
    items' types, so that ``2.0`` or ``True`` never stand for a valid ``2`` or ``1``; unhashable options
    (which the function rejects with its own error) skip the cache, and so do calls that raise."""
    first_option = 2 + n_shapes

    def decorate(geometry: Callable[..., Any]) -> Callable[..., Any]:
        cache: dict = {}

        @functools.wraps(geometry)
        def lookup(*args: Any) -> Any:
            key = args[:first_option] + tuple([
                (type(a), tuple(a), tuple([type(v) for v in a])) if type(a) in (list, tuple) else (type(a), a)
                for a in args[first_option:]])
            try:
                return cache[key]
            except KeyError:
                pass
            except TypeError:             # unhashable: not cacheable
                return geometry(*args)
            if len(cache) >= 256:         # many input shapes (a sweep over sizes): start afresh
                cache.clear()
            result = cache[key] = geometry(*args)
            return result
        return lookup
    return decorate


def _check_weight(op: str, nd: int, ws: tuple[int, ...], groups: Any, transposed: bool) -> None:
    """Validate a convolution's weight rank and its groups against the weight's first dim."""
    if len(ws) != nd + 2:
        channels = "C_in, C_out / groups" if transposed else "C_out, C_in / groups"
        kernel = ", ".join("k" + n for n in _SPATIAL[nd])
        raise RuntimeError(f"{op}: expected a {nd + 2}-D weight ({channels}, {kernel}), got weight of shape {list(ws)}")
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise RuntimeError(f"{op}: non-positive groups is not supported, got groups={groups}")
    if ws[0] % groups:
        raise RuntimeError(f"{op}: given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size {list(ws)} instead")


@cached_geometry(n_shapes=3)
def _conv_geometry(op: str, nd: int, shape: tuple[int, ...], ws: tuple[int, ...], bias_shape: tuple[int, ...] | None,
                   stride: Any, padding: Any, dilation: Any, groups: int) -> tuple[_Geom, bool]:
    """Validate a convolution's shapes and options; its geometry and whether the input is batched."""
    _check_weight(op, nd, ws, groups, False)
    batched = _check_input(op, shape, nd, ws[1] * groups, f"weight {list(ws)}, groups {groups}")
    if bias_shape is not None and bias_shape != (ws[0],):
        raise RuntimeError(f"{op}: given weight of size {list(ws)}, expected bias to be 1-dimensional with {ws[0]} "
                           f"elements, but got bias of size {list(bias_shape)} instead")
    s, d = _tuple(op, "stride", stride, nd), _tuple(op, "dilation", dilation, nd)
    if any(v < 1 for v in s):
        raise RuntimeError(f"{op}: non-positive stride is not supported, got stride {s}")
    if any(v < 1 for v in d):
        raise RuntimeError(f"{op}: dilation should be greater than zero, got dilation {d}")
    k = ws[2:]
    lo, hi = _conv_padding(op, padding, nd, k, d, s)
    size = shape[-nd:]
    padded = tuple(n + a + b for n, a, b in zip(size, lo, hi))
    eff = tuple(dd * (kk - 1) + 1 for kk, dd in zip(k, d))
    if any(e > p for e, p in zip(eff, padded)):
        raise RuntimeError(f"{op}: Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                           f"Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be greater than "
                           "actual input size")
    out = tuple((p - e) // st + 1 for p, e, st in zip(padded, eff, s))
    return _plane_geom(nd, k, s, d, lo, size, padded, out, int(groups)), batched


def _conv(op: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
          dilation: Any, groups: int) -> Tensor:
    """conv1d/2d/3d: validate, lift 1-D to 2-D planes, run Convolution."""
    floating_dtype(op, input=input, weight=weight, bias=bias)
    g, batched = _conv_geometry(op, nd, input._data.shape, weight._data.shape,
                                None if bias is None else bias._data.shape, stride, padding, dilation, groups)
    x, w = _lift(input if batched else input.unsqueeze(0), nd), _lift(weight, nd)
    return _unplane(Convolution.apply(x, w, bias, g), nd, batched)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-D convolution (cross-correlation) over an (N, C_in, D, H, W) or (C_in, D, H, W) input, as ``F.conv3d``.

    Args:
        input: the input volumes.
        weight: filters of shape (C_out, C_in / groups, kD, kH, kW).
        bias: optional (C_out,) bias.
        stride: the step between windows, an int or (sD, sH, sW).
        padding: zeros added on each side, an int, (pD, pH, pW), ``'valid'`` (none) or ``'same'`` (output size =
            input size; stride 1 only; an odd total goes to the far side).
        dilation: the spacing between kernel taps, an int or (dD, dH, dW).
        groups: split the channels into this many groups convolved separately (C_in groups: depthwise).
    """
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) over an (N, C_in, H, W) or (C_in, H, W) input, as ``F.conv2d``.

    Args:
        input: the input planes.
        weight: filters of shape (C_out, C_in / groups, kH, kW).
        bias: optional (C_out,) bias.
        stride: the step between windows, an int or (sH, sW).
        padding: zeros added on each side, an int, (pH, pW), ``'valid'`` (none) or ``'same'`` (output size =
            input size; stride 1 only; an odd total goes to the bottom/right).
        dilation: the spacing between kernel taps, an int or (dH, dW).
        groups: split the channels into this many groups convolved separately (C_in groups: depthwise).
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) over an (N, C_in, L) or (C_in, L) input, as ``F.conv1d``.

    Args:
        input: the input sequences.
        weight: filters of shape (C_out, C_in / groups, kL).
        bias: optional (C_out,) bias.
        stride: the step between windows.
        padding: zeros added on each side, an int, ``'valid'`` or ``'same'`` (stride 1 only).
        dilation: the spacing between kernel taps.
        groups: split the channels into this many groups convolved separately.
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


@cached_geometry(n_shapes=3)
def _conv_transpose_geometry(op: str, nd: int, shape: tuple[int, ...], ws: tuple[int, ...],
                             bias_shape: tuple[int, ...] | None, stride: Any, padding: Any, output_padding: Any,
                             groups: int, dilation: Any) -> tuple[_Geom, bool]:
    """Validate a transposed convolution's shapes and options; the geometry of the convolution it transposes
    (whose input is this op's output) and whether the input is batched."""
    _check_weight(op, nd, ws, groups, True)
    batched = _check_input(op, shape, nd, ws[0], f"weight {list(ws)}, groups {groups}")
    out_c = ws[1] * groups
    if bias_shape is not None and bias_shape != (out_c,):
        raise RuntimeError(f"{op}: given weight of size {list(ws)} and groups={groups}, expected bias to be "
                           f"1-dimensional with {out_c} elements, but got bias of size {list(bias_shape)}")
    s, d = _tuple(op, "stride", stride, nd), _tuple(op, "dilation", dilation, nd)
    p, op_ = _tuple(op, "padding", padding, nd), _tuple(op, "output_padding", output_padding, nd)
    if any(v < 1 for v in s) or any(v < 1 for v in d):
        raise RuntimeError(f"{op}: stride and dilation must be positive, got stride {s} and dilation {d}")
    if any(v < 0 for v in p + op_):
        raise RuntimeError(f"{op}: negative padding is not supported, got padding {p}, output_padding {op_}")
    if any(o >= st and o >= dd for o, st, dd in zip(op_, s, d)):
        raise RuntimeError(f"{op}: output padding must be smaller than either stride or dilation, got "
                           f"output_padding {op_}, stride {s}, dilation {d}")
    hin = shape[-nd:]
    size = tuple((n - 1) * st - 2 * pp + dd * (k - 1) + o + 1 for n, st, pp, dd, k, o in zip(hin, s, p, d, ws[2:], op_))
    if any(n < 1 for n in size):
        raise RuntimeError(f"{op}: given input size per channel ({' x '.join(map(str, hin))}), the calculated output "
                           f"size ({' x '.join(map(str, size))}) is too small")
    padded = tuple(n + 2 * pp for n, pp in zip(size, p))
    return _plane_geom(nd, ws[2:], s, d, p, size, padded, hin, int(groups)), batched


def _conv_transpose(op: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
                    padding: Any, output_padding: Any, groups: int, dilation: Any) -> Tensor:
    """conv_transpose1d/2d/3d: validate, lift 1-D to 2-D planes, run ConvolutionInputGrad."""
    floating_dtype(op, input=input, weight=weight, bias=bias)
    g, batched = _conv_transpose_geometry(op, nd, input._data.shape, weight._data.shape,
                                          None if bias is None else bias._data.shape, stride, padding,
                                          output_padding, groups, dilation)
    x, w = _lift(input if batched else input.unsqueeze(0), nd), _lift(weight, nd)
    return _unplane(ConvolutionInputGrad.apply(x, w, bias, g), nd, batched)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """2-D transposed convolution (the gradient of conv2d with respect to its input), as ``F.conv_transpose2d``.

    The output has size (H_in - 1) * stride - 2 * padding + dilation * (kH - 1) + output_padding + 1 per dim.

    Args:
        input: (N, C_in, H, W) or (C_in, H, W).
        weight: filters of shape (C_in, C_out / groups, kH, kW).
        bias: optional (C_out,) bias.
        stride, padding, dilation: those of the convolution this transposes.
        output_padding: extra rows/columns added at the bottom/right of the output (smaller than stride or
            dilation).
        groups: channel groups.
    """
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """1-D transposed convolution (the gradient of conv1d with respect to its input), as ``F.conv_transpose1d``.

    The output has length (L_in - 1) * stride - 2 * padding + dilation * (kL - 1) + output_padding + 1.

    Args:
        input: (N, C_in, L) or (C_in, L).
        weight: filters of shape (C_in, C_out / groups, kL).
        bias: optional (C_out,) bias.
        stride, padding, dilation: those of the convolution this transposes.
        output_padding: extra length added at the end of the output (smaller than stride or dilation).
        groups: channel groups.
    """
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """3-D transposed convolution (the gradient of conv3d with respect to its input), as ``F.conv_transpose3d``.

    The output has size (D_in - 1) * stride - 2 * padding + dilation * (kD - 1) + output_padding + 1 per dim.

    Args:
        input: (N, C_in, D, H, W) or (C_in, D, H, W).
        weight: filters of shape (C_in, C_out / groups, kD, kH, kW).
        bias: optional (C_out,) bias.
        stride, padding, dilation: those of the convolution this transposes.
        output_padding: extra size added at the far end of each output dim (smaller than stride or dilation).
        groups: channel groups.
    """
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


# ----------------------------------------------------------------------------- unfold / fold
class Im2Col(Function):
    """out = the (N, C * kH * kW, L) sliding blocks of x (F.unfold); backward is Col2Im."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, g: _Geom) -> np.ndarray:
        ctx.g = g
        return _windows(_pad(x, g), g).reshape(x.shape[0], x.shape[1] * math.prod(g.k), math.prod(g.out))

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        return Col2Im.apply(grad, ctx.g), None


class Col2Im(Function):
    """out = the (N, C, H, W) sum of (N, C * kH * kW, L) blocks placed at their positions (F.fold)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, cols: np.ndarray, g: _Geom) -> np.ndarray:
        ctx.g = g
        c = cols.shape[1] // math.prod(g.k)
        return _col2im(cols.reshape((cols.shape[0], c) + g.k + g.out).transpose(1, 2, 3, 0, 4, 5), g)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        return Im2Col.apply(grad, ctx.g), None


def _block_geom(op: str, size: tuple, kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> _Geom:
    k, d = _tuple(op, "kernel_size", kernel_size, 2), _tuple(op, "dilation", dilation, 2)
    p, s = _tuple(op, "padding", padding, 2), _tuple(op, "stride", stride, 2)
    if any(v < 1 for v in k + d + s) or any(v < 0 for v in p):
        raise RuntimeError(f"{op}: expected positive kernel_size, dilation and stride and non-negative padding, got "
                           f"kernel_size {k}, dilation {d}, padding {p}, stride {s}")
    blocks = tuple((n + 2 * pp - dd * (kk - 1) - 1) // st + 1 for n, pp, dd, kk, st in zip(size, p, d, k, s))
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"{op}: given input spatial size {tuple(size)}, kernel_size {k}, dilation {d}, padding "
                           f"{p}, stride {s}, the calculated number of sliding blocks {blocks} is non-positive")
    return _Geom(k, s, d, p, tuple(size), tuple(n + 2 * pp for n, pp in zip(size, p)), blocks)


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """Extract sliding local blocks (im2col), as ``F.unfold``: (N, C, H, W) -> (N, C * kH * kW, L).

    Args:
        input: (N, C, H, W) or unbatched (C, H, W).
        kernel_size, dilation, padding, stride: the blocks' size, tap spacing, zero padding and step.
    """
    shape = tuple(input._data.shape)
    if len(shape) not in (3, 4):
        raise RuntimeError(f"unfold: expected input of shape (N, C, H, W) or (C, H, W), got {list(shape)}")
    floating_dtype("unfold", input=input)
    g = _block_geom("unfold", shape[-2:], kernel_size, dilation, padding, stride)
    x = input if len(shape) == 4 else input.unsqueeze(0)
    out = Im2Col.apply(x, g)
    return out if len(shape) == 4 else out.squeeze(0)


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """Combine sliding blocks into a tensor, summing overlaps (col2im), as ``F.fold``.

    Args:
        input: (N, C * kH * kW, L) or unbatched (C * kH * kW, L).
        output_size: the spatial size (H, W) of the output.
        kernel_size, dilation, padding, stride: as in ``unfold``.
    """
    shape = tuple(input._data.shape)
    if len(shape) not in (2, 3):
        raise RuntimeError(f"fold: expected input of shape (N, C * kH * kW, L) or (C * kH * kW, L), got {list(shape)}")
    floating_dtype("fold", input=input)
    g = _block_geom("fold", _tuple("fold", "output_size", output_size, 2), kernel_size, dilation, padding, stride)
    (kh, kw), (ho, wo) = g.k, g.out
    if shape[-2] % (kh * kw):
        raise RuntimeError(f"fold: expected size of input's dimension {len(shape) - 2} to be divisible by the product "
                           f"of kernel_size ({kh} * {kw} = {kh * kw}), but got {shape[-2]}")
    if shape[-1] != ho * wo:
        raise RuntimeError(f"fold: expected size of input's dimension {len(shape) - 1} to match the calculated number "
                           f"of sliding blocks {ho} * {wo} = {ho * wo}, but got {shape[-1]}")
    x = input if len(shape) == 3 else input.unsqueeze(0)
    out = Col2Im.apply(x, g)
    return out if len(shape) == 3 else out.squeeze(0)


# ----------------------------------------------------------------------------- pooling
def _pool_size(op: str, n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size: with ceil_mode the last window must start inside the input or left padding."""
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


@cached_geometry(n_shapes=1)
def _pool_geom(op: str, nd: int, shape: tuple[int, ...], kernel_size: Any, stride: Any, padding: Any, dilation: Any,
               ceil_mode: bool) -> tuple[_Geom, bool]:
    """Validate a pooling input's shape and options; the geometry and whether the input has a batch dim."""
    if len(shape) not in (nd + 1, nd + 2):
        dims = ", ".join(_SPATIAL[nd])
        raise RuntimeError(f"{op}: expected input of shape (N, C, {dims}) or (C, {dims}), got {list(shape)}")
    if 0 in shape[-nd - 1:]:
        raise RuntimeError(f"{op}: expected input's non-batch dimensions to have positive length, but input has a "
                           f"shape of {list(shape)}")
    k = _tuple(op, "kernel_size", kernel_size, nd)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _tuple(op, "stride", stride, nd)
    p, d = _tuple(op, "padding", padding, nd), _tuple(op, "dilation", dilation, nd)
    if any(v < 1 for v in k):
        raise RuntimeError(f"{op}: kernel_size must be greater than zero, got {k}")
    if any(v < 1 for v in s):
        raise RuntimeError(f"{op}: stride must be greater than zero, got {s}")
    if any(v < 1 for v in d):
        raise RuntimeError(f"{op}: dilation must be greater than zero, got {d}")
    for kk, pp, dd in zip(k, p, d):
        if pp < 0 or 2 * pp > dd * (kk - 1) + 1:
            raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation={dd}")
    size = shape[-nd:]
    out = tuple(_pool_size(op, n, kk, ss, pp, dd, ceil_mode) for n, kk, ss, pp, dd in zip(size, k, s, p, d))
    if any(o < 1 for o in out):
        raise RuntimeError(f"{op}: Given input size: ({'x'.join(map(str, shape[-nd - 1:]))}). Calculated output "
                           f"size: ({'x'.join(map(str, (shape[-nd - 1],) + out))}). Output size is too small")
    padded = tuple(max(n + 2 * pp, (o - 1) * ss + dd * (kk - 1) + 1)
                   for n, pp, o, ss, dd, kk in zip(size, p, out, s, d, k))
    return _plane_geom(nd, k, s, d, p, size, padded, out), len(shape) == nd + 2


def _planes(input: Tensor, nd: int, batched: bool) -> Tensor:
    """An op's input as (N, C, ...) planes: a batch dim added, a 1-D op's input lifted to height 1."""
    return _lift(input if batched else input.unsqueeze(0), nd)


def _unplane(out: Tensor, nd: int, batched: bool) -> Tensor:
    """An op's (N, C, ...) output planes in the input's layout (undoes ``_planes``)."""
    if nd == 1:
        out = out.squeeze(2)
    return out if batched else out.squeeze(0)


def _check_max_pool_dtype(op: str, input: Tensor) -> None:
    if not (is_floating(input._data.dtype) or input._data.dtype.kind in "iu"):
        raise RuntimeError(f"{op}: expected a floating point or integer input, got {input.dtype.name}")


def _window_max(xp: np.ndarray, g: _Geom) -> tuple[np.ndarray, np.ndarray]:
    """The max of each window of a padded input and the first kernel tap holding it (NaN counts as the max)."""
    taps = [xp[index] for _, index in _taps(g)]
    out = taps[0].copy(order="K") if len(taps) == 1 else np.maximum(taps[0], taps[1])
    for tap in taps[2:]:
        np.maximum(out, tap, out=out)
    if is_floating(out.dtype) and np.isnan(out.max(initial=-np.inf)):        # np.maximum propagates NaN
        nd = len(g.k)
        cols = _windows(xp, g).transpose((0, 1, *range(2 + nd, 2 + 2 * nd), *range(2, 2 + nd)))
        return out, cols.reshape(xp.shape[:2] + g.out + (len(taps),)).argmax(axis=-1)
    # the first tap holding the max = the number of leading taps that do not hold it
    none_yet = taps[0] != out
    arg = none_yet.astype(np.min_scalar_type(len(taps)))
    for tap in taps[1:-1]:
        none_yet &= tap != out
        arg += none_yet
    return out, arg


def _plane_indices(arg: np.ndarray, g: _Geom) -> np.ndarray:
    """The int64 flat index in its input plane (d * H * W + h * W + w, as PyTorch's) of the element at kernel
    tap ``arg`` of each window."""
    plane = np.cumprod((1,) + g.size[:0:-1])[::-1]            # a flat plane's strides, e.g. (H * W, W, 1)
    taps = np.indices(g.k).reshape(len(g.k), -1)
    offset = sum(t * (dd * st) for t, dd, st in zip(taps, g.d, plane))
    nd = len(g.k)
    start = sum(((np.arange(o) * ss - lo) * st).reshape((o,) + (1,) * (nd - 1 - i))
                for i, (o, ss, lo, st) in enumerate(zip(g.out, g.s, g.lo, plane)))
    idx = np.take(offset, arg)
    idx += start
    return idx


class MaxPool2DWithIndices(Function):
    """out = the max of each window (padding is -inf) and, ``with_indices``, also its flat index in the input
    plane (int64). Backward needs only which kernel tap held each maximum, kept as a small integer array."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, g: _Geom, with_indices: bool) -> Any:
        fill = -np.inf if is_floating(x.dtype) else np.iinfo(x.dtype).min
        out, arg = _window_max(_pad(x, g, fill), g)
        ctx.g = g
        ctx.save_for_backward(arg)
        if not with_indices:
            return out
        return out, _plane_indices(arg, g)

    @staticmethod
    def backward(ctx: Function, grad: Tensor, _: Tensor | None = None) -> tuple:
        arg, = ctx.saved_tensors
        return MaxPoolTapGrad.apply(grad, arg._data, ctx.g), None, None


class MaxPool3DWithIndices(MaxPool2DWithIndices):
    """MaxPool2DWithIndices on (N, C, D, H, W) volumes, under the name PyTorch gives 3-D max pooling's node."""


def _overlapping(g: _Geom) -> bool:
    return any(s < d * (k - 1) + 1 for k, s, d in zip(g.k, g.s, g.d))


class MaxPoolTapGrad(Function):
    """out = zeros of the input's shape with each window's y added at the kernel tap ``arg`` that held the
    window's maximum (max pooling's gradient): one masked product per tap, written into a strided view."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, y: np.ndarray, arg: np.ndarray, g: _Geom) -> np.ndarray:
        n, c = y.shape[:2]
        overlap = _overlapping(g)
        # built in a (C, N, *padded) buffer: the layout in which a convolution's gradients read it; when the
        # windows tile the padded plane exactly, the taps below write every element and no zeroing is needed
        tiled = all(d == 1 for d in g.d) and g.s == g.k and all(o * s == p for o, s, p in zip(g.out, g.s, g.padded))
        buf = (np.empty if tiled else np.zeros)((c, n) + g.padded, y.dtype)
        # the products run on (C, N, ...) views: NumPy keeps the axis order it is given when its operands'
        # layouts disagree (y is often (N, C, ...) in memory), and in this order it writes the buffer in sequence
        y, arg = y.swapaxes(0, 1), arg.swapaxes(0, 1)
        for t, (_, index) in enumerate(_taps(g)):
            tap = buf[index]
            if overlap:                  # windows share inputs: add (inf + -inf is NaN, as silently as in PyTorch)
                with np.errstate(invalid="ignore"):
                    tap += masked(y, arg == t)
            else:                        # each input is in one window at most: write
                masked(y, arg == t, out=tap)
        ctx.g = g
        ctx.save_for_backward(arg.swapaxes(0, 1))
        return _crop(buf.swapaxes(0, 1), g)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        arg, = ctx.saved_tensors
        return MaxPoolTapGather.apply(grad, arg._data, ctx.g), None, None


class MaxPoolTapGather(Function):
    """out = each window's element of x at kernel tap ``arg`` (max pooling with the maxima's positions fixed)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, arg: np.ndarray, g: _Geom) -> np.ndarray:
        xp = _pad(x, g)
        out = np.zeros(arg.shape, x.dtype)
        for t, (_, index) in enumerate(_taps(g)):
            np.copyto(out, xp[index], where=arg == t)
        ctx.g = g
        ctx.save_for_backward(arg)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        arg, = ctx.saved_tensors
        return MaxPoolTapGrad.apply(grad, arg._data, ctx.g), None, None


class MaxPoolGrad(Function):
    """out = zeros of shape (N, C, H, W) with each y added at its flat plane index (adaptive max pooling's
    gradient; its windows may share inputs, so the gradients landing on one element add up)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, y: np.ndarray, idx: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        n, c = y.shape[:2]
        plane = size[0] * size[1]
        # scattered into a (C, N, H, W) buffer: the layout in which a convolution's gradients read it
        yt, idxt = y.transpose(1, 0, 2, 3), idx.transpose(1, 0, 2, 3)
        flat = (idxt.reshape(c * n, idx.shape[2] * idx.shape[3]) + (np.arange(c * n) * plane)[:, None]).ravel()
        out = np.bincount(flat, yt.ravel(), minlength=n * c * plane).astype(y.dtype, copy=False)
        ctx.size = size
        ctx.save_for_backward(idx)
        return out.reshape((c, n) + size).transpose(1, 0, 2, 3)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        idx, = ctx.saved_tensors
        return MaxPoolGather.apply(grad, idx._data, ctx.size), None, None


class MaxPoolGather(Function):
    """out = x at the flat plane indices of the windows' maxima (max pooling with the maxima's positions fixed)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, idx: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        n, c = x.shape[:2]
        ctx.size = size
        ctx.save_for_backward(idx)
        flat = idx.reshape(n, c, idx.shape[2] * idx.shape[3])
        return np.take_along_axis(x.reshape(n, c, size[0] * size[1]), flat, axis=2).reshape(idx.shape)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        idx, = ctx.saved_tensors
        return MaxPoolGrad.apply(grad, idx._data, ctx.size), None, None


def _max_pool(op: str, nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: bool, return_indices: bool) -> Any:
    _check_max_pool_dtype(op, input)
    g, batched = _pool_geom(op, nd, input._data.shape, kernel_size, stride, padding, dilation, ceil_mode)
    pool = MaxPool3DWithIndices if nd == 3 else MaxPool2DWithIndices
    if not return_indices:
        return _unplane(pool.apply(_planes(input, nd, batched), g, False), nd, batched)
    out, idx = pool.apply(_planes(input, nd, batched), g, True)
    return _unplane(out, nd, batched), _unplane(idx, nd, batched)


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """3-D max pooling over (N, C, D, H, W) or (C, D, H, W), as ``F.max_pool3d``.

    Args:
        input: the input volumes.
        kernel_size: the window size, an int or (kD, kH, kW).
        stride: the step between windows (default: kernel_size).
        padding: implicit -inf padding on each side (at most half the effective kernel).
        dilation: the spacing between window elements.
        ceil_mode: round the output size up (a last window must still start inside the input or left padding).
        return_indices: also return the int64 flat index (d * H * W + h * W + w) of each maximum in its input
            volume, as ``max_unpool3d`` takes them.
    """
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """2-D max pooling over (N, C, H, W) or (C, H, W), as ``F.max_pool2d``.

    Args:
        input: the input planes.
        kernel_size: the window size, an int or (kH, kW).
        stride: the step between windows (default: kernel_size).
        padding: implicit -inf padding on each side (at most half the effective kernel).
        dilation: the spacing between window elements.
        ceil_mode: round the output size up (a last window must still start inside the input or left padding).
        return_indices: also return the int64 flat index (h * W + w) of each maximum in its input plane.
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """1-D max pooling over (N, C, L) or (C, L), as ``F.max_pool1d`` (options as in ``max_pool2d``)."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``max_pool1d`` returning (output, indices) whatever ``return_indices`` says, as
    ``F.max_pool1d_with_indices``."""
    return _max_pool("max_pool1d_with_indices", 1, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``max_pool2d`` returning (output, indices) whatever ``return_indices`` says, as
    ``F.max_pool2d_with_indices``."""
    return _max_pool("max_pool2d_with_indices", 2, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``max_pool3d`` returning (output, indices) whatever ``return_indices`` says, as
    ``F.max_pool3d_with_indices``."""
    return _max_pool("max_pool3d_with_indices", 3, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _window_sum(xp: np.ndarray, g: _Geom) -> np.ndarray:
    """The sum over each window of a padded input: one strided add per kernel tap."""
    taps = _taps(g)
    out = xp[taps[0][1]].copy()
    for _, index in taps[1:]:
        out += xp[index]
    return out


class AvgPool2D(Function):
    """out = the sum of each (zero-padded) window divided by its divisor."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, div: np.ndarray, g: _Geom) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(AvgPool2D.forward, ctx, x, div, g)
        out = _window_sum(_pad(x, g), g)
        out /= div
        ctx.g = g
        ctx.save_for_backward(div)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        div, = ctx.saved_tensors
        return AvgPoolGrad.apply(grad, div._data, ctx.g), None, None


class AvgPool3D(AvgPool2D):
    """AvgPool2D on (N, C, D, H, W) volumes, under the name PyTorch gives 3-D average pooling's node."""


class AvgPoolGrad(Function):
    """out = each y / divisor spread over its window's input positions (average pooling's gradient)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, y: np.ndarray, div: np.ndarray, g: _Geom) -> np.ndarray:
        if y.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(AvgPoolGrad.forward, ctx, y, div, g)
        share = (y / div).swapaxes(0, 1)
        cols = np.broadcast_to(share[(slice(None),) + (None,) * len(g.k)], share.shape[:1] + g.k + share.shape[1:])
        ctx.g = g
        ctx.save_for_backward(div)
        return _col2im(cols, g)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        div, = ctx.saved_tensors
        return AvgPool2D.apply(grad, div._data, ctx.g), None, None


def _avg_counts(n: int, k: int, s: int, p: int, out: int, include_pad: bool) -> np.ndarray:
    """Per output position, the number of elements PyTorch divides by along one dim."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, n + p)
    if include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


def _avg_pool(op: str, nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
              count_include_pad: bool, divisor_override: int | None) -> Tensor:
    dt = floating_dtype(op, input=input)
    g, batched = _pool_geom(op, nd, input._data.shape, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError(f"{op}: divisor must be not zero")
        div = np.full(g.out, divisor_override, dt)
    else:
        counts = [_avg_counts(*dims, count_include_pad) for dims in zip(g.size, g.k, g.s, g.lo, g.out)]
        div = functools.reduce(np.multiply.outer, counts).astype(dt)
    pool = AvgPool3D if nd == 3 else AvgPool2D
    return _unplane(pool.apply(_planes(input, nd, batched), div, g), nd, batched)


def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """3-D average pooling over (N, C, D, H, W) or (C, D, H, W), as ``F.avg_pool3d``.

    Args:
        input: the input volumes.
        kernel_size: the window size, an int or (kD, kH, kW).
        stride: the step between windows (default: kernel_size).
        padding: implicit zero padding on each side (at most half the kernel).
        ceil_mode: round the output size up.
        count_include_pad: count the zero padding in the divisor (windows are still clipped to the padded input).
        divisor_override: divide every window sum by this instead.
    """
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """2-D average pooling over (N, C, H, W) or (C, H, W), as ``F.avg_pool2d``.

    Args:
        input: the input planes.
        kernel_size: the window size, an int or (kH, kW).
        stride: the step between windows (default: kernel_size).
        padding: implicit zero padding on each side (at most half the kernel).
        ceil_mode: round the output size up.
        count_include_pad: count the zero padding in the divisor (windows are still clipped to the padded input).
        divisor_override: divide every window sum by this instead.
    """
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling over (N, C, L) or (C, L), as ``F.avg_pool1d`` (options as in ``avg_pool2d``)."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)

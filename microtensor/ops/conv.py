"""Convolution and pooling: conv1d/conv2d/conv_transpose2d, max/avg pooling, unfold/fold.

Every op works on 2-D planes (a 1-D op is the 2-D op with a plane of height 1) through one
geometry record, ``_Geom``. A convolution is im2col (a strided window view of the padded
input, copied once into (C * kh * kw, N * Ho * Wo) columns spanning the whole batch) and one
GEMM per group. Its output, and the max-pooling gradient, are (N, C, H, W) arrays laid out
(C, N, H, W) in memory, the layout these GEMMs read and write without copies. Its backward is
two more Functions, ``ConvolutionInputGrad`` (col2im of W^T @ grad, which is also conv_transpose2d) and
``ConvolutionWeightGrad`` (grad @ columns^T), whose own backwards are again these three
Functions, so gradients of any order stay convolutions. col2im accumulates one strided slice
per kernel tap (kh * kw NumPy adds), never a loop over pixels, channels or batch items.
"""
from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

from microtensor.autograd.function import Function
from microtensor.ops.checks import floating_dtype
from microtensor.ops.elementwise import masked
from microtensor.ops.reduction import Sum
from microtensor.tensor import Tensor


class _Geom(NamedTuple):
    """Where the windows of a 2-D op lie: kernel, stride, dilation, the top/left padding, the input
    plane (H, W), the padded plane (Hp, Wp: it also covers ceil-mode windows) and the output plane."""
    kh: int
    kw: int
    sh: int
    sw: int
    dh: int
    dw: int
    pt: int
    pl: int
    H: int
    W: int
    Hp: int
    Wp: int
    Ho: int
    Wo: int
    groups: int = 1


def _pad(x: np.ndarray, g: _Geom, value: float = 0.0) -> np.ndarray:
    """``x`` (N, C, H, W) inside a (N, C, Hp, Wp) plane filled with ``value``; ``x`` itself without padding.

    The padded plane is laid out (C, N, Hp, Wp) in memory, so the columns read from it are contiguous runs."""
    if g.Hp == g.H and g.Wp == g.W:
        return x
    shape = (x.shape[1], x.shape[0], g.Hp, g.Wp)
    xp = (np.zeros(shape, x.dtype) if value == 0 else np.full(shape, value, x.dtype)).transpose(1, 0, 2, 3)
    xp[:, :, g.pt:g.pt + g.H, g.pl:g.pl + g.W] = x
    return xp


def _windows(xp: np.ndarray, g: _Geom) -> np.ndarray:
    """The read-only (N, C, kh, kw, Ho, Wo) window view of a padded input (no copy)."""
    n, c, h, w = xp.strides
    return as_strided(xp, xp.shape[:2] + (g.kh, g.kw, g.Ho, g.Wo),
                      (n, c, h * g.dh, w * g.dw, h * g.sh, w * g.sw), writeable=False)


def _tap(buf: np.ndarray, g: _Geom, i: int, j: int) -> np.ndarray:
    """The (N, C, Ho, Wo) strided slice of a padded plane that kernel tap (i, j) sees (of a (C, N, ...) plane:
    (C, N, Ho, Wo); only the last two axes are sliced)."""
    return buf[:, :, i * g.dh:i * g.dh + g.sh * (g.Ho - 1) + 1:g.sh, j * g.dw:j * g.dw + g.sw * (g.Wo - 1) + 1:g.sw]


def _col2im(cols: np.ndarray, g: _Geom) -> np.ndarray:
    """Sum the (C, kh, kw, N, Ho, Wo) columns back onto their (N, C, H, W) input positions.

    The sum is built in a (C, N, Hp, Wp) buffer and returned as an (N, C, H, W) view of it."""
    c, n = cols.shape[0], cols.shape[3]
    buf = np.zeros((c, n, g.Hp, g.Wp), cols.dtype)
    for i in range(g.kh):
        for j in range(g.kw):
            tap = _tap(buf, g, i, j)
            np.add(tap, cols[:, i, j], out=tap)
    return _crop(buf.transpose(1, 0, 2, 3), g)


def _crop(buf: np.ndarray, g: _Geom) -> np.ndarray:
    """The (N, C, H, W) input plane inside a padded (N, C, Hp, Wp) one (a view; the plane itself without padding)."""
    if g.Hp == g.H and g.Wp == g.W:
        return buf
    return buf[:, :, g.pt:g.pt + g.H, g.pl:g.pl + g.W]


def _im2col(x: np.ndarray, g: _Geom) -> np.ndarray:
    """The (groups, C/groups * kh * kw, N * Ho * Wo) columns of a convolution's input (one copy).

    Columns span the whole batch, so a convolution and each of its gradients is one GEMM per group."""
    windows = _windows(_pad(x, g), g).transpose(1, 2, 3, 0, 4, 5)      # (C, kh, kw, N, Ho, Wo)
    return windows.reshape(g.groups, x.shape[1] // g.groups * g.kh * g.kw, x.shape[0] * g.Ho * g.Wo)


def _batch_rows(y: np.ndarray, g: _Geom) -> np.ndarray:
    """An (N, O, Ho, Wo) output gradient as (groups, O/groups, N * Ho * Wo) rows (a view when laid out (O, N, ...))."""
    return y.transpose(1, 0, 2, 3).reshape(g.groups, y.shape[1] // g.groups, y.shape[0] * g.Ho * g.Wo)


def _conv_forward(cols: np.ndarray, w: np.ndarray, b: np.ndarray | None, g: _Geom) -> np.ndarray:
    """(N, O, Ho, Wo), laid out (O, N, Ho, Wo) in memory."""
    out_c = w.shape[0]
    out = np.matmul(w.reshape(g.groups, out_c // g.groups, cols.shape[1]), cols)      # (G, O/G, N * L)
    if b is not None:
        out += b.reshape(g.groups, -1, 1)
    return out.reshape(out_c, cols.shape[2] // (g.Ho * g.Wo), g.Ho, g.Wo).transpose(1, 0, 2, 3)


def _conv_weight_grad(cols: np.ndarray, y: np.ndarray, g: _Geom, wshape: tuple) -> np.ndarray:
    # columns @ rows^T, transposed: the same product as rows @ columns^T, but OpenBLAS takes 0.61-0.98x the
    # time for it on these shapes (a long reduction over N * Ho * Wo), most for LeNet's and ResNet's first layers
    return np.matmul(cols, _batch_rows(y, g).swapaxes(-1, -2)).swapaxes(-1, -2).reshape(wshape)


def _conv_input_grad(y: np.ndarray, w: np.ndarray, g: _Geom) -> np.ndarray:
    out_c = w.shape[0]
    wt = w.reshape(g.groups, out_c // g.groups, -1).swapaxes(1, 2)         # (G, C/G * kh * kw, O/G)
    cols = np.matmul(wt, _batch_rows(y, g))
    return _col2im(cols.reshape(g.groups * w.shape[1], g.kh, g.kw, y.shape[0], g.Ho, g.Wo), g)


def _bias_grad(grad: Tensor) -> Tensor:
    """A convolution's bias gradient: the (N, O, H, W) output gradient summed over all but the channels."""
    return Sum.apply(grad, (0, 2, 3), False, grad._data.dtype)


# ----------------------------------------------------------------------------- convolution
class Convolution(Function):
    """out = conv(x, w) + b: im2col and one batched GEMM; the columns are kept for the weight gradient."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, g: _Geom) -> np.ndarray:
        cols = _im2col(x, g)
        out = _conv_forward(cols, w, b, g)
        ctx.g = g
        ctx.save_for_backward(x, w, cols if ctx.needs_input_grad[1] else None)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        x, w, cols = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (ConvolutionInputGrad.apply(grad, w, None, ctx.g) if need[0] else None,
                ConvolutionWeightGrad.apply(x, grad, cols, ctx.g) if need[1] else None,
                _bias_grad(grad) if need[2] else None, None)


class ConvolutionInputGrad(Function):
    """out = the gradient of conv(x, w) with respect to x for the output gradient y (conv_transpose(y, w)) + b."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, y: np.ndarray, w: np.ndarray, b: np.ndarray | None, g: _Geom) -> np.ndarray:
        out = _conv_input_grad(y, w, g)
        if b is not None:
            out += b.reshape(-1, 1, 1)
        ctx.g = g
        ctx.save_for_backward(y, w)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        y, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (Convolution.apply(grad, w, None, ctx.g) if need[0] else None,
                ConvolutionWeightGrad.apply(grad, y, None, ctx.g) if need[1] else None,
                _bias_grad(grad) if need[2] else None, None)


class ConvolutionWeightGrad(Function):
    """out = the gradient of conv(x, w) with respect to w for the output gradient y (from x's columns if given)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, y: np.ndarray, cols: np.ndarray | None, g: _Geom) -> np.ndarray:
        if cols is None:
            cols = _im2col(x, g)
        ctx.g = g
        ctx.save_for_backward(x, y)
        return _conv_weight_grad(cols, y, g, (y.shape[1], x.shape[1] // g.groups, g.kh, g.kw))

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        x, y = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (ConvolutionInputGrad.apply(y, grad, None, ctx.g) if need[0] else None,
                Convolution.apply(x, grad, None, ctx.g) if need[1] else None, None, None)


def _tuple(op: str, name: str, value: Any, n: int) -> tuple[int, ...]:
    """An int or a length-n sequence of ints as an n-tuple."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    if isinstance(value, (tuple, list)) and len(value) == 1 and n > 1:
        value = tuple(value) * n
    if isinstance(value, (tuple, list)) and len(value) == n and all(isinstance(v, (int, np.integer)) for v in value):
        return tuple(int(v) for v in value)
    raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")


def _lift(x: Tensor, nd: int) -> Tensor:
    """A 1-D op's (N, C, L) tensor as a (N, C, 1, L) plane."""
    return x.unsqueeze(2) if nd == 1 else x


def _check_input(op: str, shape: tuple[int, ...], nd: int, expected_c: int, what: str) -> bool:
    """Validate the rank and channel count of a convolution's input shape; True when it has a batch dim."""
    dims = ("N", "C_in") + (("L",) if nd == 1 else ("H", "W"))
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


@cached_geometry(n_shapes=3)
def _conv_geometry(op: str, nd: int, shape: tuple[int, ...], ws: tuple[int, ...], bias_shape: tuple[int, ...] | None,
                   stride: Any, padding: Any, dilation: Any, groups: int) -> tuple[_Geom, bool]:
    """Validate a convolution's shapes and options; its geometry on 2-D planes and whether the input is batched."""
    if len(ws) != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 2}-D weight (C_out, C_in / groups" +
                           (", kL)" if nd == 1 else ", kH, kW)") + f", got weight of shape {list(ws)}")
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise RuntimeError(f"{op}: non-positive groups is not supported, got groups={groups}")
    if ws[0] % groups:
        raise RuntimeError(f"{op}: given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size {list(ws)} instead")
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
    if nd == 1:
        k, s, d, lo, hi, size = (1,) + k, (1,) + s, (1,) + d, (0,) + lo, (0,) + hi, (1,) + size
    padded = tuple(n + a + b for n, a, b in zip(size, lo, hi))
    eff = tuple(dd * (kk - 1) + 1 for kk, dd in zip(k, d))
    if any(e > p for e, p in zip(eff, padded)):
        shown = slice(1, None) if nd == 1 else slice(None)
        raise RuntimeError(f"{op}: Calculated padded input size per channel: ({' x '.join(map(str, padded[shown]))}). "
                           f"Kernel size: ({' x '.join(map(str, eff[shown]))}). Kernel size can't be greater than "
                           "actual input size")
    out_hw = tuple((p - e) // st + 1 for p, e, st in zip(padded, eff, s))
    g = _Geom(k[0], k[1], s[0], s[1], d[0], d[1], lo[0], lo[1], size[0], size[1], padded[0], padded[1],
              out_hw[0], out_hw[1], int(groups))
    return g, batched


def _conv(op: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
          dilation: Any, groups: int) -> Tensor:
    """conv1d/conv2d: validate, lift to 2-D planes, run Convolution."""
    floating_dtype(op, input=input, weight=weight, bias=bias)
    g, batched = _conv_geometry(op, nd, input._data.shape, weight._data.shape,
                                None if bias is None else bias._data.shape, stride, padding, dilation, groups)
    x, w = _lift(input if batched else input.unsqueeze(0), nd), _lift(weight, nd)
    out = Convolution.apply(x, w, bias, g)
    if nd == 1:
        out = out.squeeze(2)
    return out if batched else out.squeeze(0)


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
    op = "conv_transpose2d"
    floating_dtype(op, input=input, weight=weight, bias=bias)
    ws = tuple(weight._data.shape)
    if len(ws) != 4:
        raise RuntimeError(f"{op}: expected a 4-D weight (C_in, C_out / groups, kH, kW), "
                           f"got weight of shape {list(ws)}")
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise RuntimeError(f"{op}: non-positive groups is not supported, got groups={groups}")
    if ws[0] % groups:
        raise RuntimeError(f"{op}: given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size {list(ws)} instead")
    batched = _check_input(op, input._data.shape, 2, ws[0], f"weight {list(ws)}, groups {groups}")
    out_c = ws[1] * groups
    if bias is not None and tuple(bias._data.shape) != (out_c,):
        raise RuntimeError(f"{op}: given weight of size {list(ws)} and groups={groups}, expected bias to be "
                           f"1-dimensional with {out_c} elements, but got bias of size {list(bias._data.shape)}")
    s, d = _tuple(op, "stride", stride, 2), _tuple(op, "dilation", dilation, 2)
    p, op_ = _tuple(op, "padding", padding, 2), _tuple(op, "output_padding", output_padding, 2)
    if any(v < 1 for v in s) or any(v < 1 for v in d):
        raise RuntimeError(f"{op}: stride and dilation must be positive, got stride {s} and dilation {d}")
    if any(v < 0 for v in p + op_):
        raise RuntimeError(f"{op}: negative padding is not supported, got padding {p}, output_padding {op_}")
    if any(o >= st and o >= dd for o, st, dd in zip(op_, s, d)):
        raise RuntimeError(f"{op}: output padding must be smaller than either stride or dilation, got "
                           f"output_padding {op_}, stride {s}, dilation {d}")
    x = input if batched else input.unsqueeze(0)
    hin = x._data.shape[2:]
    size = tuple((n - 1) * st - 2 * pp + dd * (k - 1) + o + 1 for n, st, pp, dd, k, o in zip(hin, s, p, d, ws[2:], op_))
    if any(n < 1 for n in size):
        raise RuntimeError(f"{op}: given input size per channel ({hin[0]} x {hin[1]}), the calculated output size "
                           f"({size[0]} x {size[1]}) is too small")
    g = _Geom(ws[2], ws[3], s[0], s[1], d[0], d[1], p[0], p[1], size[0], size[1], size[0] + 2 * p[0],
              size[1] + 2 * p[1], hin[0], hin[1], groups)
    out = ConvolutionInputGrad.apply(x, weight, bias, g)
    return out if batched else out.squeeze(0)


# ----------------------------------------------------------------------------- unfold / fold
class Im2Col(Function):
    """out = the (N, C * kh * kw, L) sliding blocks of x (F.unfold); backward is Col2Im."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, g: _Geom) -> np.ndarray:
        ctx.g = g
        return _windows(_pad(x, g), g).reshape(x.shape[0], x.shape[1] * g.kh * g.kw, g.Ho * g.Wo)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        return Col2Im.apply(grad, ctx.g), None


class Col2Im(Function):
    """out = the (N, C, H, W) sum of (N, C * kh * kw, L) blocks placed at their positions (F.fold)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, cols: np.ndarray, g: _Geom) -> np.ndarray:
        ctx.g = g
        c = cols.shape[1] // (g.kh * g.kw)
        return _col2im(cols.reshape(cols.shape[0], c, g.kh, g.kw, g.Ho, g.Wo).transpose(1, 2, 3, 0, 4, 5), g)

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
    return _Geom(k[0], k[1], s[0], s[1], d[0], d[1], p[0], p[1], size[0], size[1], size[0] + 2 * p[0],
                 size[1] + 2 * p[1], blocks[0], blocks[1])


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
    if shape[-2] % (g.kh * g.kw):
        raise RuntimeError(f"fold: expected size of input's dimension {len(shape) - 2} to be divisible by the product "
                           f"of kernel_size ({g.kh} * {g.kw} = {g.kh * g.kw}), but got {shape[-2]}")
    if shape[-1] != g.Ho * g.Wo:
        raise RuntimeError(f"fold: expected size of input's dimension {len(shape) - 1} to match the calculated number "
                           f"of sliding blocks {g.Ho} * {g.Wo} = {g.Ho * g.Wo}, but got {shape[-1]}")
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
    """Validate a pooling input's shape and options; the geometry on 2-D planes and whether the input has a
    batch dim."""
    if len(shape) not in (nd + 1, nd + 2):
        dims = "L" if nd == 1 else "H, W"
        raise RuntimeError(f"{op}: expected input of shape (N, C, {dims}) or (C, {dims}), got {list(shape)}")
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
    if nd == 1:
        k, s, p, d, size, out = (1,) + k, (1,) + s, (0,) + p, (1,) + d, (1,) + size, (1,) + out
    hp, wp = (max(n + 2 * pp, (o - 1) * ss + dd * (kk - 1) + 1) for n, pp, o, ss, dd, kk in zip(size, p, out, s, d, k))
    g = _Geom(k[0], k[1], s[0], s[1], d[0], d[1], p[0], p[1], size[0], size[1], hp, wp, out[0], out[1])
    return g, len(shape) == nd + 2


def _planes(input: Tensor, nd: int, batched: bool) -> Tensor:
    """A pooling input as (N, C, H, W) planes."""
    return _lift(input if batched else input.unsqueeze(0), nd)


def _unplane(out: Tensor, nd: int, batched: bool) -> Tensor:
    if nd == 1:
        out = out.squeeze(2)
    return out if batched else out.squeeze(0)


def _check_max_pool_dtype(op: str, input: Tensor) -> None:
    if input._data.dtype.kind not in "fiu":
        raise RuntimeError(f"{op}: expected a floating point or integer input, got {input.dtype.name}")


def _window_max(xp: np.ndarray, g: _Geom) -> tuple[np.ndarray, np.ndarray]:
    """The max of each window of a padded input and the first kernel tap holding it (NaN counts as the max)."""
    taps = [_tap(xp, g, t // g.kw, t % g.kw) for t in range(g.kh * g.kw)]
    out = taps[0].copy(order="K") if len(taps) == 1 else np.maximum(taps[0], taps[1])
    for tap in taps[2:]:
        np.maximum(out, tap, out=out)
    if out.dtype.kind == "f" and np.isnan(out.max(initial=-np.inf)):        # np.maximum propagates NaN
        n, c = xp.shape[:2]
        cols = _windows(xp, g).transpose(0, 1, 4, 5, 2, 3).reshape(n, c, g.Ho, g.Wo, len(taps))
        return out, cols.argmax(axis=-1)
    # the first tap holding the max = the number of leading taps that do not hold it
    none_yet = taps[0] != out
    arg = none_yet.astype(np.min_scalar_type(len(taps)))
    for tap in taps[1:-1]:
        none_yet &= tap != out
        arg += none_yet
    return out, arg


class MaxPool2DWithIndices(Function):
    """out = the max of each window (padding is -inf) and, ``with_indices``, also its flat index in the input
    plane (int64). Backward needs only which kernel tap held each maximum, kept as a small integer array."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, g: _Geom, with_indices: bool) -> Any:
        fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        out, arg = _window_max(_pad(x, g, fill), g)
        ctx.g = g
        ctx.save_for_backward(arg)
        if not with_indices:
            return out
        taps = np.arange(g.kh * g.kw)
        offset = (taps // g.kw) * g.dh * g.W + (taps % g.kw) * g.dw
        start = ((np.arange(g.Ho) * g.sh - g.pt) * g.W)[:, None] + (np.arange(g.Wo) * g.sw - g.pl)
        idx = np.take(offset, arg)
        idx += start
        return out, idx

    @staticmethod
    def backward(ctx: Function, grad: Tensor, _: Tensor | None = None) -> tuple:
        arg, = ctx.saved_tensors
        return MaxPoolTapGrad.apply(grad, arg._data, ctx.g), None, None


def _overlapping(g: _Geom) -> bool:
    return g.sh < g.dh * (g.kh - 1) + 1 or g.sw < g.dw * (g.kw - 1) + 1


class MaxPoolTapGrad(Function):
    """out = zeros of the input's shape with each window's y added at the kernel tap ``arg`` that held the
    window's maximum (max pooling's gradient): one masked product per tap, written into a strided view."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, y: np.ndarray, arg: np.ndarray, g: _Geom) -> np.ndarray:
        n, c = y.shape[:2]
        overlap = _overlapping(g)
        # built in a (C, N, Hp, Wp) buffer: the layout in which a convolution's gradients read it; when the
        # windows tile the padded plane exactly, the taps below write every element and no zeroing is needed
        tiled = (g.dh == g.dw == 1 and (g.sh, g.sw) == (g.kh, g.kw) and (g.Ho * g.sh, g.Wo * g.sw) == (g.Hp, g.Wp))
        buf = (np.empty if tiled else np.zeros)((c, n, g.Hp, g.Wp), y.dtype)
        # the products run on (C, N, ...) views: NumPy keeps the axis order it is given when its operands'
        # layouts disagree (y is often (N, C, ...) in memory), and in this order it writes the buffer in sequence
        y, arg = y.transpose(1, 0, 2, 3), arg.transpose(1, 0, 2, 3)
        finite = y.dtype.kind != "f" or bool(np.isfinite(y).all())
        for t in range(g.kh * g.kw):
            tap = _tap(buf, g, t // g.kw, t % g.kw)
            if overlap:                  # windows share inputs: add
                tap += masked(y, arg == t, finite=finite)
            else:                        # each input is in one window at most: write
                masked(y, arg == t, out=tap, finite=finite)
        ctx.g = g
        ctx.save_for_backward(arg.transpose(1, 0, 2, 3))
        return _crop(buf.transpose(1, 0, 2, 3), g)

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
        for t in range(g.kh * g.kw):
            np.copyto(out, _tap(xp, g, t // g.kw, t % g.kw), where=arg == t)
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
    if not return_indices:
        return _unplane(MaxPool2DWithIndices.apply(_planes(input, nd, batched), g, False), nd, batched)
    out, idx = MaxPool2DWithIndices.apply(_planes(input, nd, batched), g, True)
    return _unplane(out, nd, batched), _unplane(idx, nd, batched)


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


def _window_sum(xp: np.ndarray, g: _Geom) -> np.ndarray:
    """The sum over each window of a padded input: one strided add per kernel tap."""
    out = _tap(xp, g, 0, 0).copy()
    for t in range(1, g.kh * g.kw):
        out += _tap(xp, g, t // g.kw, t % g.kw)
    return out


class AvgPool2D(Function):
    """out = the sum of each (zero-padded) window divided by its divisor."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, div: np.ndarray, g: _Geom) -> np.ndarray:
        out = _window_sum(_pad(x, g), g)
        out /= div
        ctx.g = g
        ctx.save_for_backward(div)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        div, = ctx.saved_tensors
        return AvgPoolGrad.apply(grad, div._data, ctx.g), None, None


class AvgPoolGrad(Function):
    """out = each y / divisor spread over its window's input positions (average pooling's gradient)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, y: np.ndarray, div: np.ndarray, g: _Geom) -> np.ndarray:
        share = (y / div).transpose(1, 0, 2, 3)
        cols = np.broadcast_to(share[:, None, None], share.shape[:1] + (g.kh, g.kw) + share.shape[1:])
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
        div = np.full((g.Ho, g.Wo), divisor_override, dt)
    else:
        div = np.outer(_avg_counts(g.H, g.kh, g.sh, g.pt, g.Ho, count_include_pad),
                       _avg_counts(g.W, g.kw, g.sw, g.pl, g.Wo, count_include_pad)).astype(dt)
    return _unplane(AvgPool2D.apply(_planes(input, nd, batched), div, g), nd, batched)


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

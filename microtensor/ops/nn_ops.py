"""Neural-network ops: the softmax family (stable for inputs of any magnitude), dropout, embedding, one_hot, pad,
interpolate and the linear maps of ``nn.functional``. Activations and normalization have their own modules."""
from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor import random as mt_random
from microtensor.autograd.function import Function
from microtensor.ops.activation import _SELU_ALPHA, _SELU_SCALE, ScaleBy, _floating, _maybe_inplace
from microtensor.ops.broadcasting import promote
from microtensor.ops.indexing import ADVANCED, IndexAdd, index_select
from microtensor.ops.linalg import MatMul, einsum, rows
from microtensor.ops.reduction import Sum, torch_dtype_name
from microtensor.tensor import Tensor


class Softmax(Function):
    """out = exp(x - max) / sum(exp(x - max)) over ``dim``; backward uses the saved output."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int | None) -> np.ndarray:
        ctx.dim = dim
        e = np.exp(x - x.max(axis=dim, keepdims=True)) if x.size else x.copy()
        e /= e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(e)
        return e

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        out, = ctx.saved_tensors
        return SoftmaxBackward.apply(grad, out, ctx.dim), None


class SoftmaxBackward(Function):
    """out = y * (grad - sum(grad * y)) over ``dim``: softmax's gradient from its output y, as one node."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, grad: np.ndarray, y: np.ndarray, dim: int | None) -> np.ndarray:
        ctx.dim = dim
        ctx.save_for_backward(grad if ctx.needs_input_grad[1] else None, y)   # grad only for y's gradient
        gy = grad * y
        return gy - y * gy.sum(axis=dim, keepdims=True)

    @staticmethod
    def backward(ctx: Function, u: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        grad, y = ctx.saved_tensors
        need, dim = ctx.needs_input_grad, ctx.dim
        uy = (u * y).sum(dim=dim, keepdim=True)
        return (y * (u - uy) if need[0] else None,
                u * (grad - (grad * y).sum(dim=dim, keepdim=True)) - grad * uy if need[1] else None, None)


class LogSoftmax(Function):
    """out = x - max - log(sum(exp(x - max))) over ``dim``; backward uses the saved output."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int | None) -> np.ndarray:
        ctx.dim = dim
        if not x.size:
            out = x.copy()
        else:
            shifted = x - x.max(axis=dim, keepdims=True)
            shifted -= np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
            out = shifted
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        out, = ctx.saved_tensors
        return LogSoftmaxBackward.apply(grad, out, ctx.dim), None


class LogSoftmaxBackward(Function):
    """out = grad - exp(y) * sum(grad) over ``dim``: log_softmax's gradient from its output y, as one node."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, grad: np.ndarray, y: np.ndarray, dim: int | None) -> np.ndarray:
        ctx.dim = dim
        ctx.save_for_backward(grad if ctx.needs_input_grad[1] else None, y)   # grad only for y's gradient
        e = np.exp(y)
        e *= grad.sum(axis=dim, keepdims=True)
        return grad - e

    @staticmethod
    def backward(ctx: Function, u: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        grad, y = ctx.saved_tensors
        need, dim = ctx.needs_input_grad, ctx.dim
        e = y.exp()
        return (u - (u * e).sum(dim=dim, keepdim=True) if need[0] else None,
                -u * e * grad.sum(dim=dim, keepdim=True) if need[1] else None, None)


def _prepare(op: str, input: Tensor, dim: int, dtype: Any) -> tuple[Tensor, int | None]:
    """The input cast to ``dtype`` (if given) and the axis (None for a 0-d input)."""
    if dtype is not None:
        input = input.to(dtypes.to_dtype(dtype, op))
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}(): expected a floating point input, got {torch_dtype_name(input)}; convert it "
                           "with .float() or pass dtype=")
    if dim is None:
        raise TypeError(f"{op}() missing the required argument 'dim' (the dimension to normalize over)")
    d = input._wrap_dim(dim)
    return input, d if input._data.ndim else None


def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """exp(input) / exp(input).sum(dim, keepdim=True), computed stably (shifted by the max).

    Args:
        input: a floating-point tensor.
        dim: the dimension whose slices sum to 1.
        dtype: convert the input to this dtype first.
    """
    x, d = _prepare("softmax", input, dim, dtype)
    return Softmax.apply(x, d)


def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """log(softmax(input, dim)), computed stably as input - logsumexp(input, dim).

    Args:
        input: a floating-point tensor.
        dim: the dimension to normalize over.
        dtype: convert the input to this dtype first.
    """
    x, d = _prepare("log_softmax", input, dim, dtype)
    return LogSoftmax.apply(x, d)


def _implicit_dim(op: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to include dim=X "
                  "as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """softmax(-input, dim): weights that favour the smallest entries (implicit dim as ``F.softmax``)."""
    if dim is None:
        dim = _implicit_dim("softmin", input.ndim, _stacklevel)
    x, d = _prepare("softmin", input, dim, dtype)
    return Softmax.apply(-x, d)



# ----------------------------------------------------------------------------- dropout
def _check_p(p: float) -> None:
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout(op: str, input: Tensor, p: float, training: bool, inplace: bool, mask_shape: tuple[int, ...],
             alpha: bool = False) -> Tensor:
    """Zero elements (or whole channels: ``mask_shape`` broadcasts to the input) with probability p."""
    _check_p(p)
    x = _floating(op, input)
    if not training or p == 0 or x.numel() == 0:
        return x
    d = x._data
    if p == 1:
        return _maybe_inplace(op, ScaleBy.apply, x, inplace, np.zeros((), dtype=d.dtype))
    keep = mt_random.default_generator.rng.random(mask_shape) >= p
    if not alpha:
        return _maybe_inplace(op, ScaleBy.apply, x, inplace, np.multiply(keep, 1 / (1 - p), dtype=d.dtype))
    # SELU-preserving: dropped units take the value -alpha' = -scale * alpha, then an affine map restores
    # mean 0 and variance 1 (PyTorch's constants).
    a_prime = _SELU_ALPHA * _SELU_SCALE
    a = 1 / math.sqrt((a_prime * a_prime * p + 1) * (1 - p))
    factor = np.multiply(keep, a, dtype=d.dtype)
    shift = Tensor._make(((keep - 1) * (a_prime * a) + a_prime * a * p).astype(d.dtype))
    return _maybe_inplace(op, lambda t: ScaleBy.apply(t, factor) + shift, x, inplace)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """In training, zero each element with probability ``p`` (a mask drawn from the default generator) and scale
    the rest by 1 / (1 - p); the gradient uses the same mask. The input itself in evaluation or for p = 0."""
    return _dropout("dropout", input, p, training, inplace, input.shape)


def _feature_dropout(op: str, input: Tensor, p: float, training: bool, inplace: bool, batched_ndim: int) -> Tensor:
    """Channel dropout for an input of ``batched_ndim`` dims (N, C, *) or one fewer (C, *): one draw per channel."""
    x = _floating(op, input)
    if x.ndim not in (batched_ndim - 1, batched_ndim):
        raise RuntimeError(f"{op}(): expected a {batched_ndim - 1}-D (unbatched) or {batched_ndim}-D (batched) "
                           f"input, got an input of shape {list(x.shape)}")
    lead = 2 if x.ndim == batched_ndim else 1
    return _dropout(op, x, p, training, inplace, tuple(x.shape[:lead]) + (1,) * (x.ndim - lead))


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, L) or (C, L) input with probability p; scale the rest by 1 / (1 - p)."""
    return _feature_dropout("dropout1d", input, p, training, inplace, 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, H, W) input with probability p; scale the rest by 1 / (1 - p). As
    PyTorch, a 3-D input is taken as (N, C, L)."""
    x = _floating("dropout2d", input)
    if x.ndim not in (3, 4):
        raise RuntimeError(f"dropout2d(): expected a 3-D or 4-D input, got an input of shape {list(x.shape)}")
    return _dropout("dropout2d", x, p, training, inplace, tuple(x.shape[:2]) + (1,) * (x.ndim - 2))


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input with probability p."""
    return _feature_dropout("dropout3d", input, p, training, inplace, 5)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped units take SELU's negative saturation, then an affine map keeps the
    mean and variance of the input."""
    return _dropout("alpha_dropout", input, p, training, inplace, input.shape, alpha=True)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """``alpha_dropout`` with one draw per channel of an (N, C, *) input."""
    x = _floating("feature_alpha_dropout", input)
    if x.ndim < 2:
        raise RuntimeError(f"feature_alpha_dropout(): expected an input of shape (N, C, *), got {list(x.shape)}")
    return _dropout("feature_alpha_dropout", x, p, training, inplace, tuple(x.shape[:2]) + (1,) * (x.ndim - 2),
                    alpha=True)


# ----------------------------------------------------------------------------- embedding, one_hot
class Embedding(Function):
    """out = weight[indices]; the gradient of a row sums over its repeated indices (none for ``padding_idx``)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, weight: np.ndarray, indices: np.ndarray, padding_idx: int | None,
                scale_grad_by_freq: bool) -> np.ndarray:
        ctx.weight_shape, ctx.padding_idx, ctx.by_freq = weight.shape, padding_idx, scale_grad_by_freq
        ctx.save_for_backward(indices)
        return weight[indices]

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None, None]:
        indices, = ctx.saved_tensors
        flat = indices._data.reshape(-1)
        rows = ctx.weight_shape[0]
        g = grad.reshape(flat.size, *ctx.weight_shape[1:])
        factor = None
        if ctx.by_freq:
            factor = 1 / np.bincount(flat, minlength=rows)[flat]
        if ctx.padding_idx is not None:
            factor = (flat != ctx.padding_idx) if factor is None else factor * (flat != ctx.padding_idx)
        if factor is not None:
            g = ScaleBy.apply(g, factor.astype(g._data.dtype).reshape((-1,) + (1,) * (g.ndim - 1)))
        return IndexAdd.apply(None, g, (flat,), ADVANCED, ctx.weight_shape), None, None, None


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """The rows of ``weight`` at the integer ``input`` indices: output shape ``input.shape + weight.shape[1:]``.

    Args:
        input: an int64/int32 tensor of indices into the rows of ``weight``.
        weight: the (num_embeddings, embedding_dim) table.
        padding_idx: a row that gets no gradient (negative counts from the end).
        max_norm: rows looked up with a ``norm_type``-norm above this are rescaled to it, in place.
        scale_grad_by_freq: divide each row's gradient by how often it occurs in ``input``.
        sparse: accepted for compatibility; the gradient is dense.
    """
    if not isinstance(input, Tensor) or input._data.dtype not in (np.int64, np.int32):
        got = f"{torch_dtype_name(input)} tensor" if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {got} instead (while checking arguments for embedding)")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding(): 'weight' must be 2-D (num_embeddings, embedding_dim), got shape "
                           f"{list(weight.shape)}")
    rows = weight.shape[0]
    idx = input._data
    if idx.size and (idx.min() < 0 or idx.max() >= rows):
        raise IndexError(f"index out of range in self (embedding indices must be in [0, {rows}), got "
                         f"values in [{idx.min()}, {idx.max()}])")
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise AssertionError(f"Padding_idx must be within num_embeddings (got {padding_idx} for {rows} rows)")
        padding_idx %= rows
    if max_norm is not None:
        _renorm_rows(weight, np.unique(idx), max_norm, norm_type)
    return Embedding.apply(weight, idx, padding_idx, scale_grad_by_freq)


def _renorm_rows(weight: Tensor, rows: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale, in place and outside the graph, the given rows of ``weight`` whose norm exceeds ``max_norm``."""
    data = weight._data
    norms = np.linalg.norm(data[rows], ord=norm_type, axis=1)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(data.dtype)
    data[rows] *= scale[:, None]
    weight._vc[0] += 1


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """An int64 tensor of shape ``tensor.shape + (num_classes,)`` with a 1 at each index of the int64 ``tensor``.

    Args:
        tensor: class indices (int64), each in [0, num_classes).
        num_classes: the number of classes; -1 takes the largest index plus one.
    """
    if not isinstance(tensor, Tensor) or tensor._data.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    idx = tensor._data
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    elif num_classes < -1:
        raise RuntimeError(f"one_hot(): num_classes should be -1 or non-negative, got {num_classes}")
    if idx.size:
        if idx.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if idx.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(idx.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, idx[..., None], 1, axis=-1)
    return Tensor._make(out)


# ----------------------------------------------------------------------------- pad, interpolate
class ConstantPad(Function):
    """out = x with ``widths[d] = (before, after)`` elements of ``value`` added on each side of dim d (negative
    widths crop); the gradient is the grad with the widths negated (crop what was added, zero-fill the cropped)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, widths: tuple[tuple[int, int], ...], value: float) -> np.ndarray:
        ctx.widths = widths
        src = tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(widths, x.shape))
        out = np.full(tuple(n + b + a for (b, a), n in zip(widths, x.shape)), value, dtype=x.dtype)
        out[tuple(slice(max(b, 0), m - max(a, 0)) for (b, a), m in zip(widths, out.shape))] = x[src]
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        return ConstantPad.apply(grad, tuple((-b, -a) for b, a in ctx.widths), 0), None, None


_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _constant_pad(input: Tensor, pairs: list[tuple[int, int]], value: float) -> Tensor:
    """ConstantPad of the last ``len(pairs)`` dims, ``pairs`` in dim order; a negative size is an error."""
    widths = ((0, 0),) * (input.ndim - len(pairs)) + tuple(pairs)
    for d, ((b, a), n) in enumerate(zip(widths, input.shape)):
        if n + b + a < 0:
            raise RuntimeError(f"The input size {n}, plus negative padding {b} and {a} resulted in a negative "
                               f"output size, which is invalid. Check dimension {d} of your input.")
    return ConstantPad.apply(input, widths, value)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims of ``input``; ``pad`` lists (before, after) pairs from the LAST dim
    backwards: ``(left, right)``, ``(left, right, top, bottom)``, ...

    Args:
        input: the tensor to pad.
        pad: an even number of ints; negative values crop (constant mode).
        mode: ``'constant'`` (fill with ``value``), ``'reflect'`` (mirror without repeating the edge),
            ``'replicate'`` (repeat the edge) or ``'circular'`` (wrap around).
        value: the fill value of constant mode (0 when None).
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    pad = tuple(int(p) for p in pad)
    k = len(pad) // 2
    if len(pad) % 2:
        raise RuntimeError(f"Padding length must be divisible by 2, got a pad of length {len(pad)}")
    if k > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.ndim}")
    nd = input.ndim
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(k)][::-1]   # the first padded dim first
    if mode == "constant":
        return _constant_pad(input, pairs, 0 if value is None else value)
    if mode not in _PAD_MODES:
        raise ValueError(f"pad(): unsupported padding mode {mode!r}; use 'constant', 'reflect', "
                                  "'replicate' or 'circular'")
    if value:
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if nd not in (k + 1, k + 2) or k > 3:
        raise RuntimeError(f"pad(): {mode} padding of the last {k} dim(s) needs a {k + 1}-D (unbatched) or "
                                  f"{k + 2}-D (batched) input, got an input of shape {list(input.shape)}")
    x = input
    for i, (b, a) in enumerate(pairs):
        d = nd - k + i
        n = x.shape[d]
        if b < 0 or a < 0:
            raise RuntimeError(f"pad(): negative padding ({b}, {a}) is only supported in constant mode")
        if mode == "reflect" and (b >= n or a >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({b}, {a}) at dimension {d} of input {list(input.shape)}")
        if mode == "circular" and (b > n or a > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if n == 0 and (b or a):
            raise RuntimeError(f"pad(): {mode} padding needs a non-empty dimension {d}, input {list(input.shape)}")
        if b or a:
            source = np.pad(np.arange(n), (b, a), mode=_PAD_MODES[mode])
            x = index_select(x, d, Tensor._make(source))
    return x


def constant_pad_nd(input: Tensor, pad: Sequence[int], value: float = 0) -> Tensor:
    """``torch.constant_pad_nd``: ``pad(input, pad, 'constant', value)``."""
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise RuntimeError(f"constant_pad_nd(): expected an even pad length of at most {2 * input.ndim}, "
                           f"got {len(pad)}")
    k = len(pad) // 2
    return _constant_pad(input, [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(k)][::-1], value)


def _nearest_source(n_in: int, n_out: int, scale: float | None, exact: bool) -> np.ndarray:
    """PyTorch's nearest-neighbour source index of each output position, computed in float32 as it does."""
    s = np.float32(1.0 / scale) if scale else np.float32(n_in) / np.float32(n_out)
    dst = np.arange(n_out, dtype=np.float32)
    if exact:
        src = np.floor((dst + np.float32(0.5)) * s)
    elif n_out == n_in:
        return np.arange(n_out)
    elif n_out == 2 * n_in:
        return np.arange(n_out) >> 1
    else:
        src = np.floor(dst * s)
    return np.minimum(src.astype(np.int64), n_in - 1)


def interpolate(input: Tensor, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None,
                mode: str = "nearest", align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of an (N, C, *) input by nearest-neighbour sampling (PyTorch's index rule:
    source = floor(dest * in / out), or floor(dest / scale_factor) when the scale is given).

    Args:
        input: a 3-D, 4-D or 5-D tensor.
        size: the output spatial size (an int for all dims, or one per dim).
        scale_factor: the multiplier of the spatial size (instead of ``size``).
        mode: ``'nearest'`` or ``'nearest-exact'`` (source = floor((dest + 0.5) * in / out)).
        align_corners, antialias: only for the interpolating modes, which microtensor does not provide.
        recompute_scale_factor: use in / out for the index rule even when ``scale_factor`` is given.
    """
    if mode not in ("nearest", "nearest-exact"):
        raise ValueError(f"interpolate(): mode {mode!r} is not supported; microtensor provides 'nearest' and "
                         "'nearest-exact'")
    if align_corners is not None or antialias:
        raise ValueError("align_corners and antialias option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if input.ndim not in (3, 4, 5):
        raise ValueError(f"interpolate(): expected a 3-D, 4-D or 5-D input (N, C, *), got an input of "
                                  f"shape {list(input.shape)}")
    k = input.ndim - 2
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined" if size is not None
                         else "either size or scale_factor should be defined")
    in_sizes = input.shape[2:]
    if size is not None:
        sizes = (size,) * k if isinstance(size, numbers.Integral) else tuple(size)
        if len(sizes) != k:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                             f"spatial dimensions of {list(in_sizes)} and output size of {list(sizes)}.")
        scales = (None,) * k
    else:
        scales = (scale_factor,) * k if isinstance(scale_factor, numbers.Real) else tuple(scale_factor)
        if len(scales) != k:
            raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {list(in_sizes)} and scale_factor of shape {list(scales)}.")
        sizes = tuple(int(math.floor(n * float(s))) for n, s in zip(in_sizes, scales))
        if recompute_scale_factor:
            scales = (None,) * k
    if any(s <= 0 for s in sizes):
        raise RuntimeError(f"interpolate(): the output size {list(sizes)} must be positive")
    x = input
    for i, (n_in, n_out, s) in enumerate(zip(in_sizes, sizes, scales)):
        source = _nearest_source(n_in, int(n_out), s, mode == "nearest-exact")
        if n_in != n_out or (source != np.arange(n_out)).any():
            x = index_select(x, 2 + i, Tensor._make(source))
    return x


# ----------------------------------------------------------------------------- linear maps, distances
class Linear(Function):
    """out = x @ weight.T + bias over the last dim of x (weight (out, in), bias (out,) or None)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
        need = ctx.needs_input_grad          # x only for weight's gradient and weight only for x's, as PyTorch's addmm
        ctx.save_for_backward(x if need[1] else None, weight if need[0] else None)
        ctx.bias_shape = None if bias is None else bias.shape
        if x.ndim == 2:
            out = x @ weight.T                       # BLAS reads the transposed view without a copy
        else:
            out = (x.reshape(rows(x.shape)) @ weight.T).reshape(x.shape[:-1] + (weight.shape[0],))
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
        x, weight = ctx.saved_tensors
        gx = gw = gb = None
        ndim = grad._data.ndim
        if ctx.needs_input_grad[0]:
            gx = MatMul.apply(grad, weight, False, False) if ndim > 1 else grad @ weight
        if ctx.needs_input_grad[1]:
            g2 = grad if ndim == 2 else grad.reshape(rows(grad._data.shape))
            gw = MatMul.apply(g2, x if x.ndim == 2 else x.reshape(rows(x._data.shape)), True, False)
        if ctx.needs_input_grad[2]:
            if not ctx.bias_shape:
                gb = grad.sum()
            else:
                gb = grad if ndim == 1 else Sum.apply(grad, tuple(range(ndim - 1)), False, grad._data.dtype)
        return gx, gw, gb


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias: the affine map of ``nn.Linear`` over the last dim of ``input``.

    Args:
        input: (*, in_features).
        weight: (out_features, in_features).
        bias: (out_features,) or None.
    """
    x = _floating("linear", input)
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise RuntimeError(f"linear(): weight must be a 2-D tensor (out_features, in_features), got "
                           f"{list(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        rows = math.prod(x.shape[:-1]) if x.ndim > 1 else 1
        cols = x.shape[-1] if x.ndim else 1
        raise RuntimeError(f"linear(): input of shape {list(x.shape)} has {cols} features but weight of shape "
                           f"{list(weight.shape)} expects {weight.shape[1]}: mat1 and mat2 shapes cannot be "
                           f"multiplied ({rows}x{cols} and {weight.shape[1]}x{weight.shape[0]})")
    if weight._data.dtype != x._data.dtype or (bias is not None and bias._data.dtype != x._data.dtype):
        raise RuntimeError(f"linear(): expected input, weight and bias of the same dtype, got {x.dtype.name}, "
                           f"{weight.dtype.name}" + (f" and {bias.dtype.name}" if bias is not None else ""))
    if bias is not None and tuple(bias.shape) not in ((weight.shape[0],), ()):
        raise RuntimeError(f"linear(): bias should have shape [{weight.shape[0]}], got {list(bias.shape)}")
    return Linear.apply(x, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """out[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o].

    Args:
        input1: (*, in1_features); input2: (*, in2_features) with the same leading dims.
        weight: (out_features, in1_features, in2_features); bias: (out_features,) or None.
    """
    x1, x2 = _floating("bilinear", input1), _floating("bilinear", input2)
    if (weight.ndim != 3 or x1.ndim == 0 or x2.ndim == 0 or x1.shape[:-1] != x2.shape[:-1]
            or x1.shape[-1] != weight.shape[1] or x2.shape[-1] != weight.shape[2]):
        raise RuntimeError(f"bilinear(): expected input1 (*, in1), input2 (*, in2) with the same leading dims and "
                           f"weight (out, in1, in2), got input1 {list(x1.shape)}, input2 {list(x2.shape)} and weight "
                           f"{list(weight.shape)}")
    out = einsum("...i,oij,...j->...o", x1, weight, x2)
    return out + bias if bias is not None else out


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 * x2, dim) / (max(|x1|, eps) * max(|x2|, eps)), the 2-norms over ``dim``; x1 and x2 broadcast."""
    a, b = promote(_floating("cosine_similarity", x1), _floating("cosine_similarity", x2))
    a_norm = a.norm(2, dim, keepdim=True).clamp_min(eps)
    b_norm = b.norm(2, dim, keepdim=True).clamp_min(eps)
    return ((a / a_norm) * (b / b_norm)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """The p-norm of x1 - x2 + eps over the last dim (x1 and x2 broadcast)."""
    a, b = promote(_floating("pairwise_distance", x1), _floating("pairwise_distance", x2))
    diff = a - b + eps
    return diff.norm(p, -1 if diff.ndim else None, keepdim=keepdim)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """input / max(||input||_p, eps), the norm over ``dim``: unit vectors along ``dim``."""
    x = _floating("normalize", input)
    return x / x.norm(p, dim, keepdim=True).clamp_min(eps)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.dropout_``: dropout written into ``input``."""
    return dropout(input, p, train, True)

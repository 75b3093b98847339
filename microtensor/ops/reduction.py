"""Reductions: sum, mean, prod, var/std, max/min, logsumexp, norms, cumulative ops, all/any."""
from __future__ import annotations

import builtins
import math
import warnings
from collections import namedtuple
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import is_grad_enabled
from microtensor.capture import record
from microtensor.dtypes import BFLOAT16, is_floating
from microtensor.ops.checks import torch_dtype_name
from microtensor.ops.elementwise import MulMask, to_float, where
from microtensor.ops.float32_compute import in_float32
from microtensor.tensor import Tensor


def normalize_dims(x: Tensor, dim: Any) -> tuple[int, ...]:
    """``dim`` (None, an int or a sequence of ints) as a sorted tuple of non-negative axes.

    None and an empty sequence mean every axis, as in PyTorch.
    """
    ndim = x._data.ndim
    if dim is None:
        return tuple(range(ndim))
    if type(dim) is int and 0 <= dim < ndim:      # the common case, without the checks below
        return (dim,)
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not dims:
        return tuple(range(ndim))
    axes = tuple(sorted({x._wrap_dim(d) for d in dims})) if ndim else ()
    if len(axes) != len(dims) and ndim:
        raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
    if not ndim:
        for d in dims:
            x._wrap_dim(d)
    return axes


def numpy_names(op: str, dim: Any, keepdim: bool, axis: Any, keepdims: bool | None) -> tuple[Any, bool]:
    """``(dim, keepdim)`` from NumPy's names ``axis=`` and ``keepdims=``, which PyTorch accepts as aliases.

    Called only when one of them was given, so calls that use PyTorch's names pay one ``is None`` test.
    """
    if axis is not None:
        if dim is not None and dim != ():
            raise TypeError(f"{op}() got both 'dim' and its NumPy alias 'axis'; pass one of them")
        dim = axis
    if keepdims is not None:
        if keepdim:
            raise TypeError(f"{op}() got both 'keepdim' and its NumPy alias 'keepdims'; pass one of them")
        keepdim = keepdims
    return dim, keepdim


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the reduced ``axes`` set to 1 (what keepdim=True gives)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


# ----------------------------------------------------------------------------- sum, mean, prod
class Sum(Function):
    """out = x summed over ``axes``; the gradient is broadcast back."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, axes: tuple[int, ...], keepdim: bool, dt: np.dtype) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Sum.forward, ctx, x, axes, keepdim, dt)
        ctx.shape, ctx.kept = x.shape, kept_shape(x.shape, axes)
        return np.asarray(x.sum(axis=axes, keepdims=keepdim, dtype=dt))

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return ReductionGrad.apply(grad, ctx.kept, ctx.shape, 1)


class ReductionGrad(Function):
    """out = grad with the reduced axes back as size 1, broadcast to ``shape`` (a read-only view) and divided
    by ``count``: the gradient of sum (count 1) and of mean as one node."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, grad: np.ndarray, kept: tuple[int, ...], shape: tuple[int, ...],
                count: int) -> np.ndarray:
        ctx.grad_shape, ctx.kept, ctx.count = grad.shape, kept, count
        g = grad.reshape(kept)
        return np.broadcast_to(g / count if count != 1 else g, shape)

    @staticmethod
    def backward(ctx: Function, u: Tensor) -> tuple[Tensor, None, None, None]:
        axes = tuple(i for i, (k, n) in enumerate(zip(ctx.kept, u._data.shape)) if k == 1 and n != 1)
        g = (u.sum(dim=axes, keepdim=True) if axes else u).reshape(ctx.grad_shape)
        return (g / float(ctx.count) if ctx.count != 1 else g), None, None, None


def _sum_dtype(op: str, x: Tensor, dtype: Any) -> np.dtype:
    if dtype is not None:
        return dtypes.to_dtype(dtype, op).np
    return np.dtype(np.int64) if x._data.dtype.kind in "biu" else x._data.dtype


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *,
        dtype: Any = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Sum of the elements over ``dim`` (all when None); bool and integer tensors sum as int64.

    Args:
        input: the tensor.
        dim: an int, a tuple of ints, or None for every dimension.
        keepdim: keep the reduced dimensions with size 1.
        dtype: the dtype to accumulate in and return.
    """
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("sum", dim, keepdim, axis, keepdims)
    axes = normalize_dims(input, dim)
    return Sum.apply(input, axes, keepdim, _sum_dtype("sum", input, dtype))


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
         axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Mean of the elements over ``dim`` (all when None); floating-point tensors only, as in PyTorch."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("mean", dim, keepdim, axis, keepdims)
    if dtype is not None:
        input = input.to(dtype)
    if not is_floating(input._data.dtype):
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                           f"or complex dtype. Got: {torch_dtype_name(input)}")
    axes = normalize_dims(input, dim)
    if not _count(input._data.shape, axes):
        return sum(input, axes, keepdim) * float("nan")
    return Mean.apply(input, axes, keepdim)


class Mean(Function):
    """out = the mean of x over ``axes``; the gradient is broadcast back, divided by the count."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, axes: tuple[int, ...], keepdim: bool) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Mean.forward, ctx, x, axes, keepdim)
        ctx.shape, ctx.kept, ctx.n = x.shape, kept_shape(x.shape, axes), _count(x.shape, axes)
        if x.dtype == np.float16:      # NumPy's mean accumulates half in float32
            return np.asarray(x.mean(axis=axes, keepdims=keepdim))
        return np.asarray(np.add.reduce(x, axis=axes, keepdims=keepdim) / ctx.n)  # type: ignore[call-overload]

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return ReductionGrad.apply(grad, ctx.kept, ctx.shape, ctx.n)


class Prod(Function):
    """out = the product of x over ``axes``; the gradient is right where x has zeros."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, axes: tuple[int, ...], keepdim: bool, dt: np.dtype) -> np.ndarray:
        # no float32 here: PyTorch's prod multiplies bfloat16 step by step, as NumPy does (not so cumprod)
        ctx.axes, ctx.kept = axes, kept_shape(x.shape, axes)
        out = np.asarray(x.prod(axis=axes, keepdims=keepdim, dtype=dt))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, out = ctx.saved_tensors
        grad = grad.reshape(ctx.kept)
        zero = x._data == 0
        if not zero.any():
            return grad * out.reshape(ctx.kept) / x
        return grad * _prod_of_others(x, zero, ctx.axes)


def _prod_of_others(x: Tensor, zero: np.ndarray, axes: tuple[int, ...]) -> Tensor:
    """For each element, the product of the other elements of its slice, where x has zeros.

    Written with Tensor ops that stay right to second order: ``p`` is the product of the
    nonzero elements, ``z`` the sum of the zero elements (0 in value, but its derivative
    picks out the zeros).
    """
    count = zero.sum(axis=axes, keepdims=True)
    safe = where(zero, 1.0, x)
    p = Prod.apply(safe, axes, True, x._data.dtype)
    z = where(zero, x, 0.0).sum(axes, keepdim=True)
    at_zero = where(count == 1, p, where(count == 2, p * (z - x), 0.0))
    elsewhere = where(count == 0, p / safe, where(count == 1, p / safe * z, 0.0))
    return where(zero, at_zero, elsewhere)


def prod(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
         axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Product of the elements over ``dim`` (all when None); bool and integer tensors multiply as int64."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("prod", dim, keepdim, axis, keepdims)
    axes = normalize_dims(input, dim)
    return Prod.apply(input, axes, keepdim, _sum_dtype("prod", input, dtype))


# ----------------------------------------------------------------------------- var, std
class Var(Function):
    """out = sum((x - mean)^2) / (N - correction) over ``axes``."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, axes: tuple[int, ...], correction: float, keepdim: bool,
                whole: bool) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Var.forward, ctx, x, axes, correction, keepdim, whole)
        ctx.save_for_backward(x)
        return _var(ctx, x, axes, correction, keepdim, whole)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return _var_backward(ctx, x, grad.reshape(ctx.kept))


def _var(ctx: Function, x: np.ndarray, axes: tuple[int, ...], correction: float, keepdim: bool,
         whole: bool) -> np.ndarray:
    """The variance; ``whole``: reduced with dim=None (or a 0-d x), which changes the gradient at dof <= 0."""
    n = _count(x.shape, axes)
    ctx.axes, ctx.kept, ctx.n, ctx.whole = axes, kept_shape(x.shape, axes), n, whole
    ctx.dof = builtins.max(n - correction, 0) if n else 0      # an empty slice has no mean: NaN, as PyTorch
    with np.errstate(divide="ignore", invalid="ignore"):
        d = x - x.sum(axis=axes, keepdims=True) / x.dtype.type(n)
        d *= d
        return np.asarray(d.sum(axis=axes, keepdims=keepdim) / x.dtype.type(ctx.dof))


def _var_backward(ctx: Function, x: Tensor, grad: Tensor) -> Tensor:
    """d var / dx = 2 (x - mean) / dof, times ``grad`` (already in keepdim shape).

    With no degrees of freedom left (dof <= 0), PyTorch's two conventions: inf * (x - mean) along a ``dim``;
    for dim=None a constant, inf, NaN where x equals the mean (no graph, so no second-order gradient).
    """
    if ctx.whole and not ctx.dof:
        xd = x._data
        with np.errstate(invalid="ignore"):      # an empty x: 0 / 0, and no element to use it
            mean = xd.sum() / xd.dtype.type(ctx.n)
        return grad * Tensor._make(np.where(xd == mean, np.nan, np.inf).astype(xd.dtype))
    centered = x - x.mean(ctx.axes, keepdim=True)
    if ctx.dof:
        return grad * (2.0 / ctx.dof) * centered
    with np.errstate(invalid="ignore", divide="ignore"):
        return grad * math.inf * centered


class Std(Function):
    """out = sqrt(var(x)) over ``axes``; the gradient is 0 where out is 0, as in PyTorch."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, axes: tuple[int, ...], correction: float, keepdim: bool,
                whole: bool) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Std.forward, ctx, x, axes, correction, keepdim, whole)
        out = np.sqrt(_var(ctx, x, axes, correction, keepdim, whole))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, out = ctx.saved_tensors
        out = out.reshape(ctx.kept)
        grad = grad.reshape(ctx.kept)
        zero = out._data == 0
        if zero.any():
            grad = where(zero, 0.0, grad / (where(zero, 1.0, out) * 2.0))
        else:
            grad = grad / (out * 2.0)
        return _var_backward(ctx, x, grad)


def _moment(op: str, fn: type[Function], input: Tensor, dim: Any, unbiased: Any, keepdim: bool,
            correction: Any) -> Tensor:
    if isinstance(dim, bool):               # var(x, False): the old positional `unbiased`
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise RuntimeError(f"{op}(): cannot specify both unbiased={unbiased} and correction={correction}")
    if not is_floating(input._data.dtype):
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    axes = normalize_dims(input, dim)
    shape = input._data.shape
    kept = math.prod(n for i, n in enumerate(shape) if i not in axes)
    if (_count(shape, axes) if kept else 0) - correction <= 0:      # PyTorch's factor is 0 for an empty output
        warnings.warn(f"{op}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                      "factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    return fn.apply(input, axes, correction, keepdim, dim is None or not input._data.ndim)


def var(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Variance over ``dim`` (all when None): sum((x - mean)^2) / max(N - correction, 0).

    Args:
        dim: an int, a tuple of ints, or None.
        unbiased: the older form of ``correction`` (True means 1, False 0).
        keepdim: keep the reduced dimensions with size 1.
        correction: the difference between the sample size and the degrees of freedom (default 1).
    """
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("var", dim, keepdim, axis, keepdims)
    return _moment("var", Var, input, dim, unbiased, keepdim, correction)


def std(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Standard deviation over ``dim``: the square root of ``var`` with the same arguments."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("std", dim, keepdim, axis, keepdims)
    return _moment("std", Std, input, dim, unbiased, keepdim, correction)


def var_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None, axis: Any = None, keepdims: bool | None = None) -> tuple[Tensor, Tensor]:
    """``(var(input, ...), mean(input, ...))`` over the same dimensions."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("var_mean", dim, keepdim, axis, keepdims)
    return (_moment("var_mean", Var, input, dim, unbiased, keepdim, correction), mean(input, dim, keepdim))


def std_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None, axis: Any = None, keepdims: bool | None = None) -> tuple[Tensor, Tensor]:
    """``(std(input, ...), mean(input, ...))`` over the same dimensions."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("std_mean", dim, keepdim, axis, keepdims)
    return (_moment("std_mean", Std, input, dim, unbiased, keepdim, correction), mean(input, dim, keepdim))


# ----------------------------------------------------------------------------- max, min, argmax, argmin
def return_type(name: str, fields: tuple[str, ...] = ("values", "indices")) -> type:
    """A named tuple printed as PyTorch prints its ``torch.return_types``."""
    cls: Any = namedtuple(name, fields)  # type: ignore[misc]   # mypy models only literal names
    cls.__repr__ = lambda self: (f"microtensor.return_types.{name}(\n"  # type: ignore[method-assign]
                                 + ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields) + ")")
    cls.__module__ = "microtensor.return_types"
    return cls


MaxResult = return_type("max")
MinResult = return_type("min")


class Amax(Function):
    """out = the largest element of x over ``axes``; the gradient is split evenly among ties."""
    on_arrays = True
    largest = True
    nan_ties = False

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, axes: tuple[int, ...], keepdim: bool) -> np.ndarray:
        ctx.axes, ctx.kept = axes, kept_shape(x.shape, axes)
        out = np.asarray(x.max(axis=axes, keepdims=keepdim) if ctx.largest else x.min(axis=axes, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, out = ctx.saved_tensors
        x, out = x._data, out._data
        if ctx.nan_ties and is_floating(x.dtype) and np.isnan(out):
            ties = np.isnan(x)
        else:
            ties = x == out.reshape(ctx.kept)
        share = grad.reshape(ctx.kept) * _tie_share(ties, ctx.axes, x.dtype)
        # max() fills the ties into zeros (0 elsewhere even where grad is inf); amax's product gives NaN there
        return MulMask.apply(share, ties) if ctx.nan_ties else share


class Amin(Amax):
    """out = the smallest element of x over ``axes``; the gradient is split evenly among ties."""
    on_arrays = True
    largest = False


class MaxAll(Amax):
    """out = the largest element of the whole of x (``max()``); as PyTorch's, its gradient is split evenly among
    the elements equal to it, or among the NaNs when it is NaN (amax's NaN maximum gives NaN gradients)."""
    on_arrays = True
    nan_ties = True


class MinAll(MaxAll):
    """out = the smallest element of the whole of x (``min()``); the gradient as ``MaxAll``'s."""
    on_arrays = True
    largest = False


def _tie_share(mask: np.ndarray, axes: tuple[int, ...], dt: np.dtype) -> Tensor:
    """``mask`` divided by its count over ``axes``: each tied extremum's share of the gradient."""
    share = mask.astype(dt)
    with np.errstate(invalid="ignore", divide="ignore"):
        share /= share.sum(axis=axes, keepdims=True)
    return Tensor._make(share)


def selection_outputs(ctx: Function, ndim: int, values: np.ndarray, idx: np.ndarray, dim: int,
                      keepdim: bool) -> tuple[np.ndarray, np.ndarray]:
    """(values, indices) of a selection along ``dim`` (max, min, kthvalue, median...), given with ``dim`` kept,
    shaped as the op returns them: 0-d for a 0-d input, ``dim`` dropped unless ``keepdim``. The indices
    output itself is saved, as PyTorch saves it, so that changing it in place is caught at backward."""
    if ndim == 0:
        values, idx = values.reshape(()), idx.reshape(())
    elif not keepdim:
        values, idx = values.squeeze(dim), idx.squeeze(dim)
    ctx.save_for_backward(idx)
    return values, idx


class MaxDim(Function):
    """(values, indices) of the largest elements along ``dim``; the gradient goes to the chosen index."""
    on_arrays = True
    largest = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int, keepdim: bool) -> tuple[np.ndarray, np.ndarray]:
        ctx.dim, ctx.shape = dim, x.shape
        xs = x.reshape(1) if x.ndim == 0 else x
        idx = (np.argmax if ctx.largest else np.argmin)(xs, axis=dim, keepdims=True)
        return selection_outputs(ctx, x.ndim, np.take_along_axis(xs, idx, axis=dim), idx, dim, keepdim)

    @staticmethod
    def backward(ctx: Function, grad: Tensor, grad_indices: Tensor) -> Tensor:
        shape = ctx.shape or (1,)
        idx = ctx.saved_tensors[0]._data.reshape(shape[:ctx.dim] + (1,) + shape[ctx.dim + 1:])
        positions = np.arange(shape[ctx.dim]).reshape((-1,) + (1,) * (len(shape) - 1 - ctx.dim))
        return MulMask.apply(grad.reshape(idx.shape).expand(shape), positions == idx).reshape(ctx.shape)


class MinDim(MaxDim):
    """(values, indices) of the smallest elements along ``dim``; the gradient goes to the chosen index."""
    on_arrays = True
    largest = False


def _extremum(op: str, input: Tensor, dim: Any, keepdim: bool, largest: bool) -> Any:
    if isinstance(dim, Tensor):            # max(a, b): the elementwise maximum, as in PyTorch
        return input.maximum(dim) if largest else input.minimum(dim)
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        return (MaxAll if largest else MinAll).apply(input, tuple(range(input._data.ndim)), False)
    d = input._wrap_dim(dim)
    if input._data.ndim and input._data.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    values, indices = (MaxDim if largest else MinDim).apply(input, d, keepdim)
    return (MaxResult if largest else MinResult)(values, indices)


def _dim_or_other(op: str, dim: Any, other: Tensor | None) -> Any:
    """max/min's second argument: ``dim``, or the tensor of the elementwise form, which PyTorch also
    takes as ``other=``."""
    if other is None:
        return dim
    if dim is not None:
        raise TypeError(f"{op}() takes either dim or other, not both")
    return other


def max(input: Tensor, dim: Any = None, keepdim: bool = False, *, other: Tensor | None = None,
        axis: Any = None, keepdims: bool | None = None) -> Any:
    """The largest element (a 0-d tensor); with ``dim``, the named tuple ``(values, indices)`` along it;
    with a tensor as second argument (or ``other=``), the elementwise maximum.

    The whole-tensor form splits the gradient evenly among tied maxima; the ``dim`` form
    sends it to the returned index.
    """
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("max", dim, keepdim, axis, keepdims)
    return _extremum("max", input, _dim_or_other("max", dim, other), keepdim, True)


def min(input: Tensor, dim: Any = None, keepdim: bool = False, *, other: Tensor | None = None,
        axis: Any = None, keepdims: bool | None = None) -> Any:
    """The smallest element; with ``dim``, the named tuple ``(values, indices)``; see ``max``."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("min", dim, keepdim, axis, keepdims)
    return _extremum("min", input, _dim_or_other("min", dim, other), keepdim, False)


def _amax(op: str, input: Tensor, dim: Any, keepdim: bool, largest: bool) -> Tensor:
    axes = normalize_dims(input, dim)
    shape = input._data.shape
    if input._data.size == 0:
        if dim is None or (isinstance(dim, (tuple, list)) and not dim):
            raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        for a in axes:
            if shape[a] == 0:
                raise IndexError(f"{op}(): Expected reduction dim {a} to have non-zero size.")
    return (Amax if largest else Amin).apply(input, axes, keepdim)


def amax(input: Tensor, dim: Any = (), keepdim: bool = False, *,
         axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """The largest elements over ``dim`` (an int or tuple; all when empty); ties share the gradient evenly."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("amax", dim, keepdim, axis, keepdims)
    return _amax("amax", input, dim, keepdim, True)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False, *,
         axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """The smallest elements over ``dim`` (an int or tuple; all when empty); ties share the gradient evenly."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("amin", dim, keepdim, axis, keepdims)
    return _amax("amin", input, dim, keepdim, False)


def _arg_extremum(op: str, input: Tensor, dim: Any, keepdim: bool, largest: bool) -> Tensor:
    x = input._data
    find = np.argmax if largest else np.argmin
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0.")
        return Tensor._make(record(_position_of, find, x, None, keepdim))
    d = input._wrap_dim(dim)
    if x.ndim == 0:
        return Tensor._make(np.zeros((), dtype=np.int64))
    if x.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    return Tensor._make(record(_position_of, find, x, d, keepdim))


def _position_of(find: Any, x: np.ndarray, axis: int | None, keepdim: bool) -> np.ndarray:
    """``find`` (np.argmax or np.argmin) over ``axis`` (the flattened array when None) as int64."""
    if axis is None:
        flat = np.asarray(find(x), dtype=np.int64)
        return flat.reshape((1,) * x.ndim) if keepdim else flat
    return np.asarray(find(x, axis=axis, keepdims=keepdim), dtype=np.int64)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
           axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """The index of the largest element (of the flattened tensor when ``dim`` is None), as int64."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("argmax", dim, keepdim, axis, keepdims)
    return _arg_extremum("argmax", input, dim, keepdim, True)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
           axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """The index of the smallest element (of the flattened tensor when ``dim`` is None), as int64."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("argmin", dim, keepdim, axis, keepdims)
    return _arg_extremum("argmin", input, dim, keepdim, False)


# ----------------------------------------------------------------------------- logsumexp, norm
class LogSumExp(Function):
    """out = log(sum(exp(x))) over ``axes``, computed as m + log(sum(exp(x - m))) with m the maximum."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, axes: tuple[int, ...], keepdim: bool) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(LogSumExp.forward, ctx, x, axes, keepdim)
        kept = kept_shape(x.shape, axes)
        ctx.kept = kept
        m = x.max(axis=axes, keepdims=True) if x.size else np.zeros(kept, x.dtype)
        if not np.isfinite(m).all():        # all -inf (or an inf) in a slice: shift by 0 instead
            m = np.where(np.isfinite(m), m, 0).astype(x.dtype)
        with np.errstate(divide="ignore"):
            out = np.log(np.exp(x - m).sum(axis=axes, keepdims=True)) + m
        if not keepdim:
            out = out.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, out = ctx.saved_tensors
        return grad.reshape(ctx.kept) * (x - out.reshape(ctx.kept)).exp()


def logsumexp(input: Tensor, dim: Any = None, keepdim: bool = False, *,
              axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """log(sum(exp(input))) over ``dim`` (an int or tuple; required, or as ``axis=``), stable for inputs of any
    magnitude."""
    if dim is None and axis is None:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("logsumexp", dim, keepdim, axis, keepdims)
    input = to_float(input)
    return LogSumExp.apply(input, normalize_dims(input, dim), keepdim)


class Norm(Function):
    """out = the p-norm of x over ``axes`` (p a number, inf or -inf); the gradient is 0 where the norm is 0."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, p: float, axes: tuple[int, ...], keepdim: bool) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Norm.forward, ctx, x, p, axes, keepdim)
        ctx.p, ctx.axes, ctx.kept = p, axes, kept_shape(x.shape, axes)
        if p == 2:
            out = np.sqrt((x * x).sum(axis=axes, keepdims=keepdim))
        elif p == 1:
            out = np.sum(np.abs(x), axis=axes, keepdims=keepdim)
        elif p == math.inf:
            out = np.max(np.abs(x), axis=axes, keepdims=keepdim)
        elif p == -math.inf:
            out = np.min(np.abs(x), axis=axes, keepdims=keepdim)
        elif p == 0:
            out = np.sum(x != 0, axis=axes, keepdims=keepdim).astype(x.dtype)
        else:
            with np.errstate(divide="ignore"):
                out = np.sum(np.abs(x) ** x.dtype.type(p), axis=axes, keepdims=keepdim) ** x.dtype.type(1 / p)
        out = np.asarray(out)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, out = ctx.saved_tensors
        p = ctx.p
        g, n = grad.reshape(ctx.kept), out.reshape(ctx.kept)
        if p == 0:
            return Tensor._make(np.zeros_like(x._data))
        sign = x.sign()                     # 0 at NaN, as PyTorch's sgn
        if p == 1:
            return g * sign
        if math.isinf(p):
            absx = np.abs(x._data)          # NaNs tie with a NaN norm (then sign 0 gives them 0), as PyTorch
            return g * sign * _tie_share((absx == n._data) | np.isnan(absx), ctx.axes, x._data.dtype)
        # PyTorch masks the zero norm (and for p < 1 the zero elements) after dividing by it, so the
        # second-order gradient there is NaN, as PyTorch's
        with np.errstate(divide="ignore", invalid="ignore"):
            zero = n._data == 0
            if p == 2:
                return g * where(zero, 0.0, x / n) if zero.any() else g * x / n
            if p < 1:
                x_zero = x._data == 0
                scaled = x.abs() ** (p - 1)
                if x_zero.any():
                    scaled = where(x_zero, 0.0, scaled)
                return sign * scaled * g * n ** (1 - p)
            scaled = x * x.abs() ** (p - 2) if p >= 2 else sign * x.abs() ** (p - 1)
            scale = g / n ** (p - 1)
            return scaled * (where(zero, 0.0, scale) if zero.any() else scale)


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """The vector p-norm of ``input`` over ``dim`` (all elements when None).

    Args:
        p: ``'fro'`` (the 2-norm of the elements), a number (0 counts nonzeros), ``inf`` or ``-inf``; or
            ``'nuc'``, the nuclear norm of a matrix (``dim`` a 2-tuple, or None for a 2-D input).
        dim: an int, a tuple of ints, or None.
        keepdim: keep the reduced dimensions with size 1.
        dtype: convert the input to this dtype first.
    """
    if dtype is not None:
        input = input.to(dtype)
    if not is_floating(input._data.dtype):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {torch_dtype_name(input)}")
    if isinstance(p, str):
        if p != "fro":          # 'nuc' is a matrix norm (over every dim when none is given); it rejects the rest
            from microtensor.ops.linalg import matrix_norm  # here: ops.linalg imports this module
            return matrix_norm(input, p, tuple(range(input._data.ndim)) if dim is None else dim, keepdim)
        p = 2
    axes, p = normalize_dims(input, dim), float(p)
    if (p < 0 or p == math.inf) and not input._data.size:        # max and 1 / sum have no identity
        _check_norm_slices(p, input._data.shape, axes, dim)
    return Norm.apply(input, p, axes, keepdim)


def _check_norm_slices(p: float, shape: tuple[int, ...], axes: tuple[int, ...], dim: Any) -> None:
    """PyTorch's refusal of an inf or negative norm over an empty slice."""
    empty = [a for a in axes if shape[a] == 0]
    if dim is None:
        where = f"on an empty tensor of shape {list(shape)} because"
    elif empty:
        where = f"on the dimension {empty[0]} of an input of shape {list(shape)} because this dimension is empty and"
    else:
        return
    raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm {where} the operation does not have an "
                       "identity")


# ----------------------------------------------------------------------------- cumulative ops
def _reverse_cumsum(x: Tensor, dim: int) -> Tensor:
    return x.flip(dim).cumsum(dim).flip(dim)


class Cumsum(Function):
    """out[..., k, ...] = sum of x[..., :k+1, ...] along ``dim``."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int, dt: np.dtype) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Cumsum.forward, ctx, x, dim, dt)
        ctx.dim = dim
        return np.cumsum(x, axis=dim, dtype=dt) if x.ndim else x.astype(dt)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return _reverse_cumsum(grad, ctx.dim) if grad.ndim else grad


def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Cumulative sum along ``dim``; bool and integer tensors accumulate as int64."""
    return Cumsum.apply(input, input._wrap_dim(dim), _sum_dtype("cumsum", input, dtype))


class Cumprod(Function):
    """out[..., k, ...] = product of x[..., :k+1, ...] along ``dim``; the gradient is right with zeros."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int, dt: np.dtype) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Cumprod.forward, ctx, x, dim, dt)
        ctx.dim = dim
        out = np.cumprod(x, axis=dim, dtype=dt) if x.ndim else x.astype(dt)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, out = ctx.saved_tensors
        if x.ndim == 0:
            return grad
        zero = x._data == 0
        if not zero.any():
            return _reverse_cumsum(grad * out, ctx.dim) / x
        if is_grad_enabled():           # create_graph: a form whose own derivative is right at the zeros
            return _cumprod_grad_differentiable(x, grad, ctx.dim)
        return _cumprod_grad_with_zeros(x, out, grad, zero, ctx.dim)


def _cumprod_grad_differentiable(x: Tensor, grad: Tensor, dim: int) -> Tensor:
    """grad_x[k] = sum_{j>=k} grad[j] * prod_{i<=j, i!=k} x[i], as PyTorch's O(n^2) cumprod_backward for
    create_graph: every product with x[k] left out is one cumprod of x with x[k] set to 1, on a new axis k."""
    n, trailing = x.shape[dim], (1,) * (x.ndim - 1 - dim)
    left_out = np.eye(n, dtype=bool).reshape((n, n) + trailing)                  # (k, j) at (dim, dim + 1)
    later = np.triu(np.ones((n, n), dtype=bool)).reshape((n, n) + trailing)     # j >= k
    omitted = Cumprod.apply(where(left_out, 1.0, x.unsqueeze(dim)), dim + 1, x._data.dtype)
    return where(later, omitted * grad.unsqueeze(dim), 0.0).sum(dim + 1)


def _cumprod_grad_with_zeros(x: Tensor, out: Tensor, grad: Tensor, zero: np.ndarray, dim: int) -> Tensor:
    """The cumprod gradient when x has zeros: before a slice's first zero z the usual formula holds,
    at z it is prod(x before z) * sum_{k>=z} grad_k * prod(x_(z+1..k)), after z it is 0."""
    seen = np.cumsum(zero, axis=dim)
    before = seen == 0
    first = zero & (seen == 1)
    safe = where(before, x, 1.0)
    usual = where(before, _reverse_cumsum(grad * out, dim) / safe, 0.0)
    tail = Cumprod.apply(where(before | first, 1.0, x), dim, x._data.dtype)
    head = Prod.apply(safe, (dim,), True, x._data.dtype)
    at_first = where(first, head * _reverse_cumsum(where(before, 0.0, grad * tail), dim), 0.0)
    return usual + at_first


def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Cumulative product along ``dim``; bool and integer tensors accumulate as int64."""
    return Cumprod.apply(input, input._wrap_dim(dim), _sum_dtype("cumprod", input, dtype))


# ----------------------------------------------------------------------------- logical reductions
def _logical(reduce: Any, input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    return Tensor._make(record(_logical_of, reduce, input._data, normalize_dims(input, dim), keepdim))


def _logical_of(reduce: Any, x: np.ndarray, axes: Any, keepdim: bool) -> np.ndarray:
    return np.asarray(reduce(x, axis=axes, keepdims=keepdim), dtype=np.uint8 if x.dtype == np.uint8 else np.bool_)


def all(input: Tensor, dim: Any = None, keepdim: bool = False, *,
        axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Whether every element over ``dim`` is nonzero (bool; uint8 for uint8 input, as PyTorch)."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("all", dim, keepdim, axis, keepdims)
    return _logical(np.all, input, dim, keepdim)


def any(input: Tensor, dim: Any = None, keepdim: bool = False, *,
        axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Whether some element over ``dim`` is nonzero (bool; uint8 for uint8 input, as PyTorch)."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("any", dim, keepdim, axis, keepdims)
    return _logical(np.any, input, dim, keepdim)


def count_nonzero(input: Tensor, dim: Any = None, *, axis: Any = None) -> Tensor:
    """The number of nonzero elements over ``dim`` (all when None; NumPy's ``axis=`` too), as int64."""
    if axis is not None:
        dim, _ = numpy_names("count_nonzero", dim, False, axis, None)
    return Tensor._make(record(_nonzero_count, input._data, normalize_dims(input, dim)))


def _nonzero_count(x: np.ndarray, axes: Any) -> np.ndarray:
    return np.asarray(np.count_nonzero(x, axis=axes), dtype=np.int64)


# ----------------------------------------------------------------------------- NaN-ignoring sums, aminmax
class NanSum(Function):
    """out = x summed over ``axes`` with its NaNs as 0; the gradient is broadcast back and multiplied by 0 at the
    NaNs (a product, as PyTorch's: an inf gradient, from nanmean over an all-NaN slice, gives NaN there)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, axes: tuple[int, ...], keepdim: bool, dt: np.dtype) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(NanSum.forward, ctx, x, axes, keepdim, dt)
        ctx.shape, ctx.kept = x.shape, kept_shape(x.shape, axes)
        ctx.not_nan = ~np.isnan(x)
        return np.asarray(np.nansum(x, axis=axes, keepdims=keepdim, dtype=dt))

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None, None]:
        with np.errstate(invalid="ignore"):
            return ReductionGrad.apply(grad, ctx.kept, ctx.shape, 1) * Tensor._make(ctx.not_nan), None, None, None


def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, axis: Any = None,
           keepdims: bool | None = None) -> Tensor:
    """Sum of the elements over ``dim`` (all when None), treating NaN as zero; NaNs get a zero gradient.

    Args:
        input: the tensor.
        dim: an int, a tuple of ints, or None for every dimension (NumPy's ``axis=`` too).
        keepdim: keep the reduced dimensions with size 1 (NumPy's ``keepdims=`` too).
        dtype: the dtype to accumulate in and return.
    """
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("nansum", dim, keepdim, axis, keepdims)
    if not is_floating(input._data.dtype):
        return sum(input, dim, keepdim, dtype=dtype)
    return NanSum.apply(input, normalize_dims(input, dim), keepdim, _sum_dtype("nansum", input, dtype))


def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, axis: Any = None,
            keepdims: bool | None = None) -> Tensor:
    """Mean of the non-NaN elements over ``dim`` (all when None); NaN where a slice has only NaNs.

    Floating-point tensors only, as in PyTorch; takes the arguments of ``nansum``.
    """
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("nanmean", dim, keepdim, axis, keepdims)
    if dtype is not None:
        input = input.to(dtype)
    if not is_floating(input._data.dtype):
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{torch_dtype_name(input)}")
    axes = normalize_dims(input, dim)
    inverse = Tensor._make(record(_inverse_count, input._data, axes, keepdim))
    with np.errstate(invalid="ignore"):
        return NanSum.apply(input, axes, keepdim, input._data.dtype) * inverse


def _inverse_count(x: np.ndarray, axes: Any, keepdim: bool) -> np.ndarray:
    """1 / the number of non-NaN elements over ``axes``: inf for an all-NaN slice, whose 0 * inf is NaN (its
    gradient too), as PyTorch."""
    count = np.sum(~np.isnan(x), axis=axes, keepdims=keepdim)
    with np.errstate(divide="ignore"):
        return np.asarray(1 / count, dtype=x.dtype)


AminmaxResult = return_type("aminmax", ("min", "max"))


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False, axis: int | None = None,
            keepdims: bool | None = None) -> Any:
    """The named tuple ``(min, max)`` of ``input`` over ``dim`` (an int; every element when None), as
    ``amin`` and ``amax`` give them (ties share the gradient evenly)."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("aminmax", dim, keepdim, axis, keepdims)
    x = input._data
    if dim is None:
        if not x.size:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                               "identity.")
        axes = tuple(range(x.ndim))
    else:
        if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
            raise TypeError(f"aminmax(): argument 'dim' must be int, not {type(dim).__name__}")
        d = input._wrap_dim(dim)
        if x.ndim and x.shape[d] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {d} to have non-zero size.")
        axes = (d,) if x.ndim else ()
    return AminmaxResult(Amin.apply(input, axes, keepdim), Amax.apply(input, axes, keepdim))

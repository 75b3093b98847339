"""Sorting and selection: sort, argsort, msort, topk, kthvalue, median, nanmedian, mode, unique,
unique_consecutive.

NaN sorts above every number, as in PyTorch. Among equal elements the indices are PyTorch's (CPU): the
stable order where its algorithm keeps it (stable sort, the median along a dim), elsewhere the order its
algorithm leaves (``ops.selection`` replays it, for the slices that have ties).
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from microtensor.autograd.function import Function
from microtensor.capture import graph_break, record
from microtensor.dtypes import is_floating
from microtensor.ops import selection
from microtensor.ops.indexing import ADVANCED, IndexAdd, grid_key
from microtensor.ops.reduction import MaxAll, kept_shape, return_type, selection_outputs
from microtensor.tensor import Tensor

SortResult = return_type("sort")
TopkResult = return_type("topk")
KthvalueResult = return_type("kthvalue")
MedianResult = return_type("median")
NanmedianResult = return_type("nanmedian")
ModeResult = return_type("mode")


# ----------------------------------------------------------------------------- the differentiable selection
class Sort(Function):
    """(values, indices): the elements of x along ``dim`` at ``idx``, positions chosen by the caller and given
    with ``dim`` last; the gradient of values is scattered back to those positions."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int, idx: np.ndarray,
                keepdim: bool) -> tuple[np.ndarray, np.ndarray]:
        ctx.dim, ctx.shape = dim, x.shape
        values = np.take_along_axis(dim_last(x, dim), idx, axis=-1)
        values, idx = np.moveaxis(values, -1, dim).copy(), np.moveaxis(idx, -1, dim).copy()
        ctx.kept = idx.shape
        return selection_outputs(ctx, x.ndim, values, idx, dim, keepdim)

    @staticmethod
    def backward(ctx: Function, grad: Tensor, grad_indices: Tensor) -> tuple[Tensor, None, None, None]:
        idx = ctx.saved_tensors[0]._data.reshape(ctx.kept)
        scattered = IndexAdd.apply(None, grad.reshape(ctx.kept), grid_key(ctx.dim, idx), ADVANCED,
                                   ctx.shape or (1,))
        return scattered.reshape(ctx.shape), None, None, None


class Topk(Sort):
    """(values, indices) of topk; see ``Sort``."""
    on_arrays = True


class Kthvalue(Sort):
    """(values, indices) of kthvalue; see ``Sort``."""
    on_arrays = True


class MedianDim(Sort):
    """(values, indices) of median and nanmedian along a dim; see ``Sort``."""
    on_arrays = True


class Mode(Sort):
    """(values, indices) of mode; see ``Sort``."""
    on_arrays = True


class Median(MaxAll):
    """out = the lower median of all of x (NaN when an element is NaN, or, ignoring NaNs, when all are). Its
    gradient is max()'s, as in PyTorch: split evenly among the elements equal to it, or among the NaNs."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, axes: tuple[int, ...], ignore_nan: bool) -> np.ndarray:
        ctx.axes, ctx.kept = axes, kept_shape(x.shape, axes)
        flat = x.reshape(-1)
        if is_floating(x.dtype):
            nans = np.isnan(flat)
            flat = flat[~nans] if ignore_nan or not nans.any() else flat[:0]
        if flat.size:
            out = np.asarray(np.partition(flat, (flat.size - 1) // 2)[(flat.size - 1) // 2])
        else:               # NaN, cast as PyTorch casts it for integers (to the smallest integer)
            with np.errstate(invalid="ignore"):
                out = np.asarray(np.nan).astype(x.dtype)
        ctx.save_for_backward(x, out)
        return out


# ----------------------------------------------------------------------------- orders, with the dim last
def dim_last(x: np.ndarray, dim: int) -> np.ndarray:
    """``x`` with ``dim`` moved last (a 0-d ``x`` as one element)."""
    return np.moveaxis(x.reshape(1) if x.ndim == 0 else x, dim, -1)


def _stable_order(x: np.ndarray, descending: bool) -> np.ndarray:
    """The stable sorting order along the last axis, NaN above everything (so first when descending)."""
    if not descending:
        return np.argsort(x, axis=-1, kind="stable")
    # sorting the reversed slices ascending and reversing back keeps equal elements in their first order
    return x.shape[-1] - 1 - np.argsort(x[..., ::-1], axis=-1, kind="stable")[..., ::-1]


def _tied(x: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Which slices (along the last axis) hold equal elements, NaNs counting as equal."""
    s = np.take_along_axis(x, order, axis=-1)
    same = s[..., 1:] == s[..., :-1]
    if is_floating(s.dtype):
        same |= np.isnan(s[..., 1:]) & np.isnan(s[..., :-1])
    return same.any(axis=-1)


def _replay(x: np.ndarray, idx: np.ndarray, slices: np.ndarray, algorithm: Any) -> None:
    """Overwrite ``idx``'s slices where ``slices`` holds with the positions ``algorithm`` returns for that
    slice of ``x`` given as integer ranks (equal elements equal, NaN highest)."""
    for pos in map(tuple, np.argwhere(slices)):
        keys = np.unique(x[pos], return_inverse=True)[1].reshape(-1).tolist()
        idx[pos] = algorithm(keys)[:idx.shape[-1]]


def _sort_order(x: np.ndarray, descending: bool, stable: bool) -> np.ndarray:
    order = _stable_order(x, descending)
    if not stable and x.shape[-1] > selection.INSERTION_SORT_MAX:
        less = operator.gt if descending else operator.lt
        _replay(x, order, _tied(x, order), lambda keys: selection.std_sort(keys, less))
    return order


# ----------------------------------------------------------------------------- sort, argsort, msort
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool | None = False) -> Any:
    """The elements of ``input`` sorted along ``dim``, and where each came from.

    Args:
        input: the tensor.
        dim: the dimension to sort along.
        descending: largest first (NaN then comes first; it sorts above every number).
        stable: keep equal elements in their order; otherwise their order is that of PyTorch's CPU sort.

    Returns:
        The named tuple ``(values, indices)``, both of ``input``'s shape; indices int64.
    """
    d = input._wrap_dim(dim)
    order = record(_sort_order_along, input._data, d, descending, bool(stable))
    return SortResult(*Sort.apply(input, d, order, True))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim``: ``sort(...).indices``, without a gradient."""
    d = input._wrap_dim(dim)
    return Tensor._make(record(_argsort_of, input._data, d, descending, bool(stable)))


def _sort_order_along(data: np.ndarray, d: int, descending: bool, stable: bool) -> np.ndarray:
    """The sorting order of ``data`` along ``d``, with ``d`` moved last."""
    return _sort_order(dim_last(data, d), descending, stable)


def _argsort_of(data: np.ndarray, d: int, descending: bool, stable: bool) -> np.ndarray:
    order = _sort_order_along(data, d, descending, stable)
    return np.moveaxis(order, -1, d).reshape(data.shape).copy()


def msort(input: Tensor) -> Tensor:
    """``input`` sorted along its first dimension: ``sort(input, dim=0).values``."""
    return sort(input, 0).values


# ----------------------------------------------------------------------------- topk, kthvalue
def _check_k(op: str, k: Any) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"{op}(): argument 'k' (position 2) must be int, not {type(k).__name__}")


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    """The ``k`` largest (or smallest) elements of ``input`` along ``dim``, and where each came from.

    Args:
        k: how many (0 to the size of ``dim``).
        dim: the dimension to select along.
        largest: the largest (NaN above every number) or the smallest.
        sorted: return them in order; otherwise in the order PyTorch's CPU algorithm leaves them.

    Returns:
        The named tuple ``(values, indices)``, ``input``'s shape with ``k`` along ``dim``.
    """
    _check_k("topk", k)
    d = input._wrap_dim(dim)
    if input._data.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    if not 0 <= k <= dim_last(input._data, d).shape[-1]:
        raise RuntimeError("selected index k out of range")
    if input._data.ndim == 0:      # PyTorch returns the element itself for k = 0 as well
        k = 1
    return TopkResult(*Topk.apply(input, d, record(_topk_order, input._data, d, k, largest, sorted), True))


def _topk_order(data: np.ndarray, d: int, k: int, largest: bool, sorted: bool) -> np.ndarray:
    """The positions along ``d`` (moved last) of the ``k`` elements topk returns, in PyTorch's order."""
    x = dim_last(data, d)
    order = _stable_order(x, largest)
    if k:
        less = operator.gt if largest else operator.lt
        slices = _tied(x, order) | (not sorted and k * 64 > x.shape[-1])   # unsorted: what nth_element leaves
        _replay(x, order, slices, lambda keys: selection.topk_order(keys, k, less, sorted))
    return order[..., :k]


def _check_reduced_dim(op: str, input: Tensor, d: int) -> None:
    if input._data.ndim and not input._data.shape[d]:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    """The ``k``-th smallest element of ``input`` along ``dim`` (k from 1; NaN above every number), and
    where it came from.

    Returns:
        The named tuple ``(values, indices)``, ``input``'s shape without ``dim`` (size 1 with ``keepdim``).
    """
    _check_k("kthvalue", k)
    d = input._wrap_dim(dim)
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"kthvalue_cpu\" not implemented for 'Bool'")
    _check_reduced_dim("kthvalue", input, d)
    if not 1 <= k <= dim_last(input._data, d).shape[-1]:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    return KthvalueResult(*Kthvalue.apply(input, d, record(_kth_position, input._data, d, k), keepdim))


def _kth_position(data: np.ndarray, d: int, k: int) -> np.ndarray:
    """The position along ``d`` (moved last, kept as size 1) of the element kthvalue returns."""
    x = dim_last(data, d)
    order = _stable_order(x, False)
    idx = order[..., k - 1:k].copy()
    _replay(x, idx, _tied(x, order), lambda keys: [selection.quick_select(keys, k - 1)[k - 1]])
    return idx


# ----------------------------------------------------------------------------- median, nanmedian
def _median_all(input: Tensor, ignore_nan: bool) -> Tensor:
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"median_cpu\" not implemented for 'Bool'")
    return Median.apply(input, tuple(range(input._data.ndim)), ignore_nan)


def _median_dim(input: Tensor, dim: int, keepdim: bool, ignore_nan: bool) -> tuple[Tensor, Tensor]:
    """The lower median along ``dim``: the middle of the stable order (PyTorch breaks ties by index). With a
    NaN it is the first NaN; ignoring NaNs, the middle of the others."""
    d = input._wrap_dim(dim)
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"median_out\" not implemented for 'Bool'")
    _check_reduced_dim("median", input, d)
    return MedianDim.apply(input, d, record(_median_position, input._data, d, ignore_nan), keepdim)


def _median_position(data: np.ndarray, d: int, ignore_nan: bool) -> np.ndarray:
    """The position along ``d`` (moved last, kept as size 1) of the lower median (see ``_median_dim``)."""
    x = dim_last(data, d)
    n = x.shape[-1]
    order = _stable_order(x, False)
    if not is_floating(x.dtype):
        return order[..., (n - 1) // 2:(n + 1) // 2]
    nans = np.isnan(x)
    count = nans.sum(axis=-1, keepdims=True)
    if ignore_nan:
        idx = np.take_along_axis(order, np.maximum(n - count - 1, 0) // 2, axis=-1)
        if (count == n).any():   # all NaN: what nth_element leaves first when no element is less than another
            idx[count == n] = selection.nth_element([0] * n, 0, lambda a, b: False)[0]
    else:
        idx = np.where(count > 0, nans.argmax(axis=-1)[..., None], order[..., (n - 1) // 2:(n + 1) // 2])
    return idx


def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median of ``input``: of all elements (a 0-d tensor; NaN if one is NaN), or along ``dim``
    the named tuple ``(values, indices)`` (at a NaN, the first NaN's index).

    The whole-tensor form splits the gradient evenly among the elements equal to the median (as max()
    does); the ``dim`` form sends it to the returned index.
    """
    if dim is None:
        return _median_all(input, False)
    return MedianResult(*_median_dim(input, dim, keepdim, False))


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """``median`` ignoring NaNs: NaN only where every element is NaN."""
    if dim is None:
        return _median_all(input, True)
    return NanmedianResult(*_median_dim(input, dim, keepdim, True))


# ----------------------------------------------------------------------------- mode
def _mode_order(x: np.ndarray) -> np.ndarray:
    """The order PyTorch's mode sorts each slice in: ``std::sort`` with ``<`` on the values themselves, so a
    slice with a NaN (which ``<`` does not order) is replayed on its raw values."""
    order = _sort_order(x, False, False)
    if is_floating(x.dtype):
        for pos in map(tuple, np.argwhere(np.isnan(x).any(axis=-1))):
            order[pos] = selection.std_sort(x[pos].tolist(), operator.lt)
    return order


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> Any:
    """The most frequent value of ``input`` along ``dim`` (the smallest among equally frequent ones), and an
    index where it occurs (PyTorch's: the last of its run after its CPU sort, for short slices the last
    occurrence).

    Returns:
        The named tuple ``(values, indices)``, ``input``'s shape without ``dim`` (size 1 with ``keepdim``).
        The gradient goes to the returned index.
    """
    d = input._wrap_dim(dim)
    _check_reduced_dim("mode", input, d)
    return ModeResult(*Mode.apply(input, d, record(_mode_position, input._data, d), keepdim))


def _mode_position(data: np.ndarray, d: int) -> np.ndarray:
    """The position along ``d`` (moved last, kept as size 1) of the element mode returns."""
    x = dim_last(data, d)
    order = _mode_order(x)
    s = np.take_along_axis(x, order, axis=-1)
    positions = np.arange(x.shape[-1])
    change = s[..., 1:] != s[..., :-1]          # NaN != NaN: each NaN is a run of its own, as in PyTorch
    last = np.concatenate([change, np.ones(x.shape[:-1] + (1,), dtype=bool)], axis=-1)
    first = np.concatenate([np.ones(x.shape[:-1] + (1,), dtype=bool), change], axis=-1)
    run_start = np.maximum.accumulate(np.where(first, positions, 0), axis=-1)
    run_length = np.where(last, positions - run_start + 1, 0)
    best = run_length.argmax(axis=-1)[..., None]        # the first longest run: the smallest value
    return np.take_along_axis(order, best, axis=-1)


# ----------------------------------------------------------------------------- unique, unique_consecutive
def _unique_outputs(values: np.ndarray, inverse: np.ndarray, counts: np.ndarray, return_inverse: bool,
                    return_counts: bool) -> Any:
    """What ``unique`` and ``unique_consecutive`` return: the values alone, or a tuple with the asked extras."""
    out = Tensor._make(values)
    if not (return_inverse or return_counts):
        return out
    extras = ([Tensor._make(inverse.astype(np.int64))] if return_inverse else []) + (
        [Tensor._make(counts.astype(np.int64))] if return_counts else [])
    return (out, *extras)


def _slices_along(input: Tensor, dim: int | None) -> tuple[np.ndarray, int | None]:
    """``input`` as rows to compare: flattened (dim None), or with ``dim`` first and the rest flattened."""
    x = input._data
    if dim is None:
        return x.reshape(-1), None
    d = input._wrap_dim(dim)
    if x.ndim and any(n == 0 for i, n in enumerate(x.shape) if i != d):
        raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
    moved = np.moveaxis(x.reshape(1) if x.ndim == 0 else x, d, 0)
    return moved.reshape(moved.shape[0], int(np.prod(moved.shape[1:]))), d


def _restore(rows: np.ndarray, input: Tensor, d: int | None) -> np.ndarray:
    """Rows picked from ``_slices_along`` back in ``input``'s layout (``dim`` at its place)."""
    if d is None:
        return rows
    shape = np.moveaxis(input._data.reshape(1) if input._data.ndim == 0 else input._data, d, 0).shape
    return np.moveaxis(rows.reshape((rows.shape[0],) + shape[1:]), 0, d).copy()


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None) -> Any:
    """The distinct elements of ``input`` (or its distinct slices along ``dim``), in ascending order.

    Args:
        sorted: accepted for PyTorch's signature; the result is sorted either way, as PyTorch's CPU gives it.
        return_inverse: also return where each element (slice) of ``input`` went in the output.
        return_counts: also return how many times each distinct element (slice) occurs.
        dim: compare whole slices along this dim (lexicographically ordered) instead of elements.

    Returns:
        The output tensor, or a tuple ``(output, inverse_indices?, counts?)`` with the asked extras. NaNs are
        all distinct, as in PyTorch. No gradient flows through (PyTorch's raises).
    """
    graph_break("unique(), whose output shape depends on the data")
    rows, d = _slices_along(input, dim)
    if d is None:
        values, inverse, counts = np.unique(rows, return_inverse=True, return_counts=True, equal_nan=False)
        return _unique_outputs(values, inverse.reshape(input._data.shape), counts, return_inverse, return_counts)
    values, inverse, counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True, equal_nan=False)
    return _unique_outputs(_restore(values, input, d), inverse.reshape(-1), counts, return_inverse, return_counts)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None) -> Any:
    """``input`` with each run of equal consecutive elements (or slices along ``dim``) reduced to one.

    Returns:
        The output tensor, or a tuple ``(output, inverse_indices?, counts?)`` with the asked extras: the run
        each element (slice) belongs to, and each run's length.
    """
    graph_break("unique_consecutive(), whose output shape depends on the data")
    rows, d = _slices_along(input, dim)
    n = rows.shape[0]
    change = rows[1:] != rows[:-1]
    if d is not None:
        change = change.any(axis=1)
    starts = np.concatenate([np.ones(min(n, 1), dtype=bool), change])
    inverse = np.cumsum(starts) - 1
    counts = np.diff(np.append(np.flatnonzero(starts), n))
    values = rows[starts]
    if d is None:
        return _unique_outputs(values, inverse.reshape(input._data.shape), counts, return_inverse, return_counts)
    return _unique_outputs(_restore(values, input, d), inverse, counts, return_inverse, return_counts)

"""Binning and counting: searchsorted, bucketize, bincount, histc, histogram, histogramdd.

None of them has a gradient (as in PyTorch, whose ``histogram`` and ``bincount`` backwards raise). The bin
of each element is computed as ATen's CPU kernels compute it, in the input's own dtype, so that an element
on a bin edge lands where PyTorch puts it.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor.capture import graph_break, record
from microtensor.dtypes import is_floating
from microtensor.ops.checks import tensor_input, torch_dtype_name
from microtensor.ops.reduction import return_type
from microtensor.tensor import Tensor

HistogramResult = return_type("histogram", ("hist", "bin_edges"))
HistogramddResult = return_type("histogramdd", ("hist", "bin_edges"))


# ----------------------------------------------------------------------------- searchsorted, bucketize
def _binary_search(bounds: np.ndarray, values: np.ndarray, right: bool) -> np.ndarray:
    """ATen's lower (upper) bound of each row of ``values`` in the same row of ``bounds``, all rows at once:
    the first position whose boundary is not < (not <=) the value; a NaN boundary counts as below every
    value, as ATen's ``!(mid >= val)`` test makes it."""
    start = np.zeros(values.shape, dtype=np.int64)
    end = np.full(values.shape, bounds.shape[-1], dtype=np.int64)
    with np.errstate(invalid="ignore"):
        while (active := start < end).any():
            mid = (start + end) // 2
            at_mid = np.take_along_axis(bounds, np.minimum(mid, bounds.shape[-1] - 1), axis=-1)
            below = ~(at_mid > values) if right else ~(at_mid >= values)
            start = np.where(active & below, mid + 1, start)
            end = np.where(active & ~below, mid, end)
    return start


def _check_searchsorted(bounds: Tensor, values: Tensor, scalar: bool, sorter: Tensor | None) -> None:
    b, v = bounds._data.shape, values._data.shape
    if not b:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    if scalar and len(b) != 1:
        raise RuntimeError("torch.searchsorted(): input value can be a scalar only when boundaries tensor "
                           f"dimension is 1, but we got boundaries tensor dim({len(b)}) and input value's "
                           f"dim({len(v)}) numel({values._data.size})")
    if len(b) != 1 and (len(b) != len(v) or b[:-1] != v[:-1]):
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           "dimensions of boundaries tensor and input value tensor must match, but we got "
                           f"boundaries tensor {list(b)} and input value tensor {list(v)}")
    if sorter is not None:
        if sorter._data.dtype != np.int64:
            raise RuntimeError("torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
                               f"{torch_dtype_name(sorter)}")
        if sorter._data.shape != b:
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same size, but got "
                               f"boundary tensor {list(b)}and got sorter tensor {list(sorter._data.shape)}")


def searchsorted(sorted_sequence: Tensor, input: Tensor | float, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """Where each element of ``input`` would be inserted into ``sorted_sequence`` to keep it sorted.

    Args:
        sorted_sequence: 1-D, or N-D searched row by row (its leading dims those of ``input``), ascending
            along its last dim (or in the order ``sorter`` gives).
        input: the values (a tensor or a Python number, which gives a 0-d result).
        out_int32: return int32 indices instead of int64.
        right: the last position instead of the first among equal boundaries (``side="right"``).
        side: ``"left"`` or ``"right"``; must agree with ``right``.
        sorter: int64 indices that sort ``sorted_sequence`` along its last dim.
    """
    tensor_input("searchsorted", sorted_sequence, "sorted_sequence")
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    values = input if isinstance(input, Tensor) else Tensor._make(np.asarray(input))
    _check_searchsorted(sorted_sequence, values, scalar, sorter)
    found = record(_positions, sorted_sequence._data, values._data, None if sorter is None else sorter._data,
                   right, np.int32 if out_int32 else np.int64)
    return Tensor._make(found)


def _positions(bounds: np.ndarray, values: np.ndarray, sorter: np.ndarray | None, right: bool,
               dtype: type) -> np.ndarray:
    """searchsorted's result: where each of ``values`` goes among ``bounds`` (ordered by ``sorter``)."""
    if sorter is not None:
        bounds = np.take_along_axis(bounds, sorter, axis=-1)
    common = np.result_type(bounds.dtype, values.dtype)
    v = values.astype(common, copy=False)
    rows = bounds.reshape(int(np.prod(bounds.shape[:-1])), bounds.shape[-1]).astype(common, copy=False)
    flat = v.reshape(1, v.size) if bounds.ndim == 1 else v.reshape(rows.shape[0], v.shape[-1])
    found = _binary_search(rows, flat, right) if rows.shape[-1] else np.zeros(flat.shape, dtype=np.int64)
    return found.reshape(v.shape).astype(dtype)


def bucketize(input: Tensor | float, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each element of ``input`` among the 1-D ascending ``boundaries``: ``i`` such that
    ``boundaries[i-1] < x <= boundaries[i]`` (``right=True``: ``boundaries[i-1] <= x < boundaries[i]``)."""
    tensor_input("bucketize", boundaries, "boundaries", 2)
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


# ----------------------------------------------------------------------------- bincount
def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How many times each value 0, 1, ... occurs in the 1-D non-negative integer ``input`` (or the sum of
    its ``weights``), over at least ``minlength`` bins.

    Returns int64 counts; with float32 weights float32 sums, with any other weights float64.
    """
    tensor_input("bincount", input)
    x = input._data
    if x.dtype.kind not in "iu":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{torch_dtype_name(input)}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    graph_break("bincount(), whose output shape depends on the data")
    if weights is None:
        return Tensor._make(np.bincount(x, minlength=minlength).astype(np.int64))
    w = weights._data
    if w.ndim != 1 or w.shape[0] != x.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dt = np.float32 if w.dtype == np.float32 else np.float64
    return Tensor._make(np.bincount(x, weights=w, minlength=minlength).astype(dt))


# ----------------------------------------------------------------------------- histc, histogram
def _linspace(start: float, end: float, steps: int, dt: np.dtype) -> np.ndarray:
    """Linspace as ATen computes it elementwise: from the start for the first half, from the end for the rest,
    in dtype ``dt`` (its vectorised path can differ in the last bit, so an element on an edge may move)."""
    start_, end_ = dt.type(start), dt.type(end)
    step = (end_ - start_) / dt.type(steps - 1)
    i = np.arange(steps)
    first = start_ + step * i.astype(dt)
    last = end_ - step * (steps - i - 1).astype(dt)
    return np.where(i < steps // 2, first, last).astype(dt)


def _interpolated_bins(x: np.ndarray, left: Any, right: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(bins, kept): the bin of each element of ``x`` inside [left, right] among ``n`` equal bins, by linear
    interpolation in ``x``'s dtype, as ATen's histogram kernel finds it (the right edge in the last bin)."""
    kept = (x >= left) & (x <= right)
    x = x[kept]
    return np.minimum(((x - left) * x.dtype.type(n) / (right - left)).astype(np.int64), n - 1), kept


def _corrected_bins(x: np.ndarray, pos: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``pos`` moved to the neighbouring bin where the edges themselves say so (ATen's local search)."""
    n = edges.shape[0] - 1
    pos = np.where(x < edges[pos], pos - 1, pos)
    return np.where((pos < n - 1) & (x >= edges[pos + 1]), pos + 1, pos)


def _check_float(op: str, input: Tensor, kernel: str) -> None:
    tensor_input(op, input)
    if not is_floating(input._data.dtype):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{torch_dtype_name(input)}'")


def _check_bins(bins: int, dim: int = 0) -> None:
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension {dim}")


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """A histogram of ``input`` with ``bins`` equal bins over [min, max] (the data's range when min == max);
    elements outside are ignored. Floating-point input; the counts have its dtype."""
    _check_float("histc", input, "histogram_cpu")
    _check_bins(bins)
    x = input._data.reshape(-1)
    left, right = float(min), float(max)
    if left == right and x.size:
        left, right = float(x.min()), float(x.max())
    if left == right:
        left, right = left - 1, right + 1
    if not (np.isfinite(left) and np.isfinite(right)):
        raise RuntimeError(f"torch.histc: range of [{left:g}, {right:g}] is not finite")
    if left > right:
        raise RuntimeError("torch.histc: max must be larger than min")
    if float(min) == float(max):
        graph_break("histc() over the data's own range")
    return Tensor._make(record(_histc_counts, x, x.dtype.type(left), x.dtype.type(right), bins))


def _histc_counts(x: np.ndarray, left: Any, right: Any, bins: int) -> np.ndarray:
    pos, _ = _interpolated_bins(x, left, right, bins)
    return np.bincount(pos, minlength=bins).astype(x.dtype)


def _histogram_edges(x: np.ndarray, bins: int, range: Any, dim: int = 0) -> np.ndarray:
    """``bins + 1`` equal-width edges over ``range`` (or the data's range) for dimension ``dim`` of a
    histogram."""
    _check_bins(bins, dim)
    if range is not None:
        left, right = float(range[0]), float(range[1])
    elif x.size:
        left, right = float(x.min()), float(x.max())
    else:
        left, right = 0.0, 1.0
    if left > right:
        raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {left:g} max {right:g} for "
                           f"dimension {dim}")
    if not (np.isfinite(left) and np.isfinite(right)):
        raise RuntimeError(f"torch.histogramdd: dimension {dim}'s range [{left:g}, {right:g}] is not finite")
    if left == right:
        left, right = left - 0.5, right + 0.5
    return _linspace(left, right, bins + 1, x.dtype)


def histogram(input: Tensor, bins: int | Tensor, *, range: tuple[float, float] | None = None,
              weight: Tensor | None = None, density: bool = False) -> Any:
    """A histogram of ``input``: ``bins`` equal bins over ``range`` (the data's range by default), or the bins
    between the ascending edges of a 1-D tensor ``bins``.

    Args:
        weight: each element's weight (its shape that of ``input``) instead of 1.
        density: divide by the total and the bin widths, so that the histogram integrates to 1.

    Returns:
        The named tuple ``(hist, bin_edges)``, both of ``input``'s floating-point dtype.
    """
    _check_float("histogram", input, "histogramdd")
    x = input._data.reshape(-1)
    if isinstance(bins, Tensor):
        edges = bins._data.astype(x.dtype)
        kept = (x >= edges[0]) & (x <= edges[-1])
        pos = np.minimum(np.searchsorted(edges, x[kept], side="right") - 1, edges.shape[0] - 2)
    else:
        edges = _histogram_edges(x, bins, range)
        pos, kept = _interpolated_bins(x, edges[0], edges[-1], bins)
        pos = _corrected_bins(x[kept], pos, edges)
    w = None if weight is None else weight._data.reshape(-1)[kept]
    hist = np.bincount(pos, weights=w, minlength=edges.shape[0] - 1).astype(x.dtype)
    if density:
        with np.errstate(invalid="ignore", divide="ignore"):      # no element in range: NaN, as in PyTorch
            hist = (hist / hist.sum() / np.diff(edges)).astype(x.dtype)
    return HistogramResult(Tensor._make(hist), Tensor._make(edges.copy()))


def _histogramdd_bins(bins: Any, dims: int) -> list[Any]:
    """One bin count or one 1-D edge tensor per dimension, checked as PyTorch checks them."""
    if isinstance(bins, (int, np.integer)):
        return [int(bins)] * dims
    bins = list(bins)
    if bins and all(isinstance(b, Tensor) for b in bins):
        if len(bins) != dims:
            raise RuntimeError(f"torch.histogramdd: expected {dims} sequences of bin edges for a {dims}-dimensional "
                               f"histogram but got {len(bins)}")
        return bins
    if len(bins) != dims:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    return [int(b) for b in bins]


def histogramdd(input: Tensor, bins: int | Sequence[int] | Sequence[Tensor],
                range: Sequence[float] | None = None, weight: Tensor | None = None, density: bool = False) -> Any:
    """A multi-dimensional histogram of the points in the last dim of ``input`` (shape (..., D)): per
    dimension, ``bins`` equal bins over its ``range`` (``range`` lists min and max of each dimension in turn;
    the data's range by default), or the bins between the ascending edges of one 1-D tensor per dimension.

    Args:
        weight: each point's weight (shape ``input.shape[:-1]``) instead of 1.
        density: divide by the total and the bin volumes, so that the histogram integrates to 1.

    Returns:
        The named tuple ``(hist, bin_edges)``: a D-dimensional tensor and a tuple of D edge tensors.
    """
    _check_float("histogramdd", input, "histogramdd")
    if input._data.ndim < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    dims = input._data.shape[-1]
    points = input._data.reshape(-1, dims)
    per_dim = _histogramdd_bins(bins, dims)
    if range is not None and len(range) != 2 * dims:
        raise RuntimeError(f"torch.histogramdd: for a {dims}-dimensional histogram range should have {2 * dims} "
                           f"elements, but got {len(range)}")
    if weight is not None:
        tensor_input("histogramdd", weight, "weight")
        if weight._data.shape != input._data.shape[:-1]:
            raise RuntimeError(f"torch.histogramdd: if weight tensor is provided it should have the same shape as the "
                               f"input tensor excluding its innermost dimension, but got input with shape "
                               f"{list(input._data.shape)} and weight with shape {list(weight._data.shape)}")
        if weight._data.dtype != input._data.dtype:
            raise RuntimeError(f"torch.histogramdd: if weight tensor is provided, input tensor and weight tensor "
                               f"should have the same dtype, but got input({torch_dtype_name(input).lower()}), "
                               f"and weight({torch_dtype_name(weight).lower()})")
    edges = [b._data.astype(points.dtype) if isinstance(b, Tensor)
             else _histogram_edges(points[:, k], b, None if range is None else range[2 * k:2 * k + 2], k)
             for k, b in enumerate(per_dim)]
    kept = np.ones(points.shape[0], dtype=bool)
    for k, e in enumerate(edges):
        kept &= (points[:, k] >= e[0]) & (points[:, k] <= e[-1])
    inside = points[kept]
    positions = []
    for k, (b, e) in enumerate(zip(per_dim, edges)):
        if isinstance(b, Tensor):
            positions.append(np.minimum(np.searchsorted(e, inside[:, k], side="right") - 1, e.shape[0] - 2))
        else:
            pos, _ = _interpolated_bins(inside[:, k], e[0], e[-1], b)
            positions.append(_corrected_bins(inside[:, k], pos, e))
    shape = tuple(e.shape[0] - 1 for e in edges)
    w = None if weight is None else weight._data.reshape(-1)[kept]
    flat = np.ravel_multi_index(positions, shape) if inside.shape[0] else np.zeros(0, np.int64)
    hist = np.bincount(flat, weights=w, minlength=int(np.prod(shape))).reshape(shape).astype(points.dtype)
    if density:
        volumes = np.ones(shape, points.dtype)
        for k, e in enumerate(edges):
            volumes = volumes * np.diff(e).reshape((-1,) + (1,) * (dims - k - 1))
        with np.errstate(invalid="ignore", divide="ignore"):      # no point in range: NaN, as in PyTorch
            hist = (hist / hist.sum() / volumes).astype(points.dtype)
    return HistogramddResult(Tensor._make(hist), tuple(Tensor._make(e.copy()) for e in edges))

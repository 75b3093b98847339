"""Ops that write a source into chosen elements of a copy of the input: diagonal/select/slice/as_strided_scatter,
masked_scatter, put, index_copy and fill_diagonal_, with their in-place forms.

Each one works out the flat (row-major) positions it writes, by applying its selection to a grid of element
numbers, and calls ``put_at``: one differentiable ``index_put`` on the flattened input. So every op gets the
same gradients (zero at the overwritten elements, the output's gradient there for the source, summed where
``accumulate`` adds) with gradients of any order, and the in-place forms go through ``apply_inplace`` (views,
versions, history) as every ``op_`` does.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.capture import graph_break
from microtensor.ops.as_strided import storage_positions_of
from microtensor.ops.broadcasting import broadcast_shapes
from microtensor.ops.checks import tensor_input, torch_dtype_name
from microtensor.ops.indexing import diagonal, getitem, select
from microtensor.ops.inplace import apply_inplace
from microtensor.tensor import Tensor


def put_at(input: Tensor, positions: np.ndarray, values: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with its elements at flat ``positions`` replaced by (``accumulate``: increased by)
    ``values``, element for element; differentiable in both."""
    flat = Tensor._make(positions.reshape(-1).astype(np.int64, copy=False))
    return input.reshape(-1).index_put((flat,), values.reshape(-1), accumulate).reshape(input._data.shape)


def _grid(input: Tensor) -> Tensor:
    """A tensor of ``input``'s shape holding each element's flat position."""
    return Tensor._make(np.arange(input._data.size, dtype=np.int64).reshape(input._data.shape))


def _scatter_src(input: Tensor, src: Any, positions: np.ndarray) -> Tensor:
    """``src`` checked to have the shape of the selected slice, in ``input``'s dtype."""
    tensor_input("scatter", src, "src", 2)
    if src._data.shape != positions.shape:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(positions.shape)}")
    return src if src._data.dtype == input._data.dtype else src.to(input.dtype)


def _scattered(input: Tensor, src: Tensor, positions: np.ndarray) -> Tensor:
    return put_at(input, positions, _scatter_src(input, src, positions))


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written into the diagonal ``input.diagonal(offset, dim1, dim2)``
    (``src`` has that diagonal's shape); never a view."""
    tensor_input("diagonal_scatter", input)
    return _scattered(input, src, diagonal(_grid(input), offset, dim1, dim2)._data)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``input`` with ``src`` written into ``input.select(dim, index)``; never a view."""
    tensor_input("select_scatter", input)
    return _scattered(input, src, select(_grid(input), dim, index)._data)


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None, end: int | None = None,
                  step: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written into the slice ``start:end:step`` of dim ``dim``; never a view."""
    tensor_input("slice_scatter", input)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    d = input._wrap_dim(dim)
    return _scattered(input, src, getitem(_grid(input), (slice(None),) * d + (slice(start, end, step),))._data)


def as_strided_scatter(input: Tensor, src: Tensor, size: Any, stride: Any, storage_offset: int | None = None
                       ) -> Tensor:
    """A copy of ``input`` with ``src`` written into the elements ``input.as_strided(size, stride,
    storage_offset)`` would read (positions in the copy's row-major storage); never a view."""
    tensor_input("as_strided_scatter", input)
    return _scattered(input, src, storage_positions_of("as_strided_scatter", input, size, stride, storage_offset))


# ----------------------------------------------------------------------------- masked_scatter
def _bool_mask(op: str, mask: Any) -> np.ndarray:
    m = tensor_input(op, mask, "mask", 1)._data
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{torch_dtype_name(mask)}")
    return m


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``input`` (broadcast with ``mask``) with the elements of ``source``, taken in row-major order, written
    where the bool ``mask`` is true; ``source`` needs at least as many elements as ``mask`` has trues."""
    tensor_input("masked_scatter", input)
    m = _bool_mask("masked_scatter", mask)
    tensor_input("masked_scatter", source, "source", 2)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                           f"{torch_dtype_name(input)} and {torch_dtype_name(source)}")
    shape = broadcast_shapes("masked_scatter", input._data.shape, m.shape)
    graph_break("masked_scatter (how much of source it reads depends on the mask)")
    positions = np.flatnonzero(np.broadcast_to(m, shape))
    if positions.size > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    x = input if input._data.shape == shape else input.expand(shape)
    return put_at(x, positions, source.reshape(-1)[:positions.size])


def masked_scatter_(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``masked_scatter`` in place (the mask must broadcast to self's shape)."""
    m = _bool_mask("masked_scatter_", mask)
    if broadcast_shapes("masked_scatter_", self._data.shape, m.shape) != self._data.shape:
        raise RuntimeError(f"masked_scatter_: the mask of shape {list(m.shape)} does not broadcast to self's "
                           f"shape {list(self.shape)}")
    return apply_inplace(self, "masked_scatter_", masked_scatter, mask, source)


# ----------------------------------------------------------------------------- put
def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with the elements at the flat (row-major) positions ``index`` (int64; negative ones
    count from the end) replaced by ``source``'s (added, repeats accumulating, when ``accumulate``)."""
    tensor_input("put", input)
    if not isinstance(index, Tensor) or index._data.dtype != np.int64:
        got = torch_dtype_name(index) if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {got}")
    tensor_input("put", source, "source", 3)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{torch_dtype_name(input)} and source.dtype = {torch_dtype_name(source)}")
    if source._data.size != index._data.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source._data.size}, index.numel() = {index._data.size}")
    n = input._data.size
    idx = index._data.reshape(-1)
    bad = idx[(idx >= n) | (idx < -n)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {bad[0]} on a tensor of {n} elements.")
    return put_at(input, np.where(idx < 0, idx + n, idx), source, bool(accumulate))


def put_(self: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """``put`` in place."""
    return apply_inplace(self, "put_", put, index, source, accumulate)


# ----------------------------------------------------------------------------- index_copy
def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with the slices along ``dim`` at ``index`` (int64, 0-D or 1-D) replaced by the
    matching slices of ``source``."""
    tensor_input("index_copy", input)
    if not isinstance(index, Tensor) or index._data.dtype != np.int64:
        got = torch_dtype_name(index) if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got {got}")
    if index._data.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index._data.ndim})")
    tensor_input("index_copy", source, "source", 4)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{torch_dtype_name(input)} and (source) {torch_dtype_name(source)}")
    shape, src_shape = input._data.shape, source._data.shape
    if shape and src_shape and len(shape) != len(src_shape):
        raise IndexError(f"index_copy_(): When source and destination are not scalars, their dimensionality must "
                         f"match. Source dimensionality ({len(src_shape)}), destination dimensionality "
                         f"({len(shape)})")
    d = input._wrap_dim(dim)
    idx = index._data.reshape(-1)
    if shape and src_shape:
        kept = [(k, a, b) for k, (a, b) in enumerate(zip(shape, src_shape)) if k != d and a != b]
        if kept:
            k, a, b = kept[0]
            k -= k > d
            raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice shapes. Destination "
                               f"slice shape: {a} at dimension {k} and source slice shape: {b} at dimension {k}.")
    n_src = src_shape[d] if src_shape else 1
    if idx.size != n_src:
        raise RuntimeError(f"index_copy_(): Number of indices ({idx.size}) should be equal to source.size(dim) "
                           f"({n_src})")
    n = shape[d] if shape else 1
    bad = idx[(idx >= n) | (idx < 0)]
    if bad.size:
        raise IndexError(f"index_copy_(): index {bad[0]} is out of bounds for dimension {d} with size {n}")
    grid = _grid(input)._data
    positions = np.take(grid, idx, axis=d) if shape else grid.reshape(1)[idx]
    return put_at(input, positions.reshape(src_shape), source)


def index_copy_(self: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """``index_copy`` in place."""
    return apply_inplace(self, "index_copy_", index_copy, dim, index, source)


# ----------------------------------------------------------------------------- fill_diagonal_
def _diagonal_positions(shape: tuple[int, ...], wrap: bool) -> np.ndarray:
    """The flat positions of the main diagonal of a tensor of ``shape`` (PyTorch's, and NumPy's, ``wrap``:
    a tall matrix's diagonal starts again every ``cols + 1`` rows)."""
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    if len(shape) > 2:
        step = sum(int(np.prod(shape[k + 1:])) for k in range(len(shape)))
        return np.arange(shape[0], dtype=np.int64) * step
    rows, cols = shape
    end = rows * cols if wrap else min(rows, cols) * cols
    return np.arange(0, end, cols + 1, dtype=np.int64)


def _filled_diagonal(input: Tensor, fill_value: Any, wrap: bool) -> Tensor:
    positions = _diagonal_positions(input._data.shape, wrap)
    value = Tensor._make(np.full(positions.shape, fill_value, dtype=input._data.dtype))
    return put_at(input, positions, value)


def fill_diagonal_(self: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """Set the main diagonal of ``self`` (a matrix, or a tensor whose dims are all equal) to ``fill_value``,
    in place; with ``wrap``, a tall matrix's diagonal starts again after every ``cols + 1`` rows."""
    if isinstance(fill_value, Tensor) and fill_value._data.ndim == 0:   # a Number argument takes a 0-d tensor
        fill_value = fill_value.item()
    if not isinstance(fill_value, (int, float, bool, np.number, np.bool_)):
        raise TypeError(f"fill_diagonal_(): argument 'fill_value' must be Number, not {type(fill_value).__name__}")
    return apply_inplace(self, "fill_diagonal_", _filled_diagonal, fill_value, bool(wrap))


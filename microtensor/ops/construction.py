"""Tensors built from others: the diag family, meshgrid and its products, kron, block_diag, vander, and the
triangle index pairs. Each is written with the differentiable ops of the other families, so gradients of
every order come with them."""
from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.ops.elementwise import clone
from microtensor.ops.indexing import DiagonalEmbed, diagonal, index_select
from microtensor.ops.reduction import cumprod
from microtensor.ops.shape import cat, flip, reshape, stack
from microtensor.tensor import Tensor


def _tensors(op: str, tensors: tuple) -> list[Tensor]:
    """The tensors of a varargs op, passed one by one or as one list or tuple (as PyTorch accepts both)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return list(tensors)


# ----------------------------------------------------------------------------- diagonals
def _embed(input: Tensor, offset: int, d1: int, d2: int) -> Tensor:
    """``input``'s last dim written on diagonal ``offset`` over dims (d1, d2) of a new, otherwise zero tensor."""
    n = input._data.shape[-1] + abs(offset)
    shape = list(input._data.shape[:-1])
    for d in sorted((d1, d2)):
        shape.insert(d, n)
    return DiagonalEmbed.apply(input, tuple(shape), offset, d1, d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D ``input`` as the diagonal ``diagonal`` of a square matrix, or the diagonal ``diagonal`` of a 2-D
    ``input`` as a new 1-D tensor (above the main one when positive)."""
    k = int(diagonal)
    if input._data.ndim == 1:
        return _embed(input, k, 0, 1)
    if input._data.ndim == 2:
        return clone(_diagonal(input, k, 0, 1))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input._data.ndim}D")


_diagonal = diagonal   # diag's keyword shadows the function's name inside it


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """A tensor whose diagonals ``offset`` over dims ``dim1`` and ``dim2`` (of the result, which has one dim
    more than ``input``) hold ``input``'s last dim; zeros elsewhere. The inverse of ``diagonal``."""
    if input._data.ndim == 0:
        raise RuntimeError("diag_embed(): expected a tensor with at least 1 dimension, but got a 0-d tensor")
    d1, d2 = input._wrap_dim(dim1, input._data.ndim + 1), input._wrap_dim(dim2, input._data.ndim + 1)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return _embed(input, int(offset), d1, d2)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """``input`` flattened, as the diagonal ``offset`` of a square 2-D tensor."""
    return _embed(reshape(input, -1), int(offset), 0, 1)


# ----------------------------------------------------------------------------- triangle indices
def _triangle_indices(op: str, row: int, col: int, offset: int, dtype: Any, upper: bool) -> Tensor:
    dt = dtypes.to_dtype(dtype, op) if dtype is not None else dtypes.int64
    if dt.name not in ("int32", "int64"):
        raise RuntimeError(f"{op}(): dtype must be int32 or int64 (the indices are integers), got {dt}")
    if row < 0 or col < 0:
        raise RuntimeError(f"{op}: row must be non-negative, got {row}" if row < 0 else
                           f"{op}: col must be non-negative, got {col}")
    mask = (np.triu if upper else np.tril)(np.ones((row, col), dtype=bool), offset)
    return Tensor._make(np.stack(np.nonzero(mask)).astype(dt.np, copy=False).reshape(2, -1))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    """The (row, column) indices of the lower triangle (on and below diagonal ``offset``) of a ``row`` x ``col``
    matrix, as a 2 x N tensor in row-major order."""
    return _triangle_indices("tril_indices", row, col, offset, dtype, upper=False)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    """The (row, column) indices of the upper triangle (on and above diagonal ``offset``) of a ``row`` x ``col``
    matrix, as a 2 x N tensor in row-major order."""
    return _triangle_indices("triu_indices", row, col, offset, dtype, upper=True)


# ----------------------------------------------------------------------------- grids and products
def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 0-d or 1-D tensors: output ``i`` holds ``tensors[i]`` expanded along its own dim
    (views). ``indexing='ij'`` (the default, with PyTorch's warning when not given) gives shape
    (len(t0), len(t1), ...); ``'xy'`` swaps the first two dims, as NumPy's ``meshgrid`` does."""
    ts = _tensors("meshgrid", tensors)
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    if not ts:
        raise RuntimeError("torch.meshgrid expects a non-empty TensorList")
    for t in ts:
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t.ndim}D")
        if t.dtype != ts[0].dtype:
            raise RuntimeError("torch.meshgrid: Expected all tensors in the tensor list to have the same dtype "
                               f"(got {ts[0].dtype} and {t.dtype})")
    swap = indexing == "xy" and len(ts) >= 2
    order = [1, 0, *range(2, len(ts))] if swap else list(range(len(ts)))   # the output dim of each input
    shape = [0] * len(ts)
    for i, d in enumerate(order):
        shape[d] = ts[i]._data.size
    grids = []
    for i, d in enumerate(order):
        one_dim = [1] * len(ts)
        one_dim[d] = -1
        grids.append(reshape(ts[i], one_dim).expand(shape))
    return tuple(grids)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """The Cartesian product of 1-D tensors: an (N, len(tensors)) tensor listing every combination, the last
    tensor varying fastest (``itertools.product``); one tensor is returned as it is."""
    ts = _tensors("cartesian_prod", tensors)
    for t in ts:
        if t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._data.shape)}")
    if len(ts) == 1:
        return ts[0]
    return stack([reshape(g, -1) for g in meshgrid(ts, indexing="ij")], dim=1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of the 1-D ``input``'s elements, as rows of an (N, r) tensor in
    ``itertools.combinations`` order (``combinations_with_replacement`` with ``with_replacement=True``)."""
    if input._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input._data.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return Tensor._make(np.empty(0, dtype=input._data.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.array(list(pick(range(input._data.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return reshape(index_select(input, 0, Tensor._make(rows.reshape(-1))), (-1, r))


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: blocks ``input[i, j] * other`` laid out as ``input`` is (any ranks; the smaller
    one gets leading 1s); shape ``input.shape[k] * other.shape[k]`` per dim."""
    nd = max(input._data.ndim, other._data.ndim)
    a = (1,) * (nd - input._data.ndim) + input._data.shape
    b = (1,) * (nd - other._data.ndim) + other._data.shape
    spread_a = tuple(s for n in a for s in (n, 1))
    spread_b = tuple(s for n in b for s in (1, n))
    return reshape(reshape(input, spread_a) * reshape(other, spread_b), tuple(m * n for m, n in zip(a, b)))


def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors (0-d, 1-D as one row, or 2-D) as the blocks of a block-diagonal matrix, zeros elsewhere,
    in their common dtype."""
    ts = _tensors("block_diag", tensors)
    blocks = []
    for i, t in enumerate(ts):
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t._data.ndim} dimensions")
        blocks.append(reshape(t, (1, -1) if t._data.ndim == 1 else (1, 1)) if t._data.ndim < 2 else t)
    dt = dtypes.result_type(*ts) if ts else dtypes.get_default_dtype()
    width = sum(b._data.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        h, w = b._data.shape
        pieces = [Tensor._make(np.zeros((h, left), dt.np)), b.to(dt), Tensor._make(np.zeros((h, width - left - w),
                                                                                               dt.np))]
        rows.append(cat(pieces, dim=1))
        left += w
    return cat(rows, dim=0) if rows else Tensor._make(np.zeros((1, 0), dt.np))   # PyTorch's empty result


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of the 1-D ``x``: column j is ``x ** (N - 1 - j)`` (``x ** j`` with
    ``increasing=True``), N columns (default ``len(x)``); integer and bool ``x`` give int64."""
    if x._data.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x._data.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    dt = x.dtype if x.dtype.is_floating_point else dtypes.int64
    ones = Tensor._make(np.ones((x._data.shape[0], min(n, 1)), dt.np))
    powers = cumprod(cat([ones, reshape(x.to(dt), (-1, 1)).expand(-1, max(n - 1, 0))], dim=1), 1)
    return powers if increasing else flip(powers, 1)


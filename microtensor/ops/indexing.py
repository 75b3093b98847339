"""Indexing ops: ``x[...]`` and ``x[...] = v``, index_select, gather, scatter, masks, triangles, diagonals.

Every gather-like op is ``Index`` (out = x[key] with NumPy's = PyTorch's semantics) under
another name, and every scatter-like op is ``IndexPut`` (replace at key) or ``IndexAdd``
(accumulate at key, ``np.add.at``, so repeated indices add up). Their backwards are each
other, so gradients of any order work.
"""
from __future__ import annotations

import warnings
from typing import Any, Literal, overload

import numpy as np

from microtensor import dtypes
from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import GradMode
from microtensor.capture import graph_break, record
from microtensor.dtypes import is_floating
from microtensor.ops.broadcasting import Operand, broadcast_shapes, unbroadcast
from microtensor.ops.checks import torch_dtype_name
from microtensor.ops.elementwise import where
from microtensor.ops.inplace import apply_inplace, copy_from
from microtensor.ops.overlap import PARTIAL_OVERLAP, check_overlap, same_data
from microtensor.tensor import Tensor

_SLOT = object()  # where an index array sits in a key whose arrays went through save_for_backward


# ----------------------------------------------------------------------------- index keys
def _index_item(item: Any) -> Any:
    """One entry of an index as NumPy understands it: ints, slices, None, Ellipsis, bools or int/bool arrays."""
    if isinstance(item, (slice, type(None), type(Ellipsis), bool)):
        return item
    if isinstance(item, (int, np.integer)):
        return int(item)
    if isinstance(item, Tensor):
        array = item._data
    else:
        array = np.asarray(item)
        if array.size == 0:                             # x[[]] selects nothing, as in PyTorch
            array = array.astype(np.int64)
    if array.dtype == np.uint8:                         # byte tensors are masks, as in PyTorch
        array = array.astype(np.bool_)
    elif array.dtype.kind not in "iub":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if array.ndim == 0:
        return bool(array) if array.dtype == np.bool_ else int(array)
    return array


BASIC, ADVANCED, SPLIT = 0, 1, 2   # the modes of a key (see _index_key)


def _index_key(shape: tuple[int, ...], index: Any) -> tuple[tuple, int]:
    """Check ``index`` against ``shape`` as PyTorch does; return the NumPy key and its mode.

    BASIC keys (ints, slices, None, ...) give views; ADVANCED keys hold index arrays. Bool masks
    become their ``nonzero()`` arrays (NumPy's equivalence), so every key works with ``np.add.at``.
    PyTorch applies ints before index arrays, where NumPy would treat them as arrays too: such a
    key is SPLIT into a basic key and an advanced key applied to the view that the basic one gives.
    """
    if isinstance(index, list) and any(isinstance(i, (slice, type(None), type(Ellipsis), list, Tensor,
                                                       np.ndarray)) for i in index):
        index = tuple(index)
    items = [_index_item(i) for i in (index if type(index) is tuple else (index,))]
    used = 0
    for item in items:
        if isinstance(item, np.ndarray):
            used += item.ndim if item.dtype == np.bool_ else 1
        elif item is not None and item is not Ellipsis and not isinstance(item, bool):
            used += 1
    ndim = len(shape)
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    key: list = []
    bounds = []          # (index array, dim, size) to check once the broadcast shape of the arrays is known
    advanced = has_int = False
    dim = 0
    for item in items:
        if item is Ellipsis:
            dim += ndim - used
            key.append(item)
        elif item is None or isinstance(item, bool):
            advanced = advanced or isinstance(item, bool)
            key.append(item)
        elif isinstance(item, int):
            n = shape[dim]
            if not -n <= item < n:
                raise IndexError(f"index {item} is out of bounds for dimension {dim} with size {n}")
            key.append(item)
            has_int = True
            dim += 1
        elif isinstance(item, slice):
            if item.step is not None and item.step.__index__() <= 0:
                raise ValueError("step must be greater than zero")
            key.append(item)
            dim += 1
        elif item.dtype == np.bool_:
            if item.ndim:
                graph_break("indexing with a bool mask, whose nonzero() positions depend on the data")
            if item.shape != shape[dim:dim + item.ndim]:
                raise IndexError(f"The shape of the mask {list(item.shape)} at index {dim} does not match the "
                                 f"shape of the indexed tensor {list(shape)} at index {dim}")
            key.extend(item.nonzero())
            advanced = True
            dim += item.ndim
        else:
            bounds.append((len(key), dim, shape[dim]))
            key.append(item)
            advanced = True
            dim += 1
    if bounds:
        if not _selects_nothing(shape, key, {dim for _, dim, _ in bounds}):
            for pos, dim, n in bounds:
                _check_bounds(key[pos], dim, n)
        else:   # PyTorch checks bounds element by element, so none when nothing is selected; NumPy checks all
            for pos, _, n in bounds:
                if n:
                    key[pos] = np.clip(key[pos], -n, n - 1)
    if not advanced:
        if Ellipsis not in key:
            key.append(Ellipsis)   # keeps an all-int key a 0-d view instead of a NumPy scalar
        return tuple(key), BASIC
    if not has_int:
        return tuple(key), ADVANCED
    first = tuple(slice(None) if isinstance(k, np.ndarray) else k for k in key if not isinstance(k, bool))
    then = tuple(k for k in key if not isinstance(k, int) or isinstance(k, bool))
    return (first, tuple(slice(None) if k is None or isinstance(k, slice) else k for k in then)), SPLIT


def _selects_nothing(shape: tuple[int, ...], key: list, array_dims: set[int]) -> bool:
    """Whether indexing a tensor of ``shape`` with ``key`` gives an empty result: the index arrays broadcast
    to an empty shape, or a dimension the arrays do not index is (or is sliced) empty."""
    arrays = [k.shape for k in key if isinstance(k, np.ndarray)]
    try:
        if 0 in np.broadcast_shapes(*arrays):
            return True
    except ValueError:
        return False
    others = np.broadcast_to(np.zeros((), np.int8), tuple(1 if d in array_dims else n for d, n in enumerate(shape)))
    return others[tuple(slice(None) if isinstance(k, np.ndarray) else k for k in key)].size == 0


def _check_source_dtype(self: Tensor, values: Any, index: Any = None) -> None:
    """PyTorch's index_put casts no tensor of values: its dtype must be ``self``'s, unless ``index`` (given when
    writing, not accumulating) makes it a masked fill, which casts its one value."""
    if not isinstance(values, Tensor) or values._data.dtype == self._data.dtype or _is_masked_fill(index, values):
        return
    raise RuntimeError(f"Index put requires the source and destination dtypes match, got {torch_dtype_name(self)} "
                       f"for the destination and {torch_dtype_name(values)} for the source.")


def _without_leading_ones(value: Any) -> Any:
    """``value`` as PyTorch's setitem writes it: viewed without its leading size-1 dims (a new view then)."""
    if not isinstance(value, Tensor) or not value._data.ndim or value._data.shape[0] != 1:
        return value
    shape = value._data.shape
    lead = next((i for i, n in enumerate(shape) if n != 1), len(shape))
    return Tensor._make(value._data.reshape(shape[lead:]))


def _is_masked_fill(index: Any, values: Any) -> bool:
    """Whether ``x[index] = values`` is, for PyTorch, a masked_fill_: one bool mask and one value."""
    items = index if type(index) is tuple else (index,)
    arrays = [np.asarray(i._data if isinstance(i, Tensor) else i) for i in items
              if isinstance(i, (Tensor, np.ndarray, list))]
    return (len(arrays) == 1 and arrays[0].dtype == np.bool_ and bool(arrays[0].ndim)
            and np.size(values._data if isinstance(values, Tensor) else values) == 1)


def _get(x: np.ndarray, key: tuple, mode: int) -> np.ndarray:
    return x[key[0]][key[1]] if mode == SPLIT else x[key]


def _region(out: np.ndarray, key: tuple, mode: int) -> tuple[np.ndarray, tuple]:
    """(array, key) such that ``array[key]`` is the region ``key`` selects in ``out`` (writable)."""
    return (out[key[0]], key[1]) if mode == SPLIT else (out, key)


def _check_bounds(index: np.ndarray, dim: int, n: int, error: type = IndexError) -> None:
    if index.size and (index.max() >= n or index.min() < -n):
        bad = index[(index >= n) | (index < -n)].flat[0]
        raise error(f"index {bad} is out of bounds for dimension {dim} with size {n}")


def _save_key(ctx: Function, key: tuple, mode: int) -> None:
    """Keep ``key`` for backward; its arrays go through save_for_backward so they are freed after it."""
    ctx.mode = mode
    if mode == BASIC:
        ctx.key = key
        return
    flat = key[1] if mode == SPLIT else key
    ctx.save_for_backward(*(k for k in flat if isinstance(k, np.ndarray)))
    flat = tuple(_SLOT if isinstance(k, np.ndarray) else k for k in flat)
    ctx.key = (key[0], flat) if mode == SPLIT else flat


def _load_key(ctx: Function) -> tuple:
    if ctx.mode == BASIC:
        return ctx.key
    arrays = iter([t._data for t in ctx.saved_tensors])
    flat = ctx.key[1] if ctx.mode == SPLIT else ctx.key
    flat = tuple(next(arrays) if k is _SLOT else k for k in flat)
    return (ctx.key[0], flat) if ctx.mode == SPLIT else flat


# ----------------------------------------------------------------------------- the three primitives
class Index(Function):
    """out = x[key] (a view for basic keys); the gradient is added back at the indexed positions."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, key: tuple, mode: int) -> np.ndarray:
        ctx.shape = x.shape
        _save_key(ctx, key, mode)
        return _get(x, key, mode)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        return IndexAdd.apply(None, grad, _load_key(ctx), ctx.mode, ctx.shape), None, None


class IndexAdd(Function):
    """out = base (zeros of ``shape`` when None) with ``values`` added at ``base[key]``; repeats accumulate."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, base: np.ndarray | None, values: np.ndarray, key: tuple, mode: int,
                shape: tuple[int, ...] = ()) -> np.ndarray:
        ctx.values_shape = values.shape
        _save_key(ctx, key, mode)
        out = np.zeros(shape, dtype=values.dtype) if base is None else base.copy()
        target, k = _region(out, key, mode)
        if mode == BASIC:
            target[k] += values
        else:
            np.add.at(target, k, values)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        gv = None
        if ctx.needs_input_grad[1]:
            gv = unbroadcast(Index.apply(grad, _load_key(ctx), ctx.mode), ctx.values_shape)
        return grad if ctx.needs_input_grad[0] else None, gv


class IndexPut(Function):
    """out = a copy of x with ``x[key]`` replaced by ``values`` (broadcast)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, values: np.ndarray, key: tuple, mode: int) -> np.ndarray:
        ctx.values_shape = np.shape(values)
        _save_key(ctx, key, mode)
        out = x.copy()
        target, k = _region(out, key, mode)
        target[k] = values
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        key = _load_key(ctx)
        gx = gv = None
        if ctx.needs_input_grad[0]:
            gx = IndexPut.apply(grad, np.zeros((), dtype=grad._data.dtype), key, ctx.mode)
        if ctx.needs_input_grad[1]:
            gv = unbroadcast(Index.apply(grad, key, ctx.mode), ctx.values_shape)
        return gx, gv


def _put(x: Tensor, key: tuple, mode: int, values: Any, op: str) -> Tensor:
    """IndexPut with ``values`` cast to x's dtype; a broadcasting error names ``op`` and both shapes."""
    values = _as_values(values, x)
    try:
        return IndexPut.apply(x, values, key, mode)
    except ValueError:
        raise RuntimeError(f"{op}: shape mismatch: value tensor of shape {list(np.shape(_data(values)))} cannot "
                           f"be broadcast to indexing result of shape {list(_get(x._data, key, mode).shape)}") from None


def _as_values(values: Any, like: Tensor) -> Tensor | np.ndarray:
    if isinstance(values, Tensor):
        return values if values._data.dtype == like._data.dtype else values.to(like.dtype)
    return np.asarray(values, dtype=like._data.dtype)


def _data(x: Tensor | np.ndarray) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else x


# ----------------------------------------------------------------------------- x[index], x[index] = value
def getitem(self: Tensor, index: Any) -> Tensor:
    """``self[index]`` with ints, slices (positive steps), None, ``...``, bool masks and integer index
    tensors, with NumPy's (= PyTorch's) advanced-indexing rules. Basic indexing returns a view."""
    key, mode = _index_key(self._data.shape, index)
    return Index.apply(self, key, mode)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice of ``input`` at position ``index`` of dimension ``dim``, that dimension removed: a view,
    ``x.select(1, 0)`` is ``x[:, 0]``."""
    if input._data.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = input._wrap_dim(dim)
    n = input._data.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
                         f"dimension {d}")
    return getitem(input, (slice(None),) * d + (index,))


def setitem(self: Tensor, index: Any, value: Any) -> None:
    """``self[index] = value`` in place; ``value`` (a number or tensor) broadcasts to ``self[index]``."""
    key, mode = _index_key(self._data.shape, index)
    if mode != BASIC:
        _check_source_dtype(self, value, index)
    _check_setitem_overlap(self, index, key, mode, value)
    if GradMode.enabled and (self.requires_grad or (isinstance(value, Tensor) and value._requires_grad)):
        if mode == BASIC:     # as PyTorch, a copy into the view the key selects: that view records the change
            apply_inplace(Index.apply(self, key, mode), "setitem", copy_from,
                          value if isinstance(value, Tensor) else np.asarray(value), expanded=None)
        else:
            apply_inplace(self, "setitem", _put, key, mode, value, "setitem", expanded=None)
        return
    values = _data(_as_values(value, self))
    try:
        record(_assign, self._data, key, mode, values)
    except ValueError:
        if not self._data.flags.writeable:
            raise RuntimeError("setitem: unsupported operation: the tensor is a read-only view (of an expand, "
                               "broadcast or diagonal); clone() it first") from None
        target, k = _region(self._data, key, mode)
        raise RuntimeError(f"setitem: shape mismatch: value tensor of shape {list(values.shape)} cannot be "
                           f"broadcast to indexing result of shape {list(target[k].shape)}") from None
    self._vc[0] += 1


def _assign(data: np.ndarray, key: tuple, mode: int, values: Any) -> None:
    target, k = _region(data, key, mode)
    target[k] = values


def _check_setitem_overlap(self: Tensor, index: Any, key: tuple, mode: int, value: Any) -> None:
    """PyTorch's overlap checks of ``self[index] = value``, which it routes by the kind of key.

    It first applies the key's basic part (ints, slices), giving a view: ``self`` itself where nothing was
    cut. A basic key then copies the value into that view (fills it, unchecked, with a number or 0-d tensor;
    checks a source that broadcasts only when it is not really expanded; the same data copied onto itself
    is left alone); one bool mask with one value is a masked_fill_; any other key is an index_put_ of the value
    viewed without its leading size-1 dims, which refuses that value being the very tensor it writes."""
    items = index if type(index) is tuple else (index,)
    whole = all(isinstance(i, (Tensor, np.ndarray, list)) or i is Ellipsis or _cuts_nothing(i) for i in items)
    if mode == BASIC:
        region = _get(self._data, key, mode)
        if isinstance(value, Tensor) and _copies_itself(region, value._data if value._data.shape == region.shape
                                                        else _without_leading_ones(value)._data):
            return
        copies = isinstance(value, Tensor) and value._data.ndim and value._data.size == region.size
        check_overlap("copy_", region, (value,) if copies else ())
    elif _is_masked_fill(index, value):
        check_overlap("masked_fill_", self._data, (), "warn")
    else:
        region = self._data if whole else (self._data[key[0]] if mode == SPLIT else self._data[tuple(
            slice(None) if isinstance(k, np.ndarray) else k for k in key)])
        source = _without_leading_ones(value)
        if whole and source is self:     # index_put_ refuses its own destination as source, even an empty one
            raise RuntimeError(PARTIAL_OVERLAP)
        check_overlap("index_put_", region, (source,), "warn", same_ok=not whole)


def _copies_itself(region: np.ndarray, source: np.ndarray) -> bool:
    """Whether copying ``source`` (broadcast) into ``region`` copies the same data in the same layout, which
    PyTorch's copy_ skips before any check."""
    if source.shape == region.shape:      # PyTorch copies it as it is (broadcast_to would zero size-1 strides)
        return same_data(region, source)
    try:
        np.broadcast_shapes(source.shape, region.shape)
    except ValueError:
        return False
    return same_data(region, _expanded_as_pytorch(source, region.shape))


def _expanded_as_pytorch(source: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``source`` broadcast to ``shape`` with the strides PyTorch's expand gives it: 0 for a stretched dim, and
    for a new size-1 leading dim the stride a contiguous one would have (NumPy's broadcast_to gives 0)."""
    lead = len(shape) - source.ndim
    strides = [0 if n != m else st for n, m, st in zip(source.shape, shape[lead:], source.strides)]
    step, size = (strides[0], shape[lead]) if source.ndim else (source.itemsize, 1)
    for n in reversed(shape[:lead]):
        step, size = (step * size if n == 1 else 0), n
        strides.insert(0, step)
    return np.lib.stride_tricks.as_strided(source, shape, tuple(strides), writeable=False)


def _cuts_nothing(item: Any) -> bool:
    """Whether an index item is a slice that keeps its whole dimension (PyTorch then gives no new view)."""
    return isinstance(item, slice) and item.start in (None, 0) and item.stop is None and item.step in (None, 1)


def index_put(input: Tensor, indices: tuple, values: Operand, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``input[indices]`` replaced by ``values`` (added, repeats accumulating,
    when ``accumulate``)."""
    key, mode = _index_key(input._data.shape, tuple(indices))
    _check_source_dtype(input, values, None if accumulate else tuple(indices))
    if not accumulate:
        return _put(input, key, mode, values, "index_put")
    return IndexAdd.apply(input, _as_values(values, input), key, mode)


# ----------------------------------------------------------------------------- dim-wise selection
def _index_tensor(op: str, index: Any, dtypes_ok: tuple[str, ...] = ("int64",)) -> np.ndarray:
    array = index._data if isinstance(index, Tensor) else np.asarray(index)
    if array.dtype.name not in dtypes_ok:
        raise RuntimeError(f"{op}(): Expected dtype {' or '.join(dtypes_ok)} for index")
    return array


def _dim_key(dim: int, index: np.ndarray) -> tuple:
    return (slice(None),) * dim + (index, Ellipsis)


class IndexSelect(Index):
    """out = x.index_select(dim, index) (Index with a key on one dim)."""
    on_arrays = True


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The entries of ``input`` along ``dim`` at the positions in the 1-D integer tensor ``index``."""
    idx = _index_tensor("index_select", index, ("int32", "int64"))
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = input._wrap_dim(dim) if input._data.ndim else None
    n = input._data.shape[d] if d is not None else 1
    if idx.size and (idx.max() >= n or idx.min() < -n):
        raise IndexError("index out of range in self")
    if d is None:
        return IndexSelect.apply(input.reshape(1), (idx.reshape(-1),), ADVANCED).reshape(idx.shape)
    return IndexSelect.apply(input, _dim_key(d, idx.reshape(-1)), ADVANCED)


def grid_key(dim: int, index: np.ndarray) -> tuple:
    """The full advanced key that picks ``x[..., index[i, j, k], ...]`` at position (i, j, k) (gather/scatter)."""
    nd = index.ndim
    return tuple(index if d == dim else np.arange(n).reshape((n,) + (1,) * (nd - d - 1))
                 for d, n in enumerate(index.shape))


def _check_scatter_like(op: str, input: Tensor, dim: int, index: np.ndarray, src: Tensor | None = None) -> int:
    """PyTorch's checks of gather/scatter: ranks, sizes and index bounds; returns the wrapped dim."""
    d = input._wrap_dim(dim)
    ishape = input._data.shape
    if index.ndim != input._data.ndim:
        name = "input" if op == "gather" else "self"
        raise RuntimeError(f"Index tensor must have the same number of dimensions as {name} tensor")
    for k, n in enumerate(index.shape):
        if k != d and n > ishape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index {list(index.shape)} to be no "
                               f"larger than self {list(ishape)} apart from dimension {d}")
        if src is not None and n > src._data.shape[k]:
            raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than src {list(src.shape)} "
                               f"(at dimension {k})")
    _check_bounds(index, d, ishape[d] if ishape else 1, RuntimeError)
    return d


class Gather(Index):
    """out[i][j][k] = x[index[i][j][k]][j][k] (for dim 0): Index with a full advanced key."""
    on_arrays = True


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """Values of ``input`` along ``dim`` at ``index`` (same rank as input): out[i][j] = input[index[i][j]][j]
    for dim 0. ``sparse_grad`` is accepted for compatibility; the gradient is dense."""
    idx = _index_tensor("gather", index)
    d = _check_scatter_like("gather", input, dim, idx)
    if input._data.ndim == 0:   # a one-element gather; an index array keeps it a copy, as PyTorch's
        return Gather.apply(input.reshape(1), (idx.reshape(1),), ADVANCED).reshape(())
    return Gather.apply(input, grid_key(d, idx), ADVANCED)


def _src_for(op: str, input: Tensor, idx: np.ndarray, src: Any) -> Tensor | np.ndarray:
    """``src`` trimmed to ``index``'s shape (a differentiable slice), or a number as a 0-d array."""
    if not isinstance(src, Tensor):
        return np.asarray(src, dtype=input._data.dtype)
    if src._data.dtype != input._data.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
    if src._data.shape != idx.shape:
        src = getitem(src, tuple(slice(0, n) for n in idx.shape))
    return src


class Scatter(IndexPut):
    """out = a copy of x with out[index[i][j]][j] = src[i][j] (for dim 0): IndexPut with a full advanced key."""
    on_arrays = True


class ScatterAccumulate(Function):
    """out = a copy of x with src[i][j] added to (``reduce='add'``) or multiplied into (``'multiply'``)
    out[index[i][j]][j] (for dim 0), repeated indices accumulating. As in PyTorch, it has no derivative."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, values: np.ndarray, key: tuple, mode: int, reduce: str) -> np.ndarray:
        ctx.reduce = reduce
        out = x.copy()
        (np.add if reduce == "add" else np.multiply).at(out, key, values)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> None:
        hint = " (use scatter_add, which has one)" if ctx.reduce == "add" else ""
        raise RuntimeError(f"derivative for scatter with reduce={ctx.reduce!r} is not implemented, as in "
                           f"PyTorch{hint}")


def scatter(input: Tensor, dim: int, index: Tensor, src: Operand = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with the values of ``src`` (a tensor or a number, or ``value=``) written at
    ``index`` along ``dim``: out[index[i][j]][j] = src[i][j] for dim 0. With ``reduce='add'`` or
    ``'multiply'`` they are added to or multiplied into the entries there instead (repeated indices
    accumulate); that form has no gradient, as in PyTorch."""
    if src is None:
        if value is None:
            raise TypeError("scatter() missing the values to write: pass src (a tensor or number) or value=")
        src = value
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply. (got reduce={reduce!r})")
    idx = _index_tensor("scatter", index)
    d = _check_scatter_like("scatter", input, dim, idx, src if isinstance(src, Tensor) else None)
    values = _src_for("scatter", input, idx, src)
    key, mode = ((Ellipsis,), BASIC) if input._data.ndim == 0 else (grid_key(d, idx), ADVANCED)
    if reduce is not None:
        return ScatterAccumulate.apply(input, values, key, mode, reduce)
    return Scatter.apply(input, values, key, mode)


class ScatterAdd(IndexAdd):
    """out = x with src[i][j] added at out[index[i][j]][j] (for dim 0); repeats accumulate."""
    on_arrays = True


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim``; repeated indices accumulate."""
    idx = _index_tensor("scatter_add", index)
    d = _check_scatter_like("scatter_add", input, dim, idx, src)
    values = _src_for("scatter_add", input, idx, src)
    if input._data.ndim == 0:
        return ScatterAdd.apply(input, values, (Ellipsis,), BASIC)
    return ScatterAdd.apply(input, values, grid_key(d, idx), ADVANCED)


REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _identity(reduce: str, dtype: np.dtype) -> Any:
    """The value a reduction starts from when ``include_self=False`` leaves out the entry of self."""
    if reduce in ("amax", "amin"):
        info = np.finfo(dtype) if is_floating(dtype) else np.iinfo(dtype) if dtype.kind in "iu" else None
        if info is None:
            return reduce == "amin"
        big = np.inf if is_floating(dtype) else info.max
        return -big if reduce == "amax" else big
    return 1 if reduce == "prod" else 0


def scatter_reduce_arrays(x: np.ndarray, src: np.ndarray, index: np.ndarray, dim: int, reduce: str,
                          include_self: bool) -> np.ndarray:
    """scatter_reduce on arrays: ``src`` (shaped as ``index``) reduced into a copy of ``x`` along ``dim``."""
    key = grid_key(dim, index)
    out = x.copy()
    if not include_self:
        out[key] = _identity(reduce, x.dtype)
    ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce]
    ufunc.at(out, key, src)
    if reduce == "mean":
        count = np.full(x.shape, int(include_self), dtype=np.int64)
        np.add.at(count, key, 1)
        count[count == 0] = 1
        out = (out / count if is_floating(x.dtype) else out // count).astype(x.dtype, copy=False)
    return out


class ScatterReduce(Function):
    """out = a copy of x with src[i][j] reduced (sum, prod, mean, amax, amin) into out[index[i][j]][j] (for
    dim 0), with or without x's own entry; PyTorch's gradients (``scatter_reduce_backward``)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, src: np.ndarray, index: np.ndarray, dim: int, reduce: str,
                include_self: bool) -> np.ndarray:
        out = scatter_reduce_arrays(x, src, index, dim, reduce, include_self)
        ctx.args = index, dim, reduce, include_self
        ctx.save_for_backward(x, src, out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None, None, None, None, None]:
        x, src, out = ctx.saved_tensors
        index, dim, reduce, include_self = ctx.args
        idx = Tensor._make(index)
        if reduce == "sum":
            grad_x, grad_src = grad, gather(grad, dim, idx)
        elif reduce == "mean":
            count = (grad.new_ones(grad.shape) if include_self else grad.new_zeros(grad.shape))
            count = scatter_add(count, dim, idx, grad.new_ones(index.shape))
            grad_x = grad / masked_fill(count, count == 0, 1)
            grad_src = gather(grad_x, dim, idx)
        elif reduce == "prod":
            grad_x, grad_src = _prod_grads(grad, x, src, out, idx, dim, include_self)
        else:
            value = gather(out, dim, idx)
            x_is_out, src_is_out = (x == out).to(x.dtype), (src == value).to(x.dtype)
            share = grad / scatter_add(x_is_out, dim, idx, src_is_out)
            grad_x, grad_src = x_is_out * share, src_is_out * gather(share, dim, idx)
        if not include_self:
            grad_x = scatter(grad_x, dim, idx, value=0.0)
        return (grad_x if ctx.needs_input_grad[0] else None, grad_src if ctx.needs_input_grad[1] else None,
                None, None, None, None)


def _prod_grads(grad: Tensor, x: Tensor, src: Tensor, out: Tensor, idx: Tensor, dim: int,
                include_self: bool) -> tuple[Tensor, Tensor]:
    """scatter_reduce(reduce='prod')'s gradients as PyTorch computes them: each factor's gradient is the
    product of the others, found by dividing a result recomputed with that factor's zeros set to 1."""
    masked_x = masked_fill(x, x == 0, 1)
    grad_x = grad * ScatterReduce.apply(masked_x, src, idx._data, dim, "prod", include_self) / masked_x
    src_zero = src == 0
    zeros_there = gather(scatter_add(x.new_zeros(x.shape), dim, idx, src_zero.to(x.dtype)), dim, idx)
    single_zero = src_zero & (zeros_there == 1)
    masked_src = masked_fill(src, single_zero, 1)
    without_zero = ScatterReduce.apply(x, masked_src, idx._data, dim, "prod", include_self)
    grad_src = where(single_zero, gather(grad * without_zero, dim, idx),
                     gather(grad * out, dim, idx) / masked_fill(src, src_zero, 1))
    if GradMode.enabled and bool((zeros_there > 1).any()):
        grad_src = NoDoubleBackward.apply(grad_src)
    return grad_x, grad_src


class NoDoubleBackward(Function):
    """out = x; differentiating it raises (PyTorch's DelayedError): the gradient of a product with several
    zeros scattered to one place is 0, but its own derivative is not available from the saved values."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        return x.copy()

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        raise RuntimeError("scatter_reduce(): Double backward is unsupported for src when >1 zeros in src are "
                           "scattered to the same position in self")


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """A copy of ``input`` with the values of ``src`` reduced into it at ``index`` along ``dim``
    (out[index[i][j]][j] for dim 0): ``reduce`` is ``'sum'``, ``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'``,
    over the scattered values and, with ``include_self=True``, the entry of ``input`` there. Integer means
    round down. Gradients as PyTorch's (amax/amin share the gradient evenly among ties)."""
    if reduce not in REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    idx = _index_tensor("scatter_reduce", index, ("int32", "int64")).astype(np.int64, copy=False)
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): argument 'src' (position 4) must be Tensor, not {type(src).__name__}")
    d = _check_scatter_like("scatter_reduce", input, dim, idx, src)
    values = _src_for("scatter", input, idx, src)
    if input._data.ndim == 0:
        return ScatterReduce.apply(input.reshape(1), values.reshape(1), idx.reshape(1), 0, reduce,
                                      include_self).reshape(())
    return ScatterReduce.apply(input, values, idx, d, reduce, include_self)


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """A copy of ``input`` with the slices of ``source`` along ``dim`` reduced into the slices at the
    positions in the 1-D ``index`` (``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'``), with or without
    ``input``'s own slice: ``scatter_reduce`` with ``index`` spread over the other dims. In beta in PyTorch,
    which warns so; so does this."""
    warnings.warn("index_reduce() is in beta and the API may change at any time.", UserWarning, stacklevel=2)
    if reduce not in REDUCTIONS[1:]:
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
                           f"{reduce}.")
    idx = _index_tensor("index_reduce_", index, ("int32", "int64"))
    if idx.ndim > 1:
        raise IndexError(f"index_reduce_(): Index is supposed to be a vector, but got dim: {idx.ndim} with type: "
                         f"{torch_dtype_name(index)} and size: {list(idx.shape)}")
    d = input._wrap_dim(dim)
    shape, sshape = input._data.shape, source._data.shape
    if len(shape) != len(sshape) or any(a != b for k, (a, b) in enumerate(zip(shape, sshape)) if k != d):
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(shape)} source.shape = {list(sshape)}")
    n = sshape[d] if sshape else 1
    if idx.size != n:
        raise RuntimeError(f"index_reduce_(): Number of indices ({idx.size}) should be equal to source.size(dim): "
                           f"({n}), for dim: {d}")
    size = shape[d] if shape else 1
    if idx.size and (idx.max() >= size or idx.min() < -size):
        raise IndexError(f"index_reduce(): index out of range in self (size {size} at dimension {d})")
    spread = idx.reshape(-1).astype(np.int64) % max(size, 1)
    full = np.broadcast_to(spread.reshape([-1 if k == d else 1 for k in range(len(sshape))]), sshape)
    return scatter_reduce(input, d, Tensor._make(np.ascontiguousarray(full)), source, reduce,
                          include_self=include_self)


def _dim_index(op: str, input: Tensor, dim: int, index: Any) -> tuple[int, np.ndarray]:
    idx = _index_tensor(op, index, ("int32", "int64"))
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    d = input._wrap_dim(dim)
    n = input._data.shape[d] if input._data.ndim else 1
    if idx.size and (idx.max() >= n or idx.min() < -n):
        raise IndexError(f"{op}(): index out of range in self (size {n} at dimension {d})")
    return d, idx.reshape(-1)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added along ``dim`` at the rows in ``index``;
    repeated indices accumulate."""
    d, idx = _dim_index("index_add", input, dim, index)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype.name}) and source ({source.dtype.name}) must have "
                           "the same scalar type")
    expected = input._data.shape[:d] + (idx.size,) + input._data.shape[d + 1:] if input._data.ndim else (idx.size,)
    if tuple(source._data.shape) != expected and not (input._data.ndim == 0 and source._data.size == idx.size):
        raise RuntimeError(f"index_add_(): source of shape {list(source.shape)} does not match the expected "
                           f"shape {list(expected)} (self {list(input.shape)}, {idx.size} indices along dim {d})")
    if alpha != 1:
        source = source * alpha
    if input._data.ndim == 0:
        return IndexAdd.apply(input.reshape(1), source.reshape(-1), (idx,), ADVANCED).reshape(())
    return IndexAdd.apply(input, source, _dim_key(d, idx), ADVANCED)


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """A copy of ``input`` with the entries along ``dim`` at ``index`` set to ``value`` (a number or 0-d tensor)."""
    d, idx = _dim_index("index_fill", input, dim, index)
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    # filling twice is filling once: a repeated index must not count the value's gradient twice
    idx = record(np.unique, idx)
    if input._data.ndim == 0:
        return IndexPut.apply(input.reshape(1), _as_values(value, input), (idx,), ADVANCED).reshape(())
    return IndexPut.apply(input, _as_values(value, input), _dim_key(d, idx), ADVANCED)


# ----------------------------------------------------------------------------- masks
def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``input`` with ``value`` (a number or 0-d tensor) where the bool ``mask`` (broadcast) is true."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{dtypes.from_numpy_dtype(m.dtype).name}")
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    values = _as_values(value, input)
    try:
        return where(mask, values if isinstance(values, Tensor) else Tensor._make(values), input)
    except RuntimeError:
        raise RuntimeError(f"masked_fill: the shape of the mask {list(m.shape)} cannot be broadcast with the "
                           f"shape of the input {list(input.shape)}") from None


class MaskedSelect(Index):
    """out = the entries of x where the mask is true, as a 1-D tensor (Index with the mask's nonzero key)."""
    on_arrays = True


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """A 1-D tensor of the entries of ``input`` where the bool ``mask`` is true (both broadcast)."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_select: expected BoolTensor for mask, got {dtypes.from_numpy_dtype(m.dtype).name}")
    shape = broadcast_shapes("masked_select", input._data.shape, m.shape)
    if input._data.shape != shape:
        input = input.expand(shape)
    m = np.broadcast_to(m, shape)
    graph_break("masked_select(), whose output shape depends on the data")
    key = m.nonzero() if m.ndim else ((np.zeros(int(m), dtype=np.int64)),)
    if not m.ndim:
        input = input.reshape(1)
    return MaskedSelect.apply(input, key, ADVANCED)


class Take(Index):
    """out = x.flatten()[index] (Index on the flattened input)."""
    on_arrays = True


def take(input: Tensor, index: Tensor) -> Tensor:
    """The entries of ``input`` seen as 1-D at the positions in ``index``; the result has index's shape."""
    if isinstance(index, Tensor) and index._data.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {torch_dtype_name(index)}")
    idx = _index_tensor("take", index)
    n = input._data.size
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = idx[(idx >= n) | (idx < -n)].flat[0]
        raise IndexError(f"take(): out of range: tried to access index {bad} on a tensor of {n} elements.")
    return Take.apply(input.reshape(-1), (idx,), ADVANCED)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """``input``'s values at ``indices`` along ``dim`` (as ``gather``, with input and indices broadcast against
    each other in the other dims), as ``numpy.take_along_axis``; with ``dim=None`` both are flattened first."""
    idx = indices._data
    if idx.dtype != np.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{torch_dtype_name(indices)}")
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    if input._data.ndim != idx.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input._data.ndim} dimensions for input, and {idx.ndim} dimensions for indices")
    d = input._wrap_dim(dim)
    ishape, jshape = list(input._data.shape), list(idx.shape)
    ishape[d] = jshape[d] = 1
    common = list(broadcast_shapes("take_along_dim", tuple(ishape), tuple(jshape)))
    x_shape, i_shape = common.copy(), common.copy()
    x_shape[d], i_shape[d] = input._data.shape[d], idx.shape[d]
    return gather(input.expand(x_shape), d, Tensor._make(np.broadcast_to(idx, i_shape)))


@overload
def nonzero(input: Tensor, *, as_tuple: Literal[False] = False) -> Tensor: ...
@overload
def nonzero(input: Tensor, *, as_tuple: Literal[True]) -> tuple[Tensor, ...]: ...
def nonzero(input: Tensor, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """The indices of the nonzero entries: an (n, ndim) int64 tensor, or one 1-D tensor per dim with
    ``as_tuple=True``. Never differentiable."""
    graph_break("nonzero(), whose output shape depends on the data")
    data = input._data
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64, copy=False)) for i in (data.reshape(1) if data.ndim == 0
                                                                           else data).nonzero())
    return Tensor._make(np.argwhere(data).astype(np.int64, copy=False))


def argwhere(input: Tensor) -> Tensor:
    """The indices of the nonzero entries as an (n, ndim) int64 tensor (``nonzero()``)."""
    return nonzero(input)


# ----------------------------------------------------------------------------- triangles and diagonals
class Tril(Function):
    """out = the lower triangle of the last two dims of x (entries above diagonal ``k`` zeroed)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, k: int) -> np.ndarray:
        ctx.k = k
        return np.tril(x, k)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return Tril.apply(grad, ctx.k), None


class Triu(Function):
    """out = the upper triangle of the last two dims of x (entries below diagonal ``k`` zeroed)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, k: int) -> np.ndarray:
        ctx.k = k
        return np.triu(x, k)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return Triu.apply(grad, ctx.k), None


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of (each matrix in) ``input``: entries above diagonal ``diagonal`` set to 0."""
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return Tril.apply(input, int(diagonal))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of (each matrix in) ``input``: entries below diagonal ``diagonal`` set to 0."""
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return Triu.apply(input, int(diagonal))


def _diag_positions(length: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    steps = np.arange(length)
    return (steps, steps + offset) if offset >= 0 else (steps - offset, steps)


class Diagonal(Function):
    """out = the diagonal ``offset`` of x over dims (d1, d2), as a new last dim (a view)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, offset: int, d1: int, d2: int) -> np.ndarray:
        ctx.args = x.shape, offset, d1, d2
        out = np.diagonal(x, offset, d1, d2)
        out.flags.writeable = x.flags.writeable      # NumPy's is read-only; PyTorch's is a writable view
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None, None]:
        return DiagonalEmbed.apply(grad, *ctx.args), None, None, None


class DiagonalEmbed(Function):
    """out = zeros of ``shape`` with x written on the diagonal ``offset`` over dims (d1, d2) (diagonal's backward)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, shape: tuple[int, ...], offset: int, d1: int, d2: int) -> np.ndarray:
        ctx.args = offset, d1, d2
        out = np.zeros(shape, dtype=x.dtype)
        rows, cols = _diag_positions(x.shape[-1], offset)
        np.moveaxis(out, (d1, d2), (-2, -1))[..., rows, cols] = x
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None, None, None]:
        return Diagonal.apply(grad, *ctx.args), None, None, None, None


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal ``offset`` (above the main one when positive) of the matrices over ``dim1`` and ``dim2``,
    as the last dim of the result."""
    d1, d2 = input._wrap_dim(dim1), input._wrap_dim(dim2)
    if input._data.ndim < 2:
        raise RuntimeError(f"diagonal(): expected a tensor with at least 2 dimensions, but got {input.ndim}")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, int(offset), d1, d2)


def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a 2-D tensor (integer tensors sum as int64)."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return diagonal(input).sum()


# ----------------------------------------------------------------------------- in-place forms
def masked_fill_(self: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``masked_fill`` in place (the mask must broadcast to self's shape)."""
    return apply_inplace(self, "masked_fill_", masked_fill, mask, value, expanded="warn")


def scatter_(self: Tensor, dim: int, index: Tensor, src: Operand = None, *, value: Any = None,
             reduce: str | None = None) -> Tensor:
    """``scatter`` in place."""
    return apply_inplace(self, "scatter_", scatter, dim, index, src, value=value, reduce=reduce)


def scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``scatter_add`` in place."""
    return apply_inplace(self, "scatter_add_", scatter_add, dim, index, src)


def index_add_(self: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """``index_add`` in place."""
    return apply_inplace(self, "index_add_", index_add, dim, index, source, alpha=alpha)


def index_fill_(self: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """``index_fill`` in place."""
    return apply_inplace(self, "index_fill_", index_fill, dim, index, value)


def index_put_(self: Tensor, indices: tuple, values: Operand, accumulate: bool = False) -> Tensor:
    """``index_put`` in place."""
    check_overlap("index_put_", self._data, (values,), "warn", same_ok=False)
    return apply_inplace(self, "index_put_", index_put, indices, values, accumulate, expanded=None)


def tril_(self: Tensor, diagonal: int = 0) -> Tensor:
    """``tril`` in place."""
    return apply_inplace(self, "tril_", tril, diagonal)


def triu_(self: Tensor, diagonal: int = 0) -> Tensor:
    """``triu`` in place."""
    return apply_inplace(self, "triu_", triu, diagonal)


def scatter_reduce_(self: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                    include_self: bool = True) -> Tensor:
    """``scatter_reduce`` in place."""
    return apply_inplace(self, "scatter_reduce_", scatter_reduce, dim, index, src, reduce, include_self=include_self)


def index_reduce_(self: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                  include_self: bool = True) -> Tensor:
    """``index_reduce`` in place."""
    return apply_inplace(self, "index_reduce_", index_reduce, dim, index, source, reduce, include_self=include_self)

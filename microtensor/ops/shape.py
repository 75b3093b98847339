"""Shape ops: reshape/view, squeeze/unsqueeze, permute/transpose, expand, repeat(_interleave), flip, rot90, roll,
cat/stack (and the h/v/d/column stacks, atleast_Nd), split."""
from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import dtypes, memory_formats
from microtensor.autograd.function import Function
from microtensor.capture import record
from microtensor.ops.broadcasting import promote_all, unbroadcast
from microtensor.ops.indexing import index_select
from microtensor.ops.inplace import check_inplace, restride_inplace
from microtensor.ops.views import positions_in
from microtensor.tensor import Tensor, memory_is_shared, share_version_counter


def ints_arg(op: str, name: str, args: tuple, value: Any = None) -> tuple[int, ...]:
    """The sizes or dims an op takes as PyTorch does: as ints (``x.reshape(2, 3)``), as one sequence
    (``x.reshape((2, 3))``) or as the keyword ``name`` (``x.reshape(shape=(2, 3))``, a sequence there)."""
    if value is not None:
        if args:
            raise TypeError(f"{op}() got multiple values for argument '{name}'")
        if not isinstance(value, (tuple, list)):
            raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not {type(value).__name__}")
        args = tuple(value)
    elif len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    ints = []
    for pos, n in enumerate(args):
        try:
            ints.append(operator.index(n))
        except TypeError:
            raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, but found element of type "
                            f"{type(n).__name__} at pos {pos}") from None
    return tuple(ints)


def _wrap_dims(x: Tensor, dims: Any) -> tuple[int, ...]:
    """An int or a sequence of dims as non-negative axes (each checked against ``x.ndim``)."""
    if isinstance(dims, (int, np.integer)):
        dims = (dims,)
    return tuple(x._wrap_dim(d) for d in dims)


def infer_shape(op: str, numel: int, old: tuple[int, ...], shape: tuple) -> tuple[int, ...]:
    """Resolve one -1 in ``shape``; a clear error when the element count does not match."""
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred, got shape {list(shape)}")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{op}: invalid shape dimension {s} in {list(shape)}")
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel} "
                               f"(input shape {list(old)})")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel} "
                           f"(input shape {list(old)})")
    return shape


# ----------------------------------------------------------------------------- reshape family
class Reshape(Function):
    """out = x with a new shape (a view when the memory layout allows)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return grad.reshape(ctx.shape), None


class View(Reshape):
    """out = x with a new shape, always sharing x's memory; raises where that needs a copy, as PyTorch does."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.shape = x.shape
        out = x.reshape(shape)       # reshape(copy=False) would say it directly, at 3x the cost of this check
        if out.base is x or (x.base is not None and out.base is x.base):
            return out
        raise RuntimeError(f"view size is not compatible with input tensor's size and stride (at least one "
                           f"dimension spans across two contiguous subspaces): can't view shape {list(x.shape)} "
                           f"with strides {[s // x.itemsize for s in x.strides]} as {list(shape)}. Use "
                           ".reshape(...) instead.")


def _row_major(input: Tensor) -> Tensor:
    """``input`` laid out row-major in memory, as PyTorch lays out every result that is not a view.

    Some ops keep their results in another layout for speed (a convolution's output is laid out
    (C, N, H, W)), where a view or reshape would need a copy PyTorch does not make. When no other
    tensor sees the memory, moving it changes nothing a user can observe, and the result of the
    view or reshape then shares its memory as in PyTorch."""
    data = input._data
    if not data.flags.c_contiguous and input._base is None and not memory_is_shared(input):
        input._data = record(np.ascontiguousarray, data)
    return input


def reshape(input: Tensor, *args: Any, shape: Sequence[int] | None = None) -> Tensor:
    """``input`` with shape ``shape`` (one entry may be -1); same elements in row-major order.
    ``x.reshape(2, 3)``, ``x.reshape((2, 3))``, ``reshape(x, shape=(2, 3))``."""
    shape = ints_arg("reshape", "shape", args, shape)
    return Reshape.apply(_row_major(input), infer_shape("reshape", input._data.size, input._data.shape, shape))


def view(input: Tensor, *args: Any, size: Sequence[int] | None = None, dtype: dtypes.dtype | None = None) -> Tensor:
    """``input`` with shape ``size`` (one entry may be -1), sharing its memory; raises when the memory layout
    does not allow that (``x.t().view(-1)``), as PyTorch does: use ``reshape`` there.
    ``x.view(2, 3)``, ``x.view((2, 3))``, ``x.view(size=(2, 3))``. ``x.view(dtype)`` reinterprets the bits
    instead (see ``view_dtype``)."""
    if dtype is not None or (len(args) == 1 and isinstance(args[0], dtypes.dtype)):
        return view_dtype(input, dtype if dtype is not None else args[0])
    size = ints_arg("view", "size", args, size)
    return View.apply(_row_major(input), infer_shape("view", input._data.size, input._data.shape, size))


def view_dtype(input: Tensor, dtype: dtypes.dtype) -> Tensor:
    """``input``'s memory read as ``dtype`` (a bit reinterpretation sharing memory and version counter, outside
    the graph, as PyTorch's ``view(dtype)``). With a different element size the last dim is split or merged:
    it must have stride 1, and to merge, its size, the other strides and the offset must divide evenly."""
    data = input._data
    old, new = data.dtype.itemsize, dtype.itemsize
    if old != new:
        what = f"to view {input.dtype.name} as {dtype.name} (different element sizes)"
        if data.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        strides = stride(input)
        if strides[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {strides[-1]}")
        if new > old:
            ratio = new // old
            offset = 0 if input._base is None else (
                data.__array_interface__["data"][0] - input._base._data.__array_interface__["data"][0]) // old
            if data.shape[-1] % ratio:
                raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but got {data.shape[-1]}")
            if offset % ratio:
                raise RuntimeError(f"self.storage_offset() must be divisible by {ratio} {what}, but got {offset}")
            for d, step in enumerate(strides[:-1]):
                if step % ratio:
                    raise RuntimeError(f"self.stride({d}) must be divisible by {ratio} {what}, but got {step}")
        if data.strides[-1] != old:   # a size-1 last dim NumPy strides its own way; one row of memory either way
            data = np.lib.stride_tricks.as_strided(data, strides=data.strides[:-1] + (old,))
    out = Tensor._make(data.view(dtype.np))
    share_version_counter(out, input)
    return out


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` reshaped to ``other``'s shape."""
    return reshape(input, other._data.shape)


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` viewed with ``other``'s shape."""
    return view(input, other._data.shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """``input`` with dimensions ``start_dim`` to ``end_dim`` merged into one (a 0-d tensor becomes 1-D)."""
    shape = input._data.shape
    s, e = input._wrap_dim(start_dim), input._wrap_dim(end_dim)     # a 0-d tensor takes dims -1 and 0 only
    if not shape:
        return Reshape.apply(input, (1,))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input        # nothing to merge: PyTorch returns the tensor itself, recording nothing
    merged = 1
    for n in shape[s:e + 1]:
        merged *= n
    return Reshape.apply(_row_major(input), shape[:s] + (merged,) + shape[e + 1:])


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """``input`` with dimension ``dim`` split into ``sizes`` (one entry may be -1)."""
    shape = input._data.shape
    d = input._wrap_dim(dim)
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        sizes = infer_shape("unflatten", shape[d], (shape[d],), sizes)
    except RuntimeError:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {d} "
                           f"({shape[d]}) in the input tensor") from None
    return Reshape.apply(input, shape[:d] + sizes + shape[d + 1:])


def squeeze(input: Tensor, *args: Any, dim: Any = None) -> Tensor:
    """``input`` without its size-1 dimensions (only those in ``dim``, an int or tuple, when given);
    the method also takes several ints, as PyTorch's does (``x.squeeze(0, 2)``)."""
    shape = input._data.shape
    if args:
        if dim is not None:
            raise TypeError("squeeze() got multiple values for argument 'dim'")
        dim = args[0] if len(args) == 1 else args
    if dim is None:
        return Reshape.apply(input, tuple(n for n in shape if n != 1))
    axes = _wrap_dims(input, dim)
    return Reshape.apply(input, tuple(n for i, n in enumerate(shape) if n != 1 or i not in axes))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """``input`` with a new size-1 dimension at position ``dim`` (in ``[-ndim-1, ndim]``)."""
    shape = input._data.shape
    d = input._wrap_dim(dim, len(shape) + 1)
    return Reshape.apply(input, shape[:d] + (1,) + shape[d:])


def squeeze_(self: Tensor, *args: Any, dim: Any = None) -> Tensor:
    """``squeeze`` in place: ``self`` loses its size-1 dims (those in ``dim`` when given); returns ``self``."""
    check_inplace(self)
    return restride_inplace(self, squeeze(self, *args, dim=dim))


def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    """``unsqueeze`` in place: ``self`` gets a new size-1 dim at ``dim``; returns ``self``."""
    check_inplace(self)
    return restride_inplace(self, unsqueeze(self, dim))


# ----------------------------------------------------------------------------- permutations
class Permute(Function):
    """out = x with its dimensions reordered by ``dims`` (a view)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        dims = ctx.dims
        return grad.permute(sorted(range(len(dims)), key=dims.__getitem__)), None


def permute(input: Tensor, *args: Any, dims: Sequence[int] | None = None) -> Tensor:
    """A view of ``input`` with its dimensions in the order ``dims``: ``x.permute(2, 0, 1)``,
    ``x.permute((2, 0, 1))``, ``permute(x, dims=(2, 0, 1))``."""
    dims = ints_arg("permute", "dims", args, dims)
    if len(dims) != input._data.ndim:
        raise RuntimeError("permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           "length of the desired ordering of dimensions i.e. input.dim() = "
                           f"{input._data.ndim} is not equal to len(dims) = {len(dims)}")
    axes = _wrap_dims(input, dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(input, axes)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """A view of ``input`` with dimensions ``dim0`` and ``dim1`` swapped."""
    a, b = input._wrap_dim(dim0), input._wrap_dim(dim1)
    dims = list(range(input._data.ndim))
    if dims:
        dims[a], dims[b] = dims[b], dims[a]
    return Permute.apply(input, tuple(dims))


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """``transpose`` under NumPy's name (and argument names)."""
    return transpose(input, axis0, axis1)


def t(input: Tensor) -> Tensor:
    """The transpose of a matrix; 0-d and 1-D tensors are returned as they are (as views)."""
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return Permute.apply(input, tuple(range(input._data.ndim))[::-1])


def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """``transpose`` in place: ``self``'s dims ``dim0`` and ``dim1`` swap; returns ``self``."""
    check_inplace(self)
    return restride_inplace(self, transpose(self, dim0, dim1))


def t_(self: Tensor) -> Tensor:
    """``t`` in place: a matrix ``self`` is transposed (0-d and 1-D stay as they are); returns ``self``."""
    if self._data.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self._data.ndim}D")
    check_inplace(self)
    return restride_inplace(self, t(self))


def reverse_dims(input: Tensor) -> Tensor:
    """``Tensor.T``: the view with every dim in reverse order."""
    return Permute.apply(input, tuple(range(input._data.ndim))[::-1])


def matrix_transpose(input: Tensor) -> Tensor:
    """``Tensor.mT``: the view with the last two dims swapped (a batch of transposed matrices)."""
    if input._data.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {input._data.ndim}-D tensor.")
    return transpose(input, -2, -1)


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """A view of ``input`` with the dimensions ``source`` moved to the positions ``destination``."""
    src, dst = _wrap_dims(input, source), _wrap_dims(input, destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
                           f"contain the same number of dims as destination ({list(dst)} dims)")
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError("movedim: repeated dim in `source` or `destination`")
    order = [n for n in range(input._data.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return Permute.apply(input, tuple(order))


# ----------------------------------------------------------------------------- broadcasting, repetition
class Expand(Function):
    """out = x broadcast to ``shape``: a view, writable as PyTorch's is (in-place ops check that each element
    is written once); the gradient is summed back."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.shape = x.shape
        strides = (0,) * (len(shape) - x.ndim) + tuple(
            0 if n == 1 and size != 1 else st for n, size, st in zip(x.shape, shape[len(shape) - x.ndim:], x.strides))
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=x.flags.writeable)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return unbroadcast(grad, ctx.shape), None


def expand(input: Tensor, *args: Any, size: Sequence[int] | None = None) -> Tensor:
    """``input`` broadcast to ``size`` without copying (-1 keeps a dimension's size): ``x.expand(4, 3)``,
    ``x.expand((4, 3))``, ``x.expand(size=(4, 3))``."""
    sizes = ints_arg("expand", "size", args, size)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    for i in range(lead):
        if sizes[i] < 0:
            raise RuntimeError(f"expand: the expanded size of the tensor ({sizes[i]}) isn't allowed in a leading, "
                               f"non-existing dimension {i}")
    target = tuple(shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    for i in range(len(shape) - 1, -1, -1):
        n = shape[i]
        if n != 1 and n != target[lead + i]:
            raise RuntimeError(f"expand: the expanded size of the tensor ({target[lead + i]}) must match the "
                               f"existing size ({n}) at non-singleton dimension {lead + i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(shape)}")
    return Expand.apply(input, target)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` expanded to ``other``'s shape."""
    return expand(input, other._data.shape)


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    """``input`` broadcast to ``size`` (a view; -1 keeps a dimension's size)."""
    return expand(input, tuple(size))


class Repeat(Function):
    """out = x tiled ``repeats`` times along each dimension (leading dimensions added as needed)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, repeats: tuple[int, ...]) -> np.ndarray:
        ctx.shape, ctx.repeats = x.shape, repeats
        return np.tile(x, repeats)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        repeats = ctx.repeats
        if not repeats:
            return grad, None
        padded = (1,) * (len(repeats) - len(ctx.shape)) + ctx.shape
        interleaved = tuple(n for pair in zip(repeats, padded) for n in pair)
        summed = grad.reshape(interleaved).sum(tuple(range(0, 2 * len(repeats), 2)))
        return summed.reshape(ctx.shape), None


def repeat(input: Tensor, *args: Any, repeats: Sequence[int] | None = None) -> Tensor:
    """``input`` repeated ``repeats[i]`` times along dimension i (PyTorch's repeat: whole copies, like
    ``numpy.tile``, not element-wise like ``numpy.repeat``); extra sizes add leading dimensions.
    ``x.repeat(2, 1)``, ``x.repeat((2, 1))``, ``x.repeat(repeats=(2, 1))``."""
    sizes = ints_arg("repeat", "repeats", args, repeats)
    if len(sizes) < input._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                           "of tensor")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension: repeat sizes {list(sizes)}")
    return Repeat.apply(input, sizes)


def tile(input: Tensor, *args: Any, dims: Sequence[int] | None = None) -> Tensor:
    """``input`` repeated ``dims[i]`` times along each dimension; short ``dims`` are padded with leading 1s.
    ``tile(x, (2, 1))``, ``tile(x, dims=(2, 1))``, and as the method takes them, ``x.tile(2, 1)``."""
    if not args and dims is None:
        raise TypeError('tile() missing 1 required positional arguments: "dims"')
    dims = ints_arg("tile", "dims", args, dims)
    dims = (1,) * (input._data.ndim - len(dims)) + dims
    return repeat(input, dims)


# ----------------------------------------------------------------------------- flip, roll
class Flip(Function):
    """out = a copy of x reversed along ``axes`` (PyTorch's flip copies; NumPy's would alias)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        ctx.axes = axes
        return np.flip(x, axes).copy() if x.ndim else x.copy()

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return Flip.apply(grad, ctx.axes), None


def flip(input: Tensor, *args: Any, dims: Sequence[int] | None = None) -> Tensor:
    """``input`` reversed along ``dims``: ``flip(x, dims=(0, 1))``, ``flip(x, (0, 1))``, ``x.flip(0, 1)``."""
    axes = _wrap_dims(input, ints_arg("flip", "dims", args, dims))
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"flip: dims {list(axes)} has duplicates")
    return Flip.apply(input, axes)


def fliplr(input: Tensor) -> Tensor:
    """``input`` reversed along dimension 1 (at least 2-D)."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return Flip.apply(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """``input`` reversed along dimension 0 (at least 1-D)."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return Flip.apply(input, (0,))


class Roll(Function):
    """out = x shifted cyclically by ``shifts`` along ``axes`` (over the flattened tensor when None)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, shifts: Any, axes: Any) -> np.ndarray:
        ctx.shifts, ctx.axes = shifts, axes
        return np.roll(x, shifts, axes)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        shifts = ctx.shifts
        back = -shifts if isinstance(shifts, int) else tuple(-s for s in shifts)
        return Roll.apply(grad, back, ctx.axes), None, None


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """``input`` rolled by ``shifts`` along ``dims``; with ``dims=None`` the flattened tensor is rolled."""
    if dims is None:
        if not isinstance(shifts, (int, np.integer)):
            shifts = tuple(shifts)
            if len(shifts) != 1:
                raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
            shifts = shifts[0]
        return Roll.apply(input, int(shifts), None)
    shifts = (int(shifts),) if isinstance(shifts, (int, np.integer)) else tuple(int(s) for s in shifts)
    axes = _wrap_dims(input, dims)
    if len(shifts) != len(axes):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(axes)}")
    return Roll.apply(input, shifts, axes)


# ----------------------------------------------------------------------------- joining
class Cat(Function):
    """out = the inputs joined along an existing dimension ``dim``; the gradient is split back."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, dim: int, *arrays: np.ndarray) -> np.ndarray:
        ctx.dim = dim
        if len(arrays) > 1 and any(a.shape == (0,) for a in arrays):    # 1-D empty tensors are skipped
            ctx.sizes = tuple(None if a.shape == (0,) else a.shape[dim] for a in arrays)
            arrays = tuple(a for a in arrays if a.shape != (0,)) or arrays[:1]
        else:
            ctx.sizes = tuple(a.shape[dim] for a in arrays)
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        sizes = ctx.sizes
        if None not in sizes:
            return (None,) + SplitWithSizes.apply(grad, sizes, ctx.dim)
        kept = tuple(n for n in sizes if n is not None)
        pieces = iter(SplitWithSizes.apply(grad, kept, ctx.dim) if kept else ())
        return (None,) + tuple(next(pieces) if n is not None else Tensor._make(np.zeros(0, grad._data.dtype))
                               for n in sizes)


def _tensor_list(op: str, tensors: Any) -> list[Tensor]:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}(): argument 'tensors' must be a sequence of Tensors, not Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 'tensors', "
                            f"but got {type(t).__name__}")
    if len({t._data.dtype for t in tensors}) > 1:
        tensors = promote_all(*tensors)
    return tensors


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """The tensors joined along dimension ``dim`` (promoted to their common dtype).

    All must have the same shape except in ``dim``; 1-D empty tensors are skipped, as in PyTorch.
    """
    tensors = _tensor_list("cat", tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, x in enumerate(tensors):
        if x._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    checked = [x for x in tensors if x._data.shape != (0,)] or tensors
    first = checked[0]
    d = first._wrap_dim(dim)
    shape = first._data.shape
    for i, x in enumerate(checked[1:], 1):
        other = x._data.shape
        if len(other) != len(shape):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(shape)} and {len(other)}")
        for k, (a, b) in enumerate(zip(shape, other)):
            if k != d and a != b:
                shapes = ", ".join(str(list(t._data.shape)) for t in checked)
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size {a} but got "
                                   f"size {b} for tensor number {i} in the list (cat of shapes {shapes} "
                                   f"along dim {d}).")
    return Cat.apply(d, *tensors)


class Stack(Function):
    """out = the inputs joined along a new dimension ``dim``; the gradient is unbound back."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, dim: int, *arrays: np.ndarray) -> np.ndarray:
        ctx.dim = dim
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        return (None,) + Unbind.apply(grad, ctx.dim)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """The tensors (all of one shape, promoted to their common dtype) joined along a new dimension ``dim``."""
    tensors = _tensor_list("stack", tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, x in enumerate(tensors[1:], 1):
        if x._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                               f"{list(x._data.shape)} at entry {i}")
    d = tensors[0]._wrap_dim(dim, len(shape) + 1)
    return Stack.apply(d, *tensors)


def _atleast(x: Tensor, ndim: int) -> Tensor:
    """``x`` viewed with at least ``ndim`` dimensions, as ``numpy.atleast_2d``/``atleast_3d`` pad them."""
    shape = x._data.shape
    if len(shape) >= ndim:
        return x
    if not shape:
        return Reshape.apply(x, (1,) * ndim)
    if len(shape) == 1:
        return Reshape.apply(x, ((1,) + shape + (1,))[:ndim])
    return Reshape.apply(x, shape + (1,))


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors joined column-wise: along dim 0 for 1-D tensors, else along dim 1."""
    tensors = [_atleast(x, 1) for x in _tensor_list("hstack", tensors)]
    return cat(tensors, 0 if tensors and tensors[0]._data.ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors joined row-wise (along dim 0), 0-d and 1-D tensors made rows first."""
    return cat([_atleast(x, 2) for x in _tensor_list("vstack", tensors)], 0)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors joined depth-wise (along dim 2), made at least 3-D first as ``numpy.dstack`` does."""
    return cat([_atleast(x, 3) for x in _tensor_list("dstack", tensors)], 2)


def row_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Alias of ``vstack``."""
    return vstack(tensors)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors joined as columns (along dim 1): 0-d and 1-D tensors become (numel, 1) columns first."""
    ts = _tensor_list("column_stack", tensors)
    return hstack([Reshape.apply(x, (x._data.size, 1)) if x._data.ndim <= 1 else x for x in ts])


def _atleast_nd(op: str, ndim: int, tensors: tuple) -> Any:
    """atleast_Nd's calling forms: one tensor gives a tensor; several, or one list or tuple, give a tuple."""
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return _atleast(tensors[0], ndim)
    return tuple(_atleast(x, ndim) for x in _tensor_list(op, tensors[0] if len(tensors) == 1 else tensors))


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor viewed with at least one dim (a 0-d tensor becomes shape (1,)); one tensor in, one out,
    else a tuple."""
    return _atleast_nd("atleast_1d", 1, tensors)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor viewed with at least two dims (1-D (n,) becomes (1, n)); one tensor in, one out, else a tuple."""
    return _atleast_nd("atleast_2d", 2, tensors)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor viewed with at least three dims ((n,) becomes (1, n, 1), (m, n) becomes (m, n, 1)); one tensor
    in, one out, else a tuple."""
    return _atleast_nd("atleast_3d", 3, tensors)


# ----------------------------------------------------------------------------- rotation and repetition
def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """``input`` rotated by 90 degrees ``k`` times in the plane of ``dims``, from the first dim towards the
    second (a copy)."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input._data.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input._data.ndim}")
    d0, d1 = input._wrap_dim(dims[0]), input._wrap_dim(dims[1])
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    turns = int(k) % 4
    if turns == 1:
        return transpose(flip(input, d1), d0, d1)
    if turns == 2:
        return flip(input, d0, d1)
    if turns == 3:
        return transpose(flip(input, d0), d0, d1)
    return input.clone()


def _repeats_array(repeats: Any) -> np.ndarray:
    """The counts of repeat_interleave as an int64 array, with PyTorch's checks of their dtype, rank and sign."""
    counts = repeats._data if isinstance(repeats, Tensor) else np.asarray(operator.index(repeats))
    if counts.dtype.kind not in "iu":
        raise RuntimeError(f"repeat_interleave: repeats must be an integer tensor (int32 or int64), got "
                           f"{repeats.dtype if isinstance(repeats, Tensor) else counts.dtype}")
    if counts.ndim > 1:
        raise RuntimeError(f"repeat_interleave: repeats must be 0-dim or 1-dim tensor, got shape "
                           f"{list(counts.shape)}")
    if (counts < 0).any():
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    return counts.astype(np.int64, copy=False)


def repeat_interleave(input: Tensor, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Each element (each slice along ``dim``; of the flattened input when ``dim`` is None) repeated
    ``repeats`` times in place: an int, or a tensor with one count per slice. With only a 1-D integer tensor,
    ``repeat_interleave(r)`` gives ``i`` repeated ``r[i]`` times. ``output_size`` (the total) is checked."""
    if repeats is None:
        counts = _repeats_array(input)
        if counts.ndim != 1:
            raise RuntimeError(f"repeat_interleave: repeats must be 1-dim tensor, got shape {list(counts.shape)}")
        index = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
        return Tensor._make(index.astype(input._data.dtype, copy=False))
    counts = _repeats_array(repeats)
    x = Reshape.apply(input, (-1,)) if dim is None else input
    d = x._wrap_dim(dim) if dim is not None else 0
    n = x._data.shape[d] if x._data.ndim else 1
    if counts.ndim == 1 and counts.size not in (1, n):
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {counts.size} and input.size({d}) = {n}")
    index = np.repeat(np.arange(n, dtype=np.int64), np.broadcast_to(counts.reshape(-1), (n,)))
    if output_size is not None and output_size != index.size:
        raise RuntimeError(f"repeat_interleave: allocated size ({output_size}) does not match required size "
                           f"({index.size})")
    return index_select(x if x._data.ndim else Reshape.apply(x, (1,)), d, Tensor._make(index))


# ----------------------------------------------------------------------------- splitting
class SplitWithSizes(Function):
    """The pieces of x along ``dim`` with the given sizes (views); the gradient is their gradients joined."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, sizes: tuple[int, ...], dim: int) -> tuple[np.ndarray, ...]:
        ctx.dim = dim
        index = [slice(None)] * x.ndim
        pieces = []
        start = 0
        for n in sizes:
            index[dim] = slice(start, start + n)
            pieces.append(x[tuple(index)])
            start += n
        return tuple(pieces)

    @staticmethod
    def backward(ctx: Function, *grads: Tensor) -> tuple[Tensor, None, None]:
        return Cat.apply(ctx.dim, *grads), None, None


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """``tensor`` cut along ``dim`` into pieces of ``split_size_or_sections`` elements (the last may be
    smaller), or into pieces of the listed sizes, which must add up to the dimension's size. Views.
    (The method names the argument ``split_size``, as PyTorch's ``Tensor.split`` does.)"""
    d = tensor._wrap_dim(dim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
        if size == 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = (size,) * (n // size) + ((n % size,) if n % size else ()) if size else ()
        return SplitWithSizes.apply(tensor, sizes or (0,), d)
    sizes = tuple(int(s) for s in split_size_or_sections)
    if any(s < 0 for s in sizes) or sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                           f"dimension {d}), but got split_sizes={list(sizes)}")
    return SplitWithSizes.apply(tensor, sizes, d)


def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """``input`` cut along ``dim`` into pieces of the listed sizes (which must add up to the dimension's size)."""
    if isinstance(split_sizes, (int, np.integer)):
        raise TypeError(f"split_with_sizes(): argument 'split_sizes' must be tuple of ints, not "
                        f"{type(split_sizes).__name__}")
    return split(input, tuple(split_sizes), dim)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``input`` cut along ``dim`` into at most ``chunks`` pieces of ceil(size / chunks) elements (views)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = input._wrap_dim(dim)
    n = input._data.shape[d]
    if n == 0:
        return SplitWithSizes.apply(input, (0,) * chunks, d)
    return split(input, -(-n // chunks), d)


class Unbind(Function):
    """The slices of x along ``dim`` (views, the dimension removed); the gradient is their gradients stacked."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int) -> tuple[np.ndarray, ...]:
        ctx.dim = dim
        lead = (slice(None),) * dim
        return tuple(x[lead + (i, Ellipsis)] for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx: Function, *grads: Tensor) -> tuple[Tensor, None]:
        return Stack.apply(ctx.dim, *grads), None


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``input`` along ``dim``, each without that dimension (views)."""
    if input._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return Unbind.apply(input, input._wrap_dim(dim))


class Narrow(Function):
    """out = x[start:start + length] along ``dim`` (a view); the gradient is padded back with zeros."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int, start: int, length: int) -> np.ndarray:
        ctx.dim, ctx.start, ctx.shape = dim, start, x.shape
        return x[(slice(None),) * dim + (slice(start, start + length),)]

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None, None]:
        d, shape = ctx.dim, ctx.shape
        after = shape[d] - ctx.start - grad._data.shape[d]
        pad = [Tensor._make(np.zeros(shape[:d] + (n,) + shape[d + 1:], grad._data.dtype))
               for n in (ctx.start, after)]
        return Cat.apply(d, pad[0], grad, pad[1]), None, None, None


def narrow(input: Tensor, dim: int, start: Any, length: int) -> Tensor:
    """The view of ``input`` of ``length`` elements from ``start`` along ``dim``."""
    if input._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = input._wrap_dim(dim)
    n = input._data.shape[d]
    start, length = int(start), int(length)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return Narrow.apply(input, d, start, length)


def tensor_split(input: Tensor, indices_or_sections: Any = None, dim: int = 0, *, sections: int | None = None,
                 indices: Sequence[int] | None = None) -> tuple[Tensor, ...]:
    """``input`` cut along ``dim`` into views: ``sections`` near-equal pieces (the first ``size % sections``
    one longer), or pieces between the listed ``indices``, read as slice bounds (negative ones count from the
    end, too large ones clamp, so pieces may be empty). ``indices_or_sections`` may be an int, a list, or a
    0-d (sections) or 1-D (indices) integer tensor. Unlike ``split``, each piece is a view of its own."""
    if input._data.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    given = [v for v in (indices_or_sections, sections, indices) if v is not None]
    if len(given) != 1:
        raise TypeError("tensor_split() takes one of indices_or_sections, sections or indices")
    how = given[0]
    if isinstance(how, Tensor):
        if how._data.dtype.kind not in "iu" or how._data.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional integer tensor, but got a {how.dtype} tensor with "
                               f"{how._data.ndim} dims")
        how = how._data.item() if how._data.ndim == 0 else how._data.tolist()
    d = input._wrap_dim(dim)
    n = input._data.shape[d]
    if isinstance(how, (int, np.integer)):
        count = int(how)
        if count <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {count}")
        bounds = [i * (n // count) + min(i, n % count) for i in range(count + 1)]
    else:
        bounds = [0, *[int(i) for i in how], n]
    pieces = []
    for start, stop in zip(bounds, bounds[1:]):
        first, last, _ = slice(start, stop).indices(n)
        pieces.append(Narrow.apply(input, d, first, max(last - first, 0)))
    return tuple(pieces)


class Unfold(Function):
    """out = every window of ``size`` elements along ``dim``, ``step`` apart, as a new last dim (a view)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, dim: int, size: int, step: int) -> np.ndarray:
        ctx.args = x.shape, dim, size, step
        count = (x.shape[dim] - size) // step + 1
        strides = x.strides[:dim] + (x.strides[dim] * step,) + x.strides[dim + 1:] + (x.strides[dim],)
        shape = x.shape[:dim] + (count,) + x.shape[dim + 1:] + (size,)
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=x.flags.writeable)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None, None]:
        return UnfoldGrad.apply(grad, *ctx.args), None, None, None


class UnfoldGrad(Function):
    """out = zeros of ``shape`` with each window's gradient added back where the window reads (unfold's
    backward; overlapping windows add up)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, grad: np.ndarray, shape: tuple[int, ...], dim: int, size: int,
                step: int) -> np.ndarray:
        ctx.args = dim, size, step
        out = np.zeros(shape, dtype=grad.dtype)
        count = grad.shape[dim]
        for k in range(size):
            target = out[(slice(None),) * dim + (slice(k, k + step * (count - 1) + 1, step),)]
            target += grad[..., k]
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None, None, None]:
        return Unfold.apply(grad, *ctx.args), None, None, None, None


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """A view of every slice of ``size`` elements along ``dimension``, ``step`` apart, with the window as a
    new last dimension: ``arange(7.).unfold(0, 2, 2)`` has rows [0, 1], [2, 3], [4, 5]."""
    x = input if input._data.ndim else input.reshape(1)
    d = x._wrap_dim(dimension)
    n = x._data.shape[d]
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    out = Unfold.apply(x, d, int(size), int(step))
    return out if input._data.ndim else out.reshape(int(size))       # PyTorch: a 0-d input gives (size,)


# ----------------------------------------------------------------------------- strides
def _contiguous_strides(shape: tuple[int, ...]) -> list[int]:
    """Row-major element strides of ``shape`` (a size-0 dim counts as 1, as in PyTorch)."""
    strides, step = [0] * len(shape), 1
    for d in range(len(shape) - 1, -1, -1):
        strides[d] = step
        step *= max(shape[d], 1)
    return strides


def _view_strides(x: Tensor) -> list[int]:
    """The element strides of a view as PyTorch's view ops set them: the real ones in its base's row-major
    order; a new size-1 dim gets the next dim's extent, as ``unsqueeze`` gives."""
    base = x._base
    assert base is not None   # only views come here
    data = x._data
    if base._data.flags.c_contiguous:
        strides = [s // data.itemsize for s in data.strides]
    else:   # a base kept in a private layout (a convolution's output): steps between row-major positions
        corner = data[tuple(slice(0, 2) for _ in data.shape)]
        positions = positions_in(base._data, corner) if corner.size else np.zeros(corner.shape, np.int64)
        origin = positions[(0,) * data.ndim] if corner.size else 0
        strides = [int(positions[tuple(1 if k == d else 0 for k in range(data.ndim))] - origin)
                   if n > 1 else 0 for d, n in enumerate(data.shape)]   # size-1 dims: set below
    for d in range(data.ndim - 1, -1, -1):
        if data.shape[d] == 1 and strides[d] == 0:   # NumPy's new axis; PyTorch's unsqueeze stride instead
            strides[d] = strides[d + 1] * max(data.shape[d + 1], 1) if d + 1 < data.ndim else 1
    return strides


def stride(input: Tensor, dim: int | None = None) -> Any:
    """The element strides of ``input`` as PyTorch reports them: row-major for a tensor that owns its memory,
    the view's steps through its base's memory for a view (0 along an expanded dim); one int with ``dim``."""
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError(f"stride(): argument 'dim' (position 1) must be int, not {type(dim).__name__}")
    strides = _view_strides(input) if input._base is not None else _contiguous_strides(input._data.shape)
    return tuple(strides) if dim is None else strides[input._wrap_dim(dim)]


def is_contiguous(input: Tensor, *, memory_format: memory_formats.memory_format = memory_formats.contiguous_format
                  ) -> bool:
    """Whether ``input``'s strides (``stride()``) are those of ``memory_format``'s dim order: row-major by
    default, (N, H, W, C) for ``channels_last`` (4-D tensors only), (N, D, H, W, C) for ``channels_last_3d``;
    dims of size 1 never matter."""
    if not isinstance(memory_format, memory_formats.memory_format):
        raise TypeError(f"is_contiguous(): argument 'memory_format' must be microtensor.memory_format, not "
                        f"{type(memory_format).__name__}")
    shape = input._data.shape
    order = memory_format.order
    if order is None:
        if input._base is None or input._data.size == 0:
            return True
        order = tuple(range(len(shape) - 1, -1, -1))
    elif len(order) != len(shape):
        return False
    strides, expected = stride(input), 1
    for d in order:
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True

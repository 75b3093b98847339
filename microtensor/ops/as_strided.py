"""``as_strided`` and ``as_strided_``: a view of a tensor's memory with any sizes, element strides and storage
offset, read (as PyTorch reads them) in the storage of the tensor that owns the memory.

The storage is the owner's elements in row-major order (``stride()`` reports the same order); a position in
it is ``storage_offset + sum(i_k * stride_k)``. The result is a NumPy view of that memory, so writes through
it reach the owner and the view mechanism (``_base``, version counter, ``refresh_view``) covers it as any
other view. The gradient, as PyTorch's ``as_strided_backward``: the output's gradient is added into a
storage-sized buffer at the positions it read, and the input gets the buffer at its own positions.
"""
from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor.autograd.function import Function
from microtensor.ops.checks import tensor_input
from microtensor.ops.inplace import check_inplace, restride_inplace
from microtensor.ops.views import positions_in
from microtensor.tensor import Tensor


def storage_positions(op: str, storage_size: int, itemsize: int, size: Sequence[int], stride: Sequence[int],
                      storage_offset: int) -> np.ndarray:
    """The storage position of every element of a tensor with ``size``, ``stride`` and ``storage_offset``,
    shaped as ``size``; PyTorch's errors for negative strides and for positions past the storage's end."""
    sizes = tuple(operator.index(n) for n in size)
    strides = tuple(operator.index(s) for s in stride)
    offset = operator.index(storage_offset)
    if len(sizes) != len(strides):
        raise RuntimeError(f"mismatch in length of strides and shape: {op} got size {list(sizes)} and stride "
                           f"{list(strides)}")
    if any(s < 0 for s in strides):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(strides)}")
    if any(n < 0 for n in sizes):
        raise RuntimeError(f"{op}: negative dimension in size {list(sizes)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    needed = 0 if 0 in sizes else offset + 1 + sum((n - 1) * s for n, s in zip(sizes, strides))
    if needed > storage_size:
        raise RuntimeError(f"setStorage: sizes {list(sizes)}, strides {list(strides)}, storage offset {offset}, "
                           f"and itemsize {itemsize} requiring a storage size of {needed * itemsize} are out of "
                           f"bounds for storage of size {storage_size * itemsize}")
    positions = np.full(sizes, offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(sizes, strides)):
        positions += (np.arange(n, dtype=np.int64) * s).reshape((n,) + (1,) * (len(sizes) - d - 1))
    return positions


def owner_of(input: Tensor) -> Tensor:
    """The tensor that owns ``input``'s memory: its base for a view, else itself."""
    return input if input._base is None else input._base


def offset_in_storage(input: Tensor) -> int:
    """``input.storage_offset()``: where its first element sits in its owner's row-major storage."""
    owner = owner_of(input)
    if owner is input or input._data.size == 0:
        return 0
    first = input._data[(slice(0, 1),) * input._data.ndim]     # a view: reshape(-1) could copy
    return int(positions_in(owner._data, first).reshape(-1)[0])


class AsStrided(Function):
    """out = the elements of ``owner``'s storage at ``positions`` (a view when the owner is row-major). The
    gradient: out's gradient summed into the storage, read back at the input's own positions (averaged over
    the elements of an expanded input that share one location, as PyTorch does)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, owner: np.ndarray, positions: np.ndarray, sizes: tuple,
                strides: tuple, offset: int) -> np.ndarray:
        ctx.positions, ctx.storage_size = positions, owner.size
        ctx.input_positions = positions_in(owner, x)
        if not owner.flags.c_contiguous:     # a private layout: no NumPy view reads row-major positions
            return owner.reshape(-1)[positions.reshape(-1)].reshape(positions.shape)
        item = owner.itemsize
        return np.lib.stride_tricks.as_strided(owner.reshape(-1)[offset:], sizes, tuple(s * item for s in strides))

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None, None, None, None]:
        storage = Tensor._make(np.zeros(ctx.storage_size, grad._data.dtype))
        storage = storage.index_put((Tensor._make(ctx.positions.reshape(-1)),), grad.reshape(-1), accumulate=True)
        mine = ctx.input_positions
        out = storage[Tensor._make(mine.reshape(-1))].reshape(mine.shape)
        counts = np.bincount(mine.reshape(-1), minlength=ctx.storage_size)
        if mine.size and counts.max() > 1:
            out = out / Tensor._make(counts[mine].astype(grad._data.dtype))
        return out, None, None, None, None, None


def as_strided(input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None) -> Tensor:
    """A view of ``input``'s memory with the given ``size`` and element ``stride``, starting at
    ``storage_offset`` (by default ``input``'s own) in the storage of the tensor that owns the memory.
    Elements may overlap; writing through an overlapping view is refused as PyTorch refuses it."""
    tensor_input("as_strided", input)
    owner = owner_of(input)
    offset = offset_in_storage(input) if storage_offset is None else storage_offset
    positions = storage_positions("as_strided", owner._data.size, owner._data.itemsize, size, stride, offset)
    sizes = tuple(int(n) for n in positions.shape)
    return AsStrided.apply(input, owner._data, positions, sizes, tuple(int(s) for s in stride), int(offset))


def as_strided_(input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None
                ) -> Tensor:
    """``as_strided`` in place: ``input`` takes the given size, strides and storage offset; returns it."""
    check_inplace(input)
    return restride_inplace(input, as_strided(input, size, stride, storage_offset))


def storage_positions_of(op: str, input: Tensor, size: Any, stride: Any, storage_offset: int | None) -> np.ndarray:
    """The row-major positions in ``input`` (as a fresh copy's storage) of ``input.as_strided(size, stride,
    storage_offset)``; offset 0 by default."""
    return storage_positions(op, input._data.size, input._data.itemsize, size, stride, storage_offset or 0)

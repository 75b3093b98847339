"""Shape conveniences built on ``shape.py``'s views: ravel, h/v/dsplit, H/mH/adjoint, swapaxes_/swapdims_,
sum_to_size, broadcast_tensors/broadcast_shapes and unravel_index (PyTorch's names, arguments and errors)."""
from __future__ import annotations

import operator
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor.ops.broadcasting import broadcast_shapes as broadcast_shape_of
from microtensor.ops.broadcasting import unbroadcast
from microtensor.ops.checks import tensor_input
from microtensor.ops.shape import expand, ints_arg, matrix_transpose, reshape, t, tensor_split, transpose_
from microtensor.tensor import Size, Tensor


def ravel(input: Tensor) -> Tensor:
    """``input`` flattened to 1-D, in row-major order (a view when its layout allows, else a copy)."""
    tensor_input("ravel", input)
    return reshape(input, -1)


def _split_along(op: str, input: Tensor, indices_or_sections: Any, dim: int, min_dims: int) -> tuple[Tensor, ...]:
    """``tensor_split`` along ``dim`` with the checks of ``torch.hsplit``/``vsplit``/``dsplit``: at least
    ``min_dims`` dims, and an int number of sections must divide the dimension's size."""
    tensor_input(op, input)
    if input._data.ndim < min_dims:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {min_dims} dimension, but got a tensor "
                           f"with {input._data.ndim} dimensions!")
    if isinstance(indices_or_sections, (int, np.integer)):
        n, sections = input._data.shape[dim], int(indices_or_sections)
        if sections == 0 or n % sections:
            raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {n} is not divisible by the split_size {sections}!")
        return tensor_split(input, sections, dim)
    return tensor_split(input, list(indices_or_sections), dim)


def hsplit(input: Tensor, indices_or_sections: int | Sequence[int]) -> tuple[Tensor, ...]:
    """``input`` split horizontally (along dim 1, or dim 0 of a 1-D tensor) into ``indices_or_sections``
    equal pieces (an int that must divide the size) or at the listed indices; views."""
    dim = 0 if isinstance(input, Tensor) and input._data.ndim == 1 else 1
    return _split_along("hsplit", input, indices_or_sections, dim, 1)


def vsplit(input: Tensor, indices_or_sections: int | Sequence[int]) -> tuple[Tensor, ...]:
    """``input`` (at least 2-D) split vertically, along dim 0, as ``hsplit`` splits; views."""
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections: int | Sequence[int]) -> tuple[Tensor, ...]:
    """``input`` (at least 3-D) split depth-wise, along dim 2, as ``hsplit`` splits; views."""
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


def conj_transpose(input: Tensor) -> Tensor:
    """``Tensor.H``: the (conjugate) transpose of a matrix, a view; real tensors have no conjugate to take."""
    if input._data.ndim == 0:
        warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().", UserWarning, stacklevel=2)
        return t(input)
    if input._data.ndim != 2:
        message = "For batches of matrices, consider using tensor.mH" if input._data.ndim > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {input._data.ndim}-D "
                           f"tensor. {message}".rstrip())
    return t(input)


def matrix_conj_transpose(input: Tensor) -> Tensor:
    """``Tensor.mH``: the (conjugate) transpose of the last two dims, a view."""
    if input._data.ndim < 2:
        raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got "
                           f"{input._data.ndim}-D tensor.")
    return matrix_transpose(input)


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims (``input.mH``), a view."""
    tensor_input("adjoint", input)
    if input._data.ndim < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                           f"{input._data.ndim}-D tensor.")
    return matrix_transpose(input)


def swapaxes_(self: Tensor, axis0: int, axis1: int) -> Tensor:
    """In-place ``swapaxes``: ``self``'s dims ``axis0`` and ``axis1`` swap; returns ``self``."""
    return transpose_(self, axis0, axis1)


def swapdims_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """In-place ``swapdims``: ``self``'s dims ``dim0`` and ``dim1`` swap; returns ``self``."""
    return transpose_(self, dim0, dim1)


def sum_to_size(self: Tensor, *size: Any) -> Tensor:
    """``self`` summed down to ``size`` (ints, or one sequence), which must broadcast to ``self``'s shape:
    the reverse of ``expand``, as a gradient is reduced to its input's shape."""
    shape = ints_arg("sum_to_size", "size", size)
    have = self._data.shape
    lead = len(have) - len(shape)
    if lead < 0 or any(n != 1 and n != have[lead + i] for i, n in enumerate(shape)):
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(have)}}}.")
    return unbroadcast(self, shape)


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """``tensors`` expanded to their common broadcast shape (views, no copies)."""
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"broadcast_tensors(): argument 'tensors' (position {i}) must be Tensor, not "
                            f"{type(x).__name__}")
    shape = broadcast_shape_of("broadcast_tensors", *[x._data.shape for x in tensors])
    return tuple(expand(x, shape) for x in tensors)


def broadcast_shapes(*shapes: int | Sequence[int]) -> Size:
    """The shape that tensors of ``shapes`` (ints or sequences of ints) broadcast to, as a ``Size``."""
    dims = []
    for s in shapes:
        dims.append((operator.index(s),) if isinstance(s, (int, np.integer)) else tuple(operator.index(n) for n in s))
    if any(n < 0 for d in dims for n in d):
        raise ValueError("Attempting to broadcast a dimension with negative length!")
    result: list[int] = []
    for i, d in enumerate(dims):
        for k in range(1, len(d) + 1):
            n = d[-k]
            if k > len(result):
                result.insert(0, n)
            elif result[-k] == 1 or n == result[-k]:
                result[-k] = n
            elif n != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {n} at {-k}! Mismatching "
                                   f"argument at index {i} had {d}; but expected shape should be broadcastable "
                                   f"to {result}")
    return Size(result)


def unravel_index(indices: Tensor, shape: int | Sequence[int]) -> tuple[Tensor, ...]:
    """The coordinates, in a tensor of ``shape``, of the flat (row-major) ``indices``: one int64 tensor per
    dim, each of ``indices``'s shape. Out-of-range and negative indices wrap, as PyTorch computes them."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"unravel_index(): argument 'indices' must be Tensor, not {type(indices).__name__}")
    if indices._data.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    dims = (operator.index(shape),) if isinstance(shape, (int, np.integer)) else tuple(operator.index(n) for n in shape)
    if any(n < 0 for n in dims):
        raise ValueError(f"'shape' cannot have negative values, but got {dims}")
    flat = indices._data.astype(np.int64)
    coefficients = np.cumprod((1,) + dims[:0:-1])[::-1]
    return tuple(Tensor._make(np.remainder(np.floor_divide(flat, c), n) if n else np.zeros_like(flat))
                 for c, n in zip(coefficients, dims))

"""Empty tensors with chosen strides: ``empty_strided``, ``Tensor.new_empty_strided`` and ``empty_permuted``.

The memory is a fresh 1-D array large enough for the strides; the tensor is its ``as_strided`` view, so
``stride()`` reports the strides asked for and every op treats it as the view it is.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.creation import size_arg
from microtensor.devices import check_cpu
from microtensor.ops.as_strided import as_strided
from microtensor.ops.shape import ints_arg
from microtensor.tensor import Tensor


def _strided(op: str, size: Sequence[int], stride: Sequence[int], dtype: Any, requires_grad: bool,
             device: Any) -> Tensor:
    check_cpu(device)
    shape = size_arg(op, (), tuple(size))
    steps = ints_arg(op, "stride", (), tuple(stride))
    if len(shape) != len(steps):
        raise RuntimeError(f"dimensionality of sizes ({len(shape)}) must match dimensionality of strides "
                           f"({len(steps)})")
    np_dtype = (dtypes.to_dtype(dtype, op) if dtype is not None else dtypes.get_default_dtype()).np
    needed = 0 if 0 in shape else 1 + sum((n - 1) * s for n, s in zip(shape, steps))
    out = as_strided(Tensor._make(np.zeros(needed, np_dtype)), shape, steps, 0)
    return out.requires_grad_(True) if requires_grad else out


def empty_strided(size: Sequence[int], stride: Sequence[int], *, dtype: Any = None, layout: Any = None,
                  device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A tensor of shape ``size`` whose ``stride()`` is ``stride`` (element strides into fresh memory); its
    values are unspecified (zeros here)."""
    return _strided("empty_strided", size, stride, dtype, requires_grad, device)


def new_empty_strided(self: Tensor, size: Sequence[int], stride: Sequence[int], *, dtype: Any = None,
                      device: Any = None, requires_grad: bool = False) -> Tensor:
    """``empty_strided`` with ``self``'s dtype unless ``dtype`` is given."""
    return _strided("new_empty_strided", size, stride, self.dtype if dtype is None else dtype, requires_grad,
                    device)


def empty_permuted(size: Sequence[int], physical_layout: Sequence[int], *, dtype: Any = None, layout: Any = None,
                   device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """An empty tensor of shape ``size`` whose memory holds its dims in the order ``physical_layout`` (the
    last one innermost): ``empty_permuted((N, C, H, W), (0, 2, 3, 1))`` is channels-last."""
    shape = size_arg("empty_permuted", (), tuple(size))
    order = ints_arg("empty_permuted", "physical_layout", (), tuple(physical_layout))
    if len(order) != len(shape):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the physical_layout; i.e. "
                           f"len(size) = {len(shape)} is not equal to len(physical_layout) = {len(order)}")
    if sorted(order) != list(range(len(shape))):
        raise RuntimeError("Duplicate dim not allowed" if len(set(order)) != len(order) else
                           f"empty_permuted: physical_layout {list(order)} is not a permutation of the dims")
    strides = [0] * len(shape)
    step = 1
    for d in reversed(order):
        strides[d] = step
        step *= max(shape[d], 1)
    return _strided("empty_permuted", shape, strides, dtype, requires_grad, device)

"""``resize_`` and ``resize_as_`` (change a tensor's shape and size in place, as PyTorch's storage resize does)
and the deprecated out-of-place ``Tensor.resize``/``resize_as`` (autograd's shape change, numel kept).

``resize_`` keeps the storage when it is large enough: the tensor becomes the row-major run of
``prod(size)`` elements from its storage offset (shrinking keeps the first ones); when it grows, its values
are copied into new memory and the new elements are unspecified (zeros here). A tensor that requires grad
cannot be resized, as in PyTorch.
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from microtensor.ops.as_strided import offset_in_storage, owner_of
from microtensor.ops.checks import tensor_input
from microtensor.ops.shape import ints_arg, reshape
from microtensor.tensor import Tensor, bump_version


def resize_(self: Tensor, *sizes: Any, memory_format: Any = None) -> Tensor:
    """Give ``self`` the shape ``sizes`` in place, keeping its storage (and the values in it) where it holds
    enough elements; returns ``self``."""
    shape = ints_arg("resize_", "size", sizes)
    if any(n < 0 for n in shape):
        raise RuntimeError(f"resize_: negative dimension in the requested size {list(shape)}")
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    storage = owner_of(self)._data
    offset = offset_in_storage(self)
    n = math.prod(shape)
    if storage.flags.c_contiguous and offset + n <= storage.size:
        self._data = storage.reshape(-1)[offset:offset + n].reshape(shape)
    else:
        grown = np.zeros(n, storage.dtype)
        kept = np.ascontiguousarray(storage).reshape(-1)[offset:offset + n]
        grown[:kept.size] = kept
        self._data = grown.reshape(shape)
        self._base = None
    bump_version(self)
    return self


def resize_as_(input: Tensor, the_template: Tensor, *, memory_format: Any = None) -> Tensor:
    """``input.resize_(the_template.shape)``."""
    tensor_input("resize_as_", the_template, "the_template", 2)
    return resize_(input, the_template._data.shape)


def _resized(op: str, input: Tensor, shape: tuple[int, ...]) -> Tensor:
    warnings.warn(f"non-inplace {op} is deprecated", UserWarning, stacklevel=3)
    if math.prod(shape) != input._data.size:
        raise RuntimeError(f"requested resize to {'x'.join(map(str, shape))} ({math.prod(shape)} elements in "
                           f"total), but the given tensor has a size of {'x'.join(map(str, input._data.shape))} "
                           f"({input._data.size} elements). autograd's resize can only change the shape of a given "
                           "tensor, while preserving the number of elements. ")
    return reshape(input, shape)


def resize(self: Tensor, *sizes: Any) -> Tensor:
    """Deprecated (it warns): ``self`` with shape ``sizes``, which must hold as many elements (autograd's
    resize, differentiable); use ``reshape``, or ``resize_`` to change the size."""
    return _resized("resize", self, ints_arg("resize", "size", sizes))


def resize_as(self: Tensor, tensor: Tensor) -> Tensor:
    """Deprecated (it warns): ``self.resize(tensor.shape)``."""
    return _resized("resize_as", self, tensor_input("resize_as", tensor, "tensor")._data.shape)

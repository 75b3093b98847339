"""Creation functions kept for old scripts and for scalars: ``range`` (deprecated, inclusive end),
``scalar_tensor`` and the legacy constructor method ``Tensor.new``."""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.creation import empty, tensor
from microtensor.devices import check_cpu
from microtensor.tensor import Size, Tensor

_NUMBERS = (int, float, bool, np.number, np.bool_)


def range(start: float = 0, end: float | None = None, step: float = 1, *, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Deprecated (it warns, as PyTorch does): values from ``start`` to ``end`` *inclusive* by ``step``, in the
    default float dtype unless ``dtype`` is given; ``arange`` is the replacement (its end is exclusive)."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    check_cpu(device)
    if end is None:
        raise TypeError("range(): missing the required argument 'end' (the last value, included)")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    count = math.floor((end - start) / step) + 1
    np_dtype = (dtypes.to_dtype(dtype, "range") if dtype is not None else dtypes.get_default_dtype()).np
    t = Tensor._make((start + np.arange(count, dtype=np.float64) * step).astype(np_dtype))
    return t.requires_grad_(True) if requires_grad else t


def scalar_tensor(s: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding the number ``s``, in the default float dtype unless ``dtype`` is given."""
    if isinstance(s, Tensor) and s._data.ndim == 0:
        s = s.item()
    if not isinstance(s, _NUMBERS):
        raise TypeError(f"scalar_tensor(): argument 's' (position 1) must be Number, not {type(s).__name__}")
    return tensor(s, dtype=dtypes.get_default_dtype() if dtype is None else dtype, device=device,
                  requires_grad=requires_grad)


def new(self: Tensor, *args: Any, device: Any = None) -> Tensor:
    """The legacy constructor, in ``self``'s dtype: ``x.new()`` is empty, ``x.new(2, 3)`` and
    ``x.new(Size([2, 3]))`` are uninitialized (zeros here) of that shape, ``x.new([1, 2])`` (a list or tuple)
    copies the data, and ``x.new(t)`` aliases a tensor ``t`` of the same dtype. Takes no ``dtype``: use
    ``new_tensor``/``new_empty`` for that."""
    check_cpu(device)
    if len(args) == 1 and isinstance(args[0], Tensor):
        other = args[0]
        if other.dtype != self.dtype:
            raise TypeError(f"new(): expected a tensor of dtype {self.dtype}, got one of {other.dtype}")
        return other.detach()
    if len(args) == 1 and not isinstance(args[0], (Size, *_NUMBERS)):
        return tensor(args[0], dtype=self.dtype)
    if not args:
        return empty(0, dtype=self.dtype)
    return empty(*args, dtype=self.dtype)

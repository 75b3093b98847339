"""``asarray`` and ``frombuffer``: tensors over memory that already exists (a tensor, a NumPy array, a Python
buffer), sharing it where PyTorch shares it and copying only where it must or is asked to."""
from __future__ import annotations

import array
import warnings
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.creation import from_numpy, tensor
from microtensor.devices import check_cpu
from microtensor.ops.checks import torch_dtype_name
from microtensor.tensor import Tensor

_BUFFERS = (bytes, bytearray, memoryview, array.array)


def frombuffer(buffer: Any, *, dtype: Any, count: int = -1, offset: int = 0, requires_grad: bool = False) -> Tensor:
    """A 1-D tensor over the memory of a Python buffer (``bytearray``, ``memoryview``, ``array.array``, ...):
    ``count`` elements of ``dtype`` (all when -1) from byte ``offset``; writes to either show in the other.
    A read-only buffer (``bytes``) gives a read-only tensor, with PyTorch's warning."""
    np_dtype = dtypes.to_dtype(dtype, "frombuffer").np
    view = memoryview(buffer)
    length, item = view.nbytes, np_dtype.itemsize
    if length == 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if not 0 <= offset <= length - 1:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({length} bytes) minus 1")
    if count < 0:
        if (length - offset) % item:
            raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be a "
                             f"multiple of element size ({item})")
        count = (length - offset) // item
    elif offset + count * item > length:
        raise ValueError(f"requested buffer length ({count} * {item} bytes) after offset ({offset} bytes) must "
                         f"not be greater than actual buffer length ({length} bytes)")
    if view.readonly:
        warnings.warn("The given buffer is not writable, and PyTorch does not support non-writable tensors. This "
                      "means you can write to the underlying (supposedly non-writable) buffer using the tensor. You "
                      "may want to copy the buffer to protect its data or make it writable before converting it to "
                      "a tensor.", UserWarning, stacklevel=2)
    t = from_numpy(np.frombuffer(view.cast("B"), dtype=np_dtype, count=count, offset=offset))
    return t.requires_grad_(True) if requires_grad else t


def asarray(obj: Any, *, dtype: Any = None, device: Any = None, copy: bool | None = None,
            requires_grad: bool = False) -> Tensor:
    """``obj`` (a tensor, NumPy array, buffer, number or nested sequence) as a tensor. A tensor or NumPy array
    of the requested dtype is shared, not copied, unless ``copy=True``; ``copy=False`` raises where sharing is
    impossible (another dtype, Python data). A buffer is read as ``frombuffer`` reads it (in ``dtype``, by
    default the default float dtype)."""
    check_cpu(device)
    want = None if dtype is None else dtypes.to_dtype(dtype, "asarray")
    if isinstance(obj, Tensor):
        result = obj
        if want is not None and want != obj.dtype:
            if copy is False:
                raise ValueError(f"can't alias tensor with dtype '{torch_dtype_name(obj)}' into dtype "
                                 f"'{torch_dtype_name(want)}'.")
            result = obj.to(want)
        elif copy:
            result = obj.clone()
    elif isinstance(obj, np.ndarray):
        have = dtypes.from_numpy_dtype(obj.dtype)
        if want is not None and want != have:
            if copy is False:
                raise ValueError(f"can't alias NumPy array with dtype '{torch_dtype_name(have)}' into dtype "
                                 f"'{torch_dtype_name(want)}'.")
            result = from_numpy(obj.astype(want.np))
        else:
            result = from_numpy(obj.copy() if copy else obj)
    elif isinstance(obj, _BUFFERS):
        result = frombuffer(obj, dtype=want or dtypes.get_default_dtype())
        if copy:
            result = result.clone()
    else:
        if copy is False:
            raise ValueError("can't alias arbitrary sequence into a tensor.")
        result = tensor(obj, dtype=want)
    return result.requires_grad_(True) if requires_grad else result

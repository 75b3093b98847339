"""DLPack interchange: ``from_dlpack`` shares the memory of another library's CPU tensor (PyTorch, NumPy, JAX
...), ``to_dlpack`` hands a tensor's memory out as a DLPack capsule, and ``Tensor.__dlpack__`` lets other
libraries' ``from_dlpack`` take microtensor tensors, as ``torch.utils.dlpack``."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.tensor import Tensor

__all__ = ["from_dlpack", "to_dlpack"]

_CPU = (1, 0)    # DLPack's (device type kDLCPU, device id 0)


class _Capsule:
    """A bare DLPack capsule dressed as a producer, for NumPy's from_dlpack (which takes producers only)."""

    def __init__(self, capsule: Any) -> None:
        self.capsule = capsule

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self.capsule

    def __dlpack_device__(self) -> tuple[int, int]:
        return _CPU


def from_dlpack(ext_tensor: Any) -> Tensor:
    """A tensor sharing the memory of ``ext_tensor``: an object with ``__dlpack__`` (a CPU tensor of another
    library) or a DLPack capsule (consumed once, as DLPack requires).

    Raises BufferError (from NumPy) for memory NumPy cannot address: a GPU tensor or an unsupported dtype.
    The import of a bare capsule is read-only (NumPy's rule); a producer's memory is shared read-write.
    """
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    producer = ext_tensor if hasattr(ext_tensor, "__dlpack__") else _Capsule(ext_tensor)
    array = np.from_dlpack(producer)
    if not array.flags.writeable:
        try:                # a producer's memory is shared read-write, as PyTorch shares it
            array.flags.writeable = True
        except ValueError:  # NumPy keeps a bare capsule's import read-only: writes raise, they never copy
            pass
    return Tensor._make(array)


def to_dlpack(tensor: Tensor) -> Any:
    """A DLPack capsule of ``tensor``'s memory (no copy), for another library's ``from_dlpack``."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dlpack(): argument 'tensor' (position 1) must be Tensor, not {type(tensor).__name__}")
    return tensor.detach()._data.__dlpack__()

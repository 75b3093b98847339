"""``finfo`` and ``iinfo``: the numerical limits of floating-point and integer dtypes, as PyTorch gives them."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes


def _dtype_arg(op: str, t: Any) -> dtypes.dtype:
    """``op``'s ``type`` argument as a dtype: a dtype, or the Python type bool, int or float; None is the default."""
    if t is None:
        return dtypes.get_default_dtype()
    if isinstance(t, dtypes.dtype) or t in (bool, int, float):
        return dtypes.to_dtype(t, op)
    raise TypeError(f"{op}(): argument 'type' (position 1) must be microtensor.dtype, not {t.__class__.__name__}")


class finfo:
    """The limits of a floating-point dtype (the default dtype when none is given).

    Attributes:
        bits: the number of bits the type occupies.
        eps: the smallest ``e`` with ``1.0 + e != 1.0``.
        max, min: the largest and the most negative finite values.
        tiny, smallest_normal: the smallest positive normal number.
        resolution: the approximate decimal resolution, ``10 ** -precision``.
        dtype: the dtype's name (``"float32"``).
    """

    bits: int
    eps: float
    max: float
    min: float
    tiny: float
    smallest_normal: float
    resolution: float
    dtype: str

    def __init__(self, type: Any = None) -> None:  # noqa: A002 - PyTorch's parameter name
        d = _dtype_arg("finfo", type)
        if not d.is_floating_point:
            raise TypeError(f"microtensor.finfo() requires a floating point input type, got {d}. Use "
                            f"microtensor.iinfo to handle '{d}'")
        info = np.finfo(d.np)
        self.bits, self.dtype = info.bits, d.name
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision

    def __eq__(self, other: object) -> bool:
        return isinstance(other, finfo) and self.dtype == other.dtype

    __hash__ = None  # type: ignore[assignment]  # unhashable, as torch.finfo is

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """The limits of an integer dtype.

    Attributes:
        bits: the number of bits the type occupies.
        max, min: the largest and the smallest values.
        dtype: the dtype's name (``"int64"``).
    """

    bits: int
    max: int
    min: int
    dtype: str

    def __init__(self, type: Any) -> None:  # noqa: A002 - PyTorch's parameter name
        d = _dtype_arg("iinfo", type)
        if d is dtypes.bool_:
            raise TypeError("microtensor.bool is not supported by microtensor.iinfo")
        if d.is_floating_point:
            raise TypeError(f"microtensor.iinfo() requires an integer input type, got {d}. Use microtensor.finfo "
                            f"to handle '{d}'")
        info = np.iinfo(d.name)
        self.bits, self.max, self.min, self.dtype = info.bits, int(info.max), int(info.min), d.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, iinfo) and self.dtype == other.dtype

    __hash__ = None  # type: ignore[assignment]  # unhashable, as torch.iinfo is

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"

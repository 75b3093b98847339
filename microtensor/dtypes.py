"""dtype objects, the default float dtype and PyTorch's type-promotion rules."""
from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np


class dtype:
    """A tensor element type, printed and compared like ``torch.float32``.

    Args:
        name: the PyTorch name (``"float32"``).
        np_type: the NumPy dtype that stores it.
        category: 0 for bool, 1 for integers, 2 for floating point (promotion order).
    """

    __slots__ = ("name", "np", "category", "itemsize")

    def __init__(self, name: str, np_type: type, category: int) -> None:
        self.name = name
        self.np = np.dtype(np_type)
        self.category = category
        self.itemsize = self.np.itemsize

    @property
    def is_floating_point(self) -> bool:
        return self.category == 2

    def __repr__(self) -> str:
        return f"microtensor.{self.name}"

    def __reduce__(self) -> str:
        return self.name


bool_ = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, 2)        # NumPy has no bfloat16: ml_dtypes' (kind "V") stores it
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64)
_BY_NUMPY = {d.np: d for d in ALL}
BFLOAT16 = bfloat16.np
# PyTorch's table where NumPy has none or a different one: neither half type holds the other
_BFLOAT16_PROMOTIONS = {float16: float32, float32: float32, float64: float64}


def is_floating(np_dtype: np.dtype) -> bool:
    """Whether arrays of NumPy dtype ``np_dtype`` hold a microtensor floating-point dtype: kind "f", or
    bfloat16 (ml_dtypes' kind "V"). The one test for "is this float" across the code."""
    return np_dtype.kind == "f" or np_dtype == BFLOAT16


_PYTHON_TYPES = {bool: bool_, int: int64, float: float64}     # as PyTorch: float is double


class _Default:
    float = float32


def get_default_dtype() -> dtype:
    """The dtype of floating-point tensors created without an explicit dtype (float32)."""
    return _Default.float


def set_default_dtype(d: Any) -> None:
    """Set the default floating-point dtype (float32, float64, float16 or bfloat16, as in PyTorch)."""
    d = to_dtype(d, "set_default_dtype")
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the default type, got {d}")
    _Default.float = d


def to_dtype(d: Any, op: str) -> dtype:
    """``d``, the ``dtype`` argument of ``op``, as a microtensor dtype: a dtype itself, or one of the Python types
    bool, int and float (bool, int64 and float64, as in PyTorch); a name or a NumPy dtype is a TypeError."""
    if isinstance(d, dtype):
        return d
    if isinstance(d, type) and d in _PYTHON_TYPES:
        return _PYTHON_TYPES[d]
    raise TypeError(f"{op}(): argument 'dtype' must be microtensor.dtype, not {type(d).__name__} ({d!r}); valid "
                    f"dtypes: {', '.join(x.name for x in ALL)} (or the Python types bool, int and float)")


def from_numpy_dtype(npd: np.dtype) -> dtype:
    """The microtensor dtype stored as NumPy dtype ``npd``; a clear error for unsupported ones."""
    try:
        return _BY_NUMPY[npd]
    except KeyError:
        raise TypeError(f"can't convert an array of type numpy.{npd}; the only supported types are: "
                        f"{', '.join(x.name for x in ALL)}") from None


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype both ``type1`` and ``type2`` convert to without losing category (like
    torch.promote_types)."""
    if type1 is type2:
        return type1
    if type1.category != type2.category:
        return type1 if type1.category > type2.category else type2
    if type1 is bfloat16 or type2 is bfloat16:
        return _BFLOAT16_PROMOTIONS[type2 if type1 is bfloat16 else type1]
    return _BY_NUMPY[np.promote_types(type1.np, type2.np)]


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether PyTorch's casting rules allow ``from_`` to convert to ``to`` without a lower kind: a float
    never casts to an integer or bool, and only bool casts to bool."""
    for position, (name, value) in enumerate((("from_", from_), ("to", to)), 1):
        if not isinstance(value, dtype):
            raise TypeError(f"can_cast(): argument '{name}' (position {position}) must be torch.dtype, not "
                            f"{type(value).__name__}")
    if from_.category == 2 and to.category < 2:
        return False
    return not (to.category == 0 and from_.category != 0)


def _scalar_dtype(value: Any) -> dtype:
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    if isinstance(value, (float, np.floating)):
        return _Default.float
    raise TypeError(f"unsupported operand of type {type(value).__name__}; expected a Tensor or a number")


def result_type(*operands: Any) -> dtype:
    """The dtype of an op's result under PyTorch's promotion rules.

    Tensors with dimensions decide first; 0-d tensors and then Python numbers only
    raise the result's category (bool < integer < float), never its width:
    a float32 tensor times 2.5 stays float32, an int64 tensor plus 0.5 becomes
    the default float dtype.
    """
    dims = zeros = scalars = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, np.dtype) and isinstance(x, np.ndarray):   # a NumPy array counts as a tensor
            d = from_numpy_dtype(d)
        if isinstance(d, dtype):
            if x.ndim:
                dims = d if dims is None else promote_types(dims, d)
            else:
                zeros = d if zeros is None else promote_types(zeros, d)
        else:
            s = _scalar_dtype(x)
            scalars = s if scalars is None or s.category > scalars.category else scalars
    result = dims
    for tier in (zeros, scalars):
        if tier is not None and (result is None or tier.category > result.category):
            result = tier
    assert result is not None, "result_type needs at least one operand"
    return result

"""PyTorch's legacy tensor types: ``Tensor(...)``'s call forms, ``FloatTensor``-style constructors and type names.

``Tensor(3, 4)`` and ``FloatTensor(3, 4)`` make uninitialised 3x4 tensors, ``Tensor([1, 2])`` holds the data,
``Tensor(size)`` takes a ``Size``, ``Tensor(other)`` aliases another tensor, as in PyTorch. ``FloatTensor`` and
its siblings are not subclasses of ``Tensor``: ``isinstance(t, FloatTensor)`` asks whether ``t`` is a float32
tensor, and ``t.type()`` names that type (``"torch.FloatTensor"``, the string PyTorch programs compare with).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.devices import check_cpu, device
from microtensor.dtypes import is_floating
from microtensor.tensor import Size, Tensor

TYPE_NAMES = {dtypes.float32: "FloatTensor", dtypes.float64: "DoubleTensor", dtypes.float16: "HalfTensor",
              dtypes.bfloat16: "BFloat16Tensor",
              dtypes.uint8: "ByteTensor", dtypes.int8: "CharTensor", dtypes.int16: "ShortTensor",
              dtypes.int32: "IntTensor", dtypes.int64: "LongTensor", dtypes.bool_: "BoolTensor"}
_BY_NAME = {name: d for d, name in TYPE_NAMES.items()}


def type_name(d: dtypes.dtype) -> str:
    """PyTorch's type string for a CPU tensor of dtype ``d`` (``"torch.FloatTensor"``)."""
    return f"torch.{TYPE_NAMES[d]}"


def dtype_of_type(t: Any) -> dtypes.dtype:
    """The dtype ``Tensor.type(t)`` converts to: a dtype, a legacy type (``LongTensor``) or its name
    (``"torch.LongTensor"``); a ValueError names anything else, as PyTorch's does."""
    if isinstance(t, dtypes.dtype):
        return t
    if isinstance(t, LegacyTensorType):
        return t.dtype
    if isinstance(t, str):
        prefix, _, name = t.rpartition(".")
        if prefix == "torch.cuda":
            check_cpu("cuda")
        if prefix in ("torch", "microtensor") and name in _BY_NAME:
            return _BY_NAME[name]
    raise ValueError(f"invalid type: {str(t)!r}; valid types are dtypes, the legacy types and their names "
                     f"({', '.join(type_name(d) for d in TYPE_NAMES)})")


def _new_error(name: str, args: tuple, kwargs: dict) -> TypeError:
    got = ", ".join([type(a).__name__ for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()])
    return TypeError(f"{name}() received an invalid combination of arguments - got ({got}), but expected one of: "
                     f"(*, device device = None), (Tensor other), (Size size, *, device device = None), "
                     f"(int ... size, *, device device = None), (object data, *, device device = None); "
                     f"requires_grad and dtype are not arguments of the legacy constructor: use "
                     f"microtensor.tensor(data, dtype=..., requires_grad=...)")


def _is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _alias(name: str, other: Tensor, dt: dtypes.dtype | None) -> Tensor:
    if dt is not None and other.dtype is not dt:
        raise TypeError(f"{name}(): expected a tensor of dtype {dt}, got one of dtype {other.dtype}; convert it "
                        f"first (other.to({dt}))")
    return other.view_as(other)     # PyTorch's alias: same memory, same history


def _from_data(name: str, data: Any, dt: dtypes.dtype) -> Tensor:
    if isinstance(data, (bool, float, complex, np.bool_, np.floating)):
        raise TypeError(f"{name}(): data must be a sequence (got {type(data).__name__})")
    if isinstance(data, (str, bytes)):
        raise TypeError(f"{name}(): invalid data type '{type(data).__name__}'")
    if isinstance(data, np.ndarray):
        return Tensor._make(np.asarray(data, dtype=dt.np))   # shares the array's memory when the dtype matches
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        data = [x._data if isinstance(x, Tensor) else x for x in data]
    try:
        array = np.array(data)
    except ValueError as e:
        raise ValueError(f"{name}(): nested sequences must be rectangular ({e})") from None
    if not (array.dtype.kind in "biu" or is_floating(array.dtype)):
        raise TypeError(f"{name}(): could not convert {type(data).__name__} to {dt}: its elements must be numbers, "
                        f"bools or tensors")
    return Tensor._make(array.astype(dt.np))


def _uninitialised(name: str, shape: tuple, dt: dtypes.dtype) -> Tensor:
    for i, s in enumerate(shape):
        if not _is_int(s):
            raise TypeError(f"{name}(): argument 'size' failed to unpack the object at pos {i + 1} with error "
                            f"\"type must be tuple of ints,but got {type(s).__name__}\"")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return Tensor._make(np.empty(tuple(int(s) for s in shape), dt.np))


def legacy_new(name: str, dt: dtypes.dtype | None, args: tuple, kwargs: dict) -> Tensor:
    """What ``Tensor(*args, **kwargs)`` (``dt`` None: the default float dtype) or a legacy constructor such as
    ``FloatTensor(*args, **kwargs)`` returns, by PyTorch's rules:

    - ``()``: an empty 1-d tensor;
    - ``(other_tensor)``: an alias of ``other`` (same memory and history; ``Tensor`` keeps its dtype, a typed
      constructor requires its own);
    - ``(size: Size)`` or ``(int, int, ...)``: an uninitialised tensor of that shape;
    - ``(data)``: a sequence or array converted to the dtype (an array of that dtype is shared, not copied).

    ``device=`` must be the CPU; ``data=`` and ``size=`` may be given by keyword.
    """
    kwargs = dict(kwargs)
    where = kwargs.pop("device", None)
    if where is not None and device(where).type != "cpu":
        raise RuntimeError(f"legacy constructor expects device type: cpu but device type: {device(where).type} "
                           "was passed")
    if set(kwargs) - {"data", "size"} or (kwargs and args) or len(kwargs) > 1:
        raise _new_error(name, args, kwargs)
    if "data" in kwargs:
        args = (kwargs["data"],)
    elif "size" in kwargs:
        args = (Size(kwargs["size"]),)
    default = dtypes.get_default_dtype() if dt is None else dt
    if not args:
        return Tensor._make(np.empty((0,), default.np))
    first = args[0]
    if len(args) == 1:
        if isinstance(first, Tensor):
            return _alias(name, first, dt)
        if isinstance(first, Size):
            return _uninitialised(name, tuple(first), default)
        if _is_int(first):
            return _uninitialised(name, (first,), default)
        return _from_data(name, first, default)
    if not _is_int(first):
        raise _new_error(name, args, kwargs)
    return _uninitialised(name, args, default)


class LegacyTensorType(type):
    """The metaclass of ``FloatTensor`` and its siblings: calling one makes a tensor of its dtype with the
    legacy call forms; ``isinstance(t, FloatTensor)`` is whether ``t`` is a tensor of that dtype."""

    dtype: dtypes.dtype

    def __call__(cls, *args: Any, **kwargs: Any) -> Tensor:
        return legacy_new(cls.__name__, cls.dtype, args, kwargs)

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj._data.dtype == cls.dtype.np


def _legacy_type(d: dtypes.dtype) -> LegacyTensorType:
    name = TYPE_NAMES[d]
    doc = (f"``{name}(*sizes)``, ``{name}(size)``, ``{name}(data)`` or ``{name}(tensor)``: a CPU tensor of dtype "
           f"{d.name}, with ``Tensor``'s legacy call forms; ``isinstance(t, {name})`` tells a {d.name} tensor.")
    return LegacyTensorType(name, (), {"dtype": d, "__doc__": doc, "__module__": "microtensor"})


FloatTensor = _legacy_type(dtypes.float32)
DoubleTensor = _legacy_type(dtypes.float64)
HalfTensor = _legacy_type(dtypes.float16)
BFloat16Tensor = _legacy_type(dtypes.bfloat16)
ByteTensor = _legacy_type(dtypes.uint8)
CharTensor = _legacy_type(dtypes.int8)
ShortTensor = _legacy_type(dtypes.int16)
IntTensor = _legacy_type(dtypes.int32)
LongTensor = _legacy_type(dtypes.int64)
BoolTensor = _legacy_type(dtypes.bool_)

"""Input validation shared by the op families, with one message style (PyTorch's wording).

An argument of the wrong type raises PyTorch's TypeError, ``op(): argument 'input' (position 1) must be Tensor,
not list``; a tensor of the wrong dtype raises RuntimeError, ``op(): expected a floating point input, got Long``,
the dtype spelled as PyTorch's messages spell it (``torch_dtype_name``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.dtypes import is_floating
from microtensor.tensor import Tensor

# PyTorch's names for dtypes in its error messages ("Got: Long")
_TORCH_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
                "float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double"}


def torch_dtype_name(x: Tensor | dtypes.dtype) -> str:
    """The dtype of ``x`` (a tensor or a dtype) as PyTorch's error messages spell it (``Long``, ``Float``)."""
    return _TORCH_NAMES[(x.dtype if isinstance(x, Tensor) else x).name]


def _not_a_tensor(op: str, x: Any, name: str = "input", position: int = 1) -> TypeError:
    """PyTorch's TypeError for an argument that is not a Tensor."""
    return TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not {type(x).__name__}")


def tensor_input(op: str, x: Any, name: str = "input", position: int = 1) -> Tensor:
    """``x`` itself when it is a Tensor, else PyTorch's TypeError naming the argument and its position."""
    if not isinstance(x, Tensor):
        raise _not_a_tensor(op, x, name, position)
    return x


def tensor_inputs(op: str, **args: Any) -> None:
    """``tensor_input`` for each argument of ``op``, ``args`` given in positional order."""
    for position, (name, x) in enumerate(args.items(), 1):
        tensor_input(op, x, name, position)


def floating_input(op: str, x: Any) -> Tensor:
    """The input of a float-only op: a floating-point Tensor, else PyTorch's TypeError or RuntimeError."""
    if not isinstance(x, Tensor):       # checked inline, not through tensor_input: every call of the op runs it
        raise _not_a_tensor(op, x)
    if not is_floating(x._data.dtype):
        raise RuntimeError(f"{op}(): expected a floating point input, got {torch_dtype_name(x)}")
    return x


def to_float_input(op: str, x: Any) -> Tensor:
    """The input of a unary float op: a Tensor (else PyTorch's TypeError), integers converted to the default
    float dtype as PyTorch's unary math does."""
    if not isinstance(x, Tensor):       # checked inline, not through tensor_input: every call of the op runs it
        raise _not_a_tensor(op, x)
    return x if is_floating(x._data.dtype) else x.to(dtypes.get_default_dtype())


def floating_dtype(op: str, **tensors: Tensor | None) -> np.dtype:
    """The one floating dtype of the given tensors (None ones skipped), else an error naming each dtype."""
    dts = {k: t._data.dtype for k, t in tensors.items() if t is not None}
    if any(not is_floating(dt) for dt in dts.values()) or len(set(dts.values())) > 1:
        described = ", ".join(f"{k} {dt.name}" for k, dt in dts.items())
        raise RuntimeError(f"{op}(): expected floating point tensors of one dtype, got {described}")
    return next(iter(dts.values()))

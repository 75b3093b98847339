"""fmax and fmin: the elementwise maximum and minimum that ignore a NaN when the other operand is a number
(NumPy's ``fmax``/``fmin``), with PyTorch's gradient: ties and NaN pairs send the whole gradient to ``input``."""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from microtensor.autograd.function import Function
from microtensor.ops.broadcasting import promote, unbroadcast
from microtensor.ops.checks import tensor_input
from microtensor.ops.elementwise import MulMask, apply_binary
from microtensor.tensor import Tensor


class Fmax(Function):
    """out = max(a, b), the number where one of them is NaN. As PyTorch: d/da is grad where a >= b or b is
    NaN, d/db is grad elsewhere."""
    on_arrays = True
    ufunc: ClassVar[np.ufunc] = np.fmax           # ufuncs are not descriptors: cls.ufunc(a, b) just calls
    input_wins: ClassVar[np.ufunc] = np.greater_equal

    @classmethod
    def forward(cls, ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return cls.ufunc(a, b)

    @classmethod
    def backward(cls, ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        ad, bd = a._data, b._data
        wins = cls.input_wins(ad, bd) | np.isnan(bd)
        return (unbroadcast(MulMask.apply(grad, wins), ad.shape) if ctx.needs_input_grad[0] else None,
                unbroadcast(MulMask.apply(grad, ~wins), bd.shape) if ctx.needs_input_grad[1] else None)


class Fmin(Fmax):
    """out = min(a, b), the number where one of them is NaN; d/da is grad where a <= b or b is NaN."""
    on_arrays = True
    ufunc = np.fmin
    input_wins = np.less_equal


def _operands(op: str, input: Tensor, other: Tensor) -> tuple[Tensor, Tensor]:
    tensor_input(op, input)
    tensor_input(op, other, "other", 2)
    return promote(input, other)


def fmax(input: Tensor, other: Tensor) -> Tensor:
    """The elementwise maximum of ``input`` and ``other``, broadcasting; where exactly one of them is NaN the
    other is taken (``maximum`` propagates NaN instead)."""
    return apply_binary(Fmax, "fmax", *_operands("fmax", input, other))


def fmin(input: Tensor, other: Tensor) -> Tensor:
    """The elementwise minimum of ``input`` and ``other``, broadcasting; where exactly one of them is NaN the
    other is taken (``minimum`` propagates NaN instead)."""
    return apply_binary(Fmin, "fmin", *_operands("fmin", input, other))

"""In-place ops (``add_``, ``mul_``, ``+=``, ...): PyTorch's rules on leaves, version counters, rebased history.

An in-place op computes its out-of-place twin and writes the result into the
tensor's own memory (so NumPy views of it see the change), bumps the version
counter (so a backward that saved the old value raises), and, when grad is
recorded, makes the twin's node the tensor's new ``grad_fn``.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from microtensor.autograd.grad_mode import GradMode
from microtensor.ops import elementwise as ew
from microtensor.ops.broadcasting import Operand
from microtensor.tensor import Tensor


def check_inplace(t: Tensor) -> None:
    """PyTorch's rule: a leaf that requires grad may not be modified in place while grad mode is on."""
    if t._requires_grad and t.grad_fn is None and GradMode.enabled:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


def _requires_grad(x: Any) -> bool:
    return isinstance(x, Tensor) and x._requires_grad


def apply_inplace(self: Tensor, op: str, out_of_place: Callable[..., Tensor], *args: Any,
                  ufunc: np.ufunc | None = None, **kwargs: Any) -> Tensor:
    """Write ``out_of_place(self, *args, **kwargs)`` into ``self`` and return ``self``.

    Args:
        self: the tensor modified in place.
        op: the op's name, for errors.
        out_of_place: the differentiable out-of-place version of the op.
        ufunc: a NumPy ufunc computing the op in place (used when nothing is recorded).
    """
    check_inplace(self)
    record = GradMode.enabled and (self._requires_grad or any(_requires_grad(a) for a in args))
    if not record and ufunc is not None and not kwargs:
        other = args[0]._data if isinstance(args[0], Tensor) else args[0]
        try:
            ufunc(self._data, other, out=self._data, casting="same_kind")
        except TypeError:  # NumPy's casting error, e.g. a float result into an int tensor
            _raise_cast(op, self, out_of_place(self.detach(), *args))
        except ValueError:
            result = out_of_place(self.detach(), *args)   # raises the op's own broadcasting error
            _raise_shape(op, self, result)
        self._vc[0] += 1
        return self
    if record:
        old = Tensor._make(self._data.copy(), self._requires_grad)
        old.grad_fn, old._output_nr = self.grad_fn, self._output_nr
    else:
        old = self.detach()
    result = out_of_place(old, *args, **kwargs)
    if result._data.shape != self._data.shape:
        _raise_shape(op, self, result)
    if result._data.dtype != self._data.dtype:
        if not np.can_cast(result._data.dtype, self._data.dtype, "same_kind"):
            _raise_cast(op, self, result)
        result = result.to(self.dtype)
    self._data[...] = result._data
    if record:
        self.grad_fn, self._output_nr, self._requires_grad = result.grad_fn, result._output_nr, result._requires_grad
    self._vc[0] += 1
    return self


def _raise_shape(op: str, self: Tensor, result: Tensor) -> None:
    raise RuntimeError(f"{op}: output with shape {list(self.shape)} doesn't match the broadcast shape "
                       f"{list(result.shape)}")


def _raise_cast(op: str, self: Tensor, result: Tensor) -> None:
    raise RuntimeError(f"{op}: result type {result.dtype.name} can't be cast to the desired output type "
                       f"{self.dtype.name}")


def add_(self: Tensor, other: Operand, *, alpha: Any = 1) -> Tensor:
    """self += alpha * other, in place."""
    if alpha != 1:
        return apply_inplace(self, "add_", ew.add, other, alpha=alpha)
    return apply_inplace(self, "add_", ew.add, other, ufunc=np.add)


def sub_(self: Tensor, other: Operand, *, alpha: Any = 1) -> Tensor:
    """self -= alpha * other, in place."""
    if alpha != 1:
        return apply_inplace(self, "sub_", ew.sub, other, alpha=alpha)
    return apply_inplace(self, "sub_", ew.sub, other, ufunc=np.subtract)


def mul_(self: Tensor, other: Operand) -> Tensor:
    """self *= other, in place."""
    return apply_inplace(self, "mul_", ew.mul, other, ufunc=np.multiply)


def div_(self: Tensor, other: Operand, *, rounding_mode: str | None = None) -> Tensor:
    """self /= other, in place (integer tensors need a rounding_mode, as in PyTorch)."""
    if rounding_mode is not None:
        return apply_inplace(self, "div_", ew.div, other, rounding_mode=rounding_mode)
    return apply_inplace(self, "div_", ew.div, other, ufunc=np.true_divide)


def pow_(self: Tensor, exponent: Operand) -> Tensor:
    """self **= exponent, in place."""
    return apply_inplace(self, "pow_", ew.pow, exponent)


METHODS = {
    "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_, "pow_": pow_,
    "__iadd__": add_, "__isub__": sub_, "__imul__": mul_, "__itruediv__": div_, "__ipow__": pow_,
}
FUNCTIONS: dict = {}

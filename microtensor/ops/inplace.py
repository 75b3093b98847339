"""In-place ops (``add_``, ``mul_``, ``+=``, ...): PyTorch's rules on leaves, version counters, rebased history.

An in-place op computes its out-of-place twin and writes the result into the
tensor's own memory (so NumPy views of it see the change), bumps the version
counter (so a backward that saved the old value raises), and, when grad is
recorded, makes the twin's node the tensor's new ``grad_fn``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor import capture
from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import GradMode
from microtensor.dtypes import is_floating
from microtensor.ops import elementwise as ew
from microtensor.ops import unary as un
from microtensor.ops.broadcasting import Operand, broadcast_shapes, shape_of, unbroadcast
from microtensor.ops.overlap import INTERNAL_OVERLAP, check_overlap, has_internal_overlap, same_data
from microtensor.ops.views import check_inplace_on_view, gather_from, positions_in, refresh_view
from microtensor.tensor import Tensor, bump_version


def maybe_inplace(op: str, fn: Callable[..., Tensor], input: Tensor, inplace: bool, *args: Any) -> Tensor:
    """``fn(input, *args)``, written into ``input`` (PyTorch's rules on leaves and versions) when ``inplace``."""
    if inplace:
        return apply_inplace(input, op + "_", fn, *args)
    return fn(input, *args)


def check_inplace(t: Tensor) -> None:
    """PyTorch's rule: a leaf that requires grad may not be modified in place while grad mode is on."""
    if t._requires_grad and t._grad_fn is None and GradMode.enabled:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


def restride_inplace(self: Tensor, view: Tensor) -> Tensor:
    """Finish an in-place shape op (``unsqueeze_``, ``t_``, ...): ``self`` takes the shape and strides of
    ``view`` (the out-of-place op's result, a view of ``self``) and its history, and its version goes up, as
    PyTorch bumps it. A view of another tensor stays one, of the same base."""
    self._data = view._data
    if view._grad_fn is not None:
        self._grad_fn, self._output_nr = view._grad_fn, view._output_nr
    bump_version(self)
    if self._base is not None:
        self._view_version = self._vc[0]   # the history just taken is current
    return self


def _requires_grad(x: Any) -> bool:
    return isinstance(x, Tensor) and x._requires_grad


def apply_inplace(self: Tensor, op: str, out_of_place: Callable[..., Tensor], *args: Any,
                  ufunc: Callable[..., Any] | None = None, expanded: str | None = "raise", **kwargs: Any) -> Tensor:
    """Write ``out_of_place(self, *args, **kwargs)`` into ``self`` and return ``self``.

    Args:
        self: the tensor modified in place.
        op: the op's name, for errors.
        out_of_place: the differentiable out-of-place version of the op.
        ufunc: a NumPy ufunc computing the op in place (used when nothing is recorded).
        expanded: what writing into an expanded self does (see ``check_overlap``); None where the caller
            has made the overlap checks itself.
    """
    check_inplace(self)
    if expanded is not None:
        check_overlap(op, self._data, args, expanded)
    record = GradMode.enabled and (self.requires_grad or any(_requires_grad(a) for a in args))
    if record and self._base is not None:
        return _inplace_on_view(self, op, out_of_place, args, kwargs)
    if not record and ufunc is not None and not kwargs:
        other = args[0]._data if isinstance(args[0], Tensor) else args[0]
        try:
            capture.record(ufunc, self._data, other, out=self._data, casting="same_kind")
        except TypeError:  # NumPy's casting error, e.g. a float result into an int tensor
            _raise_cast(op, self, out_of_place(self.detach(), *args))
        except ValueError:
            result = out_of_place(self.detach(), *args)   # raises the op's own broadcasting error
            _raise_shape(op, self, result)
        self._vc[0] += 1
        return self
    if record:
        old = Tensor._make(capture.record(np.copy, self._data), self._requires_grad)
        old._grad_fn, old._output_nr = self._grad_fn, self._output_nr
    else:
        old = self.detach()
    result = _fitted(op, self, out_of_place(old, *args, **kwargs))
    capture.record(_write, self._data, result._data)
    self._vc[0] += 1
    if record:
        self._grad_fn, self._output_nr, self._requires_grad = result._grad_fn, result._output_nr, result._requires_grad
        _saved_result_is(result, self)
    return self


def _saved_result_is(result: Tensor, t: Tensor) -> None:
    """An in-place op's result now lives in ``t``: where the op saved its output for backward (relu_, exp_,
    sigmoid_), that saved output is ``t`` at its new version, as in PyTorch."""
    if result._grad_fn is not None:
        result._grad_fn._saved_output_is(result._output_nr, t)


def _write(data: np.ndarray, values: np.ndarray) -> None:
    """``data[...] = values``; into an expanded ``data`` (several elements in one memory location, where
    masked_fill_ and index_put_ may write) only the elements that change, so that unchanged copies of a
    location do not write its old value back over the new one."""
    if 0 in data.strides:
        np.copyto(data, values, where=values != data)
    else:
        data[...] = values


def _fitted(op: str, self: Tensor, result: Tensor) -> Tensor:
    """The out-of-place result checked to fit in ``self``: same shape, and a dtype castable to self's."""
    if result._data.shape != self._data.shape:
        _raise_shape(op, self, result)
    if result._data.dtype != self._data.dtype:
        if not np.can_cast(result._data.dtype, self._data.dtype, "same_kind"):
            _raise_cast(op, self, result)
        result = result.to(self.dtype)
    return result


def _inplace_on_view(view: Tensor, op: str, out_of_place: Callable[..., Tensor], args: tuple,
                     kwargs: dict) -> Tensor:
    """An in-place op on a view, recorded as PyTorch's CopySlices does: the op runs on a copy of the view's
    elements gathered from its base, the result is written into the base through a recorded index_put (so
    the base's history holds the op's own derivative), and the view then reads its history from the base."""
    check_inplace_on_view(view)
    root = view._base
    assert root is not None   # only views come here
    if root._requires_grad and root._grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    positions = positions_in(root._data, view._data)
    gathered = gather_from(root, positions)
    result = _fitted(op, view, out_of_place(gathered, *args, **kwargs))
    written, where = result, positions
    if has_internal_overlap(view._data):   # expanded (only fill_, setitem, masked_fill_, index_put_ get here)
        changed = result._data != gathered._data     # copies of one location must not write its old value back
        written, where = OverlappingWrite.apply(result)[Tensor._make(changed)], positions[changed]
    apply_inplace(root, op, _write_at, Tensor._make(where), written)
    refresh_view(view)
    _saved_result_is(result, view)
    return view


class OverlappingWrite(ew.Clone):
    """out = a copy of x; its backward refuses, as PyTorch's does for a recorded write into an expanded view
    (the gradient of elements that share one memory location is not defined)."""
    on_arrays = True

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        raise RuntimeError(INTERNAL_OVERLAP)


def _write_at(base: Tensor, positions: Tensor, values: Tensor) -> Tensor:
    """``base`` with its elements at flat ``positions`` replaced by ``values`` (differentiable in both)."""
    return base.reshape(-1).index_put((positions,), values).reshape(base.shape)


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


class CopyFrom(Function):
    """out = src broadcast to dst's shape and cast to dst's dtype; src gets the (summed) gradient, dst zero."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, dst: np.ndarray, src: np.ndarray) -> np.ndarray:
        ctx.shapes = dst.shape, src.shape
        return np.broadcast_to(src, dst.shape).astype(dst.dtype)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        dst_shape, src_shape = ctx.shapes
        return (Tensor._make(np.zeros(dst_shape, grad._data.dtype)) if ctx.needs_input_grad[0] else None,
                unbroadcast(grad, src_shape) if ctx.needs_input_grad[1] else None)


def copy_from(dst: Tensor, src: Operand) -> Tensor:
    """The out-of-place twin of copy_/fill_: ``src`` as a tensor of ``dst``'s shape and dtype."""
    src_shape = shape_of(src)
    if broadcast_shapes("copy_", dst._data.shape, src_shape) != dst._data.shape:
        raise RuntimeError(f"copy_: the source of shape {list(src_shape)} can't be broadcast to the "
                           f"destination's shape {list(dst.shape)}")
    return CopyFrom.apply(dst, src if isinstance(src, Tensor) else np.asarray(src))


def _copyto(dst: np.ndarray, src: Any, out: np.ndarray, casting: str) -> None:
    """copy_'s NumPy path; like PyTorch, any dtype is converted (a float source into an int tensor truncates)."""
    np.copyto(out, src, casting="unsafe")


def copy_(self: Tensor, src: Operand, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast to self's shape, converted to self's dtype) into self; the gradient flows to src."""
    if not isinstance(src, Tensor):
        src = np.asarray(src)
    # PyTorch's copy_ of the very same data (the tensor itself, or a twin view) changes nothing and checks nothing
    same = isinstance(src, Tensor) and same_data(self._data, src._data)
    return apply_inplace(self, "copy_", copy_from, src, ufunc=_copyto, expanded=None if same else "raise")


def _check_fill_value(op: str, value: Any) -> None:
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
                           "dimensions.")
    if not isinstance(value, (Tensor, int, float, np.number, np.bool_)):
        raise TypeError(f"{op}(): argument 'value' must be Number or Tensor, not {type(value).__name__}")


def fill(input: Tensor, value: Any) -> Tensor:
    """``torch.fill``: a new tensor of ``input``'s shape and dtype with every element ``value`` (a number, or
    a 0-d tensor, which then gets the summed gradient; ``input`` gets none)."""
    _check_fill_value("fill", value)
    return copy_from(input, value if isinstance(value, Tensor) else np.asarray(value))


def fill_(self: Tensor, value: Any) -> Tensor:
    """Set every element to ``value`` (a number or a 0-d tensor, which then gets the summed gradient)."""
    _check_fill_value("fill_", value)
    # PyTorch fills an expanded tensor with a number, but not with a tensor
    expanded = "raise" if isinstance(value, Tensor) else "allow"
    return apply_inplace(self, "fill_", copy_from, value, ufunc=_copyto, expanded=expanded)


def zero_(self: Tensor) -> Tensor:
    """Set every element to 0."""
    return fill_(self, 0)


def _unary_(self: Tensor, op: str, out_of_place: Callable[..., Tensor], ufunc: Callable[..., Any] | None = None,
            *args: Any) -> Tensor:
    """An in-place unary op: NumPy's ufunc straight into float data when nothing is recorded, else
    ``apply_inplace`` (which also gives PyTorch's error for a float result into an integer tensor)."""
    check_inplace(self)
    if ufunc is not None and is_floating(self._data.dtype) and not (GradMode.enabled and self.requires_grad):
        check_overlap(op, self._data, ())
        capture.record(ufunc, self._data, *args, out=self._data)
        self._vc[0] += 1
        return self
    return apply_inplace(self, op, out_of_place)


def _unary_method(op: str, out_of_place: Callable[..., Tensor],
                  ufunc: Callable[..., Any] | None = None) -> Callable[[Tensor], Tensor]:
    def method(self: Tensor) -> Tensor:
        return _unary_(self, op, out_of_place, ufunc)
    method.__name__ = method.__qualname__ = op
    method.__doc__ = f"In-place version of ``{op[:-1]}``: writes the result into self and returns self."
    return method


def _negate(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``np.negative(x, out=out)`` for float arrays. NumPy 2.4.6's float32 (and int32) negative, on this
    machine's AVX-512 path, writes wrong values when it negates a strided view in place (``x[:, 1].neg_()``
    of a 4x4 float32 x gave minus ``x[0]``, not minus the column); multiplying by -1 is exact and unaffected
    (tests/test_inplace.py checks both on strided views)."""
    return np.multiply(x, -1, out=out)


# the in-place unary methods, each under its own name (error messages name the method called)
UnaryMethod = Callable[[Tensor], Tensor]
neg_: UnaryMethod = _unary_method("neg_", ew.neg, _negate)
negative_: UnaryMethod = _unary_method("negative_", ew.neg, _negate)
abs_: UnaryMethod = _unary_method("abs_", un.abs, np.absolute)
absolute_: UnaryMethod = _unary_method("absolute_", un.abs, np.absolute)
exp_: UnaryMethod = _unary_method("exp_", un.exp, np.exp)
exp2_: UnaryMethod = _unary_method("exp2_", un.exp2, np.exp2)
expm1_: UnaryMethod = _unary_method("expm1_", un.expm1, np.expm1)
log_: UnaryMethod = _unary_method("log_", un.log, np.log)
log1p_: UnaryMethod = _unary_method("log1p_", un.log1p, np.log1p)
log2_: UnaryMethod = _unary_method("log2_", un.log2, np.log2)
log10_: UnaryMethod = _unary_method("log10_", un.log10, np.log10)
sqrt_: UnaryMethod = _unary_method("sqrt_", un.sqrt, np.sqrt)
rsqrt_: UnaryMethod = _unary_method("rsqrt_", un.rsqrt)
reciprocal_: UnaryMethod = _unary_method("reciprocal_", un.reciprocal, np.reciprocal)
square_: UnaryMethod = _unary_method("square_", un.square, np.square)
sin_: UnaryMethod = _unary_method("sin_", un.sin, np.sin)
cos_: UnaryMethod = _unary_method("cos_", un.cos, np.cos)
tan_: UnaryMethod = _unary_method("tan_", un.tan, np.tan)
tanh_: UnaryMethod = _unary_method("tanh_", un.tanh, np.tanh)
sinh_: UnaryMethod = _unary_method("sinh_", un.sinh, np.sinh)
cosh_: UnaryMethod = _unary_method("cosh_", un.cosh, np.cosh)
asin_: UnaryMethod = _unary_method("asin_", un.asin, np.arcsin)
acos_: UnaryMethod = _unary_method("acos_", un.acos, np.arccos)
atan_: UnaryMethod = _unary_method("atan_", un.atan, np.arctan)
asinh_: UnaryMethod = _unary_method("asinh_", un.asinh, np.arcsinh)
acosh_: UnaryMethod = _unary_method("acosh_", un.acosh, np.arccosh)
atanh_: UnaryMethod = _unary_method("atanh_", un.atanh, np.arctanh)
sigmoid_: UnaryMethod = _unary_method("sigmoid_", un.sigmoid)
erf_: UnaryMethod = _unary_method("erf_", un.erf)
erfc_: UnaryMethod = _unary_method("erfc_", un.erfc)
floor_: UnaryMethod = _unary_method("floor_", un.floor, np.floor)
ceil_: UnaryMethod = _unary_method("ceil_", un.ceil, np.ceil)
trunc_: UnaryMethod = _unary_method("trunc_", un.trunc, np.trunc)
fix_: UnaryMethod = _unary_method("fix_", un.trunc, np.trunc)
frac_: UnaryMethod = _unary_method("frac_", un.frac)
sign_: UnaryMethod = _unary_method("sign_", un.sign)
sgn_: UnaryMethod = _unary_method("sgn_", un.sign)
bitwise_not_: UnaryMethod = _unary_method("bitwise_not_", ew.bitwise_not)


def relu_(self: Tensor) -> Tensor:
    """In-place ``relu``: max(self, 0) written into self."""
    return _unary_(self, "relu_", un.relu, np.maximum, 0)


def nan_to_num_(self: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """In-place ``nan_to_num``: NaN and infinities replaced by numbers in self (integer tensors unchanged)."""
    return apply_inplace(self, "nan_to_num_", un.nan_to_num, nan, posinf, neginf)


def round_(self: Tensor, *, decimals: int = 0) -> Tensor:
    """In-place ``round`` (halves to even)."""
    if decimals == 0:
        return _unary_(self, "round_", un.round, np.rint)
    return apply_inplace(self, "round_", un.round, decimals=decimals)


def clamp_(self: Tensor, min: Operand | None = None, max: Operand | None = None) -> Tensor:
    """In-place ``clamp``: every element clamped into [min, max]."""
    if not (GradMode.enabled and self.requires_grad) and is_floating(self._data.dtype) and \
            isinstance(min, (int, float, type(None))) and isinstance(max, (int, float, type(None))) and \
            not (min is None and max is None):
        check_inplace(self)
        check_overlap("clamp_", self._data, ())
        capture.record(np.clip, self._data, min, max, out=self._data)
        self._vc[0] += 1
        return self
    return apply_inplace(self, "clamp_", ew.clamp, min, max)


def clamp_min_(self: Tensor, min: Operand) -> Tensor:
    """In-place ``clamp(min=min)``."""
    return clamp_(self, min=min)


def clamp_max_(self: Tensor, max: Operand) -> Tensor:
    """In-place ``clamp(max=max)``."""
    return clamp_(self, max=max)


def _float_ufunc(self: Tensor, ufunc: np.ufunc) -> np.ufunc | None:
    """``ufunc`` for float tensors; None for integers, whose division by zero must raise as PyTorch's does."""
    return ufunc if is_floating(self._data.dtype) else None


def floor_divide_(self: Tensor, other: Operand) -> Tensor:
    """self //= other, in place."""
    return apply_inplace(self, "floor_divide_", ew.floor_divide, other, ufunc=_float_ufunc(self, np.floor_divide))


def remainder_(self: Tensor, other: Operand) -> Tensor:
    """self %= other (Python's modulus), in place."""
    return apply_inplace(self, "remainder_", ew.remainder, other, ufunc=_float_ufunc(self, np.remainder))


def fmod_(self: Tensor, other: Operand) -> Tensor:
    """In-place ``fmod`` (the remainder with the sign of self)."""
    return apply_inplace(self, "fmod_", ew.fmod, other, ufunc=_float_ufunc(self, np.fmod))


def atan2_(self: Tensor, other: Operand) -> Tensor:
    """In-place ``atan2``."""
    return apply_inplace(self, "atan2_", ew.atan2, other, ufunc=_float_ufunc(self, np.arctan2))


def maximum_(self: Tensor, other: Operand) -> Tensor:
    """self = maximum(self, other), in place."""
    return apply_inplace(self, "maximum_", ew.maximum, other, ufunc=np.maximum)


def minimum_(self: Tensor, other: Operand) -> Tensor:
    """self = minimum(self, other), in place."""
    return apply_inplace(self, "minimum_", ew.minimum, other, ufunc=np.minimum)


def lerp_(self: Tensor, end: Tensor, weight: Operand) -> Tensor:
    """In-place ``lerp``: self + weight * (end - self)."""
    return apply_inplace(self, "lerp_", ew.lerp, end, weight)


def addcmul_(self: Tensor, tensor1: Operand, tensor2: Operand, *, value: Any = 1) -> Tensor:
    """self += value * tensor1 * tensor2, in place."""
    return apply_inplace(self, "addcmul_", ew.addcmul, tensor1, tensor2, value=value)


def addcdiv_(self: Tensor, tensor1: Operand, tensor2: Operand, *, value: Any = 1) -> Tensor:
    """self += value * tensor1 / tensor2, in place."""
    return apply_inplace(self, "addcdiv_", ew.addcdiv, tensor1, tensor2, value=value)


def bitwise_and_(self: Tensor, other: Operand) -> Tensor:
    """self &= other, in place (bool and integer tensors)."""
    return apply_inplace(self, "bitwise_and_", ew.bitwise_and, other, ufunc=np.bitwise_and)


def bitwise_or_(self: Tensor, other: Operand) -> Tensor:
    """self |= other, in place (bool and integer tensors)."""
    return apply_inplace(self, "bitwise_or_", ew.bitwise_or, other, ufunc=np.bitwise_or)


def bitwise_xor_(self: Tensor, other: Operand) -> Tensor:
    """self ^= other, in place (bool and integer tensors)."""
    return apply_inplace(self, "bitwise_xor_", ew.bitwise_xor, other, ufunc=np.bitwise_xor)


# ----------------------------------------------------------------------------- comparisons and logic, in place
class CompareInto(Function):
    """``fn(self, other)`` (a comparison or logical op) in self's dtype: 1 where it holds, else 0. Its
    gradient is zero, as PyTorch gives ``x.eq_(y)``: the output keeps ``requires_grad`` but not the input's
    values."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, other: Any, fn: Callable[..., np.ndarray]) -> np.ndarray:
        return np.asarray(fn(x) if other is None else fn(x, other)).astype(x.dtype)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        return Tensor._make(np.zeros_like(grad._data)), None, None


def _compared(self: Tensor, other: Any, fn: Callable[..., np.ndarray]) -> Tensor:
    return CompareInto.apply(self, other, fn)


def _compare_(self: Tensor, op: str, fn: Callable[..., np.ndarray], other: Any = None) -> Tensor:
    """Write ``fn(self, other)`` into self as self's dtype (``other`` broadcast to self's shape)."""
    other_array = other._data if isinstance(other, Tensor) else None if other is None else np.asarray(other)
    return apply_inplace(self, op, _compared, other_array, fn)


def _tensor_operand(op: str, other: Any) -> Tensor:
    """``other`` when it is a Tensor, else PyTorch's TypeError (the logical ops take no Python numbers)."""
    if not isinstance(other, Tensor):
        raise TypeError(f"{op}(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
    return other


def eq_(self: Tensor, other: Operand) -> Tensor:
    """In place: 1 where ``self == other``, else 0, in self's dtype (zero gradient)."""
    return _compare_(self, "eq_", np.equal, other)


def ne_(self: Tensor, other: Operand) -> Tensor:
    """In place: 1 where ``self != other``, else 0, in self's dtype (zero gradient)."""
    return _compare_(self, "ne_", np.not_equal, other)


def lt_(self: Tensor, other: Operand) -> Tensor:
    """In place: 1 where ``self < other``, else 0, in self's dtype (zero gradient)."""
    return _compare_(self, "lt_", np.less, other)


def le_(self: Tensor, other: Operand) -> Tensor:
    """In place: 1 where ``self <= other``, else 0, in self's dtype (zero gradient)."""
    return _compare_(self, "le_", np.less_equal, other)


def gt_(self: Tensor, other: Operand) -> Tensor:
    """In place: 1 where ``self > other``, else 0, in self's dtype (zero gradient)."""
    return _compare_(self, "gt_", np.greater, other)


def ge_(self: Tensor, other: Operand) -> Tensor:
    """In place: 1 where ``self >= other``, else 0, in self's dtype (zero gradient)."""
    return _compare_(self, "ge_", np.greater_equal, other)


def logical_and_(self: Tensor, other: Operand) -> Tensor:
    """In place: ``self and other`` (nonzero is true), in self's dtype."""
    return _compare_(self, "logical_and_", np.logical_and, _tensor_operand("logical_and_", other))


def logical_or_(self: Tensor, other: Operand) -> Tensor:
    """In place: ``self or other`` (nonzero is true), in self's dtype."""
    return _compare_(self, "logical_or_", np.logical_or, _tensor_operand("logical_or_", other))


def logical_xor_(self: Tensor, other: Operand) -> Tensor:
    """In place: ``self xor other`` (nonzero is true), in self's dtype."""
    return _compare_(self, "logical_xor_", np.logical_xor, _tensor_operand("logical_xor_", other))


def logical_not_(self: Tensor) -> Tensor:
    """In place: ``not self`` (nonzero is true), in self's dtype."""
    return _compare_(self, "logical_not_", np.logical_not)


def deg2rad_(self: Tensor) -> Tensor:
    """In-place ``deg2rad``: self * pi / 180."""
    return apply_inplace(self, "deg2rad_", un.deg2rad)


def rad2deg_(self: Tensor) -> Tensor:
    """In-place ``rad2deg``: self * 180 / pi."""
    return apply_inplace(self, "rad2deg_", un.rad2deg)

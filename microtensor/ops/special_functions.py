"""Special functions as differentiable ops: lgamma, digamma, polygamma, erfinv, the modified Bessel functions
i0/i0e/i1/i1e, sinc, the normal distribution's ndtr/ndtri/log_ndtr, entr, logit and multigammaln. The values
come from the NumPy kernels of ``microtensor/ops/special_math.py``; the gradients are PyTorch's formulas,
written with Tensor ops so that they are differentiable again. Integer inputs give the default float dtype."""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from microtensor import dtypes
from microtensor.autograd.function import Function
from microtensor.dtypes import is_floating
from microtensor.ops import special_math as sm
from microtensor.ops.broadcasting import Operand, broadcast_shapes, cast, dtype_of, promote, shape_of, unbroadcast
from microtensor.ops.checks import tensor_input, to_float_input
from microtensor.ops.elementwise import where
from microtensor.ops.inplace import apply_inplace
from microtensor.ops.unary import cos, erfcx_array, exp, log, log1p, sign
from microtensor.tensor import Tensor

_SQRT_2PI = math.sqrt(2 * math.pi)


class _Pointwise(Function):
    """Base of the special functions of one tensor: ``kernel`` computes the values in float64, ``derivative``
    gives d out / d x from the input and the output, as Tensors. A subclass whose derivative reads only one of
    them says so with ``uses_input`` / ``uses_output``: only that one is saved (the other comes as None)."""
    on_arrays = True
    kernel: Callable[[np.ndarray], np.ndarray]
    uses_input = True
    uses_output = True

    @classmethod
    def forward(cls, ctx: Function, x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):     # a float64 value beyond float32's range becomes inf, as in PyTorch
            out = cls.kernel(x).astype(x.dtype, copy=False)
        ctx.save_for_backward(x if cls.uses_input else None, out if cls.uses_output else None)
        return out

    @classmethod
    def backward(cls, ctx: Function, grad: Tensor) -> Tensor:
        x, out = ctx.saved_tensors
        return grad * cls.derivative(x, out)

    @staticmethod
    def derivative(x: Tensor, out: Tensor) -> Tensor:
        raise TypeError("a _Pointwise subclass defines derivative")


def _nonzero(x: Tensor) -> Tensor:
    """x with its zeros replaced by 1: a divisor whose masked-out quotient stays finite (and so does its
    gradient, which ``where`` would otherwise multiply into a NaN)."""
    return where(x == 0, 1.0, x)


class Lgamma(_Pointwise):
    """out = log|Gamma(x)|; d/dx = digamma(x)."""
    uses_output = False
    kernel = staticmethod(sm.lgamma_array)

    @staticmethod
    def derivative(x: Tensor, out: Tensor) -> Tensor:
        return digamma(x)


class Digamma(_Pointwise):
    """out = psi(x) = d/dx log Gamma(x); d/dx = polygamma(1, x)."""
    uses_output = False
    kernel = staticmethod(sm.digamma_array)

    @staticmethod
    def derivative(x: Tensor, out: Tensor) -> Tensor:
        return polygamma(1, x)


class Polygamma(Function):
    """out = psi^(n)(x), the n-th derivative of digamma; d/dx = polygamma(n + 1, x)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, n: int) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.n = n
        return sm.polygamma_array(n, x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        x, = ctx.saved_tensors
        return grad * polygamma(ctx.n + 1, x), None


class Erfinv(_Pointwise):
    """out = erfinv(x), the inverse of erf on [-1, 1]; d/dx = sqrt(pi)/2 exp(out^2)."""
    uses_input = False
    kernel = staticmethod(sm.erfinv_array)

    @staticmethod
    def derivative(x: Tensor, out: Tensor) -> Tensor:
        return math.sqrt(math.pi) / 2 * exp(out * out)


class I0(_Pointwise):
    """out = I_0(x), the modified Bessel function of the first kind of order 0; d/dx = I_1(x)."""
    uses_output = False
    kernel = staticmethod(lambda x: sm.bessel_i_array(0, x))

    @staticmethod
    def derivative(x: Tensor, out: Tensor) -> Tensor:
        return i1(x)


class I0e(_Pointwise):
    """out = I_0(x) e^(-|x|); d/dx = i1e(x) - sgn(x) out."""
    kernel = staticmethod(lambda x: sm.bessel_ie_array(0, x))

    @staticmethod
    def derivative(x: Tensor, out: Tensor) -> Tensor:
        return i1e(x) - sign(x) * out


class I1(_Pointwise):
    """out = I_1(x); d/dx = I_0(x) - out / x (1/2 at 0)."""
    kernel = staticmethod(lambda x: sm.bessel_i_array(1, x))

    @staticmethod
    def derivative(x: Tensor, out: Tensor) -> Tensor:
        return where(x == 0, 0.5, i0(x) - out / _nonzero(x))


class I1e(_Pointwise):
    """out = I_1(x) e^(-|x|); d/dx = i0e(x) - out (sgn(x) + 1/x) (1/2 at 0)."""
    kernel = staticmethod(lambda x: sm.bessel_ie_array(1, x))

    @staticmethod
    def derivative(x: Tensor, out: Tensor) -> Tensor:
        return where(x == 0, 0.5, i0e(x) - out * (sign(x) + 1 / _nonzero(x)))


class Sinc(_Pointwise):
    """out = sin(pi x) / (pi x), 1 at 0; d/dx = (cos(pi x) - out) / x (0 at 0, as PyTorch)."""
    kernel = staticmethod(lambda x: np.sinc(x.astype(np.float64)))

    @staticmethod
    def derivative(x: Tensor, out: Tensor) -> Tensor:
        return where(x == 0, 0.0, (cos(math.pi * x) - out) / _nonzero(x))


class Ndtr(_Pointwise):
    """out = the standard normal CDF at x; d/dx = exp(-x^2/2) / sqrt(2 pi)."""
    uses_output = False
    kernel = staticmethod(sm.ndtr_array)

    @staticmethod
    def derivative(x: Tensor, out: Tensor) -> Tensor:
        return exp(-0.5 * x * x) / _SQRT_2PI


class Ndtri(_Pointwise):
    """out = the standard normal quantile at x; d/dx = sqrt(2 pi) exp(out^2 / 2)."""
    uses_input = False
    kernel = staticmethod(sm.ndtri_array)

    @staticmethod
    def derivative(x: Tensor, out: Tensor) -> Tensor:
        return _SQRT_2PI * exp(0.5 * out * out)


class LogNdtr(_Pointwise):
    """out = log of the standard normal CDF at x; d/dx = exp(-x^2/2 - out) / sqrt(2 pi)."""
    kernel = staticmethod(sm.log_ndtr_array)

    @staticmethod
    def derivative(x: Tensor, out: Tensor) -> Tensor:
        return exp(-0.5 * x * x - out) / _SQRT_2PI


class Erfcx(_Pointwise):
    """out = exp(x^2) erfc(x), the scaled complementary error function; d/dx = 2 x out - 2/sqrt(pi)."""
    kernel = staticmethod(lambda x: erfcx_array(x.astype(np.float64)))

    @staticmethod
    def derivative(x: Tensor, out: Tensor) -> Tensor:
        return 2 * x * out - 2 / math.sqrt(math.pi)


def _entr_array(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, -x * np.log(np.where(x > 0, x, 1.0)), np.where(x == 0, 0.0, -np.inf * (x < 0)))


class Entr(_Pointwise):
    """out = -x log x for x > 0, 0 at 0, -inf below (nan stays nan); d/dx = -(1 + log x)."""
    uses_output = False
    kernel = staticmethod(_entr_array)

    @staticmethod
    def derivative(x: Tensor, out: Tensor) -> Tensor:
        return -(1 + log(x))


class _XLog(Function):
    """Base of out = x * f(y), 0 where x == 0 (unless y is nan), for f = log (xlogy) and log1p (xlog1py):
    ``pole`` is where f is -inf or undefined (y <= pole), where PyTorch's gradient for x is 0 at x == 0."""
    on_arrays = True
    f: Callable[..., np.ndarray]
    pole: float

    @classmethod
    def forward(cls, ctx: Function, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = x * cls.f(y)
        return np.where((x == 0) & ~np.isnan(y), np.zeros((), x.dtype), out)

    @classmethod
    def backward(cls, ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = ctx.saved_tensors
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = unbroadcast(where((x == 0) & (y <= cls.pole), 0.0, cls.apply(grad, y)), x.shape)
        if ctx.needs_input_grad[1]:
            gy = unbroadcast(grad * x / (y - cls.pole), y.shape)
        return gx, gy


class Xlog1py(_XLog):
    """out = x log1p(y), 0 where x == 0."""
    f = staticmethod(np.log1p)
    pole = -1.0


def _float_operands(op: str, input: Operand, other: Operand) -> tuple[Operand, Operand]:
    """``input`` and ``other`` (at least one a tensor) promoted to one floating dtype (integers to the default
    float), checked to broadcast."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{op}(): expected a Tensor for input or other, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    a, b = promote(input, other)
    if not is_floating(dtype_of(a)):
        dt = dtypes.get_default_dtype()
        a, b = cast(a, dt), cast(b, dt)
    broadcast_shapes(op, shape_of(a), shape_of(b))
    return a, b


def _xlog(op: str, fn: type[_XLog], input: Operand, other: Operand) -> Tensor:
    return fn.apply(*_float_operands(op, input, other))


class Zeta(Function):
    """out = zeta(x, q), the Hurwitz zeta function; PyTorch defines no derivative for it, so backward raises."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, q: np.ndarray) -> np.ndarray:
        return sm.zeta_array(x, q).astype(np.result_type(x, q), copy=False)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        raise RuntimeError("the derivative for 'zeta' is not implemented.")


def zeta(input: Operand, other: Operand) -> Tensor:
    """The Hurwitz zeta function sum_k (other + k) ** -input, broadcasting; inf at input 1, NaN for input < 1.

    Args:
        input: the exponent x (a tensor or number).
        other: the shift q (a tensor or number; at least one of the two is a tensor).

    Its output takes part in autograd, but backward raises, as PyTorch has no derivative for it.
    """
    return Zeta.apply(*_float_operands("zeta", input, other))


def xlog1py(input: Operand, other: Operand) -> Tensor:
    """input * log1p(other), with 0 wherever input is 0 (unless other is nan), broadcasting."""
    return _xlog("xlog1py", Xlog1py, input, other)


def lgamma(input: Tensor) -> Tensor:
    """The natural logarithm of the absolute value of the gamma function, elementwise (+inf at the
    non-positive integers)."""
    return Lgamma.apply(to_float_input("lgamma", input))


def digamma(input: Tensor) -> Tensor:
    """The digamma function psi(x) = d/dx ln Gamma(x), elementwise (-inf at 0, nan at the negative
    integers)."""
    return Digamma.apply(to_float_input("digamma", input))


def polygamma(n: int, input: Tensor) -> Tensor:
    """The n-th derivative of the digamma function, elementwise (``n`` a non-negative integer)."""
    x = to_float_input("polygamma", input)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n, got n={n}")
    return Polygamma.apply(x, int(n))


def erfinv(input: Tensor) -> Tensor:
    """The inverse error function, elementwise: defined on [-1, 1] (+-inf at +-1, nan outside)."""
    return Erfinv.apply(to_float_input("erfinv", input))


def i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 0, elementwise."""
    return I0.apply(to_float_input("i0", input))


def i0e(input: Tensor) -> Tensor:
    """The exponentially scaled modified Bessel function of order 0, I_0(x) exp(-|x|), elementwise."""
    return I0e.apply(to_float_input("i0e", input))


def i1(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 1, elementwise."""
    return I1.apply(to_float_input("i1", input))


def i1e(input: Tensor) -> Tensor:
    """The exponentially scaled modified Bessel function of order 1, I_1(x) exp(-|x|), elementwise."""
    return I1e.apply(to_float_input("i1e", input))


def sinc(input: Tensor) -> Tensor:
    """The normalized sinc function sin(pi x) / (pi x), 1 at 0, elementwise."""
    return Sinc.apply(to_float_input("sinc", input))


def ndtr(input: Tensor) -> Tensor:
    """The area under the standard normal density from -inf to ``input``, elementwise."""
    return Ndtr.apply(to_float_input("ndtr", input))


def ndtri(input: Tensor) -> Tensor:
    """The inverse of ``ndtr``: the standard normal quantile of each probability (+-inf at 1 and 0)."""
    return Ndtri.apply(to_float_input("ndtri", input))


def log_ndtr(input: Tensor) -> Tensor:
    """The log of the standard normal CDF, elementwise, accurate far into the lower tail."""
    return LogNdtr.apply(to_float_input("log_ndtr", input))


def erfcx(input: Tensor) -> Tensor:
    """The scaled complementary error function exp(x^2) erfc(x), elementwise (no underflow for large x)."""
    return Erfcx.apply(to_float_input("erfcx", input))


def entr(input: Tensor) -> Tensor:
    """The elementwise entropy term -x ln(x) (0 at 0, -inf for negative x)."""
    return Entr.apply(to_float_input("entr", input))


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """log(p / (1 - p)), elementwise; with ``eps``, p is first clamped to [eps, 1 - eps] (no gradient
    outside)."""
    x = to_float_input("logit", input)
    if eps is not None:
        x = x.clamp(eps, 1 - eps)
    return log(x) - log1p(-x)


def multigammaln(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma function of dimension ``p``:
    p (p - 1) / 4 log(pi) + sum over j = 1..p of lgamma(input - (j - 1) / 2)."""
    x = tensor_input("multigammaln", input)
    if p < 1:
        raise RuntimeError(f"multigammaln(): p has to be greater than or equal to 1, got p={p}")
    if x.numel() and not bool((x > (p - 1) / 2).all()):
        raise RuntimeError(f"multigammaln(): all elements must be greater than (p-1)/2 = {(p - 1) / 2}")
    x = to_float_input("multigammaln", x)
    total = lgamma(x)
    for j in range(2, p + 1):
        total = total + lgamma(x - (j - 1) / 2)
    return total + p * (p - 1) / 4 * math.log(math.pi)



def mvlgamma(input: Tensor, p: int) -> Tensor:
    """``torch.mvlgamma`` and ``Tensor.mvlgamma``: the multivariate log-gamma function, ``special.multigammaln``."""
    return multigammaln(input, p)

def mvlgamma_(self: Tensor, p: int) -> Tensor:
    """In-place version of ``mvlgamma``: writes the result into self and returns self."""
    return apply_inplace(self, "mvlgamma_", mvlgamma, p)


def _inplace(op: str, fn: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    def method(self: Tensor) -> Tensor:
        return apply_inplace(self, op, fn)
    method.__name__ = method.__qualname__ = op
    method.__doc__ = f"In-place version of ``{op[:-1]}``: writes the result into self and returns self."
    return method


lgamma_: Callable[[Tensor], Tensor] = _inplace("lgamma_", lgamma)
digamma_: Callable[[Tensor], Tensor] = _inplace("digamma_", digamma)
erfinv_: Callable[[Tensor], Tensor] = _inplace("erfinv_", erfinv)
i0_: Callable[[Tensor], Tensor] = _inplace("i0_", i0)
sinc_: Callable[[Tensor], Tensor] = _inplace("sinc_", sinc)


def polygamma_(self: Tensor, n: int) -> Tensor:
    """In-place version of ``polygamma``: writes polygamma(n, self) into self and returns self."""
    return apply_inplace(self, "polygamma_", lambda x: polygamma(n, x))


def logit_(self: Tensor, eps: float | None = None) -> Tensor:
    """In-place version of ``logit``: writes the result into self and returns self."""
    return apply_inplace(self, "logit_", logit, eps)


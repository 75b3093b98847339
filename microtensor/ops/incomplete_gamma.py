"""The regularized incomplete gamma functions P(a, x) (``igamma``, ``special.gammainc``) and Q(a, x) = 1 - P
(``igammac``, ``special.gammaincc``), computed with NumPy alone: the power series of P where x < a + 1 and the
continued fraction of Q elsewhere (modified Lentz), in float64, with PyTorch's (Cephes') values at the edges.

As in PyTorch, only ``x`` has a gradient, d/dx P = x^(a-1) e^(-x) / Gamma(a); asking for the gradient with
respect to ``a`` raises PyTorch's NotImplementedError at backward.
"""
from __future__ import annotations

import numpy as np

from microtensor.autograd.function import Function
from microtensor.dtypes import is_floating
from microtensor.ops.broadcasting import promote, unbroadcast
from microtensor.ops.checks import tensor_input, torch_dtype_name
from microtensor.ops.elementwise import apply_binary
from microtensor.ops.inplace import apply_inplace
from microtensor.ops.special_functions import lgamma
from microtensor.ops.special_math import lgamma_array
from microtensor.ops.unary import exp, log
from microtensor.tensor import Tensor

_EPS = np.finfo(np.float64).eps
_TINY = np.finfo(np.float64).tiny
_MAX_TERMS = 10_000


def _log_prefactor(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """log(x^a e^(-x) / Gamma(a))."""
    return a * np.log(x) - x - lgamma_array(a)


def _lower_series(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(a, x) = x^a e^(-x) / Gamma(a) * sum_n x^n / (a (a+1) ... (a+n)), for x < a + 1."""
    term = 1.0 / a
    total = term.copy()
    denominator = a.copy()
    for _ in range(_MAX_TERMS):
        denominator += 1.0
        term *= x / denominator
        total += term
        if (np.abs(term) <= np.abs(total) * _EPS).all():
            break
    return np.exp(_log_prefactor(a, x)) * total


def _upper_fraction(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Q(a, x) by its continued fraction (Lentz's method), for x >= a + 1."""
    b = x + 1.0 - a
    c = np.full_like(x, 1.0 / _TINY)
    d = 1.0 / b
    h = d.copy()
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = b + an / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        if (np.abs(delta - 1.0) <= _EPS).all():
            break
    return np.exp(_log_prefactor(a, x)) * h


def incomplete_gamma_array(a: np.ndarray, x: np.ndarray, upper: bool) -> np.ndarray:
    """P(a, x) (or Q(a, x) when ``upper``) elementwise, broadcasting, in float64."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    out = np.full(a.shape, np.nan)
    # the edges, as Cephes (and so PyTorch) gives them; NaN stays NaN
    lower_edges = [((a == 0) & (x > 0), 1.0), ((x == 0) & (a > 0), 0.0),
                   (np.isinf(a) & (a > 0) & np.isfinite(x) & (x > 0), 0.0),
                   (np.isinf(x) & (x > 0) & np.isfinite(a) & (a > 0), 1.0)]
    for where, value in lower_edges:
        out[where] = 1.0 - value if upper else value
    regular = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    ar, xr = a[regular], x[regular]
    series = xr < ar + 1.0
    with np.errstate(over="ignore", under="ignore"):
        p = _lower_series(ar[series], xr[series])
        q = _upper_fraction(ar[~series], xr[~series])
    values = np.empty(ar.shape)
    values[series] = 1.0 - p if upper else p
    values[~series] = q if upper else 1.0 - q
    out[regular] = values
    return out


class Igamma(Function):
    """out = P(a, x) (``upper``: Q(a, x)); d/dx P = exp((a - 1) log x - x - lgamma(a)), d/dx Q its negative.
    The gradient with respect to a is not implemented, as in PyTorch."""
    on_arrays = True
    upper = False

    @classmethod
    def forward(cls, ctx: Function, a: np.ndarray, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, x)
        return incomplete_gamma_array(a, x, cls.upper).astype(np.result_type(a, x), copy=False)

    @classmethod
    def backward(cls, ctx: Function, grad: Tensor) -> tuple[None, Tensor | None]:
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            name = "igammac" if cls.upper else "igamma"
            raise NotImplementedError(f"the derivative for '{name}: input' is not implemented.")
        if not ctx.needs_input_grad[1]:
            return None, None
        with np.errstate(divide="ignore", invalid="ignore"):
            density = exp((a - 1) * log(x) - x - lgamma(a))
        return None, unbroadcast(-grad * density if cls.upper else grad * density, x._data.shape)


class Igammac(Igamma):
    """out = Q(a, x) = 1 - P(a, x); see ``Igamma``."""
    on_arrays = True
    upper = True


def _apply(op: str, fn: type[Igamma], input: Tensor, other: Tensor) -> Tensor:
    """``fn`` of the promoted operands of ``op`` (the name its errors give); float dtypes only."""
    tensor_input(op, input)
    tensor_input(op, other, "other", 2)
    a, x = promote(input, other)
    if not is_floating(a._data.dtype):
        kernel = "igammac" if fn.upper else "igamma"
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for '{torch_dtype_name(a)}'")
    return apply_binary(fn, op, a, x)


def igamma(input: Tensor, other: Tensor, *, out: None = None) -> Tensor:
    """The regularized lower incomplete gamma function P(input, other) =
    (1 / Gamma(a)) * integral from 0 to x of t^(a-1) e^(-t) dt, with a = input > 0 and x = other >= 0,
    broadcasting; float dtypes only. Only ``other`` gets a gradient (as in PyTorch)."""
    return _apply("igamma", Igamma, input, other)


def igammac(input: Tensor, other: Tensor, *, out: None = None) -> Tensor:
    """The regularized upper incomplete gamma function Q(input, other) = 1 - P(input, other); see ``igamma``."""
    return _apply("igammac", Igammac, input, other)


def igamma_(self: Tensor, other: Tensor) -> Tensor:
    """In-place version of ``igamma``: writes the result into self and returns self."""
    return apply_inplace(self, "igamma_", igamma, other)


def igammac_(self: Tensor, other: Tensor) -> Tensor:
    """In-place version of ``igammac``: writes the result into self and returns self."""
    return apply_inplace(self, "igammac_", igammac, other)


def gammainc(input: Tensor, other: Tensor, *, out: None = None) -> Tensor:
    """``special.gammainc``: the regularized lower incomplete gamma function, ``igamma``."""
    return _apply("special_gammainc", Igamma, input, other)


def gammaincc(input: Tensor, other: Tensor, *, out: None = None) -> Tensor:
    """``special.gammaincc``: the regularized upper incomplete gamma function, ``igammac``."""
    return _apply("special_gammaincc", Igammac, input, other)

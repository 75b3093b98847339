"""The classical orthogonal polynomials of torch.special (Chebyshev T, U, V, W and their shifted forms,
Hermite H and He, Laguerre L, Legendre P), evaluated at ``input`` for degrees ``n``.

As PyTorch: ``n`` is truncated to an integer and broadcast against ``input``, a negative degree gives 0, the
values at the interval's ends are exact, the Chebyshev polynomials switch to their trigonometric forms inside
(-1, 1) for high degrees, and the results are not differentiable (no gradient flows to ``input``).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from microtensor import dtypes
from microtensor.dtypes import is_floating
from microtensor.ops.broadcasting import Operand
from microtensor.tensor import Tensor

Kernel = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _recurrence(x: np.ndarray, n: np.ndarray, p1: np.ndarray,
                step: Callable[[int, np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """P_n(x) from P_0 = 1, P_1 = ``p1`` and P_(k+1) = step(k, P_k, P_(k-1)), per element up to its own n."""
    out = np.where(n == 0, 1.0, p1)
    p, q = np.ones_like(x), p1
    for k in range(1, int(n.max(initial=1))):
        p, q = q, step(k, q, p)
        out = np.where(n == k + 1, q, out)
    return out


def _chebyshev(kind: str, x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """T (first kind), U (second), V (third), W (fourth) by their shared recurrence P_(k+1) = 2x P_k - P_(k-1)."""
    p1 = {"t": x, "u": 2 * x, "v": 2 * x - 1, "w": 2 * x + 1}[kind]
    out = _recurrence(x, n, p1, lambda k, q, p: 2 * x * q - p)
    inside = np.abs(x) < 1
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.arccos(np.clip(x, -1.0, 1.0))
        if kind == "t":
            trig, high = np.cos(n * theta), n > 6
        elif kind == "u":
            trig = np.where(np.sin(theta) != 0, np.sin((n + 1) * theta) / np.sin(theta),
                            (n + 1) * np.cos((n + 1) * theta) / x)
            high = n > 8
        elif kind == "v":
            trig, high = np.cos((n + 0.5) * theta) / np.cos(theta / 2), n > 8
        else:
            trig, high = np.sin((n + 0.5) * theta) / np.sin(theta / 2), n > 8
    out = np.where(inside & high, trig, out)
    even = n % 2 == 0
    odd_sign = np.where(even, 1.0, -1.0)
    at_one: dict[str, tuple[np.ndarray | float, np.ndarray]] = {
        "t": (1.0, odd_sign), "u": (n + 1.0, odd_sign * (n + 1.0)), "v": (1.0, odd_sign * (2.0 * n + 1)),
        "w": (2.0 * n + 1, odd_sign)}
    at_plus, at_minus = at_one[kind]
    return np.where(x == 1, at_plus, np.where(x == -1, at_minus, out))


def _hermite_h(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return _recurrence(x, n, 2 * x, lambda k, q, p: 2 * x * q - 2 * k * p)


def _hermite_he(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return _recurrence(x, n, x.copy(), lambda k, q, p: x * q - k * p)


def _laguerre(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    out = _recurrence(x, n, 1 - x, lambda k, q, p: ((2 * k + 1 - x) * q - k * p) / (k + 1))
    return np.where(x == 0, 1.0, out)


def _legendre(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    out = _recurrence(x, n, x.copy(), lambda k, q, p: ((2 * k + 1) * x * q - k * p) / (k + 1))
    return np.where(x == 1, 1.0, np.where(x == -1, np.where(n % 2 == 0, 1.0, -1.0), out))


def _polynomial(op: str, kernel: Kernel, input: Operand, n: Operand, shifted: bool = False) -> Tensor:
    """Broadcast ``input`` and ``n`` (tensors or numbers, at least one a tensor), promote to a float dtype and
    evaluate ``kernel``; the result is outside the graph, as PyTorch's."""
    if not isinstance(input, Tensor) and not isinstance(n, Tensor):
        raise TypeError(f"{op}(): expected input or n to be a Tensor, got {type(input).__name__} and "
                        f"{type(n).__name__}")
    dt = dtypes.result_type(input, n)
    dt = dt if dt.is_floating_point else dtypes.get_default_dtype()
    x = np.asarray(input._data if isinstance(input, Tensor) else input, dtype=np.float64)
    degree = np.asarray(n._data if isinstance(n, Tensor) else n)
    if is_floating(degree.dtype) or degree.dtype.kind == "b":
        degree = np.trunc(degree.astype(np.float64))
    else:
        degree = degree.astype(np.int64)
    x, degree = np.broadcast_arrays(x, degree)
    if shifted:
        x = 2 * x - 1
    with np.errstate(all="ignore"):
        values = np.where(degree < 0, 0.0, kernel(x, np.maximum(degree, 0).astype(np.int64)))
    return Tensor._make(np.asarray(values, dtype=dt.np))


def _make(name: str, kernel: Kernel, shifted: bool, doc: str) -> Callable[[Operand, Operand], Tensor]:
    def polynomial(input: Operand, n: Operand) -> Tensor:
        return _polynomial(name, kernel, input, n, shifted)
    polynomial.__name__ = polynomial.__qualname__ = name
    polynomial.__doc__ = doc + """

    Args:
        input: the points x (a tensor or number).
        n: the degrees (a tensor or number, truncated to integers; negative degrees give 0).

    Returns a float tensor of the broadcast shape, not differentiable (as PyTorch's)."""
    return polynomial


def _chebyshev_kernel(kind: str) -> Kernel:
    return lambda x, n: _chebyshev(kind, x, n)


chebyshev_polynomial_t = _make("chebyshev_polynomial_t", _chebyshev_kernel("t"), False,
                               "Chebyshev polynomials of the first kind, T_n(x).")
chebyshev_polynomial_u = _make("chebyshev_polynomial_u", _chebyshev_kernel("u"), False,
                               "Chebyshev polynomials of the second kind, U_n(x).")
chebyshev_polynomial_v = _make("chebyshev_polynomial_v", _chebyshev_kernel("v"), False,
                               "Chebyshev polynomials of the third kind, V_n(x).")
chebyshev_polynomial_w = _make("chebyshev_polynomial_w", _chebyshev_kernel("w"), False,
                               "Chebyshev polynomials of the fourth kind, W_n(x).")
shifted_chebyshev_polynomial_t = _make("shifted_chebyshev_polynomial_t", _chebyshev_kernel("t"), True,
                                       "Shifted Chebyshev polynomials of the first kind, T_n(2x - 1).")
shifted_chebyshev_polynomial_u = _make("shifted_chebyshev_polynomial_u", _chebyshev_kernel("u"), True,
                                       "Shifted Chebyshev polynomials of the second kind, U_n(2x - 1).")
shifted_chebyshev_polynomial_v = _make("shifted_chebyshev_polynomial_v", _chebyshev_kernel("v"), True,
                                       "Shifted Chebyshev polynomials of the third kind, V_n(2x - 1).")
shifted_chebyshev_polynomial_w = _make("shifted_chebyshev_polynomial_w", _chebyshev_kernel("w"), True,
                                       "Shifted Chebyshev polynomials of the fourth kind, W_n(2x - 1).")
hermite_polynomial_h = _make("hermite_polynomial_h", _hermite_h, False, "Physicists' Hermite polynomials, H_n(x).")
hermite_polynomial_he = _make("hermite_polynomial_he", _hermite_he, False,
                              "Probabilists' Hermite polynomials, He_n(x).")
laguerre_polynomial_l = _make("laguerre_polynomial_l", _laguerre, False, "Laguerre polynomials, L_n(x).")
legendre_polynomial_p = _make("legendre_polynomial_p", _legendre, False, "Legendre polynomials, P_n(x).")

"""NumPy kernels for the Bessel functions of torch.special: J0, J1, Y0, Y1, K0, K1 (and their exponentially
scaled forms), the spherical j0 and Airy's Ai, in float64.

Three regimes, each accurate to about float64's precision in its range:

* small arguments (|x| <= 2): the ascending power series;
* moderate arguments: integral representations evaluated by Gauss-Legendre quadrature; the integrands are
  analytic, so a fixed number of nodes converges geometrically (checked against PyTorch's Cephes kernels);
* large arguments (x > 25): Hankel's asymptotic expansions, whose smallest term (near k = 2x) is far below
  float64's precision.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from microtensor.ops.special_math import EULER_GAMMA, bessel_i_array, hankel_series

_LARGE = 25.0           # above it, Hankel's expansion
_SMALL = 2.0            # at or below it, the power series
_CHUNK = 4096           # quadrature evaluates a (chunk, nodes) grid at a time
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(96)


def _quadrature(integrand: Callable[[np.ndarray], np.ndarray], lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Gauss-Legendre quadrature of ``integrand`` (a function of a (n, nodes) grid of points, broadcast with
    per-element parameters the caller closes over) from ``lower`` to ``upper``, per element."""
    half = (upper - lower)[:, None] / 2
    points = (lower[:, None] + upper[:, None]) / 2 + half * _NODES
    return (integrand(points) * _WEIGHTS).sum(-1) * half[:, 0]


def _chunked(fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """``fn`` applied to ``x`` in chunks, bounding the quadrature grid's memory."""
    out = np.empty(x.shape)
    for start in range(0, x.size, _CHUNK):
        out[start:start + _CHUNK] = fn(x[start:start + _CHUNK])
    return out


def _hankel(nu: float, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """J_nu(x) and Y_nu(x) for x > 25 from Hankel's expansion sqrt(2 / (pi x)) (P cos chi -/+ Q sin chi)."""
    mu = 4.0 * nu * nu
    p, q = np.ones_like(x), np.zeros_like(x)
    term = np.ones_like(x)
    for k in range(1, 60):
        term = term * (mu - (2 * k - 1) ** 2) / (8 * k * x)
        if k % 2:
            q += term * (-1) ** (k // 2)
        else:
            p += term * (-1) ** (k // 2)
    chi = x - (nu / 2 + 0.25) * math.pi
    scale = np.sqrt(2 / (math.pi * x))
    return scale * (p * np.cos(chi) - q * np.sin(chi)), scale * (p * np.sin(chi) + q * np.cos(chi))


def _bessel_j_quadrature(nu: float, x: np.ndarray) -> np.ndarray:
    """J_nu(x), 0 < x <= 25: (1/pi) int_0^pi cos(nu t - x sin t) dt
    - sin(nu pi)/pi int_0^inf e^(-x sinh t - nu t) dt."""
    def one(xs: np.ndarray) -> np.ndarray:
        xc = xs[:, None]
        zeros, pis = np.zeros_like(xs), np.full_like(xs, math.pi)
        total = _quadrature(lambda t: np.cos(nu * t - xc * np.sin(t)), zeros, pis) / math.pi
        if nu != int(nu):
            tail = _quadrature(lambda t: np.exp(-xc * np.sinh(t) - nu * t), zeros, np.arcsinh(60 / xs))
            total -= math.sin(nu * math.pi) / math.pi * tail
        return total
    return _chunked(one, x)


def _bessel_y_quadrature(n: int, x: np.ndarray) -> np.ndarray:
    """Y_n(x), 2 < x <= 25: (1/pi) int_0^pi sin(x sin t - n t) dt
    - (1/pi) int_0^inf (e^(n t) + (-1)^n e^(-n t)) e^(-x sinh t) dt."""
    def one(xs: np.ndarray) -> np.ndarray:
        xc = xs[:, None]
        zeros, pis = np.zeros_like(xs), np.full_like(xs, math.pi)
        head = _quadrature(lambda t: np.sin(xc * np.sin(t) - n * t), zeros, pis)
        tail = _quadrature(lambda t: (np.exp(n * t) + (-1) ** n * np.exp(-n * t)) * np.exp(-xc * np.sinh(t)),
                           zeros, np.arcsinh(60 / xs))
        return (head - tail) / math.pi
    return _chunked(one, x)


def _bessel_k_scaled_quadrature(nu: float, x: np.ndarray) -> np.ndarray:
    """K_nu(x) e^x for x > 0 away from 0: int_0^inf e^(-x (cosh t - 1)) cosh(nu t) dt."""
    def one(xs: np.ndarray) -> np.ndarray:
        xc = xs[:, None]
        upper = np.arccosh(1 + 60 / xs)
        return _quadrature(lambda t: np.exp(-xc * (np.cosh(t) - 1)) * np.cosh(nu * t), np.zeros_like(xs), upper)
    return _chunked(one, x)


def _series(x: np.ndarray, nu: int, sign: float, weight: Callable[[int], float] | None = None) -> np.ndarray:
    """sum_k sign^k w_k (x^2/4)^k / (k! (k+nu)!) for |x| <= 2 (w_k = 1 without ``weight``)."""
    q = 0.25 * x * x
    term = np.full_like(x, 1.0 / math.factorial(nu))
    total = term * (weight(0) if weight else 1.0)
    for k in range(1, 30):
        term = term * sign * q / (k * (k + nu))
        total = total + term * (weight(k) if weight else 1.0)
    return total


def _harmonic(k: int) -> float:
    return sum(1.0 / j for j in range(1, k + 1))


def _psi_sum(k: int) -> float:
    """psi(k + 1) + psi(k + 2), with psi(m + 1) = H_m - gamma."""
    return _harmonic(k) + _harmonic(k + 1) - 2 * EULER_GAMMA


def _by_regime(x: np.ndarray, small: Callable[[np.ndarray], np.ndarray], middle: Callable[[np.ndarray], np.ndarray],
               large: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Evaluate each element of x (positive) by the regime its size falls in."""
    out = np.full(x.shape, np.nan)
    regimes = ((x <= _SMALL, small), ((x > _SMALL) & (x <= _LARGE), middle), ((x > _LARGE) & np.isfinite(x), large))
    for mask, fn in regimes:
        if mask.any():
            out[mask] = fn(x[mask])
    return out


def bessel_j_array(n: int, x: np.ndarray) -> np.ndarray:
    """J_n(x), the Bessel function of the first kind of order n = 0 or 1 (even and odd in x)."""
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    out = _by_regime(a, lambda s: (0.5 * s) ** n * _series(s, n, -1.0), lambda s: _bessel_j_quadrature(n, s),
                     lambda s: _hankel(n, s)[0])
    out = np.where(np.isinf(a), np.nan, out)    # PyTorch's kernels give NaN at infinity
    return out * np.sign(x) if n % 2 else out


def bessel_y_array(n: int, x: np.ndarray) -> np.ndarray:
    """Y_n(x), the Bessel function of the second kind of order n = 0 or 1: -inf at 0, NaN below."""
    x = np.asarray(x, dtype=np.float64)
    positive = np.where(x > 0, x, 1.0)

    def small(s: np.ndarray) -> np.ndarray:
        lh = np.log(0.5 * s)
        if n == 0:
            return 2 / math.pi * ((lh + EULER_GAMMA) * _series(s, 0, -1.0)
                                  - _series(s, 0, -1.0, lambda k: _harmonic(k)))
        j1 = 0.5 * s * _series(s, 1, -1.0)
        return -2 / (math.pi * s) + 2 / math.pi * lh * j1 - 0.5 * s / math.pi * _series(s, 1, -1.0, _psi_sum)

    out = _by_regime(np.where(np.isinf(positive), 1.0, positive), small, lambda s: _bessel_y_quadrature(n, s),
                     lambda s: _hankel(n, s)[1])
    out = np.where(np.isinf(x), np.nan, out)    # PyTorch's kernels give NaN at infinity
    return np.where(x > 0, out, np.where(x == 0, -np.inf, np.nan))


def bessel_k_scaled_array(n: int, x: np.ndarray) -> np.ndarray:
    """K_n(x) e^x, the exponentially scaled modified Bessel function of the second kind, n = 0 or 1:
    inf at 0, NaN below."""
    x = np.asarray(x, dtype=np.float64)
    positive = np.where(x > 0, x, 1.0)

    def small(s: np.ndarray) -> np.ndarray:
        lh = np.log(0.5 * s)
        if n == 0:
            k = -(lh + EULER_GAMMA) * bessel_i_array(0, s) + _series(s, 0, 1.0, lambda k: _harmonic(k))
        else:
            k = 1 / s + lh * bessel_i_array(1, s) - 0.25 * s * _series(s, 1, 1.0, _psi_sum)
        return k * np.exp(s)

    def large(s: np.ndarray) -> np.ndarray:
        return hankel_series(n, s, 1.0, 60) * np.sqrt(math.pi / (2 * s))

    out = _by_regime(positive, small, lambda s: _bessel_k_scaled_quadrature(n, s), large)
    out = np.where(np.isposinf(x), 0.0, out)
    return np.where(x > 0, out, np.where(x == 0, np.inf, np.nan))


def bessel_k_array(n: int, x: np.ndarray) -> np.ndarray:
    """K_n(x), the modified Bessel function of the second kind, n = 0 or 1."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(x > 700, 0.0, bessel_k_scaled_array(n, x) * np.exp(-np.minimum(x, 700.0)))


def spherical_bessel_j0_array(x: np.ndarray) -> np.ndarray:
    """j0(x) = sin(x) / x, 1 at 0 and 0 at infinity."""
    x = np.asarray(x, dtype=np.float64)
    regular = np.where((x == 0) | np.isinf(x), 1.0, x)
    return np.where(np.isinf(x), 0.0, np.where(x == 0, 1.0, np.sin(regular) / regular))


_AI0 = 0.355028053887817239260063186004    # Ai(0) = 1 / (3^(2/3) Gamma(2/3))
_AIP0 = 0.258819403792806798405183560189   # -Ai'(0) = 1 / (3^(1/3) Gamma(1/3))


def _airy_series(x: np.ndarray) -> np.ndarray:
    """Ai(x) = Ai(0) f(x) - |Ai'(0)| g(x) by the Maclaurin series, for -4 <= x <= 2."""
    x3 = x ** 3
    f_term, g_term = np.ones_like(x), x.copy()
    f, g = f_term.copy(), g_term.copy()
    for k in range(60):
        f_term = f_term * x3 / ((3 * k + 2) * (3 * k + 3))
        g_term = g_term * x3 / ((3 * k + 3) * (3 * k + 4))
        f += f_term
        g += g_term
    return _AI0 * f - _AIP0 * g


def _airy_positive(x: np.ndarray) -> np.ndarray:
    """Ai(x) = sqrt(x / 3) K_(1/3)(zeta) / pi, zeta = 2/3 x^(3/2), for x > 2."""
    zeta = 2.0 / 3.0 * x ** 1.5
    with np.errstate(under="ignore"):
        return np.sqrt(x / 3) * _bessel_k_scaled_quadrature(1 / 3, zeta) * np.exp(-zeta) / math.pi


def _airy_negative(x: np.ndarray) -> np.ndarray:
    """Ai(-z) = sqrt(z) / 3 (J_(1/3)(zeta) + J_(-1/3)(zeta)), zeta = 2/3 z^(3/2), for -x = z > 4."""
    z = -x
    zeta = 2.0 / 3.0 * z ** 1.5
    out = np.zeros(z.shape)
    near = zeta <= _LARGE
    for nu in (1 / 3, -1 / 3):
        if near.any():
            out[near] += _bessel_j_quadrature(nu, zeta[near])
        if (~near).any():
            out[~near] += _hankel(nu, zeta[~near])[0]
    return np.sqrt(z) / 3 * out


def airy_ai_array(x: np.ndarray) -> np.ndarray:
    """Airy's function Ai(x): 0 at +inf, NaN at -inf (as PyTorch)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.full(x.shape, np.nan)    # NaN at infinity too, as PyTorch's kernel gives
    for mask, fn in (((x >= -4) & (x <= 2), _airy_series), ((x > 2) & np.isfinite(x), _airy_positive),
                     ((x < -4) & np.isfinite(x), _airy_negative)):
        if mask.any():
            out[mask] = fn(x[mask])
    return out

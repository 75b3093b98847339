"""NumPy kernels of the special functions (log-gamma, polygamma, inverse error function, modified Bessel
functions, the normal distribution's log-CDF). Each takes an array, computes in float64 and returns float64;
the differentiable ops of ``microtensor/ops/special_functions.py`` cast back to the input's dtype."""
from __future__ import annotations

import math

import numpy as np

from microtensor.ops.unary import erf_array, erfc_array, erfcx_array

# B_2k / (2k (2k-1)), the coefficients of Stirling's series for log-gamma (k = 1..8)
_STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400]
# B_2k / (2k)!, the Euler-Maclaurin coefficients of the Hurwitz zeta tail (k = 1..12)
_BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798,
              -174611 / 330, 854513 / 138, -236364091 / 2730]
_EM = [b / math.factorial(2 * k) for k, b in enumerate(_BERNOULLI, 1)]
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
EULER_GAMMA = 0.57721566490153286061   # the Euler-Mascheroni constant


def _hurwitz_zeta_scalar(s: int, q: float) -> float:
    """zeta(s, q) = sum_j (q + j)^-s for one integer s >= 2 and q > 0, to float64 precision: 100 terms and the
    Euler-Maclaurin tail (for the coefficient tables built at import)."""
    n = 100
    head = math.fsum((q + j) ** -s for j in range(n))
    a = q + n
    tail = a ** (1 - s) / (s - 1) + 0.5 * a ** -s
    rising = float(s)
    for j, c in enumerate(_EM[:6], 1):
        tail += c * rising * a ** (-s - 2 * j + 1)
        rising *= (s + 2 * j - 1) * (s + 2 * j)
    return head + tail


# log-gamma(2 + z) = (1 - gamma) z + sum_k (-1)^k (zeta(k) - 1) z^k / k, for |z| <= 1/2
_LGAMMA2 = [(-1) ** k * _hurwitz_zeta_scalar(k, 2.0) / k for k in range(2, 40)]   # zeta(k, 2) = zeta(k) - 1


def _sin_pi(x: np.ndarray) -> np.ndarray:
    """sin(pi x), exact zeros at the integers (the argument is reduced before multiplying by pi)."""
    r = x - 2 * np.round(0.5 * x)
    return np.sin(np.pi * r)


def _lgamma_positive(x: np.ndarray) -> np.ndarray:
    """log-gamma of x > 0: Stirling's series from 12 on; below, the recurrence down or up to [1.5, 2.5)
    and a power series about 2 (which keeps the zeros at 1 and 2 accurate to the last bits)."""
    out = np.empty_like(x)
    big = x >= 12
    xb = x[big]
    inv = 1 / xb
    inv2 = inv * inv
    series = np.zeros_like(xb)
    for c in reversed(_STIRLING):
        series = series * inv2 + c
    out[big] = (xb - 0.5) * np.log(xb) - xb + _HALF_LOG_2PI + series * inv
    xs = x[~big]
    shift = np.floor(xs - 1.5)           # xs - shift lies in [1.5, 2.5)
    z = xs - (shift + 2)                 # exact near 1 and 2, where lgamma's zeros need every bit of z
    poly = np.zeros_like(z)
    for c in reversed(_LGAMMA2):
        poly = (poly + c) * z
    result = (1 - EULER_GAMMA) * z + poly * z
    # the recurrence's factors, kept as a numerator and a denominator so that each log is of a product of
    # exact inputs (near 1 the denominator is x itself, and log(x) has its full relative precision)
    num, den = np.ones_like(xs), np.ones_like(xs)
    t = xs.copy()
    for _ in range(12):
        down = t >= 2.5                  # lgamma(t) = lgamma(t - 1) + log(t - 1)
        up = t < 1.5                     # lgamma(t) = lgamma(t + 1) - log(t)
        num = np.where(down, num * (t - 1), num)
        den = np.where(up, den * t, den)
        t = np.where(down, t - 1, np.where(up, t + 1, t))
    out[~big] = result + (np.log(num) - np.log(den))
    return out


def lgamma_array(x: np.ndarray) -> np.ndarray:
    """log|Gamma(x)|: +inf at the non-positive integers, the reflection formula below 0.5."""
    x = np.asarray(x, dtype=np.float64)
    out = np.full(x.shape, np.inf)
    finite = np.isfinite(x)
    out[np.isnan(x)] = np.nan
    pos = finite & (x >= 0.5)
    out[pos] = _lgamma_positive(x[pos])
    neg = finite & (x < 0.5) & (x != np.floor(x))
    xn = x[neg]
    # Gamma(x) Gamma(1 - x) = pi / sin(pi x)
    out[neg] = np.log(np.pi / np.abs(_sin_pi(xn))) - _lgamma_positive(1 - xn)
    return out


def _cot_pi_derivative(n: int, x: np.ndarray) -> np.ndarray:
    """d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x)), with P_0(c) = c and P_(k+1)(c) = -(1 + c^2) P_k'(c)."""
    r = x - np.round(x)
    c = 1 / np.tan(np.pi * r)
    poly = np.polynomial.Polynomial([0.0, 1.0])
    one_plus_c2 = np.polynomial.Polynomial([1.0, 0.0, 1.0])
    for _ in range(n):
        poly = -one_plus_c2 * poly.deriv()
    return np.pi ** n * poly(c)


def _digamma_positive(x: np.ndarray) -> np.ndarray:
    """psi(x) for x > 0: the recurrence up to 12, then the asymptotic series; near psi's positive zero, its
    Taylor series there (the recurrence's sum cancels against the series to a few ulp of 1, not of psi)."""
    out = _digamma_recurrence(x)
    near = np.abs(x - _DIGAMMA_ROOT) < 0.25
    z = x[near] - _DIGAMMA_ROOT          # exact (Sterbenz)
    poly = np.zeros_like(z)
    for c in reversed(_DIGAMMA_TAYLOR):
        poly = (poly + c) * z
    out[near] = _DIGAMMA_AT_ROOT + poly
    return out


def _digamma_recurrence(x: np.ndarray) -> np.ndarray:
    acc = np.zeros_like(x)
    t = x.copy()
    for _ in range(12):
        low = t < 12
        acc = np.where(low, acc - 1 / t, acc)
        t = np.where(low, t + 1, t)
    inv2 = 1 / (t * t)
    series = np.zeros_like(t)
    for k in range(len(_BERNOULLI) - 4, 0, -1):
        series = (series + _BERNOULLI[k - 1] / (2 * k)) * inv2
    return acc + np.log(t) - 0.5 / t - series


def _hurwitz_zeta(s: float | np.ndarray, q: np.ndarray) -> np.ndarray:
    """zeta(s, q) = sum_k (q + k)^-s for s > 1 (a number or an array broadcast with q): the first terms up to
    q + k >= 10 + s (s capped at 40: beyond it the head dominates), then the Euler-Maclaurin formula (as
    Cephes' ``zeta`` computes it)."""
    s, q = np.broadcast_arrays(np.asarray(s, dtype=np.float64), np.asarray(q, dtype=np.float64))
    start = 10.0 + np.minimum(s, 40.0)
    acc = np.zeros(q.shape)
    a = q.copy()
    for _ in range(int(np.max(start - np.minimum(q, 0.0), initial=0.0)) + 1):
        low = a < start
        acc = np.where(low, acc + a ** -s, acc)
        a = np.where(low, a + 1, a)
    tail = a ** (1 - s) / (s - 1) + 0.5 * a ** -s
    rising = s.copy()                     # s (s + 1) ... (s + 2j - 2)
    for j, c in enumerate(_EM, 1):
        tail = tail + c * rising * a ** (-s - 2 * j + 1)
        rising = rising * (s + 2 * j - 1) * (s + 2 * j)
    return acc + tail


def zeta_array(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The Hurwitz zeta function zeta(x, q) with PyTorch's domain: inf at x = 1 and at non-positive integer q,
    NaN for x < 1 and for negative q with non-integer x; an asymptotic form for q > 1e8."""
    x, q = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(q, dtype=np.float64))
    with np.errstate(all="ignore"):
        regular = (x > 1) & ((q > 0) | ((q != np.floor(q)) & (x == np.floor(x))))
        huge = regular & (q > 1e8)
        middle = regular & ~huge
        out = np.full(x.shape, np.nan)
        out[middle] = _hurwitz_zeta(x[middle], q[middle])
        out[huge] = (1 / (x[huge] - 1) + 1 / (2 * q[huge])) * q[huge] ** (1 - x[huge])
        out = np.where(x == 1, np.inf, out)
        return np.where((x > 1) & (q <= 0) & (q == np.floor(q)), np.inf, out)


# psi's zero on the positive axis, 1.46163214496836234126..., and the float64 nearest it; the Taylor
# coefficients there, psi^(k)(x0) / k! = (-1)^(k+1) zeta(k+1, x0); psi's value at the float64 (the float's
# offset from the zero, -9.54999543e-17, times the slope psi'(x0))
_DIGAMMA_ROOT = 1.4616321449683622
_DIGAMMA_TAYLOR = [(-1) ** (k + 1) * _hurwitz_zeta_scalar(k + 1, _DIGAMMA_ROOT) for k in range(1, 26)]
_DIGAMMA_AT_ROOT = -9.54999542996569771e-17 * _DIGAMMA_TAYLOR[0]

def _polygamma_positive(n: int, x: np.ndarray) -> np.ndarray:
    if n == 0:
        return _digamma_positive(x)
    return (-1) ** (n + 1) * math.factorial(n) * _hurwitz_zeta(n + 1, x)


def polygamma_array(n: int, x: np.ndarray) -> np.ndarray:
    """The n-th derivative of the digamma function (n = 0: digamma), by the reflection formula
    psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi d^n/dx^n cot(pi x) below 0.5. At the poles (the non-positive
    integers) it gives PyTorch's values: digamma -inf at +0 (+inf at -0) and nan below; for n >= 1,
    (-1)^(n+1) inf."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty(x.shape)
    pos = x >= 0.5
    out[pos] = _polygamma_positive(n, x[pos])
    neg = (x < 0.5) & (x != np.floor(x))
    xn = x[neg]
    out[neg] = (-1) ** n * _polygamma_positive(n, 1 - xn) - np.pi * _cot_pi_derivative(n, xn)
    pole = (x <= 0) & (x == np.floor(x))
    if n == 0:
        out[pole] = np.where(x[pole] == 0, np.copysign(np.inf, -x[pole]), np.nan)
    else:
        out[pole] = (-1) ** (n + 1) * np.inf
    out[np.isnan(x)] = np.nan
    out[x == np.inf] = np.inf if n == 0 else 0.0
    return out


def digamma_array(x: np.ndarray) -> np.ndarray:
    """psi(x) = d/dx log Gamma(x)."""
    return polygamma_array(0, x)


# Giles' single-precision approximation of erfinv (2010), for w = -log((1 - y)(1 + y)) < 5
_GILES = [2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
          -0.00417768164, 0.246640727, 1.50140941]
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _erfinv_center(y: np.ndarray) -> np.ndarray:
    """erfinv(y) for |y| <= 1/2: Giles' approximation, then Halley's method on erf(x) - y."""
    w = -np.log((1 - y) * (1 + y)) - 2.5
    p = np.zeros_like(y)
    for c in _GILES:
        p = p * w + c
    x = p * y
    for _ in range(2):
        f = erf_array(x) - y
        x = x - f / (_TWO_OVER_SQRT_PI * np.exp(-x * x) + x * f)
    return x


def _erfcinv_tail(c: np.ndarray) -> np.ndarray:
    """The x > 0 with erfc(x) = c, for 0 < c <= 1/2: the asymptotic e^(-x^2) / (x sqrt(pi)) as the first
    guess, then Halley's method on erfc(x) - c (relative precision all the way to the smallest c)."""
    t = -np.log(c)
    x = np.sqrt(t - 0.5 * np.log(np.pi * t))
    for _ in range(4):
        g = erfc_array(x) - c
        x = x + g / (_TWO_OVER_SQRT_PI * np.exp(-x * x) - x * g)
    return x


def erfcinv_array(c: np.ndarray) -> np.ndarray:
    """The inverse of erfc on [0, 2]: +inf at 0, -inf at 2, nan outside."""
    c = np.asarray(c, dtype=np.float64)
    out = np.full(c.shape, np.nan)
    center = np.abs(1 - c) <= 0.5          # 1 - c is exact there
    out[center] = _erfinv_center(1 - c[center])
    low = (c > 0) & (c < 0.5)
    out[low] = _erfcinv_tail(c[low])
    high = (c > 1.5) & (c < 2)
    out[high] = -_erfcinv_tail(2 - c[high])
    out[c == 0] = np.inf
    out[c == 2] = -np.inf
    return out


def erfinv_array(y: np.ndarray) -> np.ndarray:
    """The inverse error function on [-1, 1]: +-inf at +-1, nan outside."""
    y = np.asarray(y, dtype=np.float64)
    out = np.full(y.shape, np.nan)
    a = np.abs(y)
    center = a <= 0.5
    out[center] = _erfinv_center(y[center])
    tail = (a > 0.5) & (a < 1)             # 1 - |y| is exact there: the tail keeps its relative precision
    out[tail] = np.copysign(_erfcinv_tail(1 - a[tail]), y[tail])
    out[a == 1] = np.copysign(np.inf, y[a == 1])
    return out


def ndtri_array(p: np.ndarray) -> np.ndarray:
    """The standard normal quantile, -sqrt(2) erfcinv(2 p) (full precision for p near 0)."""
    return -math.sqrt(2) * erfcinv_array(2 * np.asarray(p, dtype=np.float64))


def ndtr_array(x: np.ndarray) -> np.ndarray:
    """The standard normal CDF, erfc(-x / sqrt(2)) / 2."""
    return 0.5 * erfc_array(-np.asarray(x, dtype=np.float64) / math.sqrt(2))


def log_ndtr_array(x: np.ndarray) -> np.ndarray:
    """log of the standard normal CDF: log1p(-erfc(x / sqrt(2)) / 2) above -1 and, below, the scaled
    log(erfcx(-x / sqrt(2)) / 2) - x^2 / 2, which has no underflow (as PyTorch computes it)."""
    x = np.asarray(x, dtype=np.float64)
    t = x / math.sqrt(2)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        upper = np.log1p(-0.5 * erfc_array(t))
        lower = np.log(0.5 * erfcx_array(-t)) - 0.5 * x * x
    return np.where(x < -1, lower, upper)


def _bessel_series(nu: int, x: np.ndarray) -> np.ndarray:
    """I_nu(x) e^(-|x|) for |x| <= 20 by the power series sum (x/2)^(2k+nu) / (k! (k+nu)!) (positive terms)."""
    q = 0.25 * x * x
    term = (0.5 * x) ** nu / math.factorial(nu)
    total = term.copy()
    for k in range(1, 70):
        term = term * q / (k * (k + nu))
        total += term
    return total * np.exp(-np.abs(x))


def hankel_series(nu: float, x: np.ndarray, sign: float, terms: int) -> np.ndarray:
    """sum_k sign^k a_k(nu) / x^k, k < ``terms``, with a_k(nu) = prod_j (4 nu^2 - (2j - 1)^2) / (k! 8^k): the
    series of Hankel's large-argument expansions (sign -1 for I_nu, +1 for K_nu). Its smallest term, near
    k = 2x, is below float64's precision for the x the callers use it at."""
    term = np.ones_like(x)
    total = term.copy()
    mu = 4.0 * nu * nu
    for k in range(1, terms):
        term = term * sign * (mu - (2 * k - 1) ** 2) / (8 * k * x)
        total += term
    return total


def _bessel_asymptotic(nu: int, x: np.ndarray) -> np.ndarray:
    """I_nu(x) e^(-x) for x > 20 by Hankel's expansion 1/sqrt(2 pi x) sum_k (-1)^k a_k(nu) / x^k."""
    return hankel_series(nu, x, -1.0, 40) / np.sqrt(2 * np.pi * x)


def bessel_ie_array(nu: int, x: np.ndarray) -> np.ndarray:
    """The exponentially scaled modified Bessel function I_nu(x) e^(-|x|) of the first kind, nu = 0 or 1."""
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    out = np.empty(x.shape)
    small = a <= 20
    out[small] = _bessel_series(nu, x[small])
    big = ~small & ~np.isnan(x)
    out[big] = _bessel_asymptotic(nu, a[big]) * (np.sign(x[big]) if nu % 2 else 1.0)
    out[np.isnan(x)] = np.nan
    return out


def bessel_i_array(nu: int, x: np.ndarray) -> np.ndarray:
    """The modified Bessel function I_nu(x) of the first kind, nu = 0 or 1 (overflows to inf as e^|x|)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        scale = np.exp(np.abs(x))
        return np.where(np.isinf(scale), np.copysign(np.inf, x) if nu % 2 else np.inf,
                        bessel_ie_array(nu, x) * scale)

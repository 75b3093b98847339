"""Helpers shared by the distributions: broadcasting parameters, probs <-> logits, a lazily computed
property, and private differentiable lgamma/digamma/polygamma, erfinv and Cholesky factorisation (to be swapped for
the core's ops once ``microtensor.lgamma``/``digamma``/``erfinv``/``linalg.cholesky`` exist)."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import numpy as np

import microtensor
from microtensor.autograd.function import Function
from microtensor.tensor import Tensor

T = TypeVar("T")
Number = (int, float)


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """Broadcast tensors and Python numbers to one shape; numbers become tensors of the tensors' dtype
    (the default dtype when there are none), as ``torch.distributions.utils.broadcast_all`` does."""
    tensors = [v for v in values if isinstance(v, Tensor)]
    for v in values:
        if not isinstance(v, (Tensor, *Number)):
            raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or objects "
                             f"implementing __torch_function__, got {type(v).__name__}.")
    dtype = tensors[0].dtype if tensors else microtensor.get_default_dtype()
    as_tensors = [v if isinstance(v, Tensor) else microtensor.tensor(v, dtype=dtype) for v in values]
    shape = np.broadcast_shapes(*(tuple(t.shape) for t in as_tensors))
    return tuple(t if tuple(t.shape) == shape else t.expand(shape) for t in as_tensors)


def clamp_probs(probs: Tensor) -> Tensor:
    """Clamp probabilities into the open interval (eps, 1 - eps) of their dtype."""
    eps = microtensor.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Sigmoid of ``logits`` when binary, else softmax over the last dim."""
    return logits.sigmoid() if is_binary else logits.softmax(dim=-1)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Logits of (clamped) ``probs``: log-odds when binary, else log-probabilities."""
    clamped = clamp_probs(probs)
    return clamped.log() - (-clamped).log1p() if is_binary else clamped.log()


class lazy_property(Generic[T]):
    """A property computed once on first access and then stored on the instance (PyTorch's ``lazy_property``)."""

    def __init__(self, wrapped: Callable[[Any], T]) -> None:
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance: Any, obj_type: Any = None) -> Any:
        if instance is None:
            return self
        value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


# ----------------------------------------------------------------------------- gamma-family special functions
def _lgamma_scalar(x: float) -> float:
    try:
        return math.lgamma(x)
    except ValueError:  # a pole (0, -1, -2, ...): PyTorch gives +inf
        return math.inf


_lgamma_array = np.frompyfunc(_lgamma_scalar, 1, 1)

# the Bernoulli numbers B_2, B_4, ..., B_14 of the asymptotic series of digamma and polygamma
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)


def _polygamma_array(n: int, x: np.ndarray) -> np.ndarray:
    """psi^(n)(x) away from the poles: the recurrence up to x >= 10, then the asymptotic series."""
    x = np.array(x, dtype=np.float64)
    out = np.zeros_like(x)
    sign = -1.0 if n % 2 == 0 else 1.0       # (-1)**(n+1)
    while np.any(small := x < 10):
        # psi^(n)(x) = psi^(n)(x + 1) - (-1)**n n! / x**(n+1)
        out = np.where(small, out + sign * math.factorial(n) / x ** (n + 1), out)
        x = np.where(small, x + 1, x)
    if n == 0:
        series = sum(b / (2 * k) / x ** (2 * k) for k, b in enumerate(_BERNOULLI, start=1))
        return out + np.log(x) - 0.5 / x - series
    series = math.factorial(n - 1) / x ** n + math.factorial(n) / (2 * x ** (n + 1))
    for k, b in enumerate(_BERNOULLI, start=1):
        series = series + b * math.factorial(2 * k + n - 1) / math.factorial(2 * k) / x ** (2 * k + n)
    return out + sign * series


class Lgamma(Function):
    """out = ln|Gamma(x)|; the gradient is digamma(x)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.asarray(_lgamma_array(x), dtype=np.float64).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * polygamma(0, x)


class Polygamma(Function):
    """out = psi^(n)(x), the n-th derivative of digamma; the gradient is psi^(n+1)(x)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, n: int) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.n = n
        return _polygamma_array(n, x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        x, = ctx.saved_tensors
        return grad * polygamma(ctx.n + 1, x), None


def lgamma(input: Tensor) -> Tensor:
    """ln|Gamma(input)|, elementwise and differentiable (a private stand-in for ``torch.lgamma``)."""
    return Lgamma.apply(input)


def polygamma(n: int, input: Tensor) -> Tensor:
    """The n-th derivative of digamma at ``input`` (> 0), differentiable (a stand-in for ``torch.polygamma``)."""
    return Polygamma.apply(input, n)


def digamma(input: Tensor) -> Tensor:
    """d/dx ln Gamma(x) at ``input`` (> 0), differentiable (a stand-in for ``torch.digamma``)."""
    return polygamma(0, input)


def xlogy(x: Tensor, y: Tensor) -> Tensor:
    """x * log(y), 0 where x == 0 (even at y == 0), with gradients that stay finite there."""
    zero = x == 0
    return microtensor.where(zero, 0.0, x * microtensor.where(zero, 1.0, y).log())


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """Sum out the ``dim`` rightmost dims of ``value``."""
    return value.reshape(*value.shape[:value.dim() - dim], -1).sum(-1) if dim > 0 else value


class StandardGamma(Function):
    """out ~ Gamma(concentration, 1), at least the dtype's smallest normal number; the gradient is the implicit
    reparameterisation dz/dalpha = -(dP(alpha, z)/dalpha) / p(z; alpha), P the regularised incomplete gamma."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, concentration: np.ndarray) -> np.ndarray:
        draws = microtensor.random.numpy_generator(None).standard_gamma(concentration.astype(np.float64))
        out = np.maximum(draws, np.finfo(concentration.dtype).tiny).astype(concentration.dtype)
        ctx.save_for_backward(concentration, out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        concentration, out = ctx.saved_tensors
        return grad * standard_gamma_grad(concentration, out)


def standard_gamma(concentration: Tensor) -> Tensor:
    """Gamma(concentration, 1) draws, differentiable in ``concentration`` by implicit reparameterisation."""
    return StandardGamma.apply(concentration)


def standard_gamma_grad(concentration: Tensor, sample: Tensor) -> Tensor:
    """dz/dalpha of a Gamma(alpha, 1) sample z at fixed CDF value, as ``torch._standard_gamma_grad``: the series
    P(alpha, z) = sum_n e^-z z^(alpha+n) / Gamma(alpha+n+1) differentiated term by term, over the pdf. Written
    with Tensor ops, so it is differentiable too; the number of terms reaches past the Poisson-like peak of the
    terms at n = z - alpha by 12 standard deviations."""
    z, alpha = sample.detach().numpy(), concentration.detach().numpy()
    count = int(np.max(np.maximum(z - alpha, 0) + 12 * np.sqrt(z), initial=0.0)) + 30
    a = concentration.unsqueeze(-1) + microtensor.arange(count, dtype=concentration.dtype)
    log_z = sample.log().unsqueeze(-1)
    terms = (a * log_z - sample.unsqueeze(-1) - lgamma(a + 1)).exp()
    d_cdf = (terms * (log_z - digamma(a + 1))).sum(-1)
    log_pdf = (concentration - 1) * sample.log() - sample - lgamma(concentration)
    return -d_cdf / log_pdf.exp()


# ----------------------------------------------------------------------------- inverse error function
# Giles' single-precision approximation of erfinv (central and tail polynomials), refined below
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                  -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
               0.00943887047, 1.00167406, 2.83297682)


def _erfinv_array(x: np.ndarray) -> np.ndarray:
    """erfinv in float64: Giles' approximation, then four refining steps that solve erf(u) = |x| (through
    erfc past |x| = 1/2, so the tails keep their relative precision)."""
    a = np.abs(x.astype(np.float64))
    inside = a < 1
    a_in = np.where(inside, a, 0.0)
    w = -np.log((1 - a_in) * (1 + a_in))
    central, tail = w - 2.5, np.sqrt(w) - 3.0
    p_central, p_tail = np.zeros_like(w), np.zeros_like(w)
    for c_central, c_tail in zip(_GILES_CENTRAL, _GILES_TAIL):
        p_central = p_central * central + c_central
        p_tail = p_tail * tail + c_tail
    u = np.where(w < 5, p_central, p_tail) * a_in
    log_tail = np.log(np.where(a_in < 0.5, 1.0, 1 - a_in))
    for _ in range(4):
        u_tensor = microtensor.tensor(u)
        erf_u, erfc_u = microtensor.erf(u_tensor).numpy(), microtensor.erfc(u_tensor).numpy()
        slope = 2 / math.sqrt(math.pi) * np.exp(-u * u)
        # Halley on erf(u) = a in the centre; Newton on log erfc(u) = log(1 - a) in the tails (nearly quadratic)
        ratio = (erf_u - a_in) / slope
        central_step = ratio / (1 + u * ratio)
        with np.errstate(divide="ignore", invalid="ignore"):
            tail_step = (np.log(erfc_u) - log_tail) * erfc_u / -slope
        u = u - np.where(a_in < 0.5, central_step, tail_step)
    u = np.where(inside, u, np.where(a == 1, np.inf, np.nan))
    return np.copysign(u, x)


class Erfinv(Function):
    """out = erfinv(x); the gradient is sqrt(pi)/2 * exp(out^2)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        out = _erfinv_array(x).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        out, = ctx.saved_tensors
        return grad * (math.sqrt(math.pi) / 2) * (out * out).exp()


def erfinv(input: Tensor) -> Tensor:
    """The inverse error function on (-1, 1) (+-inf at +-1, NaN outside), differentiable (a private stand-in
    for ``torch.erfinv``)."""
    return Erfinv.apply(input)


# ----------------------------------------------------------------------------- Cholesky factorisation
class Cholesky(Function):
    """out = L, lower triangular with A = L L^T; PyTorch's backward L^-T Phi(L^T gL) L^-1, symmetrised."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        try:
            out = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise RuntimeError("linalg.cholesky: The factorization could not be completed because the input is "
                               f"not positive-definite (input of shape {a.shape}).") from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        lower, = ctx.saved_tensors
        inverse = microtensor.linalg.inv(lower)
        phi = (lower.mT @ grad).tril()
        phi = 0.5 * (phi + phi.tril(-1).mT)
        return inverse.mT @ phi @ inverse


def cholesky(input: Tensor) -> Tensor:
    """The lower Cholesky factor of a (batch of) symmetric positive-definite matrices, differentiable."""
    return Cholesky.apply(input)


def batch_mahalanobis(scale_tril: Tensor, diff: Tensor) -> Tensor:
    """|L^-1 diff|^2 over the last dim, broadcasting L's and diff's batch dims. Only L's lower triangle is
    read (its upper part gets no gradient), as PyTorch's triangular solve does."""
    solved = (microtensor.linalg.inv(scale_tril.tril()) @ diff.unsqueeze(-1)).squeeze(-1)
    return solved.pow(2).sum(-1)

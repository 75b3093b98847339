"""Helpers shared by the distributions: broadcasting parameters, probs <-> logits, a lazily computed
property, Gamma sampling with its implicit reparameterisation gradient, and the core's special functions
(lgamma, digamma, erfinv, xlogy) and Cholesky factorisation under the names the distributions use."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import numpy as np

import microtensor
from microtensor.autograd.function import Function
from microtensor.ops.special_functions import digamma, lgamma
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


def batch_mahalanobis(scale_tril: Tensor, diff: Tensor) -> Tensor:
    """|L^-1 diff|^2 over the last dim, broadcasting L's and diff's batch dims. Only L's lower triangle is
    read (its upper part gets no gradient), as PyTorch's triangular solve does."""
    solved = (microtensor.linalg.inv(scale_tril.tril()) @ diff.unsqueeze(-1)).squeeze(-1)
    return solved.pow(2).sum(-1)


def _tril_mask(n: int, diag: int) -> np.ndarray:
    arange = np.arange(n)
    return arange < arange.reshape(-1, 1) + (diag + 1)


def vec_to_tril_matrix(vec: Tensor, diag: int = 0) -> Tensor:
    """The lower-triangular matrices (below diagonal ``diag``) whose entries, row by row, are ``vec``'s last dim."""
    m = vec.shape[-1]
    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * m + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    if abs(n - round(n)) > 1e-6:
        raise ValueError(f"The size of last dimension is {m} which cannot be expressed as the lower triangular "
                         "part of a square D x D matrix.")
    n = round(n)
    rows, cols = np.nonzero(_tril_mask(n, diag))
    mat = vec.new_zeros(tuple(vec.shape[:-1]) + (n * n,))
    return mat.index_add(-1, microtensor.tensor(rows * n + cols), vec).reshape(tuple(vec.shape[:-1]) + (n, n))


def tril_matrix_to_vec(mat: Tensor, diag: int = 0) -> Tensor:
    """The entries of ``mat`` on and below diagonal ``diag``, row by row, as a vector (inverse of
    ``vec_to_tril_matrix``)."""
    n = mat.shape[-1]
    rows, cols = np.nonzero(_tril_mask(n, diag))
    return mat.reshape(tuple(mat.shape[:-2]) + (n * n,))[..., microtensor.tensor(rows * n + cols)]


def probs_or_logits(probs: Any, logits: Any, *others: Any) -> tuple[str, tuple[Tensor, ...]]:
    """Which of ``probs``/``logits`` was given (exactly one must be), with it broadcast against ``others``
    (other parameters, as ``broadcast_all``); the given parameter comes first in the returned tuple."""
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")
    name, given = ("probs", probs) if probs is not None else ("logits", logits)
    return name, broadcast_all(given, *others)

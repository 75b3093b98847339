"""The multivariate normal with a low-rank-plus-diagonal covariance ``W W^T + D``."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import microtensor
from microtensor.distributions import constraints
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import batch_mahalanobis, lazy_property
from microtensor.tensor import Size, Tensor

__all__ = ["LowRankMultivariateNormal"]


def _capacitance_tril(w: Tensor, d: Tensor) -> Tensor:
    """The Cholesky factor of the capacitance matrix I + W^T D^-1 W (m x m, m the rank)."""
    m = w.shape[-1]
    k = (w.mT / d.unsqueeze(-2)) @ w + microtensor.eye(m, dtype=w.dtype)
    return microtensor.linalg.cholesky(k)


def _lowrank_logdet(d: Tensor, capacitance_tril: Tensor) -> Tensor:
    """log det(W W^T + D) by the matrix determinant lemma."""
    return 2 * capacitance_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1) + d.log().sum(-1)


def _lowrank_mahalanobis(w: Tensor, d: Tensor, x: Tensor, capacitance_tril: Tensor) -> Tensor:
    """x^T (W W^T + D)^-1 x by the Woodbury identity."""
    wt_dinv_x = ((w.mT / d.unsqueeze(-2)) @ x.unsqueeze(-1)).squeeze(-1)
    return (x.pow(2) / d).sum(-1) - batch_mahalanobis(capacitance_tril, wt_dinv_x)


class LowRankMultivariateNormal(Distribution):
    """A multivariate normal with covariance ``cov_factor @ cov_factor.mT + diag(cov_diag)``: log_prob and
    entropy cost O(n m^2) for rank m instead of O(n^3).

    Args:
        loc: the mean, shape (*, n).
        cov_factor: W, shape (*, n, m).
        cov_diag: the diagonal D, shape (*, n), positive.

    Example::

        >>> m = LowRankMultivariateNormal(torch.zeros(2), torch.tensor([[1.0], [0.0]]), torch.ones(2))
        >>> m.sample()  # normally distributed with mean=[0,0], cov_factor=[[1],[0]], cov_diag=[1,1]
    """
    arg_constraints = {"loc": constraints.real_vector, "cov_factor": constraints.independent(constraints.real, 2),
                       "cov_diag": constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor, cov_factor: Tensor, cov_diag: Tensor, validate_args: bool | None = None) -> None:
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        event_shape = Size(loc.shape[-1:])
        if cov_factor.dim() < 2:
            raise ValueError("cov_factor must be at least two-dimensional, with optional leading batch dimensions")
        if tuple(cov_factor.shape[-2:-1]) != tuple(event_shape):
            raise ValueError(f"cov_factor must be a batch of matrices with shape {event_shape[0]} x m")
        if tuple(cov_diag.shape[-1:]) != tuple(event_shape):
            raise ValueError(f"cov_diag must be a batch of vectors with shape {event_shape}")
        try:
            shape = np.broadcast_shapes(tuple(loc.shape) + (1,), tuple(cov_factor.shape), tuple(cov_diag.shape) + (1,))
        except ValueError as e:
            raise ValueError(f"Incompatible batch shapes: loc {loc.shape}, cov_factor {cov_factor.shape}, "
                             f"cov_diag {cov_diag.shape}") from e
        self.cov_factor = cov_factor.expand(shape)
        self.loc = loc.expand(shape[:-1])
        self.cov_diag = cov_diag.expand(shape[:-1])
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag
        self._capacitance_tril = _capacitance_tril(cov_factor, cov_diag)
        super().__init__(self.loc.shape[:-1], event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> LowRankMultivariateNormal:
        """A LowRankMultivariateNormal with ``batch_shape`` (parameters expanded, no copy)."""
        new = self._get_checked_instance(LowRankMultivariateNormal, _instance)
        loc_shape = tuple(batch_shape) + tuple(self.event_shape)
        new.loc = self.loc.expand(loc_shape)
        new.cov_diag = self.cov_diag.expand(loc_shape)
        new.cov_factor = self.cov_factor.expand(loc_shape + tuple(self.cov_factor.shape[-1:]))
        new._unbroadcasted_cov_factor = self._unbroadcasted_cov_factor
        new._unbroadcasted_cov_diag = self._unbroadcasted_cov_diag
        new._capacitance_tril = self._capacitance_tril
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """loc."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """loc."""
        return self.loc

    def _full(self, value: Tensor, matrix: bool) -> Tensor:
        n = tuple(self._event_shape)
        return value.expand(tuple(self._batch_shape) + n + (n if matrix else ()))

    @lazy_property
    def variance(self) -> Tensor:
        """The covariance's diagonal: row norms of W squared plus D."""
        return self._full(self._unbroadcasted_cov_factor.pow(2).sum(-1) + self._unbroadcasted_cov_diag, False)

    @lazy_property
    def scale_tril(self) -> Tensor:
        """The Cholesky factor of the covariance, computed as D^1/2 chol(I + D^-1/2 W W^T D^-1/2)."""
        n = self._event_shape[0]
        d_sqrt = self._unbroadcasted_cov_diag.sqrt().unsqueeze(-1)
        dinvsqrt_w = self._unbroadcasted_cov_factor / d_sqrt
        k = dinvsqrt_w @ dinvsqrt_w.mT + microtensor.eye(n, dtype=d_sqrt.dtype)
        return self._full(d_sqrt * microtensor.linalg.cholesky(k), True)

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """W W^T + diag(D)."""
        w = self._unbroadcasted_cov_factor
        return self._full(w @ w.mT + microtensor.diag_embed(self._unbroadcasted_cov_diag), True)

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """(W W^T + D)^-1 by the Woodbury identity."""
        wt_dinv = self._unbroadcasted_cov_factor.mT / self._unbroadcasted_cov_diag.unsqueeze(-2)
        a = microtensor.linalg.solve_triangular(self._capacitance_tril, wt_dinv, upper=False)
        return self._full(microtensor.diag_embed(self._unbroadcasted_cov_diag.reciprocal()) - a.mT @ a, True)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """loc + W eps_W + sqrt(D) eps_D: differentiable in every parameter."""
        shape = tuple(self._extended_shape(sample_shape))
        w_shape = shape[:-1] + tuple(self.cov_factor.shape[-1:])
        eps_w = microtensor.randn(w_shape, dtype=self.loc.dtype)
        eps_d = microtensor.randn(shape, dtype=self.loc.dtype)
        return (self.loc + (self._unbroadcasted_cov_factor @ eps_w.unsqueeze(-1)).squeeze(-1)
                + self._unbroadcasted_cov_diag.sqrt() * eps_d)

    def log_prob(self, value: Tensor) -> Tensor:
        """-(n log(2 pi) + log det(cov) + Mahalanobis distance) / 2."""
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        m = _lowrank_mahalanobis(self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag, diff,
                                 self._capacitance_tril)
        log_det = _lowrank_logdet(self._unbroadcasted_cov_diag, self._capacitance_tril)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + log_det + m)

    def entropy(self) -> Tensor:
        """(n (1 + log(2 pi)) + log det(cov)) / 2."""
        log_det = _lowrank_logdet(self._unbroadcasted_cov_diag, self._capacitance_tril)
        h = 0.5 * (self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + log_det)
        return h if len(self._batch_shape) == 0 else h.expand(tuple(self._batch_shape))

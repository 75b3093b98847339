"""The LKJ distribution over Cholesky factors of correlation matrices."""
from __future__ import annotations

import math
from typing import Any

import microtensor
from microtensor.distributions import constraints
from microtensor.distributions.beta import Beta
from microtensor.distributions.distribution import Distribution
from microtensor.distributions.utils import broadcast_all
from microtensor.ops.special_functions import lgamma, mvlgamma
from microtensor.tensor import Size, Tensor

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    """The LKJ distribution (Lewandowski, Kurowicka and Joe, 2009) of the lower Cholesky factor L of a
    ``dim`` x ``dim`` correlation matrix: density proportional to det(L L^T) ** (concentration - 1).
    Sampling is the onion method, as PyTorch's.

    Args:
        dim: the matrices' size (>= 2).
        concentration: eta > 0 (1: uniform over correlation matrices).

    Example::

        >>> l = LKJCholesky(3, 0.5)
        >>> l.sample()  # l @ l.T is a sample of a correlation 3x3 matrix
    """
    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim: int, concentration: Any = 1.0, validate_args: bool | None = None) -> None:
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        marginal_conc = self.concentration + 0.5 * (self.dim - 2)
        offset = microtensor.arange(self.dim - 1, dtype=self.concentration.dtype)
        offset = microtensor.cat([offset.new_zeros((1,)), offset])
        self._beta = Beta(offset + 0.5, marginal_conc.unsqueeze(-1) - 0.5 * offset)
        super().__init__(self.concentration.size(), Size((dim, dim)), validate_args)

    def expand(self, batch_shape: Any, _instance: Distribution | None = None) -> LKJCholesky:
        """An LKJCholesky with ``batch_shape`` (parameters expanded, no copy)."""
        new = self._get_checked_instance(LKJCholesky, _instance)
        batch_shape = Size(batch_shape)
        new.dim = self.dim
        new.concentration = self.concentration.expand(batch_shape)
        new._beta = self._beta.expand(tuple(batch_shape) + (self.dim,))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Onion-method draws: Beta radii along uniform directions, row by row."""
        with microtensor.no_grad():
            y = self._beta.sample(sample_shape).unsqueeze(-1)
            u_normal = microtensor.randn(tuple(self._extended_shape(sample_shape)), dtype=y.dtype).tril(-1)
            norms = u_normal.norm(dim=-1, keepdim=True)
            u_hypersphere = u_normal / microtensor.where(norms == 0, 1.0, norms)   # the first row is all zero
            w = y.sqrt() * u_hypersphere
            eps = microtensor.finfo(w.dtype).tiny
            diag_elems = (1 - (w ** 2).sum(-1)).clamp(min=eps).sqrt()
            return w + microtensor.diag_embed(diag_elems)

    def log_prob(self, value: Tensor) -> Tensor:
        """sum_i (2 (eta - 1) + dim - i) log L_ii over rows 2..dim, less the normalizing constant."""
        if self._validate_args:
            self._validate_sample(value)
        diag_elems = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = microtensor.arange(2, self.dim + 1, dtype=self.concentration.dtype)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized_log_pdf = (order * diag_elems.log()).sum(-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        normalize_term = 0.5 * dm1 * math.log(math.pi) + mvlgamma(alpha - 0.5, dm1) - lgamma(alpha) * dm1
        return unnormalized_log_pdf - normalize_term

"""The distance modules: ``CosineSimilarity`` and ``PairwiseDistance``, the module forms of the functions."""
from __future__ import annotations

from microtensor.nn import functional as F
from microtensor.nn.module import Module
from microtensor.tensor import Tensor


class CosineSimilarity(Module):
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim`` (the inputs broadcast).

    Args:
        dim: the dimension of the vectors (default 1).
        eps: the smallest norm divided by (default 1e-8).
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """``F.cosine_similarity(x1, x2, dim, eps)``."""
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """The ``p``-norm of ``x1 - x2 + eps`` along the last dimension (the inputs broadcast).

    Args:
        p: the norm's order (default 2).
        eps: added to the difference, to keep the norm's gradient finite (default 1e-6).
        keepdim: keep the last dimension with size 1.
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """``F.pairwise_distance(x1, x2, p, eps, keepdim)``."""
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

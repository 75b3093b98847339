"""Distances and similarities between vectors along a dim: ``cosine_similarity`` and ``pairwise_distance``."""
from __future__ import annotations

from microtensor.ops.broadcasting import promote
from microtensor.ops.checks import floating_input
from microtensor.tensor import Tensor


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 * x2, dim) / (max(|x1|, eps) * max(|x2|, eps)), the 2-norms over ``dim``; x1 and x2 broadcast."""
    a, b = promote(floating_input("cosine_similarity", x1), floating_input("cosine_similarity", x2))
    a_norm = a.norm(2, dim, keepdim=True).clamp_min(eps)
    b_norm = b.norm(2, dim, keepdim=True).clamp_min(eps)
    return ((a / a_norm) * (b / b_norm)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """The p-norm of x1 - x2 + eps over the last dim (x1 and x2 broadcast)."""
    a, b = promote(floating_input("pairwise_distance", x1), floating_input("pairwise_distance", x2))
    diff = a - b + eps
    return diff.norm(p, -1 if diff.ndim else None, keepdim=keepdim)

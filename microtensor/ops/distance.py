"""Distances and similarities between vectors: ``cosine_similarity`` and ``pairwise_distance`` along a dim,
``cdist`` (every row of one set against every row of another) and ``pdist`` (every pair of rows of one set).

All are compositions of differences and ``norm``, whose backward gives PyTorch's gradient 0 at a zero
distance (and at a zero coordinate for p < 1)."""
from __future__ import annotations

import math

import numpy as np

from microtensor.dtypes import is_floating
from microtensor.ops.broadcasting import promote
from microtensor.ops.checks import floating_input, tensor_input, torch_dtype_name
from microtensor.tensor import Tensor

_COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def _clamped_norm(x: Tensor, dim: int, eps: float) -> Tensor:
    """The 2-norm over ``dim`` (kept), with values below ``eps`` raised to it; as in PyTorch the clamp is
    applied outside autograd, so the gradient is the unclamped norm's."""
    norm = x.norm(2, dim, keepdim=True)
    return norm + (norm.detach().clamp_min(eps) - norm.detach())


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 * x2, dim) / (max(|x1|, eps) * max(|x2|, eps)), the 2-norms taken over ``dim`` (any dim of the
    broadcast shape, negative counting from the end); x1 and x2 broadcast and promote, and their common dtype
    must be floating point (an integer tensor with a float one is fine)."""
    a, b = promote(tensor_input("cosine_similarity", x1, "x1"), tensor_input("cosine_similarity", x2, "x2", 2))
    if not is_floating(a._data.dtype):
        raise RuntimeError(f"cosine_similarity: expected common dtype to be floating point, yet common dtype is "
                           f"{torch_dtype_name(a)}")
    shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    a, b = a.expand(shape), b.expand(shape)
    d = a._wrap_dim(dim)
    return ((a / _clamped_norm(a, d, eps)) * (b / _clamped_norm(b, d, eps))).sum(d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """The p-norm of x1 - x2 + eps over the last dim (x1 and x2 broadcast)."""
    a, b = promote(floating_input("pairwise_distance", x1), floating_input("pairwise_distance", x2))
    diff = a - b + eps
    return diff.norm(p, -1 if diff.ndim else None, keepdim=keepdim)


def _distances(diff: Tensor, p: float) -> Tensor:
    """The p-norms of ``diff`` over its last dim; 0 for vectors of no elements, whatever p (as PyTorch's
    distances give, where the inf norm of nothing would otherwise be refused)."""
    if not diff.shape[-1]:
        return diff.sum(-1)
    if p != math.inf:
        return diff.norm(p, -1)
    # PyTorch's distance gradient for p = inf goes whole to every coordinate that ties for the maximum (the
    # norm's splits it): the value is the maximum, the gradient that of the sum over the ties
    size = diff.abs()
    largest = size.detach().amax(-1, keepdim=True)
    ties = (size * (size.detach() == largest)).sum(-1)
    return ties + (largest.squeeze(-1) - ties.detach())


def _check_p(op: str, p: float) -> None:
    if not p >= 0:                       # NaN is refused too
        raise RuntimeError(f"{op} only supports non-negative p values, got p={p}")


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str | None = "use_mm_for_euclid_dist_if_necessary"
          ) -> Tensor:
    """The p-norm distance between each row of ``x1`` (..., P, M) and each row of ``x2`` (..., R, M): a
    (..., P, R) tensor, the batch dims broadcast. ``compute_mode`` is accepted for compatibility; the distances
    are always computed from the differences (PyTorch's exact mode), so they are 0 for equal rows and the
    gradient there is 0, as in PyTorch."""
    tensor_input("cdist", x1, "x1")
    tensor_input("cdist", x2, "x2", 2)
    for name, x in (("X1", x1), ("X2", x2)):
        if x._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
        if not is_floating(x._data.dtype):
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {torch_dtype_name(x)}")
    if x1._data.dtype != x2._data.dtype:
        raise RuntimeError(f"cdist: expected scalar type {torch_dtype_name(x1)} but found {torch_dtype_name(x2)}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    _check_p("cdist", p)
    if compute_mode is not None and compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)          # (..., P, R, M); the batch dims broadcast here
    return _distances(diff, p)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The p-norm distance between each pair of rows i < j of an (N, M) tensor, in row-major order of (i, j):
    a tensor of N * (N - 1) / 2 distances (the upper triangle of ``cdist(input, input)``)."""
    tensor_input("pdist", input)
    if input._data.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if not is_floating(input._data.dtype):
        raise RuntimeError(f"pdist only supports floating-point dtypes, got: {torch_dtype_name(input)}")
    _check_p("pdist", p)
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    return _distances(input[Tensor._make(i)] - input[Tensor._make(j)], p)

"""Randomized low-rank decompositions: torch.svd_lowrank and torch.pca_lowrank (Halko, Martinsson and
Tropp 2009, Algorithms 4.4 and 5.1, as PyTorch's ``torch/_lowrank.py`` writes them): a random Gaussian
sketch from the global generator, ``niter`` subspace iterations with QR, then the SVD of the small
projected matrix. Every step is a differentiable op, so the results are too."""
from __future__ import annotations

from typing import Any

from microtensor.ops.linalg import matmul, svd
from microtensor.ops.linalg_decompositions import qr
from microtensor.random import randn
from microtensor.tensor import Tensor


def get_approximate_basis(A: Tensor, q: int, niter: int | None = 2, M: Tensor | None = None) -> Tensor:
    """Q with ``q`` orthonormal columns such that Q Q^T (A - M) approximates A - M (M is zero when None),
    without forming A - M."""
    niter = 2 if niter is None else niter

    def times(X: Tensor, transposed: bool) -> Tensor:        # (A - M) X or (A - M)^T X
        left = A.mT if transposed else A
        out = matmul(left, X)
        return out if M is None else out - matmul(M.mT if transposed else M, X)

    Q = qr(times(randn(A.shape[-1], q, dtype=A.dtype), False)).Q
    for _ in range(niter):
        Q = qr(times(Q, True)).Q
        Q = qr(times(Q, False)).Q
    return Q


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2, M: Tensor | None = None) -> Any:
    """``(U, S, V)``, an approximate rank-``q`` SVD of (each matrix in) ``A`` (of ``A - M`` when M is given),
    A ~ U diag(S) V^T, by a randomized range finder with ``niter`` subspace iterations; random, so
    repeatable only under the same seed. U is m x q, S has q values, V is n x q."""
    q = 6 if q is None else q
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.shape)
    if m < n:
        A = A.mT
        M = None if M is None else M.mT
    Q = get_approximate_basis(A, q, niter=niter, M=M)
    B = matmul(Q.mT, A) if M is None else matmul(Q.mT, A) - matmul(Q.mT, M)
    U, S, Vh = svd(B, full_matrices=False)
    V, U = Vh.mT, matmul(Q, U)
    return (V, S, U) if m < n else (U, S, V)


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2) -> Any:
    """``(U, S, V)``, the approximate principal components of the rows of (each matrix in) ``A``: the
    ``svd_lowrank`` of A with its column means subtracted (``center``); ``q`` defaults to min(6, m, n). The
    principal directions are V's columns, the variances ``S**2 / (m - 1)``."""
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not (q >= 0 and q <= min(m, n)):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not (niter >= 0):
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return svd_lowrank(A, q, niter=niter, M=None)
    return svd_lowrank(A - A.mean(dim=(-2,), keepdim=True), q, niter=niter, M=None)

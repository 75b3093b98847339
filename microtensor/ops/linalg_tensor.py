"""torch.linalg's tensor forms: tensorinv and tensorsolve (a reshape to a square matrix around ``inv`` and
``solve``), and linalg.vander (powers along a new last dim, by a cumulative product as PyTorch computes
them, so the gradient is finite at zero)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor.ops.checks import tensor_inputs, torch_dtype_name
from microtensor.ops.linalg import inv
from microtensor.ops.linalg_solvers import solve
from microtensor.ops.reduction import cumprod
from microtensor.ops.shape import cat
from microtensor.tensor import Tensor


def _check_square_product(shape: tuple[int, ...], k: int, what: str, rows: int | None = None) -> tuple[int, int]:
    """(rows, cols) of the matrix view of ``shape`` split after dim k (rows given for tensorsolve: B's size)."""
    rows, cols = math.prod(shape[:k]) if rows is None else rows, math.prod(shape[k:])
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[{what}:]) == "
                           f"prod(self.shape[:{what}]), but got {cols} != {rows}")
    return rows, cols


def tensorinv(input: Tensor, ind: int = 2, *, out: Any = None) -> Tensor:
    """The inverse of ``input`` (A) with respect to ``tensordot`` over ``ind`` dims: A seen as the square matrix of
    shape (prod(A.shape[:ind]), prod(A.shape[ind:])), inverted, and given the shape A.shape[ind:] +
    A.shape[:ind]."""
    A = input
    tensor_inputs("linalg.tensorinv", input=input)
    if not isinstance(ind, int) or ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = A._data.shape
    rows, cols = _check_square_product(shape, ind, "ind")
    return inv(A.reshape(rows, cols)).reshape(*shape[ind:], *shape[:ind])


def tensorsolve(input: Tensor, other: Tensor, dims: Any = None, *, out: Any = None) -> Tensor:
    """The X with ``tensordot(A, X, X.ndim) == B`` for A = ``input``, B = ``other``: the dims ``dims`` of
    A (if given) are moved to its end first; then A seen as the square matrix (prod(B.shape),
    prod(A.shape[B.ndim:])) solves for X of shape A.shape[B.ndim:]."""
    A, B = input, other
    tensor_inputs("linalg.tensorsolve", input=input, other=other)
    if dims is not None:
        dims = tuple(dims)
        A = A.movedim(dims, tuple(range(A._data.ndim - len(dims), A._data.ndim)))
    shape, k = A._data.shape, B._data.ndim
    rows, cols = _check_square_product(shape, k, "other.ndim", B._data.size)
    return solve(A.reshape(rows, cols), B.reshape(rows)).reshape(shape[k:])


def linalg_vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """The Vandermonde matrix of the last dim of ``x``: out[..., i, j] = x[..., i] ** j for j < N (default
    ``x.shape[-1]``, at least 2), increasing powers (unlike ``torch.vander``); batch dims kept, integer
    inputs give int64."""
    tensor_inputs("linalg.vander", x=x)
    kind = x._data.dtype
    if not (kind in (np.float32, np.float64) or (kind.kind in "iu")):
        raise RuntimeError(f"linalg.vander supports floating point, complex, and integer tensors, but got "
                           f"{torch_dtype_name(x)}")
    x_ = x.unsqueeze(-1) if x._data.ndim == 0 else x
    n = x_._data.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    powers = cumprod(x_.unsqueeze(-1).expand(*x_._data.shape, n - 1), -1)
    ones = Tensor._make(np.ones(powers._data.shape[:-1] + (1,), powers._data.dtype))
    return cat([ones, powers], -1)


linalg_vander.__name__ = "vander"

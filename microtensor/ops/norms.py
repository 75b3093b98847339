"""Norm-based ops: ``dist`` (the p-norm of a difference), ``renorm`` (cap the norm of each slice) and the
deprecated ``frobenius_norm`` / ``nuclear_norm`` forms PyTorch keeps for old scripts. All are compositions of
``linalg.vector_norm`` / ``linalg.matrix_norm``, so their gradients are those norms' (PyTorch's)."""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor.dtypes import is_floating
from microtensor.ops.broadcasting import broadcast_message
from microtensor.ops.checks import tensor_input, tensor_inputs, torch_dtype_name
from microtensor.ops.elementwise import where
from microtensor.ops.inplace import apply_inplace
from microtensor.ops.linalg import matrix_norm, vector_norm
from microtensor.tensor import Tensor


def _floating_norm_input(x: Tensor) -> None:
    if not is_floating(x._data.dtype):
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                           f"{torch_dtype_name(x)} instead.")


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcasting): ``p`` may be any number, ``inf`` / ``-inf``
    (the largest / smallest |difference|) or 0 (the count of nonzero differences)."""
    tensor_inputs("dist", input=input, other=other)
    try:
        np.broadcast_shapes(input._data.shape, other._data.shape)
    except ValueError:
        raise RuntimeError(broadcast_message("dist", input._data.shape, other._data.shape)) from None
    difference = input - other
    _floating_norm_input(difference)
    return vector_norm(difference, float(p))


def _renorm_dims(op: str, input: Tensor, p: float, dim: int, maxnorm: float) -> tuple[int, ...]:
    tensor_input(op, input)
    if input._data.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input._data.ndim} dimensions")
    if not p > 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm:g}")
    d = input._wrap_dim(dim)
    return tuple(k for k in range(input._data.ndim) if k != d)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float, *, out: Any = None) -> Tensor:
    """Each slice ``input.select(dim, i)`` whose ``p``-norm exceeds ``maxnorm`` scaled down to norm
    ``maxnorm`` (as PyTorch: by ``maxnorm / (norm + 1e-7)``); the other slices unchanged."""
    p, maxnorm = float(p), float(maxnorm)
    others = _renorm_dims("renorm", input, p, dim, maxnorm)
    norm = vector_norm(input, p, others, keepdim=True)
    return input * where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)


def renorm_(self: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """In-place version of ``renorm``: writes the result into self and returns self."""
    return apply_inplace(self, "renorm_", renorm, p, dim, maxnorm)


def _dims(dim: int | Sequence[int]) -> tuple[int, ...]:
    return (int(dim),) if isinstance(dim, (int, np.integer)) else tuple(dim)


def frobenius_norm(input: Tensor, dim: int | Sequence[int], keepdim: bool = False, *, out: Any = None) -> Tensor:
    """Deprecated (as in PyTorch, which warns): the 2-norm over at most two dims ``dim``;
    use ``linalg.vector_norm(input, 2, dim, keepdim)``."""
    tensor_input("frobenius_norm", input)
    warnings.warn("at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will be removed "
                  "in a future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` instead",
                  UserWarning, stacklevel=2)
    dims = _dims(dim)
    if len(dims) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dims)} dimensions instead.")
    _floating_norm_input(input)
    return vector_norm(input, 2.0, dims, keepdim)


def nuclear_norm(input: Tensor, dim: Sequence[int] | bool | None = None, keepdim: bool = False, *,
                 out: Any = None) -> Tensor:
    """Deprecated (as in PyTorch, which warns): the sum of the singular values of the matrices over the two
    dims ``dim`` (the last two by default); ``nuclear_norm(input, keepdim)`` is the form without ``dim``.
    Use ``linalg.matrix_norm(A, 'nuc', dim, keepdim)``."""
    tensor_input("nuclear_norm", input)
    if isinstance(dim, bool):        # torch.nuclear_norm(input, keepdim): the overload without dim
        keepdim = dim
    warnings.warn("at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be removed "
                  "in a future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead",
                  UserWarning, stacklevel=2)
    if dim is None or isinstance(dim, bool):
        dims: tuple[int, ...] = (-2, -1)
    else:       # PyTorch reads one int as the pair (dim, dim)
        dims = (int(dim),) * 2 if isinstance(dim, (int, np.integer)) else tuple(dim)
    return matrix_norm(input, "nuc", dims, keepdim)


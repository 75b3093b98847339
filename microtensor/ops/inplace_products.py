"""In-place forms of the cumulative ops and the BLAS-style products: ``cumsum_``, ``cumprod_``, ``addmm_``,
``addmv_``, ``addr_``, ``addbmm_``, ``baddbmm_`` (and ``torch.addmv_``, ``torch.detach_``).

Each is its out-of-place op written into ``self`` through ``apply_inplace`` (leaf rules, version counter,
history, in-place changes of views recorded through the base); the result must have ``self``'s shape and
dtype.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from microtensor import dtypes
from microtensor.ops import blas, reduction
from microtensor.ops.checks import tensor_input
from microtensor.ops.inplace import apply_inplace
from microtensor.tensor import Tensor


def _product_(self: Tensor, op: str, out_of_place: Callable[..., Tensor], a: Tensor, b: Tensor, beta: Any,
              alpha: Any) -> Tensor:
    """``self = beta * self + alpha * (a @ b)`` by ``out_of_place``, in place (the result must have self's
    shape: self is not broadcast)."""
    return apply_inplace(self, op, out_of_place, a, b, beta=beta, alpha=alpha)


def addmm_(self: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """In-place ``addmm``: self = beta * self + alpha * (mat1 @ mat2)."""
    return _product_(self, "addmm_", blas.addmm, mat1, mat2, beta, alpha)


def addmv_(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """In-place ``addmv``: input = beta * input + alpha * (mat @ vec) (``torch.addmv_`` and the method)."""
    return _product_(input, "addmv_", blas.addmv, mat, vec, beta, alpha)


def addr_(self: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """In-place ``addr``: self = beta * self + alpha * outer(vec1, vec2)."""
    return _product_(self, "addr_", blas.addr, vec1, vec2, beta, alpha)


def addbmm_(self: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """In-place ``addbmm``: self = beta * self + alpha * sum_b(batch1[b] @ batch2[b])."""
    return _product_(self, "addbmm_", blas.addbmm, batch1, batch2, beta, alpha)


def baddbmm_(self: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """In-place ``baddbmm``: self = beta * self + alpha * (batch1 @ batch2), batch by batch."""
    return _product_(self, "baddbmm_", blas.baddbmm, batch1, batch2, beta, alpha)


def _cumulative_(self: Tensor, op: str, out_of_place: Callable[..., Tensor], dim: int, dtype: Any) -> Tensor:
    if dtype is not None and dtypes.to_dtype(dtype, op) != self.dtype:
        raise RuntimeError(f"Bad in-place call: input tensor dtype {self.dtype} and output tensor dtype "
                           f"{dtypes.to_dtype(dtype, op)} should match")
    return apply_inplace(self, op, out_of_place, dim, dtype=dtype)


def cumsum_(self: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """In-place ``cumsum`` along ``dim``."""
    return _cumulative_(self, "cumsum_", reduction.cumsum, dim, dtype)


def cumprod_(self: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """In-place ``cumprod`` along ``dim``."""
    return _cumulative_(self, "cumprod_", reduction.cumprod, dim, dtype)


def detach_(input: Tensor) -> Tensor:
    """``torch.detach_(input)``: ``input.detach_()``, making it a leaf that does not require grad."""
    return tensor_input("detach_", input).detach_()

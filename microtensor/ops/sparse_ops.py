"""Sparse COO tensors: construction, conversion to and from dense, coalescing, sparse @ dense.

Every op here is a Function of the sparse tensor's values (``microtensor/sparse_tensor.py``), so gradients
reach the values, and through them the tensors they were made from, as PyTorch's do. Three Functions do all
the work: ``ScatterToDense`` (entries -> array: to_dense, and coalescing's sum of duplicates), its adjoint
``GatherAt`` (array -> entries: to_sparse), and ``SparseMM``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes, layouts
from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import GradMode
from microtensor.creation import tensor as as_values
from microtensor.ops.checks import tensor_input, torch_dtype_name
from microtensor.sparse_tensor import SparseTensor, alias, coalesce_plan
from microtensor.tensor import Tensor


def _scatter(values: np.ndarray, indices: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(size, dtype=values.dtype)
    if len(indices) == 0:        # no sparse dims: every entry sits at the one position
        return np.add(out, values.sum(axis=0, dtype=values.dtype), out=out)
    np.add.at(out, tuple(indices), values)     # duplicates add up
    return out


def _gather(x: np.ndarray, indices: np.ndarray) -> np.ndarray:
    if len(indices) == 0:
        return np.repeat(x[None], indices.shape[1], axis=0)
    return x[tuple(indices)]


class ScatterToDense(Function):
    """out = an array of ``size``, zero but for the entries ``values[k]`` added at ``indices[:, k]``."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, values: np.ndarray, indices: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
        ctx.indices = indices
        return _scatter(values, indices, size)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        return GatherAt.apply(grad, ctx.indices), None, None


class GatherAt(Function):
    """out[k] = x[indices[:, k]]: the entries of ``x`` at the given positions of its leading dims."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, indices: np.ndarray) -> np.ndarray:
        ctx.indices, ctx.size = indices, x.shape
        return _gather(x, indices)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return ScatterToDense.apply(grad, ctx.indices, ctx.size), None


class SparseMM(Function):
    """out = S @ dense, S the (n, m) matrix whose entries are ``values`` at rows ``indices[0]``, columns
    ``indices[1]``; the gradient of ``values`` is (grad @ dense^T) at those positions."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, values: np.ndarray, dense: np.ndarray, indices: np.ndarray, n: int) -> np.ndarray:
        need = ctx.needs_input_grad
        ctx.save_for_backward(values if need[1] else None, dense if need[0] else None)
        ctx.indices, ctx.m = indices, dense.shape[0]
        rows, cols = indices
        out = np.zeros((n, dense.shape[1]), dtype=np.result_type(values, dense))
        np.add.at(out, rows, values[:, None] * dense[cols])
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None, None, None]:
        values, dense = ctx.saved_tensors
        rows, cols = ctx.indices
        grad_values = grad_dense = None
        if ctx.needs_input_grad[0]:
            grad_values = (grad.index_select(0, Tensor._make(rows)) * dense.index_select(0, Tensor._make(cols))).sum(1)
        if ctx.needs_input_grad[1]:      # S^T @ grad: the same entries with rows and columns swapped
            grad_dense = SparseMM.apply(values, grad, ctx.indices[::-1], ctx.m)
        return grad_values, grad_dense, None, None


# ----------------------------------------------------------------------------- construction
def sparse_coo_tensor(indices: Any, values: Any, size: Any = None, *, dtype: Any = None, device: Any = None,
                      pin_memory: bool = False, requires_grad: bool = False, check_invariants: bool | None = None,
                      is_coalesced: bool | None = None) -> SparseTensor:
    """A sparse tensor in COO format: ``values[k]`` at position ``indices[:, k]``, as ``torch.sparse_coo_tensor``.

    Args:
        indices: integers of shape (sparse_dim, nnz): the position of each entry in the leading dims.
        values: shape (nnz, *dense_shape): the entries. A tensor that requires grad gets the gradient.
        size: the shape; by default the smallest that holds every index, then the values' dense shape.
        dtype: the values' dtype (default: that of ``values``).
        device: only the CPU.
        pin_memory: accepted; nothing to pin on the CPU.
        requires_grad: make the result a leaf that requires grad.
        check_invariants: accepted; the indices are always checked against ``size`` (PyTorch checks only
            when asked, and reads out of bounds otherwise).
        is_coalesced: declare the indices sorted and free of duplicates, as PyTorch trusts it.

    Duplicate indices are kept and add up (``coalesce()`` sums them).
    """
    index = np.asarray(indices._data if isinstance(indices, Tensor) else indices)
    if index.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(index.shape)}")
    index = index.astype(np.int64, copy=False)
    vals = values if isinstance(values, Tensor) else as_values(values)
    if vals.ndim == 0:
        vals = vals.reshape(1)
    if dtype is not None:
        vals = vals.to(dtypes.to_dtype(dtype, "sparse_coo_tensor"))
    if device is not None:
        vals = vals.to(device)
    k, nnz = index.shape
    if vals.shape[0] != nnz:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: {nnz}, nnz from "
                           f"values: {vals.shape[0]}")
    dense_shape = tuple(vals.shape[1:])
    lows = index.min(axis=1) if nnz else np.zeros(k, np.int64)
    highs = index.max(axis=1) if nnz else np.full(k, -1, np.int64)
    for d in range(k):
        if lows[d] < 0:
            raise RuntimeError(f"found negative index {lows[d]} for dim {d}")
    if size is None:
        shape = tuple(int(h) + 1 for h in highs) + dense_shape
    else:
        shape = tuple(int(n) for n in size)
        if len(shape) != k + len(dense_shape):
            raise RuntimeError(f"'len(size) == sparse_dim + dense_dim' is not satisfied: len(size) = {len(shape)}, "
                               f"sparse_dim = {k}, dense_dim = {len(dense_shape)}")
        if shape[k:] != dense_shape:
            raise RuntimeError(f"values has incorrect size, expected {[nnz, *shape[k:]]}, got {list(vals.shape)}")
        for d in range(k):
            if highs[d] >= shape[d]:
                raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {shape[d]} but found "
                                   f"index {highs[d]}")
    leaf = requires_grad and not vals.requires_grad
    stored = alias(vals)
    if requires_grad:
        stored.requires_grad_()
    return SparseTensor._from_parts(index, stored, shape, bool(is_coalesced), dense_mm_grad=leaf)


def to_sparse(input: Tensor, sparse_dim: int | None = None, *, layout: Any = None, blocksize: Any = None,
              dense_dim: int | None = None) -> SparseTensor:
    """A sparse COO copy of ``input``: its nonzero entries (NaN counts as nonzero), differentiable.

    Args:
        sparse_dim: how many leading dims become sparse (default: all); the others stay dense in each value.
        layout: ``microtensor.sparse_coo`` or None (the only sparse layout here).
        blocksize: for block layouts; must be None.
        dense_dim: the number of trailing dense dims, another way to give ``sparse_dim``.
    """
    if layout not in (None, layouts.sparse_coo) or blocksize is not None:
        raise RuntimeError(f"to_sparse(): layout={layout!r}, blocksize={blocksize!r} is not supported: microtensor "
                           f"has the sparse COO layout ({layouts.sparse_coo!r}) only")
    n = input.ndim
    if sparse_dim is None:
        sparse_dim = n if dense_dim is None else n - dense_dim
    if isinstance(input, SparseTensor):
        if sparse_dim != input._sparse_indices.shape[0]:
            raise RuntimeError("to_sparse: conversion from Sparse to Sparse with sparse_dim argument "
                               "!=self.sparse_dim() is not supported")
        return input
    if not 0 <= sparse_dim <= n:
        raise RuntimeError(f"dense_to_sparse: sparse_dim argument must be in [0,{n}] range, but {sparse_dim} is "
                           "given")
    if sparse_dim == 0 and n > 0:
        raise RuntimeError("dense_to_sparse: sparse_dim argument must be in >0 when self.dim()>0")
    data = input._data
    mask = data != 0
    if sparse_dim < n:
        mask = mask.any(axis=tuple(range(sparse_dim, n)))
    if sparse_dim == 0:
        index = np.zeros((0, int(mask)), dtype=np.int64)
    else:
        index = np.array(np.nonzero(mask), dtype=np.int64).reshape(sparse_dim, -1)
    values = GatherAt.apply(input, index)
    return SparseTensor._from_parts(index, values, tuple(data.shape), True, dense_mm_grad=input.requires_grad)


def to_sparse_coo(input: Tensor) -> SparseTensor:
    """``input.to_sparse()``: a sparse COO copy of a dense tensor (a sparse one is returned as is)."""
    return to_sparse(input)


def to_dense(input: Tensor, dtype: Any = None, *, masked_grad: bool | None = None) -> Tensor:
    """The dense (strided) tensor a sparse one stands for, duplicates added up; a dense ``input`` itself.

    The gradient reaches the values, so a leaf's ``.grad`` keeps its sparsity pattern, as PyTorch's default
    ``masked_grad=True`` gives it."""
    if not isinstance(input, SparseTensor):
        return input if dtype is None else input.to(dtype)
    if dtype is not None:
        raise RuntimeError("dtype argument is not supported by sparse_to_dense")
    if masked_grad is False:
        check_pattern_gradient("to_dense", input, "to_dense(masked_grad=False)")
    return ScatterToDense.apply(input._sparse_values, input._sparse_indices, input._sparse_size)


# ----------------------------------------------------------------------------- what a sparse tensor holds
def _expect_sparse(op: str, input: Tensor, kind: str = "sparse coordinate tensor") -> SparseTensor:
    if not isinstance(input, SparseTensor):
        raise RuntimeError(f"{op} expected {kind} layout but got Strided")
    return input


def coalesce(input: Tensor) -> SparseTensor:
    """This sparse tensor with its indices sorted and duplicates summed (self when it is coalesced already)."""
    sparse = _expect_sparse("coalesce", input)
    if sparse._coalesced:
        return sparse
    unique, first, inverse = coalesce_plan(sparse._sparse_indices, sparse._sparse_size)
    vals = sparse._sparse_values
    summed = ScatterToDense.apply(vals, inverse[None], (len(first), *vals.shape[1:]))
    return SparseTensor._from_parts(unique, summed, sparse._sparse_size, True, sparse._dense_mm_grad)


def is_coalesced(input: Tensor) -> bool:
    """Whether the sparse tensor's indices are sorted and unique (``coalesce()`` or a construction made them so)."""
    return _expect_sparse("is_coalesced", input)._coalesced


def indices(input: Tensor) -> Tensor:
    """The (sparse_dim, nnz) int64 indices of a coalesced sparse tensor."""
    sparse = _expect_sparse("indices", input)
    if not sparse._coalesced:
        raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
    return Tensor._make(sparse._sparse_indices)


def values(input: Tensor) -> Tensor:
    """The (nnz, *dense_shape) values of a coalesced sparse tensor; gradients flow back through them."""
    sparse = _expect_sparse("values", input, "sparse tensor")
    if not sparse._coalesced:
        raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
    return alias(sparse._sparse_values)


def sparse_dim(input: Tensor) -> int:
    """The number of sparse dims (0 for a dense tensor)."""
    return int(input._sparse_indices.shape[0]) if isinstance(input, SparseTensor) else 0


def dense_dim(input: Tensor) -> int:
    """The number of dense dims: those of each value (all of them for a dense tensor)."""
    return input.ndim - sparse_dim(input)


# ----------------------------------------------------------------------------- products
def check_pattern_gradient(op: str, sparse: SparseTensor, form: str) -> None:
    """Raise where PyTorch gives ``sparse`` a dense gradient (a leaf, or to_sparse() of a tensor that requires
    grad, under torch.mm and its forms): here gradients keep the sparsity pattern, as torch.sparse.mm's do."""
    if sparse._dense_mm_grad and sparse.requires_grad and GradMode.enabled:
        raise RuntimeError(f"{op}(): in PyTorch {form} gives a sparse operand that is a leaf requiring grad (or "
                           "made by to_sparse() from a tensor that requires grad) a dense gradient, which microtensor "
                           "does not compute; use microtensor.sparse.mm, whose gradient keeps the sparsity pattern, "
                           "or multiply by its to_dense()")


def sparse_dense_mm(op: str, sparse: SparseTensor, dense: Tensor) -> Tensor:
    """sparse @ dense for a sparse (n, m) matrix and a dense (m, p) one: a dense (n, p) result."""
    tensor_input(op, dense, "mat2", 2)
    if isinstance(dense, SparseTensor):
        raise RuntimeError(f"{op}(): the product of two sparse tensors is not supported; call .to_dense() on one "
                           "of them")
    k = sparse_dim(sparse)
    if sparse.ndim != 2 or k != 2:
        raise RuntimeError(f"{op}(): expected a sparse matrix (2 sparse dims, no dense dims), got size "
                           f"{list(sparse.shape)} with {k} sparse dims")
    if dense.ndim != 2:
        raise RuntimeError(f"{op}(): expected a 2-D dense matrix to multiply the sparse matrix by, got size "
                           f"{list(dense.shape)}")
    (n, m), (m2, p) = sparse.shape, dense.shape
    if m != m2:
        raise RuntimeError(f"{op}(): mat1 and mat2 shapes cannot be multiplied ({n}x{m} and {m2}x{p})")
    if sparse.dtype != dense.dtype:
        raise RuntimeError(f"{op}(): expected scalar type {torch_dtype_name(sparse)} but found "
                           f"{torch_dtype_name(dense)}")
    return SparseMM.apply(sparse._sparse_values, dense, sparse._sparse_indices, n)


def sparse_mm(op: str, mat1: Tensor, mat2: Tensor) -> Tensor:
    """mat1 @ mat2 for two matrices, one of them sparse; dense @ sparse is computed as (sparse^T @ dense^T)^T."""
    if isinstance(mat1, SparseTensor):
        return sparse_dense_mm(op, mat1, mat2)
    if mat1.ndim != 2 or mat2.ndim != 2 or mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"{op}(): mat1 and mat2 shapes cannot be multiplied "
                           f"({'x'.join(map(str, mat1.shape))} and {'x'.join(map(str, mat2.shape))})")
    assert isinstance(mat2, SparseTensor)
    return sparse_dense_mm(op, mat2.t(), mat1.t()).t()


def sparse_matmul(op: str, input: Tensor, other: Tensor) -> Tensor:
    """``torch.mm``/``torch.matmul``/``@`` when an operand is sparse: a dense result, as in PyTorch; a 1-D
    dense operand of matmul is taken as a column (second) or row (first) vector."""
    for operand in (input, other):
        if isinstance(operand, SparseTensor):
            check_pattern_gradient(op, operand, f"torch.{op}")
    if op == "matmul" and not isinstance(other, SparseTensor) and other.ndim == 1:
        return sparse_mm(op, input, other.unsqueeze(1)).squeeze(1)
    if op == "matmul" and not isinstance(input, SparseTensor) and input.ndim == 1:
        return sparse_mm(op, input.unsqueeze(0), other).squeeze(0)
    return sparse_mm(op, input, other)

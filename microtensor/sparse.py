"""``microtensor.sparse``: the functions of ``torch.sparse`` that graph code uses, on sparse COO tensors.

The tensors come from ``microtensor.sparse_coo_tensor`` and ``Tensor.to_sparse()``
(``microtensor/ops/sparse_ops.py``); ``torch.mm``, ``torch.matmul`` and ``@`` take them too.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.ops import linalg, sparse_ops
from microtensor.sparse_tensor import SparseTensor, alias
from microtensor.tensor import Tensor


def mm(mat1: Tensor, mat2: Tensor) -> Tensor:
    """The matrix product of a sparse COO matrix and a dense one (either order), as ``torch.sparse.mm``.

    The result is dense. Gradients reach the dense operand and, when the sparse one requires grad, its
    values: a sparse leaf's ``.grad`` has its sparsity pattern, as in PyTorch.
    """
    if isinstance(mat1, SparseTensor) or isinstance(mat2, SparseTensor):
        return sparse_ops.sparse_mm("sparse.mm", mat1, mat2)
    return linalg.mm(mat1, mat2)


def sum(input: Tensor, dim: Any = None, dtype: Any = None) -> Tensor:  # noqa: A001 - PyTorch's name
    """The sum of a sparse tensor's entries over ``dim``, as ``torch.sparse.sum``.

    With ``dim`` None, or every sparse dim in ``dim``, the result is dense; otherwise it is a coalesced sparse
    tensor over the dims left. ``dtype`` converts the values first.
    """
    if not isinstance(input, SparseTensor):
        raise RuntimeError(f"sparse.sum(): expected a sparse tensor, got layout={input.layout!r}; use "
                           "Tensor.sum for a dense one")
    values = input._sparse_values
    if dtype is not None:
        values = values.to(dtypes.to_dtype(dtype, "sparse.sum"))
    if dim is None:
        return values.sum()
    n, k = input.ndim, sparse_ops.sparse_dim(input)
    dims = {input._wrap_dim(d, n) for d in ((dim,) if isinstance(dim, int) else dim)}
    dense_dims = sorted(d - k + 1 for d in dims if d >= k)
    if dense_dims:
        values = values.sum(dense_dims)
    kept = [d for d in range(k) if d not in dims]
    if not kept:
        return values.sum(0)
    size = tuple(input.shape[d] for d in kept) + tuple(values.shape[1:])
    rows = input._sparse_indices[kept]
    kept_tensor = SparseTensor._from_parts(rows, alias(values), size, len(kept) == k and input._coalesced,
                                           input._dense_mm_grad)
    return sparse_ops.coalesce(kept_tensor)


def FloatTensor(*args: Any) -> SparseTensor:
    """The legacy constructor ``torch.sparse.FloatTensor(indices, values, size)`` that GCN examples call, with
    PyTorch's deprecation warning: ``sparse_coo_tensor(indices, values, size)`` (the values keep their dtype, as
    in PyTorch). ``FloatTensor(*size)`` is an empty float32 sparse tensor of that shape."""
    if args and all(isinstance(a, int) for a in args):
        warnings.warn("microtensor.sparse.FloatTensor(shape) is deprecated.  Please use "
                      "microtensor.sparse_coo_tensor(shape, dtype=, device=).", UserWarning, stacklevel=2)
        return sparse_ops.sparse_coo_tensor(np.zeros((len(args), 0), np.int64), np.zeros(0, np.float32), args)
    warnings.warn("microtensor.sparse.FloatTensor(indices, values, shape) is deprecated.  Please use "
                  "microtensor.sparse_coo_tensor(indices, values, shape, dtype=, device=).", UserWarning, stacklevel=2)
    return sparse_ops.sparse_coo_tensor(*args)

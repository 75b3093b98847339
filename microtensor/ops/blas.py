"""BLAS-style products: the ``add*`` family (``beta * input + alpha * product``), ``chain_matmul``,
``linalg.multi_dot`` and ``tensordot``.

Each is a composition of ``matmul`` and elementwise ops, so backward (of any order) comes from theirs.
"""
from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Sequence
from typing import Any

from microtensor.ops.checks import tensor_input, torch_dtype_name
from microtensor.ops.linalg import bmm, matmul, mm, mv, outer
from microtensor.tensor import Tensor


def _scaled_sum(op: str, input: Tensor, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    """``beta * input + alpha * product`` with ``input`` expanded to the product's shape, as PyTorch does:
    with beta = 0 the values of ``input`` are ignored (NaN and inf do not spread) and its gradient is 0."""
    tensor_input(op, input)
    if input._data.dtype != product._data.dtype:
        raise RuntimeError(f"{op}: self and mat2 must have the same dtype, but got {torch_dtype_name(input)} and "
                           f"{torch_dtype_name(product)}")
    try:
        input = input.expand(product.shape)
    except RuntimeError:
        raise RuntimeError(f"{op}: input of shape {list(input.shape)} does not broadcast to the product's shape "
                           f"{list(product.shape)}") from None
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        # input * 0 would give NaN for NaN or inf entries; nan_to_num first keeps the values out and the
        # gradient (0, as in PyTorch) in
        return product + input.nan_to_num(0.0, 0.0, 0.0) * 0 if input.requires_grad else product
    return product + (input if beta == 1 else input * beta)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``: mat1 (n, m), mat2 (m, p), input broadcastable to (n, p).

    With ``beta=0`` the values of ``input`` are ignored (NaN and inf in it do not appear in the result)."""
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``: mat (n, m), vec (m,), input broadcastable to (n,)."""
    return _scaled_sum("addmv", input, mv(mat, vec), beta, alpha)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``: vec1 (n,), vec2 (m,), input broadcastable to (n, m)."""
    return _scaled_sum("addr", input, outer(vec1, vec2), beta, alpha)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``: batch1 (b, n, m), batch2 (b, m, p), input broadcastable
    to (b, n, p)."""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]``: batch1 (b, n, m), batch2 (b, m, p), input
    broadcastable to (n, p)."""
    return _scaled_sum("addbmm", input, bmm(batch1, batch2).sum(0), beta, alpha)


# ----------------------------------------------------------------------------- chains of products
def _chain_order(dims: list[int]) -> list[list[int]]:
    """The matrix-chain split table: ``split[i][j]`` is where the cheapest product of matrices i..j splits,
    for matrices of shapes (dims[i], dims[i + 1]) (the textbook dynamic programme, as PyTorch uses)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j], split[i][j] = min((cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1], k)
                                          for k in range(i, j))
    return split


def _chain_product(matrices: list[Tensor], split: list[list[int]], i: int, j: int) -> Tensor:
    if i == j:
        return matrices[i]
    k = split[i][j]
    return mm(_chain_product(matrices, split, i, k), _chain_product(matrices, split, k + 1, j))


def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """The product of two or more tensors, multiplied in the order that needs the fewest scalar products, as
    ``torch.linalg.multi_dot``. All are matrices except the first and last, which may be vectors (taken as
    a row and a column, and their dim removed from the result)."""
    name = "multi_dot"
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"{name}(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        tensor_input(name, t, f"tensors[{i}]")
        allowed = (1, 2) if i in (0, len(tensors) - 1) else (2,)
        if t._data.ndim not in allowed:
            where = "the first" if i == 0 else "the last" if i == len(tensors) - 1 else f"tensor {i}"
            raise RuntimeError(f"{name}(): {where} tensor must be {' or '.join(f'{d}D' for d in allowed)} but got "
                               f"{t.ndim}D")
    dtype = tensors[0].dtype
    for i, t in enumerate(tensors):
        if t.dtype != dtype:
            raise RuntimeError(f"{name}(): all tensors must have the same dtype but tensor 0 is {dtype} and "
                               f"tensor {i} is {t.dtype}")
    first_vector, last_vector = tensors[0].ndim == 1, tensors[-1].ndim == 1
    matrices = [tensors[0].unsqueeze(0) if first_vector else tensors[0], *tensors[1:-1],
                tensors[-1].unsqueeze(1) if last_vector else tensors[-1]]
    for i in range(len(matrices) - 1):
        if matrices[i].shape[1] != matrices[i + 1].shape[0]:
            shapes = [tuple(m.shape) for m in matrices]
            raise RuntimeError(f"{name}(): tensors {i} and {i + 1} with shapes {shapes[i]} and {shapes[i + 1]} "
                               f"cannot be multiplied")
    dims = [m.shape[0] for m in matrices] + [matrices[-1].shape[1]]
    result = _chain_product(matrices, _chain_order(dims), 0, len(matrices) - 1)
    if first_vector:
        result = result.squeeze(0)
    if last_vector:
        result = result.squeeze(-1)
    return result


def chain_matmul(*matrices: Tensor) -> Tensor:
    """The product of two or more matrices in the cheapest order; deprecated in PyTorch (it warns once) in
    favour of ``torch.linalg.multi_dot``. One matrix is returned as a copy."""
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                  "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than "
                  "multiple parameters.", UserWarning, stacklevel=2)
    for i, m in enumerate(matrices):
        tensor_input("chain_matmul", m, f"matrices[{i}]")
        if m._data.ndim != 2:
            raise RuntimeError(f"chain_matmul(): Expected all tensors to be 2D but tensor {i} is {m.ndim}D")
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    return matrices[0].clone() if len(matrices) == 1 else multi_dot(matrices)


# ----------------------------------------------------------------------------- tensordot
def _tensordot_dims(a: Tensor, b: Tensor, dims: Any) -> tuple[list[int], list[int]]:
    """The contracted dims of ``a`` and ``b`` from ``dims``: an int n (a's last n with b's first n) or a pair of
    lists of dims."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (list, tuple)):
        if len(dims) != 2:
            raise RuntimeError(f"tensordot expects dims to be a pair of lists of dims, got {dims}")
        for name, d in zip(("dims_self", "dims_other"), dims):
            if not isinstance(d, (list, tuple)):
                raise TypeError(f"tensordot(): argument '{name}' must be a list of ints, not {type(d).__name__}")
        da, db = (list(d) for d in dims)
        if len(da) != len(db):
            raise RuntimeError(f"both dimension lists should have same length, got {da} and {db}")
        return [a._wrap_dim(d) for d in da], [b._wrap_dim(d) for d in db]
    n = operator.index(dims)
    if n < 0:
        raise RuntimeError(f"tensordot expects dims >= 0, but got dims={n}")
    if n > min(a.ndim, b.ndim):
        raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={n}")
    return list(range(a.ndim - n, a.ndim)), list(range(n))


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Contract ``a`` and ``b`` over the given dims (an int n: a's last n dims with b's first n; or a pair of
    lists ``([a dims], [b dims])``); the result has a's other dims, then b's."""
    tensor_input("tensordot", a, "a")
    tensor_input("tensordot", b, "b", 2)
    da, db = _tensordot_dims(a, b, dims)
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {i} "
                               f"and second has size {b.shape[j]} in dim {j}")
    free_a = [d for d in range(a.ndim) if d not in da]
    free_b = [d for d in range(b.ndim) if d not in db]
    out_a, out_b = [a.shape[d] for d in free_a], [b.shape[d] for d in free_b]
    left = a.permute(*free_a, *da).reshape(math.prod(out_a), math.prod(a.shape[d] for d in da))
    right = b.permute(*db, *free_b).reshape(math.prod(b.shape[d] for d in db), math.prod(out_b))
    return matmul(left, right).reshape(*out_a, *out_b)

"""Embedding lookups (``embedding``, with max_norm renormalization and per-frequency gradient scaling) and
``one_hot``."""
from __future__ import annotations

import numpy as np

from microtensor.autograd.function import Function
from microtensor.capture import graph_break, record
from microtensor.ops.activation import ScaleBy
from microtensor.ops.checks import torch_dtype_name
from microtensor.ops.indexing import ADVANCED, IndexAdd
from microtensor.tensor import Tensor


class Embedding(Function):
    """out = weight[indices]; the gradient of a row sums over its repeated indices (none for ``padding_idx``)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, weight: np.ndarray, indices: np.ndarray, padding_idx: int | None,
                scale_grad_by_freq: bool) -> np.ndarray:
        ctx.weight_shape, ctx.padding_idx, ctx.by_freq = weight.shape, padding_idx, scale_grad_by_freq
        ctx.save_for_backward(indices)
        return weight[indices]

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None, None]:
        indices, = ctx.saved_tensors
        flat = indices._data.reshape(-1)
        rows = ctx.weight_shape[0]
        g = grad.reshape(flat.size, *ctx.weight_shape[1:])
        factor = None
        if ctx.by_freq:
            factor = 1 / np.bincount(flat, minlength=rows)[flat]
        if ctx.padding_idx is not None:
            factor = (flat != ctx.padding_idx) if factor is None else factor * (flat != ctx.padding_idx)
        if factor is not None:
            g = ScaleBy.apply(g, factor.astype(g._data.dtype).reshape((-1,) + (1,) * (g.ndim - 1)))
        return IndexAdd.apply(None, g, (flat,), ADVANCED, ctx.weight_shape), None, None, None


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """The rows of ``weight`` at the integer ``input`` indices: output shape ``input.shape + weight.shape[1:]``.

    Args:
        input: an int64/int32 tensor of indices into the rows of ``weight``.
        weight: the (num_embeddings, embedding_dim) table.
        padding_idx: a row that gets no gradient (negative counts from the end).
        max_norm: rows looked up with a ``norm_type``-norm above this are rescaled to it, in place.
        scale_grad_by_freq: divide each row's gradient by how often it occurs in ``input``.
        sparse: accepted for compatibility; the gradient is dense.
    """
    if not isinstance(input, Tensor) or input._data.dtype not in (np.int64, np.int32):
        got = f"{torch_dtype_name(input)} tensor" if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {got} instead (while checking arguments for embedding)")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding(): 'weight' must be 2-D (num_embeddings, embedding_dim), got shape "
                           f"{list(weight.shape)}")
    rows = weight.shape[0]
    idx = input._data
    if idx.size and (idx.min() < 0 or idx.max() >= rows):
        raise IndexError(f"index out of range in self (embedding indices must be in [0, {rows}), got "
                         f"values in [{idx.min()}, {idx.max()}])")
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise AssertionError(f"Padding_idx must be within num_embeddings (got {padding_idx} for {rows} rows)")
        padding_idx %= rows
    if max_norm is not None:
        renorm_rows(weight, idx, max_norm, norm_type)
    return Embedding.apply(weight, idx, padding_idx, scale_grad_by_freq)


def renorm_rows(weight: Tensor, indices: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale, in place and outside the graph, the rows of ``weight`` that ``indices`` looks up whose norm
    exceeds ``max_norm``."""
    record(_renorm, weight._data, indices, max_norm, norm_type)
    weight._vc[0] += 1


def _renorm(data: np.ndarray, indices: np.ndarray, max_norm: float, norm_type: float) -> None:
    rows = np.unique(indices)
    norms = np.linalg.norm(data[rows], ord=norm_type, axis=1)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(data.dtype)
    data[rows] *= scale[:, None]


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """An int64 tensor of shape ``tensor.shape + (num_classes,)`` with a 1 at each index of the int64 ``tensor``.

    Args:
        tensor: class indices (int64), each in [0, num_classes).
        num_classes: the number of classes; -1 takes the largest index plus one.
    """
    if not isinstance(tensor, Tensor) or tensor._data.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    idx = tensor._data
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        graph_break("one_hot() with num_classes=-1, whose output shape depends on the data")
        num_classes = int(idx.max()) + 1
    elif num_classes < -1:
        raise RuntimeError(f"one_hot(): num_classes should be -1 or non-negative, got {num_classes}")
    if idx.size:
        if idx.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if idx.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor._make(record(_one_hot_of, idx, num_classes))


def _one_hot_of(idx: np.ndarray, num_classes: int) -> np.ndarray:
    out = np.zeros(idx.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, idx[..., None], 1, axis=-1)
    return out

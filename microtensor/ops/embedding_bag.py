"""``embedding_bag``: sums, means or maxima of bags of embedding rows, without building the rows' tensor per bag.

A bag is a run of indices: the slices of a 1-D input between consecutive ``offsets``, or the rows of a 2-D
input. The op is a composition of differentiable ops (the rows looked up by ``Embedding``, optionally scaled by
``per_sample_weights``, then added into their bags by one ``IndexAdd`` or, for 'max', picked at each bag's
first maximum), so its gradients of every order come from theirs.
"""
from __future__ import annotations

import warnings

import numpy as np

from microtensor.capture import graph_break
from microtensor.dtypes import is_floating
from microtensor.ops.checks import torch_dtype_name
from microtensor.ops.embedding import Embedding, renorm_rows
from microtensor.ops.indexing import ADVANCED, IndexAdd
from microtensor.tensor import Tensor

_MODES = ("sum", "mean", "max")


def _check_index_dtype(name: str, x: Tensor) -> None:
    if x._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"Expected tensor for argument #1 '{name}' to have one of the following scalar types: "
                           f"Long, Int; but got {torch_dtype_name(x)} tensor instead (while checking arguments for "
                           "embedding_bag)")


def _bags(input: Tensor, offsets: Tensor | None, include_last_offset: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """The flat indices, the bag of each, and the number of bags; indices past the last offset (with
    ``include_last_offset``) are dropped."""
    idx = input._data
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences. However, found offsets of type "
                             f"{type(offsets).__module__}.{type(offsets).__name__}")
        rows, width = idx.shape
        return idx.reshape(-1).astype(np.int64), np.repeat(np.arange(rows), width), rows
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if not isinstance(offsets, Tensor) or offsets.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    _check_index_dtype("offsets", offsets)
    off = offsets._data.astype(np.int64)
    n = idx.shape[0]
    if off.size:
        if off[0] != 0:
            raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                               f"position 0. However, got {off[0]}")
        if off[-1] > n:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got offsets[-1] of "
                               f"{off[-1]}")
        if (np.diff(off) < 0).any():
            raise RuntimeError(f"embedding_bag: offsets must be non-decreasing, got {off.tolist()}")
    if include_last_offset:
        end, off = (int(off[-1]), off[:-1]) if off.size else (0, off)
    else:
        end = n
    bag = np.searchsorted(off, np.arange(end), side="right") - 1
    return idx[:end].astype(np.int64), bag, off.shape[0]


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """The sum, mean or max of each bag of rows of ``weight``: shape (number of bags, embedding_dim).

    Args:
        input: int64/int32 indices: 1-D, cut into bags at ``offsets``, or 2-D, one bag per row.
        weight: the (num_embeddings, embedding_dim) table.
        offsets: for a 1-D input, where each bag starts (the first is 0); an empty bag gives zeros.
        max_norm: rows looked up with a ``norm_type``-norm above this are rescaled to it, in place.
        scale_grad_by_freq: divide each row's gradient by how often it occurs in ``input`` (not with 'max').
        mode: ``'sum'``, ``'mean'`` or ``'max'`` (elementwise over the bag's rows).
        sparse: accepted for compatibility; the gradient is dense.
        per_sample_weights: weights of ``input``'s shape multiplying each row before the sum (``'sum'`` only).
        include_last_offset: ``offsets`` has one more entry, the end of the last bag.
        padding_idx: a row left out of every bag (and of the count a mean divides by); it gets no gradient.
    """
    graph_break("embedding_bag (forms its bags in NumPy)")
    if (isinstance(weight, Tensor) and isinstance(input, Tensor) and weight._data.dtype == np.int64
            and is_floating(input._data.dtype)):
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage `embedding_bag(weight, "
                      "input, ...)` is deprecated, and should now be `embedding_bag(input, weight, ...)`.",
                      UserWarning, stacklevel=2)
        input, weight = weight, input
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it "
                         f"must have the same shape as the input ({input.shape})")
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    if input.ndim not in (1, 2):
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                  "on GitHub.")
    _check_index_dtype("indices", input)
    if not is_floating(weight._data.dtype):
        raise RuntimeError("Expected tensor for argument #1 'weight' to have one of the following scalar types: "
                           f"Half, BFloat16, Float, Double; but got {torch_dtype_name(weight)} tensor instead "
                           "(while checking arguments for embedding_bag)")
    if per_sample_weights is not None and per_sample_weights.dtype != weight.dtype:
        raise RuntimeError("Expected tensor for argument #1 'weight' to have the same type as tensor for argument "
                           f"#1 'per_sample_weights'; but type {torch_dtype_name(weight)} does not equal "
                           f"{torch_dtype_name(per_sample_weights)} (while checking arguments for embedding_bag)")
    num, dim = weight.shape
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, -{num} through {num - 1}, "
                               f"but got {padding_idx}")
        padding_idx %= num
    idx, bag, bags = _bags(input, offsets, include_last_offset)
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        bad = idx[(idx < 0) | (idx >= num)][0]
        raise RuntimeError(f"embedding_bag: Expected idx >= 0 && idx < num_embeddings but found idx to be {bad}")
    if max_norm is not None:
        renorm_rows(weight, input._data, max_norm, norm_type)
    keep = np.arange(idx.size) if padding_idx is None else np.flatnonzero(idx != padding_idx)
    idx, bag = idx[keep], bag[keep]
    rows = Embedding.apply(weight, idx, None, scale_grad_by_freq)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1)[Tensor._make(keep)].unsqueeze(1)
    if mode == "max" and idx.size:
        return _bag_max(rows, bag, bags)
    out = IndexAdd.apply(None, rows, (bag,), ADVANCED, (bags, dim))
    if mode == "mean":
        counts = np.bincount(bag, minlength=bags)
        out = out * Tensor._make((1 / np.maximum(counts, 1)).astype(out._data.dtype)[:, None])
    return out


def _bag_max(rows: Tensor, bag: np.ndarray, bags: int) -> Tensor:
    """Each bag's elementwise maximum of its ``rows`` (bags run contiguously), taken where PyTorch's running
    maximum takes it (the first row, replaced by each strictly greater one: the first maximum, NaNs skipped
    unless the bag starts with one), so the gradient goes there too; zeros for an empty bag."""
    data = rows._data
    starts = np.searchsorted(bag, np.arange(bags))
    filled = np.bincount(bag, minlength=bags) > 0
    present = starts[filled]
    with np.errstate(invalid="ignore"):
        best = np.fmax.reduceat(data, present, axis=0)
    at = np.where(data == np.repeat(best, np.diff(np.append(present, len(bag))), axis=0),
                  np.arange(len(bag))[:, None], len(bag))
    first = np.zeros((bags, data.shape[1]), dtype=np.int64)
    first[filled] = np.where(np.isnan(data[present]), present[:, None], np.minimum.reduceat(at, present, axis=0))
    picked = rows[Tensor._make(first), Tensor._make(np.arange(data.shape[1]))]
    return picked if filled.all() else picked * Tensor._make(filled[:, None].astype(data.dtype))

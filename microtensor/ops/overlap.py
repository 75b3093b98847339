"""PyTorch's memory-overlap checks before an in-place op writes: into an expanded tensor (several elements in
one memory location), and from an operand whose memory partly overlaps the destination's."""
from __future__ import annotations

import warnings

import numpy as np

from microtensor.tensor import Tensor

INTERNAL_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a single "
                    "memory location. Please clone() the tensor before performing the operation.")
PARTIAL_OVERLAP = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a "
                   "single memory location. Please clone() the tensor before performing the operation.")


def check_overlap(op: str, data: np.ndarray, operands: tuple, expanded: str = "raise", *,
                  same_ok: bool = True) -> None:
    """PyTorch's memory-overlap checks before ``op`` writes into the array ``data``.

    Args:
        op: the op's name, for the warning.
        data: the memory written to; when several of its elements share one memory location (an expanded
            view), ``expanded`` says what happens: "raise" (elementwise ops, copy_), "warn" (masked_fill_,
            index_put_: PyTorch's deprecation warning, then the write) or "allow" (fill_, zero_).
        operands: the op's other arguments; a tensor among them whose memory partly overlaps ``data`` raises,
            and so does one in exactly the same memory unless ``same_ok`` (index_put_ refuses it).
    """
    if expanded != "allow" and has_internal_overlap(data):
        if expanded == "raise":
            raise RuntimeError(INTERNAL_OVERLAP)
        warnings.warn(f"Use of {op} on expanded tensors is deprecated. Please clone() the tensor before performing "
                      "this operation.", UserWarning, stacklevel=3)
    for other in operands:
        if isinstance(other, Tensor):
            kind = _overlap(data, other._data)
            if kind == "partial" or (kind == "full" and not same_ok):
                raise RuntimeError(PARTIAL_OVERLAP)


def has_internal_overlap(data: np.ndarray) -> bool:
    """Whether several elements of ``data`` share one memory location (an expanded view)."""
    return bool(data.size) and any(st == 0 and n > 1 for n, st in zip(data.shape, data.strides))


def _overlap(a: np.ndarray, b: np.ndarray) -> str | None:
    """PyTorch's overlap status of two arrays: "full" (the same elements in the same layout), "partial" (both
    dense and their byte ranges overlap otherwise) or None (apart, empty, or strided: too hard to tell).
    The very same tensor on both sides is the caller's to see (``_check_setitem_overlap``)."""
    if not a.size or not b.size or not np.may_share_memory(a, b) or not (_dense(a) and _dense(b)):
        return None
    a_begin, b_begin = a.__array_interface__["data"][0], b.__array_interface__["data"][0]
    if a_begin == b_begin and a.nbytes == b.nbytes:
        return "full" if _same_layout(a, b) else "partial"
    return "partial" if a_begin < b_begin + b.nbytes and b_begin < a_begin + a.nbytes else None


def _same_layout(a: np.ndarray, b: np.ndarray) -> bool:
    """Same rank and strides, as PyTorch compares them; NumPy gives a size-1 dim it inserts (``x[None]``) stride
    0 where PyTorch computes one, so such a stride matches any."""
    return a.ndim == b.ndim and all(sa == sb or (n == 1 and 0 in (sa, sb))
                                    for n, sa, sb in zip(a.shape, a.strides, b.strides))


def _dense(a: np.ndarray) -> bool:
    """Whether ``a``'s elements fill one block of memory without gaps or repeats, in some order of dims."""
    expected = a.itemsize
    for stride, n in sorted((st, n) for n, st in zip(a.shape, a.strides) if n != 1):
        if stride != expected:
            return False
        expected *= n
    return True


def same_data(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays are the same elements of the same memory in the same layout and dtype (PyTorch's
    copy_ then returns at once, checking nothing)."""
    return (a.__array_interface__["data"][0] == b.__array_interface__["data"][0] and a.shape == b.shape
            and a.dtype == b.dtype and _same_layout(a, b))

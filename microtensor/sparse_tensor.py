"""class SparseTensor: a sparse COO tensor, PyTorch's ``layout=torch.sparse_coo``.

It stores ``indices``, an int64 array of shape (sparse_dim, nnz), and ``values``, a dense Tensor of shape
(nnz, *dense_shape): entry k of the tensor is ``values[k]`` at position ``indices[:, k]`` (duplicates add up
until ``coalesce()``). The values Tensor is the sparse tensor's place in the autograd graph: its
``requires_grad``, ``grad_fn`` and ``grad`` are the sparse tensor's, and the sparse ops
(``microtensor/ops/sparse_ops.py``) are Functions of the values. So gradients with respect to a sparse tensor
keep its sparsity pattern, as ``torch.sparse.mm`` gives them.

A SparseTensor is a Tensor (``isinstance`` holds; shape, dtype, requires_grad work), but it has no dense
array: an op that needs one reads ``_data`` and gets an error naming the op and saying to call
``to_dense()``, never a wrong answer.
"""
from __future__ import annotations

import sys
from types import FrameType
from typing import Any

import numpy as np

from microtensor import dtypes, layouts
from microtensor.autograd.grad_mode import GradMode
from microtensor.devices import CPU, device
from microtensor.tensor import Size, Tensor

REPR_LINEWIDTH = 80     # PyTorch's default print width


class SparseTensor(Tensor):
    """A sparse COO tensor; make one with ``microtensor.sparse_coo_tensor`` or ``Tensor.to_sparse()``."""

    # _dense_mm_grad: PyTorch's torch.mm gives this tensor a dense gradient (a sparse leaf, or to_sparse() of a
    # tensor that requires grad), which the values-only graph cannot hold; only torch.sparse.mm's is computed
    __slots__ = ("_sparse_indices", "_sparse_values", "_sparse_size", "_coalesced", "_dense_mm_grad")
    _sparse_indices: np.ndarray
    _sparse_values: Tensor
    _sparse_size: tuple[int, ...]
    _coalesced: bool
    _dense_mm_grad: bool

    @classmethod
    def _from_parts(cls, indices: np.ndarray, values: Tensor, size: tuple[int, ...], coalesced: bool,
                    dense_mm_grad: bool = False) -> SparseTensor:
        """Wrap checked parts without copying (the fast path used by the sparse ops)."""
        t = object.__new__(cls)
        t._requires_grad = False       # read by Function.apply, which then meets the _data guard
        t._grad_fn = None
        t._output_nr = 0
        t._vc = [0]
        t._accumulator = None
        t._hooks = None
        t._retains_grad = False
        t._base = None
        t._sparse_indices = indices
        t._sparse_values = values
        t._sparse_size = tuple(size)
        t._coalesced = coalesced or indices.shape[1] <= 1
        t._dense_mm_grad = dense_mm_grad
        return t

    # ----------------------------------------------------------------- no dense array
    @property   # a dense op reaching for the array gets an error naming it
    def _data(self) -> np.ndarray:
        raise RuntimeError(dense_only_message(calling_op()))

    @_data.setter
    def _data(self, value: np.ndarray) -> None:
        raise RuntimeError(dense_only_message(calling_op()))

    # ----------------------------------------------------------------- attributes
    @property
    def is_sparse(self) -> bool:
        return True

    @property
    def layout(self) -> layouts.layout:
        return layouts.sparse_coo

    @property
    def shape(self) -> Size:
        return Size(self._sparse_size)

    def size(self, dim: int | None = None) -> Size | int:
        """The shape, or the length of dimension ``dim`` (negative dims count from the end)."""
        if dim is None:
            return Size(self._sparse_size)
        return self._sparse_size[self._wrap_dim(dim, len(self._sparse_size))]

    @property
    def ndim(self) -> int:
        return len(self._sparse_size)

    def dim(self) -> int:
        """The number of dimensions."""
        return len(self._sparse_size)

    def numel(self) -> int:
        """The number of elements of the dense tensor this one stands for."""
        return Size(self._sparse_size).numel()

    def element_size(self) -> int:
        """Bytes per element."""
        return self._sparse_values.element_size()

    @property
    def dtype(self) -> dtypes.dtype:
        return self._sparse_values.dtype

    @property
    def device(self) -> device:
        return CPU

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating-point type."""
        return self._sparse_values.is_floating_point()

    def __len__(self) -> int:
        if not self._sparse_size:
            raise TypeError("len() of a 0-d tensor")
        return self._sparse_size[0]

    def _indices(self) -> Tensor:
        """The indices as stored, (sparse_dim, nnz) int64, coalesced or not."""
        return Tensor._make(self._sparse_indices)

    def _values(self) -> Tensor:
        """The values as stored, (nnz, *dense_shape), coalesced or not; differentiable."""
        return alias(self._sparse_values)

    def _nnz(self) -> int:
        """The number of stored entries (duplicates counted until ``coalesce()``)."""
        return int(self._sparse_indices.shape[1])

    # ----------------------------------------------------------------- autograd: the values' state
    @property
    def requires_grad(self) -> bool:
        return self._sparse_values.requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> SparseTensor:
        """Set ``requires_grad`` in place (leaves only, floating point only) and return self."""
        self._sparse_values.requires_grad_(requires_grad)
        self._dense_mm_grad = bool(requires_grad)
        return self

    @property
    def grad_fn(self) -> Any:
        return self._sparse_values.grad_fn

    @grad_fn.setter
    def grad_fn(self, node: Any) -> None:
        self._sparse_values.grad_fn = node

    @property   # the gradient lives on the values; this views it with the indices
    def grad(self) -> SparseTensor | None:
        """The gradient, a sparse tensor with this one's (coalesced) sparsity pattern, as torch.sparse.mm and
        to_dense() give it."""
        values_grad = self._sparse_values.grad
        if values_grad is None:
            return None
        if self._coalesced:
            return SparseTensor._from_parts(self._sparse_indices, values_grad, self._sparse_size, True)
        # every duplicate of a position got the gradient at that position: keep one of each
        unique, first, _ = coalesce_plan(self._sparse_indices, self._sparse_size)
        first_t = Tensor._make(first)
        return SparseTensor._from_parts(unique, values_grad.index_select(0, first_t), self._sparse_size, True)

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            raise RuntimeError("the .grad of a sparse tensor can only be set to None (its gradient is "
                               "accumulated by backward)")
        self._sparse_values.grad = None

    def detach(self) -> SparseTensor:
        """A new sparse tensor sharing this one's indices and values, outside the graph."""
        return SparseTensor._from_parts(self._sparse_indices, self._sparse_values.detach(), self._sparse_size,
                                        self._coalesced)

    def to(self, *args: Any, **kwargs: Any) -> SparseTensor:
        """This tensor with its values converted as ``Tensor.to`` converts them (self when nothing changes)."""
        values = self._sparse_values.to(*args, **kwargs)
        if values is self._sparse_values:
            return self
        return SparseTensor._from_parts(self._sparse_indices, values, self._sparse_size, self._coalesced,
                                        self._dense_mm_grad)

    def transpose(self, dim0: int, dim1: int) -> SparseTensor:
        """This tensor with sparse dims ``dim0`` and ``dim1`` swapped (their index rows swap)."""
        n, k = len(self._sparse_size), self._sparse_indices.shape[0]
        d0, d1 = self._wrap_dim(dim0, n), self._wrap_dim(dim1, n)
        if d0 >= k or d1 >= k:
            raise RuntimeError(f"sparse transpose: transposed dimensions must be sparse Got sparse_dim: {k}, "
                               f"d0: {d0}, d1: {d1}")
        order = list(range(k))
        order[d0], order[d1] = d1, d0
        size = list(self._sparse_size)
        size[d0], size[d1] = size[d1], size[d0]
        return SparseTensor._from_parts(self._sparse_indices[order], alias(self._sparse_values), tuple(size),
                                        d0 == d1 and self._coalesced, self._dense_mm_grad)

    def t(self) -> SparseTensor:
        """The transpose of a sparse matrix (a sparse tensor of at most 2 sparse and no dense dims)."""
        k, n = self._sparse_indices.shape[0], len(self._sparse_size)
        if k > 2 or n != k:
            raise RuntimeError(f"t() expects a tensor with <= 2 sparse and 0 dense dimensions, but got {k} sparse "
                               f"and {n - k} dense dimensions")
        return self.transpose(0, 1) if n == 2 else self

    def __repr__(self) -> str:
        """PyTorch's layout: indices, values, then the suffixes, the first on a line of its own."""
        indent = " " * len("tensor(")
        indices = repr(Tensor._make(self._sparse_indices)).replace("\n", "\n" + " " * len("tensor(indices="))
        values = repr(self._sparse_values.detach()).replace("\n", "\n" + indent + " " * len("values="))
        suffixes = [f"size={tuple(self._sparse_size)}", f"nnz={self._nnz()}"]
        if self.dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool_):
            suffixes.append(f"dtype={self.dtype!r}")
        suffixes.append(f"layout={layouts.sparse_coo!r}")
        if self.grad_fn is not None:
            suffixes.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            suffixes.append("requires_grad=True")
        parts, width = [f"tensor(indices={indices},\n{indent}values={values}"], 0
        for n, suffix in enumerate(suffixes):
            if n == 0 or width + len(suffix) + 2 > REPR_LINEWIDTH:
                parts.append(f",\n{indent}{suffix}")
                width = len(indent) + len(suffix)
            else:
                parts.append(f", {suffix}")
                width += len(suffix) + 2
        return "".join(parts) + ")"


def alias(values: Tensor) -> Tensor:
    """A new Tensor object for ``values`` that shares its memory and, when it requires grad, its history (so
    that a sparse tensor built on it never changes the flags of the tensor it was given)."""
    return values.view(values._data.shape) if values.requires_grad and GradMode.enabled else values.detach()


def positions(indices: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    """The flat row-major position of each entry within the sparse dims ``size[:len(indices)]``."""
    flat = np.zeros(indices.shape[1], dtype=np.int64)
    for row, n in zip(indices, size):
        flat = flat * n + row
    return flat


def coalesce_plan(indices: np.ndarray, size: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How to coalesce entries at ``indices``: the sorted unique indices, the first entry of each, and the
    unique position each entry goes to."""
    flat = positions(indices, size)
    _, first, inverse = np.unique(flat, return_index=True, return_inverse=True)
    return indices[:, first], first, inverse.reshape(-1)


def calling_op() -> str:
    """The name of the op the user called: the outermost function of microtensor on the stack that has a
    name users type (the ops are named as users call them; ``forward``, ``apply`` and helpers are skipped)."""
    name = "this operation"
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if str(frame.f_globals.get("__name__", "")).startswith("microtensor") and _is_op_name(frame.f_code.co_name):
            name = frame.f_code.co_name
        frame = frame.f_back
    return name


def _is_op_name(name: str) -> bool:
    if name.startswith("__") and name.endswith("__"):        # an operator or protocol method: __len__
        return name != "__call__"
    return not name.startswith(("_", "<")) and name not in ("forward", "apply")


def dense_only_message(op: str) -> str:
    """The error for a dense-only op given a sparse tensor."""
    return (f"{op}(): not supported for sparse tensors (layout={layouts.sparse_coo!r}); the sparse operations "
            "are to_dense(), coalesce(), indices(), values(), t(), microtensor.sparse.mm/sum and mm/matmul with "
            "a dense operand; call .to_dense() first")

"""Embedding and EmbeddingBag: lookup tables of learnable vectors indexed by integer ids (EmbeddingBag reduces
each bag of them to one vector)."""
from __future__ import annotations

import microtensor as mt
from microtensor.nn import functional as F
from microtensor.nn import init
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor


class Embedding(Module):
    """``weight[input]``: the rows of a ``(num_embeddings, embedding_dim)`` table for integer ids of any shape.

    Args:
        num_embeddings: the number of rows (ids run over ``0 .. num_embeddings - 1``).
        embedding_dim: the length of each row.
        padding_idx: a row initialised to zeros that gets no gradient (e.g. for padding tokens); negative
            counts from the end.
        max_norm: renormalize, in place, each looked-up row whose ``norm_type``-norm exceeds this.
        norm_type: the p of the norm for ``max_norm``.
        scale_grad_by_freq: scale each row's gradient by the inverse of its id's frequency in the batch.
        sparse: must be False (microtensor has dense gradients only).
        dtype: the table's dtype.

    ``weight`` is drawn from N(0, 1), as in PyTorch.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Tensor | None = None, _freeze: bool = False, device: object = None,
                 dtype: mt.dtype | None = None) -> None:
        super().__init__()
        if sparse:
            raise ValueError("Embedding: sparse=True is not supported; microtensor computes dense gradients only")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Padding_idx must be within num_embeddings (got padding_idx={padding_idx} for "
                                 f"num_embeddings={num_embeddings})")
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(mt.empty((num_embeddings, embedding_dim), dtype=dtype),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise ValueError(f"Shape of weight {list(_weight.shape)} does not match num_embeddings and "
                                 f"embedding_dim [{num_embeddings}, {embedding_dim}]")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """Draw the table from N(0, 1); the ``padding_idx`` row is zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with mt.no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input: Tensor) -> Tensor:
        """``F.embedding`` of the integer ids ``input`` (any shape): shape ``(*input.shape, embedding_dim)``."""
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose table is the 2-D ``embeddings`` (shared, not copied; frozen unless
        ``freeze=False``)."""
        if embeddings.ndim != 2:
            raise ValueError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, _weight=embeddings,
                   _freeze=freeze)


class EmbeddingBag(Module):
    """The sum, mean or max of bags of rows of a ``(num_embeddings, embedding_dim)`` table (``F.embedding_bag``),
    without materialising the rows of each bag as a separate tensor.

    Args:
        num_embeddings: the number of rows.
        embedding_dim: the length of each row.
        max_norm: renormalize, in place, each looked-up row whose ``norm_type``-norm exceeds this.
        norm_type: the p of the norm for ``max_norm``.
        scale_grad_by_freq: scale each row's gradient by the inverse of its id's frequency in the batch.
        mode: ``'sum'``, ``'mean'`` or ``'max'``.
        sparse: must be False (microtensor has dense gradients only).
        include_last_offset: ``offsets`` has one more entry, the end of the last bag.
        padding_idx: a row initialised to zeros, left out of every bag, that gets no gradient; negative counts
            from the end.
        dtype: the table's dtype.

    ``weight`` is drawn from N(0, 1), as in PyTorch.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                 _weight: Tensor | None = None, include_last_offset: bool = False, padding_idx: int | None = None,
                 device: object = None, dtype: mt.dtype | None = None) -> None:
        super().__init__()
        if sparse:
            raise ValueError("EmbeddingBag: sparse=True is not supported; microtensor computes dense gradients only")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError("padding_idx must be within num_embeddings")
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = Parameter(mt.empty((num_embeddings, embedding_dim), dtype=dtype))
            self.reset_parameters()
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise AssertionError("Shape of weight does not match num_embeddings and embedding_dim")
            self.weight = Parameter(_weight)
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    def reset_parameters(self) -> None:
        """Draw the table from N(0, 1); the ``padding_idx`` row is zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with mt.no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input: Tensor, offsets: Tensor | None = None,
                per_sample_weights: Tensor | None = None) -> Tensor:
        """``F.embedding_bag`` of ``input`` (1-D with ``offsets``, or 2-D: one bag per row): shape
        ``(bags, embedding_dim)``."""
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                               self.mode, self.sparse, per_sample_weights, self.include_last_offset,
                               self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An EmbeddingBag whose table is the 2-D ``embeddings`` (shared, not copied; frozen unless
        ``freeze=False``)."""
        if embeddings.ndim != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse, _weight=embeddings,
                  include_last_offset=include_last_offset, padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag

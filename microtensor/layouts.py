"""Memory layouts: ``strided`` (dense tensors) and ``sparse_coo`` (``microtensor.sparse_coo_tensor``), as
``torch.strided`` and ``torch.sparse_coo``."""
from __future__ import annotations


class layout:
    """How a tensor's elements are stored, printed like ``torch.strided``; ``Tensor.layout`` returns one."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"microtensor.{self.name}"


strided = layout("strided")
sparse_coo = layout("sparse_coo")

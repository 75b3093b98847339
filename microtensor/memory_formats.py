"""Memory formats, as ``torch.contiguous_format``, ``torch.channels_last`` and friends: the dim orders that
``Tensor.is_contiguous(memory_format=...)`` checks a tensor's strides against."""
from __future__ import annotations


class memory_format:
    """A memory format, printed like ``torch.channels_last``; ``order`` lists the dims from the one with the
    smallest stride to the one with the largest (None: row-major, for any rank)."""

    __slots__ = ("name", "order")

    def __init__(self, name: str, order: tuple[int, ...] | None) -> None:
        self.name = name
        self.order = order

    def __repr__(self) -> str:
        return f"microtensor.{self.name}"


contiguous_format = memory_format("contiguous_format", None)
preserve_format = memory_format("preserve_format", None)
channels_last = memory_format("channels_last", (1, 3, 2, 0))
channels_last_3d = memory_format("channels_last_3d", (1, 4, 3, 2, 0))

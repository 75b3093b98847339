"""ChannelShuffle: ShuffleNet's interleaving of channel groups after a group convolution."""
from __future__ import annotations

from microtensor.nn import functional as F
from microtensor.nn.module import Module
from microtensor.tensor import Tensor


class ChannelShuffle(Module):
    """Interleave the channels of (N, C, *) from ``groups`` groups (Zhang et al., ShuffleNet, 2017).

    Args:
        groups: the number of groups to interleave (must divide C).
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        """``F.channel_shuffle(input, groups)``."""
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"

"""``torch.nn.modules.channelshuffle``'s path to ChannelShuffle (the class of ``microtensor.nn``)."""
from microtensor.nn.channelshuffle import ChannelShuffle

__all__ = ["ChannelShuffle"]

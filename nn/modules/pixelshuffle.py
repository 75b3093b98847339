"""``torch.nn.modules.pixelshuffle``'s path to PixelShuffle and PixelUnshuffle (the classes of ``microtensor.nn``)."""
from microtensor.nn.pixelshuffle import PixelShuffle, PixelUnshuffle

__all__ = ["PixelShuffle", "PixelUnshuffle"]

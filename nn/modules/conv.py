"""``torch.nn.modules.conv``'s path to the convolutions (the classes of ``microtensor.nn``)."""
from microtensor.nn.conv import Conv1d, Conv2d, ConvTranspose2d

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]

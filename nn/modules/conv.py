"""``torch.nn.modules.conv``'s path to the convolutions (the classes of ``microtensor.nn``)."""
from microtensor.nn.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]
__all__ += ["Conv3d", "ConvTranspose1d", "ConvTranspose3d"]  # issue 22: 3-D convolution and pooling

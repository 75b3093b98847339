"""``torch.nn.modules.conv``'s path to the convolutions (the classes of ``microtensor.nn``)."""
from microtensor.nn.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from microtensor.nn.lazy_modules import (
    LazyConv1d,
    LazyConv2d,
    LazyConv3d,
    LazyConvTranspose1d,
    LazyConvTranspose2d,
    LazyConvTranspose3d,
)

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]
__all__ += ["LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
            "LazyConvTranspose3d"]  # issue 22: normalization and lazy modules
__all__ += ["Conv3d", "ConvTranspose1d", "ConvTranspose3d"]  # issue 22: 3-D convolution and pooling

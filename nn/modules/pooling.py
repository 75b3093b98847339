"""``torch.nn.modules.pooling``'s path to the pooling layers (the classes of ``microtensor.nn``)."""
from microtensor.nn.pooling import (
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    LPPool1d,
    LPPool2d,
    LPPool3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    MaxUnpool1d,
    MaxUnpool2d,
)

__all__ = ["AdaptiveAvgPool2d", "AvgPool1d", "AvgPool2d", "MaxPool1d", "MaxPool2d"]
__all__ += ["LPPool1d", "LPPool2d", "MaxUnpool1d", "MaxUnpool2d"]  # issue 22: nn.functional and modules
__all__ += ["AvgPool3d", "LPPool3d", "MaxPool3d"]  # issue 22: 3-D convolution and pooling

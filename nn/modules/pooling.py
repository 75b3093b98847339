"""``torch.nn.modules.pooling``'s path to the pooling layers (the classes of ``microtensor.nn``)."""
from microtensor.nn.adaptive_pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AdaptiveMaxPool3d,
)
from microtensor.nn.pooling import (
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    FractionalMaxPool2d,
    FractionalMaxPool3d,
    LPPool1d,
    LPPool2d,
    LPPool3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    MaxUnpool1d,
    MaxUnpool2d,
    MaxUnpool3d,
)

__all__ = ["AdaptiveAvgPool2d", "AvgPool1d", "AvgPool2d", "MaxPool1d", "MaxPool2d"]
__all__ += ["LPPool1d", "LPPool2d", "MaxUnpool1d", "MaxUnpool2d"]  # issue 22: nn.functional and modules
__all__ += [  # issue 22: adaptive pooling, max_unpool3d, fractional max pooling
    "AdaptiveAvgPool1d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
    "MaxUnpool3d", "FractionalMaxPool2d", "FractionalMaxPool3d",
]
__all__ += ["AvgPool3d", "LPPool3d", "MaxPool3d"]  # issue 22: 3-D convolution and pooling

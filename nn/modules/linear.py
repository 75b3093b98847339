"""``torch.nn.modules.linear``'s path to Linear, Bilinear and Identity (the classes of ``microtensor.nn``)."""
from microtensor.nn.container import Identity
from microtensor.nn.lazy_modules import LazyLinear
from microtensor.nn.linear import Bilinear, Linear

__all__ = ["Bilinear", "Identity", "Linear"]
__all__ += ["LazyLinear"]  # issue 22: normalization, lazy modules and small nn names

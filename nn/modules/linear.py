"""``torch.nn.modules.linear``'s path to Linear, Bilinear and Identity (the classes of ``microtensor.nn``)."""
from microtensor.nn.container import Identity
from microtensor.nn.linear import Bilinear, Linear

__all__ = ["Bilinear", "Identity", "Linear"]

"""``torch.nn.modules.instancenorm``'s path to the instance norms (the classes of ``microtensor.nn``)."""
from microtensor.nn.instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from microtensor.nn.lazy_modules import LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
           "LazyInstanceNorm3d"]

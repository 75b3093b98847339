"""``torch.nn.modules.instancenorm``'s path to the instance norms (the classes of ``microtensor.nn``)."""
from microtensor.nn.instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]

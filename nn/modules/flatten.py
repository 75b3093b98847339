"""``torch.nn.modules.flatten``'s path to Flatten and Unflatten (the classes of ``microtensor.nn``)."""
from microtensor.nn.container import Flatten, Unflatten

__all__ = ["Flatten", "Unflatten"]

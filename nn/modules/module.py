"""``torch.nn.modules.module``'s path to Module (the classes of ``microtensor.nn``)."""
from microtensor.nn.module import Module

__all__ = ["Module"]

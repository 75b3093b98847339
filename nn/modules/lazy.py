"""``torch.nn.modules.lazy``'s path to LazyModuleMixin (the class of ``microtensor.nn.lazy``)."""
from microtensor.nn.lazy import LazyModuleMixin

__all__ = ["LazyModuleMixin"]

"""``torch.nn.modules.normalization``'s path to LayerNorm, GroupNorm and LocalResponseNorm (the classes
of ``microtensor.nn``)."""
from microtensor.nn.normalization import GroupNorm, LayerNorm, LocalResponseNorm

__all__ = ["GroupNorm", "LayerNorm"]
__all__ += ["LocalResponseNorm"]  # issue 22: nn.functional and modules

"""``torch.nn.modules.normalization``'s path to LayerNorm and GroupNorm (the classes of ``microtensor.nn``)."""
from microtensor.nn.normalization import GroupNorm, LayerNorm

__all__ = ["GroupNorm", "LayerNorm"]

"""``torch.nn.modules.normalization``'s path to LayerNorm, GroupNorm and LocalResponseNorm (the classes
of ``microtensor.nn``)."""
from microtensor.nn.normalization import CrossMapLRN2d, GroupNorm, LayerNorm, LocalResponseNorm, RMSNorm

__all__ = ["GroupNorm", "LayerNorm"]
__all__ += ["LocalResponseNorm"]  # issue 22: nn.functional and modules
__all__ += ["CrossMapLRN2d", "RMSNorm"]  # issue 22: normalization, lazy modules and small nn names

"""``torch.nn.modules.linear_cross_entropy_options``'s path to ``LinearCrossEntropyOptions``."""
from microtensor.ops.linear_cross_entropy import LinearCrossEntropyOptions

__all__ = ["LinearCrossEntropyOptions"]

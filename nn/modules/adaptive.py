"""``torch.nn.modules.adaptive``'s path to AdaptiveLogSoftmaxWithLoss (the class of ``microtensor.nn``)."""
from microtensor.nn.adaptive import AdaptiveLogSoftmaxWithLoss

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

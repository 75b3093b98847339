"""``torch.nn.modules.fold``'s path to Fold and Unfold (the classes of ``microtensor.nn``)."""
from microtensor.nn.fold import Fold, Unfold

__all__ = ["Fold", "Unfold"]

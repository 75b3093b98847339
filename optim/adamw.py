"""``torch.optim.adamw``'s path to AdamW, which shares Adam's rule in ``optim/adam.py``."""
from microtensor.optim.adam import AdamW

__all__ = ["AdamW"]

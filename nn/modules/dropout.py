"""``torch.nn.modules.dropout``'s path to the dropout layers (the classes of ``microtensor.nn``)."""
from microtensor.nn.dropout import Dropout, Dropout2d

__all__ = ["Dropout", "Dropout2d"]

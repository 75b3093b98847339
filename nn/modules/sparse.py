"""``torch.nn.modules.sparse``'s path to Embedding (the classes of ``microtensor.nn``)."""
from microtensor.nn.sparse import Embedding

__all__ = ["Embedding"]

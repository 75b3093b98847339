"""``torch.nn.modules.distance``'s path to the distance modules (the classes of ``microtensor.nn``)."""
from microtensor.nn.distance import CosineSimilarity, PairwiseDistance

__all__ = ["CosineSimilarity", "PairwiseDistance"]

"""``torch.nn.modules.sparse``'s path to Embedding and EmbeddingBag (the classes of ``microtensor.nn``)."""
from microtensor.nn.sparse import Embedding, EmbeddingBag

__all__ = ["Embedding"]
__all__ += ["EmbeddingBag"]  # issue 22: ctc_loss, embedding_bag, adaptive softmax

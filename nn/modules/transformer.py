"""``torch.nn.modules.transformer``'s path to the Transformer layers (the classes of ``microtensor.nn``)."""
from microtensor.nn.transformer import TransformerEncoder, TransformerEncoderLayer

__all__ = ["TransformerEncoder", "TransformerEncoderLayer"]

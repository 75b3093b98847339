"""microtensor.nn.functional (import as F): the function form of every layer, activation and loss.

The functions live with their op families in ``microtensor.ops`` (each module's
``FUNCTIONAL`` table); this module gathers them under PyTorch's names.
"""
from microtensor.ops import activation, attention, conv, losses, nn_ops, normalization

for _family in (nn_ops, activation, normalization, conv, losses, attention):
    globals().update(_family.FUNCTIONAL)

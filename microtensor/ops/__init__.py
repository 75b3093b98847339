"""The differentiable primitives, one family per module; each module's METHODS become Tensor methods."""
from microtensor.ops import (activation, comparison, conv, elementwise, indexing, inplace, linalg, losses, nn_ops,
                             normalization, reduction, shape, sorting, unary)
from microtensor.tensor import Tensor

FAMILIES = (elementwise, unary, comparison, reduction, shape, indexing, linalg, nn_ops, activation, normalization, conv,
            losses, inplace, sorting)

for _family in FAMILIES:
    for _name, _fn in _family.METHODS.items():
        setattr(Tensor, _name, _fn)

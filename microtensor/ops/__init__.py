"""The differentiable primitives, one family per module; each module's METHODS become Tensor methods."""
from microtensor.ops import elementwise, inplace, reduction, shape
from microtensor.tensor import Tensor

FAMILIES = (elementwise, reduction, shape, inplace)

for _family in FAMILIES:
    for _name, _fn in _family.METHODS.items():
        setattr(Tensor, _name, _fn)

"""Parameter: a leaf Tensor that a Module registers as one of its learnable weights."""
from __future__ import annotations

from typing import Any, SupportsIndex

import numpy as np

import microtensor as mt
from microtensor.tensor import Tensor, share_version_counter


class Parameter(Tensor):
    """A Tensor that, assigned as a Module attribute, is registered in the module's parameters.

    ``Parameter(data)`` shares ``data``'s memory and is a leaf that requires grad (unless
    ``requires_grad=False``). Operations on a Parameter return plain Tensors, as in PyTorch.

    Args:
        data: the initial value (an empty float tensor when None).
        requires_grad: whether the parameter requires gradient.
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.empty((0,), dtype=mt.get_default_dtype().np)
        elif isinstance(data, Tensor):
            array = data._data.view()      # its own array object, as detach() gives
        else:
            array = mt.tensor(data)._data
        Tensor._init(self, array, False)
        if isinstance(data, Tensor):
            share_version_counter(self, data)      # like PyTorch's detach(): same memory, same version counter
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        # copy.deepcopy and pickle rebuild a Parameter (with a copy of the data), not a plain Tensor
        return (_rebuild_parameter, (self._data, self._requires_grad))


def _rebuild_parameter(array: np.ndarray, requires_grad: bool) -> Parameter:
    return Parameter(Tensor._make(array), requires_grad)

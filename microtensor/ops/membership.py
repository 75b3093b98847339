"""``isin``: which elements of a tensor occur among test elements."""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.capture import record
from microtensor.ops.checks import torch_dtype_name
from microtensor.tensor import Tensor


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """A bool tensor of ``elements``'s shape: True where the element equals one of ``test_elements`` (False
    with ``invert``). Either argument may be a number, not both; values compare after PyTorch's promotion
    (``2 == 2.0``), and NaN is in nothing."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(f"isin(): expected elements or test_elements to be a Tensor, but got "
                        f"({type(elements).__name__}, {type(test_elements).__name__})")
    for x in (elements, test_elements):
        if isinstance(x, Tensor) and x._data.dtype == np.bool_ or isinstance(x, (bool, np.bool_)):
            raise RuntimeError(f"Unsupported input type encountered for isin(): "
                               f"{torch_dtype_name(x) if isinstance(x, Tensor) else 'Bool'}")
    a = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    b = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return Tensor._make(record(_isin_of, a, b, assume_unique, invert))


def _isin_of(a: np.ndarray, b: np.ndarray, assume_unique: bool, invert: bool) -> np.ndarray:
    return np.asarray(np.isin(a, b, assume_unique=assume_unique, invert=invert))

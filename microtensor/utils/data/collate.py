"""default_collate and default_convert: how a DataLoader turns a list of samples into a batch of Tensors."""
from __future__ import annotations

import collections.abc
import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor import creation, dtypes
from microtensor.dtypes import is_floating
from microtensor.ops.shape import stack
from microtensor.tensor import Tensor


def _is_numeric_array(obj: Any) -> bool:
    return isinstance(obj, (np.ndarray, np.generic)) and (obj.dtype.kind in "biu" or is_floating(obj.dtype))




def default_collate(batch: list) -> Any:
    """Merge a list of samples into a batch, as ``torch.utils.data.default_collate`` does.

    Tensors and NumPy arrays are stacked along a new first dimension (``(B, *shape)``), NumPy scalars and
    Python numbers become 1-D tensors (floats float64, ints int64, bools bool), strings stay a list, and
    dicts, lists, tuples and named tuples are collated field by field (a tuple of fields gives a list of
    batches, as in PyTorch).

    Args:
        batch: the samples, all of the same structure.

    Returns:
        The batch, with the samples' structure and ``mt.Tensor`` leaves.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, (np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        if not _is_numeric_array(elem):
            raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                            f"lists; found a numpy array of dtype {elem.dtype}")
        return stack([creation.as_tensor(b) for b in batch], 0)
    if isinstance(elem, float):
        return creation.tensor(batch, dtype=dtypes.float64)
    if isinstance(elem, int):
        return creation.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        mapping_type: Callable[..., Any] = type(elem)    # a subclass may take its items; TypeError if not
        try:
            return mapping_type(collated)
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(samples)) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of equal size")
        fields = [default_collate(list(samples)) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return fields
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            clone[:] = fields
            return clone
        sequence_type: Callable[..., Any] = type(elem)   # a Sequence subclass that takes its items
        return sequence_type(fields)
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(elem).__name__}")


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays and scalars inside ``data`` (nested in dicts, lists and tuples) into Tensors, leaving
    everything else as it is: what a DataLoader with ``batch_size=None`` applies to each sample.

    Args:
        data: one sample.
    """
    if _is_numeric_array(data):
        return creation.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(value) for key, value in data.items()}
        mapping_type: Callable[..., Any] = type(data)    # a subclass may take its items; TypeError if not
        try:
            return mapping_type(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (tuple, list)):          # a plain tuple becomes a list, as in PyTorch
        return [default_convert(d) for d in data]
    return data

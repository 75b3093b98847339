"""Move weights between microtensor modules and PyTorch: state dicts converted key by key (needs PyTorch)."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from microtensor.tensor import Tensor


def _torch() -> Any:
    try:
        import torch
    except ImportError as err:
        raise ImportError("to_torch_state_dict / from_torch_state_dict need PyTorch: pip install torch") from err
    return torch


def to_torch_state_dict(module: Any) -> OrderedDict:
    """The state dict of a microtensor module (or a state dict itself) as ``torch.Tensor`` copies.

    The keys are unchanged: a torch.nn module built like the microtensor one (same layer names and
    shapes, e.g. ``nn.Linear``, ``nn.Conv2d``, ``nn.LSTM``, ``nn.BatchNorm2d``) loads it with
    ``load_state_dict``. Dtypes and shapes are kept; the copies share no memory with the module.

    Args:
        module: a ``microtensor.nn.Module``, or a mapping of names to microtensor Tensors.

    Returns:
        An OrderedDict of names to CPU ``torch.Tensor``.
    """
    torch = _torch()
    state = module if isinstance(module, Mapping) else module.state_dict()
    out = OrderedDict()
    for key, value in state.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"to_torch_state_dict: entry {key!r} is a {type(value).__name__}, expected a "
                            "microtensor Tensor")
        out[key] = torch.from_numpy(np.array(value._data, copy=True))
    return out


def from_torch_state_dict(module: Any, state_dict: Mapping, strict: bool = True) -> Any:
    """Load a PyTorch state dict (``torch_module.state_dict()``) into a microtensor module.

    Each ``torch.Tensor`` is copied into a microtensor Tensor of the same dtype and shape and the result
    goes through ``module.load_state_dict``, so missing, unexpected and mis-shaped entries raise its errors.

    Args:
        module: the ``microtensor.nn.Module`` to load into.
        state_dict: names to ``torch.Tensor``.
        strict: as in ``Module.load_state_dict``.

    Returns:
        ``module.load_state_dict``'s named tuple ``(missing_keys, unexpected_keys)``.
    """
    torch = _torch()
    converted = OrderedDict()
    for key, value in state_dict.items():
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"from_torch_state_dict: entry {key!r} is a {type(value).__name__}, expected a "
                            "torch.Tensor")
        try:
            array = value.detach().cpu().numpy().copy()
        except TypeError as err:
            raise TypeError(f"from_torch_state_dict: entry {key!r} has dtype {value.dtype}, which microtensor "
                            "does not support") from err
        converted[key] = Tensor._make(array)
    return module.load_state_dict(converted, strict=strict)

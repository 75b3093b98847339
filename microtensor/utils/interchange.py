"""Move weights between microtensor modules and PyTorch: state dicts converted key by key (needs PyTorch)."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from microtensor.dtypes import BFLOAT16
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
        data = np.array(value._data, copy=True)
        if data.dtype == BFLOAT16:          # torch reads no ml_dtypes array: hand it the bits
            out[key] = torch.from_numpy(data.view(np.int16)).view(torch.bfloat16)
        else:
            out[key] = torch.from_numpy(data)
    return out


def from_torch_state_dict(module: Any, state_dict: Mapping, strict: bool = True) -> Any:
    """Load a PyTorch state dict (``torch_module.state_dict()``) into a microtensor module, all or nothing.

    Each ``torch.Tensor`` becomes a microtensor Tensor of the same dtype and shape (the floats microtensor
    lacks, float8 and complex32, are widened exactly; PyTorch casts them on loading too) and the result goes
    through ``module.load_state_dict``, which checks every entry before copying any: missing, unexpected,
    mis-shaped, complex and non-tensor entries are listed together in one error and leave the module as it was.

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
        # anything else is passed on as it is, for load_state_dict to report with the other problems
        converted[key] = Tensor._make(_numpy(torch, value)) if isinstance(value, torch.Tensor) else value
    return module.load_state_dict(converted, strict=strict)


def _numpy(torch: Any, value: Any) -> np.ndarray:
    """A torch tensor's values as a NumPy array (no copy: loading copies): bfloat16 as ml_dtypes' bfloat16,
    widened exactly to float32 or complex64 where microtensor lacks the dtype (float8, complex32)."""
    value = value.detach().cpu()
    if value.dtype == torch.bfloat16:
        return value.view(torch.int16).numpy().view(BFLOAT16)
    try:
        return value.numpy()
    except TypeError:
        return value.to(torch.complex64 if value.is_complex() else torch.float32).numpy()

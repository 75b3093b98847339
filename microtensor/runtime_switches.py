"""Process-wide switches PyTorch scripts flip at start-up: ``set_default_tensor_type`` (deprecated),
``set_flush_denormal`` and ``set_anomaly_enabled``."""
from __future__ import annotations

import warnings
from typing import Any

from microtensor import dtypes
from microtensor.autograd import set_detect_anomaly
from microtensor.legacy_tensors import dtype_of_type


def set_default_tensor_type(t: Any) -> None:
    """Deprecated (it warns, as PyTorch does): set the default float dtype from a legacy type
    (``DoubleTensor``) or its name (``"torch.DoubleTensor"``); use ``set_default_dtype`` instead."""
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.", UserWarning,
                  stacklevel=2)
    if isinstance(t, dtypes.dtype):
        raise TypeError("invalid type object: only floating-point types are supported as the default type")
    d = dtype_of_type(t)
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    dtypes.set_default_dtype(d)


def set_flush_denormal(mode: bool) -> bool:
    """Ask for denormal floats to be flushed to zero; returns whether that took effect. NumPy offers no such
    mode, so this returns False (as PyTorch does on a CPU without the feature) and arithmetic keeps denormals."""
    if not isinstance(mode, bool):
        raise TypeError(f"set_flush_denormal(): argument 'mode' (position 1) must be bool, not "
                        f"{type(mode).__name__}")
    return False


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off for all threads (``autograd.set_detect_anomaly`` without the context
    manager); ``is_anomaly_enabled()`` reads it back."""
    set_detect_anomaly(enabled, check_nan)

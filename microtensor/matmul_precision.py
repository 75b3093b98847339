"""``set_float32_matmul_precision``: PyTorch's float32 matmul precision setting, recorded.

PyTorch lets float32 matmuls use TF32 or bfloat16 internally at "high" or "medium"; microtensor's matmuls
are NumPy's float32 BLAS calls at every setting, so the value is kept and reported but changes nothing.
"""
from __future__ import annotations

import warnings

PRECISIONS = ("highest", "high", "medium")
_precision = ["highest"]


def set_float32_matmul_precision(precision: str) -> None:
    """Record the float32 matmul precision ("highest", "high" or "medium"); an unknown value warns and is
    ignored, as in PyTorch."""
    if precision not in PRECISIONS:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _precision[0] = precision


def get_float32_matmul_precision() -> str:
    """The recorded float32 matmul precision ("highest" unless set)."""
    return _precision[0]

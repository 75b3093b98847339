"""``microtensor.backends.cuda``: CUDA is not built in; ``matmul``'s precision flags are kept and settable."""
from __future__ import annotations

from typing import Any


class _MatmulFlags:
    """``backends.cuda.matmul``: the cuBLAS precision switches (``allow_tf32`` ...), recorded only: NumPy's
    float32 matmul on the CPU never uses TF32 or reduced-precision reductions. An unknown name raises
    AttributeError, as PyTorch's does, so a typo does not pass silently."""

    allow_tf32: bool
    allow_fp16_reduced_precision_reduction: bool
    allow_bf16_reduced_precision_reduction: bool
    _FLAGS = ("allow_tf32", "allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction")

    def __init__(self) -> None:
        object.__setattr__(self, "allow_tf32", False)
        object.__setattr__(self, "allow_fp16_reduced_precision_reduction", True)
        object.__setattr__(self, "allow_bf16_reduced_precision_reduction", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._FLAGS:
            raise AttributeError(f"Unknown attribute {name}; backends.cuda.matmul has {', '.join(self._FLAGS)}")
        object.__setattr__(self, name, bool(value))


matmul = _MatmulFlags()


def is_built() -> bool:
    """Whether this build includes CUDA support: it does not (microtensor computes on the CPU)."""
    return False

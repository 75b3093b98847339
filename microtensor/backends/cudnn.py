"""``microtensor.backends.cudnn``: cuDNN is absent; its flags are kept, settable, and change nothing.

``cudnn.benchmark = True`` and ``cudnn.deterministic = True`` are what scripts write; as in a CPU-only
PyTorch build they are recorded and do not affect results (``deterministic`` does not switch on
``use_deterministic_algorithms`` there either). microtensor's CPU kernels are deterministic anyway.
"""
from __future__ import annotations

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """Whether cuDNN can be used: never, there is no CUDA."""
    return False


def version() -> int | None:
    """cuDNN's version: None, it is not linked (as in a CPU-only PyTorch build)."""
    return None

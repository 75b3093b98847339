"""``microtensor.backends.mps``: Apple's Metal GPU back-end, which microtensor does not have."""
from __future__ import annotations


def is_available() -> bool:
    """Whether an MPS device can be used: never in microtensor."""
    return False


def is_built() -> bool:
    """Whether this build includes MPS support: it does not."""
    return False

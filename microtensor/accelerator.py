"""``microtensor.accelerator``: PyTorch's device-agnostic accelerator API, answering for a machine without one.

``accelerator.is_available()`` is False and ``current_accelerator()`` None, so scripts that pick
``accelerator.current_accelerator() or "cpu"`` run on the CPU; asking for an accelerator's index or
synchronising it raises PyTorch's error.
"""
from __future__ import annotations

from typing import Any

from microtensor.devices import NO_ACCELERATOR, device


def is_available() -> bool:
    """Whether an accelerator (CUDA, MPS, XPU, ...) can be used: never in microtensor."""
    return False


def current_accelerator(check_available: bool = False) -> device | None:
    """The accelerator's device type: None, there is none."""
    return None


def device_count() -> int:
    """The number of accelerator devices: 0."""
    return 0


def current_device_index() -> int:
    """The current accelerator's index: raises, there is no accelerator."""
    raise RuntimeError(NO_ACCELERATOR)


def synchronize(device: Any = None, /) -> None:
    """Wait for the accelerator's queued work: raises, there is no accelerator."""
    raise RuntimeError(NO_ACCELERATOR)

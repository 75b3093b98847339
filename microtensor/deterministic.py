"""``use_deterministic_algorithms``: the switch PyTorch scripts set for reproducible runs.

Every microtensor op is deterministic (NumPy on the CPU; scatter-adds accumulate in a fixed order), so
the switch is recorded and read back, as PyTorch's is, and no op needs to raise or warn under it.
"""
from __future__ import annotations


class _Mode:
    enabled = False
    warn_only = False


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic algorithms (``mode``); with ``warn_only``, non-deterministic ops would warn
    instead of raising. microtensor has no non-deterministic op, so results are the same either way."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not "
                        f"{type(mode).__name__}")
    _Mode.enabled, _Mode.warn_only = mode, bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """Whether ``use_deterministic_algorithms(True)`` is in force."""
    return _Mode.enabled


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether ``use_deterministic_algorithms(True, warn_only=True)`` is in force."""
    return _Mode.warn_only

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


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode: str | int) -> None:
    """``use_deterministic_algorithms`` by level: ``"default"``/0 off, ``"warn"``/1 on with ``warn_only``,
    ``"error"``/2 on."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got "
                               f"{debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    elif not isinstance(debug_mode, int):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode).__name__}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode() -> int:
    """The level ``set_deterministic_debug_mode`` sets: 0 off, 1 warn only, 2 error."""
    return 0 if not _Mode.enabled else 1 if _Mode.warn_only else 2

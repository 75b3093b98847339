"""Grad mode: no_grad / enable_grad / set_grad_enabled / inference_mode, as context managers and decorators."""
from __future__ import annotations

import functools
from typing import Any, Callable


class GradMode:
    """Process-wide switch read by ``Function.apply``: record the graph only when ``enabled``."""

    enabled = True


def is_grad_enabled() -> bool:
    """Whether operations are currently recorded for backward."""
    return GradMode.enabled


class _GradModeContext:
    """Base of the grad-mode switches: sets ``GradMode.enabled`` on enter, restores it on exit."""

    _mode: bool

    def __enter__(self) -> None:
        self._prev = GradMode.enabled
        GradMode.enabled = self._mode

    def __exit__(self, *exc: Any) -> None:
        GradMode.enabled = self._prev

    def __call__(self, fn: Callable) -> Callable:
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Disable graph recording inside a ``with`` block or a decorated function."""

    _mode = False


class enable_grad(_GradModeContext):
    """Enable graph recording inside a ``with`` block or a decorated function (e.g. within ``no_grad``)."""

    _mode = True


class inference_mode(_GradModeContext):
    """Like ``no_grad``: nothing is recorded. ``inference_mode(False)`` leaves grad mode as it is."""

    def __init__(self, mode: bool = True) -> None:
        self._inference = mode

    def __enter__(self) -> None:
        self._mode = GradMode.enabled and not self._inference
        super().__enter__()

    def __call__(self, fn: Callable) -> Callable:
        inference = self._inference

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(inference):
                return fn(*args, **kwargs)

        return wrapper


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode``: takes effect at once, and as a context manager restores it on exit."""

    def __init__(self, mode: bool) -> None:
        self._prev = GradMode.enabled
        self._mode = bool(mode)
        GradMode.enabled = self._mode

    def __enter__(self) -> None:
        """The mode was already set by the constructor."""

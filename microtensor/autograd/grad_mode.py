"""Grad mode: no_grad / enable_grad / set_grad_enabled / inference_mode, as context managers and decorators.
Each switch acts on the calling thread only, as in PyTorch."""
from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any


class _GradMode(threading.local):
    """This thread's switches (each thread has its own, as in PyTorch; a new thread starts from these
    class-level defaults). ``enabled`` is what ``Function.apply`` reads: record the graph only when
    grad mode is on (``grad``) and inference mode is off (``inference``)."""

    enabled = True
    grad = True
    inference = False


GradMode = _GradMode()


def is_grad_enabled() -> bool:
    """Whether grad mode is on in this thread (operations on tensors that require grad are recorded for backward)."""
    return GradMode.grad


def is_inference_mode_enabled() -> bool:
    """Whether inference mode is on in this thread."""
    return GradMode.inference


def _set(grad: bool, inference: bool) -> None:
    GradMode.grad = grad
    GradMode.inference = inference
    GradMode.enabled = grad and not inference


class _DecoratorContextManager:
    """Base of the mode switches (each defines ``_target()``, its (grad, inference) modes inside the
    block): a context manager that restores the previous modes on exit (also on
    exceptions) and, called on a function, a decorator that runs the function (or each step of a
    generator function) inside a fresh copy of itself."""

    _target: Callable[[], tuple[bool, bool]]

    def clone(self) -> _DecoratorContextManager:
        """A fresh context manager with the same settings (each decorated call gets its own)."""
        return self.__class__()

    def __enter__(self) -> None:
        self._prev = (GradMode.grad, GradMode.inference)
        _set(*self._target())

    def __exit__(self, *exc: Any) -> None:
        _set(*self._prev)

    def __call__(self, fn: Callable) -> Callable:
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def generator(*args: Any, **kwargs: Any) -> Any:
                gen = fn(*args, **kwargs)
                try:
                    with self.clone():
                        response = gen.send(None)
                    while True:
                        try:
                            request = yield response
                        except GeneratorExit:
                            with self.clone():
                                gen.close()
                            raise
                        except BaseException as error:  # noqa: BLE001 - forwarded into the generator
                            with self.clone():
                                response = gen.throw(error)
                        else:
                            with self.clone():
                                response = gen.send(request)
                except StopIteration as stop:
                    return stop.value
            return generator

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_DecoratorContextManager):
    """Disable graph recording inside a ``with`` block or a decorated function."""

    def _target(self) -> tuple[bool, bool]:
        return False, GradMode.inference


class enable_grad(_DecoratorContextManager):
    """Enable grad mode inside a ``with`` block or a decorated function (e.g. within ``no_grad``);
    inside ``inference_mode`` nothing is recorded all the same, as in PyTorch."""

    def _target(self) -> tuple[bool, bool]:
        return True, GradMode.inference


class set_grad_enabled(_DecoratorContextManager):
    """Set grad mode to ``mode``: takes effect at once (also as a plain call), and as a context manager
    or decorator restores the previous mode on exit."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._prev = (GradMode.grad, GradMode.inference)
        _set(self.mode, GradMode.inference)

    def clone(self) -> _DecoratorContextManager:
        return enable_grad() if self.mode else no_grad()

    def __enter__(self) -> None:
        """The mode was set by the constructor; ``_prev`` is what it was before."""

    def __call__(self, fn: Callable) -> Callable:
        _set(*self._prev)  # used as a decorator, the constructor's change must not leak out
        return super().__call__(fn)


class inference_mode(_DecoratorContextManager):
    """Disable recording inside a ``with`` block or a decorated function, like ``no_grad``, even under
    ``enable_grad``. ``inference_mode(False)`` leaves things as they are."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)

    def _target(self) -> tuple[bool, bool]:
        if self.mode:
            return False, True
        return GradMode.grad, GradMode.inference

    def clone(self) -> inference_mode:
        return inference_mode(self.mode)

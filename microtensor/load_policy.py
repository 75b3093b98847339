"""Which classes and functions ``load`` may rebuild from the import paths a file records, and the allowlist
the caller extends (``add_safe_globals``, ``safe_globals``: PyTorch's names and semantics).

A file names a class or function by its ``__module__`` and ``__qualname__``; nothing here imports a module or
calls what it finds: a name is looked up in the dictionaries of modules already imported (``sys.modules``),
never through ``getattr``, so no module code, ``__getattr__`` or descriptor runs. Allowed are:

- the classes and functions the caller allowlisted, matched by the full name the file records;
- microtensor's own ``nn.Module``, ``optim.Optimizer`` and LR scheduler classes (rebuilding one runs none of its
  code) and the functions of ``microtensor.nn.functional`` (what a layer keeps as its activation);
- with ``weights_only=False`` (PyTorch's "I trust this file"), also the ``nn.Module``, ``Optimizer`` and LR
  scheduler subclasses defined in modules already imported (a script's own ``Net``), unless they define
  ``__del__`` (which would run on the rebuilt state when it is dropped).

Everything else is refused with PyTorch's "Unsupported global" message, before anything is built.
"""
from __future__ import annotations

import pickle
import sys
import types
from collections.abc import Callable, Iterable
from typing import Any

_allowlist: list[Any] = []      # the entries as given, as PyTorch keeps them: objects or (object, "full.name")


class UnsupportedGlobal(pickle.UnpicklingError, ValueError):
    """``load`` refused a class or function the file names: PyTorch's error type (scripts catch it to retry
    with ``weights_only=False``), and a ValueError like every other refusal of ``load``."""


def _check_entry(entry: Any) -> None:
    obj, name = entry if isinstance(entry, tuple) and len(entry) == 2 else (entry, "")
    if not (isinstance(obj, type) or isinstance(obj, types.FunctionType)) or not isinstance(name, str):
        raise TypeError("add_safe_globals: expected a class or function, or a (class or function, 'module.name') "
                        f"pair, got {entry!r}")


def add_safe_globals(safe_globals: list[Callable | tuple[Callable, str]]) -> None:
    """Mark classes and functions as safe for ``load`` to rebuild (a class) or refer to (a function).

    Each item is a class or function, or a ``(class or function, "module.qualname")`` pair naming the path a
    file records for it (when it was saved under another path). Without a name, the item's
    ``{__module__}.{__qualname__}`` is used. A class is rebuilt from the state the file holds, with
    ``cls.__new__`` and no call to ``__init__``; only allow classes that are safe with any such state.

    Args:
        safe_globals: the classes and functions to allow.
    """
    entries = list(safe_globals)
    for entry in entries:
        _check_entry(entry)
    _allowlist.extend(entry for entry in entries if entry not in _allowlist)


def get_safe_globals() -> list[Callable | tuple[Callable, str]]:
    """The classes and functions ``add_safe_globals`` (or an active ``safe_globals``) has allowed."""
    return list(_allowlist)


def clear_safe_globals() -> None:
    """Forget every class and function ``add_safe_globals`` allowed."""
    _allowlist.clear()


class safe_globals:  # noqa: N801 - PyTorch's name for this context manager
    """Context manager that allows classes and functions (as ``add_safe_globals`` does) until it exits, then
    restores the allowlist it found.

    Args:
        safe_globals: the classes and functions to allow, as for ``add_safe_globals``.

    Example::

        with microtensor.serialization.safe_globals([Net]):
            model = microtensor.load("net.pt")
    """

    def __init__(self, safe_globals: list[Callable | tuple[Callable, str]]) -> None:
        self.safe_globals = safe_globals
        self.previous: list[Any] = []

    def __enter__(self) -> None:
        self.previous = get_safe_globals()
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc: Any) -> None:
        _allowlist[:] = self.previous


def full_name(obj: Any) -> str:
    """The path a file records for a class or function: ``{__module__}.{__qualname__}``."""
    return f"{obj.__module__}.{obj.__qualname__}"


def lookup(module: str, qualname: str) -> Any:
    """The object at ``module``.``qualname`` in a module already imported, found through ``vars()`` only (no
    import, no ``getattr``); None where there is none."""
    found: Any = sys.modules.get(module)
    for part in qualname.split("."):
        if found is None:
            return None
        try:
            found = vars(found).get(part)
        except TypeError:       # an object without a __dict__: the path goes nowhere
            return None
    return found


def _families() -> tuple[type, ...]:
    # nn and optim sit above the core: imported when a file names a class, never at import time
    from microtensor.nn import Module
    from microtensor.optim import Optimizer
    from microtensor.optim.lr_scheduler import LRScheduler
    return Module, Optimizer, LRScheduler


def _functional() -> Iterable[Any]:
    from microtensor.nn import functional
    return (value for name, value in vars(functional).items()
            if not name.startswith("_") and isinstance(value, types.FunctionType))


def allowed_by_default(obj: Any, weights_only: bool) -> bool:
    """Whether ``load`` may rebuild (a class) or refer to (a function) ``obj`` without the caller allowing it."""
    if isinstance(obj, types.FunctionType):
        return any(obj is fn for fn in _functional())
    if not isinstance(obj, type) or not issubclass(obj, _families()):
        return False
    if obj.__module__.split(".")[0] == "microtensor":
        return True
    return not weights_only and getattr(obj, "__del__", None) is None


def resolve(module: str, qualname: str, weights_only: bool, where: str) -> Any:
    """The class or function a file records as ``module``.``qualname``, if it is allowed (see the module's
    docstring); else an UnsupportedGlobal in PyTorch's words naming it and how to allow it."""
    name = f"{module}.{qualname}"
    for entry in _allowlist:
        obj, entry_name = entry if isinstance(entry, tuple) else (entry, full_name(entry))
        if entry_name == name:
            return obj
    if module.split(".")[0] == "microtensor":
        _families()                 # so that every microtensor module a file may name has been imported
    obj = lookup(module, qualname)
    if obj is not None and allowed_by_default(obj, weights_only):
        return obj
    if obj is None and not weights_only:
        why = (f"{name} is not in any module imported so far (load never imports one: import the module that "
               "defines it first)")
    else:
        why = f"GLOBAL {name} was not an allowed global by default"
    raise UnsupportedGlobal(
        f"load: {where}: Weights only load failed. Unsupported global: {why}. Please use "
        f"`microtensor.serialization.add_safe_globals([{name}])` or the "
        f"`microtensor.serialization.safe_globals([{name}])` context manager to allowlist this global if you "
        "trust this class/function. (microtensor rebuilds its own modules, optimizers and LR schedulers by "
        "default, and with weights_only=False also the nn.Module, Optimizer and LRScheduler subclasses of "
        "modules already imported; it never calls what a file names while loading.)")

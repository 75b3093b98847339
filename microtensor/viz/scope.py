"""``record(model)``: remember which ``nn.Module`` call created each op, for ``group_by_module``."""
from __future__ import annotations

import threading
from typing import Any, NamedTuple

from microtensor.autograd.function import RECORD_HOOKS, Node


class Scope(NamedTuple):
    """A module in the tree of the recorded model: dotted path ("" for the model), class name, parent."""
    path: str
    kind: str
    parent: Any

    def label(self) -> str:
        return f"{self.path}: {self.kind}" if self.path else self.kind


class _Current(threading.local):
    """The recorded module call running in this thread, None outside every one."""

    scope: Scope | None = None


_current = _Current()


def _tag(node: Node) -> None:
    """The record hook (``RECORD_HOOKS``): a node made inside a recorded module keeps it as ``_scope``."""
    scope = _current.scope
    if scope is not None:
        node._scope = scope


class record:
    """Context manager: ops run inside ``model``'s forward (and its submodules') remember the module.

    ``draw(..., group_by_module=True)`` then draws each module's ops inside a cluster labelled with the
    module's dotted name (``layer1.0.conv2``) from ``model.named_modules()``. Calls of the model from
    other threads are recorded too, each thread's modules kept apart. Outside this context the only cost
    left in the core is a test of the empty ``RECORD_HOOKS`` per recorded op.

    Example::

        with mt.viz.record(model):
            loss = F.cross_entropy(model(x), y)
        mt.viz.draw(loss, "model.svg", params=dict(model.named_parameters()), group_by_module=True)
    """

    def __init__(self, model: Any) -> None:
        if not hasattr(model, "named_modules"):
            raise TypeError(f"record: expected an nn.Module, got {type(model).__name__}")
        self.model = model
        self._handles: list = []
        self._stacks: dict[int, list] = {}    # thread id -> the scopes its module calls interrupted
        self._outer: Any = None

    def __enter__(self) -> record:
        scopes: dict[str, Scope] = {}
        for path, module in self.model.named_modules():
            parent = scopes.get(path.rpartition(".")[0]) if path else None
            scope = scopes[path] = Scope(path, type(module).__name__, parent)
            self._handles.append(module.register_forward_pre_hook(self._enter_module(scope), prepend=True))
            self._handles.append(module.register_forward_hook(self._leave_module))
        self._outer = _current.scope
        RECORD_HOOKS.append(_tag)         # once per open record(): nested ones tag a node twice, alike
        return self

    def __exit__(self, *exc: object) -> None:
        RECORD_HOOKS.remove(_tag)
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        self._stacks.clear()
        _current.scope = self._outer

    def _enter_module(self, scope: Scope) -> Any:
        def hook(module: Any, args: tuple) -> None:
            self._stacks.setdefault(threading.get_ident(), []).append(_current.scope)
            _current.scope = scope
        return hook

    def _leave_module(self, module: Any, args: tuple, output: Any) -> None:
        _current.scope = self._stacks[threading.get_ident()].pop()


def chain(scope: Scope | None) -> list[Scope]:
    """The scopes from the outermost module down to ``scope``."""
    out = []
    while scope is not None:
        out.append(scope)
        scope = scope.parent
    return out[::-1]

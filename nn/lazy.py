"""LazyModuleMixin: modules whose parameter shapes are inferred from their first input."""
from __future__ import annotations

import itertools
from typing import Any

import microtensor as mt
from microtensor.nn.parameter import is_lazy


class LazyModuleMixin:
    """A mixin for modules that create their parameters on the first forward, from the input's shape.

    Until then they hold ``UninitializedParameter``s (and ``UninitializedBuffer``s); a forward pre-hook calls
    ``initialize_parameters(*args, **kwargs)`` once, checks that nothing is left uninitialized, removes itself
    and turns the module into ``cls_to_become`` (``LazyLinear`` becomes ``Linear``). Convert the dtype before that
    first (dry) run. ``state_dict()`` lists the uninitialized entries; ``load_state_dict`` of initialized values
    materializes them with the checkpoint's shapes. Put before the layer class in the bases::

        class LazyLinear(LazyModuleMixin, Linear): ...
    """

    cls_to_become: type | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(  # type: ignore[attr-defined]
            self._infer_parameters, with_kwargs=True)

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        """As ``Module``'s, with the uninitialized entries kept as they are (they cannot be detached)."""
        for name, value in self._parameters.items():  # type: ignore[attr-defined]
            if value is not None:
                destination[prefix + name] = value if is_lazy(value) or keep_vars else value.detach()
        for name, value in self._buffers.items():  # type: ignore[attr-defined]
            if value is not None and name not in self._non_persistent_buffers_set:  # type: ignore[attr-defined]
                destination[prefix + name] = value if is_lazy(value) or keep_vars else value.detach()

    def _load_from_state_dict(self, state_dict: dict, prefix: str, local_metadata: dict, strict: bool,
                              missing_keys: list, unexpected_keys: list, error_msgs: list) -> None:
        """Materialize each uninitialized entry that the checkpoint holds initialized, with its shape, then
        load as every module does."""
        for name, value in itertools.chain(self._parameters.items(), self._buffers.items()):  # type: ignore
            key = prefix + name
            given = state_dict.get(key)
            if is_lazy(value) and isinstance(given, mt.Tensor) and not is_lazy(given):
                with mt.no_grad():
                    value.materialize(given.shape)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict,  # type: ignore[misc]
                                      missing_keys, unexpected_keys, error_msgs)

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Materialize the parameters from the first forward's arguments (each lazy layer defines it)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def has_uninitialized_params(self) -> bool:
        """Whether any of the module's own parameters or buffers is still uninitialized."""
        return any(is_lazy(v) for v in itertools.chain(self._parameters.values(),  # type: ignore[attr-defined]
                                                       self._buffers.values()))  # type: ignore[attr-defined]

    def _infer_parameters(self, module: Any, args: tuple, kwargs: dict | None = None) -> None:
        """The forward pre-hook: initialize from the first input, then become ``cls_to_become``."""
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        del module._initialize_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

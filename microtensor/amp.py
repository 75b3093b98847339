"""``microtensor.amp``: gradient scaling (``GradScaler``) and the ``autocast`` switch, as ``torch.amp``.

microtensor computes in the dtype it is given and has no mixed-precision autocast. ``autocast`` therefore
runs disabled (for a CUDA device it warns and disables itself, as a CPU-only PyTorch build does) and
refuses to run enabled on the CPU, where PyTorch would cast. ``GradScaler("cpu")`` scales for real: a
float16 model trained with it gets PyTorch's loss scaling, inf/NaN step skipping and scale updates;
``GradScaler("cuda")`` (the default device, and ``torch.cuda.amp.GradScaler``) disables itself with
PyTorch's warning, so GPU scripts run on the CPU unchanged.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from microtensor.autograd.grad_mode import no_grad
from microtensor.dtypes import dtype as Dtype
from microtensor.tensor import Tensor, bump_version

if TYPE_CHECKING:
    from microtensor.optim.optimizer import Optimizer

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"


class GradScaler:
    """Scale the loss so float16 gradients do not underflow; unscale them before the optimizer steps.

    Args:
        device: "cpu" scales; "cuda" (PyTorch's default) disables the scaler with a warning, as PyTorch
            does when CUDA is not available.
        init_scale: the first scale factor.
        growth_factor: the scale is multiplied by it after ``growth_interval`` steps without inf/NaN.
        backoff_factor: the scale is multiplied by it after a step whose gradients held inf/NaN.
        growth_interval: the number of clean steps between growths.
        enabled: False makes every method a pass-through (``step`` just calls ``optimizer.step()``).

    Example::

        scaler = GradScaler("cpu")
        scaler.scale(loss).backward()
        scaler.step(optimizer)      # skipped when a gradient is inf or NaN
        scaler.update()
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = str(device)
        if enabled and self._device.split(":")[0] == "cuda":
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          UserWarning, stacklevel=2)
            enabled = False
        self._enabled = enabled
        if enabled:
            if growth_factor <= 1.0:
                raise ValueError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise ValueError("The backoff factor must be < 1.0.")
        self._scale = float(init_scale)
        self._init_scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._per_optimizer: dict[int, dict[str, Any]] = {}

    # ----------------------------------------------------------------- the training-step calls
    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a tensor, or an iterable of them, nested) multiplied by the scale factor."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._scale
        if isinstance(outputs, Iterable):
            scaled = [self.scale(o) for o in outputs]
            return type(outputs)(scaled) if isinstance(outputs, (list, tuple)) else scaled
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def unscale_(self, optimizer: Optimizer) -> None:
        """Divide ``optimizer``'s gradients by the scale, in place, and note whether any is inf or NaN."""
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["stage"] is _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] is _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = 1.0 / self._scale
        found_inf = False
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    g = p.grad._data
                    found_inf = found_inf or not bool(np.isfinite(g).all())
                    np.multiply(g, inv_scale, out=g, casting="unsafe")
                    bump_version(p.grad)
        state["found_inf"] = found_inf
        state["stage"] = _UNSCALED

    def step(self, optimizer: Optimizer, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step(*args, **kwargs)`` on unscaled gradients, skipped if any was inf or NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._state(optimizer)
        if state["stage"] is _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is _READY:
            self.unscale_(optimizer)
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Set the scale for the next step: ``new_scale``, or backed off after an inf/NaN step, or grown
        after ``growth_interval`` clean ones."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale.item() if isinstance(new_scale, Tensor) else new_scale)
        else:
            if not self._per_optimizer:
                raise RuntimeError("No inf checks were recorded prior to update.")
            if any(s["found_inf"] for s in self._per_optimizer.values()):
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale *= self._growth_factor
                    self._growth_tracker = 0
        self._per_optimizer = {}

    # ----------------------------------------------------------------- settings and state
    def _state(self, optimizer: Optimizer) -> dict[str, Any]:
        return self._per_optimizer.setdefault(id(optimizer), {"stage": _READY, "found_inf": False})

    def is_enabled(self) -> bool:
        """Whether the scaler scales (False after it disabled itself for an absent CUDA device)."""
        return self._enabled

    def get_scale(self) -> float:
        """The current scale factor (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        """The factor the scale grows by."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the factor the scale grows by."""
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        """The factor the scale backs off by."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the factor the scale backs off by."""
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        """The number of clean steps between growths."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set the number of clean steps between growths."""
        self._growth_interval = int(new_interval)

    def state_dict(self) -> dict[str, Any]:
        """The scaler's state, as PyTorch's (empty when disabled)."""
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor, "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from ``state_dict()``."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])


class autocast:  # noqa: N801 - PyTorch's name
    """PyTorch's mixed-precision switch, which microtensor does not implement: it runs disabled.

    ``autocast("cuda")`` warns and disables itself, as in a CPU-only PyTorch build; ``enabled=False`` is a
    plain context manager (and decorator); an enabled CPU autocast raises, since PyTorch would cast matmuls
    and convolutions to ``dtype`` there and microtensor cannot.
    """

    def __init__(self, device_type: str, dtype: Dtype | None = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if enabled and device_type == "cuda":
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", UserWarning,
                          stacklevel=2)
            enabled = False
        if enabled and device_type != "cpu":
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        if enabled:
            raise RuntimeError("autocast: microtensor has no mixed-precision autocast; it computes every op in "
                               "its inputs' dtype. Pass enabled=False, or cast the model and inputs yourself "
                               "(model.half(), x.half()).")
        self.device = device_type
        self.fast_dtype = dtype
        self._enabled = False

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None

    def __call__(self, fn: Callable) -> Callable:
        return fn


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast can run on ``device_type``: never in microtensor."""
    return False


__all__ = ["GradScaler", "autocast", "is_autocast_available"]

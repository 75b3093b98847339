"""``microtensor.cuda.amp``: PyTorch's deprecated CUDA spellings of ``amp.GradScaler`` and ``amp.autocast``.

Both warn as PyTorch 2.13 does, then behave as ``amp.GradScaler("cuda")`` and ``amp.autocast("cuda")``:
disabled, with PyTorch's "CUDA is not available" warning, so GPU training scripts run on the CPU.
"""
from __future__ import annotations

import warnings
from typing import Any

from microtensor import amp


class GradScaler(amp.GradScaler):
    """``torch.cuda.amp.GradScaler``: ``amp.GradScaler("cuda", ...)``, which disables itself on the CPU."""

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


class autocast(amp.autocast):  # noqa: N801 - PyTorch's name
    """``torch.cuda.amp.autocast``: ``amp.autocast("cuda", ...)``, which disables itself on the CPU."""

    def __init__(self, enabled: bool = True, dtype: Any = None, cache_enabled: bool = True) -> None:
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


__all__ = ["GradScaler", "autocast"]

"""DataParallel and data_parallel, as PyTorch runs them where no GPU is present.

PyTorch's ``DataParallel`` replicates a module over GPUs; with none it wraps the module and calls it
directly, so ``model = nn.DataParallel(model)`` runs on the CPU and its state dict keys get the
``module.`` prefix. The functional ``data_parallel`` raises there, in PyTorch and here.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microtensor.nn.module import Module


class DataParallel(Module):
    """Wrap ``module`` for data parallelism over GPUs; without a GPU (always, in microtensor) ``forward`` calls
    ``module`` itself, as PyTorch does on a CPU-only machine.

    Args:
        module: the module to run.
        device_ids: the GPUs to use; none is available, so this is ignored and ``device_ids`` becomes ``[]``.
        output_device: the GPU to gather outputs on; ignored likewise.
        dim: the dimension inputs would be scattered along; ignored likewise.
    """

    def __init__(self, module: Module, device_ids: Sequence[Any] | None = None, output_device: Any = None,
                 dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids: list[int] = []

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)


def data_parallel(module: Module, inputs: Any, device_ids: Sequence[Any] | None = None, output_device: Any = None,
                  dim: int = 0, module_kwargs: Any = None) -> Any:
    """Evaluate ``module(*inputs)`` in parallel over the GPUs in ``device_ids``: raises RuntimeError, as
    PyTorch's does where no GPU is present (call ``module(inputs)``, or wrap it in ``DataParallel``)."""
    raise RuntimeError("data_parallel: device type could not be determined: no GPU is available (microtensor "
                       "computes on the CPU); call the module directly, or wrap it in nn.DataParallel, which "
                       "runs it on the CPU")

"""microtensor: a reverse-mode automatic differentiation engine on NumPy with PyTorch's API.

``import microtensor as mt`` gives tensors, the differentiable ops as functions and
methods, and autograd; ``mt.nn`` and ``mt.optim`` build models and train them.
"""
import builtins as _builtins
import importlib as _importlib

from microtensor import dtypes as _dtypes
from microtensor.tensor import Size, Tensor, device
from microtensor.dtypes import dtype, get_default_dtype, set_default_dtype, promote_types
from microtensor import ops as _ops
from microtensor import autograd, linalg
from microtensor.autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from microtensor.autograd import set_detect_anomaly
from microtensor.random import Generator, default_generator
from microtensor import creation as _creation, random as _random
from microtensor.serialization import load, save

bool = _dtypes.bool_  # noqa: A001 - PyTorch's name
uint8, int8, int16, int32, int64 = _dtypes.uint8, _dtypes.int8, _dtypes.int16, _dtypes.int32, _dtypes.int64
float16, float32, float64 = _dtypes.float16, _dtypes.float32, _dtypes.float64
half, float, double, short, int, long = float16, float32, float64, int16, int32, int64  # noqa: A001

for _module in (_creation, _random) + _ops.FAMILIES:
    globals().update(_module.FUNCTIONS)
for _name, _method in {**_creation.METHODS, **_random.METHODS}.items():
    setattr(Tensor, _name, _method)


detach = Tensor.detach
numel = Tensor.numel


def is_tensor(obj: object) -> "_builtins.bool":
    """Whether ``obj`` is a microtensor Tensor."""
    return isinstance(obj, Tensor)


def result_type(tensor1: object, tensor2: object) -> dtype:
    """The dtype an op on the two operands returns (PyTorch's promotion)."""
    return _dtypes.result_type(tensor1, tensor2)


__version__ = "0.1.0"

_SUBPACKAGES = ("nn", "optim", "utils", "viz", "datasets")


def __getattr__(name: str) -> object:
    """``mt.nn``, ``mt.optim``, ``mt.utils``, ``mt.viz`` and ``mt.datasets`` without importing them first, as
    ``torch.nn`` is there after ``import torch``; imported on first use, since they import the core."""
    if name in _SUBPACKAGES:
        return _importlib.import_module(f"microtensor.{name}")
    raise AttributeError(f"module 'microtensor' has no attribute {name!r}")

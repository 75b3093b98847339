"""``device`` objects, and the one check that keeps tensors on the CPU.

Any device PyTorch names can be constructed (``device("cuda:0")``, as scripts do before asking
``cuda.is_available()``), but microtensor computes on the CPU only: putting a tensor or a module on
another device raises the error a CPU-only PyTorch build raises.
"""
from __future__ import annotations

import builtins
import re
from typing import Any, NoReturn

# the device types torch.device parses, in the order its error message lists them
DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
                "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
_DEVICE_STRING = re.compile(r"([a-zA-Z_]+)(?::(\d+))?")
NO_ACCELERATOR = "Cannot access accelerator device when none is available."
NO_CUDA = "Torch not compiled with CUDA enabled (microtensor computes on the CPU only; use device='cpu')"


class device:
    """A device type and optional index, parsed and compared as ``torch.device`` does.

    ``device("cuda:0")``, ``device("cuda", 0)`` and ``device(type="cpu")`` all construct; a tensor lives on
    ``device(type='cpu')`` always. A device never equals a string (``device("cpu") == "cpu"`` is False in
    PyTorch too): compare ``str(d)`` or ``d.type``.

    Args:
        type: a device string (``"cpu"``, ``"cuda:1"``) or another device.
        index: the device ordinal, when the string holds none.
    """

    __slots__ = ("type", "index")
    type: str
    index: int | None

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            kind, idx = type.type, type.index
        elif isinstance(type, int) and not isinstance(type, bool):   # a bare ordinal names the accelerator
            raise RuntimeError(NO_ACCELERATOR)
        elif isinstance(type, str):
            match = _DEVICE_STRING.fullmatch(type)
            if match is None or match.group(1) not in DEVICE_TYPES:
                kind = type.split(":")[0]
                if match is None and kind in DEVICE_TYPES:
                    raise RuntimeError(f"Invalid device string: '{type}'")
                raise RuntimeError(f"Expected one of {', '.join(DEVICE_TYPES)} device type at start of device "
                                   f"string: {type}")
            kind, idx = match.group(1), None if match.group(2) is None else int(match.group(2))
        else:
            raise TypeError(f"device(): argument 'type' must be str, not {builtins.type(type).__name__}")
        if index is not None:
            if idx is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed "
                                   f"explicitly: {type}")
            if index < 0:
                raise RuntimeError("Device index must not be negative")
            idx = index
        self.type, self.index = kind, idx

    def __eq__(self, other: object) -> bool:
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (device, (str(self),))


CPU = device("cpu")


def check_cpu(where: Any) -> None:
    """Raise, as a CPU-only PyTorch build does, unless ``where`` (a device, a device string, an ordinal or
    None) is the CPU: an ``AssertionError`` "Torch not compiled with CUDA enabled" for CUDA, a
    ``RuntimeError`` for any other device."""
    if where is None or where is CPU:
        return
    kind = (where if isinstance(where, device) else device(where)).type
    if kind == "cuda":
        no_cuda()
    if kind != "cpu":
        raise RuntimeError(f"microtensor computes on the CPU only; it has no '{kind}' device (use device='cpu')")


def no_cuda() -> NoReturn:
    """Raise the error a CPU-only PyTorch build raises where CUDA is needed."""
    raise AssertionError(NO_CUDA)


def cuda_call(where: Any) -> NoReturn:
    """What ``Tensor.cuda(where)`` and ``Module.cuda(where)`` raise on a CPU-only build: PyTorch's "no
    accelerator" error for an ordinal, else its "not compiled with CUDA" one."""
    if where is not None and not isinstance(where, (str, device)):
        device(where)
    no_cuda()


def get_default_device() -> device:
    """The device new tensors are made on: always the CPU."""
    return CPU


def set_default_device(device: Any) -> None:
    """Set the device new tensors are made on: the CPU (or None) is accepted, any other device raises as a
    CPU-only PyTorch build does."""
    check_cpu(device)

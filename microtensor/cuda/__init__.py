"""``microtensor.cuda``: the answers a CPU-only PyTorch build gives.

Scripts written for a GPU ask ``cuda.is_available()`` first and seed or empty the cache unconditionally;
those calls work and say there is no GPU. Calls that need a GPU raise PyTorch's own error
(``AssertionError: Torch not compiled with CUDA enabled``), as ``torch.cuda`` does without CUDA.
"""
from __future__ import annotations

from typing import Any

from microtensor.cuda import amp as amp  # torch.cuda.amp's deprecated spellings
from microtensor.devices import no_cuda


def is_available() -> bool:
    """Whether a CUDA GPU can be used: never in microtensor, which computes on the CPU."""
    return False


def device_count() -> int:
    """The number of CUDA GPUs: 0."""
    return 0


def is_initialized() -> bool:
    """Whether CUDA has been initialised: never."""
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """Whether the GPU supports bfloat16: False, there is no GPU."""
    return False


def get_arch_list() -> list[str]:
    """The CUDA architectures this build was compiled for: none."""
    return []


def manual_seed(seed: int) -> None:
    """Seed the (absent) GPUs' generators: nothing to seed, as in a CPU-only PyTorch build."""


def manual_seed_all(seed: int) -> None:
    """Seed every (absent) GPU's generator: nothing to seed, as in a CPU-only PyTorch build."""


def seed() -> None:
    """Seed the (absent) GPU's generator randomly: nothing to seed."""


def seed_all() -> None:
    """Seed every (absent) GPU's generator randomly: nothing to seed."""


def empty_cache() -> None:
    """Release the GPU memory cache: there is none, so nothing happens (as in a CPU-only PyTorch build)."""


def memory_allocated(device: Any = None) -> int:
    """Bytes of GPU memory held by tensors: 0."""
    return 0


def max_memory_allocated(device: Any = None) -> int:
    """The peak of ``memory_allocated``: 0."""
    return 0


def memory_reserved(device: Any = None) -> int:
    """Bytes of GPU memory held by the caching allocator: 0."""
    return 0


def max_memory_reserved(device: Any = None) -> int:
    """The peak of ``memory_reserved``: 0."""
    return 0


def init() -> None:
    """Initialise CUDA: raises, there is no CUDA."""
    no_cuda()


def synchronize(device: Any = None) -> None:
    """Wait for the GPU's queued work: raises, as ``torch.cuda.synchronize`` does without CUDA."""
    no_cuda()


def current_device() -> int:
    """The selected GPU's ordinal: raises, there is no GPU."""
    no_cuda()


def get_device_name(device: Any = None) -> str:
    """A GPU's name: raises, there is no GPU."""
    no_cuda()


def get_device_capability(device: Any = None) -> tuple[int, int]:
    """A GPU's compute capability: raises, there is no GPU."""
    no_cuda()


def get_device_properties(device: Any = None) -> Any:
    """A GPU's properties: raises, there is no GPU."""
    no_cuda()


def mem_get_info(device: Any = None) -> tuple[int, int]:
    """A GPU's free and total memory: raises, there is no GPU."""
    no_cuda()


def get_rng_state(device: Any = "cuda") -> Any:
    """A GPU generator's state: raises, there is no GPU."""
    no_cuda()

"""``microtensor.nn.parallel``: data parallelism as PyTorch runs it on a machine without a GPU (on the CPU)."""
from microtensor.nn.parallel.data_parallel import DataParallel, data_parallel

__all__ = ["DataParallel", "data_parallel"]

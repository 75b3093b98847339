"""``microtensor.nn.parallel``: data parallelism: ``DataParallel`` as PyTorch runs it without a GPU (on the
CPU), and ``DistributedDataParallel`` across the ranks of ``microtensor.distributed``."""
from microtensor.nn.parallel.data_parallel import DataParallel, data_parallel
from microtensor.nn.parallel.distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]

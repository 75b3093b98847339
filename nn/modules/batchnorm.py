"""``torch.nn.modules.batchnorm``'s path to the batch norms (the classes of ``microtensor.nn``)."""
from microtensor.nn.lazy_modules import LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d
from microtensor.nn.normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, SyncBatchNorm

__all__ = ["BatchNorm1d", "BatchNorm2d"]
__all__ += [  # issue 22: normalization, lazy modules and small nn names
    "BatchNorm3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "SyncBatchNorm",
]

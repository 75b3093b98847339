"""``microtensor.linalg``: PyTorch's ``torch.linalg`` namespace (norms, SVD, inverse, determinants, matmul)."""
from microtensor.ops.blas import multi_dot
from microtensor.ops.linalg import det, inv, matmul, matrix_norm, norm, slogdet, svd, svdvals, vector_norm

__all__ = ["det", "inv", "matmul", "matrix_norm", "norm", "slogdet", "svd", "svdvals", "vector_norm"]
__all__ += ["multi_dot"]  # issue 22: random, dtypes, BLAS-style products, distances

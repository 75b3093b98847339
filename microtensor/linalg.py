"""``microtensor.linalg``: PyTorch's ``torch.linalg`` namespace (norms, SVD, inverse, determinants, matmul)."""
from microtensor.ops.linalg import det, inv, matmul, matrix_norm, norm, slogdet, svd, svdvals, vector_norm

__all__ = ["det", "inv", "matmul", "matrix_norm", "norm", "slogdet", "svd", "svdvals", "vector_norm"]

# issue 22: linalg (decompositions, solvers, vector products)
from microtensor.ops.linalg import LinAlgError, cond  # noqa: E402
from microtensor.ops.linalg import linalg_diagonal as diagonal  # noqa: E402
from microtensor.ops.linalg_decompositions import cholesky, eigh, eigvalsh, qr  # noqa: E402
from microtensor.ops.linalg_solvers import linalg_matrix_exp as matrix_exp  # noqa: E402
from microtensor.ops.linalg_solvers import linalg_matrix_power as matrix_power  # noqa: E402
from microtensor.ops.linalg_solvers import lstsq, matrix_rank, pinv, solve, solve_triangular  # noqa: E402
from microtensor.ops.vector_products import linalg_cross as cross  # noqa: E402
from microtensor.ops.vector_products import vecdot  # noqa: E402

__all__ += ["LinAlgError", "cholesky", "cond", "cross", "diagonal", "eigh", "eigvalsh", "lstsq", "matrix_exp",
            "matrix_power", "matrix_rank", "pinv", "qr", "solve", "solve_triangular", "vecdot"]  # issue 22: linalg

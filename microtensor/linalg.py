"""``microtensor.linalg``: PyTorch's ``torch.linalg`` namespace: norms, decompositions, solvers, inverses,
determinants, matrix functions and products. As in PyTorch, the functions that share a name with a
``torch.*`` one of another signature are named ``linalg_*`` (``linalg.matrix_exp.__name__``)."""
from microtensor.ops.blas import multi_dot
from microtensor.ops.linalg import (
           LinAlgError,
           cond,
           det,
           inv,
           matmul,
           matrix_norm,
           norm,
           slogdet,
           svd,
           svdvals,
           vector_norm,
)
from microtensor.ops.linalg import linalg_diagonal as diagonal
from microtensor.ops.linalg_decompositions import cholesky, eigh, eigvalsh, qr
from microtensor.ops.linalg_ex import cholesky_ex, inv_ex, solve_ex
from microtensor.ops.linalg_householder import householder_product
from microtensor.ops.linalg_ldl import ldl_factor, ldl_factor_ex, ldl_solve
from microtensor.ops.linalg_lu import linalg_lu_solve as lu_solve
from microtensor.ops.linalg_lu import lu, lu_factor, lu_factor_ex
from microtensor.ops.linalg_solvers import linalg_matrix_exp as matrix_exp
from microtensor.ops.linalg_solvers import linalg_matrix_power as matrix_power
from microtensor.ops.linalg_solvers import lstsq, matrix_rank, pinv, solve, solve_triangular
from microtensor.ops.linalg_tensor import linalg_vander as vander
from microtensor.ops.linalg_tensor import tensorinv, tensorsolve
from microtensor.ops.vector_products import linalg_cross as cross
from microtensor.ops.vector_products import vecdot

__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh", "eigvalsh",
    "householder_product", "inv", "inv_ex", "ldl_factor", "ldl_factor_ex", "ldl_solve", "lstsq", "lu",
    "lu_factor", "lu_factor_ex", "lu_solve", "matmul", "matrix_exp", "matrix_norm", "matrix_power",
    "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_ex", "solve_triangular", "svd",
    "svdvals", "tensorinv", "tensorsolve", "vander", "vecdot", "vector_norm",
]

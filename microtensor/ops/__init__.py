"""The differentiable primitives, one op family per module; the Tensor methods and operators are bound here.

Each method has one line below (``Tensor.reshape = shape.reshape``), grouped by family, so a reader finds
where ``x.reshape`` comes from by searching for ``Tensor.reshape``. The conversions (``float``, ``cpu``...)
are defined on the class itself in ``tensor.py``.
"""
from __future__ import annotations

from typing import Any

from microtensor import creation, creation_legacy, random, random_fills, strided_creation, tensor_utilities
from microtensor.ops import (
    activation,
    as_strided,
    blas,
    comparison,
    construction,
    cumulative,
    elementwise,
    elementwise_extra,
    fmax_fmin,
    histogram,
    incomplete_gamma,
    indexing,
    inplace,
    inplace_products,
    linalg,
    linalg_householder,
    linalg_legacy,
    linalg_lu,
    linalg_solvers,
    norms,
    reduction,
    resize,
    scatter_into,
    shape,
    shape_conveniences,
    softmax,
    sorting,
    sparse_ops,
    special_functions,
    statistics,
    unary,
    vector_products,
)
from microtensor.tensor import Tensor


# ----------------------------------------------------------------------------- methods unlike their function
def where(self: Tensor, condition: Tensor, other: Any) -> Tensor:
    """``Tensor.where(condition, other)``: self where ``condition`` holds, else ``other`` (``where(condition,
    self, other)``)."""
    return elementwise.where(condition, self, other)


def split(self: Tensor, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """``Tensor.split(split_size, dim=0)``: ``self`` cut along ``dim`` into pieces of ``split_size`` (an int) or
    of the listed sizes."""
    return shape.split(self, split_size, dim)


Tensor.where = where
Tensor.split = split
# elementwise
Tensor.atan2 = elementwise.atan2
Tensor.arctan2 = elementwise.atan2
Tensor.clamp = elementwise.clamp
Tensor.clip = elementwise.clamp
Tensor.clamp_min = elementwise.clamp_min
Tensor.clamp_max = elementwise.clamp_max
Tensor.maximum = elementwise.maximum
Tensor.minimum = elementwise.minimum
Tensor.lerp = elementwise.lerp
Tensor.addcmul = elementwise.addcmul
Tensor.addcdiv = elementwise.addcdiv
Tensor.add = elementwise.add
Tensor.sub = elementwise.sub
Tensor.subtract = elementwise.sub
Tensor.mul = elementwise.mul
Tensor.multiply = elementwise.mul
Tensor.div = elementwise.div
Tensor.divide = elementwise.div
Tensor.true_divide = elementwise.div
Tensor.floor_divide = elementwise.floor_divide
Tensor.remainder = elementwise.remainder
Tensor.fmod = elementwise.fmod
Tensor.neg = elementwise.neg
Tensor.negative = elementwise.neg
Tensor.pow = elementwise.pow
Tensor.bitwise_and = elementwise.bitwise_and
Tensor.bitwise_or = elementwise.bitwise_or
Tensor.bitwise_xor = elementwise.bitwise_xor
Tensor.bitwise_not = elementwise.bitwise_not
Tensor.to = elementwise.to
Tensor.type_as = elementwise.type_as
Tensor.clone = elementwise.clone
Tensor.contiguous = elementwise.contiguous
Tensor.__add__ = elementwise.add
Tensor.__radd__ = elementwise.reflected(elementwise.add, "__radd__")
Tensor.__sub__ = elementwise.sub
Tensor.__rsub__ = elementwise.reflected(elementwise.sub, "__rsub__")
Tensor.__mul__ = elementwise.mul
Tensor.__rmul__ = elementwise.reflected(elementwise.mul, "__rmul__")
Tensor.__truediv__ = elementwise.div
Tensor.__rtruediv__ = elementwise.reflected(elementwise.div, "__rtruediv__")
Tensor.__floordiv__ = elementwise.floor_divide
Tensor.__rfloordiv__ = elementwise.reflected(elementwise.floor_divide, "__rfloordiv__")
Tensor.__mod__ = elementwise.remainder
Tensor.__rmod__ = elementwise.reflected(elementwise.remainder, "__rmod__")
Tensor.__pow__ = elementwise.pow
Tensor.__rpow__ = elementwise.reflected(elementwise.pow, "__rpow__")
Tensor.__and__ = elementwise.bitwise_and
Tensor.__rand__ = elementwise.reflected(elementwise.bitwise_and, "__rand__")
Tensor.__or__ = elementwise.bitwise_or
Tensor.__ror__ = elementwise.reflected(elementwise.bitwise_or, "__ror__")
Tensor.__xor__ = elementwise.bitwise_xor
Tensor.__rxor__ = elementwise.reflected(elementwise.bitwise_xor, "__rxor__")
Tensor.__invert__ = elementwise.bitwise_not
Tensor.__neg__ = elementwise.neg


# ----------------------------------------------------------------------------- unary
Tensor.abs = unary.abs
Tensor.absolute = unary.abs
Tensor.positive = unary.positive
Tensor.reciprocal = unary.reciprocal
Tensor.sqrt = unary.sqrt
Tensor.rsqrt = unary.rsqrt
Tensor.square = unary.square
Tensor.exp = unary.exp
Tensor.exp2 = unary.exp2
Tensor.expm1 = unary.expm1
Tensor.log = unary.log
Tensor.log1p = unary.log1p
Tensor.log2 = unary.log2
Tensor.log10 = unary.log10
Tensor.sin = unary.sin
Tensor.cos = unary.cos
Tensor.tan = unary.tan
Tensor.tanh = unary.tanh
Tensor.sinh = unary.sinh
Tensor.cosh = unary.cosh
Tensor.asin = unary.asin
Tensor.acos = unary.acos
Tensor.atan = unary.atan
Tensor.asinh = unary.asinh
Tensor.acosh = unary.acosh
Tensor.atanh = unary.atanh
Tensor.arcsin = unary.asin
Tensor.arccos = unary.acos
Tensor.arctan = unary.atan
Tensor.arcsinh = unary.asinh
Tensor.arccosh = unary.acosh
Tensor.arctanh = unary.atanh
Tensor.sigmoid = unary.sigmoid
Tensor.relu = unary.relu
Tensor.erf = unary.erf
Tensor.erfc = unary.erfc
Tensor.nan_to_num = unary.nan_to_num
Tensor.sign = unary.sign
Tensor.sgn = unary.sign
Tensor.floor = unary.floor
Tensor.ceil = unary.ceil
Tensor.round = unary.round
Tensor.trunc = unary.trunc
Tensor.fix = unary.trunc
Tensor.frac = unary.frac
Tensor.__pos__ = unary.positive
Tensor.__abs__ = unary.abs


# ----------------------------------------------------------------------------- comparison
Tensor.eq = comparison.eq
Tensor.ne = comparison.ne
Tensor.not_equal = comparison.ne
Tensor.lt = comparison.lt
Tensor.less = comparison.lt
Tensor.le = comparison.le
Tensor.less_equal = comparison.le
Tensor.gt = comparison.gt
Tensor.greater = comparison.gt
Tensor.ge = comparison.ge
Tensor.greater_equal = comparison.ge
Tensor.isnan = comparison.isnan
Tensor.isinf = comparison.isinf
Tensor.isposinf = comparison.isposinf
Tensor.isneginf = comparison.isneginf
Tensor.isfinite = comparison.isfinite
Tensor.logical_and = comparison.logical_and
Tensor.logical_or = comparison.logical_or
Tensor.logical_xor = comparison.logical_xor
Tensor.logical_not = comparison.logical_not
Tensor.isclose = comparison.isclose
Tensor.allclose = comparison.allclose
Tensor.equal = comparison.equal
Tensor.__eq__ = comparison.comparison_operator(comparison.eq, "__eq__")
Tensor.__ne__ = comparison.comparison_operator(comparison.ne, "__ne__")
Tensor.__lt__ = comparison.comparison_operator(comparison.lt, "__lt__")
Tensor.__le__ = comparison.comparison_operator(comparison.le, "__le__")
Tensor.__gt__ = comparison.comparison_operator(comparison.gt, "__gt__")
Tensor.__ge__ = comparison.comparison_operator(comparison.ge, "__ge__")


# ----------------------------------------------------------------------------- reduction
Tensor.sum = reduction.sum
Tensor.mean = reduction.mean
Tensor.prod = reduction.prod
Tensor.var = reduction.var
Tensor.std = reduction.std
Tensor.var_mean = reduction.var_mean
Tensor.std_mean = reduction.std_mean
Tensor.max = reduction.max
Tensor.min = reduction.min
Tensor.amax = reduction.amax
Tensor.amin = reduction.amin
Tensor.argmax = reduction.argmax
Tensor.argmin = reduction.argmin
Tensor.logsumexp = reduction.logsumexp
Tensor.norm = reduction.norm
Tensor.cumsum = reduction.cumsum
Tensor.cumprod = reduction.cumprod
Tensor.all = reduction.all
Tensor.any = reduction.any
Tensor.count_nonzero = reduction.count_nonzero


# ----------------------------------------------------------------------------- shape
Tensor.reshape = shape.reshape
Tensor.view = shape.view
Tensor.reshape_as = shape.reshape_as
Tensor.view_as = shape.view_as
Tensor.flatten = shape.flatten
Tensor.unflatten = shape.unflatten
Tensor.squeeze = shape.squeeze
Tensor.unsqueeze = shape.unsqueeze
Tensor.permute = shape.permute
Tensor.transpose = shape.transpose
Tensor.swapaxes = shape.swapaxes
Tensor.swapdims = shape.transpose
Tensor.t = shape.t
Tensor.T = property(shape.reverse_dims)
Tensor.mT = property(shape.matrix_transpose)
Tensor.movedim = shape.movedim
Tensor.moveaxis = shape.movedim
Tensor.expand = shape.expand
Tensor.expand_as = shape.expand_as
Tensor.broadcast_to = shape.broadcast_to
Tensor.repeat = shape.repeat
Tensor.tile = shape.tile
Tensor.flip = shape.flip
Tensor.fliplr = shape.fliplr
Tensor.flipud = shape.flipud
Tensor.roll = shape.roll
Tensor.split_with_sizes = shape.split_with_sizes
Tensor.chunk = shape.chunk
Tensor.unbind = shape.unbind
Tensor.narrow = shape.narrow
Tensor.tensor_split = shape.tensor_split
Tensor.unfold = shape.unfold


# ----------------------------------------------------------------------------- indexing
Tensor.__getitem__ = indexing.getitem
Tensor.__setitem__ = indexing.setitem
Tensor.select = indexing.select
Tensor.index_select = indexing.index_select
Tensor.gather = indexing.gather
Tensor.scatter = indexing.scatter
Tensor.scatter_add = indexing.scatter_add
Tensor.index_add = indexing.index_add
Tensor.index_fill = indexing.index_fill
Tensor.index_put = indexing.index_put
Tensor.masked_fill = indexing.masked_fill
Tensor.masked_select = indexing.masked_select
Tensor.take = indexing.take
Tensor.nonzero = indexing.nonzero
Tensor.argwhere = indexing.argwhere
Tensor.tril = indexing.tril
Tensor.triu = indexing.triu
Tensor.diagonal = indexing.diagonal
Tensor.trace = indexing.trace
Tensor.masked_fill_ = indexing.masked_fill_
Tensor.scatter_ = indexing.scatter_
Tensor.scatter_add_ = indexing.scatter_add_
Tensor.index_add_ = indexing.index_add_
Tensor.index_fill_ = indexing.index_fill_
Tensor.index_put_ = indexing.index_put_
Tensor.tril_ = indexing.tril_
Tensor.triu_ = indexing.triu_


# ----------------------------------------------------------------------------- linalg
Tensor.matmul = linalg.matmul
Tensor.__matmul__ = linalg.matmul_operator
Tensor.__rmatmul__ = linalg.rmatmul
Tensor.mm = linalg.mm
Tensor.bmm = linalg.bmm
Tensor.mv = linalg.mv
Tensor.dot = linalg.dot
Tensor.outer = linalg.outer
Tensor.ger = linalg.outer
Tensor.inverse = linalg.inverse
Tensor.det = linalg.det
Tensor.slogdet = linalg.slogdet
Tensor.logdet = linalg.logdet


# ----------------------------------------------------------------------------- sparse
Tensor.to_sparse = sparse_ops.to_sparse
Tensor.to_sparse_coo = sparse_ops.to_sparse_coo
Tensor.to_dense = sparse_ops.to_dense
Tensor.coalesce = sparse_ops.coalesce
Tensor.is_coalesced = sparse_ops.is_coalesced
Tensor.indices = sparse_ops.indices
Tensor.values = sparse_ops.values
Tensor.sparse_dim = sparse_ops.sparse_dim
Tensor.dense_dim = sparse_ops.dense_dim


# ----------------------------------------------------------------------------- softmax
Tensor.softmax = softmax.softmax
Tensor.log_softmax = softmax.log_softmax


# ----------------------------------------------------------------------------- activation
Tensor.prelu = activation.prelu


# ----------------------------------------------------------------------------- inplace
Tensor.add_ = inplace.add_
Tensor.sub_ = inplace.sub_
Tensor.subtract_ = inplace.sub_
Tensor.mul_ = inplace.mul_
Tensor.multiply_ = inplace.mul_
Tensor.div_ = inplace.div_
Tensor.divide_ = inplace.div_
Tensor.true_divide_ = inplace.div_
Tensor.pow_ = inplace.pow_
Tensor.floor_divide_ = inplace.floor_divide_
Tensor.remainder_ = inplace.remainder_
Tensor.fmod_ = inplace.fmod_
Tensor.atan2_ = inplace.atan2_
Tensor.arctan2_ = inplace.atan2_
Tensor.lerp_ = inplace.lerp_
Tensor.addcmul_ = inplace.addcmul_
Tensor.addcdiv_ = inplace.addcdiv_
Tensor.copy_ = inplace.copy_
Tensor.fill_ = inplace.fill_
Tensor.zero_ = inplace.zero_
Tensor.relu_ = inplace.relu_
Tensor.round_ = inplace.round_
Tensor.clamp_ = inplace.clamp_
Tensor.clip_ = inplace.clamp_
Tensor.clamp_min_ = inplace.clamp_min_
Tensor.clamp_max_ = inplace.clamp_max_
Tensor.bitwise_and_ = inplace.bitwise_and_
Tensor.bitwise_or_ = inplace.bitwise_or_
Tensor.bitwise_xor_ = inplace.bitwise_xor_
Tensor.neg_ = inplace.neg_
Tensor.negative_ = inplace.negative_
Tensor.abs_ = inplace.abs_
Tensor.absolute_ = inplace.absolute_
Tensor.exp_ = inplace.exp_
Tensor.exp2_ = inplace.exp2_
Tensor.expm1_ = inplace.expm1_
Tensor.log_ = inplace.log_
Tensor.log1p_ = inplace.log1p_
Tensor.log2_ = inplace.log2_
Tensor.log10_ = inplace.log10_
Tensor.sqrt_ = inplace.sqrt_
Tensor.rsqrt_ = inplace.rsqrt_
Tensor.reciprocal_ = inplace.reciprocal_
Tensor.square_ = inplace.square_
Tensor.sin_ = inplace.sin_
Tensor.cos_ = inplace.cos_
Tensor.tan_ = inplace.tan_
Tensor.tanh_ = inplace.tanh_
Tensor.sinh_ = inplace.sinh_
Tensor.cosh_ = inplace.cosh_
Tensor.asin_ = inplace.asin_
Tensor.acos_ = inplace.acos_
Tensor.atan_ = inplace.atan_
Tensor.asinh_ = inplace.asinh_
Tensor.acosh_ = inplace.acosh_
Tensor.atanh_ = inplace.atanh_
Tensor.sigmoid_ = inplace.sigmoid_
Tensor.erf_ = inplace.erf_
Tensor.erfc_ = inplace.erfc_
Tensor.floor_ = inplace.floor_
Tensor.ceil_ = inplace.ceil_
Tensor.trunc_ = inplace.trunc_
Tensor.fix_ = inplace.fix_
Tensor.frac_ = inplace.frac_
Tensor.sign_ = inplace.sign_
Tensor.sgn_ = inplace.sgn_
Tensor.bitwise_not_ = inplace.bitwise_not_
Tensor.__iadd__ = inplace.add_
Tensor.__isub__ = inplace.sub_
Tensor.__imul__ = inplace.mul_
Tensor.__itruediv__ = inplace.div_
Tensor.__ipow__ = inplace.pow_
Tensor.__ifloordiv__ = inplace.floor_divide_
Tensor.__imod__ = inplace.remainder_
Tensor.__iand__ = inplace.bitwise_and_
Tensor.__ior__ = inplace.bitwise_or_
Tensor.__ixor__ = inplace.bitwise_xor_


# ----------------------------------------------------------------------------- sorting
Tensor.sort = sorting.sort
Tensor.argsort = sorting.argsort
Tensor.msort = sorting.msort
Tensor.topk = sorting.topk
Tensor.kthvalue = sorting.kthvalue
Tensor.median = sorting.median
Tensor.nanmedian = sorting.nanmedian


# ----------------------------------------------------------------------------- creation, random
Tensor.new_tensor = creation.new_tensor
Tensor.new_zeros = creation.new_zeros
Tensor.new_ones = creation.new_ones
Tensor.new_empty = creation.new_empty
Tensor.new_full = creation.new_full
Tensor.uniform_ = random.uniform_
Tensor.normal_ = random.normal_

# ----------------------------------------------------------------------------- in-place comparisons, angle units
Tensor.eq_ = inplace.eq_
Tensor.ne_ = inplace.ne_
Tensor.lt_ = inplace.lt_
Tensor.le_ = inplace.le_
Tensor.gt_ = inplace.gt_
Tensor.ge_ = inplace.ge_
Tensor.logical_and_ = inplace.logical_and_
Tensor.logical_or_ = inplace.logical_or_
Tensor.logical_xor_ = inplace.logical_xor_
Tensor.logical_not_ = inplace.logical_not_
Tensor.deg2rad_ = inplace.deg2rad_
Tensor.rad2deg_ = inplace.rad2deg_
Tensor.greater_ = inplace.gt_
Tensor.greater_equal_ = inplace.ge_
Tensor.less_ = inplace.lt_
Tensor.less_equal_ = inplace.le_
Tensor.not_equal_ = inplace.ne_
Tensor.arccos_ = inplace.acos_
Tensor.arccosh_ = inplace.acosh_
Tensor.arcsin_ = inplace.asin_
Tensor.arcsinh_ = inplace.asinh_
Tensor.arctan_ = inplace.atan_
Tensor.arctanh_ = inplace.atanh_
Tensor.deg2rad = unary.deg2rad
Tensor.rad2deg = unary.rad2deg

# --- issue 22: sorting and cumulative
Tensor.cummax = cumulative.cummax
Tensor.cummin = cumulative.cummin
Tensor.logcumsumexp = cumulative.logcumsumexp
Tensor.diff = cumulative.diff
Tensor.bincount = histogram.bincount
Tensor.histc = histogram.histc
Tensor.histogram = histogram.histogram
Tensor.mode = sorting.mode
Tensor.unique = sorting.unique
Tensor.unique_consecutive = sorting.unique_consecutive

# --- issue 22: nn.functional and modules
Tensor.hardshrink = activation.hardshrink

# --- issue 22: elementwise and reductions
Tensor.nansum = reduction.nansum
Tensor.nanmean = reduction.nanmean
Tensor.aminmax = reduction.aminmax
Tensor.copysign = elementwise_extra.copysign
Tensor.copysign_ = elementwise_extra.copysign_
Tensor.logaddexp = elementwise_extra.logaddexp
Tensor.logaddexp2 = elementwise_extra.logaddexp2
Tensor.hypot = elementwise_extra.hypot
Tensor.hypot_ = elementwise_extra.hypot_
Tensor.xlogy = elementwise_extra.xlogy
Tensor.xlogy_ = elementwise_extra.xlogy_
Tensor.ldexp = elementwise_extra.ldexp
Tensor.ldexp_ = elementwise_extra.ldexp_
Tensor.float_power = elementwise_extra.float_power
Tensor.float_power_ = elementwise_extra.float_power_
Tensor.frexp = elementwise_extra.frexp
Tensor.nextafter = elementwise_extra.nextafter
Tensor.nextafter_ = elementwise_extra.nextafter_
Tensor.heaviside = elementwise_extra.heaviside
Tensor.heaviside_ = elementwise_extra.heaviside_
Tensor.gcd = elementwise_extra.gcd
Tensor.gcd_ = elementwise_extra.gcd_
Tensor.lcm = elementwise_extra.lcm
Tensor.lcm_ = elementwise_extra.lcm_
Tensor.bitwise_left_shift = elementwise_extra.bitwise_left_shift
Tensor.bitwise_left_shift_ = elementwise_extra.bitwise_left_shift_
Tensor.bitwise_right_shift = elementwise_extra.bitwise_right_shift
Tensor.bitwise_right_shift_ = elementwise_extra.bitwise_right_shift_
Tensor.__lshift__ = elementwise_extra.bitwise_left_shift
Tensor.__rlshift__ = elementwise.reflected(elementwise_extra.bitwise_left_shift, "__rlshift__")
Tensor.__rshift__ = elementwise_extra.bitwise_right_shift
Tensor.__rrshift__ = elementwise.reflected(elementwise_extra.bitwise_right_shift, "__rrshift__")
Tensor.__ilshift__ = elementwise_extra.bitwise_left_shift_
Tensor.__irshift__ = elementwise_extra.bitwise_right_shift_

# --- issue 22: shape and construction
Tensor.diag = construction.diag
Tensor.diag_embed = construction.diag_embed
Tensor.diagflat = construction.diagflat
Tensor.index_reduce = indexing.index_reduce
Tensor.index_reduce_ = indexing.index_reduce_
Tensor.is_contiguous = shape.is_contiguous
Tensor.kron = construction.kron
Tensor.repeat_interleave = shape.repeat_interleave
Tensor.rot90 = shape.rot90
Tensor.scatter_reduce = indexing.scatter_reduce
Tensor.scatter_reduce_ = indexing.scatter_reduce_
Tensor.squeeze_ = shape.squeeze_
Tensor.stride = shape.stride
Tensor.t_ = shape.t_
Tensor.take_along_dim = indexing.take_along_dim
Tensor.transpose_ = shape.transpose_
Tensor.unsqueeze_ = shape.unsqueeze_

# --- issue 22: random, dtypes, BLAS-style products, distances
Tensor.addmm = blas.addmm
Tensor.addmv = blas.addmv
Tensor.addr = blas.addr
Tensor.addbmm = blas.addbmm
Tensor.baddbmm = blas.baddbmm
Tensor.bernoulli = random.bernoulli
Tensor.bernoulli_ = random.bernoulli_
Tensor.multinomial = random.multinomial
# --- issue 22: linalg
Tensor.cross = vector_products.cross
Tensor.matrix_exp = linalg_solvers.matrix_exp
Tensor.matrix_power = linalg_solvers.matrix_power
Tensor.pinverse = linalg_solvers.pinverse

# --- issue 22: special functions
def polygamma(self: Tensor, n: int) -> Tensor:
    """``Tensor.polygamma(n)``: the n-th derivative of digamma at self (``polygamma(n, self)``)."""
    return special_functions.polygamma(n, self)


Tensor.polygamma = polygamma
Tensor.polygamma_ = special_functions.polygamma_
Tensor.lgamma = special_functions.lgamma
Tensor.lgamma_ = special_functions.lgamma_
Tensor.digamma = special_functions.digamma
Tensor.digamma_ = special_functions.digamma_
Tensor.erfinv = special_functions.erfinv
Tensor.erfinv_ = special_functions.erfinv_
Tensor.i0 = special_functions.i0
Tensor.i0_ = special_functions.i0_
Tensor.sinc = special_functions.sinc
Tensor.sinc_ = special_functions.sinc_
Tensor.logit = special_functions.logit
Tensor.logit_ = special_functions.logit_
Tensor.mvlgamma = special_functions.mvlgamma

# --- issue 22: shape, scatter, in-place and construction tail
Tensor.ravel = shape_conveniences.ravel
Tensor.hsplit = shape_conveniences.hsplit
Tensor.vsplit = shape_conveniences.vsplit
Tensor.dsplit = shape_conveniences.dsplit
Tensor.H = property(shape_conveniences.conj_transpose)
Tensor.mH = property(shape_conveniences.matrix_conj_transpose)
Tensor.adjoint = shape_conveniences.adjoint
Tensor.swapaxes_ = shape_conveniences.swapaxes_
Tensor.swapdims_ = shape_conveniences.swapdims_
Tensor.sum_to_size = shape_conveniences.sum_to_size
Tensor.as_strided = as_strided.as_strided
Tensor.as_strided_ = as_strided.as_strided_
Tensor.as_strided_scatter = scatter_into.as_strided_scatter
Tensor.diagonal_scatter = scatter_into.diagonal_scatter
Tensor.select_scatter = scatter_into.select_scatter
Tensor.slice_scatter = scatter_into.slice_scatter
Tensor.masked_scatter = scatter_into.masked_scatter
Tensor.masked_scatter_ = scatter_into.masked_scatter_
Tensor.put = scatter_into.put
Tensor.put_ = scatter_into.put_
Tensor.index_copy = scatter_into.index_copy
Tensor.index_copy_ = scatter_into.index_copy_
Tensor.fill_diagonal_ = scatter_into.fill_diagonal_
Tensor.cumsum_ = inplace_products.cumsum_
Tensor.cumprod_ = inplace_products.cumprod_
Tensor.addmm_ = inplace_products.addmm_
Tensor.addmv_ = inplace_products.addmv_
Tensor.addr_ = inplace_products.addr_
Tensor.addbmm_ = inplace_products.addbmm_
Tensor.baddbmm_ = inplace_products.baddbmm_
Tensor.random_ = random_fills.random_
Tensor.exponential_ = random_fills.exponential_
Tensor.geometric_ = random_fills.geometric_
Tensor.cauchy_ = random_fills.cauchy_
Tensor.log_normal_ = random_fills.log_normal_
Tensor.new = creation_legacy.new
Tensor.new_empty_strided = strided_creation.new_empty_strided
Tensor.resize_ = resize.resize_
Tensor.resize_as_ = resize.resize_as_
Tensor.resize = resize.resize
Tensor.resize_as = resize.resize_as
Tensor.register_post_accumulate_grad_hook = tensor_utilities.register_post_accumulate_grad_hook
Tensor.dim_order = tensor_utilities.dim_order
Tensor.is_set_to = tensor_utilities.is_set_to
Tensor.apply_ = tensor_utilities.apply_
Tensor.map_ = tensor_utilities.map_
Tensor.map2_ = tensor_utilities.map2_
Tensor.as_subclass = tensor_utilities.as_subclass
Tensor.is_conj = tensor_utilities.is_conj
Tensor.resolve_conj = tensor_utilities.resolve_conj
Tensor.reinforce = tensor_utilities.reinforce
Tensor.module_load = tensor_utilities.module_load
Tensor.volatile = tensor_utilities.volatile  # a property, as PyTorch's
Tensor.is_distributed = tensor_utilities.is_distributed
# --- issue 22: linalg factorizations and legacy forms
Tensor.geqrf = linalg_householder.geqrf
Tensor.orgqr = linalg_householder.orgqr
Tensor.ormqr = linalg_householder.ormqr
Tensor.lu = linalg_lu.torch_lu
Tensor.lu_solve = linalg_lu.lu_solve
Tensor.cholesky = linalg_legacy.cholesky
Tensor.cholesky_inverse = linalg_legacy.cholesky_inverse
Tensor.cholesky_solve = linalg_legacy.cholesky_solve
Tensor.triangular_solve = linalg_legacy.triangular_solve
Tensor.qr = linalg_legacy.qr
Tensor.svd = linalg_legacy.svd
Tensor.solve = linalg_legacy.solve
Tensor.symeig = linalg_legacy.symeig
Tensor.eig = linalg_legacy.eig
Tensor.lstsq = linalg_legacy.lstsq

# --- issue 22: math long tail
Tensor.fmax = fmax_fmin.fmax
Tensor.fmin = fmax_fmin.fmin
Tensor.signbit = comparison.signbit
Tensor.isreal = comparison.isreal
Tensor.inner = vector_products.inner
Tensor.vdot = vector_products.vdot
Tensor.dist = norms.dist
Tensor.renorm = norms.renorm
Tensor.renorm_ = norms.renorm_
Tensor.nan_to_num_ = inplace.nan_to_num_
Tensor.mvlgamma_ = special_functions.mvlgamma_
Tensor.quantile = statistics.quantile
Tensor.nanquantile = statistics.nanquantile
Tensor.cov = statistics.cov
Tensor.corrcoef = statistics.corrcoef
Tensor.igamma = incomplete_gamma.igamma
Tensor.igammac = incomplete_gamma.igammac
Tensor.igamma_ = incomplete_gamma.igamma_
Tensor.igammac_ = incomplete_gamma.igammac_

"""microtensor: a reverse-mode automatic differentiation engine on NumPy with PyTorch's API.

``import microtensor as mt`` gives tensors, the differentiable ops as functions and
methods, and autograd; ``mt.nn`` and ``mt.optim`` build models and train them.
Every public name is imported or defined below, one line each.
"""
import builtins as _builtins
import math as _math

from microtensor import (
    accelerator,
    amp,
    autograd,
    backends,
    checkout,
    cuda,
    distributed,
    distributions,
    dtypes,
    linalg,
    onnx,
    ops,  # noqa: F401 - binds the Tensor methods and operators (microtensor/ops/__init__.py)
    sparse,
    special,
    testing,
)
from microtensor._tensor_str import set_printoptions
from microtensor.amp import GradScaler, autocast
from microtensor.array_interop import asarray, frombuffer
from microtensor.autograd import (
    enable_grad,
    inference_mode,
    is_anomaly_enabled,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)
from microtensor.compiler import compile

# the functions, one import per family module; ``a as b`` is PyTorch's alias b of a, the same function
from microtensor.creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from microtensor.creation_legacy import range, scalar_tensor
from microtensor.deterministic import (
    are_deterministic_algorithms_enabled,
    get_deterministic_debug_mode,
    is_deterministic_algorithms_warn_only_enabled,
    set_deterministic_debug_mode,
    use_deterministic_algorithms,
)
from microtensor.devices import device, get_default_device, set_default_device
from microtensor.dlpack import from_dlpack, to_dlpack
from microtensor.dtypes import can_cast, dtype, get_default_dtype, promote_types, set_default_dtype
from microtensor.layouts import layout, sparse_coo, strided
from microtensor.legacy_tensors import (
    BFloat16Tensor,
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from microtensor.matmul_precision import get_float32_matmul_precision, set_float32_matmul_precision
from microtensor.memory_formats import (
    channels_last,
    channels_last_3d,
    contiguous_format,
    memory_format,
    preserve_format,
)
from microtensor.ops.activation import celu, celu_, hardshrink, prelu, rrelu_, selu, selu_, threshold, threshold_
from microtensor.ops.adaptive_pool import adaptive_avg_pool1d, adaptive_avg_pool2d
from microtensor.ops.as_strided import as_strided, as_strided_
from microtensor.ops.blas import addbmm, addmm, addmv, addr, baddbmm, chain_matmul, tensordot
from microtensor.ops.comparison import (
    allclose,
    eq,
    equal,
    ge,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    isreal,
    le,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    ne,
    signbit,
)
from microtensor.ops.comparison import ge as greater_equal
from microtensor.ops.comparison import gt as greater
from microtensor.ops.comparison import le as less_equal
from microtensor.ops.comparison import lt as less
from microtensor.ops.comparison import ne as not_equal
from microtensor.ops.construction import (
    block_diag,
    cartesian_prod,
    combinations,
    diag,
    diag_embed,
    diagflat,
    kron,
    meshgrid,
    tril_indices,
    triu_indices,
    vander,
)
from microtensor.ops.conv import (
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    max_pool1d,
    max_pool1d_with_indices,
    max_pool2d,
    max_pool3d,
)
from microtensor.ops.cumulative import cummax, cummin, diff, logcumsumexp
from microtensor.ops.distance import cdist, cosine_similarity, pairwise_distance, pdist
from microtensor.ops.dropout import dropout_, feature_dropout
from microtensor.ops.elementwise import (
    add,
    addcdiv,
    addcmul,
    atan2,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    clamp,
    clamp_max,
    clamp_min,
    clone,
    div,
    floor_divide,
    fmod,
    lerp,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    remainder,
    rsub,
    sub,
    where,
)
from microtensor.ops.elementwise import atan2 as arctan2
from microtensor.ops.elementwise import clamp as clip
from microtensor.ops.elementwise import div as divide
from microtensor.ops.elementwise import div as true_divide
from microtensor.ops.elementwise import mul as multiply
from microtensor.ops.elementwise import neg as negative
from microtensor.ops.elementwise import sub as subtract
from microtensor.ops.elementwise_extra import (
    bitwise_left_shift,
    bitwise_right_shift,
    copysign,
    float_power,
    frexp,
    gcd,
    gcd_,
    heaviside,
    hypot,
    lcm,
    lcm_,
    ldexp,
    ldexp_,
    logaddexp,
    logaddexp2,
    nextafter,
    xlogy,
    xlogy_,
)
from microtensor.ops.fmax_fmin import fmax, fmin
from microtensor.ops.histogram import bincount, bucketize, histc, histogram, histogramdd, searchsorted
from microtensor.ops.incomplete_gamma import igamma, igammac
from microtensor.ops.indexing import (
    argwhere,
    diagonal,
    gather,
    index_add,
    index_fill,
    index_put,
    index_put_,
    index_reduce,
    index_select,
    masked_fill,
    masked_select,
    nonzero,
    scatter,
    scatter_add,
    scatter_reduce,
    select,
    take,
    take_along_dim,
    trace,
    tril,
    triu,
)
from microtensor.ops.inplace import (
    abs_,
    acos_,
    acosh_,
    asin_,
    asinh_,
    atan_,
    atanh_,
    ceil_,
    clamp_,
    clamp_max_,
    clamp_min_,
    cos_,
    cosh_,
    deg2rad_,
    erf_,
    erfc_,
    exp2_,
    exp_,
    expm1_,
    fill,
    fill_,
    fix_,
    floor_,
    frac_,
    log1p_,
    log2_,
    log10_,
    log_,
    nan_to_num_,
    neg_,
    negative_,
    rad2deg_,
    reciprocal_,
    relu_,
    round_,
    rsqrt_,
    sigmoid_,
    sin_,
    sinh_,
    sqrt_,
    square_,
    tan_,
    tanh_,
    trunc_,
    zero_,
)
from microtensor.ops.inplace import acos_ as arccos_
from microtensor.ops.inplace import acosh_ as arccosh_
from microtensor.ops.inplace import asin_ as arcsin_
from microtensor.ops.inplace import asinh_ as arcsinh_
from microtensor.ops.inplace import atan_ as arctan_
from microtensor.ops.inplace import atanh_ as arctanh_
from microtensor.ops.inplace import clamp_ as clip_
from microtensor.ops.inplace_products import addmv_, detach_
from microtensor.ops.integration import cumulative_trapezoid, gradient, trapezoid, trapz
from microtensor.ops.linalg import bmm, det, dot, einsum, inverse, logdet, matmul, mm, mv, outer, slogdet
from microtensor.ops.linalg import mm as spmm
from microtensor.ops.linalg import outer as ger
from microtensor.ops.linalg_householder import geqrf, orgqr, ormqr
from microtensor.ops.linalg_legacy import (
    cholesky,
    cholesky_inverse,
    cholesky_solve,
    eig,
    lstsq,
    matrix_rank,
    qr,
    solve,
    svd,
    symeig,
    triangular_solve,
)
from microtensor.ops.linalg_lowrank import pca_lowrank, svd_lowrank
from microtensor.ops.linalg_lu import lu_solve, lu_unpack
from microtensor.ops.linalg_lu import torch_lu as lu
from microtensor.ops.linalg_solvers import matrix_exp, matrix_power, pinverse
from microtensor.ops.linear import bilinear
from microtensor.ops.membership import isin
from microtensor.ops.normalization import rms_norm
from microtensor.ops.norms import dist, frobenius_norm, nuclear_norm, renorm
from microtensor.ops.padding import constant_pad_nd
from microtensor.ops.pixel import channel_shuffle, pixel_shuffle, pixel_unshuffle
from microtensor.ops.recurrent import gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell
from microtensor.ops.reduction import (
    all,
    amax,
    amin,
    aminmax,
    any,
    argmax,
    argmin,
    count_nonzero,
    cumprod,
    cumsum,
    logsumexp,
    max,
    mean,
    min,
    nanmean,
    nansum,
    norm,
    prod,
    std,
    std_mean,
    sum,
    var,
    var_mean,
)
from microtensor.ops.resize import resize_as_
from microtensor.ops.scatter_into import (
    as_strided_scatter,
    diagonal_scatter,
    index_copy,
    masked_scatter,
    put,
    select_scatter,
    slice_scatter,
)
from microtensor.ops.shape import (
    atleast_1d,
    atleast_2d,
    atleast_3d,
    broadcast_to,
    cat,
    chunk,
    column_stack,
    dstack,
    flatten,
    flip,
    fliplr,
    flipud,
    hstack,
    movedim,
    narrow,
    permute,
    repeat_interleave,
    reshape,
    roll,
    rot90,
    row_stack,
    split,
    split_with_sizes,
    squeeze,
    stack,
    swapaxes,
    t,
    tensor_split,
    tile,
    transpose,
    unbind,
    unflatten,
    unsqueeze,
    vstack,
)
from microtensor.ops.shape import cat as concat
from microtensor.ops.shape import cat as concatenate
from microtensor.ops.shape import movedim as moveaxis
from microtensor.ops.shape import transpose as swapdims
from microtensor.ops.shape_conveniences import (
    adjoint,
    broadcast_shapes,
    broadcast_tensors,
    dsplit,
    hsplit,
    ravel,
    unravel_index,
    vsplit,
)
from microtensor.ops.softmax import log_softmax, softmax
from microtensor.ops.sorting import (
    argsort,
    kthvalue,
    median,
    mode,
    msort,
    nanmedian,
    sort,
    topk,
    unique,
    unique_consecutive,
)
from microtensor.ops.sparse_ops import sparse_coo_tensor
from microtensor.ops.special_functions import (
    digamma,
    erfinv,
    i0,
    i0_,
    lgamma,
    logit,
    logit_,
    mvlgamma,
    polygamma,
    sinc,
    sinc_,
)
from microtensor.ops.statistics import corrcoef, cov, nanquantile, quantile
from microtensor.ops.toplevel import (
    alpha_dropout,
    batch_norm,
    binary_cross_entropy_with_logits,
    cosine_embedding_loss,
    dropout,
    embedding,
    feature_alpha_dropout,
    group_norm,
    hinge_embedding_loss,
    instance_norm,
    is_nonzero,
    is_same_size,
    is_signed,
    kl_div,
    layer_norm,
    margin_ranking_loss,
    poisson_nll_loss,
    rrelu,
    triplet_margin_loss,
)
from microtensor.ops.unary import (
    abs,
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atanh,
    ceil,
    cos,
    cosh,
    deg2rad,
    erf,
    erfc,
    exp,
    exp2,
    expm1,
    floor,
    frac,
    log,
    log1p,
    log2,
    log10,
    nan_to_num,
    positive,
    rad2deg,
    reciprocal,
    relu,
    round,
    rsqrt,
    sigmoid,
    sign,
    sin,
    sinh,
    sqrt,
    square,
    tan,
    tanh,
    trunc,
)
from microtensor.ops.unary import abs as absolute
from microtensor.ops.unary import acos as arccos
from microtensor.ops.unary import acosh as arccosh
from microtensor.ops.unary import asin as arcsin
from microtensor.ops.unary import asinh as arcsinh
from microtensor.ops.unary import atan as arctan
from microtensor.ops.unary import atanh as arctanh
from microtensor.ops.unary import sign as sgn
from microtensor.ops.unary import trunc as fix
from microtensor.ops.vector_products import cross, inner, vdot
from microtensor.random import (
    Generator,
    bernoulli,
    binomial,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    multinomial,
    normal,
    poisson,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
)
from microtensor.runtime_switches import set_anomaly_enabled, set_default_tensor_type, set_flush_denormal
from microtensor.serialization import load, save
from microtensor.strided_creation import empty_permuted, empty_strided
from microtensor.tensor import Size, Tensor
from microtensor.tensor_utilities import get_device, is_conj, is_distributed, resolve_conj
from microtensor.threads import get_num_interop_threads, get_num_threads, set_num_interop_threads, set_num_threads
from microtensor.type_info import finfo, iinfo

detach = Tensor.detach

__version__ = "0.1.0"
checkout.install_finder()   # an actionable error for ``import microtensor.nn`` from an uninstalled checkout


def is_tensor(obj: object) -> _builtins.bool:   # `bool` is rebound to mt.bool below
    """Whether ``obj`` is a microtensor Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> _builtins.bool:
    """Whether ``input``'s dtype is a floating-point type."""
    return ops.checks.tensor_input("is_floating_point", input).is_floating_point()


def numel(input: Tensor) -> _builtins.int:
    """The number of elements of ``input``."""
    return ops.checks.tensor_input("numel", input).numel()


def result_type(tensor: object, other: object) -> dtype:
    """The dtype an op on the two operands returns (PyTorch's promotion)."""
    return dtypes.result_type(tensor, other)


bool = dtypes.bool_  # noqa: A001 - PyTorch's name
uint8, int8, int16, int32, int64 = dtypes.uint8, dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64
float16, float32, float64 = dtypes.float16, dtypes.float32, dtypes.float64
bfloat16 = dtypes.bfloat16
half, float, double, short, int, long = float16, float32, float64, int16, int32, int64  # noqa: A001

__all__ = [  # every public name, so ``from microtensor import *`` and tools see them
    "accelerator", "amp", "autocast", "get_float32_matmul_precision", "set_float32_matmul_precision",
    "autograd", "backends", "cuda", "linalg", "onnx", "sparse",
    "layout", "sparse_coo", "sparse_coo_tensor", "spmm", "strided",
    "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "HalfTensor", "IntTensor", "LongTensor",
    "ShortTensor", "are_deterministic_algorithms_enabled", "finfo", "get_num_interop_threads", "get_num_threads",
    "iinfo", "is_deterministic_algorithms_warn_only_enabled", "is_floating_point", "set_num_interop_threads",
    "set_num_threads", "set_printoptions", "use_deterministic_algorithms",
    "Generator", "Size", "Tensor", "abs", "absolute", "acos", "acosh", "adaptive_avg_pool2d", "add", "addcdiv",
    "addcmul", "all", "allclose", "alpha_dropout", "amax", "amin", "any", "arange", "arccos", "arccosh", "arcsin",
    "arcsinh", "arctan", "arctan2", "arctanh", "argmax", "argmin", "argsort", "argwhere", "as_tensor", "asin",
    "asinh", "atan", "atan2", "atanh", "avg_pool1d", "avg_pool2d", "batch_norm", "bernoulli", "bilinear",
    "binary_cross_entropy_with_logits", "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "bmm", "bool",
    "broadcast_to", "cat", "ceil", "celu", "celu_", "chunk", "clamp", "clamp_", "clamp_max", "clamp_min", "clip",
    "clip_", "clone", "concat", "concatenate", "constant_pad_nd", "conv1d", "conv2d", "conv_transpose2d", "cos",
    "cosh", "cosine_embedding_loss", "cosine_similarity", "count_nonzero", "cumprod", "cumsum",
    "default_generator", "det", "detach", "device", "diagonal", "div", "divide", "dot", "double", "dropout",
    "dropout_", "dstack", "dtype", "einsum", "embedding", "empty", "empty_like", "enable_grad", "eq", "equal",
    "erf", "erfc", "exp", "exp2", "expm1", "eye", "feature_alpha_dropout", "feature_dropout", "fill_", "fix",
    "flatten", "flip", "fliplr", "flipud", "float", "float16", "float32", "float64", "floor", "floor_divide",
    "fmod", "frac", "from_numpy", "full", "full_like", "gather", "ge", "ger", "get_default_dtype", "get_rng_state",
    "greater", "greater_equal", "group_norm", "gru_cell", "gt", "half", "hinge_embedding_loss", "hstack",
    "index_add", "index_fill", "index_put", "index_select", "inference_mode", "initial_seed", "instance_norm",
    "int", "int16", "int32", "int64", "int8", "inverse", "is_grad_enabled", "is_tensor", "isclose", "isfinite",
    "isinf", "isnan", "isneginf", "isposinf", "kl_div", "kthvalue", "layer_norm", "le", "lerp", "less",
    "less_equal", "linspace", "load", "log", "log10", "log1p", "log2", "log_softmax", "logdet", "logical_and",
    "logical_not", "logical_or", "logical_xor", "logspace", "logsumexp", "long", "lstm_cell", "lt", "manual_seed",
    "margin_ranking_loss", "masked_fill", "masked_select", "matmul", "max", "max_pool1d", "max_pool2d", "maximum",
    "mean", "median", "min", "minimum", "mm", "moveaxis", "movedim", "msort", "mul", "multinomial", "multiply",
    "mv", "nan_to_num", "nanmedian", "narrow", "ne", "neg", "negative", "no_grad", "nonzero", "norm",
    "normal", "not_equal", "numel", "ones", "ones_like", "outer", "pairwise_distance", "permute",
    "poisson_nll_loss", "positive", "pow", "prelu", "prod", "promote_types", "rand", "rand_like", "randint",
    "randint_like", "randn", "randn_like", "randperm", "reciprocal", "relu", "relu_", "remainder", "reshape",
    "result_type", "rnn_relu_cell", "rnn_tanh_cell", "roll", "round", "rrelu", "rrelu_", "rsqrt", "rsub", "save",
    "scatter", "scatter_add", "seed", "select", "selu", "selu_", "set_default_dtype", "set_detect_anomaly",
    "set_grad_enabled", "set_rng_state", "sgn", "short", "sigmoid", "sign", "sin", "sinh", "slogdet", "softmax",
    "sort", "split", "split_with_sizes", "sqrt", "square", "squeeze", "stack", "std", "std_mean", "sub", "subtract",
    "sum", "swapaxes", "swapdims", "t", "take", "tan", "tanh", "tensor", "tensor_split", "threshold", "threshold_",
    "tile", "topk", "trace", "transpose", "tril", "triplet_margin_loss", "triu", "true_divide", "trunc", "uint8",
    "unbind", "unflatten", "unsqueeze", "var", "var_mean", "vstack", "where", "zero_", "zeros",
    "zeros_like",
]
__all__ += ["bincount", "bucketize", "cummax", "cummin", "diff", "histc", "histogram", "logcumsumexp", "mode",
            "searchsorted", "unique", "unique_consecutive"]  # issue 22: sorting and cumulative


# PyTorch's constants
e, pi, inf, nan = _math.e, _math.pi, _math.inf, _math.nan
newaxis = None

__all__ += [  # the top-level in-place functions, constants and the default device
    "abs_", "acos_", "acosh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_max_", "clamp_min_", "cos_",
    "cosh_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fix_", "floor_", "frac_", "log10_", "log1p_", "log2_",
    "log_", "neg_", "negative_", "reciprocal_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinh_", "sqrt_",
    "square_", "tan_", "tanh_", "trunc_", "e", "pi", "inf", "nan", "newaxis", "get_default_device",
    "set_default_device", "deg2rad", "rad2deg", "deg2rad_", "rad2deg_", "arccos_", "arccosh_", "arcsin_",
    "arcsinh_", "arctan_", "arctanh_",
]
__all__ += [  # issue 22: elementwise and reductions
    "aminmax", "bitwise_left_shift", "bitwise_right_shift", "copysign", "float_power", "frexp", "gcd", "gcd_",
    "heaviside", "hypot", "lcm", "lcm_", "ldexp", "ldexp_", "logaddexp", "logaddexp2", "nanmean", "nansum",
    "nextafter", "xlogy", "xlogy_",
]


__all__ += ["cross", "matrix_exp", "matrix_power", "pinverse", "testing"]  # issue 22: linalg

__all__ += [  # issue 22: special functions
    "special", "digamma", "erfinv", "i0", "lgamma", "logit", "mvlgamma", "polygamma", "sinc",
]


def __getattr__(name: str) -> object:
    """``mt.nn``, ``mt.optim``, ``mt.utils``, ``mt.viz`` and ``mt.datasets`` without importing them first, as
    ``torch.nn`` is there after ``import torch``; imported on first use, since they import the core."""
    if name in ("nn", "optim", "utils", "viz", "datasets"):
        import importlib
        return importlib.import_module(f"microtensor.{name}")
    raise AttributeError(f"module 'microtensor' has no attribute {name!r}")


__all__ += ["channel_shuffle", "hardshrink", "pixel_shuffle", "pixel_unshuffle"]  # issue 22: nn.functional and modules
__all__ += ["atleast_1d", "atleast_2d", "atleast_3d", "block_diag", "cartesian_prod", "channels_last",
            "channels_last_3d", "column_stack", "combinations", "contiguous_format", "diag", "diag_embed", "diagflat",
            "index_reduce", "kron", "memory_format", "meshgrid", "preserve_format", "repeat_interleave", "rot90",
            "row_stack", "scatter_reduce", "take_along_dim", "tril_indices", "triu_indices",
            "vander"]  # issue 22: shape and construction
# issue 22: random, dtypes, BLAS-style products, distances
__all__ += ["addbmm", "addmm", "addmv", "addr", "baddbmm", "cdist", "chain_matmul", "pdist", "poisson", "tensordot"]
__all__ += ["distributions"]  # issue 22: distributions
__all__ += ["rms_norm"]  # issue 22: normalization, lazy modules and small nn names
__all__ += ["adaptive_avg_pool1d"]  # issue 22: adaptive pooling, max_unpool3d, fractional max pooling
__all__ += ["addmv_", "adjoint", "as_strided", "as_strided_", "as_strided_scatter", "broadcast_shapes",
            "broadcast_tensors", "detach_", "diagonal_scatter", "dsplit", "hsplit", "index_copy", "masked_scatter",
            "put", "ravel", "select_scatter", "slice_scatter", "unravel_index",
            "vsplit"]  # issue 22: shape, scatter, in-place and construction tail
__all__ += ["asarray", "empty_permuted", "empty_strided", "fill", "frombuffer", "isin", "range", "resize_as_",
            "scalar_tensor"]  # issue 22: shape, scatter, in-place and construction tail
__all__ += ["GradScaler", "get_deterministic_debug_mode", "get_device", "is_anomaly_enabled", "is_conj",
            "is_distributed", "is_inference_mode_enabled", "resolve_conj", "set_anomaly_enabled",
            "set_default_tensor_type", "set_deterministic_debug_mode",
            "set_flush_denormal"]  # issue 22: shape, scatter, in-place and construction tail
__all__ += [  # issue 22: linalg factorizations and legacy forms
    "cholesky", "cholesky_inverse", "cholesky_solve", "eig", "geqrf", "lstsq", "lu",
    "lu_solve", "lu_unpack", "matrix_rank", "orgqr", "ormqr", "pca_lowrank", "qr", "solve",
    "svd", "svd_lowrank", "symeig", "triangular_solve",
]
__all__ += ["can_cast", "dist", "fmax", "fmin", "frobenius_norm", "i0_", "inner", "is_nonzero", "is_same_size",
            "is_signed", "isreal", "logit_", "nan_to_num_", "nuclear_norm", "renorm", "signbit", "sinc_",
            "vdot", "corrcoef", "cov", "nanquantile", "quantile", "cumulative_trapezoid", "gradient", "trapezoid",
            "trapz", "igamma", "igammac", "histogramdd", "binomial"]  # issue 22: math long tail
__all__ += ["from_dlpack", "index_put_", "to_dlpack"]  # issue 22: dlpack and index_put_
__all__ += ["conv3d", "conv_transpose1d", "conv_transpose3d", "max_pool1d_with_indices",
            "max_pool3d"]  # issue 22: 3-D convolution and pooling
__all__ += ["BFloat16Tensor", "bfloat16"]  # issue 22: bfloat16
__all__ += ["compile", "compiler"]  # issue 23: microtensor.compile
__all__ += ["distributed"]  # issue 24: microtensor.distributed

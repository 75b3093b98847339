"""microtensor: a reverse-mode automatic differentiation engine on NumPy with PyTorch's API.

``import microtensor as mt`` gives tensors, the differentiable ops as functions and
methods, and autograd; ``mt.nn`` and ``mt.optim`` build models and train them.
Every public name is imported or defined below, one line each.
"""
from microtensor import dtypes
from microtensor.tensor import Size, Tensor, device
from microtensor.dtypes import dtype, get_default_dtype, set_default_dtype, promote_types
from microtensor import ops  # binds the Tensor methods and operators (microtensor/ops/__init__.py)
from microtensor import autograd, linalg
from microtensor.autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from microtensor.autograd import set_detect_anomaly
from microtensor.random import Generator, default_generator
from microtensor.serialization import load, save


def is_tensor(obj: object) -> bool:
    """Whether ``obj`` is a microtensor Tensor."""
    return isinstance(obj, Tensor)


def result_type(tensor1: object, tensor2: object) -> dtype:
    """The dtype an op on the two operands returns (PyTorch's promotion)."""
    return dtypes.result_type(tensor1, tensor2)


bool = dtypes.bool_  # noqa: A001 - PyTorch's name
uint8, int8, int16, int32, int64 = dtypes.uint8, dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64
float16, float32, float64 = dtypes.float16, dtypes.float32, dtypes.float64
half, float, double, short, int, long = float16, float32, float64, int16, int32, int64  # noqa: A001

# the functions, one import per family module; ``a as b`` is PyTorch's alias b of a, the same function
from microtensor.creation import (tensor, as_tensor, from_numpy, zeros, ones, empty, full, zeros_like, ones_like,
                                  empty_like, full_like, arange, linspace, logspace, eye)
from microtensor.random import (manual_seed, seed, initial_seed, get_rng_state, set_rng_state, rand, randn, randint,
                                randperm, rand_like, randn_like, randint_like, normal, bernoulli, multinomial)
from microtensor.ops.elementwise import (atan2, atan2 as arctan2, clamp, clamp as clip, clamp_min, clamp_max, maximum,
                                         minimum, lerp, addcmul, addcdiv, add, sub, sub as subtract, mul,
                                         mul as multiply, div, div as divide, div as true_divide, floor_divide,
                                         remainder, fmod, neg, neg as negative, pow, bitwise_and, bitwise_or,
                                         bitwise_xor, bitwise_not, where, clone, rsub)
from microtensor.ops.unary import (abs, abs as absolute, positive, reciprocal, sqrt, rsqrt, square, exp, exp2, expm1,
                                   log, log1p, log2, log10, sin, cos, tan, tanh, sinh, cosh, asin, acos, atan, asinh,
                                   acosh, atanh, asin as arcsin, acos as arccos, atan as arctan, asinh as arcsinh,
                                   acosh as arccosh, atanh as arctanh, sigmoid, relu, erf, erfc, nan_to_num, sign,
                                   sign as sgn, floor, ceil, round, trunc, trunc as fix, frac)
from microtensor.ops.comparison import (eq, ne, ne as not_equal, lt, lt as less, le, le as less_equal, gt,
                                        gt as greater, ge, ge as greater_equal, isnan, isinf, isposinf, isneginf,
                                        isfinite, logical_and, logical_or, logical_xor, logical_not, isclose,
                                        allclose, equal)
from microtensor.ops.reduction import (sum, mean, prod, var, std, var_mean, std_mean, max, min, amax, amin, argmax,
                                       argmin, logsumexp, norm, cumsum, cumprod, all, any, count_nonzero)
from microtensor.ops.shape import (reshape, flatten, unflatten, squeeze, unsqueeze, permute, transpose, swapaxes,
                                   transpose as swapdims, t, movedim, movedim as moveaxis, broadcast_to, tile, flip,
                                   fliplr, flipud, roll, cat, cat as concat, cat as concatenate, stack, hstack,
                                   vstack, dstack, split, split_with_sizes, chunk, unbind, narrow, tensor_split)
from microtensor.ops.indexing import (select, index_select, gather, scatter, scatter_add, index_add, index_fill,
                                      index_put, masked_fill, masked_select, take, nonzero, argwhere, tril, triu,
                                      diagonal, trace)
from microtensor.ops.linalg import (matmul, mm, bmm, mv, dot, outer, outer as ger, einsum, inverse, det, slogdet,
                                    logdet)
from microtensor.ops.nn_ops import (softmax, log_softmax, dropout_, bilinear, cosine_similarity, pairwise_distance,
                                    constant_pad_nd)
from microtensor.ops.activation import (prelu, selu, selu_, celu, celu_, rrelu_, threshold, threshold_)
from microtensor.ops.conv import (conv1d, conv2d, conv_transpose2d, max_pool1d, max_pool2d, avg_pool1d, avg_pool2d,
                                  adaptive_avg_pool2d)
from microtensor.ops.inplace import (relu_, clamp_, clamp_ as clip_, zero_, fill_)
from microtensor.ops.sorting import (sort, argsort, msort, topk, kthvalue, median, nanmedian)
from microtensor.ops.recurrent import (rnn_tanh_cell, rnn_relu_cell, lstm_cell, gru_cell)
from microtensor.ops.toplevel import (dropout, feature_dropout, alpha_dropout, feature_alpha_dropout, embedding,
                                      batch_norm, instance_norm, layer_norm, group_norm, rrelu,
                                      binary_cross_entropy_with_logits, kl_div, poisson_nll_loss, margin_ranking_loss,
                                      hinge_embedding_loss, cosine_embedding_loss, triplet_margin_loss)

detach = Tensor.detach
numel = Tensor.numel

__version__ = "0.1.0"


__all__ = [  # every public name, so ``from microtensor import *`` and tools see them
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


def __getattr__(name: str) -> object:
    """``mt.nn``, ``mt.optim``, ``mt.utils``, ``mt.viz`` and ``mt.datasets`` without importing them first, as
    ``torch.nn`` is there after ``import torch``; imported on first use, since they import the core."""
    if name in ("nn", "optim", "utils", "viz", "datasets"):
        import importlib
        return importlib.import_module(f"microtensor.{name}")
    raise AttributeError(f"module 'microtensor' has no attribute {name!r}")

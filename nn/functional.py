"""microtensor.nn.functional (import as F): the function form of every layer, activation and loss.

The functions live with their op families in ``microtensor.ops`` and are imported here by name; the few whose
``F`` form differs from the top-level ``microtensor`` function of the same name (``F.relu`` takes ``inplace``,
``F.softmax`` a ``dim`` that may be left out) are defined below.
"""
import typing as _typing

from microtensor.ops import softmax as _softmax  # the top-level forms the F forms call
from microtensor.ops import unary as _unary
from microtensor.ops.activation import (
    celu,
    elu,
    elu_,
    gelu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    hardtanh_,
    leaky_relu,
    leaky_relu_,
    logsigmoid,
    maxout,
    mish,
    prelu,
    relu6,
    rrelu,
    rrelu_,
    selu,
    silu,
    softplus,
    softshrink,
    softsign,
    step,
    tanhshrink,
    threshold,
    threshold_,
)
from microtensor.ops.adaptive_pool import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d,
    adaptive_max_pool3d_with_indices,
)
from microtensor.ops.attention import multi_head_attention_forward, scaled_dot_product_attention
from microtensor.ops.conv import (
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    fold,
    max_pool1d,
    max_pool1d_with_indices,
    max_pool2d,
    max_pool2d_with_indices,
    max_pool3d,
    max_pool3d_with_indices,
    unfold,
)
from microtensor.ops.ctc_loss import ctc_loss
from microtensor.ops.distance import cosine_similarity, pairwise_distance, pdist
from microtensor.ops.dropout import alpha_dropout, dropout, dropout1d, dropout2d, dropout3d, feature_alpha_dropout
from microtensor.ops.embedding import embedding, one_hot
from microtensor.ops.embedding_bag import embedding_bag
from microtensor.ops.fractional_max_pool import (
    fractional_max_pool2d,
    fractional_max_pool2d_with_indices,
    fractional_max_pool3d,
    fractional_max_pool3d_with_indices,
)
from microtensor.ops.gaussian_nll_loss import gaussian_nll_loss
from microtensor.ops.grid_sample import affine_grid, grid_sample
from microtensor.ops.gumbel_softmax import gumbel_softmax
from microtensor.ops.inplace import relu_
from microtensor.ops.interpolation import interpolate, upsample, upsample_bilinear, upsample_nearest
from microtensor.ops.linear import bilinear, linear
from microtensor.ops.linear_cross_entropy import linear_cross_entropy
from microtensor.ops.local_response_norm import local_response_norm
from microtensor.ops.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cosine_embedding_loss,
    cross_entropy,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    mse_loss,
    multilabel_soft_margin_loss,
    nll_loss,
    poisson_nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from microtensor.ops.lp_pool import lp_pool1d, lp_pool2d, lp_pool3d
from microtensor.ops.margin_losses import (
    multi_margin_loss,
    multilabel_margin_loss,
    triplet_margin_with_distance_loss,
)
from microtensor.ops.max_unpool import max_unpool1d, max_unpool2d, max_unpool3d
from microtensor.ops.normalization import batch_norm, group_norm, instance_norm, layer_norm, normalize, rms_norm
from microtensor.ops.padding import pad
from microtensor.ops.pixel import channel_shuffle, pixel_shuffle, pixel_unshuffle
from microtensor.ops.softmax import softmin

if _typing.TYPE_CHECKING:
    from microtensor.dtypes import dtype
    from microtensor.tensor import Tensor


def relu(input: "Tensor", inplace: bool = False) -> "Tensor":
    """``F.relu``: max(input, 0), elementwise; in place with ``inplace=True``."""
    return relu_(input) if inplace else _unary.relu(input)


def sigmoid(input: "Tensor") -> "Tensor":
    """``F.sigmoid``: 1 / (1 + exp(-input)), stable for inputs of any magnitude."""
    return _unary.sigmoid(input)


def tanh(input: "Tensor") -> "Tensor":
    """``F.tanh``: the hyperbolic tangent, elementwise."""
    return _unary.tanh(input)


def softmax(input: "Tensor", dim: int | None = None, _stacklevel: int = 3, dtype: "dtype | None" = None) -> "Tensor":
    """``F.softmax``: softmax over ``dim``; without ``dim``, PyTorch's deprecated implicit choice (0 for 0-, 1-
    and 3-D inputs, else 1) with a warning."""
    if dim is None:
        dim = _softmax.implicit_dim("softmax", input.ndim, _stacklevel)
    return _softmax.softmax(input, dim, dtype)


def log_softmax(input: "Tensor", dim: int | None = None, _stacklevel: int = 3,
                dtype: "dtype | None" = None) -> "Tensor":
    """``F.log_softmax``: log_softmax over ``dim`` (implicit choice as ``F.softmax`` when None)."""
    if dim is None:
        dim = _softmax.implicit_dim("log_softmax", input.ndim, _stacklevel)
    return _softmax.log_softmax(input, dim, dtype)


__all__ = [  # every public name, so ``from microtensor.nn.functional import *`` and tools see them
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "alpha_dropout", "avg_pool1d", "avg_pool2d", "batch_norm",
    "bilinear", "binary_cross_entropy", "binary_cross_entropy_with_logits", "celu", "conv1d", "conv2d",
    "conv_transpose2d", "cosine_embedding_loss", "cosine_similarity", "cross_entropy", "dropout", "dropout1d",
    "dropout2d", "dropout3d", "elu", "embedding", "feature_alpha_dropout", "fold", "gelu", "group_norm",
    "hardsigmoid", "hardtanh", "hinge_embedding_loss", "huber_loss", "instance_norm", "interpolate", "kl_div",
    "l1_loss", "layer_norm", "leaky_relu", "linear", "log_softmax", "logsigmoid", "margin_ranking_loss",
    "max_pool1d", "max_pool2d", "maxout", "mish", "mse_loss", "multi_head_attention_forward",
    "multilabel_soft_margin_loss", "nll_loss", "normalize", "one_hot", "pad", "pairwise_distance",
    "poisson_nll_loss", "prelu", "relu", "relu6", "relu_", "rrelu", "rrelu_", "scaled_dot_product_attention",
    "selu", "sigmoid", "silu", "smooth_l1_loss", "soft_margin_loss", "softmax", "softmin", "softplus", "softsign",
    "step", "tanh", "threshold", "threshold_", "triplet_margin_loss", "unfold",
]
__all__ += [  # issue 22: nn.functional and modules
    "channel_shuffle", "glu", "hardshrink", "hardswish", "local_response_norm", "pixel_shuffle", "pixel_unshuffle",
    "softshrink", "tanhshrink", "upsample", "upsample_bilinear", "upsample_nearest", "lp_pool1d", "lp_pool2d",
    "max_unpool1d", "max_unpool2d",
]
__all__ += ["pdist"]  # issue 22: random, dtypes, BLAS-style products, distances
# issue 22: normalization, lazy modules and small nn names
__all__ += ["elu_", "gumbel_softmax", "hardtanh_", "leaky_relu_", "rms_norm"]
__all__ += [  # issue 22: adaptive pooling, max_unpool3d, fractional max pooling
    "adaptive_avg_pool1d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices", "max_unpool3d",
    "fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
    "fractional_max_pool3d_with_indices",
]
__all__ += ["ctc_loss", "embedding_bag"]  # issue 22: ctc_loss, embedding_bag, adaptive softmax
__all__ += [  # issue 22: grid sampling and the remaining losses
    "affine_grid", "gaussian_nll_loss", "grid_sample", "linear_cross_entropy", "multi_margin_loss",
    "multilabel_margin_loss", "triplet_margin_with_distance_loss",
]
__all__ += [  # issue 22: 3-D convolution and pooling
    "avg_pool3d", "conv3d", "conv_transpose1d", "conv_transpose3d", "lp_pool3d", "max_pool1d_with_indices",
    "max_pool2d_with_indices", "max_pool3d", "max_pool3d_with_indices",
]

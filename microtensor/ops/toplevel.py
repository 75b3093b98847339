"""The top-level ``torch.<name>`` forms of ops whose ``nn.functional`` form takes other arguments.

``torch.dropout(input, p, train)`` and ``F.dropout(input, p=0.5, training=True, inplace=False)`` share a name
but not a signature; the F form lives with its op family (``dropout``, ``embedding``, ``normalization``,
``activation``, ``losses``) and the torch form here, each defined under the name users type.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor.ops import activation, losses, normalization
from microtensor.ops import dropout as dropout_ops  # the F forms; ``dropout`` here is torch's
from microtensor.ops import embedding as embedding_ops
from microtensor.ops.activation import ScaleBy, leaky_relu
from microtensor.ops.checks import floating_input
from microtensor.tensor import Tensor


# ----------------------------------------------------------------------------- dropout, embedding
def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.dropout(input, p, train)``; see ``nn.functional.dropout``."""
    return dropout_ops.dropout(input, p, train)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.alpha_dropout(input, p, train)``; see ``nn.functional.alpha_dropout``."""
    return dropout_ops.alpha_dropout(input, p, train)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.feature_alpha_dropout(input, p, train)``; see ``nn.functional.feature_alpha_dropout``."""
    return dropout_ops.feature_alpha_dropout(input, p, train)


def embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """``torch.embedding(weight, indices, ...)`` (weight first; padding_idx -1 means none)."""
    return embedding_ops.embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                                    scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


# ----------------------------------------------------------------------------- normalization
def batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor | None,
               running_var: Tensor | None, training: bool, momentum: float, eps: float,
               cudnn_enabled: bool = True) -> Tensor:
    """``torch.batch_norm`` (its argument order); see ``nn.functional.batch_norm``."""
    return normalization.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor | None,
                  running_var: Tensor | None, use_input_stats: bool, momentum: float, eps: float,
                  cudnn_enabled: bool = True) -> Tensor:
    """``torch.instance_norm`` (its argument order); see ``nn.functional.instance_norm``."""
    return normalization.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum,
                                       eps)


def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5, cudnn_enable: bool = True) -> Tensor:
    """``torch.layer_norm``; see ``nn.functional.layer_norm``."""
    return normalization.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5, cudnn_enabled: bool = True) -> Tensor:
    """``torch.group_norm``; see ``nn.functional.group_norm``."""
    return normalization.group_norm(input, num_groups, weight, bias, eps)


# ----------------------------------------------------------------------------- activations
def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          generator: Any = None) -> Tensor:
    """``torch.rrelu``; random slopes from ``generator`` (the default generator when None)."""
    if generator is None:
        return activation.rrelu(input, lower, upper, training)
    x = floating_input("rrelu", input)
    if not training:
        return leaky_relu(x, (lower + upper) / 2)
    d = x._data
    slopes = generator.rng.uniform(lower, upper, d.shape).astype(d.dtype, copy=False)
    return ScaleBy.apply(x, np.where(d <= 0, slopes, d.dtype.type(1)))


# ----------------------------------------------------------------------------- losses: torch's argument order
binary_cross_entropy_with_logits = losses.top_level(losses.binary_cross_entropy_with_logits,
                                                    "input target weight pos_weight reduction")
kl_div = losses.top_level(losses.kl_div, "input target reduction log_target")
poisson_nll_loss = losses.top_level(losses.poisson_nll_loss, "input target log_input full eps reduction")
margin_ranking_loss = losses.top_level(losses.margin_ranking_loss, "input1 input2 target margin reduction")
hinge_embedding_loss = losses.top_level(losses.hinge_embedding_loss, "input target margin reduction")
cosine_embedding_loss = losses.top_level(losses.cosine_embedding_loss, "input1 input2 target margin reduction")
triplet_margin_loss = losses.top_level(losses.triplet_margin_loss,
                                       "anchor positive negative margin p eps swap reduction")

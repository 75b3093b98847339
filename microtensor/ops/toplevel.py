"""The top-level ``torch.<name>`` forms of ops whose ``nn.functional`` form takes other arguments.

``torch.dropout(input, p, train)`` and ``F.dropout(input, p=0.5, training=True, inplace=False)`` share a name
but not a signature; the F form lives with its op family (``dropout``, ``embedding``, ``normalization``,
``activation``, ``losses``) and the torch form here, each defined under the name users type.
"""
from __future__ import annotations

from collections.abc import Sequence

from microtensor.ops import activation, losses, normalization
from microtensor.ops import dropout as dropout_ops  # the F forms; ``dropout`` here is torch's
from microtensor.ops import embedding as embedding_ops
from microtensor.ops.checks import tensor_input, tensor_inputs
from microtensor.random import Generator
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
          generator: Generator | None = None) -> Tensor:
    """``torch.rrelu``; random slopes from ``generator`` (the default generator when None). See
    ``nn.functional.rrelu``."""
    return activation.randomized_leaky_relu("rrelu", input, lower, upper, training, False, generator)


# ----------------------------------------------------------------------------- losses: torch's argument order
# (no size_average/reduce; ``reduction`` also as PyTorch's integer enum 0 'none', 1 'mean', 2 'sum', and unreduced
# by default: torch 2.13's bindings of these forms give the per-element loss when ``reduction`` is left out)
def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     pos_weight: Tensor | None = None, reduction: str | int = 0) -> Tensor:
    """``torch.binary_cross_entropy_with_logits``; see ``nn.functional.binary_cross_entropy_with_logits``."""
    return losses.binary_cross_entropy_with_logits(input, target, weight, reduction=reduction, pos_weight=pos_weight)


def kl_div(input: Tensor, target: Tensor, reduction: str | int = 0, log_target: bool = False) -> Tensor:
    """``torch.kl_div``; see ``nn.functional.kl_div``."""
    return losses.kl_div(input, target, reduction=reduction, log_target=log_target)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float,
                     reduction: str | int) -> Tensor:
    """``torch.poisson_nll_loss``; see ``nn.functional.poisson_nll_loss``."""
    return losses.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: str | int = 0) -> Tensor:
    """``torch.margin_ranking_loss``; see ``nn.functional.margin_ranking_loss``."""
    return losses.margin_ranking_loss(input1, input2, target, margin, reduction=reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, reduction: str | int = 0) -> Tensor:
    """``torch.hinge_embedding_loss``; see ``nn.functional.hinge_embedding_loss``."""
    return losses.hinge_embedding_loss(input, target, margin, reduction=reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: str | int = 0) -> Tensor:
    """``torch.cosine_embedding_loss``; see ``nn.functional.cosine_embedding_loss``."""
    return losses.cosine_embedding_loss(input1, input2, target, margin, reduction=reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, reduction: str | int = 0) -> Tensor:
    """``torch.triplet_margin_loss``; see ``nn.functional.triplet_margin_loss``."""
    return losses.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=reduction)


# ----------------------------------------------------------------------------- tensor predicates
def is_nonzero(input: Tensor) -> bool:
    """``torch.is_nonzero``: the truth of a one-element tensor (PyTorch's error for any other size)."""
    return tensor_input("is_nonzero", input).is_nonzero()


def is_same_size(input: Tensor, other: Tensor) -> bool:
    """``torch.is_same_size``: whether the two tensors have the same shape."""
    tensor_inputs("is_same_size", input=input, other=other)
    return input.is_same_size(other)


def is_signed(input: Tensor) -> bool:
    """``torch.is_signed``: whether the dtype holds negative values (False for bool and uint8)."""
    return tensor_input("is_signed", input).is_signed()

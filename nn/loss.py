"""Loss modules: thin wrappers over ``microtensor.nn.functional`` with PyTorch's arguments.

Each takes ``reduction`` (``'mean'``, ``'sum'`` or ``'none'``); the legacy ``size_average``/``reduce``
flags are accepted in the same positions as PyTorch's and translated to a ``reduction``. Class weights
and ``pos_weight`` are registered as buffers, so they appear in ``state_dict()`` as in PyTorch.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

from microtensor.nn import functional as F
from microtensor.nn.distance import PairwiseDistance
from microtensor.nn.linear import Linear
from microtensor.nn.module import Module
from microtensor.ops.linear_cross_entropy import LinearCrossEntropyOptions
from microtensor.ops.losses import legacy_reduction
from microtensor.tensor import Tensor


class _Loss(Module):
    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction = legacy_reduction(size_average, reduce)
        else:
            self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    """The mean (or sum, or elementwise) absolute error ``|input - target|``.

    Args:
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.l1_loss(input, target, reduction)``."""
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """The mean (or sum, or elementwise) squared error ``(input - target) ** 2``.

    Args:
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.mse_loss(input, target, reduction)``."""
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """``0.5 * d ** 2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta``, with ``d = input - target``.

    Args:
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        beta: where the loss changes from quadratic to linear (0 gives the L1 loss).
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.smooth_l1_loss(input, target, reduction, beta)``."""
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """``0.5 * d ** 2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``, with ``d = input - target``.

    Args:
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        delta: where the loss changes from quadratic to linear.
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.huber_loss(input, target, reduction, delta)``."""
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class NLLLoss(_WeightedLoss):
    """The negative log likelihood ``-weight[c] * input[n, c]`` of the target class ``c`` of each sample,
    for log-probabilities ``input`` of shape ``(N, C)`` or ``(N, C, d1, ...)``; ``'mean'`` divides by the
    summed weights of the targets that are not ``ignore_index``.

    Args:
        weight: a rescaling weight per class (shape ``(C,)``), registered as a buffer.
        ignore_index: targets equal to it contribute neither loss nor gradient.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.nll_loss(input, target, weight, ignore_index, reduction)``."""
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """``nll_loss(log_softmax(input, 1), target)`` for class-index targets, or ``-sum(target * log_softmax)``
    for class-probability targets (same shape as ``input``).

    Args:
        weight: a rescaling weight per class (shape ``(C,)``), registered as a buffer.
        ignore_index: class-index targets equal to it contribute neither loss nor gradient.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        label_smoothing: in ``[0, 1]``; the target becomes ``(1 - label_smoothing)`` times itself plus
            ``label_smoothing`` spread uniformly over the classes.
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)``."""
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class BCELoss(_WeightedLoss):
    """The binary cross entropy ``-weight * (t * log(x) + (1 - t) * log(1 - x))`` of probabilities ``x``
    (logs clamped at -100, as PyTorch does).

    Args:
        weight: a rescaling weight broadcast against the input, registered as a buffer.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.binary_cross_entropy(input, target, weight, reduction)``."""
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """``BCELoss(sigmoid(input), target)`` computed stably from the logits, with ``pos_weight`` scaling
    the positive term: ``-weight * (pos_weight * t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x)))``.

    Args:
        weight: a rescaling weight broadcast against the input, registered as a buffer.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        pos_weight: a weight of the positive examples per class (broadcast along the last dim), registered
            as a buffer.
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction)``."""
        return F.binary_cross_entropy_with_logits(input, target, self.weight, pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class KLDivLoss(_Loss):
    """The Kullback-Leibler divergence ``target * (log(target) - input)`` for log-probabilities ``input``
    (and ``target`` too when ``log_target``). ``'batchmean'`` divides the sum by the batch size (the true
    KL divergence); ``'mean'`` divides by the number of elements, as PyTorch does.

    Args:
        reduction: ``'mean'``, ``'batchmean'``, ``'sum'`` or ``'none'``.
        log_target: whether ``target`` is given as log-probabilities.
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.kl_div(input, target, reduction, log_target)``."""
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class PoissonNLLLoss(_Loss):
    """The Poisson negative log likelihood ``exp(input) - target * input`` (``log_input``), else
    ``input - target * log(input + eps)``; ``full`` adds Stirling's approximation of ``log(target!)``.

    Args:
        log_input: whether the input is the log of the rate.
        full: add the Stirling term for targets above 1.
        eps: keeps ``log(input + eps)`` finite when ``log_input`` is False.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
    """

    def __init__(self, log_input: bool = True, full: bool = False, size_average: bool | None = None,
                 eps: float = 1e-8, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        """``F.poisson_nll_loss(log_input, target, log_input, full, eps, reduction)``."""
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
                                  reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """``max(0, -target * (input1 - input2) + margin)``: ``input1`` should rank above ``input2`` where the
    target is 1, below where it is -1.

    Args:
        margin: the required gap.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """``F.margin_ranking_loss(input1, input2, target, margin, reduction)``."""
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """``input`` where the target is 1, ``max(0, margin - input)`` where it is -1.

    Args:
        margin: the margin of dissimilar pairs.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
    """

    def __init__(self, margin: float = 1.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.hinge_embedding_loss(input, target, margin, reduction)``."""
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """The two-class logistic loss ``log(1 + exp(-target * input))`` with targets 1 and -1.

    Args:
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.soft_margin_loss(input, target, reduction)``."""
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Per sample, the mean over the classes of the binary cross entropy of ``sigmoid(input)`` and the 0/1
    target.

    Args:
        weight: a rescaling weight per class, registered as a buffer.
        reduction: ``'mean'``, ``'sum'`` or ``'none'`` (one loss per sample).
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.multilabel_soft_margin_loss(input, target, weight, reduction)``."""
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """``1 - cos(input1, input2)`` where the target is 1, ``max(0, cos(input1, input2) - margin)`` where it is
    -1.

    Args:
        margin: in ``[-1, 1]``.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """``F.cosine_embedding_loss(input1, input2, target, margin, reduction)``."""
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """``max(0, margin + d(anchor, positive) - d(anchor, negative))`` with ``d`` the p-norm distance.

    Args:
        margin: the required gap.
        p: the norm degree.
        eps: added to the differences (keeps the norm differentiable at 0).
        swap: the distance swap of Balntas et al.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """``F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction)``."""
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)


class CTCLoss(_Loss):
    """The connectionist temporal classification loss: the negative log-likelihood of each target sequence,
    summed over every alignment of it to the input frames (``F.ctc_loss``).

    Args:
        blank: the blank class.
        reduction: ``'none'``, ``'sum'``, or ``'mean'`` (each loss divided by its target length, then averaged).
        zero_infinity: replace infinite losses (no alignment is possible) and their gradients with 0.
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths: Tensor, target_lengths: Tensor) -> Tensor:
        """``F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity)``."""
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                          self.zero_infinity)


# ----------------------------------------------------------------------------- issue 22: the remaining losses
class NLLLoss2d(NLLLoss):
    """The deprecated name of ``NLLLoss`` (it warns when made, as PyTorch's does)."""

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in replacement and see "
                      "https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for more details.", FutureWarning,
                      stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


class GaussianNLLLoss(_Loss):
    """The Gaussian negative log likelihood ``0.5 * (log(var) + (input - target) ** 2 / var)`` of targets under
    predicted means ``input`` and variances ``var`` (clamped to at least ``eps``).

    Args:
        full: add the constant ``0.5 * log(2 pi)``.
        eps: the floor of the variance.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:
        """``F.gaussian_nll_loss(input, target, var, full, eps, reduction)``."""
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """The multi-class hinge loss: per sample, ``sum_{i != y} weight[y] * max(0, margin - x[y] + x[i]) ** p / C``.

    Args:
        p: 1 or 2.
        margin: the required gap.
        weight: one weight per class (shape ``(C,)``), registered as a buffer.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.dim()}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.multi_margin_loss(input, target, p, margin, weight, reduction)``."""
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """The multi-label hinge loss: per sample, ``sum_{j in targets, i not in targets} max(0, 1 - (x[j] - x[i])) / C``,
    the targets listed in each row of ``target`` up to its first -1.

    Args:
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.multilabel_margin_loss(input, target, reduction)``."""
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """``max(0, margin + d(anchor, positive) - d(anchor, negative))`` for a distance function ``d`` of your
    choice (a ``PairwiseDistance()`` submodule by default).

    Args:
        distance_function: a callable of two tensors returning their distances.
        margin: the required gap (> 0).
        swap: use min(d(anchor, negative), d(positive, negative)) as the negative distance.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
    """

    def __init__(self, *, distance_function: Callable[[Tensor, Tensor], Tensor] | None = None, margin: float = 1.0,
                 swap: bool = False, reduction: str = "mean") -> None:
        super().__init__(size_average=None, reduce=None, reduction=reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} "
                             "instead")
        self.distance_function: Any = distance_function if distance_function is not None else PairwiseDistance()
        self.margin = margin
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """``F.triplet_margin_with_distance_loss(anchor, positive, negative, ...)``."""
        return F.triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=self.distance_function,
                                                   margin=self.margin, swap=self.swap, reduction=self.reduction)


class LinearCrossEntropyLoss(_WeightedLoss):
    """The cross entropy of logits made by an internal bias-free (by default) ``Linear`` layer:
    ``F.linear_cross_entropy(input, linear.weight, target, ...)``.

    Args:
        in_features: the size of each input sample.
        num_classes: the number of classes C.
        out_features: (d1, ..., dK) for a K-dimensional loss.
        bias: give the internal ``Linear`` a bias.
        device, dtype: of the linear weight.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        weight: one weight per class (shape ``(C,)``), registered as a buffer.
        ignore_index: a class-index target that contributes nothing (-100 when None).
        label_smoothing: in [0, 1].
        options: a ``LinearCrossEntropyOptions`` to process the batch in chunks, or None.
    """

    def __init__(self, in_features: int, num_classes: int, *, out_features: tuple[int, ...] = (), bias: bool = False,
                 device: Any = None, dtype: Any = None, reduction: str = "mean", weight: Tensor | None = None,
                 ignore_index: int | None = None, label_smoothing: float = 0.0,
                 options: LinearCrossEntropyOptions | None = None) -> None:
        if weight is not None and tuple(weight.shape) != (num_classes,):
            raise RuntimeError(f"expected weight shape to be {(num_classes,)}, got {tuple(weight.shape)}")
        if label_smoothing < 0 or label_smoothing > 1.0:
            raise RuntimeError(f"expected label_smoothing to be in range [0, 1], got {label_smoothing}")
        super().__init__(weight, None, None, reduction)
        self.num_classes = num_classes
        self.out_features = tuple(out_features)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        # Linear holds 2-D weights: the (C, d1, ..., dK) classes are flattened, and reshaped in forward
        self.linear = Linear(in_features, math.prod(self.out_features, start=num_classes), bias=bias, device=device,
                             dtype=dtype)
        self.options = options

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.linear_cross_entropy`` with the internal layer's weight (and bias) in their logical shapes."""
        weight = self.linear.weight.reshape(self.num_classes, *self.out_features, self.linear.in_features)
        bias = None if self.linear.bias is None else self.linear.bias.reshape(self.num_classes, *self.out_features)
        return F.linear_cross_entropy(input, weight, target, linear_bias=bias, weight=self.weight,
                                      reduction=self.reduction, ignore_index=self.ignore_index,
                                      label_smoothing=self.label_smoothing, options=self.options)

    def extra_repr(self) -> str:
        """PyTorch's summary of the layer and the loss's options."""
        return (f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, reduction={self.reduction}, "
                f"ignore_index={self.ignore_index}, label_smoothing={self.label_smoothing}, options={self.options}")

"""Normalization layers: the batch norms (with running statistics; SyncBatchNorm), LayerNorm, GroupNorm, RMSNorm
and LocalResponseNorm."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import microtensor as mt
from microtensor.nn import functional as F
from microtensor.nn import init
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor


def _affine_parameters(module: Module, affine: bool, bias: bool, shape: tuple[int, ...],
                       dtype: mt.dtype | None) -> None:
    """Register ``weight`` and (with ``bias``) ``bias`` of ``shape`` when ``affine``, else both as None."""
    module.register_parameter("weight", Parameter(mt.empty(shape, dtype=dtype)) if affine else None)
    module.register_parameter("bias", Parameter(mt.empty(shape, dtype=dtype)) if affine and bias else None)


def _reset_affine(module: Module) -> None:
    """Weight 1 and bias 0, where they exist."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class NormBase(Module):
    """What the batch and instance norms share (PyTorch's ``_NormBase``): the affine parameters, the
    running-statistics buffers, their reset and the repr."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: object = None, dtype: mt.dtype | None = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine_parameters(self, affine, bias, (num_features,), dtype)
        if track_running_stats:
            self.register_buffer("running_mean", mt.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", mt.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", mt.tensor(0, dtype=mt.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.track_running_stats:
            with mt.no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics; weight 1 and bias 0."""
        self.reset_running_stats()
        _reset_affine(self)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class _BatchNorm(NormBase):
    """What the batch norms share: the input check and the forward."""

    _ranks: tuple[int, ...]     # the accepted input ranks
    _shapes: str                # and shapes, for the error message

    def _check_input_dim(self, input: Tensor) -> None:
        # without weight or running statistics num_features is not used, and PyTorch does not check it
        used = self.weight is not None or self.running_mean is not None
        if input.ndim not in self._ranks or used and input.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}): expected "
                             f"{self._shapes.format(self.num_features)}, got {list(input.shape)}")

    def forward(self, input: Tensor) -> Tensor:
        """Normalize each channel by the batch's statistics in training (updating the running statistics
        with ``momentum``, or their cumulative average when ``momentum`` is None), by the running
        statistics in evaluation."""
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        tracked = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if tracked else None, self.running_var if tracked else None,
                            self.weight, self.bias, use_batch_stats, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalization of inputs ``(N, C)`` or ``(N, C, L)`` over every dim but the channel dim 1.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias``: in training mode with the batch's mean and
    (biased) variance, which also update ``running_mean`` and ``running_var`` (the latter with the unbiased
    variance) as ``(1 - momentum) * running + momentum * batch``, or as their cumulative average over
    ``num_batches_tracked`` batches when ``momentum`` is None; in eval mode with the running statistics.

    Args:
        num_features: the number of channels C.
        eps: added to the variance for stability.
        momentum: weight of the current batch in the running statistics (None: cumulative average).
        affine: whether to learn ``weight`` (init 1) and ``bias`` (init 0).
        track_running_stats: keep running statistics (else batch statistics are used in eval mode too).
        dtype: the parameters' and buffers' dtype.
        bias: whether to learn the bias (with ``affine``).
    """

    _ranks = (2, 3)
    _shapes = "2D or 3D input (N, {0}) or (N, {0}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization of inputs ``(N, C, H, W)`` over N, H and W for each channel.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias``: in training mode with the batch's mean and
    (biased) variance, which also update ``running_mean`` and ``running_var`` (the latter with the unbiased
    variance) as ``(1 - momentum) * running + momentum * batch``, or as their cumulative average over
    ``num_batches_tracked`` batches when ``momentum`` is None; in eval mode with the running statistics.

    Args:
        num_features: the number of channels C.
        eps: added to the variance for stability.
        momentum: weight of the current batch in the running statistics (None: cumulative average).
        affine: whether to learn ``weight`` (init 1) and ``bias`` (init 0).
        track_running_stats: keep running statistics (else batch statistics are used in eval mode too).
        dtype: the parameters' and buffers' dtype.
        bias: whether to learn the bias (with ``affine``).
    """

    _ranks = (4,)
    _shapes = "4D input (N, {0}, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalization of inputs ``(N, C, D, H, W)`` over N, D, H and W for each channel.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias``: in training mode with the batch's mean and
    (biased) variance, which also update ``running_mean`` and ``running_var`` (the latter with the unbiased
    variance) as ``(1 - momentum) * running + momentum * batch``, or as their cumulative average over
    ``num_batches_tracked`` batches when ``momentum`` is None; in eval mode with the running statistics.

    Args:
        num_features: the number of channels C.
        eps: added to the variance for stability.
        momentum: weight of the current batch in the running statistics (None: cumulative average).
        affine: whether to learn ``weight`` (init 1) and ``bias`` (init 0).
        track_running_stats: keep running statistics (else batch statistics are used in eval mode too).
        dtype: the parameters' and buffers' dtype.
        bias: whether to learn the bias (with ``affine``).
    """

    _ranks = (5,)
    _shapes = "5D input (N, {0}, D, H, W)"


class SyncBatchNorm(_BatchNorm):
    """Batch normalization of inputs ``(N, C, *)`` whose statistics PyTorch gathers across the processes of a
    distributed group. microtensor runs in one process, where PyTorch's SyncBatchNorm (with no process group
    initialised) computes exactly what ``BatchNorm1d/2d/3d`` compute, in training and in evaluation.

    Args:
        num_features: the number of channels C.
        eps: added to the variance for stability.
        momentum: weight of the current batch in the running statistics (None: cumulative average).
        affine: whether to learn ``weight`` (init 1) and ``bias`` (init 0).
        track_running_stats: keep running statistics (else batch statistics are used in eval mode too).
        process_group: the group to synchronise over (kept; there is only this process).
        dtype: the parameters' and buffers' dtype.
        bias: whether to learn the bias (with ``affine``).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group: Any = None, device: object = None,
                 dtype: mt.dtype | None = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim < 2:
            raise ValueError(f"expected at least 2D input (got {input.ndim}D input)")
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")
        if input.shape[1] != self.num_features:
            raise ValueError(f"SyncBatchNorm({self.num_features}): expected input of shape (N, "
                             f"{self.num_features}, *), got {list(input.shape)}")

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """``module`` with every batch norm layer in it replaced by a SyncBatchNorm that takes over its
        parameters and running statistics (the same tensors) and its training mode.

        Args:
            module: a batch norm layer, or a module containing some.
            process_group: the process group of the new layers.
        """
        converted = module
        if isinstance(module, _BatchNorm):
            converted = SyncBatchNorm(module.num_features, module.eps, module.momentum, module.affine,
                                      module.track_running_stats, process_group)
            if module.affine:
                converted.weight = module.weight
                converted.bias = module.bias
            converted.running_mean = module.running_mean
            converted.running_var = module.running_var
            converted.num_batches_tracked = module.num_batches_tracked
            converted.training = module.training
        for name, child in module.named_children():
            converted.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return converted


class LayerNorm(Module):
    """Normalize over the trailing dims ``normalized_shape`` of each sample:
    ``y = (x - mean) / sqrt(var + eps) * weight + bias`` (biased variance).

    Args:
        normalized_shape: the trailing shape to normalize over (an int for the last dim).
        eps: added to the variance for stability.
        elementwise_affine: whether to learn a per-element ``weight`` (init 1) and ``bias`` (init 0).
        bias: whether to learn the bias (with ``elementwise_affine``).
        dtype: the parameters' dtype.
    """

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device: object = None, dtype: mt.dtype | None = None) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, elementwise_affine, bias, self.normalized_shape, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight 1, bias 0."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        """``F.layer_norm(input, normalized_shape, weight, bias, eps)``."""
        n = len(self.normalized_shape)
        if input.ndim < n or tuple(input.shape[input.ndim - n:]) != self.normalized_shape:
            raise ValueError(f"LayerNorm({self.normalized_shape}): expected input with trailing dimensions "
                             f"{list(self.normalized_shape)}, got {list(input.shape)}")
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """Split the channels of ``(N, C, *)`` into ``num_groups`` groups and normalize each group of each
    sample; then scale and shift per channel.

    Args:
        num_groups: the number of groups (must divide ``num_channels``).
        num_channels: the number of channels C.
        eps: added to the variance for stability.
        affine: whether to learn a per-channel ``weight`` (init 1) and ``bias`` (init 0).
        dtype: the parameters' dtype.
        bias: whether to learn the bias (with ``affine``).
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device: object = None, dtype: mt.dtype | None = None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_parameters(self, affine, bias, (num_channels,), dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight 1, bias 0."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        """``F.group_norm(input, num_groups, weight, bias, eps)``."""
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm({self.num_groups}, {self.num_channels}): expected input of shape "
                             f"(N, {self.num_channels}, *), got {list(input.shape)}")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """Root mean square normalization over the trailing dims ``normalized_shape`` of each sample:
    ``y = x / sqrt(mean(x^2) + eps) * weight``.

    Args:
        normalized_shape: the trailing shape to normalize over (an int for the last dim).
        eps: added to the mean square (None: ``finfo(input.dtype).eps``).
        elementwise_affine: whether to learn a per-element ``weight`` (init 1).
        dtype: the weight's dtype.
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: object = None, dtype: mt.dtype | None = None) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, elementwise_affine, False, self.normalized_shape, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight 1."""
        _reset_affine(self)

    def forward(self, x: Tensor) -> Tensor:
        """``F.rms_norm(x, normalized_shape, weight, eps)``."""
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """Local response normalization across channels (AlexNet): ``x / (k + alpha * mean of x^2 over size
    neighbouring channels) ** beta``.

    Args:
        size: the number of neighbouring channels in the window.
        alpha: the multiplicative factor.
        beta: the exponent.
        k: the additive factor.
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        """``F.local_response_norm(input, size, alpha, beta, k)``."""
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class CrossMapLRN2d(Module):
    """Local response normalization across the channels of a 4-D input, by PyTorch's legacy (Lua Torch)
    formula: ``x / (k + alpha / size * S) ** beta``, where S sums the squares over a window of channels slid
    one channel at a time as PyTorch slides it (its windows are not always LocalResponseNorm's: channel 0's
    square is never taken out of them).

    Args:
        size: the window size.
        alpha: the multiplicative factor.
        beta: the exponent.
        k: the additive factor.
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        """The normalized input (N, C, H, W); its gradient is the derivative of these values."""
        if input.ndim != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.ndim}D instead.")
        channels = input.shape[1]
        if channels == 0:
            return input * 1
        square = input * input
        pre_pad = int((self.size - 1) / 2 + 1)
        sums = [square[:, :min(pre_pad, channels)].sum(1)]
        for c in range(1, channels):     # PyTorch's running sum, term for term: its windows exactly
            current = sums[-1]
            if c < channels - pre_pad + 1:
                current = current + square[:, c + pre_pad - 1]
            if c > pre_pad:
                current = current - square[:, c - pre_pad]
            sums.append(current)
        scale = mt.stack(sums, 1) * (self.alpha / self.size) + self.k
        return scale.pow(-self.beta) * input

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"

"""InstanceNorm1d, InstanceNorm2d and InstanceNorm3d: each channel of each sample normalized over its own
positions, batched or unbatched."""
from __future__ import annotations

import warnings

import microtensor as mt
from microtensor.nn import functional as F
from microtensor.nn.normalization import NormBase
from microtensor.tensor import Tensor


class _InstanceNorm(NormBase):
    """What the instance norms share (PyTorch's ``_InstanceNorm``): the input check, unbatched inputs and the
    forward. Each subclass sets ``_no_batch_dim``, the rank of an unbatched input."""

    _no_batch_dim: int

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device: object = None, dtype: mt.dtype | None = None, *,
                 bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def _check_input_dim(self, input: Tensor) -> None:
        ranks = (self._no_batch_dim, self._no_batch_dim + 1)
        if input.ndim not in ranks:
            raise ValueError(f"expected {ranks[0]}D or {ranks[1]}D input (got {input.ndim}D input)")

    def _apply_instance_norm(self, input: Tensor) -> Tensor:
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                               self.training or not self.track_running_stats,
                               self.momentum if self.momentum is not None else 0.0, self.eps)

    def forward(self, input: Tensor) -> Tensor:
        """``F.instance_norm`` with the layer's parameters and buffers: each instance's own statistics in
        training (or without running statistics), the running statistics in evaluation. An unbatched input
        (one rank lower) is normalized as a batch of one."""
        self._check_input_dim(input)
        feature_dim = input.ndim - self._no_batch_dim
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match num_features "
                                 f"({self.num_features}), but got: {input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can silence this "
                          "warning by not passing in num_features, which is not used because affine=False",
                          UserWarning, stacklevel=2)
        if input.ndim == self._no_batch_dim:
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of inputs ``(N, C, L)`` or ``(C, L)``: each channel of each sample normalized
    over L, ``y = (x - mean) / sqrt(var + eps) * weight + bias``.

    Args:
        num_features: the number of channels C.
        eps: added to the variance for stability.
        momentum: weight of the current statistics in the running ones (None: 0, they stay).
        affine: whether to learn ``weight`` (init 1) and ``bias`` (init 0); off by default.
        track_running_stats: keep running statistics and normalize by them in eval mode; off by default.
        dtype: the parameters' and buffers' dtype.
        bias: whether to learn the bias (with ``affine``).
    """

    _no_batch_dim = 2


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of inputs ``(N, C, H, W)`` or ``(C, H, W)``: each channel of each sample normalized
    over H and W, ``y = (x - mean) / sqrt(var + eps) * weight + bias``.

    Args:
        num_features: the number of channels C.
        eps: added to the variance for stability.
        momentum: weight of the current statistics in the running ones (None: 0, they stay).
        affine: whether to learn ``weight`` (init 1) and ``bias`` (init 0); off by default.
        track_running_stats: keep running statistics and normalize by them in eval mode; off by default.
        dtype: the parameters' and buffers' dtype.
        bias: whether to learn the bias (with ``affine``).
    """

    _no_batch_dim = 3


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of inputs ``(N, C, D, H, W)`` or ``(C, D, H, W)``: each channel of each sample
    normalized over D, H and W, ``y = (x - mean) / sqrt(var + eps) * weight + bias``.

    Args:
        num_features: the number of channels C.
        eps: added to the variance for stability.
        momentum: weight of the current statistics in the running ones (None: 0, they stay).
        affine: whether to learn ``weight`` (init 1) and ``bias`` (init 0); off by default.
        track_running_stats: keep running statistics and normalize by them in eval mode; off by default.
        dtype: the parameters' and buffers' dtype.
        bias: whether to learn the bias (with ``affine``).
    """

    _no_batch_dim = 4

"""The lazy layers: LazyLinear, the lazy batch and instance norms and the lazy convolutions, whose input size
(``in_features``, ``num_features``, ``in_channels``) is read from their first input."""
from __future__ import annotations

from typing import Any, cast

import microtensor as mt
from microtensor.nn.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from microtensor.nn.instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from microtensor.nn.lazy import LazyModuleMixin
from microtensor.nn.linear import Linear
from microtensor.nn.normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, NormBase
from microtensor.nn.parameter import UninitializedBuffer, UninitializedParameter
from microtensor.tensor import Tensor


class LazyLinear(LazyModuleMixin, Linear):
    """A ``Linear`` whose ``in_features`` is the last dimension of its first input; it becomes a ``Linear``.

    Args:
        out_features: size of each output's last dimension.
        bias: whether to add a learnable bias.
        dtype: the parameters' dtype.
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device: object = None,
                 dtype: mt.dtype | None = None) -> None:
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def reset_parameters(self) -> None:
        """Linear's initialisation, once the parameters have their shapes."""
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        """Infer ``in_features`` from ``input`` and create the parameters (or, after a state dict was loaded,
        check the input against them)."""
        if self.has_uninitialized_params():
            with mt.no_grad():
                self.in_features = input.shape[-1]
                cast(UninitializedParameter, self.weight).materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    cast(UninitializedParameter, self.bias).materialize((self.out_features,))
                self.reset_parameters()
        if self.in_features == 0:
            if input.shape[-1] != self.weight.shape[-1]:
                raise AssertionError(f"The in_features inferred from input: {input.shape[-1]} is not equal to "
                                     f"in_features from self.weight: {self.weight.shape[-1]}")
            self.in_features = input.shape[-1]


# ----------------------------------------------------------------------------- batch and instance norms
class _LazyNormBase(LazyModuleMixin, NormBase):
    """What the lazy batch and instance norms share: ``num_features`` is dim 1 of the first input."""

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: object = None, dtype: mt.dtype | None = None, *,
                 bias: bool = True) -> None:
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = UninitializedParameter(dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(dtype=dtype)
            self.running_var = UninitializedBuffer(dtype=dtype)
            self.num_batches_tracked = mt.tensor(0, dtype=mt.int64)

    def reset_parameters(self) -> None:
        """The norm's reset (running statistics, weight 1, bias 0), once everything has its shape."""
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        """Infer ``num_features`` from dim 1 of ``input`` (as PyTorch does, for unbatched inputs too) and create
        the parameters and buffers."""
        if self.has_uninitialized_params():
            self.num_features = input.shape[1]
            for name in ("weight", "bias", "running_mean", "running_var"):
                value = getattr(self, name)
                if value is not None:
                    value.materialize((self.num_features,))
            self.reset_parameters()
        loaded = self.weight if self.weight is not None else self.running_mean
        if self.num_features == 0 and loaded is not None:
            # materialized by load_state_dict: the count is the loaded tensors' (PyTorch leaves it 0)
            self.num_features = loaded.shape[0]


class LazyBatchNorm1d(_LazyNormBase, BatchNorm1d):
    """A ``BatchNorm1d`` whose ``num_features`` is read from its first input (which it becomes).
    Arguments as ``BatchNorm1d``'s, without ``num_features``."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormBase, BatchNorm2d):
    """A ``BatchNorm2d`` whose ``num_features`` is read from its first input (which it becomes).
    Arguments as ``BatchNorm2d``'s, without ``num_features``."""

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormBase, BatchNorm3d):
    """A ``BatchNorm3d`` whose ``num_features`` is read from its first input (which it becomes).
    Arguments as ``BatchNorm3d``'s, without ``num_features``."""

    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyNormBase, InstanceNorm1d):
    """An ``InstanceNorm1d`` whose ``num_features`` is read from its first input (which it becomes).
    Arguments as ``InstanceNorm1d``'s, without ``num_features`` (affine and track_running_stats default to True,
    as PyTorch's)."""

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyNormBase, InstanceNorm2d):
    """An ``InstanceNorm2d`` whose ``num_features`` is read from its first input (which it becomes).
    Arguments as ``InstanceNorm2d``'s, without ``num_features`` (affine and track_running_stats default to True,
    as PyTorch's)."""

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyNormBase, InstanceNorm3d):
    """An ``InstanceNorm3d`` whose ``num_features`` is read from its first input (which it becomes).
    Arguments as ``InstanceNorm3d``'s, without ``num_features`` (affine and track_running_stats default to True,
    as PyTorch's)."""

    cls_to_become = InstanceNorm3d


# ----------------------------------------------------------------------------- convolutions
class LazyConvMixin(LazyModuleMixin):
    """What the lazy convolutions share (PyTorch's ``_LazyConvXdMixin``): ``in_channels`` from the first input,
    for any number of spatial dims and transposed or not. A lazy convolution is the layer's constructor with
    ``in_channels=0`` and ``bias=False``, then ``self.make_lazy(out_channels, bias, dtype)``."""

    in_channels: int
    out_channels: int
    groups: int
    transposed: bool
    kernel_size: tuple[int, ...]
    _dims: int
    weight: Any
    bias: Any

    def make_lazy(self, out_channels: int, bias: bool, dtype: mt.dtype | None) -> None:
        """Replace the weight (and with ``bias`` the bias) by uninitialized parameters."""
        self.weight = UninitializedParameter(dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def reset_parameters(self) -> None:
        """The convolution's initialisation, once the parameters have their shapes."""
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()  # type: ignore[misc]

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        """Infer ``in_channels`` from ``input`` (batched or not) and create the weight and bias."""
        if self.has_uninitialized_params():
            self.in_channels = self._get_in_channels(input)
            if self.in_channels % self.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            if self.transposed:
                shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
            else:
                shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
            self.weight.materialize(shape)
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()
        if self.in_channels == 0:
            # materialized by load_state_dict: the count is the loaded weight's (PyTorch leaves it 0)
            self.in_channels = self.weight.shape[0] if self.transposed else self.weight.shape[1] * self.groups

    def _get_in_channels(self, input: Tensor) -> int:
        unbatched = self._dims + 1
        if input.ndim not in (unbatched, unbatched + 1):
            raise RuntimeError(f"Expected {unbatched}D (unbatched) or {unbatched + 1}D (batched) input to "
                               f"{type(self).__name__}, but got input of size: {input.shape}")
        return input.shape[1] if input.ndim == unbatched + 1 else input.shape[0]


class LazyConv1d(LazyConvMixin, Conv1d):
    """A ``Conv1d`` whose ``in_channels`` is read from its first input (which it becomes).
    Arguments as ``Conv1d``'s, without ``in_channels``."""

    cls_to_become = Conv1d

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device: object = None,
                 dtype: mt.dtype | None = None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
        self.make_lazy(out_channels, bias, dtype)


class LazyConv2d(LazyConvMixin, Conv2d):
    """A ``Conv2d`` whose ``in_channels`` is read from its first input (which it becomes).
    Arguments as ``Conv2d``'s, without ``in_channels``."""

    cls_to_become = Conv2d

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device: object = None,
                 dtype: mt.dtype | None = None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
        self.make_lazy(out_channels, bias, dtype)


class LazyConv3d(LazyConvMixin, Conv3d):
    """A ``Conv3d`` whose ``in_channels`` is read from its first input (which it becomes).
    Arguments as ``Conv3d``'s, without ``in_channels``."""

    cls_to_become = Conv3d

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device: object = None,
                 dtype: mt.dtype | None = None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
        self.make_lazy(out_channels, bias, dtype)


class LazyConvTranspose1d(LazyConvMixin, ConvTranspose1d):
    """A ``ConvTranspose1d`` whose ``in_channels`` is read from its first input (which it becomes).
    Arguments as ``ConvTranspose1d``'s, without ``in_channels``."""

    cls_to_become = ConvTranspose1d

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: object = None, dtype: mt.dtype | None = None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation,
                         padding_mode, device, dtype)
        self.make_lazy(out_channels, bias, dtype)


class LazyConvTranspose2d(LazyConvMixin, ConvTranspose2d):
    """A ``ConvTranspose2d`` whose ``in_channels`` is read from its first input (which it becomes).
    Arguments as ``ConvTranspose2d``'s, without ``in_channels``."""

    cls_to_become = ConvTranspose2d

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: object = None, dtype: mt.dtype | None = None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation,
                         padding_mode, device, dtype)
        self.make_lazy(out_channels, bias, dtype)


class LazyConvTranspose3d(LazyConvMixin, ConvTranspose3d):
    """A ``ConvTranspose3d`` whose ``in_channels`` is read from its first input (which it becomes).
    Arguments as ``ConvTranspose3d``'s, without ``in_channels``."""

    cls_to_become = ConvTranspose3d

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: object = None, dtype: mt.dtype | None = None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation,
                         padding_mode, device, dtype)
        self.make_lazy(out_channels, bias, dtype)

"""Linear and Bilinear: affine maps of the last dimension, initialised as PyTorch initialises them."""
from __future__ import annotations

import math

import microtensor as mt
from microtensor.nn import functional as F
from microtensor.nn import init
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor


class Linear(Module):
    """``y = x @ weight.T + bias`` over the last dimension of ``x``.

    Args:
        in_features: size of each input's last dimension.
        out_features: size of each output's last dimension.
        bias: whether to add a learnable bias.
        dtype: the parameters' dtype (the default float dtype when None).

    ``weight`` has shape ``(out_features, in_features)`` and is drawn from kaiming_uniform(a=sqrt(5)), i.e.
    U(-1/sqrt(in_features), 1/sqrt(in_features)); ``bias`` (shape ``(out_features,)``) from the same range.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: object = None,
                 dtype: mt.dtype | None = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(mt.empty((out_features, in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(mt.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight from kaiming_uniform(a=sqrt(5)) and the bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        """``F.linear(input, weight, bias)``; ``input`` is ``(*, in_features)``."""
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise ValueError(f"Linear(in_features={self.in_features}, out_features={self.out_features}): expected "
                             f"input with last dimension {self.in_features}, got shape {list(input.shape)}")
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """``y[..., k] = x1 @ weight[k] @ x2 + bias[k]`` for inputs ``(*, in1_features)`` and ``(*, in2_features)``.

    Args:
        in1_features: size of the first input's last dimension.
        in2_features: size of the second input's last dimension.
        out_features: size of the output's last dimension.
        bias: whether to add a learnable bias.
        dtype: the parameters' dtype (the default float dtype when None).

    ``weight`` has shape ``(out_features, in1_features, in2_features)``; weight and bias are drawn from
    U(-1/sqrt(in1_features), 1/sqrt(in1_features)), as in PyTorch.
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device: object = None, dtype: mt.dtype | None = None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(mt.empty((out_features, in1_features, in2_features), dtype=dtype))
        if bias:
            self.bias = Parameter(mt.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw weight and bias from U(-1/sqrt(in1_features), 1/sqrt(in1_features))."""
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        """``F.bilinear(input1, input2, weight, bias)``."""
        for input, size in ((input1, self.in1_features), (input2, self.in2_features)):
            if input.ndim == 0 or input.shape[-1] != size:
                raise ValueError(f"Bilinear(in1_features={self.in1_features}, in2_features={self.in2_features}, "
                                 f"out_features={self.out_features}): expected inputs with last dimensions "
                                 f"{self.in1_features} and {self.in2_features}, got shapes {list(input1.shape)} "
                                 f"and {list(input2.shape)}")
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")

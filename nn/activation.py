"""Activation modules: thin wrappers over ``microtensor.nn.functional`` with PyTorch's arguments and reprs."""
from __future__ import annotations

from typing import Any

import microtensor as mt
from microtensor.nn import functional as F
from microtensor.nn import init
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor


def _inplace_repr(inplace: bool) -> str:
    return "inplace=True" if inplace else ""


class Threshold(Module):
    """``y = x`` where ``x > threshold``, else ``value``.

    Args:
        threshold: the value to threshold at.
        value: the value that replaces the elements at or below ``threshold``.
        inplace: do the operation in place.
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``F.threshold(input, threshold, value, inplace)``."""
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"threshold={self.threshold}, value={self.value}{inplace_str}"


class ReLU(Module):
    """``max(0, x)`` elementwise.

    Args:
        inplace: do the operation in place.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``F.relu(input, inplace)``."""
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class RReLU(Module):
    """Randomized leaky ReLU: ``x`` for ``x >= 0``, else ``a * x`` with ``a ~ U(lower, upper)`` drawn per
    element in training mode and ``a = (lower + upper) / 2`` in eval mode.

    Args:
        lower: the lower bound of the slope's uniform distribution.
        upper: the upper bound of the slope's uniform distribution.
        inplace: do the operation in place.
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``F.rrelu(input, lower, upper, self.training, inplace)``."""
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"lower={self.lower}, upper={self.upper}{inplace_str}"


class Hardtanh(Module):
    """``x`` clamped to ``[min_val, max_val]``.

    Args:
        min_val: the lower end of the linear region.
        max_val: the upper end of the linear region (must be greater than ``min_val``).
        inplace: do the operation in place.
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise AssertionError(f"max_val ({self.max_val}) must be greater than min_val ({self.min_val})")

    def forward(self, input: Tensor) -> Tensor:
        """``F.hardtanh(input, min_val, max_val, inplace)``."""
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"min_val={self.min_val}, max_val={self.max_val}{inplace_str}"


class ReLU6(Hardtanh):
    """``min(max(0, x), 6)`` elementwise.

    Args:
        inplace: do the operation in place.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class Sigmoid(Module):
    """``1 / (1 + exp(-x))`` elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        """``F.sigmoid(input)``."""
        return F.sigmoid(input)


class Hardsigmoid(Module):
    """``0`` for ``x <= -3``, ``1`` for ``x >= 3``, else ``x / 6 + 1 / 2``.

    Args:
        inplace: do the operation in place.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``F.hardsigmoid(input, inplace)``."""
        return F.hardsigmoid(input, self.inplace)


class Tanh(Module):
    """The hyperbolic tangent elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        """``F.tanh(input)``."""
        return F.tanh(input)


class SiLU(Module):
    """``x * sigmoid(x)`` elementwise (the swish function).

    Args:
        inplace: do the operation in place.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``F.silu(input, inplace)``."""
        return F.silu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class Mish(Module):
    """``x * tanh(softplus(x))`` elementwise.

    Args:
        inplace: do the operation in place.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``F.mish(input, inplace)``."""
        return F.mish(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class ELU(Module):
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Args:
        alpha: the value the negative side saturates to (as ``-alpha``).
        inplace: do the operation in place.
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``F.elu(input, alpha, inplace)``."""
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"alpha={self.alpha}{inplace_str}"


class CELU(Module):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Args:
        alpha: the scale of the negative side.
        inplace: do the operation in place.
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``F.celu(input, alpha, inplace)``."""
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"alpha={self.alpha}{inplace_str}"


class SELU(Module):
    """``scale * (max(0, x) + min(0, alpha * (exp(x) - 1)))`` with the self-normalizing constants
    ``alpha = 1.6732632423543772``, ``scale = 1.0507009873554805``.

    Args:
        inplace: do the operation in place.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``F.selu(input, inplace)``."""
        return F.selu(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class GELU(Module):
    """``x * Phi(x)`` with ``Phi`` the standard normal CDF (``approximate='tanh'``: its tanh approximation).

    Args:
        approximate: ``'none'`` or ``'tanh'``.
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        """``F.gelu(input, approximate)``."""
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class LeakyReLU(Module):
    """``x`` for ``x >= 0``, else ``negative_slope * x``.

    Args:
        negative_slope: the slope of the negative side.
        inplace: do the operation in place.
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``F.leaky_relu(input, negative_slope, inplace)``."""
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"negative_slope={self.negative_slope}{inplace_str}"


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``.

    Args:
        beta: the sharpness.
        threshold: above it the function is the identity (for numerical stability).
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        """``F.softplus(input, beta, threshold)``."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class PReLU(Module):
    """``x`` for ``x >= 0``, else ``a * x`` with a learnable slope ``a`` (one shared, or one per channel
    of dim 1 when ``num_parameters`` is the channel count).

    Args:
        num_parameters: the number of slopes: 1 or the number of input channels.
        init: the initial slope.
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None) -> None:
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = Parameter(mt.empty(num_parameters, dtype=dtype, device=device))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set every slope to ``init``."""
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        """``F.prelu(input, weight)``."""
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Softsign(Module):
    """``x / (1 + |x|)`` elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        """``F.softsign(input)``."""
        return F.softsign(input)


class Softmax(Module):
    """``exp(x) / exp(x).sum(dim)``: slices along ``dim`` become probability distributions.

    Args:
        dim: the dimension along which the outputs sum to 1.
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """``F.softmax(input, dim)``."""
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``log(softmax(x, dim))``, computed stably.

    Args:
        dim: the dimension to normalize over.
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """``F.log_softmax(input, dim)``."""
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """``softmax(-x, dim)``: small inputs get large probabilities.

    Args:
        dim: the dimension along which the outputs sum to 1.
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """``F.softmin(input, dim)``."""
        return F.softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels at every spatial location: ``softmax(input, dim=-3)`` of a ``(C, H, W)`` or
    ``(N, C, H, W)`` input."""

    def forward(self, input: Tensor) -> Tensor:
        """``F.softmax(input, -3)``."""
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3)


class Step(Module):
    """(+) The Heaviside unit step ``1 if x > 0 else 0`` elementwise, with zero gradient everywhere.

    microtensor's extra, not in PyTorch: the threshold activation of Rosenblatt's perceptron (1958) and of
    McCulloch and Pitts' neuron (1943). Its gradient is zero, so a network of steps cannot be trained by
    backpropagation; it is here to build and run the classic perceptron.
    """

    def forward(self, input: Tensor) -> Tensor:
        """``F.step(input)``."""
        return F.step(input)


class Maxout(Module):
    """(+) The maximum over groups of ``pool_size`` consecutive features along ``dim`` (Goodfellow et al.,
    "Maxout Networks", 2013): a size ``C`` along ``dim`` becomes ``C // pool_size``.

    microtensor's extra, not in PyTorch. Put it after a Linear or Conv layer with ``pool_size`` times the
    wanted number of features.

    Args:
        pool_size: the number of features each output takes the maximum of (must divide the size of ``dim``).
        dim: the feature dimension.
    """

    def __init__(self, pool_size: int, dim: int = 1) -> None:
        super().__init__()
        self.pool_size = pool_size
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """``F.maxout(input, pool_size, dim)``."""
        return F.maxout(input, self.pool_size, self.dim)

    def extra_repr(self) -> str:
        return f"pool_size={self.pool_size}, dim={self.dim}"


class Hardswish(Module):
    """``0`` for ``x <= -3``, ``x`` for ``x >= 3``, else ``x * (x + 3) / 6`` (MobileNetV3).

    Args:
        inplace: do the operation in place.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``F.hardswish(input, inplace)``."""
        return F.hardswish(input, self.inplace)


class LogSigmoid(Module):
    """``log(1 / (1 + exp(-x)))`` elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        """``F.logsigmoid(input)``."""
        return F.logsigmoid(input)


class GLU(Module):
    """The gated linear unit ``a * sigmoid(b)``, ``a`` and ``b`` the two halves of the input along ``dim``.

    Args:
        dim: the dimension to halve.
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """``F.glu(input, dim)``."""
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Hardshrink(Module):
    """``x`` where ``|x| > lambd``, else ``0``.

    Args:
        lambd: the half-width of the zeroed band.
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """``F.hardshrink(input, lambd)``."""
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Module):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else ``0``.

    Args:
        lambd: the half-width of the zeroed band (>= 0).
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """``F.softshrink(input, lambd)``."""
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Tanhshrink(Module):
    """``x - tanh(x)`` elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        """``F.tanhshrink(input)``."""
        return F.tanhshrink(input)

"""Activation functions for nn.functional: ReLU family, ELU family, GELU, softplus, the perceptron's step, maxout."""
from __future__ import annotations

import math

import numpy as np

from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import GradMode
from microtensor.capture import record
from microtensor.dtypes import BFLOAT16
from microtensor.ops.checks import floating_input, to_float_input
from microtensor.ops.elementwise import MulMask, where
from microtensor.ops.float32_compute import in_float32
from microtensor.ops.inplace import apply_inplace, maybe_inplace
from microtensor.ops.unary import erf, erf_array, exp, sigmoid, tanh
from microtensor.random import Generator, numpy_generator
from microtensor.tensor import Tensor


class ScaleBy(Function):
    """out = x * factor for a constant array ``factor`` broadcasting to x; the gradient is grad * factor."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, factor: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(factor)
        return x * factor

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        factor, = ctx.saved_tensors
        return ScaleBy.apply(grad, factor._data), None


class LeakyRelu(Function):
    """out = x where x > 0, else slope * x; the gradient is grad times that factor (from the saved input, as
    PyTorch's)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, slope: float) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.slope = slope
        return x * _leaky_factor(x, slope)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        x, = ctx.saved_tensors
        return ScaleBy.apply(grad, _leaky_factor(x._data, ctx.slope)), None


def _leaky_factor(x: np.ndarray, slope: float) -> np.ndarray:
    return np.where(x > 0, x.dtype.type(1), x.dtype.type(slope))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """input where input > 0, else negative_slope * input.

    Args:
        input: a floating-point tensor.
        negative_slope: the slope for negative inputs.
        inplace: write the result into ``input``.
    """
    x = floating_input("leaky_relu", input)
    return maybe_inplace("leaky_relu", LeakyRelu.apply, x, inplace, float(negative_slope))


class Hardtanh(Function):
    """out = clip(x, lo, hi); the gradient passes where x is neither <= lo nor >= hi (so also where it is NaN)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, lo: float, hi: float) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Hardtanh.forward, ctx, x, lo, hi)
        ctx.bounds = lo, hi
        ctx.save_for_backward(x)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        x, = ctx.saved_tensors
        lo, hi = ctx.bounds
        return MulMask.apply(grad, ~((x._data <= lo) | (x._data >= hi))), None, None


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """input clipped to [min_val, max_val]; the gradient is 1 strictly inside, 0 outside.

    Args:
        input: a floating-point tensor.
        min_val, max_val: the bounds (min_val <= max_val).
        inplace: write the result into ``input``.
    """
    x = floating_input("hardtanh", input)
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return maybe_inplace("hardtanh", Hardtanh.apply, x, inplace, float(min_val), float(max_val))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(input, 0), 6) = hardtanh(input, 0, 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """0 for input <= -3, 1 for input >= 3, input / 6 + 1/2 between (gradient 1/6 strictly inside)."""
    x = floating_input("hardsigmoid", input)
    return maybe_inplace("hardsigmoid", lambda t: Hardtanh.apply(t / 6 + 0.5, 0.0, 1.0), x, inplace)


class Threshold(Function):
    """out = value where x <= threshold, else x; the gradient passes where x is not <= threshold (NaN passes,
    as in PyTorch)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, threshold: float, value: float) -> np.ndarray:
        ctx.threshold = threshold
        ctx.save_for_backward(x)
        return np.where(x <= threshold, x.dtype.type(value), x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        x, = ctx.saved_tensors
        return MulMask.apply(grad, ~(x._data <= ctx.threshold)), None, None


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """input where input > threshold, else value.

    Args:
        input: a floating-point tensor.
        threshold: the value to exceed.
        value: the replacement for the other elements.
        inplace: write the result into ``input``.
    """
    x = floating_input("threshold", input)
    return maybe_inplace("threshold", Threshold.apply, x, inplace, float(threshold), float(value))


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """``threshold`` written into ``input``."""
    x = floating_input("threshold_", input)
    return apply_inplace(x, "threshold_", Threshold.apply, float(threshold), float(value))


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """input where input > 0, else weight * input, with a learnable slope per channel (dim 1) or one shared.

    Args:
        input: a floating-point tensor; its dim 1 holds the channels (1-D and 0-D inputs have one channel).
        weight: the slopes, one element or one per channel.
    """
    x = floating_input("prelu", input)
    channels = x.shape[1] if x.ndim >= 2 else 1
    n = weight.numel()
    if n != 1 and n != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} "
                           f"and channel size = {channels}.")
    w = weight.reshape((n,) + (1,) * (x.ndim - 2)) if n > 1 else weight.reshape(())
    return where(x > 0, x, w * x)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: input where input > 0, else a * input with a ~ U(lower, upper) drawn per element
    from the default generator in training; the mean slope (lower + upper) / 2 in evaluation.

    Args:
        input: a floating-point tensor.
        lower, upper: the range of the random slopes.
        training: draw random slopes (else use the mean slope).
        inplace: write the result into ``input``.
    """
    return randomized_leaky_relu("rrelu", input, lower, upper, training, inplace)


def randomized_leaky_relu(op: str, input: Tensor, lower: float, upper: float, training: bool, inplace: bool,
                          generator: Generator | None = None) -> Tensor:
    """The body of ``F.rrelu`` and ``torch.rrelu``: in training, slopes drawn from ``generator`` (the default
    generator when None); the mean slope otherwise."""
    x = floating_input(op, input)
    if not training:
        return leaky_relu(x, (lower + upper) / 2, inplace)
    d = x._data
    slopes = numpy_generator(generator).uniform(lower, upper, d.shape).astype(d.dtype, copy=False)
    noise = np.where(d <= 0, slopes, d.dtype.type(1))
    return maybe_inplace(op, ScaleBy.apply, x, inplace, noise)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """``rrelu`` written into ``input``."""
    return rrelu(input, lower, upper, training, True)


class Elu(Function):
    """out = scale * x for x > 0, else scale * alpha * (exp(input_scale * x) - 1) (elu, selu and celu)."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, alpha: float, scale: float, input_scale: float) -> np.ndarray:
        ctx.params = alpha, scale, input_scale
        neg = np.expm1(np.minimum(x, 0) * input_scale)   # the minimum keeps exp from overflowing where x > 0
        neg *= scale * alpha
        ctx.save_for_backward(x)             # not the output: PyTorch's elu saves only its input
        return np.where(x > 0, x * scale if scale != 1 else x, neg)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None, None]:
        x, = ctx.saved_tensors
        alpha, scale, input_scale = ctx.params
        # the x <= 0 branch is the one tested, as in PyTorch: a NaN input gets the slope of x > 0; the clamp keeps
        # exp finite (and its derivative 0) where that branch is not taken
        slope = exp(x.clamp_max(0) * input_scale) * (scale * alpha * input_scale)
        return grad * where(x._data <= 0, slope, scale), None, None, None


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """input where input > 0, else alpha * (exp(input) - 1).

    Args:
        input: a floating-point tensor.
        alpha: the value the negative part tends to (negated).
        inplace: write the result into ``input``.
    """
    x = floating_input("elu", input)
    return maybe_inplace("elu", Elu.apply, x, inplace, float(alpha), 1.0, 1.0)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(input, alpha) with the self-normalizing constants alpha = 1.6733, scale = 1.0507."""
    x = floating_input("selu", input)
    return maybe_inplace("selu", Elu.apply, x, inplace, SELU_ALPHA, SELU_SCALE, 1.0)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """input where input > 0, else alpha * (exp(input / alpha) - 1) (continuously differentiable)."""
    x = floating_input("celu", input)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu's alpha must not be 0")
    return maybe_inplace("celu", Elu.apply, x, inplace, float(alpha), 1.0, 1.0 / alpha)


def selu_(input: Tensor) -> Tensor:
    """``selu`` written into ``input``."""
    return selu(input, True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``celu`` written into ``input``."""
    return celu(input, alpha, True)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``elu`` written into ``input`` (returns ``input``)."""
    return elu(input, alpha, True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """``hardtanh`` written into ``input`` (returns ``input``)."""
    return hardtanh(input, min_val, max_val, True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``leaky_relu`` written into ``input`` (returns ``input``)."""
    return leaky_relu(input, negative_slope, True)


_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


class Gelu(Function):
    """out = x * Phi(x) = x / 2 * (1 + erf(x / sqrt(2))), Phi the standard normal CDF."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Gelu.forward, ctx, x)
        cdf = (erf_array(x * _INV_SQRT2) + 1) * 0.5
        ctx.save_for_backward(x, cdf)
        return x * cdf

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, cdf = ctx.saved_tensors
        if GradMode.enabled:     # create_graph: the CDF as a differentiable function of x, not the saved constant
            cdf = (erf(x * _INV_SQRT2) + 1) * 0.5
        pdf = exp(x * x * -0.5) * _INV_SQRT_2PI
        return grad * (cdf + x * pdf)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """The Gaussian error linear unit input * Phi(input).

    Args:
        input: a floating-point tensor.
        approximate: ``'none'`` (the exact erf form) or ``'tanh'``
            (input / 2 * (1 + tanh(sqrt(2 / pi) * (input + 0.044715 * input ** 3)))).
    """
    x = floating_input("gelu", input)
    if approximate == "none":
        return Gelu.apply(x)
    if approximate == "tanh":
        return x * 0.5 * (tanh((x + x * x * x * 0.044715) * _SQRT_2_OVER_PI) + 1)
    raise RuntimeError(f"approximate argument must be either none or tanh, got {approximate!r}")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """input * sigmoid(input) (swish)."""
    x = floating_input("silu", input)
    return maybe_inplace("silu", lambda t: t * sigmoid(t), x, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """input * tanh(softplus(input))."""
    x = floating_input("mish", input)
    return maybe_inplace("mish", lambda t: t * tanh(softplus(t)), x, inplace)


class Softplus(Function):
    """out = log(1 + exp(beta * x)) / beta, computed without overflow; x itself where beta * x > threshold."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, beta: float, threshold: float) -> np.ndarray:
        ctx.params = beta, threshold
        ctx.save_for_backward(x)
        z = x * beta if beta != 1 else x
        soft = np.log1p(np.exp(-np.abs(z)))
        soft += np.maximum(z, 0)
        if beta != 1:
            with np.errstate(divide="ignore"):      # beta 0 gives inf, as PyTorch, without NumPy's warning
                soft /= beta
        return np.where(z > threshold, x, soft)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        x, = ctx.saved_tensors
        beta, threshold = ctx.params
        return where(x._data * beta > threshold, grad, grad * sigmoid(x * beta)), None, None


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * input)) / beta, a smooth ReLU; linear (input itself) where beta * input > threshold.

    Args:
        input: a floating-point tensor.
        beta: the sharpness.
        threshold: above this value of beta * input, the result is input.
    """
    x = floating_input("softplus", input)
    return Softplus.apply(x, float(beta), float(threshold))


class LogSigmoid(Function):
    """out = log(1 / (1 + exp(-x))) = min(x, 0) - log(1 + exp(-|x|)), finite for any x."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        out = np.minimum(x, 0)
        out -= np.log1p(np.exp(-np.abs(x)))
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * sigmoid(-x)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(input)), elementwise, stable for inputs of any magnitude."""
    return LogSigmoid.apply(floating_input("logsigmoid", input))


def softsign(input: Tensor) -> Tensor:
    """input / (1 + |input|)."""
    x = floating_input("softsign", input)
    return x / (x.abs() + 1)


class Step(Function):
    """out = 1 where x > 0, else 0 (the Heaviside step); the gradient is zero everywhere."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        return (x > 0).astype(x.dtype)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return grad * 0


def step(input: Tensor) -> Tensor:
    """(+) The Heaviside unit step of the perceptron: 1 where input > 0, 0 where input <= 0 (so step(0) = 0).

    The gradient is zero everywhere (the derivative almost everywhere), so a network of steps does not learn by
    backpropagation; integer inputs give the default float dtype.
    """
    return Step.apply(to_float_input("step", input))


def maxout(input: Tensor, pool_size: int, dim: int = 1) -> Tensor:
    """(+) Maxout: the maximum over consecutive groups of ``pool_size`` features along ``dim``.

    Features ``k * pool_size ... (k + 1) * pool_size - 1`` of ``dim`` give output feature ``k``, so ``dim``
    shrinks by the factor ``pool_size``; ties share the gradient evenly.
    """
    x = floating_input("maxout", input)
    d = x._wrap_dim(dim)
    if x.ndim == 0:
        raise RuntimeError("maxout(): expected an input with at least one dimension, got a 0-d tensor")
    n = x.shape[d]
    if pool_size < 1 or n % pool_size:
        raise RuntimeError(f"maxout(): the size {n} of dimension {d} of input {list(x.shape)} must be divisible "
                           f"by pool_size={pool_size}")
    return x.unflatten(d, (n // pool_size, pool_size)).amax(d + 1)


class Hardswish(Function):
    """out = x * clip(x + 3, 0, 6) / 6; the gradient is PyTorch's: 0 up to -3, x / 3 + 0.5 strictly between,
    1 from 3 on."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray) -> np.ndarray:
        if x.dtype is BFLOAT16:             # PyTorch computes bfloat16 in float32
            return in_float32(Hardswish.forward, ctx, x)
        ctx.save_for_backward(x)
        return x * np.clip(x + 3, 0, 6) / 6

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * where(x <= -3, 0.0, where(x < 3, x / 3 + 0.5, 1.0))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """input * hardsigmoid(input): 0 for input <= -3, input for input >= 3, input * (input + 3) / 6 between.

    Args:
        input: a floating-point tensor.
        inplace: write the result into ``input``.
    """
    x = floating_input("hardswish", input)
    return maybe_inplace("hardswish", Hardswish.apply, x, inplace)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """The gated linear unit: a * sigmoid(b), where a and b are the two halves of ``input`` along ``dim``.

    Args:
        input: a floating-point tensor whose size along ``dim`` is even.
        dim: the dimension to halve.
    """
    x = floating_input("glu", input)
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = x._wrap_dim(dim)
    n = x.shape[d]
    if n % 2:
        raise RuntimeError(f"glu: Halving dimension must be even, but dimension {d} is size {n}")
    a, b = x.split(n // 2, d)
    return a * sigmoid(b)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """input where |input| > lambd, else 0; the gradient is 1 where |input| > lambd, else 0.

    Args:
        input: a floating-point tensor.
        lambd: the half-width of the zeroed band (a negative one zeroes nothing).
    """
    x = floating_input("hardshrink", input)
    return MulMask.apply(x, record(_outside_band, x._data, lambd))


def _outside_band(x: np.ndarray, lambd: float) -> np.ndarray:
    return np.abs(x) > lambd


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """input - lambd above lambd, input + lambd below -lambd, 0 between: input - clamp(input, -lambd, lambd).

    Args:
        input: a floating-point tensor.
        lambd: the half-width of the zeroed band (>= 0).
    """
    x = floating_input("softshrink", input)
    if not 0 <= lambd <= np.finfo(x._data.dtype).max:
        raise RuntimeError(f"softshrink: lambda must be in range [0, {np.finfo(x._data.dtype).max:g}] for input "
                           f"dtype {x.dtype}, but found {lambd}")
    return x - Hardtanh.apply(x, -float(lambd), float(lambd))


def tanhshrink(input: Tensor) -> Tensor:
    """input - tanh(input), elementwise."""
    x = floating_input("tanhshrink", input)
    return x - tanh(x)

"""Local response normalization (AlexNet): each value divided by a power of the mean square of its neighbours
across channels."""
from __future__ import annotations

from microtensor.ops.checks import floating_input
from microtensor.ops.padding import pad
from microtensor.tensor import Tensor


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """input / (k + alpha * mean(input^2 over ``size`` neighbouring channels)) ** beta.

    The window of channel c covers channels c - size // 2 ... c + (size - 1) // 2; channels beyond the edges count
    as zeros and the mean always divides by ``size``, as PyTorch's.

    Args:
        input: a floating-point tensor (N, C, *) with at least 3 dimensions.
        size: the number of channels in the window.
        alpha: the multiplicative factor.
        beta: the exponent.
        k: the additive factor.
    """
    x = floating_input("local_response_norm", input)
    if x.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {x.ndim} dimensions)")
    if x.numel() == 0:
        return x
    channels = x.shape[1]
    square = pad(x * x, (0, 0) * (x.ndim - 2) + (size // 2, (size - 1) // 2))
    window = square[:, 0:channels]
    for shift in range(1, size):
        window = window + square[:, shift:shift + channels]
    return x / (window * (alpha / size) + k) ** beta

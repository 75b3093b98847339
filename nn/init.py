"""microtensor.nn.init: fill weights in place with PyTorch's initialisation schemes.

Every function writes into ``tensor`` under ``no_grad`` (so it works on Parameters), draws from
microtensor's default generator (reproducible after ``mt.manual_seed``) or the given ``generator``, and
returns ``tensor``.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

import microtensor as mt
from microtensor.dtypes import is_floating
from microtensor.random import numpy_generator
from microtensor.tensor import Tensor

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity: 1 for linear/conv/sigmoid, 5/3 for tanh, sqrt(2) for relu,
    sqrt(2 / (1 + negative_slope**2)) for leaky_relu (slope ``param``, default 0.01), 3/4 for selu."""
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight laid out as PyTorch's: ``(out, in, *kernel)``."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive_field_size = 1
    for s in tensor.shape[2:]:
        receptive_field_size *= s
    return tensor.shape[1] * receptive_field_size, tensor.shape[0] * receptive_field_size


_calculate_fan_in_and_fan_out = fan_in_and_fan_out   # PyTorch's name, which user code calls


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _float_dtype(tensor: Tensor, op: str) -> np.dtype:
    dt = tensor._data.dtype
    if not is_floating(dt):
        raise TypeError(f"nn.init.{op}: expected a floating-point tensor, got {tensor.dtype}")
    return dt if dt in (np.float32, np.float64) else np.dtype(np.float64)


def _write(tensor: Tensor, values: np.ndarray | float) -> Tensor:
    """Write ``values`` into ``tensor`` in place, outside the graph (bumps its version like any in-place op)."""
    with mt.no_grad():
        tensor.copy_(values if isinstance(values, Tensor) else Tensor._make(np.asarray(values)))
    return tensor


def _uniform(tensor: Tensor, a: float, b: float, generator: mt.Generator | None, op: str) -> Tensor:
    _float_dtype(tensor, op)
    with mt.no_grad():
        return tensor.uniform_(a, b, generator=generator)


def _normal(tensor: Tensor, mean: float, std: float, generator: mt.Generator | None, op: str) -> Tensor:
    _float_dtype(tensor, op)
    with mt.no_grad():
        return tensor.normal_(mean, std, generator=generator)


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: mt.Generator | None = None) -> Tensor:
    """Fill ``tensor`` with samples from the uniform distribution U(a, b)."""
    return _uniform(tensor, a, b, generator, "uniform_")


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: mt.Generator | None = None) -> Tensor:
    """Fill ``tensor`` with samples from the normal distribution N(mean, std**2)."""
    return _normal(tensor, mean, std, generator, "normal_")


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: mt.Generator | None = None) -> Tensor:
    """Fill ``tensor`` with samples from N(mean, std**2) truncated to [a, b] (exact rejection sampling, as
    PyTorch does: normal proposals when [a, b] holds much of the mass, uniform ones on [a, b] otherwise)."""
    def norm_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    dt = _float_dtype(tensor, "trunc_normal_")
    rng, shape = numpy_generator(generator), tuple(tensor.shape)
    lo, hi = dt.type(a), dt.type(b)
    if norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std) > 0.3:
        def propose(n: int) -> np.ndarray:
            return rng.standard_normal(n, dtype=dt) * dt.type(std) + dt.type(mean)

        def accept(x: np.ndarray) -> np.ndarray:
            return (x >= lo) & (x <= hi)
    else:
        # uniform proposals on [a, b], accepted with probability pdf(x) / pdf(mode)
        mode = max(a, min(mean, b))
        log_peak = -0.5 * ((mode - mean) / std) ** 2

        def propose(n: int) -> np.ndarray:
            return rng.uniform(a, b, n).astype(dt)

        def accept(x: np.ndarray) -> np.ndarray:
            return np.log(rng.random(x.size)) <= -0.5 * ((x - mean) / std) ** 2 - log_peak
    out = propose(int(np.prod(shape)))
    pending = np.flatnonzero(~accept(out))
    while pending.size:
        fresh = propose(pending.size)
        ok = accept(fresh)
        out[pending[ok]] = fresh[ok]
        pending = pending[~ok]
    return _write(tensor, out.reshape(shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with the value ``val``."""
    with mt.no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with ones."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with zeros."""
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill the 2-D ``tensor`` with the identity matrix (ones on the main diagonal of a rectangle too)."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tensor.shape, dtype=tensor._data.dtype))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill the 3-, 4- or 5-D convolution weight ``tensor`` with the Dirac delta, so that the convolution
    preserves its input (per group: as many input channels as there are output channels)."""
    dimensions = tensor.dim()
    if dimensions not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_chans_per_grp = sizes[0] // groups
    d = np.arange(min(out_chans_per_grp, sizes[1]))
    values = np.zeros(sizes, dtype=tensor._data.dtype)
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        values[(g * out_chans_per_grp + d, d) + centre] = 1
    return _write(tensor, values)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: mt.Generator | None = None) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return _uniform(tensor, -a, a, generator, "xavier_uniform_")


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: mt.Generator | None = None) -> Tensor:
    """Glorot normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _normal(tensor, 0.0, std, generator, "xavier_normal_")


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    return calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: mt.Generator | None = None) -> Tensor:
    """He uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a)
    and fan the fan_in or fan_out as ``mode`` says."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return _uniform(tensor, -bound, bound, generator, "kaiming_uniform_")


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: mt.Generator | None = None) -> Tensor:
    """He normal: N(0, std**2) with std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    return _normal(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator, "kaiming_normal_")


def orthogonal_(tensor: Tensor, gain: float = 1, generator: mt.Generator | None = None) -> Tensor:
    """Fill ``tensor`` (2-D or more, trailing dims flattened) with a (semi-)orthogonal matrix times ``gain``:
    the Q of the QR decomposition of a normal matrix, signs fixed so that Q is uniformly distributed."""
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flattened = numpy_generator(generator).standard_normal((rows, cols))
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _write(tensor, (q * gain).reshape(tuple(tensor.shape)))

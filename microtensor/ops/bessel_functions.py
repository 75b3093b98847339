"""The Bessel and Airy functions of torch.special as ops: J0, J1, Y0, Y1, the modified I0, I1, K0, K1 (and
the scaled K's), the spherical j0 and Ai. Their values come from ``microtensor/ops/bessel_math.py``; as in
PyTorch they are not differentiable (their outputs never require grad). Integer inputs give the default float
dtype."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from microtensor.ops import bessel_math as bm
from microtensor.ops.checks import to_float_input
from microtensor.ops.special_math import bessel_i_array
from microtensor.tensor import Tensor


def _values(op: str, kernel: Callable[[np.ndarray], np.ndarray], input: Tensor) -> Tensor:
    x = to_float_input(op, input)
    with np.errstate(over="ignore", under="ignore"):   # beyond float32's range: inf or 0, as PyTorch
        return Tensor._make(kernel(x._data).astype(x._data.dtype, copy=False))


def bessel_j0(input: Tensor) -> Tensor:
    """The Bessel function of the first kind of order 0, J0(input) (not differentiable)."""
    return _values("bessel_j0", lambda x: bm.bessel_j_array(0, x), input)


def bessel_j1(input: Tensor) -> Tensor:
    """The Bessel function of the first kind of order 1, J1(input) (not differentiable)."""
    return _values("bessel_j1", lambda x: bm.bessel_j_array(1, x), input)


def bessel_y0(input: Tensor) -> Tensor:
    """The Bessel function of the second kind of order 0, Y0(input): -inf at 0, NaN below (not differentiable)."""
    return _values("bessel_y0", lambda x: bm.bessel_y_array(0, x), input)


def bessel_y1(input: Tensor) -> Tensor:
    """The Bessel function of the second kind of order 1, Y1(input): -inf at 0, NaN below (not differentiable)."""
    return _values("bessel_y1", lambda x: bm.bessel_y_array(1, x), input)


def _bessel_i_finite(n: int, x: np.ndarray) -> np.ndarray:
    """I_n(x), NaN at the infinities (PyTorch's modified_bessel_i* kernels; its ``i0`` gives inf there)."""
    return np.where(np.isinf(x), np.nan, bessel_i_array(n, x))


def modified_bessel_i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 0, I0(input) (not differentiable; ``i0`` is)."""
    return _values("modified_bessel_i0", lambda x: _bessel_i_finite(0, x), input)


def modified_bessel_i1(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 1, I1(input) (not differentiable; ``i1`` is)."""
    return _values("modified_bessel_i1", lambda x: _bessel_i_finite(1, x), input)


def modified_bessel_k0(input: Tensor) -> Tensor:
    """The modified Bessel function of the second kind of order 0, K0(input): inf at 0, NaN below."""
    return _values("modified_bessel_k0", lambda x: bm.bessel_k_array(0, x), input)


def modified_bessel_k1(input: Tensor) -> Tensor:
    """The modified Bessel function of the second kind of order 1, K1(input): inf at 0, NaN below."""
    return _values("modified_bessel_k1", lambda x: bm.bessel_k_array(1, x), input)


def scaled_modified_bessel_k0(input: Tensor) -> Tensor:
    """K0(input) * exp(input), finite for large inputs where K0 underflows."""
    return _values("scaled_modified_bessel_k0", lambda x: bm.bessel_k_scaled_array(0, x), input)


def scaled_modified_bessel_k1(input: Tensor) -> Tensor:
    """K1(input) * exp(input), finite for large inputs where K1 underflows."""
    return _values("scaled_modified_bessel_k1", lambda x: bm.bessel_k_scaled_array(1, x), input)


def spherical_bessel_j0(input: Tensor) -> Tensor:
    """The spherical Bessel function of the first kind of order 0, sin(input) / input (1 at 0)."""
    return _values("spherical_bessel_j0", bm.spherical_bessel_j0_array, input)


def airy_ai(input: Tensor) -> Tensor:
    """Airy's function Ai(input) (not differentiable)."""
    return _values("airy_ai", bm.airy_ai_array, input)

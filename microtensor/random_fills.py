"""In-place random fills of a tensor from microtensor's generators: ``random_`` (integers, PyTorch's ranges per
dtype), ``exponential_``, ``geometric_``, ``cauchy_`` and ``log_normal_``.

Each draws with the NumPy generator behind ``generator`` (the default one when None, so ``manual_seed``
makes it reproducible) and writes the sample with ``copy_``: the in-place rules (a leaf that requires grad
needs ``no_grad``), the version counter and views behave as for every in-place op.
"""
from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np

from microtensor.dtypes import is_floating
from microtensor.ops.checks import torch_dtype_name
from microtensor.random import Generator, numpy_generator
from microtensor.tensor import Tensor

# the C type names PyTorch's random-fill messages use
_C_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int", "int32": "int",
            "int64": "long int", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "float32": "float", "float64": "double"}
_UNSET: Any = object()   # random_(), random_(to) and random_(from, None) differ: a lone argument is ``to``


def _integer_range(dtype: np.dtype) -> tuple[int, int]:
    """The inclusive range ``random_()`` draws from: every value of an integer dtype that is >= 0, and the
    integers a float dtype holds exactly (0 to 2**digits)."""
    if dtype == np.bool_:
        return 0, 1
    if dtype.kind in "iu":
        return 0, int(np.iinfo(dtype).max)
    return 0, 2 ** (np.finfo(dtype).nmant + 1)


def _check_bounds(self: Tensor, low: int, last: int) -> None:
    """PyTorch's checks of ``random_``'s range [low, last] against self's dtype: an error for integer dtypes,
    a warning where a float dtype cannot hold every integer of the range."""
    dtype = self._data.dtype
    name = _C_NAMES[dtype.name]
    if dtype.kind in "iub":
        lo, hi = (0, 1) if dtype == np.bool_ else (int(np.iinfo(dtype).min), int(np.iinfo(dtype).max))
        if not lo <= low <= hi:
            raise RuntimeError(f"from is out of bounds for {name}")
        if not lo <= last <= hi:
            raise RuntimeError(f"to - 1 is out of bounds for {name}")
        return
    digits = np.finfo(dtype).nmant + 1
    for label, value in (("from", low), ("to - 1", last)):
        if not -(2 ** digits) <= value <= 2 ** digits:
            warnings.warn(f"{label} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision limitations "
                          f"{name} can support discrete uniform distribution only within this range. This warning "
                          "will become an error in version 1.7 release, please fix the code in advance",
                          UserWarning, stacklevel=3)


def random_(self: Tensor, from_: Any = _UNSET, to: Any = _UNSET, *, generator: Generator | None = None) -> Tensor:
    """Fill ``self`` in place with integers drawn uniformly: ``random_()`` from 0 to the dtype's largest value
    (2**mantissa digits for float dtypes), ``random_(to)`` from [0, to), ``random_(from, to)`` from
    [from, to), and ``random_(from, None)`` from ``from`` to the dtype's largest value."""
    if to is _UNSET:
        low, to = 0, None if from_ is _UNSET else from_
    else:
        low = 0 if from_ is _UNSET else from_
    low = operator.index(low)
    last = _integer_range(self._data.dtype)[1] if to is None else operator.index(to) - 1
    if to is not None and low > last:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={to}")
    _check_bounds(self, low, last)
    sample = numpy_generator(generator).integers(low, last, size=self._data.shape, dtype=np.int64, endpoint=True)
    return self.copy_(Tensor._make(sample))


def _continuous(self: Tensor, what: str, dtype_name: str) -> np.dtype:
    """self's dtype, which must be a float one (the draw is made in it, float16 in float32)."""
    dtype = self._data.dtype
    if not is_floating(dtype):
        raise RuntimeError(f"{what} distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {dtype_name}")
    return dtype if dtype != np.float16 else np.dtype(np.float32)


def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill ``self`` in place with samples of the exponential distribution of rate ``lambd`` (density
    ``lambd * exp(-lambd * x)``)."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    dtype = _continuous(self, "Exponential", torch_dtype_name(self))
    sample = numpy_generator(generator).standard_exponential(self._data.shape, dtype=np.float64) / lambd
    return self.copy_(Tensor._make(sample.astype(dtype)))


def geometric_(self: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    """Fill ``self`` in place with samples of the geometric distribution: the number of Bernoulli(``p``)
    trials up to and including the first success (1, 2, ...); any dtype."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return self.copy_(Tensor._make(numpy_generator(generator).geometric(p, self._data.shape)))


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill ``self`` in place with samples of the Cauchy distribution centred at ``median`` with scale
    ``sigma`` (density ``1 / (pi * sigma * (1 + ((x - median) / sigma) ** 2))``)."""
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    dtype = _continuous(self, "Cauchy", _C_NAMES[self._data.dtype.name])
    sample = median + sigma * numpy_generator(generator).standard_cauchy(self._data.shape)
    return self.copy_(Tensor._make(np.asarray(sample, dtype=dtype)))


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator: Generator | None = None) -> Tensor:
    """Fill ``self`` in place with samples of the log-normal distribution: ``exp(x)`` for ``x`` drawn from
    N(``mean``, ``std``**2) (the parameters are those of the underlying normal)."""
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    if not is_floating(self._data.dtype):
        raise NotImplementedError(f"\"log_normal_cpu\" not implemented for '{torch_dtype_name(self)}'")
    sample = np.exp(numpy_generator(generator).normal(mean, std, self._data.shape))
    return self.copy_(Tensor._make(np.asarray(sample, dtype=self._data.dtype)))

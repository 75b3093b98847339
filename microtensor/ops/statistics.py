"""Order statistics and second moments: ``quantile`` / ``nanquantile`` (the five interpolation modes) and
``cov`` / ``corrcoef`` (frequency and observation weights).

Each is PyTorch's composition of differentiable ops (sort, gather and lerp for the quantiles; sums and a matrix
product for the covariance), so values and gradients, the gradient with respect to ``q`` included, are
PyTorch's.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from microtensor.ops.checks import tensor_input, torch_dtype_name
from microtensor.tensor import Tensor

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _checked(input: Tensor, q: Any, interpolation: str) -> Tensor:
    """``q`` as a tensor of the input's dtype, the arguments checked in PyTorch's order with its words (which
    say quantile() for nanquantile too)."""
    if not isinstance(q, Tensor):
        if isinstance(q, (bool, np.bool_)) or not isinstance(q, (int, float, np.integer, np.floating)):
            raise TypeError(f"quantile(): argument 'q' must be a float or a Tensor, not {type(q).__name__}")
        if not 0 <= q <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    if input._data.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if isinstance(q, Tensor) and q._data.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if input._data.dtype not in (np.float32, np.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if not isinstance(q, Tensor):
        return Tensor._make(np.asarray(q, dtype=input._data.dtype))
    if q._data.dtype != input._data.dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    if q._data.size and not ((q._data >= 0) & (q._data <= 1)).all():
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    return q


def _quantile(op: str, input: Tensor, q: Any, dim: int | None, keepdim: bool, interpolation: str,
              ignore_nan: bool) -> Tensor:
    tensor_input(op, input)
    qt = _checked(input, q, interpolation)
    d = None if dim is None else input._wrap_dim(dim)
    # the values to rank along the last dim: everything, or dim moved last
    ranked = input.reshape(-1) if d is None or input._data.ndim == 0 else input.movedim(d, -1)
    ranked = ranked.sort(dim=-1).values                      # NaN sorts last
    batch, n = tuple(ranked.shape[:-1]), ranked.shape[-1]
    qs = qt.reshape((-1,) + (1,) * (len(batch) + 1))          # (nq, 1, ..., 1)
    nan = ranked.isnan()
    if ignore_nan:                                           # rank among the numbers; all NaN: rank 0, NaN
        ranks = qs * (nan.logical_not().sum(-1, keepdim=True) - 1)
        ranks = ranks.masked_fill(ranks < 0, 0)
    else:                                                    # a NaN in the slice: rank the last value, NaN
        ranks = (qs * (n - 1)).expand((qs.shape[0],) + batch + (1,)).masked_fill(nan.any(-1, keepdim=True), n - 1)
    if interpolation in ("lower", "higher", "nearest"):      # the weight is unused: q gets no gradient
        ranks = {"lower": Tensor.floor, "higher": Tensor.ceil, "nearest": Tensor.round}[interpolation](ranks.detach())
    below = ranks.detach().long()
    values = ranked.expand((qs.shape[0],) + batch + (n,))
    result = values.gather(-1, below)
    if interpolation in ("linear", "midpoint"):
        weights = ranks - below if interpolation == "linear" else 0.5
        result = result.lerp(values.gather(-1, ranks.detach().ceil().long()), weights)
    result = result.squeeze(-1)
    if qt._data.ndim == 0:
        result = result.squeeze(0)
    lead = 1 if qt._data.ndim else 0
    if keepdim and d is not None and input._data.ndim:
        result = result.unsqueeze(lead + d)
    elif keepdim and d is None:
        result = result.reshape(tuple(result.shape[:lead]) + (1,) * input._data.ndim)
    return result


def quantile(input: Tensor, q: Tensor | float, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear", out: Any = None) -> Tensor:
    """The ``q``-th quantiles of ``input`` along ``dim`` (of all its elements when None); ``q`` is a number
    or a 0-d or 1-D tensor in [0, 1] (then the quantiles stack along a new first dim). Between two data
    points ``interpolation`` takes the ``linear`` interpolation, the ``lower`` or ``higher`` point, their
    ``midpoint`` or the ``nearest`` (ties to even rank). A slice with a NaN gives NaN."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


def nanquantile(input: Tensor, q: Tensor | float, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear", out: Any = None) -> Tensor:
    """``quantile`` ignoring NaN: the quantiles of the numbers in each slice (NaN where a slice has none)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)


def _weights(name: str, w: Tensor, observations: int, integral: bool) -> None:
    tensor_input("cov", w, name)
    if w._data.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                           f"{w._data.ndim} dimensions")
    if (w._data.dtype.kind in "iu") != integral or w._data.dtype.kind == "b":
        kind = "integral" if integral else "floating point"
        raise RuntimeError(f"cov(): expected {name} to have {kind} dtype but got {name} with "
                           f"{torch_dtype_name(w)} dtype")
    if w._data.size != observations:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the "
                           f"input but got {w._data.size} != {observations}")
    if observations and w._data.min() < 0:
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in the rows of ``input`` (a 1-D input is one variable), its
    columns the observations: ``fweights`` repeat observations (integers), ``aweights`` weigh them (floats),
    and ``correction`` is subtracted from the number of observations (1: Bessel's correction), as PyTorch's
    (and NumPy's) cov."""
    tensor_input("cov", input)
    if input._data.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input._data.ndim} dimensions")
    if input._data.dtype == np.bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input if input._data.ndim == 2 else input.reshape(1, -1)
    observations = x.shape[1]
    w = None
    if fweights is not None:
        _weights("fweights", fweights, observations, integral=True)
        w = fweights
    if aweights is not None:
        _weights("aweights", aweights, observations, integral=False)
        w = aweights if w is None else w * aweights
    w_sum = Tensor._make(np.asarray(observations, np.int64)) if w is None else w.sum()
    if w is not None and not w_sum._data:
        raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    with np.errstate(divide="ignore", invalid="ignore"):     # no observations: NaN, as in PyTorch
        average = (x if w is None else x * w).sum(1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm_factor = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm_factor = w_sum - correction
    if norm_factor._data <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number "
                      "of observations.", UserWarning, stacklevel=2)
        norm_factor = norm_factor * 0
    centered = x - average.unsqueeze(1)
    product = centered.mm((centered if w is None else centered * w).t())
    with np.errstate(divide="ignore", invalid="ignore"):     # no degrees of freedom: inf or NaN, warned above
        return (product / norm_factor).squeeze()


def corrcoef(input: Tensor) -> Tensor:
    """The Pearson correlation coefficients of the variables in the rows of ``input`` (observations in the
    columns): ``cov`` normalized by the standard deviations and clipped to [-1, 1]."""
    tensor_input("corrcoef", input)
    if input._data.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{input._data.ndim} dimensions")
    c = cov(input)
    if c._data.ndim == 0:             # one variable: NaN where its variance is NaN, inf or 0, else 1
        with np.errstate(divide="ignore", invalid="ignore"):
            return c / c
    stddev = c.diagonal().sqrt()
    c = c / stddev.reshape(-1, 1)
    c = c / stddev.reshape(1, -1)
    return c.clip(-1, 1)

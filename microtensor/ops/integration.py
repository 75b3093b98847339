"""Numerical integration and differentiation of sampled functions: ``trapezoid`` (alias ``trapz``),
``cumulative_trapezoid`` and ``gradient`` (central differences inside, one-sided of first or second order at
the edges).

Each is PyTorch's composition of slices, differences and sums, so values, dtypes and gradients (with respect
to the samples and to the sample coordinates) are PyTorch's.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor.ops.checks import tensor_input
from microtensor.ops.shape import cat
from microtensor.tensor import Tensor

Number = int | float


def _along(t: Tensor, d: int, start: int | None, stop: int | None) -> Tensor:
    """``t[start:stop]`` along dim ``d``."""
    return t[(slice(None),) * d + (slice(start, stop),)]


def _integrand(op: str, y: Any, x: Any, dx: Any, dim: int) -> tuple[int, Tensor | None, Number]:
    """The checked arguments of the trapezoid rules: the wrapped dim, the coordinates (or None) and the
    spacing (1 unless ``dx`` is given)."""
    tensor_input(op, y, "y")
    if x is not None and dx is not None:
        raise TypeError(f"{op}(): pass the sample coordinates x or the spacing dx=, not both")
    if x is not None and not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'x' must be Tensor, not {type(x).__name__} (pass a number spacing "
                        f"as dx=)")
    if y._data.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = y._wrap_dim(dim)
    if y._data.dtype == np.bool_ or (x is not None and x._data.dtype == np.bool_):
        which = "`y`" if x is None else "`x` or `y`"
        raise RuntimeError(f"{op}: received a bool input for {which}, but bool is not supported")
    if dx is None:
        return d, x, 1
    if isinstance(dx, Tensor) and dx._data.ndim == 0:
        dx = dx.item()
    if isinstance(dx, (bool, np.bool_)) or not isinstance(dx, (int, float, np.integer, np.floating)):
        raise RuntimeError(f"{op}: Currently, we only support dx as a real number.")
    return d, None, dx.item() if isinstance(dx, np.generic) else dx


def _spacings(op: str, y: Tensor, x: Tensor, d: int) -> Tensor:
    """The differences of the coordinates ``x`` along ``d``, shaped to broadcast against the differences of
    ``y`` (a 1-D ``x`` lies along ``d``; a lower-dimensional one gets leading dims), as PyTorch and NumPy."""
    if x._data.ndim == 1:
        if x._data.shape[0] != y._data.shape[d]:
            raise RuntimeError(f"{op}: There must be one `x` value for each sample point")
        x = x.reshape(tuple(-1 if k == d else 1 for k in range(y._data.ndim)))
    elif x._data.ndim < y._data.ndim:
        x = x.reshape((1,) * (y._data.ndim - x._data.ndim) + tuple(x._data.shape))
    return _along(x, d, 1, None) - _along(x, d, None, -1)


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: Number | None = None, dim: int = -1) -> Tensor:
    """The integral of the samples ``y`` along ``dim`` by the trapezoid rule: at the coordinates ``x`` (a
    1-D tensor along ``dim``, or one that broadcasts against ``y``), or spaced ``dx`` apart (1 by default).
    No samples integrate to 0."""
    d, x, step = _integrand("trapezoid", y, x, dx, dim)
    if y._data.shape[d] == 0:
        return Tensor._make(np.zeros(y._data.shape[:d] + y._data.shape[d + 1:], y._data.dtype))
    if x is not None:
        return (_spacings("trapezoid", y, x, d) * (_along(y, d, 1, None) + _along(y, d, None, -1))).sum(d) / 2.0
    return (y.sum(d) - (y.select(d, 0) + y.select(d, -1)) * 0.5) * step


def trapz(y: Tensor, x: Tensor | None = None, *, dx: Number | None = None, dim: int = -1) -> Tensor:
    """Alias of ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx: Number | None = None,
                         dim: int = -1) -> Tensor:
    """The running integrals of ``y`` along ``dim`` by the trapezoid rule (one fewer than the samples), at the
    coordinates ``x`` or spaced ``dx`` apart, as ``trapezoid``."""
    if isinstance(y, Tensor) and y._data.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    d, x, step = _integrand("cumulative_trapezoid", y, x, dx, dim)
    pairs = _along(y, d, None, -1) + _along(y, d, 1, None)
    if x is not None:
        return (_spacings("cumulative_trapezoid", y, x, d) / 2.0 * pairs).cumsum(d)
    return (step / 2.0 * pairs).cumsum(d)


def _gradient_dims(input: Tensor, dim: int | Sequence[int] | None) -> list[int]:
    if dim is None:
        return list(range(input._data.ndim))
    dims = [int(dim)] if isinstance(dim, (int, np.integer)) else [int(k) for k in dim]
    wrapped = [input._wrap_dim(k) for k in dims]
    for k in wrapped:
        if wrapped.count(k) > 1:
            raise RuntimeError(f"dim {k} appears multiple times in the list of dims")
    return wrapped


def _gradient_spacing(input: Tensor, spacing: Any, dim: Any, count: int) -> list[Any]:
    """One spacing per differentiated dim: a number, or a 1-D tensor of coordinates."""
    if isinstance(spacing, Tensor) and spacing._data.ndim == 0:
        spacing = spacing.item()
    if not isinstance(spacing, (list, tuple)):
        if isinstance(spacing, Tensor):
            raise TypeError("gradient(): spacing must be a number, a list of numbers or a tuple of 1-D tensors "
                            "of coordinates, not a Tensor")
        return [spacing] * count
    if dim is None and len(spacing) != input._data.ndim:
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
                           f"equal to 'self.dim() = {input._data.ndim}', since dim argument was not given, but "
                           f"got a list of length {len(spacing)}")
    if dim is not None and len(spacing) != count:
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                           f"arguments to have the same length, but got a spacing argument of length "
                           f"{len(spacing)} and a dim argument of length {count}.")
    return list(spacing)


def _edges(first: Tensor, center: Tensor, last: Tensor, d: int) -> Tensor:
    return cat([first, center, last], d)


def _gradient_uniform(y: Tensor, d: int, h: Number, edge_order: int) -> Tensor:
    center = (_along(y, d, 2, None) - _along(y, d, None, -2)) / h
    if edge_order == 1:
        first = (_along(y, d, 1, 2) - _along(y, d, 0, 1)) / h
        last = (_along(y, d, -1, None) - _along(y, d, -2, -1)) / h
    else:
        first = (_along(y, d, 0, 1) * -1.5 + _along(y, d, 1, 2) * 2 - _along(y, d, 2, 3) * 0.5) / h
        last = (_along(y, d, -3, -2) * 0.5 + _along(y, d, -2, -1) * -2 + _along(y, d, -1, None) * 1.5) / h
    return _edges(first, center / 2, last, d)


def _gradient_coordinates(y: Tensor, d: int, coordinates: Tensor, edge_order: int) -> Tensor:
    if coordinates._data.ndim != 1:
        raise RuntimeError(f"torch.gradient expected each element of spacing to have one dimension, but got an "
                           f"element with {coordinates._data.ndim} dimensions!")
    if coordinates._data.shape[0] != y._data.shape[d]:
        raise RuntimeError(f"torch.gradient expected the coordinates of dimension {d} to have its size "
                           f"{y._data.shape[d]}, but got {coordinates._data.shape[0]} coordinates")
    shape = tuple(-1 if k == d else 1 for k in range(y._data.ndim))
    h = coordinates.diff()
    h1, h2 = h[:-1], h[1:]
    a = (-h2 / (h1 * (h1 + h2))).reshape(shape)
    b = ((h2 - h1) / (h1 * h2)).reshape(shape)
    c = (h1 / (h2 * (h1 + h2))).reshape(shape)
    center = a * _along(y, d, None, -2) + b * _along(y, d, 1, -1) + c * _along(y, d, 2, None)
    if edge_order == 1:
        first = (_along(y, d, 1, 2) - _along(y, d, 0, 1)) / h[0]
        last = (_along(y, d, -1, None) - _along(y, d, -2, -1)) / h[-1]
    else:
        a, b, c = (-(2.0 * h[0] + h[1]) / (h[0] * (h[0] + h[1])), (h[0] + h[1]) / (h[0] * h[1]),
                   -h[0] / (h[1] * (h[0] + h[1])))
        first = a * _along(y, d, 0, 1) + b * _along(y, d, 1, 2) + c * _along(y, d, 2, 3)
        a, b, c = (h[-1] / (h[-2] * (h[-1] + h[-2])), -(h[-1] + h[-2]) / (h[-1] * h[-2]),
                   (2 * h[-1] + h[-2]) / (h[-1] * (h[-1] + h[-2])))
        last = a * _along(y, d, -3, -2) + b * _along(y, d, -2, -1) + c * _along(y, d, -1, None)
    return _edges(first, center, last, d)


def gradient(input: Tensor, *, spacing: Any = 1, dim: int | Sequence[int] | None = None,
             edge_order: int = 1) -> tuple[Tensor, ...]:
    """The derivative of the samples ``input`` along each dim of ``dim`` (all by default), one tensor per dim:
    central differences inside, one-sided differences of order ``edge_order`` (1 or 2) at the edges.
    ``spacing`` is the distance between samples (a number, or one per dim) or the sample coordinates (one
    1-D tensor per dim)."""
    tensor_input("gradient", input)
    if input._data.dtype == np.uint8:
        raise RuntimeError("torch.gradient does not support uint8 input.")
    dims = _gradient_dims(input, dim)
    spacings = _gradient_spacing(input, spacing, dim, len(dims))
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if any(input._data.shape[d] < edge_order + 1 for d in dims):
        raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    if any(isinstance(s, Tensor) for s in spacings):
        return tuple(_gradient_coordinates(input, d, tensor_input("gradient", s, "spacing"), edge_order)
                     for d, s in zip(dims, spacings))
    return tuple(_gradient_uniform(input, d, s, edge_order) for d, s in zip(dims, spacings))

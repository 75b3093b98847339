"""Dropout: elementwise, per channel (dropout1d/2d/3d, feature_dropout) and SELU-preserving (alpha_dropout),
in the ``nn.functional`` signatures; ``dropout_`` and ``feature_dropout`` are the torch-only forms."""
from __future__ import annotations

import math

import numpy as np

from microtensor import random as mt_random
from microtensor.ops.activation import SELU_ALPHA, SELU_SCALE, ScaleBy
from microtensor.ops.checks import floating_input
from microtensor.ops.inplace import maybe_inplace
from microtensor.tensor import Tensor


def _check_p(p: float) -> None:
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout(op: str, input: Tensor, p: float, training: bool, inplace: bool, mask_shape: tuple[int, ...],
             alpha: bool = False) -> Tensor:
    """Zero elements (or whole channels: ``mask_shape`` broadcasts to the input) with probability p."""
    _check_p(p)
    x = floating_input(op, input)
    if not training or p == 0 or x.numel() == 0:
        return x
    d = x._data
    if p == 1:
        return maybe_inplace(op, ScaleBy.apply, x, inplace, np.zeros((), dtype=d.dtype))
    keep = mt_random.default_generator.rng.random(mask_shape) >= p
    if not alpha:
        return maybe_inplace(op, ScaleBy.apply, x, inplace, np.multiply(keep, 1 / (1 - p), dtype=d.dtype))
    # SELU-preserving: dropped units take the value -alpha' = -scale * alpha, then an affine map restores
    # mean 0 and variance 1 (PyTorch's constants).
    a_prime = SELU_ALPHA * SELU_SCALE
    a = 1 / math.sqrt((a_prime * a_prime * p + 1) * (1 - p))
    factor = np.multiply(keep, a, dtype=d.dtype)
    shift = Tensor._make(((keep - 1) * (a_prime * a) + a_prime * a * p).astype(d.dtype))
    return maybe_inplace(op, lambda t: ScaleBy.apply(t, factor) + shift, x, inplace)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """In training, zero each element with probability ``p`` (a mask drawn from the default generator) and scale
    the rest by 1 / (1 - p); the gradient uses the same mask. The input itself in evaluation or for p = 0."""
    return _dropout("dropout", input, p, training, inplace, input.shape)


def _feature_dropout(op: str, input: Tensor, p: float, training: bool, inplace: bool, batched_ndim: int) -> Tensor:
    """Channel dropout for an input of ``batched_ndim`` dims (N, C, *) or one fewer (C, *): one draw per channel."""
    x = floating_input(op, input)
    if x.ndim not in (batched_ndim - 1, batched_ndim):
        raise RuntimeError(f"{op}(): expected a {batched_ndim - 1}-D (unbatched) or {batched_ndim}-D (batched) "
                           f"input, got an input of shape {list(x.shape)}")
    lead = 2 if x.ndim == batched_ndim else 1
    return _dropout(op, x, p, training, inplace, tuple(x.shape[:lead]) + (1,) * (x.ndim - lead))


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, L) or (C, L) input with probability p; scale the rest by 1 / (1 - p)."""
    return _feature_dropout("dropout1d", input, p, training, inplace, 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, H, W) input with probability p; scale the rest by 1 / (1 - p). As
    PyTorch, a 3-D input is taken as (N, C, L)."""
    x = floating_input("dropout2d", input)
    if x.ndim not in (3, 4):
        raise RuntimeError(f"dropout2d(): expected a 3-D or 4-D input, got an input of shape {list(x.shape)}")
    return _dropout("dropout2d", x, p, training, inplace, tuple(x.shape[:2]) + (1,) * (x.ndim - 2))


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input with probability p."""
    return _feature_dropout("dropout3d", input, p, training, inplace, 5)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped units take SELU's negative saturation, then an affine map keeps the
    mean and variance of the input."""
    return _dropout("alpha_dropout", input, p, training, inplace, input.shape, alpha=True)


def _per_channel(op: str, input: Tensor, p: float, training: bool, inplace: bool, alpha: bool) -> Tensor:
    """Dropout with one draw per channel of an (N, C, *) input."""
    x = floating_input(op, input)
    if x.ndim < 2:
        raise RuntimeError(f"{op}(): expected an input of shape (N, C, *), got {list(x.shape)}")
    return _dropout(op, x, p, training, inplace, tuple(x.shape[:2]) + (1,) * (x.ndim - 2), alpha)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """``alpha_dropout`` with one draw per channel of an (N, C, *) input."""
    return _per_channel("feature_alpha_dropout", input, p, training, inplace, alpha=True)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.feature_dropout(input, p, train)``: ``dropout`` with one draw per channel of an (N, C, *) input."""
    return _per_channel("feature_dropout", input, p, train, False, alpha=False)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.dropout_``: dropout written into ``input``."""
    return dropout(input, p, train, True)

"""Dropout: elementwise, per channel (dropout1d/2d/3d, feature_dropout) and SELU-preserving (alpha_dropout),
in the ``nn.functional`` signatures; ``dropout_`` and ``feature_dropout`` are the torch-only forms."""
from __future__ import annotations

import math
import warnings

import numpy as np

from microtensor import random as mt_random
from microtensor.ops.activation import SELU_ALPHA, SELU_SCALE, ScaleBy
from microtensor.ops.checks import floating_input, tensor_input
from microtensor.ops.inplace import maybe_inplace
from microtensor.tensor import Tensor


def _check_p(p: float) -> None:
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout(op: str, input: Tensor, p: float, training: bool, inplace: bool, channel_dims: int = 0,
             alpha: bool = False) -> Tensor:
    """Zero elements with probability p, or whole channels: with ``channel_dims`` 2 one draw per (n, c) of an
    (N, C, *) input, with 1 one draw per c of a (C, *) input (PyTorch's feature dropout, unbatched)."""
    _check_p(p)
    x = tensor_input(op, input)
    if not training or p == 0 or x.numel() == 0:
        return x            # any dtype, as PyTorch: the identity asks nothing of the input
    d = floating_input(op, x)._data
    if p == 1:
        return maybe_inplace(op, ScaleBy.apply, x, inplace, np.zeros((), dtype=d.dtype))
    if d.ndim < channel_dims:       # checked only here, as PyTorch: eval mode, p 0 or 1 take any shape
        layout = "(N, C, *)" if channel_dims == 2 else "(C, *)"
        raise RuntimeError(f"{op}: Feature dropout requires at least {channel_dims} dimension(s) in the input "
                           f"{layout}, got an input of shape {list(d.shape)}")
    mask_shape = d.shape[:channel_dims] + (1,) * (d.ndim - channel_dims) if channel_dims else d.shape
    keep = mt_random.numpy_generator(None).random(mask_shape) >= p
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
    return _dropout("dropout", input, p, training, inplace)


def _warn_rank(op: str, ndim: int, spatial: int) -> None:
    """PyTorch's deprecation warning for an input to dropout2d/3d without ``spatial`` spatial dims."""
    warnings.warn(f"{op}: Received a {ndim}-D input to {op}, which is deprecated and will result in an error in a "
                  f"future release. To retain the behavior and silence this warning, please use dropout instead. "
                  f"Note that {op} exists to provide channel-wise dropout on inputs with {spatial} spatial "
                  f"dimensions, a channel dimension, and an optional batch dimension (i.e. {spatial + 1}D or "
                  f"{spatial + 2}D inputs).", UserWarning, stacklevel=3)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, L) or (C, L) input with probability p; scale the rest by 1 / (1 - p)."""
    _check_p(p)
    x = tensor_input("dropout1d", input)
    if x.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {x.ndim}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _dropout("dropout1d", x, p, training, inplace, x.ndim - 1)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, H, W) input with probability p; scale the rest by 1 / (1 - p).

    As PyTorch 2.13, with a warning, a 3-D input is taken as (N, C, L) (not as an unbatched (C, H, W)), and
    an input of any other rank gets one draw per entry of its first two dims (a 2-D input: per element); 0-D
    and 1-D inputs raise in training."""
    _check_p(p)
    x = tensor_input("dropout2d", input)
    if x.ndim not in (3, 4):
        _warn_rank("dropout2d", x.ndim, 2)
    if x.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", UserWarning, stacklevel=2)
    return _dropout("dropout2d", x, p, training, inplace, 2)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input with probability p.

    As PyTorch 2.13, with a warning, an input of any other rank is taken as unbatched: one draw per entry of
    its first dim (whole rows of a 2-D input; a 1-D input per element); a 0-D input raises in training."""
    _check_p(p)
    x = tensor_input("dropout3d", input)
    if x.ndim not in (4, 5):
        _warn_rank("dropout3d", x.ndim, 3)
    return _dropout("dropout3d", x, p, training, inplace, 2 if x.ndim == 5 else 1)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped units take SELU's negative saturation, then an affine map keeps the
    mean and variance of the input."""
    return _dropout("alpha_dropout", input, p, training, inplace, alpha=True)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """``alpha_dropout`` with one draw per channel of an (N, C, *) input."""
    return _dropout("feature_alpha_dropout", input, p, training, inplace, 2, alpha=True)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.feature_dropout(input, p, train)``: ``dropout`` with one draw per channel of an (N, C, *) input."""
    return _dropout("feature_dropout", input, p, train, False, 2)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.dropout_``: dropout written into ``input``."""
    return dropout(input, p, train, True)

"""microtensor.nn.utils: gradient clipping and flattening parameters to one vector and back."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

import microtensor as mt
from microtensor.capture import graph_break, record
from microtensor.nn.module import typename
from microtensor.tensor import Tensor


def _as_list(tensors: Tensor | Iterable[Tensor]) -> list[Tensor]:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` together, as if concatenated into one vector (``inf`` for
    the largest absolute value); a 0-d tensor in their dtype."""
    arrays = [t._data for t in _as_list(tensors)]
    norm_type = float(norm_type)
    if not arrays:
        return mt.tensor(0.0)
    total = record(_total_norm, norm_type, *arrays)
    if error_if_nonfinite:
        graph_break("clip_grad_norm_(error_if_nonfinite=True)")
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    return Tensor._make(total)


def _total_norm(norm_type: float, *arrays: np.ndarray) -> np.ndarray:
    """The norm of the arrays' norms (in float64), a 0-d array in their common dtype."""
    norms = [np.linalg.norm(a.reshape(-1), ord=norm_type) for a in arrays]
    return np.asarray(np.linalg.norm(np.array(norms, dtype=np.float64), ord=norm_type), dtype=np.result_type(*arrays))


def _clip_coefficient(max_norm: float, total: np.ndarray) -> np.ndarray:
    """``min(1, max_norm / (total + 1e-6))`` in the total's dtype."""
    return np.asarray(np.minimum(np.asarray(max_norm, dtype=total.dtype) / (total + total.dtype.type(1e-6)), 1.0))


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    """Scale the gradients of ``parameters`` in place by ``min(1, max_norm / (total_norm + 1e-6))``."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    total = total_norm._data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    coef = record(_clip_coefficient, float(max_norm), total)
    # a non-finite total (allowed unless error_if_nonfinite) gives nan gradients, as in PyTorch, without NumPy's
    # warning; the gradients themselves (no detached views) are scaled, so that microtensor.compile sees them
    with mt.no_grad(), np.errstate(invalid="ignore"):
        for g in grads:      # the coefficient in each gradient's dtype, as a Python number would be rounded
            g.mul_(Tensor._make(coef if coef.dtype == g._data.dtype else record(coef.astype, g._data.dtype)))


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Rescale the gradients of ``parameters`` in place so that their total norm is at most ``max_norm``.

    The norm is taken over all gradients together, as if concatenated into one vector; they are multiplied by
    ``min(1, max_norm / (total_norm + 1e-6))`` as PyTorch does.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` is clipped (None grads are skipped).
        max_norm: the largest allowed total norm.
        norm_type: the order of the norm (``float("inf")`` for the largest absolute value).
        error_if_nonfinite: raise when the total norm is nan or inf.

    Returns:
        The total norm of the gradients before clipping, as a 0-d tensor.
    """
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total_norm)
    return total_norm


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient of ``parameters`` to ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    with mt.no_grad():
        for p in _as_list(parameters):
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)   # not a detached view: compile tracks .grad


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All ``parameters`` flattened and concatenated into one vector (differentiable)."""
    return mt.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the vector ``vec`` into ``parameters`` (their ``.data`` becomes a view
    of ``vec``, as in PyTorch)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected microtensor.Tensor, but got: {typename(vec)}")
    pointer = 0
    for param in parameters:
        num_param = param.numel()
        param.data = vec[pointer:pointer + num_param].view_as(param).data
        pointer += num_param


__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
           "parameters_to_vector", "vector_to_parameters"]

"""Views after in-place changes: where a view's elements sit in its base, and its history rebuilt from it.

A view (``x.t()``, ``x[1:]``, ``x.view(6)``, ...) shares its base's memory and version counter
(``Function.apply`` marks it). When the base, or any view of it, is changed in place, the view's
values change with the memory, and its ``grad_fn`` must follow: as PyTorch regenerates a view's
grad_fn from its base when the version moved, ``refresh_view`` makes the view's node a gather of
its elements from the base's current history.
"""
from __future__ import annotations

import numpy as np

from microtensor.autograd.function import MODIFIED, REBASED, restricted_view_message
from microtensor.autograd.grad_mode import enable_grad
from microtensor.tensor import Tensor


def positions_in(root: np.ndarray, view: np.ndarray) -> np.ndarray:
    """For each element of ``view`` (which shares ``root``'s memory), its flat (row-major) index in ``root``."""
    offset = view.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    if root.flags.c_contiguous:
        item = root.itemsize
        flat = np.arange(root.size)
        strides = tuple(s // item * flat.itemsize for s in view.strides)
        return np.lib.stride_tricks.as_strided(flat[offset // item:], view.shape, strides).copy()
    # Any other layout: match the byte address of each view element among the root's addresses.
    root_addresses = _byte_addresses(root.shape, root.strides).ravel()
    order = np.argsort(root_addresses, kind="stable")
    return order[np.searchsorted(root_addresses[order], offset + _byte_addresses(view.shape, view.strides))]


def _byte_addresses(shape: tuple, strides: tuple) -> np.ndarray:
    """The byte offset of every element of an array with ``shape`` and ``strides`` from its first element."""
    addresses = np.zeros((), dtype=np.int64)
    for size, stride in zip(shape, strides):
        addresses = addresses[..., None] + np.arange(size, dtype=np.int64) * stride
    return addresses


def gather_from(root: Tensor, positions: np.ndarray) -> Tensor:
    """A new tensor (never a view) holding ``root``'s elements at flat ``positions``, shaped as ``positions``;
    differentiable in ``root``."""
    flat = Tensor._make(positions.reshape(-1).astype(np.int64, copy=False))
    return root.reshape(-1)[flat].reshape(positions.shape)


def refresh_view(view: Tensor) -> None:
    """Bring a view's ``grad_fn`` up to date after an in-place change of its base or of another view of it:
    its values already are (shared memory); its history becomes a gather from the base's current history."""
    root = view._base
    assert root is not None   # only views come here
    if not root._requires_grad:
        view._view_version = root._vc[0]
        return
    if view._view_meta is not None:
        raise RuntimeError(restricted_view_message(view._view_meta, REBASED))
    with enable_grad():
        fresh = gather_from(root, positions_in(root._data, view._data))
    if fresh._grad_fn is None:    # inference mode: nothing could be recorded; try again on the next use
        return
    view._grad_fn, view._output_nr, view._requires_grad = fresh._grad_fn, fresh._output_nr, True
    view._view_version = root._vc[0]


def check_inplace_on_view(view: Tensor) -> None:
    """PyTorch's refusal of a recorded in-place change of a view made in no_grad mode or returned among
    several views by one op (split, chunk, unbind): the history it should get is ambiguous."""
    if view._view_meta is not None:
        raise RuntimeError(restricted_view_message(view._view_meta, MODIFIED))

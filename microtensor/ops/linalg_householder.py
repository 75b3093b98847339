"""Householder reflectors as LAPACK stores them: torch.geqrf (the compact QR), linalg.householder_product
(and its alias torch.orgqr) and torch.ormqr.

A column i of ``input`` holds the reflector v_i below the diagonal (its entry i an implicit 1), ``tau[i]``
its scale: H_i = I - tau_i v_i v_i^T and Q = H_1 H_2 ... H_k. ``apply_reflectors`` applies them to a matrix
one at a time with Tensor ops (two products each, never forming Q), so the products are differentiable, to
every order, with respect to input, tau and the other operand.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Function
from microtensor.ops.checks import tensor_inputs, torch_dtype_name
from microtensor.ops.linalg import check_matrix, matmul
from microtensor.ops.reduction import return_type
from microtensor.tensor import Tensor

GeqrfResult = return_type("geqrf", ("a", "tau"))


class Geqrf(Function):
    """(a, tau) = LAPACK's compact QR of a (NumPy's ``qr(mode='raw')``, transposed back); no backward, as in
    PyTorch."""
    on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h, tau = np.linalg.qr(a, mode="raw")
        return np.ascontiguousarray(np.swapaxes(h, -1, -2)), tau

    @staticmethod
    def backward(ctx: Function, grad_a: Tensor, grad_tau: Tensor) -> None:
        raise RuntimeError("the derivative for 'geqrf' is not implemented.")


def geqrf(input: Tensor, *, out: Any = None) -> Any:
    """``(a, tau)``: the QR decomposition of (each matrix in) ``input`` as LAPACK's geqrf computes it: R on
    and above the diagonal of ``a``, the Householder reflectors below it, their scales in ``tau`` (k =
    min(m, n)). Not differentiable, as in PyTorch; ``householder_product(a, tau)`` gives Q."""
    tensor_inputs("geqrf", input=input)
    if input._data.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    check_matrix("torch.geqrf", input)
    return GeqrfResult(*Geqrf.apply(input))


def _reflectors(input: Tensor, k: int) -> Tensor:
    """The k reflectors v_i as the columns of an m x k matrix: input's strictly lower part, ones on the diagonal."""
    m = input._data.shape[-2]
    return input[..., :, :k].tril(-1) + Tensor._make(np.eye(m, k, dtype=input._data.dtype))


def apply_reflectors(V: Tensor, tau: Tensor, X: Tensor, left: bool, transpose: bool) -> Tensor:
    """op(Q) X (``left``) or X op(Q), Q = H_1 ... H_k from the reflectors (columns of V) and their scales;
    op transposes with ``transpose``."""
    k = tau._data.shape[-1]
    order = range(k) if left == transpose else range(k - 1, -1, -1)     # the reflector nearest X goes first
    for i in order:
        v, t = V[..., :, i:i + 1], tau[..., i:i + 1].unsqueeze(-1)
        if left:                                         # H X = X - t v (v^T X)
            X = X - t * matmul(v, matmul(v.mT, X))
        else:                                            # X H = X - t (X v) v^T
            X = X - t * matmul(matmul(X, v), v.mT)
    return X


def _check_tau(op: str, input: Tensor, tau: Tensor) -> None:
    if tau._data.ndim != input._data.ndim - 1:
        raise RuntimeError(f"{op}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                           f"{tau.ndim} and input.ndim is equal to {input.ndim}")
    if tau._data.shape[:-1] != input._data.shape[:-2]:
        raise RuntimeError(f"{op}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{list(tau.shape[:-1])}")
    if tau._data.dtype != input._data.dtype:
        raise RuntimeError(f"{op}: tau dtype {torch_dtype_name(tau)} does not match input dtype "
                           f"{torch_dtype_name(input)}")


def householder_product(input: Tensor, tau: Tensor, *, out: Any = None) -> Tensor:
    """The first n columns of Q = H_1 ... H_k for (each) m x n ``input`` holding Householder reflectors below
    its diagonal (as ``geqrf`` returns them) and their scales ``tau`` (k <= n <= m). Differentiable with
    respect to both."""
    op = "torch.linalg.householder_product"
    A = input
    tensor_inputs("linalg.householder_product", input=input, tau=tau)
    if A._data.ndim < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dimensions.")
    m, n = A._data.shape[-2:]
    if m < n:
        raise RuntimeError(f"{op}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if tau._data.ndim and n < tau._data.shape[-1]:
        raise RuntimeError(f"{op}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    _check_tau(op, A, tau)
    check_matrix(op, A)
    eye = Tensor._make(np.broadcast_to(np.eye(m, n, dtype=A._data.dtype), A._data.shape).copy())
    return apply_reflectors(_reflectors(A, tau._data.shape[-1]), tau, eye, True, False)


def orgqr(input: Tensor, input2: Tensor) -> Tensor:
    """Q from the reflectors ``input`` and scales ``input2`` of ``geqrf`` (``torch.orgqr``;
    ``linalg.householder_product``)."""
    return householder_product(input, input2)


def ormqr(input: Tensor, input2: Tensor, input3: Tensor, left: bool = True, transpose: bool = False, *,
          out: Any = None) -> Tensor:
    """op(Q) @ other (``left``) or other @ op(Q) for other = ``input3``, Q the m x m product of the
    Householder reflectors of ``input`` and their scales ``input2`` (tau, as ``geqrf`` returns them), op
    transposing with ``transpose``; Q is never formed. Differentiable with respect to all three."""
    op, tau, other = "torch.ormqr", input2, input3
    tensor_inputs("ormqr", input=input, tau=tau, other=other)
    for name, x in (("input", input), ("other", other)):
        if x._data.ndim < 2:
            raise RuntimeError(f"{op}: {name} must have at least 2 dimensions.")
    if other._data.ndim != input._data.ndim:
        raise RuntimeError(f"{op}: Expected other to have the same number of dimensions as input, but got "
                           f"other.ndim equal to {other.ndim} and input.ndim is equal to {input.ndim}")
    _check_tau(op, input, tau)
    if other._data.dtype != input._data.dtype:
        raise RuntimeError(f"{op}: Expected input and other to have the same dtype, but input has dtype"
                           f"{torch_dtype_name(input)} and other has dtype {torch_dtype_name(other)}")
    side = -2 if left else -1
    if other._data.shape[side] != input._data.shape[-2]:
        raise RuntimeError(f"{op}: other.shape[{side}] must be equal to input.shape[-2]")
    k = min(other._data.shape[side], input._data.shape[-1])
    if tau._data.shape[-1] != k:
        raise RuntimeError(f"{op}: tau.shape[-1] must be equal to min(other.shape[{side}], input.shape[-1])")
    if other._data.shape[:-2] != input._data.shape[:-2]:
        raise RuntimeError(f"{op}: Expected batch dimensions of other to be equal to input.shape[:-2], but got "
                           f"{list(other.shape[:-2])}")
    check_matrix(op, input)
    return apply_reflectors(_reflectors(input, k), tau, other, bool(left), bool(transpose))

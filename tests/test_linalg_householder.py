"""Householder reflectors: torch.geqrf (LAPACK's compact QR), linalg.householder_product / torch.orgqr and
torch.ormqr: values against PyTorch (geqrf's a and tau exactly as LAPACK's), finite differences (first and
second order) of the products with respect to the reflectors, their scales and the other operand, PyTorch's
gradients and errors."""
import numpy as np
import pytest
from helpers import (
    check_gradients,
    compare_with_torch,
    matrix_op_inputs,
    raises_starting_with,
    requires_torch,
    seeds,
    torch,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt


def _tall(rng, batch, n):
    return rng.standard_normal(batch + (n + 1, n))


def _tau(rng, batch, n):
    return rng.uniform(0.2, 1.8, batch + (n,))


def _tau_short(rng, batch, n):
    return rng.uniform(0.2, 1.8, batch + (max(n - 1, 1),))


def _left(rng, batch, n):
    return rng.standard_normal(batch + (n + 1, 2))


def _right(rng, batch, n):
    return rng.standard_normal(batch + (2, n + 1))


OPS = {
    "householder_product": (lambda T, a, t: T.linalg.householder_product(a, t), (_tall, _tau)),
    "householder_product_fewer_tau": (lambda T, a, t: T.linalg.householder_product(a, t), (_tall, _tau_short)),
    "orgqr": (lambda T, a, t: T.orgqr(a, t), (_tall, _tau)),
    "orgqr_method": (lambda T, a, t: a.orgqr(t), (_tall, _tau)),
    "ormqr": (lambda T, a, t, c: T.ormqr(a, t, c), (_tall, _tau, _left)),
    "ormqr_transpose": (lambda T, a, t, c: T.ormqr(a, t, c, transpose=True), (_tall, _tau, _left)),
    "ormqr_right": (lambda T, a, t, c: a.ormqr(t, c, left=False), (_tall, _tau, _right)),
    "ormqr_right_transpose": (lambda T, a, t, c: T.ormqr(a, t, c, left=False, transpose=True), (_tall, _tau, _right)),
}


@pytest.mark.parametrize("name", OPS)
@given(batch=st.sampled_from([(), (1,), (2,)]), n=st.integers(1, 3), seed=seeds)
@settings(max_examples=5, deadline=None, derandomize=True)
def test_gradcheck(name, batch, n, seed):
    f = OPS[name][0]
    check_gradients(lambda *xs: f(mt, *xs), *matrix_op_inputs(OPS[name][1], seed, batch, n))


@requires_torch
@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("batch", [(), (2,)])
def test_matches_torch(name, batch):
    f = OPS[name][0]
    inputs = matrix_op_inputs(OPS[name][1], 3, batch, 3)
    compare_with_torch(lambda *xs: f(mt, *xs), *inputs, torch_fn=lambda *xs: f(torch, *xs),
                       rtol=1e-7, atol=1e-9)


@requires_torch
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4), (0, 3, 2), (1, 1)])
def test_geqrf_matches_torch_and_rebuilds_q(shape):
    a = np.random.default_rng(0).standard_normal(shape)
    ours, theirs = mt.geqrf(mt.tensor(a)), torch.geqrf(torch.tensor(a))
    assert type(ours).__name__ == "geqrf" and ours._fields == ("a", "tau")
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(o.numpy(), t.numpy(), atol=1e-12)
    if shape[-2] >= shape[-1]:
        q = mt.linalg.householder_product(*ours)
        np.testing.assert_allclose((q @ ours.a.triu()[..., :shape[-1], :]).numpy(), a, atol=1e-12)


def test_geqrf_has_no_derivative():
    a, _ = mt.randn(3, 3, requires_grad=True).geqrf()
    with pytest.raises(RuntimeError, match="the derivative for 'geqrf' is not implemented."):
        a.sum().backward()


ERRORS = [
    (lambda: mt.geqrf(mt.ones(3)), "torch.geqrf: input must have at least 2 dimensions."),
    (lambda: mt.linalg.householder_product(mt.ones(4), mt.ones(1)),
     "torch.linalg.householder_product: input must have at least 2 dimensions."),
    (lambda: mt.linalg.householder_product(mt.ones(3, 4), mt.ones(2)),
     "torch.linalg.householder_product: input.shape[-2] must be greater than or equal to input.shape[-1]"),
    (lambda: mt.linalg.householder_product(mt.ones(4, 3), mt.ones(4)),
     "torch.linalg.householder_product: input.shape[-1] must be greater than or equal to tau.shape[-1]"),
    (lambda: mt.linalg.householder_product(mt.ones(2, 4, 3), mt.ones(3, 2)),
     "torch.linalg.householder_product: Expected batch dimensions of tau to be equal to input.shape[:-2], but got [3]"),
    (lambda: mt.linalg.householder_product(mt.ones(4, 3), mt.ones(2, dtype=mt.float64)),
     "torch.linalg.householder_product: tau dtype Double does not match input dtype Float"),
    (lambda: mt.linalg.householder_product(mt.ones(4, 3), mt.ones(2, 2)),
     "torch.linalg.householder_product: Expected tau to have one dimension less than input, but got tau.ndim equal "
     "to 2 and input.ndim is equal to 2"),
    (lambda: mt.ormqr(mt.ones(4, 3), mt.ones(2), mt.ones(5, 2)),
     "torch.ormqr: other.shape[-2] must be equal to input.shape[-2]"),
    (lambda: mt.ormqr(mt.ones(4, 3), mt.ones(4), mt.ones(4, 2)),
     "torch.ormqr: tau.shape[-1] must be equal to min(other.shape[-2], input.shape[-1])"),
    (lambda: mt.ormqr(mt.ones(4, 3), mt.ones(2), mt.ones(4)), "torch.ormqr: other must have at least 2 dimensions."),
    (lambda: mt.ormqr(mt.ones(4, 3), mt.ones(3), mt.ones(2, 5), left=False),
     "torch.ormqr: other.shape[-1] must be equal to input.shape[-2]"),
    (lambda: mt.ormqr(mt.ones(3, 4, 3), mt.ones(3, 3), mt.ones(4, 2)),
     "torch.ormqr: Expected other to have the same number of dimensions as input, but got other.ndim equal to 2 and "
     "input.ndim is equal to 3"),
    (lambda: mt.ormqr(mt.ones(4, 3), mt.ones(3), mt.ones(4, 2, dtype=mt.float64)),
     "torch.ormqr: Expected input and other to have the same dtype, but input has dtypeFloat and other has dtype "
     "Double"),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors(k):
    raises_starting_with(*ERRORS[k])

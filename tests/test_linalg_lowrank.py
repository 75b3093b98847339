"""torch.svd_lowrank and torch.pca_lowrank: randomized, so compared with PyTorch through what does not
depend on the sketch (singular values, the projectors U U^T and V V^T of an exactly low-rank input);
finite differences (first and second order) where q covers the rank, so the result is the exact SVD."""
import numpy as np
import pytest
from helpers import check_gradients, requires_torch, torch

import microtensor as mt


def _low_rank(seed, batch, m, n, rank):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(batch + (m, rank)) @ rng.standard_normal(batch + (rank, n))


def _projector(X):
    return X @ np.swapaxes(X, -1, -2)


@requires_torch
@pytest.mark.parametrize("fn", ["svd_lowrank", "pca_lowrank"])
@pytest.mark.parametrize("shape", [(30, 12), (12, 30), (2, 20, 15)])
@pytest.mark.parametrize("kwargs", [{"q": 4}, {"q": 4, "niter": 0}, {"q": 5, "niter": 3}])
def test_subspaces_match_torch(fn, shape, kwargs):
    a = _low_rank(0, shape[:-2], *shape[-2:], rank=4)
    ours, theirs = getattr(mt, fn)(mt.tensor(a), **kwargs), getattr(torch, fn)(torch.tensor(a), **kwargs)
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape) and o.dtype.name == str(t.dtype)[6:]
    k = 4 if fn == "svd_lowrank" else 3             # centering takes one dimension off a rank-4 matrix
    np.testing.assert_allclose(ours[1].numpy()[..., :k], theirs[1].numpy()[..., :k], rtol=1e-9)
    for o, t in ((ours[0], theirs[0]), (ours[2], theirs[2])):
        np.testing.assert_allclose(_projector(o.numpy()[..., :k]), _projector(t.numpy()[..., :k]), atol=1e-9)


def test_reconstructs_a_low_rank_matrix_and_its_mean():
    a = _low_rank(1, (), 40, 25, rank=3) + 5.0
    U, S, V = mt.pca_lowrank(mt.tensor(a), q=4)
    centered = a - a.mean(0)
    np.testing.assert_allclose(((U * S) @ V.mT).numpy(), centered, atol=1e-9)
    U, S, V = mt.svd_lowrank(mt.tensor(a), q=4, M=mt.tensor(a.mean(0, keepdims=True)))
    np.testing.assert_allclose(((U * S) @ V.mT).numpy(), centered, atol=1e-9)


def test_same_seed_same_result():
    a = mt.tensor(_low_rank(2, (), 10, 8, rank=8))
    mt.manual_seed(0)
    first = mt.svd_lowrank(a, q=3, niter=0)
    mt.manual_seed(0)
    second = mt.svd_lowrank(a, q=3, niter=0)
    for x, y in zip(first, second):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


@pytest.mark.parametrize("fn", ["svd_lowrank", "pca_lowrank"])
@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 4, 3)])
def test_gradcheck_at_full_q(fn, shape):
    q = min(shape[-2:]) - (fn == "pca_lowrank" and shape[-2] <= shape[-1])

    def f(a):
        mt.manual_seed(0)
        U, S, V = getattr(mt, fn)(a, q=q)
        return S, (U * S.unsqueeze(-2)) @ V.mT

    check_gradients(f, np.random.default_rng(3).standard_normal(shape))


@pytest.mark.parametrize("kwargs, message", [({"q": 5}, r"q\(=5\) must be non-negative integer and not greater than "
                                                        r"min\(m, n\)=3"),
                                             ({"q": -1}, r"q\(=-1\) must be non-negative"),
                                             ({"niter": -1}, r"niter\(=-1\) must be non-negative integer")])
def test_pca_lowrank_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mt.pca_lowrank(mt.ones(4, 3), **kwargs)

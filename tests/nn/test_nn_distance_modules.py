"""Softmax2d, CosineSimilarity and PairwiseDistance against PyTorch's modules; RNNBase at nn's top level."""
import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor import nn

RNG = np.random.default_rng(0)
X1, X2 = RNG.standard_normal((4, 5)), RNG.standard_normal((1, 5))
IMAGES = RNG.standard_normal((2, 3, 4, 4))

CASES = {
    "softmax2d_4d": (lambda L: L.nn.Softmax2d(), (IMAGES,)),
    "softmax2d_3d": (lambda L: L.nn.Softmax2d(), (IMAGES[0],)),
    "cosine": (lambda L: L.nn.CosineSimilarity(), (X1, X2)),
    "cosine_dim0": (lambda L: L.nn.CosineSimilarity(dim=0, eps=1e-6), (X1, X1[::-1].copy())),
    "pairwise": (lambda L: L.nn.PairwiseDistance(), (X1, X2)),
    "pairwise_p1_keepdim": (lambda L: L.nn.PairwiseDistance(p=1.0, eps=1e-3, keepdim=True), (X1, X2)),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(CASES))
def test_module_matches_torch(name):
    make, arrays = CASES[name]
    results = []
    for lib in (mt, torch):
        inputs = [lib.tensor(a, requires_grad=True) for a in arrays]
        module = make(lib)
        out = module(*inputs)
        (out * lib.tensor(np.linspace(0.5, 2.0, out.numel()).reshape(tuple(out.shape)))).sum().backward()
        results.append((out.detach().numpy(), [t.grad.numpy() for t in inputs], repr(module)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10)
    for ours, theirs in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    assert results[0][2] == results[1][2]


def test_softmax2d_rejects_other_ranks_as_torch():
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D instead"):
        nn.Softmax2d()(mt.ones(2, 2))


def test_attributes_and_torch_paths():
    from microtensor.nn.modules.activation import Softmax2d
    from microtensor.nn.modules.distance import CosineSimilarity, PairwiseDistance
    assert (Softmax2d, CosineSimilarity, PairwiseDistance) == (nn.Softmax2d, nn.CosineSimilarity, nn.PairwiseDistance)
    d = nn.PairwiseDistance(p=3.0, eps=0.1, keepdim=True)
    assert (d.norm, d.eps, d.keepdim) == (3.0, 0.1, True)
    assert issubclass(nn.LSTM, nn.RNNBase)

"""A graph convolution network on a sparse normalised adjacency, as GCN examples write it: the loss
trajectory of microtensor and PyTorch from the same weights, with Adam."""
import numpy as np
import pytest
from helpers import requires_torch

import microtensor as mt

# torch notes once per process that it does not check sparse invariants by default (microtensor always does)
pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks are implicitly disabled")

N_NODES, N_FEATURES, HIDDEN, N_CLASSES, STEPS = 30, 8, 16, 3, 15


def graph(seed=0):
    """A random undirected graph with self loops as edge lists, node features, labels, a training mask."""
    rng = np.random.default_rng(seed)
    adjacency = (rng.random((N_NODES, N_NODES)) < 0.12).astype(np.float32)
    adjacency = np.maximum(adjacency, adjacency.T)
    features = rng.standard_normal((N_NODES, N_FEATURES)).astype(np.float32)
    labels = rng.integers(0, N_CLASSES, N_NODES)
    train = np.arange(N_NODES) < 20
    return adjacency, features, labels, train


def run(lib, weights):
    """The script, written once against ``lib`` (microtensor or torch): D^-1/2 (A + I) D^-1/2 built densely,
    made sparse, then a 2-layer GCN trained with Adam. Returns the losses."""
    adjacency, features, labels, train = graph()
    a_hat = lib.tensor(adjacency) + lib.eye(N_NODES)
    degree = a_hat.sum(1)
    d_inv_sqrt = degree.pow(-0.5)
    adj = (d_inv_sqrt[:, None] * a_hat * d_inv_sqrt[None, :]).to_sparse()
    # the edge-list path of other examples: the same matrix through sparse_coo_tensor and sparse.sum
    coo = adj.coalesce()
    again = lib.sparse_coo_tensor(coo.indices(), coo.values(), (N_NODES, N_NODES))
    assert np.allclose(lib.sparse.sum(again, dim=1).to_dense().numpy(), adj.to_dense().sum(1).numpy())

    w1, w2 = (lib.tensor(w, requires_grad=True) for w in weights)
    x, y, mask = lib.tensor(features), lib.tensor(labels), lib.tensor(train)
    optimizer = lib.optim.Adam([w1, w2], lr=0.01, weight_decay=5e-4)
    losses = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        hidden = lib.relu(lib.sparse.mm(adj, x @ w1))
        logits = lib.spmm(again, hidden @ w2)
        loss = lib.nn.functional.cross_entropy(logits[mask], y[mask])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def initial_weights():
    rng = np.random.default_rng(1)
    return [rng.standard_normal((N_FEATURES, HIDDEN)).astype(np.float32) * 0.3,
            rng.standard_normal((HIDDEN, N_CLASSES)).astype(np.float32) * 0.3]


def test_gcn_trains():
    losses = run(mt, initial_weights())
    assert losses[-1] < losses[0] and all(np.isfinite(losses))


@requires_torch
def test_gcn_loss_trajectory_matches_torch():
    import torch.optim  # noqa: F401 - lib.optim below
    ours, theirs = run(mt, initial_weights()), run(torch, initial_weights())
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)

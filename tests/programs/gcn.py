"""A graph convolutional network (Kipf & Welling) written as the popular ``pygcn`` code is: ``GraphConvolution``
layers whose parameters are made with the legacy constructor ``torch.FloatTensor(in, out)`` and initialised in
``reset_parameters`` by ``.data.uniform_``, propagation with ``torch.spmm(adj, x @ W)`` on a row-normalised sparse
adjacency built by ``torch.sparse_coo_tensor``, node features and labels made with ``torch.FloatTensor`` /
``torch.LongTensor``, Adam with weight decay, full-batch training on a split of the nodes, ``accuracy`` through
``type_as`` and ``Tensor.type``. Dropout 0 so both libraries draw nothing.

``run(torch, steps, data, weights)`` trains ``steps`` epochs and reports the training and validation losses of each,
then the test loss (``model.eval()`` under ``torch.no_grad()``).
"""
from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np
from harness import Weights, load_weights

NODES = 60
CLASSES = 3
FEATURES = 12
HIDDEN = 16


def make_data(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A graph of three communities (nodes in random order, edges mostly inside a community), noisy bag-of-words
    features, the adjacency ``D^-1 (A + I)`` in COO form and the features row-normalised, as pygcn's ``load_data``
    prepares Cora."""
    labels = rng.permutation(np.repeat(np.arange(CLASSES), NODES // CLASSES))
    same = labels[:, None] == labels[None, :]
    upper = np.triu(rng.random((NODES, NODES)) < np.where(same, 0.15, 0.01), 1)
    adj = (upper | upper.T).astype(np.float32) + np.eye(NODES, dtype=np.float32)
    adj /= adj.sum(1, keepdims=True)
    row, col = np.nonzero(adj)
    words = (rng.random((NODES, FEATURES)) < 0.2) | (np.arange(FEATURES)[None, :] % CLASSES == labels[:, None])
    features = words / words.sum(1, keepdims=True)
    return {"features": features.astype(np.float32), "labels": np.eye(CLASSES, dtype=np.int64)[labels],
            "adj_row": row, "adj_col": col, "adj_data": adj[row, col], "adj_shape": np.array(adj.shape)}


def build(torch: ModuleType) -> dict[str, Any]:
    """pygcn's two-layer ``GCN``."""
    nn = torch.nn
    F = torch.nn.functional
    Module = torch.nn.Module
    Parameter = torch.nn.parameter.Parameter

    class GraphConvolution(Module):
        """Simple GCN layer, similar to https://arxiv.org/abs/1609.02907"""

        def __init__(self, in_features, out_features, bias=True):
            super().__init__()
            self.in_features = in_features
            self.out_features = out_features
            self.weight = Parameter(torch.FloatTensor(in_features, out_features))
            if bias:
                self.bias = Parameter(torch.FloatTensor(out_features))
            else:
                self.register_parameter('bias', None)
            self.reset_parameters()

        def reset_parameters(self):
            stdv = 1. / math.sqrt(self.weight.size(1))
            self.weight.data.uniform_(-stdv, stdv)
            if self.bias is not None:
                self.bias.data.uniform_(-stdv, stdv)

        def forward(self, input, adj):
            support = torch.mm(input, self.weight)
            output = torch.spmm(adj, support)
            if self.bias is not None:
                return output + self.bias
            return output

        def __repr__(self):
            return self.__class__.__name__ + ' (' + str(self.in_features) + ' -> ' + str(self.out_features) + ')'

    class GCN(nn.Module):
        def __init__(self, nfeat, nhid, nclass, dropout):
            super().__init__()

            self.gc1 = GraphConvolution(nfeat, nhid)
            self.gc2 = GraphConvolution(nhid, nclass)
            self.dropout = dropout

        def forward(self, x, adj):
            x = F.relu(self.gc1(x, adj))
            x = F.dropout(x, self.dropout, training=self.training)
            x = self.gc2(x, adj)
            return F.log_softmax(x, dim=1)

    return {"model": GCN(nfeat=FEATURES, nhid=HIDDEN, nclass=CLASSES, dropout=0.0)}


def run(torch: ModuleType, steps: int, data: dict[str, np.ndarray], weights: Weights | None = None) -> list[float]:
    """Train ``steps`` epochs; ``loss_train`` and ``loss_val`` of each, then the test loss."""
    F = torch.nn.functional
    optim = torch.optim
    losses = []

    def sparse_mx_to_torch_sparse_tensor(row, col, values, shape):
        """Convert a COO matrix's arrays to a torch sparse tensor."""
        indices = torch.from_numpy(np.vstack((row, col)).astype(np.int64))
        values = torch.from_numpy(values)
        shape = torch.Size(shape.tolist())
        return torch.sparse_coo_tensor(indices, values, shape)

    def accuracy(output, labels):
        preds = output.max(1)[1].type_as(labels)
        correct = preds.eq(labels).type(torch.FloatTensor)
        correct = correct.sum()
        return correct / len(labels)

    def train(epoch):
        model.train()
        optimizer.zero_grad()
        output = model(features, adj)
        loss_train = F.nll_loss(output[idx_train], labels[idx_train])
        acc_train = accuracy(output[idx_train], labels[idx_train])
        loss_train.backward()
        optimizer.step()

        # Evaluate validation set performance separately, deactivates dropout during validation run.
        model.eval()
        output = model(features, adj)
        loss_val = F.nll_loss(output[idx_val], labels[idx_val])
        acc_val = accuracy(output[idx_val], labels[idx_val])
        assert 0 <= acc_train.item() <= 1 and 0 <= acc_val.item() <= 1
        losses.extend([loss_train.item(), loss_val.item()])

    def test():
        model.eval()
        with torch.no_grad():
            output = model(features, adj)
            loss_test = F.nll_loss(output[idx_test], labels[idx_test])
        losses.append(loss_test.item())

    cuda = torch.cuda.is_available()
    torch.manual_seed(42)
    if cuda:
        torch.cuda.manual_seed(42)

    adj = sparse_mx_to_torch_sparse_tensor(data["adj_row"], data["adj_col"], data["adj_data"], data["adj_shape"])
    features = torch.FloatTensor(data["features"])
    labels = torch.LongTensor(np.where(data["labels"])[1])
    idx_train = range(20)
    idx_val = range(20, 40)
    idx_test = range(40, NODES)
    idx_train = torch.LongTensor(idx_train)
    idx_val = torch.LongTensor(idx_val)
    idx_test = torch.LongTensor(idx_test)

    models = build(torch)
    load_weights(torch, models, weights)
    model = models["model"]
    optimizer = optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    if cuda:
        model.cuda()
        features = features.cuda()
        adj = adj.cuda()
        labels = labels.cuda()

    for epoch in range(steps):
        train(epoch)
    test()
    return losses

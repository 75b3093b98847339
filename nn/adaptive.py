"""AdaptiveLogSoftmaxWithLoss: the adaptive softmax of Grave et al. (2017), "Efficient softmax approximation
for GPUs", for large vocabularies.

The frequent classes (below ``cutoffs[0]``) form a shortlist scored by the head together with one entry per
cluster of rarer classes; a class in a cluster has the head's log-probability of its cluster plus its
log-probability within the cluster, scored by a smaller projection (``in_features // div_value ** (i + 1)``
features) of the cluster's own. Only the rows whose target falls in a cluster go through that cluster.
"""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence

import numpy as np

import microtensor as mt
from microtensor.nn import functional as F
from microtensor.nn.container import ModuleList, Sequential
from microtensor.nn.linear import Linear
from microtensor.nn.module import Module
from microtensor.tensor import Tensor

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])    # PyTorch's name for the (output, loss) pair


class AdaptiveLogSoftmaxWithLoss(Module):
    """The adaptive softmax: log-probabilities of targets among ``n_classes`` classes, the rarer ones in clusters.

    Args:
        in_features: the number of features of each input row.
        n_classes: the number of classes.
        cutoffs: increasing class indices in [1, n_classes - 1] where the clusters start; the classes below the
            first form the shortlist.
        div_value: the i-th cluster (from 0) projects the input to ``in_features // div_value ** (i + 1)``
            features.
        head_bias: whether the head has a bias.
        dtype: the parameters' dtype.

    ``forward(input, target)`` returns the named tuple ``(output, loss)``: each row's log-probability of its
    target, and the mean negative log-likelihood.
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int], div_value: float = 4.0,
                 head_bias: bool = False, device: object = None, dtype: mt.dtype | None = None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             "order, where each value is between 1 and n_classes-1")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            self.tail.append(Sequential(Linear(in_features, hidden, bias=False, dtype=dtype),
                                        Linear(hidden, self.cutoffs[i + 1] - self.cutoffs[i], bias=False,
                                               dtype=dtype)))

    def reset_parameters(self) -> None:
        """Re-initialise the head and every cluster's projections as ``Linear`` does."""
        self.head.reset_parameters()
        for projection in self.tail:
            for layer in projection.children():
                layer.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        """``(output, loss)``: the log-probability of each row's target (N,) or () for a 1-D input and 0-d
        target, and the mean of ``-output``."""
        if target_.ndim == 1:
            if input_.shape[0] != target_.shape[0]:
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input_.ndim != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with size "
                                   f"{input_.shape}")
        elif target_.ndim == 0:
            if input_.ndim != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with size "
                                   f"{input_.shape}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = target_.ndim > 0
        input = input_ if batched else input_.unsqueeze(0)
        target = target_._data.reshape(-1)
        if target.size and (target.min() < 0 or target.max() >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{target.min()}, {target.max()}] were found. ")
        cluster = np.searchsorted(self.cutoffs, target, side="right")       # 0: the shortlist
        head_index = np.where(cluster == 0, target, self.shortlist_size + cluster - 1)
        head_logprob = F.log_softmax(self.head(input), dim=1)
        output = head_logprob.gather(1, Tensor._make(head_index[:, None])).squeeze(1)
        for i in range(1, self.n_clusters + 1):
            rows = np.flatnonzero(cluster == i)
            if rows.size == 0:
                continue
            in_cluster = Tensor._make(target[rows, None] - self.cutoffs[i - 1])
            cluster_logprob = F.log_softmax(self.tail[i - 1](input[Tensor._make(rows)]), dim=1)
            output = output.index_add(0, Tensor._make(rows), cluster_logprob.gather(1, in_cluster).squeeze(1))
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        """The (N, n_classes) log-probabilities from ``input`` and the head's output for it."""
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i, projection in enumerate(self.tail):
            parts.append(F.log_softmax(projection(input), dim=1)
                         + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return mt.cat(parts, dim=1)

    def log_prob(self, input: Tensor) -> Tensor:
        """The log-probabilities of every class for each row of the (N, in_features) ``input``: (N, n_classes)."""
        return self._full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """The most probable class of each row: ``log_prob(input).argmax(dim=1)``, with the clusters evaluated
        only for the rows whose head prefers a cluster to every shortlist class."""
        head_output = self.head(input)
        output = head_output.argmax(dim=1)
        rare = output._data >= self.shortlist_size
        if not rare.any():
            return output
        if rare.all():
            return self._full_log_prob(input, head_output).argmax(dim=1)
        picked = Tensor._make(rare)
        output[picked] = self._full_log_prob(input[picked], head_output[picked]).argmax(dim=1)
        return output

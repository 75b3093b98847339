"""Empty tensors through forward and backward wherever PyTorch takes them: linear layers and matmul with a zero
dim, convolution and pooling of an empty batch, normalization, reductions, shape ops, cat/stack, indexing and
index assignment with empty indices, embedding, and the losses of an empty batch (NaN for 'mean', 0 for 'sum').
Each case checks its shape, dtype and hard-coded value (and that an empty output gives zero gradients) always,
and values, gradients and warnings against PyTorch when it is installed; where PyTorch raises, so does
microtensor, with the same exception type."""
import warnings

import numpy as np
import pytest
from helpers import compare_with_torch, requires_torch, torch

import microtensor as mt

_rng = np.random.default_rng(0)


def A(*shape):
    """A float64 standard-normal array."""
    return _rng.standard_normal(shape)


def LONG(*shape):
    return np.zeros(shape, np.int64)


def empty(*shape):
    """The expected value of an empty result."""
    return lambda *arrays: np.zeros(shape)


NAN = lambda *arrays: np.float64(np.nan)        # noqa: E731 - the mean of nothing
ZERO = lambda *arrays: np.float64(0.0)          # noqa: E731 - the sum of nothing


def F(L):
    return L.nn.functional


def assign(L, x, v, index):
    """A copy of ``x`` with ``v`` assigned at ``index(L)``."""
    y = x * 1
    y[index(L)] = v
    return y


# name -> (the op on library L and its inputs, input arrays, the expected value from the input arrays)
CASES = {
    # linear layers and matmul with a zero dim
    "linear_in0": (lambda L, x, w, b: F(L).linear(x, w, b), (A(2, 0), A(3, 0), A(3)),
                   lambda x, w, b: np.broadcast_to(b, (2, 3))),
    "linear_out0": (lambda L, x, w, b: F(L).linear(x, w, b), (A(2, 4), A(0, 4), A(0)), empty(2, 0)),
    "linear_batch0": (lambda L, x, w, b: F(L).linear(x, w, b), (A(0, 4), A(3, 4), A(3)), empty(0, 3)),
    "Linear_in0": (lambda L, x: (L.manual_seed(0), L.nn.Linear(0, 3, dtype=L.float64))[1](x), (A(2, 0),), None),
    "Linear_out0": (lambda L, x: L.nn.Linear(3, 0, dtype=L.float64)(x), (A(2, 3),), empty(2, 0)),
    "matmul_inner0": (lambda L, a, b: a @ b, (A(2, 0), A(0, 3)), lambda a, b: np.zeros((2, 3))),
    "matmul_rows0": (lambda L, a, b: a @ b, (A(0, 4), A(4, 3)), empty(0, 3)),
    "matmul_cols0": (lambda L, a, b: a @ b, (A(2, 4), A(4, 0)), empty(2, 0)),
    "matmul_batch0": (lambda L, a, b: a @ b, (A(0, 2, 4), A(4, 3)), empty(0, 2, 3)),
    "matmul_vec0": (lambda L, a, b: a @ b, (A(0), A(0)), ZERO),
    "matmul_mv0": (lambda L, a, b: a @ b, (A(3, 0), A(0)), lambda a, b: np.zeros(3)),
    "bmm_inner0": (lambda L, a, b: L.bmm(a, b), (A(2, 3, 0), A(2, 0, 4)), lambda a, b: np.zeros((2, 3, 4))),
    "einsum_inner0": (lambda L, a, b: L.einsum("ij,jk->ik", a, b), (A(2, 0), A(0, 3)),
                      lambda a, b: np.zeros((2, 3))),
    # convolution and pooling of an empty batch
    "conv1d_n0": (lambda L, x, w, b: F(L).conv1d(x, w, b, stride=2, padding=1, dilation=2),
                  (A(0, 2, 7), A(3, 2, 3), A(3)), empty(0, 3, 3)),
    "conv2d_n0": (lambda L, x, w, b: F(L).conv2d(x, w, b, padding=1), (A(0, 2, 5, 5), A(3, 2, 3, 3), A(3)),
                  empty(0, 3, 5, 5)),
    "conv2d_n0_groups": (lambda L, x, w: F(L).conv2d(x, w, groups=2, stride=2), (A(0, 4, 5, 5), A(4, 2, 3, 3)),
                         empty(0, 4, 2, 2)),
    "Conv2d_n0": (lambda L, x: (L.manual_seed(0), L.nn.Conv2d(2, 3, 3, dtype=L.float64))[1](x), (A(0, 2, 5, 5),),
                  empty(0, 3, 3, 3)),
    "conv_transpose2d_n0": (lambda L, x, w, b: F(L).conv_transpose2d(x, w, b, stride=2),
                            (A(0, 2, 3, 3), A(2, 3, 2, 2), A(3)), empty(0, 3, 6, 6)),
    "conv3d_n0": (lambda L, x, w, b: F(L).conv3d(x, w, b, padding=1, groups=2),
                  (A(0, 2, 3, 4, 3), A(4, 1, 2, 3, 2), A(4)), empty(0, 4, 4, 4, 4)),
    "Conv3d_n0": (lambda L, x: (L.manual_seed(0), L.nn.Conv3d(2, 3, 2, dtype=L.float64))[1](x), (A(0, 2, 3, 3, 3),),
                  empty(0, 3, 2, 2, 2)),
    "conv_transpose1d_n0": (lambda L, x, w, b: F(L).conv_transpose1d(x, w, b, stride=2, output_padding=1),
                            (A(0, 2, 3), A(2, 3, 2), A(3)), empty(0, 3, 7)),
    "conv_transpose3d_n0": (lambda L, x, w: F(L).conv_transpose3d(x, w, stride=(1, 2, 1), padding=1),
                            (A(0, 2, 3, 3, 3), A(2, 3, 3, 2, 3)), empty(0, 3, 3, 4, 3)),
    "unfold_n0": (lambda L, x: F(L).unfold(x, 2), (A(0, 2, 3, 3),), empty(0, 8, 4)),
    "fold_n0": (lambda L, x: F(L).fold(x, (3, 3), 2), (A(0, 8, 4),), empty(0, 2, 3, 3)),
    "max_pool1d_n0": (lambda L, x: F(L).max_pool1d(x, 2), (A(0, 2, 4),), empty(0, 2, 2)),
    "max_pool2d_n0": (lambda L, x: F(L).max_pool2d(x, 2), (A(0, 2, 4, 4),), empty(0, 2, 2, 2)),
    "max_pool2d_n0_indices": (lambda L, x: F(L).max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True),
                              (A(0, 2, 5, 5),), None),
    "max_pool3d_n0_indices": (lambda L, x: F(L).max_pool3d(x, 3, 2, 1, ceil_mode=True, return_indices=True),
                              (A(0, 2, 5, 4, 5),), None),
    "avg_pool3d_n0": (lambda L, x: F(L).avg_pool3d(x, 3, 2, 1, count_include_pad=False), (A(0, 2, 5, 4, 5),),
                      empty(0, 2, 3, 2, 3)),
    "lp_pool3d_n0": (lambda L, x: F(L).lp_pool3d(x, 2, 2), (A(0, 2, 4, 4, 4),), empty(0, 2, 2, 2, 2)),
    "avg_pool1d_n0": (lambda L, x: F(L).avg_pool1d(x, 2), (A(0, 2, 4),), empty(0, 2, 2)),
    "avg_pool2d_n0": (lambda L, x: F(L).avg_pool2d(x, 3, 2, 1, count_include_pad=False), (A(0, 2, 5, 5),),
                      empty(0, 2, 3, 3)),
    "adaptive_avg_pool2d_n0": (lambda L, x: F(L).adaptive_avg_pool2d(x, 1), (A(0, 2, 4, 4),), empty(0, 2, 1, 1)),
    "adaptive_max_pool2d_n0": (lambda L, x: F(L).adaptive_max_pool2d(x, 2), (A(0, 2, 4, 4),), empty(0, 2, 2, 2)),
    # normalization
    "batch_norm_train_n0": (lambda L, x, w, b: F(L).batch_norm(x, None, None, w, b, training=True),
                            (A(0, 3, 2, 2), A(3), A(3)), empty(0, 3, 2, 2)),
    "batch_norm_train_c0": (lambda L, x: F(L).batch_norm(x, None, None, training=True), (A(2, 0),), empty(2, 0)),
    "batch_norm_eval_n0": (lambda L, x, w, b: F(L).batch_norm(x, L.zeros(3, dtype=L.float64),
                                                               L.ones(3, dtype=L.float64), w, b),
                           (A(0, 3), A(3), A(3)), empty(0, 3)),
    "BatchNorm1d_n0": (lambda L, x: L.nn.BatchNorm1d(3, dtype=L.float64)(x), (A(0, 3),), empty(0, 3)),
    "instance_norm_n0": (lambda L, x: F(L).instance_norm(x), (A(0, 3, 4),), empty(0, 3, 4)),
    "instance_norm_length0": (lambda L, x: F(L).instance_norm(x), (A(2, 3, 0),), empty(2, 3, 0)),
    "layer_norm_n0": (lambda L, x, w, b: F(L).layer_norm(x, (4,), w, b), (A(0, 4), A(4), A(4)), empty(0, 4)),
    "layer_norm_shape0": (lambda L, x, w, b: F(L).layer_norm(x, (0,), w, b), (A(2, 0), A(0), A(0)), empty(2, 0)),
    "group_norm_n0": (lambda L, x, w, b: F(L).group_norm(x, 2, w, b), (A(0, 4, 3), A(4), A(4)), empty(0, 4, 3)),
    "group_norm_length0": (lambda L, x: F(L).group_norm(x, 2), (A(2, 4, 0),), empty(2, 4, 0)),
    "group_norm_c0": (lambda L, x: F(L).group_norm(x, 1), (A(2, 0, 3),), empty(2, 0, 3)),
    # reductions
    "sum_all": (lambda L, x: x.sum(), (A(2, 0),), ZERO),
    "sum_dim": (lambda L, x: x.sum(1, keepdim=True), (A(2, 0),), lambda x: np.zeros((2, 1))),
    "sum_int": (lambda L, x: x.sum(), (LONG(0, 3),), lambda x: np.int64(0)),
    "mean_all": (lambda L, x: x.mean(), (A(0, 3),), NAN),
    "mean_all_float32": (lambda L, x: x.mean(), (A(0).astype(np.float32),), NAN),
    "mean_dim": (lambda L, x: x.mean(0), (A(0, 3),), lambda x: np.full(3, np.nan)),
    "mean_dim_empty_out": (lambda L, x: x.mean(1), (A(0, 3),), empty(0)),
    "prod_all": (lambda L, x: x.prod(), (A(0),), lambda x: np.float64(1.0)),
    "prod_dim": (lambda L, x: x.prod(0), (A(0, 3),), lambda x: np.ones(3)),
    "logsumexp_dim": (lambda L, x: L.logsumexp(x, 1), (A(2, 0),), lambda x: np.full(2, -np.inf)),
    "logsumexp_empty_out": (lambda L, x: L.logsumexp(x, 0), (A(2, 0),), empty(0)),
    "var_all": (lambda L, x: x.var(), (A(0),), NAN),
    "var_dim": (lambda L, x: x.var(0), (A(0, 3),), lambda x: np.full(3, np.nan)),
    "var_negative_correction": (lambda L, x: x.var(correction=-1), (A(0),), NAN),
    "var_mean_dim": (lambda L, x: L.var_mean(x, 1), (A(0, 3),), None),
    "std_all": (lambda L, x: x.std(), (A(2, 0),), NAN),
    "std_dim": (lambda L, x: x.std(1), (A(2, 0),), lambda x: np.full(2, np.nan)),
    "std_one_element": (lambda L, x: x.std(), (A(1),), NAN),
    "norm_2": (lambda L, x: x.norm(), (A(2, 0),), ZERO),
    "norm_1_dim": (lambda L, x: L.linalg.vector_norm(x, 1, dim=1), (A(2, 0),), lambda x: np.zeros(2)),
    "norm_0": (lambda L, x: L.linalg.vector_norm(x, 0), (A(0, 3),), ZERO),
    "norm_half": (lambda L, x: L.linalg.vector_norm(x, 0.5), (A(0, 3),), ZERO),
    "norm_inf_empty_out": (lambda L, x: L.linalg.vector_norm(x, float("inf"), dim=0), (A(2, 0),), empty(0)),
    "norm_negative_empty_out": (lambda L, x: L.linalg.vector_norm(x, -1, dim=0), (A(2, 0),), empty(0)),
    "amax_empty_out": (lambda L, x: x.amax(1), (A(0, 3),), empty(0)),
    "max_dim_empty_out": (lambda L, x: x.max(1).values, (A(0, 3),), empty(0)),
    "argmax_empty_out": (lambda L, x: x.argmax(1), (A(0, 3),), lambda x: np.zeros(0, np.int64)),
    "softmax": (lambda L, x: L.softmax(x, 1), (A(2, 0),), empty(2, 0)),
    "softmax_n0": (lambda L, x: F(L).softmax(x, dim=1), (A(0, 3),), empty(0, 3)),
    "softmax_1d": (lambda L, x: L.softmax(x, 0), (A(0),), empty(0)),
    "log_softmax": (lambda L, x: L.log_softmax(x, 1), (A(2, 0),), empty(2, 0)),
    "log_softmax_n0": (lambda L, x: F(L).log_softmax(x, 1), (A(0, 3),), empty(0, 3)),
    "cumsum": (lambda L, x: x.cumsum(1), (A(2, 0),), empty(2, 0)),
    "all": (lambda L, x: (x > 0).all(), (A(0, 3),), lambda x: np.bool_(True)),
    "any_dim": (lambda L, x: (x > 0).any(1), (A(2, 0),), lambda x: np.zeros(2, bool)),
    # shape ops
    "reshape": (lambda L, x: x.reshape(3, 0, 2), (A(2, 0, 3),), empty(3, 0, 2)),
    "reshape_infer": (lambda L, x: x.reshape(-1, 3), (A(2, 0, 3),), empty(0, 3)),
    "view": (lambda L, x: x.view(5, 0), (A(0, 5),), empty(5, 0)),
    "permute": (lambda L, x: x.permute(2, 0, 1), (A(2, 0, 3),), empty(3, 2, 0)),
    "transpose": (lambda L, x: x.transpose(0, 1), (A(2, 0, 3),), empty(0, 2, 3)),
    "T": (lambda L, x: x.T, (A(2, 0),), empty(0, 2)),
    "flatten": (lambda L, x: x.flatten(), (A(2, 0, 3),), empty(0)),
    "flatten_from1": (lambda L, x: x.flatten(1), (A(2, 0, 3),), empty(2, 0)),
    "unsqueeze": (lambda L, x: x.unsqueeze(0), (A(0, 3),), empty(1, 0, 3)),
    "squeeze": (lambda L, x: x.squeeze(), (A(1, 0, 1),), empty(0)),
    "expand": (lambda L, x: x.expand(0, 3), (A(1, 3),), empty(0, 3)),
    "contiguous": (lambda L, x: x.transpose(0, 1).contiguous(), (A(0, 3),), empty(3, 0)),
    "repeat_zero": (lambda L, x: x.repeat(0, 2), (A(2, 3),), empty(0, 6)),
    "flip": (lambda L, x: x.flip(0), (A(0, 3),), empty(0, 3)),
    "narrow": (lambda L, x: x.narrow(0, 1, 0), (A(3, 3),), empty(0, 3)),
    "chunk": (lambda L, x: L.chunk(x, 2, 1)[0], (A(0, 4),), empty(0, 2)),
    "pad": (lambda L, x: F(L).pad(x, (1, 1)), (A(0, 3),), empty(0, 5)),
    "broadcast_mul": (lambda L, a, b: a * b, (A(0, 1), A(1, 3)), empty(0, 3)),
    # cat and stack with empty pieces
    "cat_empty_piece": (lambda L, a, b: L.cat([a, b], 0), (A(0, 3), A(2, 3)), lambda a, b: b),
    "cat_all_empty": (lambda L, a, b: L.cat([a, b], 1), (A(2, 0), A(2, 0)), empty(2, 0)),
    "cat_legacy_1d": (lambda L, a, b: L.cat([a, b], 0), (A(0), A(2, 3)), lambda a, b: b),
    "cat_legacy_1d_dim1": (lambda L, a, b, c: L.cat([a, b, c], 1), (A(2, 3), A(0), A(2, 1)),
                           lambda a, b, c: np.concatenate([a, c], 1)),
    "stack_empty": (lambda L, a, b: L.stack([a, b], 1), (A(0, 3), A(0, 3)), empty(0, 2, 3)),
    "stack_empty_1d": (lambda L, a, b: L.stack([a, b]), (A(0), A(0)), empty(2, 0)),
    # indexing with an empty index
    "index_empty_long": (lambda L, x: x[L.tensor([], dtype=L.int64)], (A(3, 2),), empty(0, 2)),
    "index_empty_long_dim1": (lambda L, x: x[:, L.tensor([], dtype=L.int64)], (A(3, 2),), empty(3, 0)),
    "index_empty_list": (lambda L, x: x[[]], (A(3, 2),), empty(0, 2)),
    "index_false_mask": (lambda L, x: x[L.zeros(3, dtype=L.bool)], (A(3, 2),), empty(0, 2)),
    "index_mask_none_true": (lambda L, x: x[x > 100], (A(3, 2),), empty(0)),
    "index_empty_slice": (lambda L, x: x[2:2], (A(3, 2),), empty(0, 2)),
    "index_slice_past_end": (lambda L, x: x[:, 5:], (A(3, 2),), empty(3, 0)),
    "index_into_empty": (lambda L, x: x[:, 1], (A(0, 3),), empty(0)),
    "index_select_empty": (lambda L, x: L.index_select(x, 0, L.tensor([], dtype=L.int64)), (A(3, 2),),
                           empty(0, 2)),
    "gather_empty": (lambda L, x: L.gather(x, 1, L.zeros(3, 0, dtype=L.int64)), (A(3, 2),), empty(3, 0)),
    "masked_select_empty": (lambda L, x: L.masked_select(x, x > 100), (A(2, 3),), empty(0)),
    # index assignment with an empty index: nothing changes
    "assign_empty_long": (lambda L, x, v: assign(L, x, v, lambda L: L.tensor([], dtype=L.int64)),
                          (A(3, 2), A(0, 2)), lambda x, v: x),
    "assign_empty_long_broadcast": (lambda L, x, v: assign(L, x, v, lambda L: L.tensor([], dtype=L.int64)),
                                    (A(3, 2), A(2)), lambda x, v: x),
    "assign_false_mask": (lambda L, x, v: assign(L, x, v, lambda L: L.zeros(3, dtype=L.bool)),
                          (A(3, 2), A(0, 2)), lambda x, v: x),
    "assign_empty_slice": (lambda L, x, v: assign(L, x, v, lambda L: slice(1, 1)), (A(3, 2), A(0, 2)),
                           lambda x, v: x),
    # embedding of an empty index tensor
    "embedding_empty": (lambda L, w: F(L).embedding(L.tensor([], dtype=L.int64), w), (A(5, 3),), empty(0, 3)),
    "embedding_empty_2d": (lambda L, w: F(L).embedding(L.zeros(2, 0, dtype=L.int64), w, padding_idx=0),
                           (A(5, 3),), empty(2, 0, 3)),
    "Embedding_empty": (lambda L, i: (L.manual_seed(0), L.nn.Embedding(4, 3))[1](i), (LONG(0),), empty(0, 3)),
}

# the losses of an empty batch with each reduction: NaN for 'mean', 0 for 'sum', an empty tensor for 'none'
LOSSES = {
    "mse_loss": (lambda L, r, a, b: F(L).mse_loss(a, b, reduction=r), (A(0), A(0))),
    "l1_loss": (lambda L, r, a, b: F(L).l1_loss(a, b, reduction=r), (A(0, 3), A(0, 3))),
    "smooth_l1_loss": (lambda L, r, a, b: F(L).smooth_l1_loss(a, b, reduction=r), (A(0), A(0))),
    "huber_loss": (lambda L, r, a, b: F(L).huber_loss(a, b, reduction=r), (A(0), A(0))),
    "binary_cross_entropy": (lambda L, r, a, b: F(L).binary_cross_entropy(L.sigmoid(a), b, reduction=r),
                             (A(0), np.zeros(0))),
    "binary_cross_entropy_with_logits": (
        lambda L, r, a, b: F(L).binary_cross_entropy_with_logits(a, b, pos_weight=L.ones(2, dtype=L.float64),
                                                                 reduction=r), (A(0, 2), np.zeros((0, 2)))),
    "cross_entropy": (lambda L, r, a, t: F(L).cross_entropy(a, t, reduction=r), (A(0, 4), LONG(0))),
    "cross_entropy_weight_smoothing": (
        lambda L, r, a, t: F(L).cross_entropy(a, t, L.ones(4, dtype=L.float64), label_smoothing=0.1, reduction=r),
        (A(0, 4), LONG(0))),
    "cross_entropy_spatial": (lambda L, r, a, t: F(L).cross_entropy(a, t, reduction=r), (A(0, 4, 2), LONG(0, 2))),
    "cross_entropy_probabilities": (lambda L, r, a, t: F(L).cross_entropy(a, t, reduction=r),
                                    (A(0, 4), np.zeros((0, 4)))),
    "nll_loss": (lambda L, r, a, t: F(L).nll_loss(a, t, L.ones(4, dtype=L.float64), reduction=r),
                 (A(0, 4), LONG(0))),
    "kl_div": (lambda L, r, a, b: F(L).kl_div(a, b, reduction=r), (A(0, 3), np.abs(A(0, 3)))),
    "kl_div_log_target": (lambda L, r, a, b: F(L).kl_div(a, b, reduction=r, log_target=True), (A(0, 3), A(0, 3))),
    "MSELoss": (lambda L, r, a, b: L.nn.MSELoss(reduction=r)(a, b), (A(0, 3), A(0, 3))),
    "CrossEntropyLoss": (lambda L, r, a, t: L.nn.CrossEntropyLoss(reduction=r)(a, t), (A(0, 3), LONG(0))),
}
REDUCED = {"mean": NAN, "sum": ZERO, "none": None}
for _name, (_fn, _arrays) in LOSSES.items():
    for _r in ("mean", "sum", "none") + (("batchmean",) if _name.startswith("kl_div") else ()):
        CASES[f"{_name}_{_r}"] = (lambda L, *t, fn=_fn, r=_r: fn(L, r, *t), _arrays, REDUCED.get(_r, NAN))

# name -> (the call on library L, PyTorch's exception type, what microtensor's message says)
RAISES = {
    "max_all": (lambda L: L.zeros(2, 0).max(), RuntimeError, r"max\(\): Expected reduction dim to be specified"),
    "max_empty_dim": (lambda L: L.zeros(2, 0).max(1), IndexError,
                      r"max\(\): Expected reduction dim 1 to have non-zero"),
    "min_empty_dim": (lambda L: L.zeros(0, 3).min(0), IndexError, r"min\(\): Expected reduction dim 0"),
    "amax_all": (lambda L: L.zeros(0).amax(), RuntimeError, r"amax\(\): Expected reduction dim to be specified"),
    "amax_empty_dim": (lambda L: L.zeros(2, 0).amax(1), IndexError, r"amax\(\): Expected reduction dim 1"),
    "amin_empty_dim": (lambda L: L.zeros(0, 3).amin(0), IndexError, r"amin\(\): Expected reduction dim 0"),
    "argmax_all": (lambda L: L.zeros(0).argmax(), IndexError, r"argmax\(\): Expected reduction dim to be specified"),
    "argmin_empty_dim": (lambda L: L.zeros(2, 0).argmin(1), IndexError, r"argmin\(\): Expected reduction dim 1"),
    "norm_inf_all": (lambda L: L.zeros(2, 0).norm(float("inf")), RuntimeError,
                     r"cannot compute the inf norm on an empty tensor of shape \[2, 0\]"),
    "norm_inf_empty_dim": (lambda L: L.linalg.vector_norm(L.zeros(2, 0), float("inf"), dim=1), RuntimeError,
                           r"cannot compute the inf norm on the dimension 1 of an input of shape \[2, 0\]"),
    "norm_negative_all": (lambda L: L.linalg.vector_norm(L.zeros(0, 3), -2), RuntimeError, "the -2 norm"),
    "norm_minus_inf_empty_dim": (lambda L: L.linalg.vector_norm(L.zeros(2, 0), float("-inf"), dim=(0, 1)),
                                 RuntimeError, "the -inf norm on the dimension 1"),
    "batch_norm_one_value": (lambda L: F(L).batch_norm(L.zeros(1, 3), None, None, training=True), ValueError,
                             "Expected more than 1 value per channel when training"),
    "instance_norm_one_value": (lambda L: F(L).instance_norm(L.zeros(2, 3, 1)), ValueError,
                                "Expected more than 1 spatial element when training"),
    "one_hot_empty": (lambda L: F(L).one_hot(L.zeros(0, dtype=L.int64)), RuntimeError,
                      "Can not infer total number of classes from empty tensor"),
    "stack_nothing": (lambda L: L.stack([]), RuntimeError, "stack expects a non-empty TensorList"),
    "max_pool3d_channels0": (lambda L: F(L).max_pool3d(L.zeros(1, 0, 4, 4, 4), 2), RuntimeError,
                             r"max_pool3d: expected input's non-batch dimensions to have positive length"),
    "avg_pool3d_depth0": (lambda L: F(L).avg_pool3d(L.zeros(1, 1, 0, 4, 4), 2), RuntimeError,
                          r"avg_pool3d: expected input's non-batch dimensions to have positive length"),
    "max_pool2d_channels0": (lambda L: F(L).max_pool2d(L.zeros(0, 4, 4), 2), RuntimeError,
                             r"max_pool2d: expected input's non-batch dimensions to have positive length, but "
                             r"input has a shape of \[0, 4, 4\]"),
}


def _leaves(L, arrays):
    return [L.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]


def _first(out):
    return out[0] if isinstance(out, (tuple, list)) else out


@pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0")
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss")
@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")
@pytest.mark.parametrize("name", CASES)
def test_empty_forward_and_backward(name):
    fn, arrays, expected = CASES[name]
    leaves = _leaves(mt, arrays)
    out = _first(fn(mt, *leaves))
    if expected is not None:
        want = np.asarray(expected(*arrays))
        assert tuple(out.shape) == want.shape
        assert out.dtype.np.kind == want.dtype.kind
        np.testing.assert_array_equal(out.detach().numpy(), want)
    if not out.requires_grad:
        return
    (out * mt.ones(out.shape, dtype=out.dtype)).sum().backward()
    for leaf in leaves:
        if leaf.grad is not None:
            assert leaf.grad.shape == leaf.shape
            if out.numel() == 0:                 # nothing flows back from an empty output
                assert not leaf.grad.numpy().any()


@requires_torch
@pytest.mark.parametrize("name", CASES)
def test_empty_matches_torch(name):
    fn, arrays, _ = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # the warnings are compared below
        compare_with_torch(lambda *t: fn(mt, *t), *arrays, torch_fn=lambda *t: fn(torch, *t))


def _warnings(L, fn, arrays):
    """The distinct warnings (class and message start) of fn's forward and backward in library L."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = _first(fn(L, *_leaves(L, arrays)))
        if out.requires_grad:
            out.sum().backward()
    return sorted({(w.category.__name__, str(w.message)[:40]) for w in caught})


@requires_torch
@pytest.mark.parametrize("name", CASES)
def test_empty_warns_as_torch(name):
    fn, arrays, _ = CASES[name]
    assert _warnings(mt, fn, arrays) == _warnings(torch, fn, arrays)


@pytest.mark.parametrize("name", RAISES)
def test_empty_raises_as_torch(name):
    call, error, match = RAISES[name]
    with pytest.raises(error, match=match):
        call(mt)
    if torch is not None:
        with pytest.raises(error):
            call(torch)


def test_batch_norm_module_on_empty_batch_keeps_running_statistics():
    """Training on an empty batch leaves the running statistics as they were and counts the batch, as PyTorch."""
    bn = mt.nn.BatchNorm1d(3)
    out = bn(mt.zeros(0, 3, requires_grad=True))
    out.sum().backward()
    assert out.shape == (0, 3)
    assert bn.running_mean.tolist() == [0.0] * 3 and bn.running_var.tolist() == [1.0] * 3
    assert bn.num_batches_tracked.item() == 1
    assert bn.weight.grad.tolist() == [0.0] * 3 and bn.bias.grad.tolist() == [0.0] * 3

"""``microtensor.compile`` on every op family: a compiled step equals eager bitwise on fresh inputs.

Each case compiles ``f(w, *inputs)``: ``loss = (op(*inputs) * w).sum(); loss.backward()`` (and a forward-only
variant under ``no_grad``), calls it three times with fresh random inputs of the same shapes, and compares the
results, every input's gradient and every input's memory (in-place ops, running statistics) with an eager run
of the same function on the same inputs. An array an op computes outside the recording seam (NumPy code in
a wrapper) gets baked into the replay as a trace-time constant, so a fresh input exposes it.
"""
from __future__ import annotations

import copy
import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F

CALLS = 3
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")   # log of negatives: NaN on purpose


@dataclass
class Case:
    """One op under test: ``op(*inputs)`` on inputs made by ``specs`` (see ``_make``)."""

    op: Callable[..., Any]
    specs: tuple
    grad: bool = True           # also compile the training form (loss.backward())
    breaks: bool = False        # must graph-break (a random draw, a value read into Python)


def _make(spec: tuple, rng: np.random.Generator) -> Any:
    """A fresh input: ("f", shape) float leaf requiring grad, ("c", shape) float constant, ("pos", shape)
    positive leaf, ("prob", shape) leaf in (0, 1), ("i", shape, high) int64 in [0, high), ("b", shape) bool,
    ("mask", shape, k) bool with exactly k Trues, ("perm", n) a permutation, ("sign", shape) +-1 floats,
    ("ign", shape, high) class indices, about 30% of them -100 (ignore_index), ("sorted", shape) sorted
    floats."""
    kind, shape = spec[0], spec[1]
    if kind == "f":
        return mt.tensor(rng.standard_normal(shape), requires_grad=True)
    if kind == "c":
        return mt.tensor(rng.standard_normal(shape))
    if kind == "pos":
        return mt.tensor(rng.uniform(0.5, 2.0, shape), requires_grad=True)
    if kind == "prob":
        return mt.tensor(rng.uniform(0.05, 0.95, shape), requires_grad=True)
    if kind == "i":
        return mt.tensor(rng.integers(0, spec[2], shape))
    if kind == "b":
        return mt.tensor(rng.random(shape) < 0.5)
    if kind == "mask":
        flat = np.zeros(int(np.prod(shape)), dtype=bool)
        flat[rng.permutation(flat.size)[:spec[2]]] = True
        return mt.tensor(flat.reshape(shape))
    if kind == "perm":
        return mt.tensor(rng.permutation(shape))
    if kind == "ign":
        return mt.tensor(np.where(rng.random(shape) < 0.3, -100, rng.integers(0, spec[2], shape)))
    if kind == "sorted":
        return mt.tensor(np.sort(rng.standard_normal(shape)))
    if kind == "sign":
        return mt.tensor(np.where(rng.random(shape) < 0.5, -1.0, 1.0))
    raise ValueError(kind)


def _copy(t: mt.Tensor) -> mt.Tensor:
    return mt.tensor(t.detach().numpy().copy(), requires_grad=t.requires_grad)


def _inplace_leaf(x: mt.Tensor) -> mt.Tensor:
    return x * 1.0


S = (3, 4)
IMG = (2, 3, 5, 5)
SEQ = (2, 3, 7)

CASES: dict[str, Case] = {
    # elementwise and unary
    "add": Case(lambda x, y: x + y, (("f", S), ("f", (4,)))),
    "sub_scalar": Case(lambda x: 2.0 - x, (("f", S),)),
    "mul": Case(lambda x, y: x * y, (("f", S), ("f", S))),
    "div": Case(lambda x, y: x / y, (("f", S), ("pos", S))),
    "pow": Case(lambda x, y: x ** y, (("pos", S), ("f", S))),
    "pow_scalar": Case(lambda x: x ** 3, (("f", S),)),
    "rpow": Case(lambda x: 2.0 ** x, (("f", S),)),
    "maximum": Case(lambda x, y: mt.maximum(x, y), (("f", S), ("f", S))),
    "minimum": Case(lambda x, y: mt.minimum(x, y), (("f", S), ("f", S))),
    "atan2": Case(lambda x, y: mt.atan2(x, y), (("f", S), ("pos", S))),
    "neg_abs": Case(lambda x: -x.abs(), (("f", S),)),
    "exp_log": Case(lambda x: x.exp() + x.log(), (("pos", S),)),
    "sqrt_rsqrt": Case(lambda x: x.sqrt() + x.rsqrt(), (("pos", S),)),
    "trig": Case(lambda x: x.sin() * x.cos() + x.tan(), (("f", S),)),
    "tanh_sigmoid": Case(lambda x: x.tanh() + x.sigmoid(), (("f", S),)),
    "clamp": Case(lambda x: x.clamp(-0.5, 0.5), (("f", S),)),
    "clamp_tensor": Case(lambda x, lo: mt.clamp(x, min=lo), (("f", S), ("c", S))),
    "sign_floor_round": Case(lambda x: x * x.sign() + x.floor() + x.round(), (("f", S),)),
    "lerp": Case(lambda x, y: mt.lerp(x, y, 0.3), (("f", S), ("f", S))),
    "addcmul": Case(lambda x, y, z: mt.addcmul(x, y, z, value=0.5), (("f", S), ("f", S), ("f", S))),
    "erf_log1p_expm1": Case(lambda x: x.erf() + x.log1p() + x.expm1(), (("pos", S),)),
    "reciprocal": Case(lambda x: x.reciprocal(), (("pos", S),)),
    "nan_to_num": Case(lambda x: mt.nan_to_num(x.log()), (("f", S),)),
    "comparison": Case(lambda x, y: (x > y).float() + (x == x).float(), (("f", S), ("f", S)), grad=False),
    "logical": Case(lambda a, b: a & ~b | (a ^ b), (("b", S), ("b", S)), grad=False),
    "isfinite_where": Case(lambda x: mt.where(mt.isfinite(x.log()), x, mt.zeros_like(x)), (("f", S),)),
    # activations
    "relu": Case(F.relu, (("f", S),)),
    "leaky_relu": Case(lambda x: F.leaky_relu(x, 0.1), (("f", S),)),
    "gelu": Case(F.gelu, (("f", S),)),
    "gelu_tanh": Case(lambda x: F.gelu(x, approximate="tanh"), (("f", S),)),
    "silu_mish": Case(lambda x: F.silu(x) + F.mish(x), (("f", S),)),
    "elu_selu_celu": Case(lambda x: F.elu(x) + F.selu(x) + F.celu(x), (("f", S),)),
    "softplus": Case(lambda x: F.softplus(x, beta=2.0), (("f", S),)),
    "hard": Case(lambda x: F.hardtanh(x) + F.hardsigmoid(x) + F.hardswish(x) + F.relu6(x), (("f", S),)),
    "shrink": Case(lambda x: F.hardshrink(x) + F.softshrink(x) + F.tanhshrink(x), (("f", S),)),
    "logsigmoid_softsign": Case(lambda x: F.logsigmoid(x) + F.softsign(x), (("f", S),)),
    "threshold": Case(lambda x: F.threshold(x, 0.1, -1.0), (("f", S),)),
    "glu": Case(lambda x: F.glu(x, dim=-1), (("f", S),)),
    "prelu": Case(lambda x, a: F.prelu(x, a), (("f", IMG), ("f", (3,)))),
    "softmax": Case(lambda x: F.softmax(x, dim=1), (("f", S),)),
    "log_softmax": Case(lambda x: F.log_softmax(x, dim=-1), (("f", S),)),
    "softmin": Case(lambda x: F.softmin(x, dim=0), (("f", S),)),
    "normalize": Case(lambda x: F.normalize(x, dim=1), (("f", S),)),
    # reductions
    "sum": Case(lambda x: x.sum(), (("f", S),)),
    "sum_dim": Case(lambda x: x.sum(dim=1, keepdim=True), (("f", S),)),
    "sum_dims": Case(lambda x: x.sum((0, 2)), (("f", (2, 3, 4)),)),
    "mean": Case(lambda x: x.mean(0), (("f", S),)),
    "var_std": Case(lambda x: x.var(1) + x.std(1, unbiased=False), (("f", S),)),
    "prod": Case(lambda x: x.prod(1), (("f", S),)),
    "max": Case(lambda x: x.max(), (("f", S),)),
    "max_dim": Case(lambda x: x.max(dim=1).values, (("f", S),)),
    "max_dim_keepdim": Case(lambda x: x.max(1, keepdim=True)[0], (("f", S),)),
    "min_dim_indices": Case(lambda x: x.min(dim=0).indices, (("f", S),), grad=False),
    "amax_amin": Case(lambda x: x.amax(1) + x.amin(1), (("f", S),)),
    "argmax": Case(lambda x: x.argmax(1), (("f", S),), grad=False),
    "logsumexp": Case(lambda x: x.logsumexp(1), (("f", S),)),
    "norm": Case(lambda x: x.norm() + mt.linalg.vector_norm(x, 1, dim=1).sum(), (("f", S),)),
    "median": Case(lambda x: x.median(dim=1).values, (("f", S),)),
    "all_any": Case(lambda b: b.all(1) | b.any(0).all(), (("b", S),), grad=False),
    "count_nonzero": Case(lambda b: mt.count_nonzero(b, dim=0), (("b", S),), grad=False),
    # shape and view ops
    "reshape_view": Case(lambda x: x.reshape(4, 3).view(2, 6), (("f", S),)),
    "transpose_permute": Case(lambda x: x.transpose(0, 1).permute(2, 0, 1), (("f", (2, 3, 4)),)),
    "t_contiguous": Case(lambda x: x.t().contiguous(), (("f", S),)),
    "unsqueeze_squeeze": Case(lambda x: x.unsqueeze(0).squeeze(0).unsqueeze(-1), (("f", S),)),
    "flatten_unflatten": Case(lambda x: x.flatten(1).unflatten(1, (4, 3)), (("f", (2, 3, 4)),)),
    "expand_repeat": Case(lambda x: x.expand(2, 3, 4) + x.repeat(2, 1, 1), (("f", (1, 3, 4)),)),
    "flip_roll": Case(lambda x: x.flip(0) + x.roll(1, 1), (("f", S),)),
    "tril_triu": Case(lambda x: x.tril() + x.triu(1), (("f", (4, 4)),)),
    "diagonal": Case(lambda x: x.diagonal() + mt.diag(x), (("f", (4, 4)),)),
    "narrow": Case(lambda x: x.narrow(1, 1, 2), (("f", S),)),
    "unfold": Case(lambda x: x.unfold(1, 2, 1), (("f", S),)),
    "movedim": Case(lambda x: x.movedim(0, -1), (("f", (2, 3, 4)),)),
    "broadcast_to": Case(lambda x: x.broadcast_to((2, 3, 4)), (("f", (3, 1)),)),
    # indexing
    "getitem_slice": Case(lambda x: x[1:, ::2], (("f", S),)),
    "getitem_int": Case(lambda x: x[1] + x[:, -1].sum(), (("f", S),)),
    "getitem_none_ellipsis": Case(lambda x: x[None, ..., 1], (("f", S),)),
    "getitem_int_tensor": Case(lambda x, i: x[i], (("f", S), ("i", (5,), 3))),
    "getitem_int_tensor_dim1": Case(lambda x, i: x[:, i], (("f", S), ("i", (2, 3), 4))),
    "getitem_two_tensors": Case(lambda x, i, j: x[i, j], (("f", S), ("i", (5,), 3), ("i", (5,), 4))),
    "getitem_bool": Case(lambda x, m: x[m], (("f", S), ("mask", S, 5)), breaks=True),
    "getitem_bool_rows": Case(lambda x, m: x[m], (("f", S), ("mask", (3,), 2)), breaks=True),
    "index_select": Case(lambda x, i: x.index_select(1, i), (("f", S), ("i", (6,), 4))),
    "gather": Case(lambda x, i: x.gather(1, i), (("f", S), ("i", (3, 5), 4))),
    "take_along_dim": Case(lambda x, i: mt.take_along_dim(x, i, dim=1), (("f", S), ("i", (3, 2), 4))),
    "scatter": Case(lambda x, i, s: x.scatter(1, i.view(1, 4), s), (("f", S), ("perm", 4), ("f", (1, 4)))),
    "scatter_add": Case(lambda x, i, s: x.scatter_add(1, i, s), (("f", S), ("i", (3, 5), 4), ("f", (3, 5)))),
    "scatter_reduce": Case(lambda x, i, s: x.scatter_reduce(1, i, s, "amax"),
                           (("f", S), ("i", (3, 5), 4), ("f", (3, 5)))),
    "index_add": Case(lambda x, i, s: x.index_add(0, i, s), (("f", S), ("i", (5,), 3), ("f", (5, 4)))),
    "index_put": Case(lambda x, i, v: x.index_put((i,), v), (("f", S), ("perm", 3), ("f", (3, 4)))),
    "masked_fill": Case(lambda x, m: x.masked_fill(m, 0.5), (("f", S), ("b", S))),
    "masked_select": Case(lambda x, m: mt.masked_select(x, m), (("f", S), ("mask", S, 6)), breaks=True),
    "where": Case(lambda c, x, y: mt.where(c, x, y), (("b", S), ("f", S), ("f", S))),
    "where_scalar": Case(lambda x: mt.where(x > 0, x, 0.0), (("f", S),)),
    "nonzero": Case(lambda m: m.nonzero(), (("mask", S, 4),), grad=False, breaks=True),
    "one_hot": Case(lambda i: F.one_hot(i, 5), (("i", (6,), 5),), grad=False),
    "setitem_tensor": Case(lambda x, i, v: _setitem(x, i, v), (("f", S), ("perm", 3), ("f", (3, 4)))),
    "setitem_slice": Case(lambda x, v: _setitem(x, (slice(None), slice(1, 3)), v), (("f", S), ("f", (3, 1)))),
    "setitem_int_tensor_value": Case(lambda x, v: _setitem(x, 1, v), (("f", S), ("f", (4,)))),
    "setitem_bool": Case(lambda x, m: _setitem(x, m, 0.0), (("f", S), ("b", S)), breaks=True),
    # joining and splitting
    "cat": Case(lambda x, y: mt.cat([x, y], dim=1), (("f", S), ("f", (3, 2)))),
    "stack": Case(lambda x, y: mt.stack((x, y), 0), (("f", S), ("f", S))),
    "split": Case(lambda x: x.split(2, dim=1)[1] * x.split([1, 3], 1)[0], (("f", S),)),
    "chunk": Case(lambda x: mt.chunk(x, 2, 1)[0] - x.chunk(2, dim=1)[1], (("f", S),)),
    "unbind": Case(lambda x: mt.unbind(x)[2], (("f", S),)),
    "hstack_vstack": Case(lambda x: mt.hstack([x, x]).sum(1) + mt.vstack([x, x]).sum(0).sum(), (("f", S),)),
    # linear algebra
    "matmul": Case(lambda x, y: x @ y, (("f", S), ("f", (4, 2)))),
    "matmul_batched": Case(lambda x, y: mt.matmul(x, y), (("f", (2, 3, 4)), ("f", (4, 5)))),
    "matmul_vec": Case(lambda x, y: x @ y, (("f", S), ("f", (4,)))),
    "bmm": Case(lambda x, y: mt.bmm(x, y), (("f", (2, 3, 4)), ("f", (2, 4, 5)))),
    "linear": Case(lambda x, w, b: F.linear(x, w, b), (("f", S), ("f", (5, 4)), ("f", (5,)))),
    "einsum": Case(lambda x, y: mt.einsum("bij,bjk->bik", x, y), (("f", (2, 3, 4)), ("f", (2, 4, 5)))),
    "outer_dot": Case(lambda x, y: mt.outer(x, y) * mt.dot(x, y), (("f", (4,)), ("f", (4,)))),
    "inv_det": Case(lambda x: mt.linalg.inv(x) * mt.linalg.det(x), (("f", (3, 3)),)),
    # convolution and pooling
    "conv1d": Case(lambda x, w, b: F.conv1d(x, w, b, padding=1), (("f", SEQ), ("f", (4, 3, 3)), ("f", (4,)))),
    "conv2d": Case(lambda x, w: F.conv2d(x, w, stride=2, padding=1), (("f", IMG), ("f", (4, 3, 3, 3)))),
    "conv2d_groups": Case(lambda x, w: F.conv2d(x, w, groups=3, dilation=2), (("f", IMG), ("f", (3, 1, 2, 2)))),
    "conv_transpose1d": Case(lambda x, w: F.conv_transpose1d(x, w, stride=2), (("f", SEQ), ("f", (3, 2, 3)))),
    "conv_transpose2d": Case(lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1),
                             (("f", IMG), ("f", (3, 2, 3, 3)), ("f", (2,)))),
    "max_pool1d": Case(lambda x: F.max_pool1d(x, 2), (("f", SEQ),)),
    "max_pool2d": Case(lambda x: F.max_pool2d(x, 2, stride=1), (("f", IMG),)),
    "max_pool2d_indices": Case(lambda x: F.max_pool2d(x, 2, return_indices=True)[1], (("f", IMG),), grad=False),
    "avg_pool1d": Case(lambda x: F.avg_pool1d(x, 3, 2, padding=1), (("f", SEQ),)),
    "avg_pool2d": Case(lambda x: F.avg_pool2d(x, 2, ceil_mode=True), (("f", IMG),)),
    "adaptive_avg_pool2d": Case(lambda x: F.adaptive_avg_pool2d(x, (2, 3)), (("f", IMG),)),
    "adaptive_max_pool2d": Case(lambda x: F.adaptive_max_pool2d(x, 2), (("f", IMG),)),
    "adaptive_avg_pool1d": Case(lambda x: F.adaptive_avg_pool1d(x, 3), (("f", SEQ),)),
    "interpolate_nearest": Case(lambda x: F.interpolate(x, scale_factor=2), (("f", IMG),)),
    "interpolate_bilinear": Case(lambda x: F.interpolate(x, size=(7, 8), mode="bilinear", align_corners=False),
                                 (("f", IMG),)),
    "pad_constant": Case(lambda x: F.pad(x, (1, 2, 0, 1), value=0.5), (("f", IMG),)),
    "pad_reflect": Case(lambda x: F.pad(x, (1, 1, 2, 0), mode="reflect"), (("f", IMG),)),
    "pad_replicate": Case(lambda x: F.pad(x, (2, 1), mode="replicate"), (("f", SEQ),)),
    "pixel_shuffle": Case(lambda x: F.pixel_shuffle(x, 2), (("f", (1, 8, 2, 3)),)),
    "unfold_im2col": Case(lambda x: F.unfold(x, 2), (("f", IMG),)),
    # normalization
    "batch_norm_train": Case(lambda x, rm, rv, w, b: F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.2),
                             (("f", IMG), ("c", (3,)), ("prob", (3,)), ("f", (3,)), ("f", (3,))), breaks=True),
    "batch_norm_eval": Case(lambda x, rm, rv: F.batch_norm(x, rm, rv, training=False),
                            (("f", IMG), ("c", (3,)), ("pos", (3,)))),
    "batch_norm_1d": Case(lambda x, rm, rv: F.batch_norm(x, rm, rv, training=True), (("f", S), ("c", (4,)),
                                                                                      ("pos", (4,))), breaks=True),
    "layer_norm": Case(lambda x, w, b: F.layer_norm(x, (4,), w, b), (("f", S), ("f", (4,)), ("f", (4,)))),
    "group_norm": Case(lambda x, w, b: F.group_norm(x, 3, w, b), (("f", IMG), ("f", (3,)), ("f", (3,)))),
    "instance_norm": Case(lambda x, rm, rv: F.instance_norm(x, rm, rv, use_input_stats=True),
                          (("f", IMG), ("c", (3,)), ("pos", (3,))), breaks=True),
    "local_response_norm": Case(lambda x: F.local_response_norm(x, 2), (("f", IMG),)),
    "rms_norm": Case(lambda x, w: F.rms_norm(x, (4,), w), (("f", S), ("f", (4,)))),
    # losses
    "mse_loss": Case(lambda x, y: F.mse_loss(x, y), (("f", S), ("c", S))),
    "mse_loss_none": Case(lambda x, y: F.mse_loss(x, y, reduction="none"), (("f", S), ("f", S))),
    "l1_loss": Case(lambda x, y: F.l1_loss(x, y, reduction="sum"), (("f", S), ("c", S))),
    "smooth_l1_loss": Case(lambda x, y: F.smooth_l1_loss(x, y, beta=0.5), (("f", S), ("c", S))),
    "huber_loss": Case(lambda x, y: F.huber_loss(x, y, delta=0.7), (("f", S), ("c", S))),
    "cross_entropy": Case(lambda x, t: F.cross_entropy(x, t), (("f", (5, 4)), ("i", (5,), 4))),
    "cross_entropy_weight_smoothing": Case(
        lambda x, t, w: F.cross_entropy(x, t, weight=w, label_smoothing=0.1, ignore_index=0),
        (("f", (5, 4)), ("i", (5,), 4), ("pos", (4,)))),
    "cross_entropy_ignore_index": Case(lambda x, t: F.cross_entropy(x, t), (("f", (6, 4)), ("ign", (6,), 4))),
    "nll_loss_ignore_index": Case(lambda x, t: F.nll_loss(x, t, reduction="sum"), (("f", (6, 4)), ("ign", (6,), 4))),
    "cross_entropy_probs": Case(lambda x, p: F.cross_entropy(x, p.softmax(1)), (("f", (5, 4)), ("c", (5, 4)))),
    "cross_entropy_nd": Case(lambda x, t: F.cross_entropy(x, t, reduction="none"), (("f", (2, 4, 3)),
                                                                                      ("i", (2, 3), 4))),
    "nll_loss": Case(lambda x, t: F.nll_loss(F.log_softmax(x, 1), t), (("f", (5, 4)), ("i", (5,), 4))),
    "nll_loss_weight": Case(lambda x, t, w: F.nll_loss(x, t, weight=w, reduction="mean"),
                            (("f", (5, 4)), ("i", (5,), 4), ("pos", (4,)))),
    "binary_cross_entropy": Case(lambda p, y: F.binary_cross_entropy(p, y), (("prob", S), ("prob", S))),
    "binary_cross_entropy_with_logits": Case(
        lambda x, y, pw: F.binary_cross_entropy_with_logits(x, y, pos_weight=pw), (("f", S), ("prob", S),
                                                                                  ("pos", (4,)))),
    "kl_div": Case(lambda x, y: F.kl_div(x.log_softmax(1), y.softmax(1), reduction="batchmean"),
                   (("f", S), ("f", S))),
    "poisson_nll_loss": Case(lambda x, y: F.poisson_nll_loss(x, y), (("f", S), ("pos", S))),
    "gaussian_nll_loss": Case(lambda x, y, v: F.gaussian_nll_loss(x, y, v), (("f", S), ("c", S), ("pos", S))),
    "hinge_embedding_loss": Case(lambda x, y: F.hinge_embedding_loss(x, y), (("f", S), ("sign", S))),
    "soft_margin_loss": Case(lambda x, y: F.soft_margin_loss(x, y), (("f", S), ("sign", S))),
    "margin_ranking_loss": Case(lambda x, y, t: F.margin_ranking_loss(x, y, t, margin=0.1),
                                (("f", (5,)), ("f", (5,)), ("sign", (5,)))),
    "cosine_embedding_loss": Case(lambda x, y, t: F.cosine_embedding_loss(x, y, t, margin=0.2),
                                  (("f", S), ("f", S), ("sign", (3,)))),
    "triplet_margin_loss": Case(lambda a, p, n: F.triplet_margin_loss(a, p, n), (("f", S), ("f", S), ("f", S))),
    "triplet_margin_with_distance_loss": Case(
        lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n), (("f", S), ("f", S), ("f", S))),
    "multilabel_soft_margin_loss": Case(lambda x, y: F.multilabel_soft_margin_loss(x, y),
                                        (("f", S), ("b", S))),
    "multi_margin_loss": Case(lambda x, t: F.multi_margin_loss(x, t), (("f", (5, 4)), ("i", (5,), 4)), breaks=True),
    "multilabel_margin_loss": Case(lambda x, t: F.multilabel_margin_loss(x, t), (("f", (5, 4)), ("i", (5, 4), 4)),
                                   breaks=True),
    "ctc_loss": Case(lambda x, t: F.ctc_loss(x.log_softmax(2), t, [6, 6], [3, 2]),
                     (("f", (6, 2, 4)), ("i", (2, 3), 3)), breaks=True),
    "cosine_similarity": Case(lambda x, y: F.cosine_similarity(x, y), (("f", S), ("f", S))),
    "pairwise_distance": Case(lambda x, y: F.pairwise_distance(x, y), (("f", S), ("f", S))),
    "cdist": Case(lambda x, y: mt.cdist(x, y), (("f", S), ("f", (5, 4)))),
    # embedding and dropout
    "embedding": Case(lambda w, i: F.embedding(i, w), (("f", (6, 3)), ("i", (2, 4), 6))),
    "embedding_padding": Case(lambda w, i: F.embedding(i, w, padding_idx=0), (("f", (6, 3)), ("i", (2, 4), 6))),
    "embedding_bag": Case(lambda w, i: F.embedding_bag(i, w, mode="mean"), (("f", (6, 3)), ("i", (2, 4), 6)),
                          breaks=True),
    "dropout_eval": Case(lambda x: F.dropout(x, 0.5, training=False), (("f", S),)),
    "dropout_train": Case(lambda x: F.dropout(x, 0.5), (("f", S),), breaks=True),
    "rand_like": Case(lambda x: x * mt.rand_like(x), (("f", S),), breaks=True),
    "item": Case(lambda x: x * x.sum().item(), (("f", S),), breaks=True),
    # cumulative, sorting, selection
    "cumsum": Case(lambda x: x.cumsum(1), (("f", S),)),
    "cumprod": Case(lambda x: mt.cumprod(x, dim=0), (("f", S),)),
    "cummax": Case(lambda x: x.cummax(1).values, (("f", S),)),
    "logcumsumexp": Case(lambda x: x.logcumsumexp(1), (("f", S),)),
    "sort": Case(lambda x: x.sort(dim=1, descending=True).values, (("f", S),)),
    "sort_indices": Case(lambda x: x.sort(1)[1], (("f", S),), grad=False),
    "argsort": Case(lambda x: x.argsort(0), (("f", S),), grad=False),
    "topk": Case(lambda x: x.topk(2, dim=1).values, (("f", S),)),
    "topk_indices": Case(lambda x: mt.topk(x, 2)[1], (("f", S),), grad=False),
    "kthvalue": Case(lambda x: x.kthvalue(2, 1).values, (("f", S),)),
    "unique": Case(lambda i: mt.unique(i), (("i", (8,), 20),), grad=False, breaks=True),
    "diff": Case(lambda x: mt.diff(x, dim=1), (("f", S),)),
    "trace_kron": Case(lambda x: mt.kron(x, x) * mt.trace(x), (("f", (2, 2)),)),
    "searchsorted": Case(lambda s, v: mt.searchsorted(s, v), (("sorted", (6,)), ("c", (5,))), grad=False),
    "bucketize": Case(lambda v, s: mt.bucketize(v, s), (("c", (5,)), ("sorted", (6,))), grad=False),
    "isin": Case(lambda a, b: mt.isin(a, b), (("i", (6,), 5), ("i", (3,), 5)), grad=False),
    "bincount": Case(lambda i: mt.bincount(i, minlength=5), (("i", (8,), 5),), grad=False, breaks=True),
    "histc": Case(lambda x: mt.histc(x, bins=4, min=-2, max=2), (("c", (10,)),), grad=False),
    "quantile": Case(lambda x: mt.quantile(x, 0.3, dim=1), (("f", S),)),
    "nansum_nanmean": Case(lambda x: mt.nansum(x.log()) + mt.nanmean(x.log(), 1), (("f", S),)),
    "aminmax": Case(lambda x: mt.aminmax(x, dim=0).min, (("f", S),)),
    "std_mean": Case(lambda x: mt.std_mean(x, 1)[0] + mt.var_mean(x, 1)[1], (("f", S),)),
    "index_fill": Case(lambda x, i: x.index_fill(1, i, -1.0), (("f", S), ("i", (2,), 4))),
    "masked_fill_tensor": Case(lambda x, m, v: x.masked_fill(m, v), (("f", S), ("b", S), ("c", ()))),
    "clamp_tensor_bounds": Case(lambda x, lo, hi: x.clamp(lo, lo + hi.abs()), (("f", S), ("c", S), ("c", S))),
    "svd_qr": Case(lambda x: mt.linalg.svdvals(x) + mt.linalg.qr(x)[1].diagonal(), (("f", (3, 3)),)),
    "solve_cholesky": Case(lambda a, b: mt.linalg.solve(a @ a.mT + mt.eye(3, dtype=mt.float64), b),
                           (("f", (3, 3)), ("f", (3, 2)))),
    "eigh": Case(lambda a: mt.linalg.eigvalsh(a + a.mT), (("f", (3, 3)),)),
    "sdpa": Case(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                 (("f", (2, 4, 3)), ("f", (2, 4, 3)), ("f", (2, 4, 3)))),
    "sdpa_fully_masked_rows": Case(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
                                   (("f", (2, 4, 3)), ("f", (2, 4, 3)), ("f", (2, 4, 3)), ("b", (4, 4)))),
    "mha_forward": Case(lambda x, m: _attention(x, m), (("f", (2, 4, 6)), ("b", (2, 4)))),
    "sdpa_bool_mask": Case(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m | mt.eye(4).bool()),
                           (("f", (2, 4, 3)), ("f", (2, 4, 3)), ("f", (2, 4, 3)), ("b", (4, 4)))),
    "pad_circular": Case(lambda x: F.pad(x, (1, 2), mode="circular"), (("f", SEQ),)),
    "grid_sample": Case(lambda x, g: F.grid_sample(x, g.tanh(), align_corners=False), (("f", IMG),
                                                                                       ("f", (2, 3, 4, 2)))),
    "fold": Case(lambda x: F.fold(x, (4, 5), 2), (("f", (2, 12, 12)),)),
    "lp_pool2d": Case(lambda x: F.lp_pool2d(x.abs() + 0.1, 2, 2), (("f", IMG),)),
    "max_unpool2d": Case(lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2),
                         (("f", (2, 3, 4, 4)),)),
    "pixel_unshuffle": Case(lambda x: F.pixel_unshuffle(x, 2), (("f", (1, 2, 4, 6)),)),
    "interpolate_trilinear": Case(lambda x: F.interpolate(x, scale_factor=1.5, mode="trilinear"),
                                  (("f", (1, 2, 3, 4, 3)),)),
    "interpolate_bicubic": Case(lambda x: F.interpolate(x, size=(6, 7), mode="bicubic", align_corners=True),
                                (("f", IMG),)),
    "embedding_max_norm": Case(lambda w, i: F.embedding(i, w * 1.0, max_norm=1.0), (("f", (6, 3)), ("i", (2, 4), 6))),
    "gumbel_softmax": Case(lambda x: F.gumbel_softmax(x, tau=0.5), (("f", S),), breaks=True),
    "rrelu_train": Case(lambda x: F.rrelu(x, training=True), (("f", S),), breaks=True),
    "multinomial": Case(lambda x: mt.multinomial(x.softmax(1), 2), (("f", S),), grad=False, breaks=True),
    "randperm_randint": Case(lambda x: x[mt.randperm(3)] + mt.randint(0, 3, (4,)), (("f", S),), breaks=True),
    "uniform_": Case(lambda x: x * mt.empty(3, 4, dtype=mt.float64).uniform_(), (("f", S),), breaks=True),
    "fractional_max_pool2d": Case(lambda x: F.fractional_max_pool2d(x, 2, output_size=(3, 3)), (("f", IMG),),
                                  breaks=True),
    "tril_indices_meshgrid": Case(lambda x: x[tuple(mt.tril_indices(3, 4))] + mt.meshgrid(mt.arange(2.0),
                                  indexing="ij")[0].sum(), (("f", S),)),
    "block_diag": Case(lambda x, y: mt.block_diag(x, y), (("f", (2, 2)), ("f", (1, 3)))),
    "masked_scatter": Case(lambda x, m: x.masked_scatter(m, x * 2), (("f", S), ("mask", S, 4)), breaks=True),
    # in-place
    "add_": Case(lambda x, y: _inplace_leaf(x).add_(y), (("f", S), ("f", S))),
    "mul_": Case(lambda x, y: _inplace_leaf(x).mul_(y), (("f", S), ("f", S))),
    "clamp_": Case(lambda x: _inplace_leaf(x).clamp_(-0.3, 0.3), (("f", S),)),
    "masked_fill_": Case(lambda x, m: _inplace_leaf(x).masked_fill_(m, 2.0), (("f", S), ("b", S))),
    "index_add_": Case(lambda x, i, s: _inplace_leaf(x).index_add_(0, i, s), (("f", S), ("i", (5,), 3),
                                                                             ("f", (5, 4)))),
    "copy_view": Case(lambda x, y: _copy_into_view(x, y), (("f", S), ("f", (3, 2)))),
    "relu_": Case(lambda x: F.relu(_inplace_leaf(x), inplace=True), (("f", S),)),
    "add_sigmoid_": Case(lambda x: _inplace_leaf(x).add_(1.0).sigmoid_(), (("f", S),)),
    "zero_fill_": Case(lambda x: _zero_fill(x), (("f", S),)),
    "inplace_on_input": Case(lambda x, c: (x * c.add_(1.0).mul_(2.0)), (("f", S), ("c", S))),
    "scatter_": Case(lambda x, i, s: _inplace_leaf(x).scatter_(1, i.view(1, 4), s),
                     (("f", S), ("perm", 4), ("f", (1, 4)))),
    # creation inside the function
    "zeros_ones": Case(lambda x: x + mt.zeros(3, 4) + mt.ones((3, 4)) * 2, (("f", S),)),
    "full_eye": Case(lambda x: x @ mt.eye(4, dtype=mt.float64) + mt.full((3, 4), 0.5), (("f", S),)),
    "arange_linspace": Case(lambda x: x * mt.arange(4) + mt.linspace(0, 1, 4), (("f", S),)),
    "tensor_list": Case(lambda x: x * mt.tensor([1.0, 2.0, 3.0, 4.0]), (("f", S),)),
    "like": Case(lambda x: mt.ones_like(x) * x + mt.zeros_like(x) + mt.full_like(x, 2.0), (("f", S),)),
    "new_ops": Case(lambda x: x + x.new_ones(x.shape) + x.new_zeros(3, 4) + x.new_full((4,), 3.0), (("f", S),)),
    "tensor_of_tensor": Case(lambda x, c: x * mt.tensor(c), (("f", S), ("c", S))),
    "as_tensor": Case(lambda x, c: x * mt.as_tensor(c), (("f", S), ("c", S))),
    "clone_detach": Case(lambda x: x * x.detach().clone(), (("f", S),)),
    "new_tensor": Case(lambda x, c: x * x.new_tensor(c), (("f", S), ("c", S))),
    "type_conversion": Case(lambda x: x.float().double() + x.to(mt.float32).to(mt.float64), (("f", S),)),
    "numpy_roundtrip": Case(lambda x, c: x * mt.from_numpy(c.numpy() * 2), (("f", S), ("c", S)), breaks=True),
}


@functools.cache
def _attention_layer() -> Any:
    """One attention layer for every call (made, with its random initial weights, outside the compiled call)."""
    return mt.nn.MultiheadAttention(6, 2, batch_first=True).double()


def _attention(x: mt.Tensor, padding: mt.Tensor) -> mt.Tensor:
    return _attention_layer()(x, x, x, key_padding_mask=padding, need_weights=False)[0]


def _setitem(x: mt.Tensor, index: Any, value: Any) -> mt.Tensor:
    y = x * 1.0
    y[index] = value
    return y


def _copy_into_view(x: mt.Tensor, y: mt.Tensor) -> mt.Tensor:
    z = x * 1.0
    z[:, 1:3].copy_(y)
    return z


def _zero_fill(x: mt.Tensor) -> mt.Tensor:
    z = x * 1.0
    z[:, 1].zero_()
    z[0].fill_(0.5)
    return z


def _arrays(value: Any) -> list:
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in _arrays(v)]
    if isinstance(value, mt.Tensor):
        return [value.detach().numpy().copy()]
    return [np.asarray(value)]


def _assert_same(got: list, want: list, what: str) -> None:
    assert len(got) == len(want), what
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape and g.dtype == w.dtype, f"{what}[{i}]: {g.shape} {g.dtype} != {w.shape} {w.dtype}"
        assert np.array_equal(g, w, equal_nan=g.dtype.kind in "fc"), f"{what}[{i}]: compiled {g} != eager {w}"


def _state(inputs: list) -> list:
    """Every input's memory and gradient, after a call."""
    out = [t.detach().numpy().copy() for t in inputs]
    out += [t.grad.numpy().copy() for t in inputs if t.grad is not None]
    return out


def _run(case: Case, train: bool) -> mt.compile:
    op = case.op

    def step(w: mt.Tensor, *inputs: mt.Tensor) -> Any:
        y = op(*inputs)
        loss = (y * w).sum()
        loss.backward()
        return loss

    def forward(*inputs: mt.Tensor) -> Any:
        with mt.no_grad():
            return op(*inputs)

    fn = step if train else forward
    compiled = mt.compile(fn)
    rng = np.random.default_rng(sum(map(ord, repr(case.specs))))
    w_shape = None
    if train:
        probe = op(*[_make(s, rng) for s in case.specs])
        w_shape = tuple(probe.shape)
    for call in range(CALLS):
        fresh = [_make(s, rng) for s in case.specs]
        if train:
            fresh.insert(0, mt.tensor(rng.standard_normal(w_shape)))
        eager_inputs, compiled_inputs = [_copy(t) for t in fresh], [_copy(t) for t in fresh]
        mt.manual_seed(call)
        want = _arrays(fn(*eager_inputs))
        mt.manual_seed(call)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = _arrays(compiled(*compiled_inputs))
        _assert_same(got, want, f"call {call}: result")
        _assert_same(_state(compiled_inputs), _state(eager_inputs), f"call {call}: inputs and gradients")
    return compiled


def _check(name: str, train: bool) -> None:
    case = CASES[name]
    compiled = _run(case, train)
    if case.breaks:
        assert compiled.breaks, f"{name}: expected a graph break, captured:\n{compiled.code}"
    else:
        assert compiled.breaks == [], compiled.breaks


def _params(train: bool) -> list[str]:
    return [n for n, c in CASES.items() if c.grad or not train]


@pytest.mark.parametrize("name", _params(train=True))
def test_compiled_step_equals_eager(name: str) -> None:
    _check(name, train=True)


@pytest.mark.parametrize("name", _params(train=False))
def test_compiled_forward_equals_eager(name: str) -> None:
    _check(name, train=False)


MODULES: dict[str, Callable[[], Any]] = {
    "BatchNorm2d": lambda: mt.nn.BatchNorm2d(3, momentum=0.3),
    "BatchNorm2d_eval": lambda: mt.nn.BatchNorm2d(3).eval(),
    "BatchNorm1d": lambda: mt.nn.BatchNorm1d(3),
    "InstanceNorm2d_tracked": lambda: mt.nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
    "GroupNorm": lambda: mt.nn.GroupNorm(3, 3),
    "LayerNorm": lambda: mt.nn.LayerNorm(5),
}


@pytest.mark.parametrize("name", list(MODULES))
def test_compiled_module_step_equals_eager(name: str) -> None:
    """A module with buffers (running statistics) trained by a compiled step: outputs, gradients and
    buffers after each of three steps equal eager's."""
    rng = np.random.default_rng(7)
    eager_module = MODULES[name]()
    for p in eager_module.parameters():
        p.data = mt.tensor(rng.standard_normal(tuple(p.shape)))
    compiled_module = copy.deepcopy(eager_module)
    shape = (4, 3, 5) if name == "BatchNorm1d" else (2, 3, 4, 5)

    def step(module: Any, x: mt.Tensor, w: mt.Tensor) -> mt.Tensor:
        loss = (module(x) * w).sum()
        loss.backward()
        return loss

    compiled = mt.compile(step)
    for call in range(CALLS):
        x, w = rng.standard_normal(shape), rng.standard_normal(shape)
        want = step(eager_module, mt.tensor(x, requires_grad=True), mt.tensor(w))
        got = compiled(compiled_module, mt.tensor(x, requires_grad=True), mt.tensor(w))
        _assert_same(_arrays(got), _arrays(want), f"call {call}: loss")
        for (key, a), (_, b) in zip(compiled_module.state_dict().items(), eager_module.state_dict().items()):
            _assert_same(_arrays(a), _arrays(b), f"call {call}: {key}")
        for a, b in zip(compiled_module.parameters(), eager_module.parameters()):
            _assert_same(_arrays(a.grad), _arrays(b.grad), f"call {call}: grad")
    assert compiled.breaks == [], compiled.breaks


@pytest.mark.parametrize("clip", ["clip_grad_norm_", "clip_grad_value_"])
def test_compiled_training_step_with_gradient_clipping_equals_eager(clip: str) -> None:
    """A training step that clips the gradients between backward and the optimizer step: the parameters
    after each of four compiled steps equal eager's."""
    rng = np.random.default_rng(3)

    def make() -> tuple:
        mt.manual_seed(0)
        model = mt.nn.Sequential(mt.nn.Linear(4, 8), mt.nn.ReLU(), mt.nn.Linear(8, 1)).double()
        return model, mt.optim.SGD(model.parameters(), lr=0.1)

    def step(model: Any, opt: Any, x: mt.Tensor, y: mt.Tensor) -> mt.Tensor:
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        if clip == "clip_grad_norm_":
            mt.nn.utils.clip_grad_norm_(model.parameters(), 0.05)
        else:
            mt.nn.utils.clip_grad_value_(model.parameters(), 0.05)
        opt.step()
        return loss

    (eager_model, eager_opt), (model, opt) = make(), make()
    compiled = mt.compile(step)
    for call in range(4):
        x, y = rng.standard_normal((5, 4)), rng.standard_normal((5, 1))
        want = step(eager_model, eager_opt, mt.tensor(x), mt.tensor(y))
        got = compiled(model, opt, mt.tensor(x), mt.tensor(y))
        _assert_same(_arrays(got), _arrays(want), f"call {call}: loss")
        _assert_same(_arrays(list(model.parameters())), _arrays(list(eager_model.parameters())),
                     f"call {call}: parameters")
    assert compiled.breaks == [], compiled.breaks

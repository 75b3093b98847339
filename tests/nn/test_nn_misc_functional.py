"""dropout family, embedding, one_hot, pad, interpolate, linear, bilinear and the distance functions of
nn.functional: gradients (first and second order), PyTorch's values and gradients, statistics, errors."""
import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, rand, requires_torch, seeds, torch
from hypothesis import given, settings

import microtensor as mt
from microtensor.nn import functional as F

TF = torch.nn.functional if torch is not None else None

# name -> (fn(*tensors, F), input shapes): the differentiable deterministic ops
OPS = {
    "linear": (lambda x, w, b, F: F.linear(x, w, b), [(4, 3), (5, 3), (5,)]),
    "linear_3d_no_bias": (lambda x, w, F: F.linear(x, w), [(2, 4, 3), (5, 3)]),
    "linear_1d": (lambda x, w, b, F: F.linear(x, w, b), [(3,), (2, 3), (2,)]),
    "bilinear": (lambda x1, x2, w, b, F: F.bilinear(x1, x2, w, b), [(4, 3), (4, 2), (5, 3, 2), (5,)]),
    "bilinear_no_bias": (lambda x1, x2, w, F: F.bilinear(x1, x2, w), [(2, 2, 3), (2, 2, 2), (4, 3, 2)]),
    "cosine_similarity": (lambda a, b, F: F.cosine_similarity(a, b), [(4, 3), (4, 3)]),
    "cosine_similarity_bcast": (lambda a, b, F: F.cosine_similarity(a, b, dim=-1), [(2, 1, 3), (4, 3)]),
    "pairwise_distance": (lambda a, b, F: F.pairwise_distance(a, b), [(4, 3), (4, 3)]),
    "pairwise_distance_p1": (lambda a, b, F: F.pairwise_distance(a, b, p=3.0, keepdim=True), [(4, 3), (3,)]),
    "normalize": (lambda x, F: F.normalize(x), [(3, 4)]),
    "normalize_p1_dim0": (lambda x, F: F.normalize(x, p=3.0, dim=0), [(3, 4, 2)]),
    "pad_constant": (lambda x, F: F.pad(x, (1, 2)), [(2, 3)]),
    "pad_constant_2d_value": (lambda x, F: F.pad(x, (1, 0, 2, 1), value=1.5), [(2, 3, 3)]),
    "pad_constant_negative": (lambda x, F: F.pad(x, (-1, 2, 1, -2)), [(2, 4, 4)]),
    "pad_constant_3dims": (lambda x, F: F.pad(x, (1, 1, 0, 1, 2, 0)), [(2, 2, 3)]),
    "pad_reflect_1d": (lambda x, F: F.pad(x, (2, 1), mode="reflect"), [(2, 2, 4)]),
    "pad_reflect_2d": (lambda x, F: F.pad(x, (1, 2, 2, 1), mode="reflect"), [(1, 2, 3, 4)]),
    "pad_replicate_1d": (lambda x, F: F.pad(x, (3, 1), mode="replicate"), [(2, 3)]),
    "pad_replicate_2d": (lambda x, F: F.pad(x, (1, 2, 3, 0), mode="replicate"), [(1, 2, 3, 2)]),
    "pad_replicate_3d": (lambda x, F: F.pad(x, (1, 0, 0, 1, 1, 1), mode="replicate"), [(1, 1, 2, 2, 2)]),
    "pad_circular_1d": (lambda x, F: F.pad(x, (2, 3), mode="circular"), [(2, 2, 3)]),
    "pad_circular_2d": (lambda x, F: F.pad(x, (1, 1, 2, 0), mode="circular"), [(1, 1, 3, 3)]),
    "interpolate_size": (lambda x, F: F.interpolate(x, size=(5, 3)), [(1, 2, 3, 4)]),
    "interpolate_scale": (lambda x, F: F.interpolate(x, scale_factor=2), [(2, 1, 3)]),
    "interpolate_scale_frac": (lambda x, F: F.interpolate(x, scale_factor=1.7), [(1, 2, 3, 2)]),
    "interpolate_down": (lambda x, F: F.interpolate(x, size=2), [(1, 1, 5, 5)]),
    "interpolate_recompute": (lambda x, F: F.interpolate(x, scale_factor=1.3, recompute_scale_factor=True),
                              [(1, 1, 7)]),
    "interpolate_exact": (lambda x, F: F.interpolate(x, size=(7, 2), mode="nearest-exact"), [(1, 1, 3, 5)]),
    "interpolate_3d": (lambda x, F: F.interpolate(x, scale_factor=(2, 1, 0.5)), [(1, 1, 2, 2, 4)]),
}


@pytest.mark.parametrize("name", OPS)
@given(seed=seeds)
@settings(max_examples=3)
def test_op_gradcheck(name, seed):
    fn, shapes = OPS[name]
    check_gradients(lambda *t: fn(*t, F), *rand(seed, *shapes))


@requires_torch
@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_op_matches_torch(name, dtype):
    fn, shapes = OPS[name]
    arrays = [a.astype(dtype) for a in rand(3, *shapes)]
    compare_with_torch(lambda *t: fn(*t, F), *arrays, torch_fn=lambda *t: fn(*t, TF), rtol=1e-5, atol=1e-6)


@requires_torch
@pytest.mark.parametrize("n_in, n_out", [(3, 7), (5, 3), (7, 13), (10, 4), (4, 8), (6, 6), (9, 2)])
def test_interpolate_index_rule_matches_torch(n_in, n_out):
    x = np.arange(n_in * 2, dtype=np.float32).reshape(1, 2, n_in)
    for kwargs in ({"size": n_out}, {"scale_factor": n_out / n_in}, {"size": n_out, "mode": "nearest-exact"}):
        np.testing.assert_array_equal(F.interpolate(mt.tensor(x), **kwargs).numpy(),
                                      TF.interpolate(torch.tensor(x), **kwargs).numpy())


@requires_torch
def test_top_level_linear_maps_match_torch():
    a, b, w, bias = rand(0, (4, 3), (4, 2), (5, 3, 2), (5,))
    compare_with_torch(lambda *t: mt.bilinear(*t), a, b, w, bias, torch_fn=lambda *t: torch.bilinear(*t))
    compare_with_torch(lambda a, w: mt.cosine_similarity(a, w), a, a[::-1].copy(),
                       torch_fn=lambda a, w: torch.cosine_similarity(a, w))
    compare_with_torch(lambda a, w: mt.pairwise_distance(a, w), a, a[::-1].copy(),
                       torch_fn=lambda a, w: torch.pairwise_distance(a, w))
    compare_with_torch(lambda x: mt.constant_pad_nd(x, (1, 2, 0, 1), 3.0), a,
                       torch_fn=lambda x: torch.constant_pad_nd(x, (1, 2, 0, 1), 3.0))


def test_linear_does_not_copy_the_weight_and_keeps_float32():
    x = mt.randn(8, 3)
    w = mt.randn(4, 3, requires_grad=True)
    out = F.linear(x, w, mt.zeros(4))
    assert out.dtype == mt.float32 and out.grad_fn.name() == "LinearBackward0"
    np.testing.assert_allclose(out.detach().numpy(), x.numpy() @ w.detach().numpy().T, rtol=1e-6)


# ----------------------------------------------------------------------------- dropout
DROPOUTS = {
    "dropout": (lambda x, p, **kw: F.dropout(x, p, **kw), (40, 50, 6)),
    "dropout1d": (lambda x, p, **kw: F.dropout1d(x, p, **kw), (40, 50, 6)),
    "dropout2d": (lambda x, p, **kw: F.dropout2d(x, p, **kw), (40, 50, 3, 2)),
    "dropout3d": (lambda x, p, **kw: F.dropout3d(x, p, **kw), (40, 50, 2, 2, 2)),
}


@pytest.mark.parametrize("name", DROPOUTS)
@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_statistics_and_mask_consistent_gradient(name, p):
    fn, shape = DROPOUTS[name]
    mt.manual_seed(0)
    x = mt.ones(*shape, dtype=mt.float64, requires_grad=True)
    out = fn(x, p)
    values = out.detach().numpy()
    kept = values != 0
    np.testing.assert_allclose(values[kept], 1 / (1 - p))
    assert abs(kept.mean() - (1 - p)) < 0.03
    np.testing.assert_allclose(values.mean(), 1.0, atol=0.1)
    if name != "dropout":           # whole channels: one draw per (sample, channel)
        flat = kept.reshape(shape[0], shape[1], -1)
        assert (flat == flat[..., :1]).all()
    w = mt.tensor(rand(1, shape)[0])
    (out * w).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), w.numpy() * values)     # the forward's very mask and scale


def test_dropout_is_reproducible_and_identity_in_eval():
    x = mt.randn(5, 4)
    mt.manual_seed(3)
    a = F.dropout(x, 0.5)
    mt.manual_seed(3)
    np.testing.assert_array_equal(a.numpy(), F.dropout(x, 0.5).numpy())
    for fn in (F.dropout, F.dropout1d, F.alpha_dropout):
        np.testing.assert_array_equal(fn(x.unsqueeze(0), 0.5, training=False).numpy(), x.unsqueeze(0).numpy())
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    np.testing.assert_array_equal(mt.dropout(x, 0.5, False).numpy(), x.numpy())


def test_dropout_p_one_gives_zeros_with_zero_gradient():
    x = mt.randn(3, 4, requires_grad=True)
    out = F.dropout(x, 1.0)
    np.testing.assert_array_equal(out.detach().numpy(), 0)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 0)


def test_dropout_inplace():
    mt.manual_seed(1)
    x = mt.ones(100, requires_grad=True)
    y = x * 1
    out = F.dropout(y, 0.5, inplace=True)
    assert out is y and set(np.unique(y.detach().numpy())) <= {0.0, 2.0}
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())


@given(seed=seeds)
@settings(max_examples=3)
def test_dropout_gradcheck_with_a_fixed_mask(seed):
    def fn(x):
        mt.manual_seed(seed)
        return F.dropout(x, 0.3) + F.alpha_dropout(x, 0.4, training=True)
    check_gradients(fn, rand(seed, (3, 4))[0])


def test_alpha_dropout_keeps_mean_and_variance():
    mt.manual_seed(0)
    x = mt.randn(200000, dtype=mt.float64)
    out = F.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(out.mean()) < 0.01 and abs(out.std() - 1) < 0.01
    np.testing.assert_array_equal(F.alpha_dropout(x[:3], 1.0, training=True).numpy(), 0)


@requires_torch
def test_alpha_dropout_constants_match_torch():
    # the dropped value and the affine map, from an all-zero/all-kept input where the mask is visible
    x = np.zeros((2000,), dtype=np.float64)
    out = F.alpha_dropout(mt.tensor(x), 0.3, training=True).numpy()
    expected = TF.alpha_dropout(torch.tensor(x), 0.3, training=True).numpy()
    np.testing.assert_allclose(np.unique(out), np.unique(expected), rtol=1e-12)


# ----------------------------------------------------------------------------- embedding, one_hot
@requires_torch
@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 2}, {"padding_idx": -1}, {"scale_grad_by_freq": True},
                                    {"padding_idx": 0, "scale_grad_by_freq": True}])
def test_embedding_matches_torch(kwargs):
    idx = np.array([[0, 2, 1, 2], [4, 2, 0, 0]])
    weight = rand(0, (5, 3))[0]
    w, tw = mt.tensor(weight, requires_grad=True), torch.tensor(weight, requires_grad=True)
    out, expected = F.embedding(mt.tensor(idx), w, **kwargs), TF.embedding(torch.tensor(idx), tw, **kwargs)
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    g = rand(1, (2, 4, 3))[0]
    (out * mt.tensor(g)).sum().backward()
    (expected * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(mt.embedding(w, mt.tensor(idx)).detach().numpy(),
                                  torch.embedding(tw, torch.tensor(idx)).detach().numpy())


def test_embedding_gradient_accumulates_and_skips_padding():
    w = mt.ones(4, 2, requires_grad=True)
    F.embedding(mt.tensor([1, 1, 3, 1, 2]), w, padding_idx=3).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[0, 0], [3, 3], [1, 1], [0, 0]])


@given(seed=seeds)
@settings(max_examples=3)
def test_embedding_gradcheck(seed):
    idx = mt.tensor(np.random.default_rng(seed).integers(0, 4, (2, 3)))
    # padding_idx and scale_grad_by_freq change the gradient on purpose (not the derivative): tested against torch
    check_gradients(lambda w: F.embedding(idx, w) * F.embedding(idx.flip(0), w), rand(seed, (4, 3))[0])


@requires_torch
def test_embedding_max_norm_renormalizes_rows_in_place_like_torch():
    weight = rand(0, (5, 3))[0] * 3
    w, tw = mt.tensor(weight), torch.tensor(weight)
    idx = np.array([0, 3, 3])
    out = F.embedding(mt.tensor(idx), w, max_norm=1.0)
    expected = TF.embedding(torch.tensor(idx), tw, max_norm=1.0)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.numpy(), tw.numpy(), rtol=1e-12)


@requires_torch
@pytest.mark.parametrize("values, num_classes", [([0, 2, 1], -1), ([[1, 0], [3, 3]], 5), ([], 3), (4, 6)])
def test_one_hot_matches_torch(values, num_classes):
    ours = F.one_hot(mt.tensor(values, dtype=mt.int64), num_classes)
    theirs = TF.one_hot(torch.tensor(values, dtype=torch.int64), num_classes)
    assert ours.dtype == mt.int64 and not ours.requires_grad
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# ----------------------------------------------------------------------------- errors
def test_errors():
    x = mt.zeros(2, 3)
    for p in (-0.1, 1.5):
        for fn in (F.dropout, F.alpha_dropout):
            with pytest.raises(ValueError, match=f"dropout probability has to be between 0 and 1, but got {p}"):
                fn(x, p)
    with pytest.raises(RuntimeError, match="Class values must be non-negative."):
        F.one_hot(mt.tensor([1, -1]))
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        F.one_hot(mt.tensor([1, 3]), 3)
    with pytest.raises(RuntimeError, match="one_hot is only applicable to index tensor of type LongTensor."):
        F.one_hot(mt.tensor([1.0]))
    with pytest.raises(RuntimeError, match="Can not infer total number of classes from empty tensor."):
        F.one_hot(mt.tensor([], dtype=mt.int64))
    with pytest.raises(RuntimeError, match=r"'indices' to have one of the following scalar types: Long, Int; but got "
                                           r"Float tensor"):
        F.embedding(mt.tensor([1.0]), mt.zeros(3, 2))
    with pytest.raises(IndexError, match=r"index out of range in self"):
        F.embedding(mt.tensor([3]), mt.zeros(3, 2))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        F.embedding(mt.tensor([0]), mt.zeros(3, 2), padding_idx=3)
    with pytest.raises(RuntimeError, match=r"linear\(\): input of shape \[2, 3\] has 3 features but weight of shape "
                                           r"\[4, 5\] expects 5: mat1 and mat2 shapes cannot be multiplied "
                                           r"\(2x3 and 5x4\)"):
        F.linear(x, mt.zeros(4, 5))
    with pytest.raises(RuntimeError, match=r"linear\(\): bias should have shape \[4\], got \[3\]"):
        F.linear(x, mt.zeros(4, 3), mt.zeros(3))
    with pytest.raises(RuntimeError, match=r"bilinear\(\): expected input1 \(\*, in1\)"):
        F.bilinear(x, mt.zeros(2, 2), mt.zeros(4, 2, 2))
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(RuntimeError, match=r"Padding size should be less than the corresponding input dimension, but "
                                           r"got: padding \(3, 3\) at dimension 2 of input \[1, 1, 3\]"):
        F.pad(mt.zeros(1, 1, 3), (3, 3), mode="reflect")
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        F.pad(mt.zeros(1, 1, 3), (4, 0), mode="circular")
    with pytest.raises(RuntimeError, match=r"resulted in a negative output size.*dimension 1"):
        F.pad(x, (-2, -2))
    with pytest.raises(ValueError, match="unsupported padding mode 'mirror'"):
        F.pad(x, (1, 1), mode="mirror")
    with pytest.raises(ValueError, match="either size or scale_factor should be defined"):
        F.interpolate(mt.zeros(1, 1, 3))
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        F.interpolate(mt.zeros(1, 1, 3), size=2, scale_factor=2)
    with pytest.raises(ValueError, match="unknown mode 'bilinearr'"):
        F.interpolate(mt.zeros(1, 1, 3, 3), size=2, mode="bilinearr")

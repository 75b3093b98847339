"""Odd-but-legal inputs, side by side with PyTorch: what raises there raises here (same exception class), what
warns there warns here (same category, same text where it is PyTorch's), and what runs there runs here. First
the channel dropouts at every rank (which ranks raise, which warn, which dims one draw covers), then a table of
the other modules and functions."""
import warnings

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor.nn import functional as F

CHANNEL_DROPOUTS = ["dropout1d", "dropout2d", "dropout3d"]
SHAPE = (3, 4, 5, 6, 2, 3)


def _outcome(lib, fn):
    """('ok', shape) or ('raise', exception class name), and the warnings as (category, text)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = fn(lib)
            result = ("ok", tuple(out.shape) if hasattr(out, "shape") else type(out).__name__)
        except Exception as e:      # the class is what is compared
            result = ("raise", type(e).__name__)
    return result, [(w.category.__name__, str(w.message)) for w in caught]


def _constant_dims(zero_masks):
    """The dims along which every zero pattern is constant: the dims one random draw covers."""
    ndim = zero_masks[0].ndim
    return [d for d in range(ndim) if all((z == np.take(z, [0], axis=d)).all() for z in zero_masks)]


def _masks(lib, name, shape, n=25):
    fn = getattr(F if lib is mt else torch.nn.functional, name)
    lib.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [np.asarray(fn(lib.ones(shape), 0.5, True).numpy() == 0) for _ in range(n)]


@requires_torch
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("ndim", range(7))
@pytest.mark.parametrize("name", CHANNEL_DROPOUTS)
def test_channel_dropout_at_every_rank_matches_torch(name, ndim, training):
    shape = SHAPE[:ndim]

    def call(lib):
        return getattr(F if lib is mt else torch.nn.functional, name)(lib.ones(shape), 0.5, training)

    ours, theirs = _outcome(mt, call), _outcome(torch, call)
    assert ours == theirs                      # same result kind and shape, same warnings word for word
    if ours[0][0] == "ok" and training and ndim:
        assert _constant_dims(_masks(mt, name, shape)) == _constant_dims(_masks(torch, name, shape))


@pytest.mark.parametrize("name,shape,rows", [("dropout3d", (6, 50), True), ("dropout1d", (6, 50), True),
                                              ("dropout2d", (6, 50), False)])
def test_two_dim_input_zero_pattern_and_gradient(name, shape, rows):
    """A 2-D input: dropout1d and dropout3d take it as one unbatched (C, L) sample and zero whole rows;
    dropout2d (as PyTorch 2.13) draws per element. The gradient carries the same mask and scale."""
    mt.manual_seed(1)
    x = mt.ones(shape, dtype=mt.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = getattr(F, name)(x, 0.5)
    values = out.detach().numpy()
    assert set(np.unique(values)) == {0.0, 2.0}
    assert np.all(values == values[:, :1]) == rows
    out.backward(mt.full(shape, 3.0, dtype=mt.float64))
    np.testing.assert_array_equal(x.grad.numpy(), 3.0 * values)


def test_unbatched_channel_dropout_in_place():
    mt.manual_seed(2)
    x = mt.ones(8, 30)
    out = F.dropout1d(x, 0.5, inplace=True)
    assert out is x and x._version == 1
    values = x.numpy()
    assert np.all(values == values[:, :1]) and set(np.unique(values)) == {0.0, 2.0}


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_channel_dropout_p_zero_or_one_takes_any_rank(p):
    with pytest.warns(UserWarning, match="Received a 1-D input to dropout2d"):
        out = F.dropout2d(mt.ones(3), p)
    np.testing.assert_array_equal(out.numpy(), np.full(3, 1.0 - p))
    with pytest.raises(RuntimeError, match=r"dropout2d: Feature dropout requires at least 2 dimension\(s\) in the "
                                           r"input \(N, C, \*\), got an input of shape \[3\]"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            F.dropout2d(mt.ones(3), 0.5)


@requires_torch
@pytest.mark.parametrize("name", ["Dropout1d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"])
def test_dropout_modules_match_torch(name):
    ours, theirs = getattr(mt.nn, name)(0.25), getattr(torch.nn, name)(0.25)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(0).standard_normal((2, 3, 4) if name == "Dropout1d" else (2, 3, 4, 5, 6))
    ours.eval(), theirs.eval()
    np.testing.assert_array_equal(ours(mt.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())


def X(L, *shape):
    return L.tensor(np.random.default_rng(0).standard_normal(shape), dtype=L.float32)


def _fn(L):
    return L.nn.functional


# name -> call(L): odd-but-legal (and a few illegal) inputs; each must behave on microtensor as on torch
CASES = {
    # dropout: the identity (eval, p=0) asks nothing of the dtype; modules at odd ranks
    "dropout_eval_int": lambda L: _fn(L).dropout(L.tensor([1, 2]), training=False),
    "dropout_p0_int": lambda L: _fn(L).dropout(L.tensor([1, 2]), 0.0),
    "dropout_train_int": lambda L: _fn(L).dropout(L.tensor([1, 2]), 0.5),
    "alpha_dropout_eval_bool": lambda L: _fn(L).alpha_dropout(L.tensor([True]), 0.5, False),
    "dropout2d_eval_int_3d": lambda L: _fn(L).dropout2d(L.tensor([[[1, 2]]]), training=False),
    "Dropout2d_module_2d": lambda L: L.nn.Dropout2d()(X(L, 3, 4)),
    "Dropout3d_module_3d": lambda L: L.nn.Dropout3d()(X(L, 3, 4, 5)),
    "Dropout1d_module_4d": lambda L: L.nn.Dropout1d()(X(L, 2, 3, 4, 5)),
    "feature_alpha_dropout_1d": lambda L: _fn(L).feature_alpha_dropout(X(L, 3), 0.5, True),
    "feature_alpha_dropout_1d_eval": lambda L: _fn(L).feature_alpha_dropout(X(L, 3), 0.5, False),
    # normalization at batch size 1
    "batch_norm_batch1_train": lambda L: L.nn.BatchNorm1d(3)(X(L, 1, 3)),
    "batch_norm_batch1_eval": lambda L: L.nn.BatchNorm1d(3).eval()(X(L, 1, 3)),
    "batch_norm_batch1_positions": lambda L: L.nn.BatchNorm1d(3)(X(L, 1, 3, 2)),
    "group_norm_one_value_per_group": lambda L: L.nn.GroupNorm(3, 3)(X(L, 1, 3)),
    "group_norm_F_one_value_per_group": lambda L: _fn(L).group_norm(X(L, 1, 4, 1), 4),
    "group_norm_two_samples": lambda L: L.nn.GroupNorm(3, 3)(X(L, 2, 3)),
    # softmax without dim: PyTorch's implicit-dim warning
    "softmax_module_no_dim": lambda L: L.nn.Softmax()(X(L, 2, 3)),
    "log_softmax_F_no_dim": lambda L: _fn(L).log_softmax(X(L, 2, 3, 4)),
    "softmin_F_no_dim": lambda L: _fn(L).softmin(X(L, 3)),
    # pooling and convolution
    "max_pool_padding_over_half": lambda L: L.nn.MaxPool2d(2, padding=2)(X(L, 1, 1, 6, 6)),
    "avg_pool_padding_over_half": lambda L: L.nn.AvgPool2d(2, padding=2)(X(L, 1, 1, 6, 6)),
    "max_pool_unbatched": lambda L: L.nn.MaxPool2d(2)(X(L, 1, 6, 6)),
    "conv_same_strided": lambda L: L.nn.Conv2d(1, 1, 3, stride=2, padding="same"),
    # embeddings and attention
    "embedding_max_norm": lambda L: L.nn.Embedding(5, 3, max_norm=1.0)(L.tensor([0, 1, 1])),
    "mha_bool_padding_float_attn_mask": lambda L: L.nn.MultiheadAttention(4, 2)(
        X(L, 3, 2, 4), X(L, 3, 2, 4), X(L, 3, 2, 4), attn_mask=L.zeros(3, 3),
        key_padding_mask=L.zeros(2, 3, dtype=L.bool))[0],
    "mha_same_mask_types": lambda L: L.nn.MultiheadAttention(4, 2)(
        X(L, 3, 2, 4), X(L, 3, 2, 4), X(L, 3, 2, 4), attn_mask=L.zeros(3, 3, dtype=L.bool),
        key_padding_mask=L.zeros(2, 3, dtype=L.bool))[0],
    "lstm_dropout_one_layer": lambda L: L.nn.LSTM(3, 4, dropout=0.5),
    # shape ops and activations
    "flatten_0d_start_dim_1": lambda L: L.nn.Flatten()(X(L)),
    "flatten_0d": lambda L: L.flatten(X(L)),
    "softplus_beta_0": lambda L: _fn(L).softplus(X(L, 3), beta=0),
    # losses: cross entropy with probabilities, BCE's target range, size mismatches
    "cross_entropy_probabilities": lambda L: L.nn.CrossEntropyLoss()(X(L, 2, 3), L.softmax(X(L, 2, 3), 1)),
    "cross_entropy_probabilities_ignore_index": lambda L: _fn(L).cross_entropy(
        X(L, 2, 3), L.softmax(X(L, 2, 3), 1), ignore_index=1),
    "cross_entropy_probabilities_negative_ignore_index": lambda L: L.nn.CrossEntropyLoss(ignore_index=-1)(
        X(L, 2, 3), L.softmax(X(L, 2, 3), 1)),
    "cross_entropy_label_smoothing_out_of_range": lambda L: _fn(L).cross_entropy(
        X(L, 2, 3), L.tensor([0, 1]), label_smoothing=1.5),
    "bce_target_above_one": lambda L: L.nn.BCELoss()(L.sigmoid(X(L, 3)), L.tensor([2.0, 0.0, 1.0])),
    "bce_target_nan": lambda L: _fn(L).binary_cross_entropy(L.sigmoid(X(L, 2)), L.tensor([float("nan"), 0.0])),
    "bce_with_logits_target_above_one": lambda L: _fn(L).binary_cross_entropy_with_logits(
        X(L, 3), L.tensor([2.0, 0.0, -1.0])),
    "mse_size_mismatch": lambda L: _fn(L).mse_loss(X(L, 2, 3), X(L, 3)),
    "huber_size_mismatch": lambda L: _fn(L).huber_loss(X(L, 4, 1), X(L, 4)),
    "poisson_size_mismatch": lambda L: _fn(L).poisson_nll_loss(X(L, 2, 3), L.ones(3)),
    "hinge_size_mismatch": lambda L: _fn(L).hinge_embedding_loss(X(L, 2, 3), L.ones(3)),
    "soft_margin_size_mismatch": lambda L: _fn(L).soft_margin_loss(X(L, 2, 3), L.ones(3)),
    "multilabel_soft_margin_size_mismatch": lambda L: _fn(L).multilabel_soft_margin_loss(X(L, 2, 3), L.ones(3)),
    "margin_ranking_rank_mismatch": lambda L: _fn(L).margin_ranking_loss(X(L, 2, 3), X(L, 3), L.ones(2, 3)),
    "margin_ranking_target_rank_mismatch": lambda L: _fn(L).margin_ranking_loss(X(L, 2, 3), X(L, 2, 3), L.ones(3)),
    "margin_ranking_broadcast_same_rank": lambda L: _fn(L).margin_ranking_loss(X(L, 2, 3), X(L, 1, 3), L.ones(2, 1)),
    "kl_div_default_mean": lambda L: _fn(L).kl_div(X(L, 2, 3), L.softmax(X(L, 2, 3), 1)),
}


@requires_torch
@pytest.mark.parametrize("name", CASES)
def test_odd_input_behaves_as_torch(name):
    ours, theirs = _outcome(mt, CASES[name]), _outcome(torch, CASES[name])
    assert ours[0] == theirs[0]
    assert [c for c, _ in ours[1]] == [c for c, _ in theirs[1]], (ours[1], theirs[1])


# the messages that are PyTorch's, word for word (microtensor's own errors name the op and the shapes instead)
MESSAGES = {
    "bce_target_above_one": (RuntimeError, "all elements of target should be between 0 and 1"),
    "cross_entropy_probabilities_ignore_index": (RuntimeError, "ignore_index is not supported for floating point "
                                                               "target"),
    "group_norm_one_value_per_group": (ValueError, r"Expected more than 1 value per channel when training, got "
                                                   r"input size \[1, 3\]"),
    "margin_ranking_rank_mismatch": (RuntimeError, r"margin_ranking_loss : All input tensors should have same "
                                                   r"dimension but got sizes: input1: \[2, 3\], input2: \[3\]"),
    "flatten_0d_start_dim_1": (IndexError, r"Dimension out of range \(expected to be in range of \[-1, 0\], but "
                                           r"got 1\)"),
}


@pytest.mark.parametrize("name", MESSAGES)
def test_odd_input_errors(name):
    cls, message = MESSAGES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(cls, match=message):
            CASES[name](mt)


def test_mismatched_mask_types_warn_with_torchs_text():
    with pytest.warns(UserWarning, match=r"^Support for mismatched key_padding_mask and attn_mask is deprecated\. "
                                         r"Use same type for both instead\.$"):
        CASES["mha_bool_padding_float_attn_mask"](mt)


def test_same_padding_with_an_asymmetric_split_warns():
    """PyTorch warns once per process (TORCH_WARN_ONCE), so this checks microtensor alone: the kernel's padding
    d * (k - 1) is odd, and the warning says what PyTorch's does."""
    w = mt.ones(1, 1, 6, 3)       # kernel height 6: 5 rows of padding, split 2 + 3
    with pytest.warns(UserWarning, match=r"Using padding='same' with even kernel lengths and odd dilation may "
                                         r"require a zero-padded copy of the input be created"):
        out = F.conv2d(mt.ones(1, 1, 7, 11), w, padding="same")
    assert tuple(out.shape) == (1, 1, 7, 11)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.conv2d(mt.ones(1, 1, 7, 11), mt.ones(1, 1, 5, 3), padding="same")     # a symmetric split: silent

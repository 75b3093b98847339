"""The attention demo's headline results with its full settings: the Transformer encoder and the seq2seq model
with attention reverse held-out digit sequences almost perfectly and attend to the mirrored position; one
attention layer is F.scaled_dot_product_attention on its projections; greedy decoding is teacher forcing on
the model's own guesses."""
import numpy as np
import pytest

import microtensor as mt

pytest.importorskip("matplotlib")

from demos import attention


@pytest.fixture(scope="module")
def transformer():
    model, history, split = attention.train_transformer()
    return model, history, split


@pytest.fixture(scope="module")
def seq2seq():
    model, history, split = attention.train_seq2seq()
    return model, history, split


def test_split_is_reversal_with_held_out_test_sequences():
    split = attention.reversal_split(n_train=512, n_test=100)
    assert split.x_train.shape == (512, attention.LENGTH) and split.x_test.shape == (100, attention.LENGTH)
    assert np.array_equal(split.y_test.numpy(), split.x_test.numpy()[:, ::-1])
    seen = {tuple(row) for row in split.x_train.tolist()}
    assert not any(tuple(row) in seen for row in split.x_test.tolist())


def test_mirror_attention_is_one_on_the_anti_diagonal_and_one_over_l_when_uniform():
    n = attention.LENGTH
    assert attention.mirror_attention(mt.eye(n).flip(1)) == pytest.approx(1.0)
    assert attention.mirror_attention(mt.full((3, n, n), 1 / n)) == pytest.approx(1 / n)


def test_multihead_attention_is_sdpa_on_its_projections():
    mt.manual_seed(0)
    attn = mt.nn.MultiheadAttention(12, 3, batch_first=True)
    mt.nn.init.normal_(attn.in_proj_bias)          # zero at init: give the check biases to get wrong
    mt.nn.init.normal_(attn.out_proj.bias)
    x = mt.randn(4, 5, 12)
    np.testing.assert_allclose(attention.attention_by_hand(attn, x).detach().numpy(),
                               attn(x, x, x)[0].detach().numpy(), atol=1e-6)


@pytest.mark.slow
def test_transformer_reverses_held_out_sequences(transformer):
    model, history, split = transformer
    tokens, sequences = attention.sequence_scores(model, split.x_test, split.y_test)
    assert tokens > 0.99 and sequences > 0.97
    assert history.accuracy[-1] == pytest.approx(tokens)
    assert history.loss[-1] < history.loss[0] / 10


@pytest.mark.slow
def test_a_transformer_head_attends_to_the_mirrored_position(transformer):
    model, _, split = transformer
    maps = model.attention_maps(split.x_test[:200])
    assert maps.shape == (200, 1, 2, attention.LENGTH, attention.LENGTH)
    assert max(attention.mirror_attention(maps[:, 0, h]) for h in range(2)) > 0.9


@pytest.mark.slow
def test_seq2seq_reverses_held_out_sequences_by_greedy_decoding(seq2seq):
    model, history, split = seq2seq
    tokens, sequences = attention.sequence_scores(model, split.x_test, split.y_test)
    assert tokens > 0.98 and sequences > 0.95
    assert history.accuracy[0] < 0.9 < history.accuracy[-1]


@pytest.mark.slow
def test_seq2seq_attends_to_the_mirrored_position(seq2seq):
    model, _, split = seq2seq
    with mt.no_grad():
        weights = model.translate(split.x_test[:200])[1]
    assert weights.shape == (200, attention.LENGTH, attention.LENGTH)
    np.testing.assert_allclose(weights.sum(dim=-1).numpy(), 1.0, rtol=1e-5)
    assert attention.mirror_attention(weights) > 0.9


def test_greedy_decoding_is_teacher_forcing_on_its_own_guesses():
    mt.manual_seed(1)
    model = attention.Seq2Seq(embed_dim=8, hidden=12)
    x = mt.randint(0, attention.DIGITS, (6, attention.LENGTH))
    with mt.no_grad():
        logits, weights = model.translate(x)
        forced_logits, forced_weights = model.translate(x, logits.argmax(dim=1))
    np.testing.assert_allclose(forced_logits.numpy(), logits.numpy(), atol=1e-5)
    np.testing.assert_allclose(forced_weights.numpy(), weights.numpy(), atol=1e-6)

"""The text classification demo: its sentences mean what their labels say; with the full settings the TextCNN
and the TextRNN classify held-out sentences well over 90% right, and the bag of words stays near chance."""
import pytest

pytest.importorskip("matplotlib")

from demos import text_classification as tc


def test_sentences_are_distinct_fit_the_length_and_follow_their_kind():
    sentences = tc.make_sentences(3000, seed=1)
    assert len({s.text for s in sentences}) == 3000
    assert max(len(s.text.split()) for s in sentences) == tc.MAX_LENGTH
    assert {s.kind for s in sentences} == set(tc.KINDS)
    for s in sentences:
        words = s.text.split()
        positive_word = words[-1] in tc.POSITIVE
        assert positive_word or words[-1] in tc.NEGATIVE
        assert s.label == (not positive_word if s.kind == "negated" else positive_word), s
        assert ("not" in words) == (s.kind == "negated") and ("but" in words) == (s.kind == "contrast")


def test_encode_pads_on_the_right_with_id_0():
    ids = tc.encode(["the film was not good"]).tolist()[0]
    assert [tc.VOCAB[i] for i in ids[:5]] == ["the", "film", "was", "not", "good"]
    assert ids[5:] == [0] * (tc.MAX_LENGTH - 5) and tc.VOCAB[0] == tc.PAD


def test_data_split_has_no_test_sentence_in_training():
    split, test = tc.make_data(200, 100)
    assert split.x_train.shape == (200, tc.MAX_LENGTH) and split.x_test.shape == (100, tc.MAX_LENGTH)
    train_rows = {tuple(row) for row in split.x_train.tolist()}
    assert not train_rows & {tuple(row) for row in split.x_test.tolist()}
    assert split.y_test.tolist() == [s.label for s in test]


@pytest.mark.parametrize("name", ["TextRNN", "bag of words"])
def test_rnn_and_bag_of_words_ignore_padding(name):
    model = tc.MODELS[name](len(tc.VOCAB))
    short = tc.encode(["the film was not good"], length=6)
    long = tc.encode(["the film was not good"], length=tc.MAX_LENGTH)
    assert model(short).detach().numpy() == pytest.approx(model(long).detach().numpy(), abs=1e-6)


@pytest.mark.slow
def test_full_settings_cnn_and_rnn_beat_90_percent_and_the_bag_of_words_guesses():
    data = tc.make_data()
    split, test = data
    runs = {name: tc.train(name, data) for name in tc.MODELS}
    for name in ("TextCNN", "TextRNN"):
        model, history = runs[name]
        assert history.accuracy[0] < 0.9 < history.accuracy[-1], name           # it learned, within the run
        assert min(tc.accuracy_by_kind(model, split, test).values()) > 0.9, name
    _, bag = runs["bag of words"]
    assert bag.accuracy[-1] < 0.6

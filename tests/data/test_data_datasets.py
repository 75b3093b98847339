"""microtensor.datasets: the generated sets, scikit-learn's digits and the IDX reader/writer."""
import builtins
import gzip

import numpy as np
import pytest

import microtensor as mt
from microtensor import datasets
from microtensor.datasets import read_idx, write_idx
from microtensor.datasets.idx import parse_idx
from microtensor.utils.data import DataLoader, TensorDataset


@pytest.mark.parametrize("op, table", [
    ("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("xor", [0, 1, 1, 0]), ("nand", [1, 1, 1, 0]),
    ("nor", [1, 0, 0, 0]), ("NOT", [1, 0])])
def test_truth_tables(op, table):
    X, y = datasets.truth_table(op).tensors
    assert X.dtype == mt.float32 and y.dtype == mt.int64 and y.tolist() == table
    assert X.tolist() == ([[0.0], [1.0]] if op == "NOT" else [[0, 0], [0, 1], [1, 0], [1, 1]])
    with pytest.raises(ValueError, match="truth_table: unknown op 'implies'; expected one of"):
        datasets.truth_table("implies")


def test_xor_is_its_truth_table():
    assert datasets.xor().tensors[1].tolist() == [0, 1, 1, 0]


@pytest.mark.parametrize("make, x_shape, classes", [
    (lambda g: datasets.spiral(50, 4, generator=g), (200, 2), 4),
    (lambda g: datasets.moons(101, generator=g), (101, 2), 2),
    (lambda g: datasets.sum_of_five(300, generator=g), (300, 5), 2)])
def test_random_sets_shapes_labels_and_seeds(make, x_shape, classes):
    ds = make(mt.Generator().manual_seed(0))
    X, y = ds.tensors
    assert isinstance(ds, TensorDataset) and tuple(X.shape) == x_shape and X.dtype == mt.float32
    assert y.dtype == mt.int64 and sorted(set(y.tolist())) == list(range(classes))
    np.testing.assert_array_equal(make(mt.Generator().manual_seed(0)).tensors[0].numpy(), X.numpy())
    assert not np.array_equal(make(mt.Generator().manual_seed(1)).tensors[0].numpy(), X.numpy())


def test_sum_of_five_labels_and_moons_geometry():
    X, y = datasets.sum_of_five(500).tensors
    assert X.min().item() >= 0 and X.max().item() < 1
    np.testing.assert_array_equal(y.numpy(), X.numpy().sum(1) > 2.5)
    X, y = datasets.moons(100, noise=0.0).tensors
    outer, inner = X.numpy()[y.numpy() == 0], X.numpy()[y.numpy() == 1]
    np.testing.assert_allclose(np.hypot(*outer.T), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1.0, rtol=1e-6)
    X, y = datasets.spiral(30, 3, noise=0.0).tensors
    np.testing.assert_allclose(np.hypot(*X.numpy().T), np.tile(np.linspace(0, 1, 30), 3), atol=1e-6)


def test_sine_waves_targets_are_the_next_step():
    X, Y = datasets.sine_waves(8, 20, noise=0.0, generator=mt.Generator().manual_seed(0)).tensors
    assert tuple(X.shape) == tuple(Y.shape) == (8, 20, 1)
    np.testing.assert_array_equal(X.numpy()[:, 1:], Y.numpy()[:, :-1])
    assert np.abs(X.numpy()).max() <= 1.0


def test_char_corpus_windows():
    ds, vocab = datasets.char_corpus(seq_len=10)
    text = datasets.TINY_CORPUS
    assert vocab == "".join(sorted(set(text))) and len(ds) == len(text) - 10
    x, y = ds[5]
    assert "".join(vocab[i] for i in x.tolist()) == text[5:15]
    assert "".join(vocab[i] for i in y.tolist()) == text[6:16]
    ds, vocab = datasets.char_corpus(3, text="abcab")
    assert vocab == "abc" and ds.tensors[0].tolist() == [[0, 1, 2], [1, 2, 0]]
    with pytest.raises(ValueError, match=r"char_corpus: seq_len must be in \[1, 4\]"):
        datasets.char_corpus(5, text="abcab")


def test_generated_sets_feed_a_dataloader():
    loader = DataLoader(datasets.spiral(20, 3), batch_size=16, shuffle=True)
    assert sum(len(xb) for xb, _ in loader) == 60 and len(loader) == 4


def test_digits():
    pytest.importorskip("sklearn")
    images, labels = datasets.digits().tensors
    assert tuple(images.shape) == (1797, 1, 8, 8) and images.dtype == mt.float32
    assert 0 <= images.min().item() and images.max().item() == 1.0
    assert labels.dtype == mt.int64 and sorted(set(labels.tolist())) == list(range(10))
    flat = datasets.digits(flatten=True).tensors[0]
    np.testing.assert_array_equal(flat.numpy(), images.numpy().reshape(1797, 64))


def test_digits_without_scikit_learn(monkeypatch):
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(ImportError, match="needs scikit-learn.*pip install scikit-learn"):
        datasets.digits()


# ----------------------------------------------------------------------------- IDX
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("shape", [(5,), (3, 4, 2), (0, 2)])
def test_idx_round_trip(dtype, suffix, shape, tmp_path):
    array = (np.random.default_rng(0).standard_normal(shape) * 50).astype(dtype)
    path = tmp_path / f"a.idx{suffix}"
    write_idx(path, array)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == (suffix == ".gz")
    out = read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.shape == shape and out.dtype.isnative
    np.testing.assert_array_equal(out, array)


def test_idx_layout_is_big_endian():
    raw = bytes([0, 0, 0x0B, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE])
    np.testing.assert_array_equal(parse_idx(raw), [[0x0102, -2]])
    np.testing.assert_array_equal(parse_idx(gzip.compress(raw)), [[0x0102, -2]])


@pytest.mark.parametrize("raw, match", [
    (b"\x01\x00\x08\x01", "is not an IDX file"),
    (bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 5]), "unknown type code 0x07"),
    (bytes([0, 0, 0x08, 2, 0, 0, 0, 1]), "truncated: its header needs 12 bytes, got 8"),
    (bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 1, 2]), r"has 10 bytes, but its header \(shape \(3,\), uint8\) needs 11"),
    (b"\x1f\x8b\x08\x00garbage", "damaged gzip file"),
])
def test_idx_errors(raw, match, tmp_path):
    path = tmp_path / "bad.idx"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=match):
        read_idx(path)


def test_write_idx_rejects_unsupported_dtypes(tmp_path):
    with pytest.raises(TypeError, match="write_idx: IDX cannot store dtype int64"):
        write_idx(tmp_path / "x.idx", np.zeros(3, np.int64))

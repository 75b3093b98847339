"""F.embedding_bag and nn.EmbeddingBag: finite-difference gradients of the table and the per-sample weights
(first and second order), PyTorch's values and gradients for every mode and option (offsets, empty bags,
include_last_offset, 2-D input, padding_idx, max_norm, scale_grad_by_freq), the module with copied weights,
from_pretrained, and PyTorch's errors."""
import numpy as np
import pytest
from helpers import check_gradients, requires_torch, seeds, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor.nn import functional as mtF


def bags(seed, rows, length, count):
    """Indices into ``rows`` rows and non-decreasing offsets starting at 0 (some bags empty)."""
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, rows, length)
    offsets = np.sort(rng.integers(0, length + 1, count))
    if count:
        offsets[0] = 0
    return indices, offsets


@given(seed=seeds, rows=st.integers(1, 5), dim=st.integers(1, 3), length=st.integers(0, 6),
       count=st.integers(1, 4), mode=st.sampled_from(["sum", "mean", "max"]), weighted=st.booleans(),
       padding=st.booleans())
@settings(max_examples=30, deadline=None, derandomize=True)
def test_embedding_bag_gradcheck(seed, rows, dim, length, count, mode, weighted, padding):
    indices, offsets = bags(seed, rows, length, count)
    rng = np.random.default_rng(seed)
    table = rng.standard_normal((rows, dim))
    weights = rng.uniform(0.5, 2.0, length)
    padding_idx = 0 if padding else None

    def fn(w, psw):
        return mtF.embedding_bag(mt.tensor(indices), w, mt.tensor(offsets), mode=mode, padding_idx=padding_idx,
                                 per_sample_weights=psw if mode == "sum" and weighted else None)
    check_gradients(fn, table, weights)


def test_embedding_bag_2d_input_gradcheck():
    rng = np.random.default_rng(0)
    indices = rng.integers(0, 4, (3, 2))
    for mode in ("sum", "mean", "max"):
        check_gradients(lambda w, idx=indices, m=mode: mtF.embedding_bag(mt.tensor(idx), w, mode=m),
                        rng.standard_normal((4, 3)))


CASES = {   # name: (input of (indices, offsets or None) from a seed, embedding_bag's keywords)
    "mean": (lambda s: bags(s, 7, 9, 3), {}),
    "sum": (lambda s: bags(s, 7, 9, 4), {"mode": "sum"}),
    "max": (lambda s: bags(s, 7, 9, 4), {"mode": "max"}),
    "sum_weighted": (lambda s: bags(s, 7, 9, 3), {"mode": "sum", "per_sample_weights": True}),
    "last_offset_sum": (lambda s: closed(*bags(s, 6, 8, 4)), {"mode": "sum", "include_last_offset": True}),
    "last_offset_max": (lambda s: closed(*bags(s, 6, 8, 4)), {"mode": "max", "include_last_offset": True}),
    "padding_mean": (lambda s: bags(s, 4, 10, 3), {"padding_idx": 1}),
    "padding_max": (lambda s: bags(s, 3, 10, 4), {"mode": "max", "padding_idx": -1}),
    "padding_weighted": (lambda s: bags(s, 4, 10, 3), {"mode": "sum", "padding_idx": 2, "per_sample_weights": True}),
    "freq_sum": (lambda s: (np.array([2, 0, 2, 1, 1, 0]), np.array([0, 3])),    # equal counts: pytorch#190063
                 {"mode": "sum", "scale_grad_by_freq": True}),
    "empty_input": (lambda s: (np.zeros(0, dtype=np.int64), np.array([0, 0, 0])), {"mode": "max"}),
    "no_bags": (lambda s: (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)), {"mode": "sum"}),
    "2d_mean": (lambda s: (np.random.default_rng(s).integers(0, 7, (4, 3)), None), {}),
    "2d_max_padding": (lambda s: (np.random.default_rng(s).integers(0, 3, (4, 3)), None),
                       {"mode": "max", "padding_idx": 0}),
    "2d_weighted": (lambda s: (np.random.default_rng(s).integers(0, 7, (4, 3)), None),
                    {"mode": "sum", "per_sample_weights": True}),
    "int32": (lambda s: tuple(a.astype(np.int32) for a in bags(s, 7, 9, 3)), {"mode": "sum"}),
}


def closed(indices, offsets):
    """Offsets for ``include_last_offset``: the end of the input appended."""
    return indices, np.append(offsets, len(indices))


def run_bag(lib, name, seed, dtype):
    make, options = CASES[name]
    indices, offsets = make(seed)
    rng = np.random.default_rng(seed)
    rows = int(indices.max(initial=0)) + 1 + 2
    weight = lib.tensor(rng.standard_normal((rows, 4)).astype(dtype), requires_grad=True)
    options = dict(options)
    psw = None
    if options.pop("per_sample_weights", False):
        psw = lib.tensor(rng.uniform(0.5, 2, indices.shape).astype(dtype), requires_grad=True)
    F = mtF if lib is mt else torch.nn.functional
    out = F.embedding_bag(lib.tensor(indices), weight, None if offsets is None else lib.tensor(offsets),
                          per_sample_weights=psw, **options)
    (out * lib.tensor(rng.standard_normal(tuple(out.shape)).astype(dtype))).sum().backward()
    return out, weight, psw


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", CASES)
def test_embedding_bag_matches_torch(name, dtype):
    for seed in range(3):
        (out, weight, psw), (t_out, t_weight, t_psw) = run_bag(mt, name, seed, dtype), run_bag(torch, name, seed, dtype)
        assert tuple(out.shape) == tuple(t_out.shape) and out.dtype.name == dtype
        np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(weight.grad.numpy(), t_weight.grad.numpy(), rtol=1e-5, atol=1e-6)
        if psw is not None:
            np.testing.assert_allclose(psw.grad.numpy(), t_psw.grad.numpy(), rtol=1e-5, atol=1e-6)


@requires_torch
@pytest.mark.parametrize("norm_type", [2.0, 1.0])
def test_embedding_bag_max_norm_renormalises_in_place_as_torch(norm_type):
    indices, offsets = bags(3, 8, 6, 2)
    table = np.random.default_rng(3).standard_normal((8, 3)) * 3
    results = []
    for lib in (mt, torch):
        weight = lib.tensor(table)
        F = mtF if lib is mt else torch.nn.functional
        out = F.embedding_bag(lib.tensor(indices), weight, lib.tensor(offsets), max_norm=1.5, norm_type=norm_type)
        results.append((out.numpy(), weight.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@requires_torch
def test_embedding_bag_module_matches_torch_with_copied_weights():
    indices, offsets = bags(5, 10, 12, 4)
    psw = np.random.default_rng(5).uniform(0.5, 2, 12)
    for kw in ({}, {"mode": "sum"}, {"mode": "max", "padding_idx": 3}, {"mode": "sum", "include_last_offset": True}):
        ours, theirs = mt.nn.EmbeddingBag(10, 4, **kw), torch.nn.EmbeddingBag(10, 4, **kw)
        assert repr(ours) == repr(theirs)
        ours.load_state_dict({"weight": mt.tensor(theirs.weight.detach().numpy())})
        args = {"offsets": closed(indices, offsets)[1] if kw.get("include_last_offset") else offsets}
        if kw.get("mode") == "sum":
            args["per_sample_weights"] = psw.astype(np.float32)
        out = ours(mt.tensor(indices), **{k: mt.tensor(v) for k, v in args.items()})
        t_out = theirs(torch.tensor(indices), **{k: torch.tensor(v) for k, v in args.items()})
        np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5, atol=1e-6)
        out.sum().backward()
        t_out.sum().backward()
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    padded = mt.nn.EmbeddingBag(5, 2, padding_idx=-2)
    assert padded.padding_idx == 3 and not padded.weight[3].detach().numpy().any()
    assert repr(mt.nn.EmbeddingBag(5, 2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True, mode="sum",
                                   padding_idx=1)) == repr(torch.nn.EmbeddingBag(
        5, 2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True, mode="sum", padding_idx=1))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_ignores_indices_past_the_last_offset(mode):
    """With include_last_offset, indices after the last offset are in no bag, as PyTorch documents (its CPU
    kernels disagree among the modes there, pytorch/pytorch#190062), and get no gradient."""
    weight = mt.tensor([[1.0], [10.0], [100.0], [1000.0]], requires_grad=True)
    out = mtF.embedding_bag(mt.tensor([0, 1, 2, 3]), weight, mt.tensor([0, 1, 3]), mode=mode,
                            include_last_offset=True)
    assert out.tolist() == [[1.0], {"sum": [110.0], "mean": [55.0], "max": [100.0]}[mode]]
    out.sum().backward()
    assert weight.grad.tolist()[3] == [0.0]


def test_embedding_bag_scales_by_the_true_frequency():
    """scale_grad_by_freq divides each row's gradient by its index's count in the input, as documented and as
    F.embedding does (PyTorch 2.13's CPU embedding_bag divides by another index's count, pytorch/pytorch#190063)."""
    for mode in ("sum", "mean"):
        weight = mt.ones((4, 1), requires_grad=True)
        mtF.embedding_bag(mt.tensor([1, 1, 3, 2, 1]), weight, mt.tensor([0, 2]), mode=mode,
                          scale_grad_by_freq=True).sum().backward()
        bag_share = {"sum": [1.0, 1.0, 1.0], "mean": [1 / 2, 1 / 3, 1 / 3]}[mode]
        expected = [0.0, (2 * bag_share[0] + bag_share[1]) / 3, bag_share[2], bag_share[2]]
        np.testing.assert_allclose(weight.grad.numpy()[:, 0], expected)


def test_embedding_bag_from_pretrained():
    table = mt.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
    frozen = mt.nn.EmbeddingBag.from_pretrained(table, mode="max")
    assert frozen.weight is not table and not frozen.weight.requires_grad
    assert frozen(mt.tensor([[0, 2], [1, 1]])).tolist() == [[5.0, 7.0], [3.0, 4.0]]
    trainable = mt.nn.EmbeddingBag.from_pretrained(table, freeze=False, include_last_offset=True)
    assert trainable.weight.requires_grad
    assert trainable(mt.tensor([0, 1, 2]), mt.tensor([0, 2, 3])).tolist() == [[2.0, 3.0], [5.0, 7.0]]
    with pytest.raises(AssertionError, match="Embeddings parameter is expected to be 2-dimensional"):
        mt.nn.EmbeddingBag.from_pretrained(mt.ones(3))


def test_embedding_bag_keeps_the_old_argument_order_with_a_warning():
    weight, indices = mt.tensor([[1.0], [2.0]]), mt.tensor([1, 1, 0])
    with pytest.warns(UserWarning, match="Argument order of nn.functional.embedding_bag was changed"):
        out = mtF.embedding_bag(weight, indices, mt.tensor([0, 2]), mode="sum")
    assert out.tolist() == [[4.0], [1.0]]


def bag_call(input=None, weight=None, offsets=None, **kw):
    """A call of embedding_bag on a valid problem (8 indices into 10 rows, 3 bags) with some arguments replaced."""
    def call(lib):
        F = mtF if lib is mt else torch.nn.functional
        args = [np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.random.default_rng(0).standard_normal((10, 3)),
                np.array([0, 4, 4])]
        for i, v in enumerate((input, weight, offsets)):
            if v is not None:
                args[i] = None if v is False else v
        options = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        return F.embedding_bag(*[lib.tensor(a) if isinstance(a, np.ndarray) else a for a in args], **options)
    return call


ERRORS = {
    "mode": (bag_call(mode="min"), ValueError, "mode has to be one of sum, mean or max"),
    "weights_not_sum": (bag_call(per_sample_weights=np.ones(8)), NotImplementedError,
                        "per_sample_weights is only supported for mode='sum' (got mode='mean')"),
    "weights_shape": (bag_call(mode="sum", per_sample_weights=np.ones(3)), ValueError,
                      "If per_sample_weights"),
    "weights_dtype": (bag_call(mode="sum", per_sample_weights=np.ones(8, dtype=np.float32)), RuntimeError,
                      "to have the same type as tensor for argument #1 'per_sample_weights'"),
    "2d_with_offsets": (bag_call(input=np.ones((2, 4), dtype=np.int64)), ValueError,
                        "if input is 2D, then offsets has to be None"),
    "1d_without_offsets": (bag_call(offsets=False), ValueError, "offsets has to be a 1D Tensor but got None"),
    "offsets_2d": (bag_call(offsets=np.array([[0, 4]])), ValueError, "offsets has to be a 1D Tensor"),
    "first_offset": (bag_call(offsets=np.array([1, 4])), RuntimeError, "offsets\\[0\\] has to be 0"),
    "last_offset": (bag_call(offsets=np.array([0, 9])), RuntimeError,
                    "offsets\\[-1\\] can not be greater than input's length 8 but got offsets\\[-1\\] of 9"),
    "index_range": (bag_call(input=np.array([1, 2, 4, 5, 4, 3, 2, 11])), RuntimeError,
                    "Expected idx >= 0 && idx < num_embeddings but found idx to be 11"),
    "float_input": (bag_call(input=np.ones(8, dtype=np.float32)), RuntimeError,
                    "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int"),
    "int_weight": (bag_call(weight=np.ones((10, 3), dtype=np.int64)), RuntimeError,
                   "Expected tensor for argument #1 'weight' to have one of the following scalar types"),
    "weight_1d": (bag_call(weight=np.ones(10)), ValueError, "weight has to be a 2D Tensor, but got Tensor of "
                                                            "dimension 1"),
    "input_3d": (bag_call(input=np.ones((2, 2, 2), dtype=np.int64), offsets=False), ValueError,
                 "input has to be 1D or 2D Tensor, but got Tensor of dimension 3"),
    "max_freq": (bag_call(mode="max", scale_grad_by_freq=True), ValueError,
                 "max mode does not support scaling the gradient by the frequency"),
    "padding_idx": (bag_call(padding_idx=10), RuntimeError,
                    "padding_idx must be within the number of embeddings, -10 through 9, but got 10"),
}


@requires_torch
@pytest.mark.parametrize("name", ERRORS)
def test_embedding_bag_errors_as_torch(name):
    call, error, message = ERRORS[name]
    for lib in (mt, torch):
        with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
            call(lib)


def test_embedding_bag_names_decreasing_offsets():
    """PyTorch returns unspecified rows for offsets that go down; here it is an error naming them."""
    with pytest.raises(RuntimeError, match=r"offsets must be non-decreasing, got \[0, 5, 3\]"):
        bag_call(offsets=np.array([0, 5, 3]))(mt)


@requires_torch
def test_embedding_bag_max_with_nan_picks_as_torch():
    """PyTorch's running maximum skips a NaN after the first row and keeps one in the first row."""
    table = np.array([[1.0, 2.0], [np.nan, 0.0], [3.0, -1.0], [np.nan, np.nan]])
    results = []
    for lib in (mt, torch):
        weight = lib.tensor(table, requires_grad=True)
        F = mtF if lib is mt else torch.nn.functional
        out = F.embedding_bag(lib.tensor([0, 1, 2, 1, 0, 3, 3]), weight, lib.tensor([0, 3, 5]), mode="max")
        out.sum().backward()
        results.append((out.detach().numpy(), weight.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


def test_embedding_bag_of_rows_without_columns_is_zeros():
    """Every bag of a (2, 0) input is empty: zeros (PyTorch raises 'step must be nonzero')."""
    out = mtF.embedding_bag(mt.zeros((2, 0), dtype=mt.int64), mt.ones((3, 2), requires_grad=True), mode="max")
    assert out.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_embedding_bag_runs_pytorchs_documented_examples():
    """The examples of PyTorch's EmbeddingBag docs, as a script writes them."""
    embedding_sum = mt.nn.EmbeddingBag(10, 3, mode="sum")
    input = mt.tensor([1, 2, 4, 5, 4, 3, 2, 9], dtype=mt.long)
    offsets = mt.tensor([0, 4], dtype=mt.long)
    out = embedding_sum(input, offsets)
    expected = embedding_sum.weight[[1, 2, 4, 5]].sum(0), embedding_sum.weight[[4, 3, 2, 9]].sum(0)
    np.testing.assert_allclose(out.detach().numpy(), mt.stack(expected).detach().numpy(), rtol=1e-6)
    embedding_sum = mt.nn.EmbeddingBag(10, 3, mode="sum", padding_idx=2)
    input = mt.tensor([2, 2, 2, 2, 4, 3, 2, 9], dtype=mt.long)
    out = embedding_sum(input=input, offsets=mt.tensor([0, 4], dtype=mt.long))
    assert out[0].tolist() == [0.0, 0.0, 0.0]
    embedding = mt.nn.EmbeddingBag(num_embeddings=10, embedding_dim=3, padding_idx=2)
    weighted = mtF.embedding_bag(input=mt.tensor([[1, 2], [4, 5]]), weight=embedding.weight, mode="sum",
                                 per_sample_weights=mt.tensor([[0.5, 1.0], [1.0, 0.0]]), padding_idx=2)
    np.testing.assert_allclose(weighted.detach().numpy(),
                               mt.stack([0.5 * embedding.weight[1], embedding.weight[4]]).detach().numpy())

"""Sorting and selection (mode, unique and unique_consecutive too): finite-difference gradients (first and
second order) away from ties, the PyTorch oracle on ties, NaN, empty and 0-d inputs, and PyTorch's errors."""
import numpy as np
import pytest
from helpers import check_gradients, compare_with_torch, requires_torch, seeds, shapes, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt

nan = float("nan")


def m(x):
    """The library a tensor belongs to, so one lambda runs on both microtensor and torch."""
    return torch if torch is not None and isinstance(x, torch.Tensor) else mt


# name -> fn(x, dim, k, flag): k from 1 to the size of dim, flag a bool option
SORTING = {
    "sort": lambda x, d, k, f: x.sort(d, descending=f).values,
    "msort": lambda x, d, k, f: mt.msort(x),
    "topk": lambda x, d, k, f: mt.topk(x, k, d, largest=f).values,
    "topk_unsorted": lambda x, d, k, f: x.topk(k, d, sorted=False).values,
    "kthvalue": lambda x, d, k, f: x.kthvalue(k, d, keepdim=f)[0],
    "median_dim": lambda x, d, k, f: x.median(d, f).values,
    "nanmedian_dim": lambda x, d, k, f: mt.nanmedian(x, d, keepdim=f)[0],
    "median": lambda x, d, k, f: x.median(),
    "nanmedian": lambda x, d, k, f: mt.nanmedian(x),
    "mode": lambda x, d, k, f: x.mode(d, keepdim=f).values,
}


@pytest.mark.parametrize("name", SORTING)
@given(shape=shapes, data=st.data(), flag=st.booleans(), seed=seeds)
@settings(max_examples=15, deadline=None)
def test_sorting_gradcheck(name, shape, data, flag, seed):
    """Distinct values, at least 0.2 apart: finite differences never reorder them."""
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    x = (rng.permutation(size) + rng.uniform(0.1, 0.3, size)).reshape(shape) - size / 2
    d = data.draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
    k = data.draw(st.integers(1, shape[d] if shape else 1))
    check_gradients(lambda t: SORTING[name](t, d, k, flag), x)


TIES = np.array([[1.0, 3.0, 3.0, 1.0, 3.0, 0.0], [2.0, 2.0, 0.0, 2.0, 0.0, 2.0], [5.0, 5.0, 5.0, 5.0, 5.0, 5.0]])
LONG_TIES = np.random.default_rng(0).integers(0, 4, (3, 40)).astype(np.float64)     # over 16: std::sort's introsort
WITH_NAN = np.array([[1.0, nan, 3.0, nan, 0.0], [nan, nan, nan, nan, nan], [2.0, 1.0, 2.0, 1.0, 2.0]])
LONG_NAN = np.where(np.random.default_rng(1).random((3, 70)) < 0.2, nan, LONG_TIES[:, :1].repeat(70, 1) % 2)
INTS = np.array([[3, 1, 2, 1], [0, 0, 5, 5]])

# name -> (fn on either library, input)
CASES = {
    "sort": (lambda x: x.sort(), TIES),
    "sort_long": (lambda x: x.sort(1), LONG_TIES),
    "sort_long_descending": (lambda x: m(x).sort(x, -1, True), LONG_TIES),
    "sort_stable": (lambda x: x.sort(stable=True, dim=0), LONG_TIES.T),
    "sort_stable_descending": (lambda x: m(x).sort(x, stable=True, descending=True), LONG_TIES),
    "sort_nan": (lambda x: x.sort(), WITH_NAN),
    "sort_nan_descending": (lambda x: x.sort(descending=True), WITH_NAN),
    "sort_long_nan_descending": (lambda x: x.sort(descending=True), LONG_NAN),
    "sort_dim0": (lambda x: x.sort(0), TIES),
    "sort_0d": (lambda x: x.sum().sort(), TIES),
    "sort_empty": (lambda x: x[:, :0].sort(0), TIES),
    "sort_int": (lambda x: x.sort(descending=True), INTS),
    "argsort": (lambda x: m(x).argsort(x, 0, True), LONG_TIES.T),
    "argsort_stable": (lambda x: x.argsort(stable=True), LONG_NAN),
    "msort": (lambda x: m(x).msort(x), LONG_TIES.T),
    "topk": (lambda x: x.topk(2), TIES),
    "topk_smallest": (lambda x: m(x).topk(x, 3, largest=False), TIES),
    "topk_unsorted": (lambda x: x.topk(3, sorted=False), TIES),
    "topk_long": (lambda x: x.topk(5, -1), LONG_TIES),
    "topk_long_unsorted_smallest": (lambda x: x.topk(20, 1, False, False), LONG_TIES),
    "topk_partial_sort": (lambda x: x.topk(1), LONG_NAN),      # k * 64 <= n: std::partial_sort
    "topk_nan": (lambda x: x.topk(2, 1), WITH_NAN),
    "topk_nan_smallest": (lambda x: x.topk(4, 1, largest=False), WITH_NAN),
    "topk_dim0": (lambda x: x.topk(2, 0), TIES),
    "topk_k0": (lambda x: x.topk(0), TIES),
    "topk_0d": (lambda x: x.sum().topk(1), TIES),
    "topk_0d_k0": (lambda x: x.sum().topk(0), TIES),
    "topk_int": (lambda x: x.topk(2), INTS),
    "kthvalue": (lambda x: x.kthvalue(3), TIES),
    "kthvalue_long": (lambda x: [t for k in (1, 7, 20, 40) for t in x.kthvalue(k)], LONG_TIES),
    "kthvalue_keepdim": (lambda x: m(x).kthvalue(x, 2, 0, keepdim=True), TIES),
    "kthvalue_nan": (lambda x: x.kthvalue(4, -1), WITH_NAN),
    "kthvalue_0d": (lambda x: x.sum().kthvalue(1), TIES),
    "kthvalue_empty": (lambda x: x[:0].kthvalue(1, 1), TIES),
    "kthvalue_int": (lambda x: x.kthvalue(2), INTS),
    "median": (lambda x: x.median(), TIES),
    "median_nan": (lambda x: x.median(), WITH_NAN),
    "median_even": (lambda x: m(x).median(x[:2]), TIES),
    "median_dim": (lambda x: x.median(1), TIES),
    "median_dim_long": (lambda x: x.median(-1), LONG_TIES),
    "median_dim_keepdim": (lambda x: m(x).median(x, 0, keepdim=True), TIES),
    "median_dim_nan": (lambda x: x.median(1), WITH_NAN),
    "median_0d": (lambda x: x.sum().median(), TIES),
    "median_0d_dim": (lambda x: x.sum().median(-1), TIES),
    "median_empty": (lambda x: x[:0].median(), TIES),
    "median_empty_dim": (lambda x: x[:0].median(1), TIES),
    "median_int": (lambda x: (x.median(), *x.median(1)), INTS),
    "nanmedian": (lambda x: x.nanmedian(), WITH_NAN),
    "nanmedian_all_nan": (lambda x: x[1].nanmedian(), WITH_NAN),
    "nanmedian_dim": (lambda x: x.nanmedian(1), WITH_NAN),
    "nanmedian_dim_long": (lambda x: m(x).nanmedian(x, 1, True), LONG_NAN),
    "nanmedian_all_nan_long": (lambda x: (x * nan).nanmedian(0), LONG_TIES),
    "mode": (lambda x: x.mode(), TIES),
    "mode_dim0_keepdim": (lambda x: m(x).mode(x, 0, keepdim=True), TIES),
    "mode_long": (lambda x: x.mode(1), LONG_TIES),
    "mode_long_dim0": (lambda x: m(x).mode(x, dim=0), LONG_TIES.T),
    "mode_nan": (lambda x: x.mode(-1), WITH_NAN),
    "mode_long_nan": (lambda x: x.mode(), LONG_NAN),
    "mode_0d": (lambda x: x.sum().mode(), TIES),
    "mode_int": (lambda x: x.mode(1), INTS),
    "mode_bool": (lambda x: (x > 1).mode(0), INTS),
    "unique": (lambda x: m(x).unique(x), TIES),
    "unique_inverse_counts": (lambda x: x.unique(return_inverse=True, return_counts=True), TIES),
    "unique_unsorted": (lambda x: m(x).unique(x, sorted=False, return_counts=True), LONG_TIES),
    "unique_nan": (lambda x: x.unique(return_counts=True), WITH_NAN),
    "unique_dim": (lambda x: m(x).unique(x, dim=0, return_inverse=True, return_counts=True), LONG_TIES[:, :2]),
    "unique_dim1": (lambda x: x.unique(dim=1, return_inverse=True), TIES[:2]),
    "unique_0d": (lambda x: x.sum().unique(return_inverse=True, return_counts=True), TIES),
    "unique_empty_dim": (lambda x: x[:0].unique(dim=0, return_inverse=True, return_counts=True), TIES),
    "unique_int": (lambda x: x.unique(return_inverse=True), INTS),
    "unique_bool": (lambda x: (x > 1).unique(return_counts=True), INTS),
    "unique_consecutive": (lambda x: m(x).unique_consecutive(x), TIES),
    "unique_consecutive_extras": (lambda x: x.unique_consecutive(return_inverse=True, return_counts=True), TIES),
    "unique_consecutive_nan": (lambda x: x.unique_consecutive(return_counts=True), WITH_NAN),
    "unique_consecutive_dim": (lambda x: m(x).unique_consecutive(x, True, True, dim=1), TIES[:1].repeat(2, 0)),
    "unique_consecutive_dim0": (lambda x: x.unique_consecutive(dim=0, return_counts=True),
                                np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 5.0], [1.0, 2.0]])),
    "unique_consecutive_0d": (lambda x: x.sum().unique_consecutive(return_inverse=True, return_counts=True), TIES),
    "unique_consecutive_empty": (lambda x: x[:0].unique_consecutive(return_counts=True), TIES),
}


@requires_torch
@pytest.mark.parametrize("name", CASES)
def test_sorting_matches_torch(name):
    fn, x = CASES[name]
    compare_with_torch(fn, x)


@requires_torch
@pytest.mark.parametrize("seed", range(20))
def test_tie_indices_match_torch_on_random_slices(seed):
    """Tie-heavy slices of random lengths, NaN included: every index PyTorch picks."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 150))
    x = rng.integers(0, 4, (3, n)).astype(np.float64)
    x[rng.random(x.shape) < 0.1] = nan
    k = int(rng.integers(1, n + 1))
    for fn in (lambda t: t.sort(descending=seed % 2 == 0), lambda t: t.topk(k, largest=seed % 3 == 0),
               lambda t: t.topk(k, sorted=False), lambda t: t.kthvalue(k), lambda t: t.median(1),
               lambda t: t.nanmedian(1)):
        compare_with_torch(fn, x)


def test_results_are_named_tuples():
    x = mt.tensor([[3.0, 1.0, 2.0]])
    values, indices = x.sort()
    result = mt.topk(x, 2)
    assert result.values.tolist() == [[3.0, 2.0]] and result.indices.tolist() == [[0, 2]]
    assert values.tolist() == [[1.0, 2.0, 3.0]] and indices.dtype == mt.int64
    assert repr(x.median(1)).startswith("microtensor.return_types.median(\nvalues=tensor(")
    assert type(x.kthvalue(1)).__name__ == "kthvalue" and type(x.nanmedian(0)).__name__ == "nanmedian"
    assert mt.mode(mt.tensor([[1, 2, 2, 1, 3]]), 1)._asdict().keys() == {"values", "indices"}


@requires_torch
@pytest.mark.parametrize("seed", range(10))
def test_mode_matches_torch_on_random_slices(seed):
    """Tie-heavy slices of random lengths, NaN included (PyTorch's mode sorts them with ``<``)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, (3, int(rng.integers(1, 80)))).astype(np.float64)
    x[rng.random(x.shape) < 0.15] = nan
    compare_with_torch(lambda t: (*t.mode(), *t.mode(0)), x)


def test_unique_has_no_gradient():
    out, counts = mt.unique(mt.tensor([2.0, 1.0, 2.0], requires_grad=True), return_counts=True)
    assert not out.requires_grad and out.tolist() == [1.0, 2.0] and counts.tolist() == [1, 2]


def test_changing_the_indices_in_place_is_caught_at_backward():
    x = mt.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, indices = x.sort()
    indices.add_(0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        values.sum().backward()


# name -> (call on library L, the exception type, a part of the message)
ERRORS = {
    "sort_dim": (lambda L: L.sort(L.zeros(3), 1), IndexError, "Dimension out of range"),
    "sort_0d_dim": (lambda L: L.zeros(()).sort(-2), IndexError, "Dimension out of range"),
    "argsort_dim": (lambda L: L.argsort(L.zeros(2, 3), -3), IndexError, "Dimension out of range"),
    "topk_k_large": (lambda L: L.topk(L.zeros(3), 4), RuntimeError, "selected index k out of range"),
    "topk_k_negative": (lambda L: L.zeros(3).topk(-1), RuntimeError, "selected index k out of range"),
    "topk_0d_k": (lambda L: L.zeros(()).topk(2), RuntimeError, "selected index k out of range"),
    "topk_empty": (lambda L: L.zeros(0).topk(1), RuntimeError, "selected index k out of range"),
    "topk_float_k": (lambda L: L.zeros(3).topk(1.5), TypeError, "must be int, not float"),
    "topk_bool": (lambda L: L.tensor([True, False]).topk(1), RuntimeError, "topk does not support bool"),
    "topk_dim": (lambda L: L.zeros(3).topk(1, 1), IndexError, "Dimension out of range"),
    "kthvalue_k_large": (lambda L: L.zeros(3).kthvalue(4), RuntimeError,
                         "kthvalue\\(\\): selected number k out of range for dimension 0"),
    "kthvalue_k_zero": (lambda L: L.zeros(2, 3).kthvalue(0, 1), RuntimeError, "out of range for dimension 1"),
    "kthvalue_0d_k": (lambda L: L.zeros(()).kthvalue(2), RuntimeError, "selected number k out of range"),
    "kthvalue_empty_dim": (lambda L: L.zeros(2, 0).kthvalue(1, 1), IndexError,
                           "kthvalue\\(\\): Expected reduction dim 1 to have non-zero size"),
    "kthvalue_bool": (lambda L: L.tensor([True]).kthvalue(1), NotImplementedError, "not implemented for 'Bool'"),
    "median_empty_dim": (lambda L: L.zeros(0).median(0), IndexError,
                         "median\\(\\): Expected reduction dim 0 to have non-zero size"),
    "nanmedian_empty_dim": (lambda L: L.zeros(2, 0).nanmedian(1), IndexError,
                            "median\\(\\): Expected reduction dim 1 to have non-zero size"),
    "median_dim": (lambda L: L.zeros(()).median(1), IndexError, "Dimension out of range"),
    "median_bool": (lambda L: L.tensor([True]).median(), NotImplementedError, "\"median_cpu\" not implemented"),
    "median_dim_bool": (lambda L: L.tensor([True]).median(0), NotImplementedError, "\"median_out\" not implemented"),
    "mode_empty_dim": (lambda L: L.zeros(2, 0).mode(1), IndexError,
                       "mode\\(\\): Expected reduction dim 1 to have non-zero size"),
    "mode_dim": (lambda L: L.zeros(2).mode(1), IndexError, "Dimension out of range"),
    "unique_dim": (lambda L: L.zeros(2, 2).unique(dim=2), IndexError, "Dimension out of range"),
    "unique_zero_sized": (lambda L: L.zeros(2, 0).unique(dim=0), RuntimeError,
                          "There are 0 sized dimensions, and they aren't selected, so unique cannot be applied"),
    "unique_consecutive_zero_sized": (lambda L: L.zeros(0, 2).unique_consecutive(dim=1), RuntimeError,
                                      "so unique cannot be applied"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_sorting_errors(name):
    call, error, match = ERRORS[name]
    with pytest.raises(error, match=match):
        call(mt)
    if torch is not None:
        with pytest.raises(error, match=match):
            call(torch)

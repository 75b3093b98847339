"""Binning and counting (searchsorted, bucketize, bincount, histc, histogram): the PyTorch oracle on ties,
NaN, edges, N-D boundaries, sorters, dtypes, empty and 0-d inputs, and PyTorch's errors."""
import numpy as np
import pytest
from helpers import compare_with_torch, requires_torch, torch

import microtensor as mt

nan, inf = float("nan"), float("inf")


def m(x):
    """The library a tensor belongs to, so one lambda runs on both microtensor and torch."""
    return torch if torch is not None and isinstance(x, torch.Tensor) else mt


BOUNDS = np.array([1.0, 3.0, 3.0, 5.0, 7.0])
VALUES = np.array([[0.0, 1.0, 3.0, 4.0], [5.0, 7.0, 8.0, nan]])
ROWS = np.array([[1.0, 3.0, 5.0, 7.0, 9.0], [0.0, 0.0, 1.0, 1.0, 2.0]])
UNSORTED = np.array([5.0, 1.0, 7.0, 3.0, 3.0])
SORTER = np.array([1, 3, 4, 0, 2])
COUNTS = np.array([1, 1, 3, 0, 7, 3])
WEIGHTS = np.array([0.5, 1.0, 2.0, -1.0, 0.25, 3.0])
DATA = np.array([[1.0, 2.0, 1.0, 4.0], [0.5, 3.0, 3.0, -1.0]])

# name -> (fn on either library, inputs)
CASES = {
    "searchsorted": (lambda b, v: m(b).searchsorted(b, v), (BOUNDS, VALUES)),
    "searchsorted_right": (lambda b, v: m(b).searchsorted(b, v, right=True), (BOUNDS, VALUES)),
    "searchsorted_side": (lambda b, v: m(b).searchsorted(b, v, side="right", right=True), (BOUNDS, VALUES)),
    "searchsorted_side_left": (lambda b, v: m(b).searchsorted(b, v, side="left"), (BOUNDS, VALUES)),
    "searchsorted_int32": (lambda b, v: m(b).searchsorted(b, v, out_int32=True), (BOUNDS, VALUES)),
    "searchsorted_rows": (lambda b, v: m(b).searchsorted(b, v), (ROWS, VALUES)),
    "searchsorted_rows_right": (lambda b, v: m(b).searchsorted(b, v, right=True), (ROWS, VALUES[:, :1])),
    "searchsorted_scalar": (lambda b: m(b).searchsorted(b, 3), (BOUNDS,)),
    "searchsorted_scalar_right": (lambda b: m(b).searchsorted(b, 3.5, side="right"), (BOUNDS,)),
    "searchsorted_0d_value": (lambda b, v: m(b).searchsorted(b, v[0, 2]), (BOUNDS, VALUES)),
    "searchsorted_sorter": (lambda b, s, v: m(b).searchsorted(b, v, sorter=s), (UNSORTED, SORTER, VALUES)),
    "searchsorted_sorter_right": (lambda b, s, v: m(b).searchsorted(b, v, right=True, sorter=s),
                                  (UNSORTED, SORTER, VALUES)),
    "searchsorted_int_bounds": (lambda b, v: m(b).searchsorted(b, v), (BOUNDS.astype(np.int64), VALUES + 0.5)),
    "searchsorted_nan_bound": (lambda b, v: m(b).searchsorted(b, v), (np.array([1.0, nan]), VALUES)),
    "searchsorted_empty_bounds": (lambda b, v: m(b).searchsorted(b, v), (BOUNDS[:0], VALUES)),
    "searchsorted_empty_values": (lambda b, v: m(b).searchsorted(b, v), (BOUNDS, VALUES[:, :0])),
    "bucketize": (lambda v, b: m(b).bucketize(v, b), (VALUES, BOUNDS)),
    "bucketize_right_int32": (lambda v, b: m(b).bucketize(v, b, out_int32=True, right=True), (VALUES, BOUNDS)),
    "bucketize_scalar": (lambda b: m(b).bucketize(3, b, right=True), (BOUNDS,)),
    "bincount": (lambda x: x.bincount(), (COUNTS,)),
    "bincount_minlength": (lambda x: m(x).bincount(x, minlength=10), (COUNTS,)),
    "bincount_short_minlength": (lambda x: m(x).bincount(x, None, 2), (COUNTS,)),
    "bincount_weights": (lambda x, w: x.bincount(w), (COUNTS, WEIGHTS)),
    "bincount_float32_weights": (lambda x, w: m(x).bincount(x, weights=w.float(), minlength=9), (COUNTS, WEIGHTS)),
    "bincount_int_weights": (lambda x, w: x.bincount(w), (COUNTS, COUNTS * 2)),
    "bincount_uint8": (lambda x: x.to(m(x).uint8).bincount(), (COUNTS,)),
    "bincount_empty": (lambda x: x[:0].bincount(minlength=3), (COUNTS,)),
    "histc": (lambda x: x.histc(bins=4, min=0, max=3), (DATA,)),
    "histc_data_range": (lambda x: m(x).histc(x, 5), (DATA,)),
    "histc_float32": (lambda x: x.float().histc(3, -1, 4), (DATA,)),
    "histc_constant": (lambda x: (x * 0 + 2).histc(4), (DATA,)),
    "histc_empty": (lambda x: x[:0].histc(3), (DATA,)),
    "histc_0d": (lambda x: x[0, 0].histc(2), (DATA,)),
    "histogram": (lambda x: x.histogram(4), (DATA,)),
    "histogram_range": (lambda x: m(x).histogram(x, 3, range=(0.0, 3.0)), (DATA,)),
    "histogram_edges": (lambda x, e: m(x).histogram(x, e), (DATA, np.array([-1.0, 0.5, 2.0, 3.0]))),
    "histogram_weight_density": (lambda x: x.histogram(3, weight=x * x, density=True), (DATA,)),
    "histogram_edges_density": (lambda x, e: x.histogram(e, density=True), (DATA, np.array([0.0, 1.0, 4.0]))),
    "histogram_constant": (lambda x: (x * 0 + 2).histogram(2), (DATA,)),
    "histogram_empty": (lambda x: x[:0].histogram(2), (DATA,)),
    "histogram_float32": (lambda x: x.float().histogram(4, range=(-1.0, 4.0)), (DATA,)),
}


@requires_torch
@pytest.mark.parametrize("name", CASES)
def test_histogram_family_matches_torch(name):
    fn, arrays = CASES[name]
    compare_with_torch(fn, *arrays, check_grad=False, rtol=0, atol=0)


@requires_torch
@pytest.mark.parametrize("seed", range(10))
def test_bins_match_torch_on_random_data(seed):
    """Random data over random ranges and bin counts (float64, whose edges ATen computes exactly as we do)."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.standard_normal(50) * 3, 1)
    bins = int(rng.integers(1, 12))
    bounds = np.sort(np.round(rng.standard_normal(20), 1))
    compare_with_torch(lambda t: (t.histc(bins), t.histc(bins, -2, 2.5), *t.histogram(bins)), x, check_grad=False)
    for right in (False, True):
        compare_with_torch(lambda b, v: m(b).searchsorted(b, v, right=right), bounds, x, check_grad=False)


def test_results_and_dtypes():
    hist, edges = mt.histogram(mt.tensor([1.0, 2.0, 1.0]), bins=4, range=(0.0, 3.0))
    assert hist.tolist() == [0.0, 2.0, 1.0, 0.0] and edges.tolist() == [0.0, 0.75, 1.5, 2.25, 3.0]
    assert type(mt.histogram(mt.ones(2), 1)).__name__ == "histogram"
    assert mt.searchsorted(mt.tensor([1, 3]), mt.tensor([2])).dtype == mt.int64
    assert mt.bincount(mt.tensor([0, 2]), mt.tensor([1.0, 2.0], dtype=mt.float16)).dtype == mt.float64


# name -> (call on library L, the exception type, a part of the message)
ERRORS = {
    "searchsorted_side": (lambda L: L.searchsorted(L.ones(2), L.ones(1), side="mid"), RuntimeError,
                          "side can only be 'left' or 'right' but got mid"),
    "searchsorted_opposites": (lambda L: L.searchsorted(L.ones(2), L.ones(1), side="left", right=True),
                               RuntimeError, "side and right can't be set to opposites"),
    "searchsorted_rows": (lambda L: L.searchsorted(L.ones(2, 3), L.ones(1, 1)), RuntimeError,
                          "boundaries tensor \\[2, 3\\] and input value tensor \\[1, 1\\]"),
    "searchsorted_0d_bounds": (lambda L: L.searchsorted(L.tensor(1.0), L.ones(2)), RuntimeError,
                               "boundaries tensor should have positive dimension"),
    "searchsorted_scalar_rows": (lambda L: L.searchsorted(L.ones(2, 3), 2.0), RuntimeError,
                                 "input value can be a scalar only when boundaries tensor dimension is 1"),
    "searchsorted_sorter_size": (lambda L: L.searchsorted(L.ones(3), L.ones(1), sorter=L.tensor([0, 1])),
                                 RuntimeError, "boundary and sorter must have the same size"),
    "searchsorted_sorter_dtype": (lambda L: L.searchsorted(L.ones(2), L.ones(1), sorter=L.ones(2)),
                                  RuntimeError, "sorter must be a tensor of long dtype but got dtype Float"),
    "searchsorted_list": (lambda L: L.searchsorted([1.0], L.ones(1)), TypeError, "searchsorted"),
    "bucketize_2d": (lambda L: L.bucketize(L.ones(2), L.ones(1, 2)), RuntimeError,
                     "boundaries tensor must be 1 dimension, but got dim\\(2\\)"),
    "bincount_negative": (lambda L: L.bincount(L.tensor([1, -1])), RuntimeError,
                          "bincount only supports 1-d non-negative integral inputs"),
    "bincount_2d": (lambda L: L.bincount(L.tensor([[1]])), RuntimeError, "1-d non-negative integral"),
    "bincount_float": (lambda L: L.bincount(L.ones(2)), NotImplementedError,
                       "\"bincount_cpu\" not implemented for 'Float'"),
    "bincount_bool": (lambda L: L.tensor([True]).bincount(), NotImplementedError, "not implemented for 'Bool'"),
    "bincount_weights": (lambda L: L.bincount(L.tensor([1, 2]), L.ones(1)), RuntimeError,
                         "weights should be 1-d and have the same length as input"),
    "bincount_minlength": (lambda L: L.bincount(L.tensor([1]), minlength=-1), RuntimeError,
                           "minlength should be >= 0"),
    "histc_int": (lambda L: L.tensor([1, 2]).histc(), NotImplementedError,
                  "\"histogram_cpu\" not implemented for 'Long'"),
    "histc_bins": (lambda L: L.ones(2).histc(0), RuntimeError, "bins must be > 0, but got 0 for dimension 0"),
    "histc_min_max": (lambda L: L.ones(2).histc(3, 3, 1), RuntimeError, "torch.histc: max must be larger than min"),
    "histc_inf": (lambda L: L.tensor([1.0, inf]).histc(), RuntimeError,
                  "torch.histc: range of \\[1, inf\\] is not finite"),
    "histogram_int": (lambda L: L.tensor([1, 2]).histogram(3), NotImplementedError,
                      "\"histogramdd\" not implemented for 'Long'"),
    "histogram_range": (lambda L: L.ones(2).histogram(3, range=(2.0, 1.0)), RuntimeError,
                        "min should not exceed max, but got min 2 max 1 for dimension 0"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_histogram_family_errors(name):
    call, error, match = ERRORS[name]
    with pytest.raises(error, match=match):
        call(mt)
    if torch is not None:
        with pytest.raises(error, match=match):
            call(torch)


# ----------------------------------------------------------------------------- histogramdd (issue 22)
def _histogramdd_cases():
    rng = np.random.default_rng(0)
    points = rng.standard_normal((40, 3))
    points[:5] = np.round(points[:5])            # points on bin edges
    edges = [np.array([-2.0, -0.5, 0.0, 1.5]), np.array([-1.0, 1.0]), np.array([-3.0, 0.0, 0.25, 3.0])]
    weight = rng.uniform(0, 2, 40)
    return points, edges, weight


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("density", [False, True])
@pytest.mark.parametrize("form", ["int", "list", "edges", "range", "weight", "batched", "one_dim"])
def test_histogramdd_matches_torch(form, density, dtype):
    points, edges, weight = _histogramdd_cases()
    points, weight = points.astype(dtype), weight.astype(dtype)
    calls = {
        "int": lambda L, p, w: L.histogramdd(p, 4, density=density),
        "list": lambda L, p, w: L.histogramdd(p, bins=[2, 3, 5], density=density),
        "edges": lambda L, p, w: L.histogramdd(p, [L.tensor(e.astype(dtype)) for e in edges], density=density),
        "range": lambda L, p, w: L.histogramdd(p, (3, 2, 4), range=[-1.0, 1.0, 0.0, 2.0, -0.5, 0.5],
                                               density=density),
        "weight": lambda L, p, w: L.histogramdd(p, 3, weight=w, density=density),
        "batched": lambda L, p, w: L.histogramdd(p.reshape(4, 10, 3), 3, weight=w.reshape(4, 10), density=density),
        "one_dim": lambda L, p, w: L.histogramdd(p[:, :1], [6], density=density),
    }
    ours = calls[form](mt, mt.tensor(points), mt.tensor(weight))
    theirs = calls[form](torch, torch.tensor(points), torch.tensor(weight))
    assert type(ours).__name__ == "histogramdd" and ours.hist.dtype.name == str(theirs.hist.dtype)[6:]
    np.testing.assert_allclose(ours.hist.numpy(), theirs.hist.numpy(), rtol=1e-5)
    assert len(ours.bin_edges) == len(theirs.bin_edges)
    for a, b in zip(ours.bin_edges, theirs.bin_edges):     # (ATen's vectorised linspace may differ in a last bit)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


@requires_torch
@pytest.mark.parametrize("call", [
    lambda L: L.histogramdd(L.ones(4, 2), [2]),
    lambda L: L.histogramdd(L.ones(4, 2), 0),
    lambda L: L.histogramdd(L.ones(4, 2), [2, 0]),
    lambda L: L.histogramdd(L.ones(4, 2), 2, range=[0.0, 1.0]),
    lambda L: L.histogramdd(L.ones(4, 2), 2, range=[1.0, 0.0, 0.0, 1.0]),
    lambda L: L.histogramdd(L.ones(4, 2), 2, range=[0.0, 1.0, 0.0, float("inf")]),
    lambda L: L.histogramdd(L.ones(4, 2), 2, weight=L.ones(3)),
    lambda L: L.histogramdd(L.ones(4, 2), 2, weight=L.ones(4, dtype=L.float64)),
    lambda L: L.histogramdd(L.ones(4, 2, dtype=L.int64), 2),
    lambda L: L.histogramdd(L.ones(3), 2),
    lambda L: L.histogramdd(L.ones(4, 2), [L.tensor([0.0, 1.0])]),
])
def test_histogramdd_errors_match_torch(call):
    with pytest.raises((RuntimeError, NotImplementedError)) as theirs:
        call(torch)
    with pytest.raises(theirs.type) as ours:
        call(mt)
    assert str(ours.value) == str(theirs.value)


def test_histogramdd_of_no_points_and_reversed_edges():
    hist, edges = mt.histogramdd(mt.zeros(0, 2), 2)
    assert hist.tolist() == [[0.0, 0.0], [0.0, 0.0]] and edges[0].tolist() == [0.0, 0.5, 1.0]
    hist, _ = mt.histogramdd(mt.ones(3, 2), [mt.tensor([2.0, 1.0, 0.0]), mt.tensor([0.0, 2.0])])
    assert hist.tolist() == [[0.0], [0.0]]
    assert not mt.histogramdd(mt.ones(3, 2, requires_grad=True), 2).hist.requires_grad

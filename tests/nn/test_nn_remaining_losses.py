"""gaussian_nll_loss, multi_margin_loss, multilabel_margin_loss, triplet_margin_with_distance_loss,
linear_cross_entropy (with and without chunking options) and their modules (and NLLLoss2d): PyTorch's values,
gradients, second-order gradients where PyTorch has them (and its error where it has none), reductions, weights,
warnings and errors."""
import warnings

import numpy as np
import pytest
from helpers import check_gradients, compare_modules_with_torch, compare_with_torch, requires_torch, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor.autograd import gradcheck

_rng = np.random.default_rng(0)
REDUCTIONS = ["mean", "sum", "none"]


def A(*shape):
    return _rng.standard_normal(shape)


def POS(*shape):
    return _rng.uniform(0.2, 2.0, shape)


def F(L):
    return L.nn.functional


LABELS = np.array([[0, 2, -1, 1], [3, -1, 0, 0], [-1, 1, 2, 3], [1, 1, -1, 0], [0, 1, 2, 3]])
TARGET = np.array([0, 3, 1, 2, 3])


def _options(L, **kw):
    return L.nn.LinearCrossEntropyOptions(**kw)


# name -> (the loss on library L with reduction r, input arrays); the class-index targets are constants
CASES = {
    "gaussian_nll": (lambda L, r, x, y, v: F(L).gaussian_nll_loss(x, y, v, reduction=r), (A(4, 3), A(4, 3), POS(4, 3))),
    "gaussian_nll_full_eps": (lambda L, r, x, y, v: F(L).gaussian_nll_loss(x, y, v, full=True, eps=1e-3, reduction=r),
                              (A(4, 3), A(4, 3), POS(4, 3))),
    "gaussian_nll_var_short": (lambda L, r, x, y, v: F(L).gaussian_nll_loss(x, y, v, reduction=r),
                               (A(2, 4, 3), A(2, 4, 3), POS(2, 4))),
    "gaussian_nll_var_one_dim": (lambda L, r, x, y, v: F(L).gaussian_nll_loss(x, y, v, reduction=r),
                                 (A(2, 4, 3), A(2, 4, 3), POS(2, 1, 3))),
    "gaussian_nll_float_var": (lambda L, r, x, y: F(L).gaussian_nll_loss(x, y, 0.7, reduction=r), (A(5), A(5))),
    "multi_margin": (lambda L, r, x: F(L).multi_margin_loss(x, L.tensor(TARGET), reduction=r), (A(5, 4),)),
    "multi_margin_p2_weight": (
        lambda L, r, x: F(L).multi_margin_loss(x, L.tensor(TARGET), p=2, margin=0.6,
                                               weight=L.tensor([0.5, 1.0, 2.0, 1.5], dtype=x.dtype), reduction=r),
        (A(5, 4),)),
    "multi_margin_vector": (lambda L, r, x: F(L).multi_margin_loss(x, L.tensor(2), reduction=r), (A(4),)),
    "multilabel_margin": (lambda L, r, x: F(L).multilabel_margin_loss(x, L.tensor(LABELS), reduction=r),
                          (0.4 * A(5, 4),)),
    "multilabel_margin_vector": (lambda L, r, x: F(L).multilabel_margin_loss(x, L.tensor(LABELS[0]), reduction=r),
                                 (0.4 * A(4),)),
    "triplet_distance_default": (
        lambda L, r, a, p, n: F(L).triplet_margin_with_distance_loss(a, p, n, reduction=r),
        (A(5, 3), A(5, 3), A(5, 3))),
    "triplet_distance_cosine_swap": (
        lambda L, r, a, p, n: F(L).triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda u, v: 1 - F(L).cosine_similarity(u, v), margin=0.4, swap=True,
            reduction=r), (A(5, 3), A(5, 3), A(5, 3))),
    "linear_cross_entropy": (
        lambda L, r, x, w, b: F(L).linear_cross_entropy(x, w, L.tensor(TARGET), linear_bias=b, reduction=r),
        (A(5, 3), A(4, 3), A(4))),
    "linear_cross_entropy_weight_ignore_smoothing": (
        lambda L, r, x, w: F(L).linear_cross_entropy(
            x, w, L.tensor(TARGET), weight=L.tensor([0.5, 1.0, 2.0, 1.5], dtype=x.dtype), ignore_index=3,
            label_smoothing=0.2, reduction=r), (A(5, 3), A(4, 3))),
    "linear_cross_entropy_k_dim": (
        lambda L, r, x, w, b: F(L).linear_cross_entropy(x, w, L.tensor(np.array([[0, 3], [1, 2]])),
                                                        linear_bias=b, reduction=r),
        (A(2, 3), A(4, 2, 3), A(4, 2))),
    "linear_cross_entropy_probabilities": (
        lambda L, r, x, w, p: F(L).linear_cross_entropy(x, w, p.softmax(-1), reduction=r), (A(5, 3), A(4, 3), A(5, 4))),
    "linear_cross_entropy_unbatched": (
        lambda L, r, x, w: F(L).linear_cross_entropy(x, w, L.tensor(1), reduction=r), (A(3), A(4, 3))),
    "linear_cross_entropy_chunked": (
        lambda L, r, x, w, b: F(L).linear_cross_entropy(
            x, w, L.tensor(np.r_[TARGET, -100, 1]), linear_bias=b,
            weight=L.tensor([0.5, 1.0, 2.0, 1.5], dtype=x.dtype), reduction=r,
            options=_options(L, batch_chunk_size=3, chunking_method=None)), (A(7, 3), A(4, 3), A(4))),
    "linear_cross_entropy_chunked_auto": (
        lambda L, r, x, w: F(L).linear_cross_entropy(x, w, L.tensor(TARGET), reduction=r, options=_options(L)),
        (A(5, 3), A(4, 3))),
}
# PyTorch differentiates these twice
SECOND_ORDER = {"gaussian_nll", "gaussian_nll_full_eps", "gaussian_nll_var_short", "gaussian_nll_var_one_dim",
                "gaussian_nll_float_var", "triplet_distance_default", "triplet_distance_cosine_swap",
                "linear_cross_entropy", "linear_cross_entropy_weight_ignore_smoothing", "linear_cross_entropy_k_dim",
                "linear_cross_entropy_probabilities", "linear_cross_entropy_unbatched"}


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", CASES)
def test_matches_torch(name, reduction, dtype):
    fn, arrays = CASES[name]
    arrays = [a.astype(dtype) for a in arrays]
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == "float32" else {"rtol": 1e-7, "atol": 1e-9}
    compare_with_torch(lambda *t: fn(mt, reduction, *t), *arrays, torch_fn=lambda *t: fn(torch, reduction, *t), **tol)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", CASES)
def test_gradcheck(name, reduction):
    fn, arrays = CASES[name]
    check_gradients(lambda *t: fn(mt, reduction, *t), *arrays, second_order=name in SECOND_ORDER)


@requires_torch
@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_order_matches_torch(name):
    fn, arrays = CASES[name]
    results = []
    for L in (mt, torch):
        leaves = [L.tensor(a, requires_grad=True) for a in arrays]
        grads = L.autograd.grad(fn(L, "sum", *leaves), leaves, create_graph=True)
        total = sum((g * g).sum() for g in grads)
        results.append([g.detach().numpy() for g in L.autograd.grad(total, leaves, allow_unused=True)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-9)


@requires_torch
def test_gaussian_nll_clamped_var_gets_the_unclamped_gradient():
    """Where var < eps PyTorch's clamp is not differentiated: the gradient reaches var as if unclamped."""
    var = POS(4, 3)
    var[0, 0], var[1, 2] = 1e-9, 0.0
    compare_with_torch(lambda x, y, v: mt.nn.functional.gaussian_nll_loss(x, y, v, eps=1e-4), A(4, 3), A(4, 3), var,
                       torch_fn=lambda x, y, v: torch.nn.functional.gaussian_nll_loss(x, y, v, eps=1e-4), rtol=1e-9)


@pytest.mark.parametrize("name, op", [("multi_margin", "multi_margin_loss"),
                                      ("multilabel_margin", "multilabel_margin_loss"),
                                      ("linear_cross_entropy_chunked", "linear_cross_entropy")])
def test_no_second_order_where_torch_has_none(name, op):
    fn, arrays = CASES[name]
    leaves = [mt.tensor(a, requires_grad=True) for a in arrays]
    with pytest.raises(RuntimeError, match=op):
        grads = mt.autograd.grad(fn(mt, "mean", *leaves), leaves, create_graph=True)
        mt.autograd.grad(sum((g * g).sum() for g in grads), leaves)
    if torch is not None and name != "linear_cross_entropy_chunked":
        leaves = [torch.tensor(a, requires_grad=True) for a in arrays]
        with pytest.raises(RuntimeError, match="is not implemented"):
            grads = torch.autograd.grad(fn(torch, "mean", *leaves), leaves, create_graph=True)
            torch.autograd.grad(sum((g * g).sum() for g in grads), leaves)


@given(n=st.integers(1, 4), c=st.integers(1, 4), seed=st.integers(0, 2**32 - 1), p=st.sampled_from([1, 2]))
@settings(max_examples=15, deadline=None, derandomize=True)
def test_margin_losses_gradcheck_over_shapes(n, c, seed, p):
    rng = np.random.default_rng(seed)
    x = mt.tensor(rng.standard_normal((n, c)), requires_grad=True)
    target = mt.tensor(rng.integers(0, c, n))
    labels = mt.tensor(np.where(rng.random((n, c)) < 0.3, -1, rng.integers(0, c, (n, c))))
    assert gradcheck(lambda x: mt.nn.functional.multi_margin_loss(x, target, p=p, margin=0.5), (x,))
    assert gradcheck(lambda x: mt.nn.functional.multilabel_margin_loss(x, labels, reduction="none"), (x,))


@requires_torch
@pytest.mark.parametrize("size", [(8, 3, 50), (100, 16, 1000), (5, 4, 4), (33, 7, 9)])
@pytest.mark.parametrize("kw", [{}, {"chunking_method": "aspect_ratio"}, {"chunking_method": "aspect_ratio:4"},
                                {"batch_chunk_size": 3}, {"batch_chunk_size": 2, "chunking_method": None}])
def test_chunk_rows_as_torch(size, kw):
    n, f, c = size
    theirs = torch.nn.LinearCrossEntropyOptions(**kw)
    try:
        expected = theirs._adjust(n, f, c, torch.float32).batch_chunk_size
    except ValueError:
        with pytest.raises(ValueError, match="give different chunk sizes"):
            mt.nn.LinearCrossEntropyOptions(**kw).chunk_rows(n, f, c)
        return
    assert mt.nn.LinearCrossEntropyOptions(**kw).chunk_rows(n, f, c) == expected


def test_chunked_path_computes_in_acc_dtype_and_equals_the_reference():
    x, w = mt.tensor(A(9, 3).astype(np.float32)), mt.tensor(A(5, 3).astype(np.float32))
    target = mt.tensor(_rng.integers(0, 5, 9))
    reference = mt.nn.functional.cross_entropy(x.double() @ w.double().T, target)
    chunked = mt.nn.functional.linear_cross_entropy(
        x, w, target, options=mt.nn.LinearCrossEntropyOptions(batch_chunk_size=2, acc_dtype=mt.float64))
    assert chunked.dtype == mt.float32
    np.testing.assert_allclose(chunked.item(), reference.item(), rtol=1e-7)


def test_options_that_cannot_chunk_fall_back_with_a_warning():
    x, w = mt.tensor(A(4, 3)), mt.tensor(A(5, 3))
    target = mt.tensor(_rng.integers(0, 5, 4))
    with pytest.warns(UserWarning, match="``options`` ignored"):
        out = mt.nn.functional.linear_cross_entropy(x, w, target, label_smoothing=0.1,
                                                    options=mt.nn.LinearCrossEntropyOptions())
    expected = mt.nn.functional.cross_entropy(x @ w.T, target, label_smoothing=0.1)
    np.testing.assert_allclose(out.item(), expected.item())


OPTION_ERRORS = [({"acc_policy": "fast"}, "invalid acc_policy"), ({"chunking_method": "rows"}, "invalid chunking"),
                 ({"chunking_method": "aspect_ratio:0"}, "invalid chunking"),
                 ({"batch_chunk_size": 0}, "batch_chunk_size must be positive"),
                 ({"acc_dtype": "int64"}, "acc_dtype must be one of")]


@pytest.mark.parametrize("kw, message", OPTION_ERRORS)
def test_options_errors(kw, message):
    with pytest.raises(ValueError, match=message):
        mt.nn.LinearCrossEntropyOptions(**kw)
    if torch is not None:
        with pytest.raises(ValueError):
            torch.nn.LinearCrossEntropyOptions(**kw)


ERRORS = {
    "gaussian_negative_var": (lambda L: F(L).gaussian_nll_loss(L.zeros(2), L.zeros(2), L.tensor([1.0, -1.0])),
                              ValueError, "var has negative"),
    "gaussian_negative_float_var": (lambda L: F(L).gaussian_nll_loss(L.zeros(2), L.zeros(2), -1.0),
                                    ValueError, "var has negative"),
    "gaussian_var_size": (lambda L: F(L).gaussian_nll_loss(L.zeros(2, 3), L.zeros(2, 3), L.ones(3, 2)),
                          ValueError, "var is of incorrect size"),
    "gaussian_var_two_dims": (lambda L: F(L).gaussian_nll_loss(L.zeros(2, 3), L.zeros(2, 3), L.ones(1, 1)),
                              ValueError, "var is of incorrect size"),
    "gaussian_reduction": (lambda L: F(L).gaussian_nll_loss(L.zeros(2), L.zeros(2), L.ones(2), reduction="avg"),
                           ValueError, "avg is not valid"),
    "multi_margin_p": (lambda L: F(L).multi_margin_loss(L.zeros(2, 3), L.zeros(2, dtype=L.int64), p=3),
                       ValueError, "only p == 1 and p == 2"),
    "multi_margin_weight_dims": (lambda L: F(L).multi_margin_loss(L.zeros(2, 3), L.zeros(2, dtype=L.int64),
                                                                  weight=L.ones(3, 1)), ValueError, "one-dimensional"),
    "multi_margin_weight_size": (lambda L: F(L).multi_margin_loss(L.zeros(2, 3), L.zeros(2, dtype=L.int64),
                                                                  weight=L.ones(2)),
                                 RuntimeError, "inconsistent weight"),
    "multi_margin_weight_grad": (lambda L: F(L).multi_margin_loss(L.zeros(2, 3), L.zeros(2, dtype=L.int64),
                                                                  weight=L.ones(3, requires_grad=True)),
                                 RuntimeError, "not differentiable with respect to argument 'weight'"),
    "multi_margin_target_range": (lambda L: F(L).multi_margin_loss(L.zeros(2, 3), L.tensor([0, 3])),
                                  RuntimeError, "target out of range"),
    "multi_margin_target_size": (lambda L: F(L).multi_margin_loss(L.zeros(2, 3), L.tensor([0])),
                                 RuntimeError, "target tensor should be 1-D"),
    "multi_margin_target_dtype": (lambda L: F(L).multi_margin_loss(L.zeros(2, 3), L.zeros(2, dtype=L.int32)),
                                  RuntimeError, "expected scalar type Long but found Int"),
    "multi_margin_3d": (lambda L: F(L).multi_margin_loss(L.zeros(2, 3, 4), L.zeros(2, dtype=L.int64)),
                        RuntimeError, "Expected non-empty vector or matrix"),
    "multi_margin_no_classes": (lambda L: F(L).multi_margin_loss(L.zeros(2, 0), L.zeros(2, dtype=L.int64)),
                                RuntimeError, "Expected non-empty vector or matrix"),
    "multi_margin_reduction": (lambda L: F(L).multi_margin_loss(L.zeros(2, 3), L.zeros(2, dtype=L.int64),
                                                                reduction="avg"), ValueError, "not a valid value"),
    "multilabel_target_size": (lambda L: F(L).multilabel_margin_loss(L.zeros(2, 3), L.zeros(1, 3, dtype=L.int64)),
                               RuntimeError, "inconsistent target size"),
    "multilabel_target_range": (lambda L: F(L).multilabel_margin_loss(L.zeros(1, 3), L.tensor([[0, -1, 5]])),
                                RuntimeError, "'target' is out of range"),
    "multilabel_target_below": (lambda L: F(L).multilabel_margin_loss(L.zeros(1, 3), L.tensor([[0, -2, 1]])),
                                RuntimeError, "'target' is out of range"),
    "triplet_distance_margin": (lambda L: F(L).triplet_margin_with_distance_loss(L.zeros(2), L.zeros(2), L.zeros(2),
                                                                                 margin=0.0),
                                ValueError, "margin must be greater than 0"),
    "triplet_distance_dims": (lambda L: F(L).triplet_margin_with_distance_loss(L.zeros(2, 3), L.zeros(3),
                                                                               L.zeros(2, 3)),
                              RuntimeError, "same number of dimensions"),
    "triplet_distance_reduction": (lambda L: F(L).triplet_margin_with_distance_loss(L.zeros(2), L.zeros(2), L.zeros(2),
                                                                                    reduction="max"),
                                   ValueError, "not a valid value for reduction"),
    "TripletMarginWithDistanceLoss_margin": (lambda L: L.nn.TripletMarginWithDistanceLoss(margin=-1),
                                             ValueError, "expected margin to be greater than 0"),
    "MultiMarginLoss_p": (lambda L: L.nn.MultiMarginLoss(p=3), ValueError, "only p == 1 and p == 2"),
    "MultiMarginLoss_weight": (lambda L: L.nn.MultiMarginLoss(weight=L.ones(2, 2)), ValueError,
                               "expected weight to be None or 1D tensor"),
    "lce_input_dims": (lambda L: F(L).linear_cross_entropy(L.zeros(2, 2, 3), L.zeros(4, 3),
                                                           L.zeros(2, 2, dtype=L.int64)),
                       RuntimeError, "expected input with dimensionality 1 or 2"),
    "lce_weight_dims": (lambda L: F(L).linear_cross_entropy(L.zeros(2, 3), L.zeros(3), L.zeros(2, dtype=L.int64)),
                        RuntimeError, "linear_weight with dimensionality at least 2"),
    "lce_in_features": (lambda L: F(L).linear_cross_entropy(L.zeros(2, 3), L.zeros(4, 2), L.zeros(2, dtype=L.int64)),
                        RuntimeError, "expected equal input and linear_weight last dimensions"),
    "lce_bias": (lambda L: F(L).linear_cross_entropy(L.zeros(2, 3), L.zeros(4, 3), L.zeros(2, dtype=L.int64),
                                                     linear_bias=L.zeros(3)),
                 RuntimeError, "expected linear_bias shape"),
    "lce_k_dim_unbatched": (lambda L: F(L).linear_cross_entropy(L.zeros(3), L.zeros(4, 2, 3),
                                                                L.zeros(2, dtype=L.int64)),
                            RuntimeError, "requires batched input"),
    "lce_probabilities_ignore": (lambda L: F(L).linear_cross_entropy(L.zeros(2, 3), L.zeros(4, 3), L.zeros(2, 4),
                                                                     ignore_index=1),
                                 RuntimeError, "ignore_index cannot be specified"),
    "LinearCrossEntropyLoss_weight": (lambda L: L.nn.LinearCrossEntropyLoss(3, 4, weight=L.ones(3)), RuntimeError,
                                      "expected weight shape"),
    "LinearCrossEntropyLoss_smoothing": (lambda L: L.nn.LinearCrossEntropyLoss(3, 4, label_smoothing=1.5),
                                         RuntimeError, "label_smoothing to be in range"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors(name):
    call, kind, message = ERRORS[name]
    with pytest.raises(kind, match=message):
        call(mt)
    if torch is not None:
        with pytest.raises(kind):
            call(torch)


def test_nll_loss_2d_is_the_deprecated_nll_loss():
    with pytest.warns(FutureWarning, match="`NLLLoss2d` has been deprecated"):
        loss = mt.nn.NLLLoss2d(ignore_index=1, reduction="sum")
    assert isinstance(loss, mt.nn.NLLLoss) and loss.ignore_index == 1
    x, t = mt.tensor(A(2, 3, 2, 2)).log_softmax(1), mt.tensor(_rng.integers(0, 3, (2, 2, 2)))
    np.testing.assert_allclose(loss(x, t).item(), mt.nn.functional.nll_loss(x, t, ignore_index=1,
                                                                            reduction="sum").item())


# module name -> (constructor on library L, the arrays it is called with)
MODULES = {
    "GaussianNLLLoss": (lambda L: L.nn.GaussianNLLLoss(full=True, eps=1e-4, reduction="sum"),
                        {"input": A(4, 3), "target": A(4, 3), "var": POS(4, 1)}),
    "MultiMarginLoss": (lambda L: L.nn.MultiMarginLoss(p=2, margin=0.8, weight=L.tensor([1.0, 2.0, 0.5, 1.0],
                                                                                        dtype=L.float64)),
                        {"input": A(5, 4), "target": TARGET}),
    "MultiLabelMarginLoss": (lambda L: L.nn.MultiLabelMarginLoss(reduction="none"),
                             {"input": A(5, 4), "target": LABELS}),
    "TripletMarginWithDistanceLoss": (lambda L: L.nn.TripletMarginWithDistanceLoss(swap=True),
                                      {"anchor": A(5, 3), "positive": A(5, 3), "negative": A(5, 3)}),
    "LinearCrossEntropyLoss": (lambda L: L.nn.LinearCrossEntropyLoss(3, 4, out_features=(2,), bias=True,
                                                                     dtype=L.float64, label_smoothing=0.1),
                               {"input": A(5, 3), "target": _rng.integers(0, 4, (5, 2))}),
    "LinearCrossEntropyLoss_chunked": (
        lambda L: L.nn.LinearCrossEntropyLoss(3, 4, dtype=L.float64, ignore_index=2,
                                              options=L.nn.LinearCrossEntropyOptions(batch_chunk_size=2,
                                                                                     chunking_method=None)),
        {"input": A(5, 3), "target": TARGET}),
    "NLLLoss2d": (lambda L: L.nn.NLLLoss2d(weight=L.tensor([1.0, 2.0, 0.5], dtype=L.float64)),
                  {"input": A(2, 3, 2, 2), "target": _rng.integers(0, 3, (2, 2, 2))}),
}


@requires_torch
@pytest.mark.filterwarnings("ignore:`NLLLoss2d` has been deprecated")
@pytest.mark.parametrize("name", MODULES)
def test_modules_match_torch(name):
    make, arrays = MODULES[name]
    torch.manual_seed(0)
    theirs = make(torch)
    ours = make(mt)
    compare_modules_with_torch(ours, theirs, arrays, lambda m, t, L: (m(**t),), rtol=1e-7, atol=1e-9)
    assert repr(ours) == repr(theirs)


def test_linear_cross_entropy_loss_trains_its_layer():
    mt.manual_seed(0)
    loss = mt.nn.LinearCrossEntropyLoss(3, 4, bias=True)
    x, t = mt.tensor(A(6, 3).astype(np.float32)), mt.tensor(TARGET[_rng.integers(0, 5, 6)])
    loss(x, t).backward()
    assert [n for n, _ in loss.named_parameters()] == ["linear.weight", "linear.bias"]
    assert loss.linear.weight.grad.shape == (4, 3) and loss.linear.bias.grad.shape == (4,)


@pytest.mark.filterwarnings("error")
def test_keyword_forms():
    x, y, v = mt.tensor(A(3, 2)), mt.tensor(A(3, 2)), mt.tensor(POS(3, 2))
    mt.nn.functional.gaussian_nll_loss(input=x, target=y, var=v, full=False, eps=1e-6, reduction="mean")
    mt.nn.functional.multi_margin_loss(input=x, target=mt.tensor([0, 1, 1]), p=1, margin=1.0, weight=None,
                                       reduction="sum")
    mt.nn.functional.multilabel_margin_loss(input=x, target=mt.tensor([[1, -1]] * 3), reduction="none")
    mt.nn.functional.triplet_margin_with_distance_loss(anchor=x, positive=y, negative=v, distance_function=None,
                                                       margin=1.0, swap=False, reduction="mean")
    mt.nn.functional.linear_cross_entropy(input=x, linear_weight=mt.tensor(A(4, 2)), target=mt.tensor([0, 1, 3]),
                                          linear_bias=None, weight=None, reduction="mean", ignore_index=None,
                                          label_smoothing=0.0, options=None)
    with pytest.raises(TypeError):
        mt.nn.functional.triplet_margin_with_distance_loss(x, y, v, None)      # distance_function is keyword-only


def test_legacy_reduction_flags():
    x, t = mt.tensor(A(3, 4)), mt.tensor([0, 1, 2])
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        out = mt.nn.functional.multi_margin_loss(x, t, size_average=False)
    np.testing.assert_allclose(out.item(), mt.nn.functional.multi_margin_loss(x, t, reduction="sum").item())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert mt.nn.MultiLabelMarginLoss(reduce=False)(x, mt.tensor([[0, -1, 0, 0]] * 3)).shape == (3,)

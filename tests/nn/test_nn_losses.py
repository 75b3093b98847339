"""Loss functions: gradcheck and gradgradcheck of every loss, reduction and option; PyTorch's values and
gradients (input and target); stability at large logits; clear errors for bad targets and options."""
import warnings

import numpy as np
import pytest
from helpers import (
    broadcast_pairs,
    check_gradients,
    compare_with_torch,
    rand,
    requires_torch,
    seeds,
    torch,
)
from hypothesis import given

import microtensor as mt
from microtensor.autograd import gradcheck
from microtensor.nn import functional as mtF

tF = torch.nn.functional if torch is not None else None
pytestmark = pytest.mark.filterwarnings("ignore:reduction. 'mean' divides", "ignore:.*different to the input size")

W5 = np.array([0.5, 2.0, 1.0, 0.25, 1.5])       # class weights for 5 classes
W4 = np.array([0.5, 2.0, 1.0, 1.5])             # pointwise weights along the last dim of (3, 4)


def lib_of(x):
    return mt if isinstance(x, mt.Tensor) else torch


def F_of(x):
    return mtF if isinstance(x, mt.Tensor) else tF


def const(x, array):
    """``array`` as a constant of ``x``'s library and dtype."""
    return lib_of(x).tensor(array, dtype=x.dtype)


def probs(rng, shape, axis=-1):
    p = rng.uniform(0.1, 1.0, shape)
    return p / p.sum(axis=axis, keepdims=True)


def indices(rng, shape, n, ignored=(), ignore_index=-100):
    t = rng.integers(0, n, shape)
    for i in ignored:
        t.flat[i] = ignore_index
    return t


# name -> (loss(x, t, reduction), inputs(rng)); the same lambdas run on microtensor and on torch
LOSSES = {
    "mse": (lambda x, t, r: F_of(x).mse_loss(x, t, reduction=r),
            lambda g: (g.standard_normal((3, 4)), g.standard_normal((3, 4)))),
    "mse_broadcast_target": (lambda x, t, r: F_of(x).mse_loss(x, t, reduction=r),
                             lambda g: (g.standard_normal((3, 4)), g.standard_normal((4,)))),
    "l1": (lambda x, t, r: F_of(x).l1_loss(x, t, reduction=r),
           lambda g: (g.standard_normal((3, 4)), g.standard_normal((3, 4)))),
    "smooth_l1": (lambda x, t, r: F_of(x).smooth_l1_loss(x, t, reduction=r),
                  lambda g: (2 * g.standard_normal((3, 4)), g.standard_normal((3, 4)))),
    "smooth_l1_beta": (lambda x, t, r: F_of(x).smooth_l1_loss(x, t, reduction=r, beta=0.5),
                       lambda g: (g.standard_normal((3, 4)), g.standard_normal((3, 4)))),
    "smooth_l1_beta0": (lambda x, t, r: F_of(x).smooth_l1_loss(x, t, reduction=r, beta=0.0),
                        lambda g: (g.standard_normal((3, 4)), g.standard_normal((3, 4)))),
    "huber": (lambda x, t, r: F_of(x).huber_loss(x, t, reduction=r),
              lambda g: (2 * g.standard_normal((3, 4)), g.standard_normal((3, 4)))),
    "huber_delta": (lambda x, t, r: F_of(x).huber_loss(x, t, reduction=r, delta=2.0),
                    lambda g: (3 * g.standard_normal((3, 4)), g.standard_normal((3, 4)))),
    "bce": (lambda x, t, r: F_of(x).binary_cross_entropy(x, t, reduction=r),
            lambda g: (g.uniform(0.05, 0.95, (3, 4)), g.uniform(0, 1, (3, 4)))),
    "bce_weight": (lambda x, t, r: F_of(x).binary_cross_entropy(x, t, weight=const(x, W4), reduction=r),
                   lambda g: (g.uniform(0.05, 0.95, (3, 4)), g.uniform(0, 1, (3, 4)))),
    "bce_logits": (lambda x, t, r: F_of(x).binary_cross_entropy_with_logits(x, t, reduction=r),
                   lambda g: (3 * g.standard_normal((3, 4)), g.uniform(0, 1, (3, 4)))),
    "bce_logits_weight_pos_weight": (
        lambda x, t, r: F_of(x).binary_cross_entropy_with_logits(
            x, t, weight=const(x, W4[::-1].copy()), pos_weight=const(x, W4), reduction=r),
        lambda g: (3 * g.standard_normal((3, 4)), g.uniform(0, 1, (3, 4)))),
    "bce_logits_pos_weight_full": (
        lambda x, t, r: F_of(x).binary_cross_entropy_with_logits(
            x, t, pos_weight=const(x, np.linspace(0.5, 3, 12).reshape(3, 4)), reduction=r),
        lambda g: (3 * g.standard_normal((3, 4)), g.uniform(0, 1, (3, 4)))),
    "bce_logits_huge": (
        lambda x, t, r: F_of(x).binary_cross_entropy_with_logits(x, t, pos_weight=const(x, W4), reduction=r),
        lambda g: (np.array([[1e4, -1e4, 30.0, -30.0], [1e4, -1e4, 0.5, -2.0]]), g.uniform(0, 1, (2, 4)))),
    "kl_div": (lambda x, t, r: F_of(x).kl_div(x, t, reduction=r),
               lambda g: (np.log(probs(g, (3, 4))), probs(g, (3, 4)))),
    "kl_div_log_target": (lambda x, t, r: F_of(x).kl_div(x, t, reduction=r, log_target=True),
                          lambda g: (np.log(probs(g, (3, 4))), np.log(probs(g, (3, 4))))),
    "nll": (lambda x, t, r: F_of(x).nll_loss(x, t, reduction=r),
            lambda g: (g.standard_normal((4, 5)), indices(g, (4,), 5))),
    "nll_weight_ignore": (lambda x, t, r: F_of(x).nll_loss(x, t, weight=const(x, W5), reduction=r),
                          lambda g: (g.standard_normal((4, 5)), indices(g, (4,), 5, ignored=(1,)))),
    "nll_nd_ignore_index": (lambda x, t, r: F_of(x).nll_loss(x, t, ignore_index=2, reduction=r),
                            lambda g: (g.standard_normal((2, 5, 3)), indices(g, (2, 3), 5))),
    "nll_1d": (lambda x, t, r: F_of(x).nll_loss(x, t, weight=const(x, W5), reduction=r),
               lambda g: (g.standard_normal((5,)), np.array(3))),
    "cross_entropy": (lambda x, t, r: F_of(x).cross_entropy(x, t, reduction=r),
                      lambda g: (g.standard_normal((4, 5)), indices(g, (4,), 5))),
    "cross_entropy_weight": (lambda x, t, r: F_of(x).cross_entropy(x, t, weight=const(x, W5), reduction=r),
                             lambda g: (g.standard_normal((4, 5)), indices(g, (4,), 5))),
    "cross_entropy_ignore": (lambda x, t, r: F_of(x).cross_entropy(x, t, reduction=r),
                             lambda g: (g.standard_normal((4, 5)), indices(g, (4,), 5, ignored=(0, 2)))),
    "cross_entropy_smoothing": (lambda x, t, r: F_of(x).cross_entropy(x, t, reduction=r, label_smoothing=0.2),
                                lambda g: (g.standard_normal((4, 5)), indices(g, (4,), 5))),
    "cross_entropy_weight_smoothing_ignore": (
        lambda x, t, r: F_of(x).cross_entropy(x, t, weight=const(x, W5), ignore_index=3, reduction=r,
                                              label_smoothing=0.3),
        lambda g: (g.standard_normal((4, 5)), np.array([3, 0, 4, 3]))),
    "cross_entropy_nd": (
        lambda x, t, r: F_of(x).cross_entropy(x, t, weight=const(x, W5), reduction=r, label_smoothing=0.1),
        lambda g: (g.standard_normal((2, 5, 3, 2)), indices(g, (2, 3, 2), 5, ignored=(4,)))),
    "cross_entropy_1d": (lambda x, t, r: F_of(x).cross_entropy(x, t, reduction=r, label_smoothing=0.1),
                         lambda g: (g.standard_normal((5,)), np.array(2))),
    "cross_entropy_probs": (lambda x, t, r: F_of(x).cross_entropy(x, t, reduction=r),
                            lambda g: (g.standard_normal((4, 5)), probs(g, (4, 5)))),
    "cross_entropy_probs_weight_smoothing": (
        lambda x, t, r: F_of(x).cross_entropy(x, t, weight=const(x, W5), reduction=r, label_smoothing=0.25),
        lambda g: (g.standard_normal((2, 5, 3)), probs(g, (2, 5, 3), axis=1))),
    "cross_entropy_probs_1d": (lambda x, t, r: F_of(x).cross_entropy(x, t, reduction=r),
                               lambda g: (g.standard_normal((5,)), probs(g, (5,)))),
    "poisson_nll": (lambda x, t, r: F_of(x).poisson_nll_loss(x, t, reduction=r),
                    lambda g: (g.standard_normal((3, 4)), g.poisson(2.0, (3, 4)).astype(float))),
    "poisson_nll_full_rate": (
        lambda x, t, r: F_of(x).poisson_nll_loss(x, t, log_input=False, full=True, reduction=r),
        lambda g: (g.uniform(0.5, 3, (3, 4)), np.array([[0.0, 1, 2, 5]] * 3) + g.uniform(0, 0.5, (3, 4)))),
    "margin_ranking": (lambda x, t, r: F_of(x).margin_ranking_loss(x[0], x[1], t, margin=0.3, reduction=r),
                       lambda g: (g.standard_normal((2, 6)), np.array([1.0, -1, 1, -1, 1, 1]))),
    "hinge_embedding": (lambda x, t, r: F_of(x).hinge_embedding_loss(x, t, margin=1.5, reduction=r),
                        lambda g: (g.uniform(0, 3, (3, 4)), g.choice([-1, 1], (3, 4)))),
    "soft_margin": (lambda x, t, r: F_of(x).soft_margin_loss(x, t.to(x.dtype), reduction=r),   # torch: no target grad
                    lambda g: (3 * g.standard_normal((3, 4)), g.choice([-1, 1], (3, 4)))),
    "multilabel_soft_margin": (
        lambda x, t, r: F_of(x).multilabel_soft_margin_loss(x, t, weight=const(x, W4), reduction=r),
        lambda g: (3 * g.standard_normal((3, 4)), g.choice([0.0, 1.0], (3, 4)))),
    "cosine_embedding": (lambda x, t, r: F_of(x).cosine_embedding_loss(x[0], x[1], t, margin=-0.2, reduction=r),
                         lambda g: (g.standard_normal((2, 4, 3)), np.array([1, -1, 1, -1]))),
    "triplet_margin": (lambda x, t, r: F_of(x).triplet_margin_loss(x[0], x[1], t, margin=2.0, reduction=r),
                       lambda g: (g.standard_normal((2, 4, 3)), g.standard_normal((4, 3)))),
    "triplet_margin_swap_p1": (
        lambda x, t, r: F_of(x).triplet_margin_loss(x[0], x[1], t, margin=2.0, p=1, swap=True, reduction=r),
        lambda g: (g.standard_normal((2, 4, 3)), g.standard_normal((4, 3)))),
}
REDUCTIONS = ["mean", "sum", "none"]


def inputs(name, seed=0):
    return LOSSES[name][1](np.random.default_rng(seed))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
def test_loss_gradcheck(name, reduction):
    loss = LOSSES[name][0]
    check_gradients(lambda x, t: loss(x, t, reduction), *inputs(name))


@pytest.mark.parametrize("name", ["mse", "l1", "smooth_l1", "huber", "kl_div"])
@given(shapes=broadcast_pairs, seed=seeds)
def test_pointwise_losses_gradcheck_broadcasting(name, shapes, seed):
    x, t = rand(seed, *shapes.input_shapes)
    if name == "kl_div":
        t = np.abs(t) + 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_gradients(lambda x, t: LOSSES[name][0](x, t, "sum"), x, t)


@pytest.mark.parametrize("reduction", ["batchmean", "sum"])
def test_kl_div_batchmean_gradcheck(reduction):
    x, t = inputs("kl_div")
    check_gradients(lambda x, t: mtF.kl_div(x, t, reduction=reduction), x, t)
    x, t = inputs("kl_div_log_target")
    check_gradients(lambda x, t: mtF.kl_div(x, t, reduction=reduction, log_target=True), x, t)


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
def test_loss_matches_torch(name, reduction):
    loss = LOSSES[name][0]
    compare_with_torch(lambda x, t: loss(x, t, reduction), *inputs(name, seed=3), rtol=1e-6, atol=1e-8)


@requires_torch
@pytest.mark.parametrize("name", ["mse", "bce_logits_weight_pos_weight", "kl_div", "nll_weight_ignore",
                                  "cross_entropy_weight_smoothing_ignore", "cross_entropy_nd",
                                  "cross_entropy_probs_weight_smoothing"])
def test_float32_matches_torch(name):
    x, t = inputs(name, seed=5)
    x = x.astype(np.float32)
    if t.dtype.kind == "f":
        t = t.astype(np.float32)
    compare_with_torch(lambda x, t: LOSSES[name][0](x, t, "mean"), x, t, rtol=1e-5, atol=1e-6)


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_reductions_match_torch(reduction, log_target):
    x, t = inputs("kl_div_log_target" if log_target else "kl_div", seed=2)
    fn = lambda x, t: F_of(x).kl_div(x, t, reduction=reduction, log_target=log_target)
    compare_with_torch(fn, x, t)
    t[0, 0] = -np.inf if log_target else 0.0       # a zero probability (NaN with log targets, as in torch)
    compare_with_torch(fn, x, t, check_grad=False)


def test_kl_div_zero_target_gradient():
    x, t = inputs("kl_div", seed=2)
    t[0, 0] = 0.0
    x, t = mt.tensor(x, requires_grad=True), mt.tensor(t, requires_grad=True)
    mtF.kl_div(x, t, reduction="sum").backward()
    assert t.grad.numpy()[0, 0] == 0.0 and np.isfinite(t.grad.numpy()).all()   # torch gives NaN there
    assert x.grad.numpy()[0, 0] == 0.0


@requires_torch
@pytest.mark.parametrize("name", ["cross_entropy", "cross_entropy_nd", "nll"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_all_targets_ignored_matches_torch(name, reduction):
    x, t = inputs(name)
    t[...] = -100
    ours = mt.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out, expected = LOSSES[name][0](ours, mt.tensor(t), reduction), LOSSES[name][0](theirs, torch.tensor(t), reduction)
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())   # NaN for 'mean'
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())          # zeros, not NaN


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_logits_are_finite_and_match_torch(dtype):
    x = np.array([[1e4, -1e4, 0.0, 3.0], [-1e4, 1e4, 1e4, -1e4]], dtype=dtype)
    t = np.array([[1.0, 0.0, 1.0, 0.5], [1.0, 0.0, 0.3, 1.0]], dtype=dtype)
    for fn in (lambda x, t: F_of(x).binary_cross_entropy_with_logits(x, t, pos_weight=const(x, W4)),
               lambda x, t: F_of(x).binary_cross_entropy_with_logits(x, t, reduction="none")):
        out = fn(mt.tensor(x), mt.tensor(t))
        assert np.isfinite(out.numpy()).all()
        compare_with_torch(fn, x, t, rtol=1e-5, atol=1e-4)
    labels = np.array([1, 3])
    ce = lambda x, t: F_of(x).cross_entropy(x, t, label_smoothing=0.1)
    assert np.isfinite(ce(mt.tensor(x), mt.tensor(labels)).item())
    compare_with_torch(ce, x, labels, rtol=1e-5, atol=1e-4)


@requires_torch
def test_bce_clamps_log_like_torch():
    x = np.array([0.0, 1.0, 1e-50, 0.5])
    t = np.array([1.0, 0.0, 1.0, 0.5])
    out = mtF.binary_cross_entropy(mt.tensor(x), mt.tensor(t), reduction="none")
    np.testing.assert_allclose(out.numpy(), tF.binary_cross_entropy(torch.tensor(x), torch.tensor(t),
                                                                     reduction="none").numpy())
    assert out.numpy()[0] == 100.0


@requires_torch
def test_top_level_exports_take_torch_enum():
    x, t = inputs("bce_logits_weight_pos_weight")
    for r_int, r in ((0, "none"), (1, "mean"), (2, "sum")):
        np.testing.assert_allclose(
            mt.binary_cross_entropy_with_logits(mt.tensor(x), mt.tensor(t), None, mt.tensor(W4), r_int).numpy(),
            torch.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(t), None, torch.tensor(W4),
                                                   r_int).numpy())
        np.testing.assert_allclose(mtF.kl_div(mt.tensor(x), mt.tensor(t), reduction=r).numpy(),
                                   torch.kl_div(torch.tensor(x), torch.tensor(t), r_int).numpy())
        np.testing.assert_allclose(mt.kl_div(mt.tensor(x), mt.tensor(t), r_int).numpy(),
                                   torch.kl_div(torch.tensor(x), torch.tensor(t), r_int).numpy())
        x1, x2, t1 = (np.random.default_rng(1).standard_normal((4, 3)) for _ in range(3))
        y = np.array([1, -1, 1, -1])
        for name, args in (("poisson_nll_loss", (np.abs(x1), np.abs(x2), False, True, 1e-8)),
                           ("margin_ranking_loss", (x1[0], x2[0], np.sign(t1[0]), 0.1)),
                           ("hinge_embedding_loss", (x1, np.sign(t1), 2.0)),
                           ("cosine_embedding_loss", (x1, x2, y, 0.1)),
                           ("triplet_margin_loss", (x1, x2, t1, 1.0, 2.0, 1e-6, True))):
            ours = getattr(mt, name)(*[mt.tensor(a) if isinstance(a, np.ndarray) else a for a in args], r_int)
            theirs = getattr(torch, name)(*[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args], r_int)
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, err_msg=name)


def test_cross_entropy_second_order_through_fused_backward():
    x, t = inputs("cross_entropy_weight_smoothing_ignore")
    x = mt.tensor(x, requires_grad=True)
    loss = mtF.cross_entropy(x, mt.tensor(t), weight=mt.tensor(W5), ignore_index=3, label_smoothing=0.3)
    assert loss.grad_fn.name() == "CrossEntropyBackward0"
    g, = mt.autograd.grad(loss, x, create_graph=True)
    h, = mt.autograd.grad((g * g).sum(), x)
    assert np.abs(h.numpy()).sum() > 0


def test_cross_entropy_equals_log_softmax_then_nll():
    x, t = inputs("cross_entropy_nd")
    for r in REDUCTIONS:
        a = mtF.cross_entropy(mt.tensor(x), mt.tensor(t), weight=mt.tensor(W5), reduction=r)
        b = mtF.nll_loss(mt.log_softmax(mt.tensor(x), 1), mt.tensor(t), weight=mt.tensor(W5), reduction=r)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def test_weight_and_pos_weight_get_no_gradient():
    x, t = inputs("bce_logits_weight_pos_weight")
    w, pw = mt.tensor(W4, requires_grad=True), mt.tensor(W4, requires_grad=True)
    x = mt.tensor(x, requires_grad=True)
    mtF.binary_cross_entropy_with_logits(x, mt.tensor(t), weight=w, pos_weight=pw).backward()
    assert x.grad is not None and w.grad is None and pw.grad is None


def test_gradcheck_catches_a_wrong_backward(monkeypatch):
    from microtensor.ops import losses
    x, t = inputs("cross_entropy_weight")
    fn = lambda x, t: mtF.cross_entropy(x, t, weight=mt.tensor(W5))
    args = (mt.tensor(x, requires_grad=True), mt.tensor(t))
    assert gradcheck(fn, args)
    monkeypatch.setattr(losses, "_times_grad", lambda ctx, coeff, grad, ax: coeff * grad * 1.01)   # 1% off
    assert not gradcheck(fn, args, raise_exception=False)


# ----------------------------------------------------------------------------- errors
def test_cross_entropy_target_dtype_error():
    x = mt.randn(4, 3)
    with pytest.raises(RuntimeError, match=r"cross_entropy: expected target of dtype int64 \(class indices\) or "
                       r"floating point \(probabilities\) with the input's shape, got int32 of shape \[4\]"):
        mtF.cross_entropy(x, mt.tensor([0, 1, 2, 0], dtype=mt.int32))
    with pytest.raises(RuntimeError, match=r"got float32 of shape \[4\] \(input of shape \[4, 3\]\)"):
        mtF.cross_entropy(x, mt.zeros(4))
    with pytest.raises(RuntimeError, match=r"nll_loss: expected target of dtype int64 \(class indices\), got bool"):
        mtF.nll_loss(x, mt.zeros(4, dtype=mt.bool))


@pytest.mark.parametrize("fn", [mtF.cross_entropy, mtF.nll_loss])
def test_target_out_of_bounds(fn):
    x = mt.randn(4, 5)
    with pytest.raises(IndexError, match=r"Target 7 is out of bounds: the input has 5 classes"):
        fn(x, mt.tensor([0, 7, 1, 2]))
    with pytest.raises(IndexError, match=r"Target -3 is out of bounds.*ignore_index=-100"):
        fn(x, mt.tensor([0, -3, 1, 2]))
    with pytest.raises(IndexError, match=r"Target -100 is out of bounds"):
        fn(x, mt.tensor([0, -100, 1, 2]), ignore_index=1)
    fn(x, mt.tensor([0, -100, 1, 2]))           # the ignore_index itself is fine


@pytest.mark.parametrize("fn", [mtF.cross_entropy, mtF.nll_loss])
def test_class_target_shape_and_weight_errors(fn):
    with pytest.raises(ValueError, match=r"expected a target of shape \[4\] for the input of shape \[4, 5\].*"
                                         r"got a target of shape \[3\]"):
        fn(mt.randn(4, 5), mt.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=r"expected a target of shape \[2, 3\] for the input of shape \[2, 5, 3\]"):
        fn(mt.randn(2, 5, 3), mt.zeros(2, 5, dtype=mt.int64))
    with pytest.raises(RuntimeError, match=r"weight tensor should be defined either for all 5 classes or no "
                                           r"classes but got weight tensor of shape: \[3\]"):
        fn(mt.randn(4, 5), mt.tensor([0, 1, 2, 3]), weight=mt.ones(3))
    with pytest.raises(ValueError, match=r"got a 0-d tensor"):
        fn(mt.tensor(1.0), mt.tensor(0))


def test_label_smoothing_range():
    with pytest.raises(RuntimeError, match=r"label_smoothing must be between 0.0 and 1.0. Got: 1.5"):
        mtF.cross_entropy(mt.randn(2, 3), mt.tensor([0, 1]), label_smoothing=1.5)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
                                  "binary_cross_entropy_with_logits", "kl_div", "nll_loss", "cross_entropy"])
def test_invalid_reduction(name):
    x = mt.rand(2, 3)
    t = mt.tensor([0, 1]) if name in ("nll_loss", "cross_entropy") else mt.rand(2, 3)
    with pytest.raises(ValueError, match=rf"{name}: 'avg' is not a valid value for reduction; expected one of "
                                         r"'none', 'mean', 'sum'"):
        getattr(mtF, name)(x, t, reduction="avg")


def test_regression_losses_shape_mismatch():
    with pytest.warns(UserWarning, match=r"mse_loss: using a target size \(\[4\]\) that is different to the "
                                         r"input size \(\[3, 4\]\)"):
        mtF.mse_loss(mt.randn(3, 4), mt.randn(4))
    with pytest.raises(RuntimeError, match=r"l1_loss: the input of shape \[3, 4\] and the target of shape \[3\] "
                                           r"cannot be broadcast together"):
        mtF.l1_loss(mt.randn(3, 4), mt.randn(3))
    with pytest.raises(TypeError, match=r"mse_loss\(\): argument 'target' \(position 2\) must be Tensor, not list"):
        mtF.mse_loss(mt.randn(3), [1.0, 2.0, 3.0])


def test_bce_errors():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: target size \[3\] must be the same as input size "
                                         r"\[4\]"):
        mtF.binary_cross_entropy(mt.rand(4), mt.rand(3))
    with pytest.raises(RuntimeError, match=r"all elements of input should be between 0 and 1"):
        mtF.binary_cross_entropy(mt.tensor([0.5, 1.5]), mt.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: target size \[2, 3\] must be the "
                                         r"same as input size \[3, 2\]"):
        mtF.binary_cross_entropy_with_logits(mt.randn(3, 2), mt.rand(2, 3))
    with pytest.raises(RuntimeError, match=r"pos_weight of shape \[3\] does not broadcast to the input's shape "
                                           r"\[3, 2\]"):
        mtF.binary_cross_entropy_with_logits(mt.randn(3, 2), mt.rand(3, 2), pos_weight=mt.ones(3))


def test_option_errors():
    with pytest.raises(RuntimeError, match=r"smooth_l1_loss does not support negative values for beta"):
        mtF.smooth_l1_loss(mt.randn(3), mt.randn(3), beta=-1.0)
    with pytest.raises(RuntimeError, match=r"huber_loss does not support non-positive values for delta"):
        mtF.huber_loss(mt.randn(3), mt.randn(3), delta=0.0)
    with pytest.warns(UserWarning, match=r"reduction: 'mean' divides the total loss by both the batch size"):
        mtF.kl_div(mt.randn(2, 3), mt.rand(2, 3))
    with pytest.raises(ValueError, match=r"kl_div: 'avg' is not a valid value for reduction; expected one of "
                                         r"'none', 'mean', 'sum', 'batchmean'"):
        mtF.kl_div(mt.randn(2, 3), mt.rand(2, 3), reduction="avg")
    with pytest.raises(RuntimeError, match=r"cross_entropy\(\): expected a floating point input, got Long"):
        mtF.cross_entropy(mt.tensor([[1, 2]]), mt.tensor([0]))

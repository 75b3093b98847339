"""Loss modules against PyTorch's: every module x reduction x option (values and input gradients), reprs,
state dicts with the weight/pos_weight buffers, the legacy size_average/reduce flags; finite differences of
every case."""
import warnings

import numpy as np
import pytest
from helpers import check_gradients, requires_torch, torch

import microtensor as mt
from microtensor.nn import loss as L

# KLDivLoss(reduction='mean') warns that it divides by the number of elements, as PyTorch's does
pytestmark = pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss:UserWarning")
N, C = 4, 3


def _rng(seed):
    return np.random.default_rng(seed)


def regression(seed):
    r = _rng(seed)
    return r.standard_normal((N, C)), r.standard_normal((N, C))


def class_indices(seed, spatial=(), ignore=None):
    r = _rng(seed)
    x = r.standard_normal((N, C) + spatial)
    t = r.integers(0, C, (N,) + spatial)
    if ignore is not None:
        t.flat[::3] = ignore
    return x, t


def class_probabilities(seed):
    r = _rng(seed)
    p = r.uniform(0.1, 1.0, (N, C))
    return r.standard_normal((N, C)), p / p.sum(1, keepdims=True)


def log_probabilities(seed, spatial=(), ignore=None):
    x, t = class_indices(seed, spatial, ignore)
    return x - np.log(np.exp(x).sum(1, keepdims=True)), t


def probabilities(seed):
    r = _rng(seed)
    return r.uniform(0.05, 0.95, (N, C)), r.uniform(0.0, 1.0, (N, C))


def logits(seed):
    r = _rng(seed)
    return 3 * r.standard_normal((N, C)), r.uniform(0.0, 1.0, (N, C))


def kl_inputs(seed, log_target=False):
    r = _rng(seed)
    q = r.uniform(0.1, 1.0, (N, C))
    p = r.uniform(0.1, 1.0, (N, C))
    q, p = q / q.sum(1, keepdims=True), p / p.sum(1, keepdims=True)
    return np.log(q), np.log(p) if log_target else p


W = _rng(10).uniform(0.5, 2.0, C)                 # a class weight (CrossEntropy, NLL)
EW = _rng(11).uniform(0.5, 2.0, (N, C))           # an elementwise weight (BCE)
PW = _rng(12).uniform(0.5, 3.0, C)                # BCEWithLogits' pos_weight

# (module name, constructor kwargs (arrays become each library's tensors), inputs maker)
CASES = [
    ("MSELoss", {}, regression),
    ("L1Loss", {}, regression),
    ("SmoothL1Loss", {}, regression),
    ("SmoothL1Loss", {"beta": 0.5}, regression),
    ("SmoothL1Loss", {"beta": 2.0}, regression),
    ("HuberLoss", {}, regression),
    ("HuberLoss", {"delta": 0.5}, regression),
    ("HuberLoss", {"delta": 2.0}, regression),
    ("CrossEntropyLoss", {}, class_indices),
    ("CrossEntropyLoss", {}, lambda s: class_indices(s, spatial=(2, 2))),
    ("CrossEntropyLoss", {}, class_probabilities),
    ("CrossEntropyLoss", {"weight": W}, class_indices),
    ("CrossEntropyLoss", {"weight": W}, class_probabilities),
    ("CrossEntropyLoss", {"ignore_index": 1}, lambda s: class_indices(s, ignore=1)),
    ("CrossEntropyLoss", {}, lambda s: class_indices(s, ignore=-100)),
    ("CrossEntropyLoss", {"weight": W, "ignore_index": -1}, lambda s: class_indices(s, spatial=(3,), ignore=-1)),
    ("CrossEntropyLoss", {"label_smoothing": 0.2}, class_indices),
    ("CrossEntropyLoss", {"label_smoothing": 0.2}, class_probabilities),
    ("CrossEntropyLoss", {"weight": W, "label_smoothing": 0.1}, class_indices),
    ("CrossEntropyLoss", {"weight": W, "label_smoothing": 0.1}, class_probabilities),
    ("CrossEntropyLoss", {"weight": W, "label_smoothing": 0.3, "ignore_index": 2},
     lambda s: class_indices(s, ignore=2)),
    ("NLLLoss", {}, log_probabilities),
    ("NLLLoss", {}, lambda s: log_probabilities(s, spatial=(2, 3))),
    ("NLLLoss", {"weight": W}, log_probabilities),
    ("NLLLoss", {"ignore_index": 0}, lambda s: log_probabilities(s, ignore=0)),
    ("NLLLoss", {"weight": W, "ignore_index": -100}, lambda s: log_probabilities(s, spatial=(2,), ignore=-100)),
    ("BCELoss", {}, probabilities),
    ("BCELoss", {"weight": EW}, probabilities),
    ("BCELoss", {"weight": W}, probabilities),
    ("BCEWithLogitsLoss", {}, logits),
    ("BCEWithLogitsLoss", {"weight": EW}, logits),
    ("BCEWithLogitsLoss", {"pos_weight": PW}, logits),
    ("BCEWithLogitsLoss", {"weight": W, "pos_weight": PW}, logits),
    ("KLDivLoss", {}, kl_inputs),
    ("KLDivLoss", {"log_target": True}, lambda s: kl_inputs(s, log_target=True)),
]
REDUCTIONS = ["mean", "sum", "none"]
GRID = [(name, kw, make, red) for name, kw, make in CASES
        for red in REDUCTIONS + (["batchmean"] if name == "KLDivLoss" else [])]
GRID_IDS = [f"{i}-{name}-{'-'.join(kw)}-{red}" for i, (name, kw, _, red) in enumerate(GRID)]


def build(lib, name, kwargs, reduction, dtype):
    """The loss module of ``lib`` (microtensor or torch) with the kwargs' arrays as ``dtype`` tensors."""
    made = {k: lib.tensor(v, dtype=getattr(lib, dtype)) if isinstance(v, np.ndarray) else v
            for k, v in kwargs.items()}
    return getattr(L if lib is mt else torch.nn, name)(reduction=reduction, **made)


def as_input(lib, array, dtype):
    """A float array becomes a ``dtype`` tensor, an index array an int64 one."""
    return lib.tensor(array, dtype=getattr(lib, dtype)) if array.dtype.kind == "f" else lib.tensor(array)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs,make,reduction", GRID, ids=GRID_IDS)
def test_loss_matches_torch(name, kwargs, make, reduction, dtype):
    x, t = make(0)
    ours, theirs = build(mt, name, kwargs, reduction, dtype), build(torch, name, kwargs, reduction, dtype)
    xo, xt = as_input(mt, x, dtype).requires_grad_(), as_input(torch, x, dtype).requires_grad_()
    out, expected = ours(xo, as_input(mt, t, dtype)), theirs(xt, as_input(torch, t, dtype))
    assert tuple(out.shape) == tuple(expected.shape)
    assert out.dtype.name == dtype
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == "float32" else {"rtol": 1e-10, "atol": 1e-12}
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), **tol)
    w = _rng(1).standard_normal(tuple(expected.shape)).astype(dtype)
    (out * mt.tensor(w)).sum().backward()
    (expected * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), **tol)


@pytest.mark.parametrize("name,kwargs,make,reduction", GRID, ids=GRID_IDS)
def test_loss_gradcheck(name, kwargs, make, reduction):
    x, t = make(2)
    module = build(mt, name, kwargs, reduction, "float64")
    target = as_input(mt, t, "float64")
    check_gradients(lambda x: module(x, target), x)


@requires_torch
@pytest.mark.parametrize("name,kwargs,make", CASES, ids=[f"{i}-{c[0]}" for i, c in enumerate(CASES)])
def test_repr_and_state_dict_match_torch(name, kwargs, make):
    ours, theirs = build(mt, name, kwargs, "mean", "float32"), build(torch, name, kwargs, "mean", "float32")
    assert repr(ours) == repr(theirs)
    mine, reference = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(reference)
    for key in reference:
        assert mine[key].dtype.name == str(reference[key].dtype).replace("torch.", "")
        np.testing.assert_array_equal(mine[key].numpy(), reference[key].numpy())
    assert list(ours.parameters()) == []


def test_weights_are_buffers():
    ce = L.CrossEntropyLoss(weight=mt.tensor([1.0, 2.0, 3.0]))
    assert [name for name, _ in ce.named_buffers()] == ["weight"]
    assert list(ce.state_dict()) == ["weight"]
    bce = L.BCEWithLogitsLoss(weight=mt.ones(3), pos_weight=mt.full((3,), 2.0))
    assert [name for name, _ in bce.named_buffers()] == ["weight", "pos_weight"]
    assert list(bce.state_dict()) == ["weight", "pos_weight"]
    assert list(L.BCEWithLogitsLoss().state_dict()) == []
    assert L.CrossEntropyLoss().weight is None and L.BCEWithLogitsLoss().pos_weight is None
    ce.double()
    assert ce.weight.dtype == mt.float64                       # buffers follow the module's dtype


def test_load_state_dict_sets_the_weight_used_by_forward():
    x = mt.tensor(np.array([[2.0, 0.0, -1.0], [0.5, 1.0, 0.0]]))
    target = mt.tensor(np.array([0, 1]))
    ce = L.CrossEntropyLoss(weight=mt.ones(3, dtype=mt.float64), reduction="sum")
    plain = ce(x, target).item()
    ce.load_state_dict({"weight": mt.tensor([3.0, 0.0, 1.0], dtype=mt.float64)})
    logp = x.numpy() - np.log(np.exp(x.numpy()).sum(1, keepdims=True))
    assert ce(x, target).item() == pytest.approx(-3.0 * logp[0, 0])
    assert plain == pytest.approx(-logp[0, 0] - logp[1, 1])


@requires_torch
@pytest.mark.parametrize("size_average,reduce", [(False, None), (None, False), (True, True), (False, True)])
def test_legacy_size_average_and_reduce_like_torch(size_average, reduce):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = L.CrossEntropyLoss(size_average=size_average, reduce=reduce)
        mse = L.MSELoss(size_average, reduce)
    assert any("please use reduction=" in str(w.message) for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.nn.CrossEntropyLoss(size_average=size_average, reduce=reduce)
    assert ours.reduction == mse.reduction == theirs.reduction


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_is_stable_for_huge_logits(reduction):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]], np.float32)
    t = np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.5]], np.float32)
    ours = L.BCEWithLogitsLoss(pos_weight=mt.tensor([2.0, 1.0, 3.0]), reduction=reduction)
    theirs = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0, 1.0, 3.0]), reduction=reduction)
    xo, xt = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours(xo, mt.tensor(t)), theirs(xt, torch.tensor(t))
    assert np.all(np.isfinite(out.detach().numpy()))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-5)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_cross_entropy_module_trains_a_linear_classifier():
    rng = _rng(3)
    x = mt.tensor(rng.standard_normal((64, 2)), dtype=mt.float32)
    labels = mt.tensor((x.numpy()[:, 0] > x.numpy()[:, 1]).astype(np.int64))
    w = mt.zeros(2, 2, requires_grad=True)
    criterion = L.CrossEntropyLoss()
    first = criterion(x @ w, labels).item()
    for _ in range(50):
        loss = criterion(x @ w, labels)
        w.grad = None
        loss.backward()
        with mt.no_grad():
            w -= 1.0 * w.grad
    assert first == pytest.approx(np.log(2), rel=1e-6)
    assert loss.item() < 0.3

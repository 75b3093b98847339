"""nn.AdaptiveLogSoftmaxWithLoss against PyTorch's with copied weights (output, loss, gradients of the input and
every parameter, log_prob, predict), finite differences in float64, and PyTorch's errors."""
import numpy as np
import pytest
from helpers import check_gradients, compare_modules_with_torch, requires_torch, torch

import microtensor as mt

pytestmark = pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")

CONFIGS = {   # name: (in_features, n_classes, cutoffs, keywords, targets)
    "two_clusters": (8, 20, [4, 10], {"div_value": 2.0}, [0, 3, 5, 12, 19, 9, 4, 10]),
    "head_bias": (6, 12, [3], {"head_bias": True}, [0, 11, 2, 3, 7]),
    "shortlist_only": (5, 10, [5, 8], {}, [0, 1, 4, 2]),
    "one_cluster_only": (8, 30, [2, 10, 20], {"div_value": 1.5}, [12, 15, 19]),
    "tiny_projection": (4, 9, [1, 2, 5], {"div_value": 4.0}, [0, 1, 4, 8, 8]),
    "one_row": (8, 20, [4, 10], {}, [13]),
}


def batch_call(targets):
    """forward's output and loss, and log_prob (through which every parameter gets a gradient)."""
    def call(module, tensors, lib):
        out = module(tensors["x"], lib.tensor(targets))
        assert type(out).__name__ == "_ASMoutput" and out._fields == ("output", "loss")
        return out.output, out.loss, module.log_prob(tensors["x"])
    return call


def unused_parameters(module, x, targets, lib):
    """The parameters that forward leaves without a gradient (the clusters no target falls in)."""
    module.zero_grad()
    module(x, lib.tensor(targets)).loss.backward()
    return [n for n, p in module.named_parameters() if p.grad is None]


@requires_torch
@pytest.mark.parametrize("name", CONFIGS)
def test_adaptive_log_softmax_matches_torch(name):
    features, classes, cutoffs, kw, targets = CONFIGS[name]
    torch.manual_seed(0)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(features, classes, cutoffs, **kw).double()
    ours = mt.nn.AdaptiveLogSoftmaxWithLoss(features, classes, cutoffs, dtype=mt.float64, **kw)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(0).standard_normal((len(targets), features))
    compare_modules_with_torch(ours, theirs, {"x": x}, batch_call(targets), rtol=1e-10, atol=1e-12)
    assert unused_parameters(ours, mt.tensor(x), targets, mt) == unused_parameters(theirs, torch.tensor(x), targets,
                                                                                   torch)
    assert ours.predict(mt.tensor(x)).tolist() == theirs.predict(torch.tensor(x)).tolist()


@requires_torch
def test_adaptive_log_softmax_predict_mixes_shortlist_and_clusters_as_torch():
    torch.manual_seed(3)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(6, 40, [2, 8], div_value=1.0, head_bias=True)
    ours = mt.nn.AdaptiveLogSoftmaxWithLoss(6, 40, [2, 8], div_value=1.0, head_bias=True)
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    with torch.no_grad():
        theirs.head.bias[2:] += 1.0           # some rows prefer a cluster, some the shortlist
        ours.head.bias.detach().numpy()[2:] += 1.0
    x = np.random.default_rng(1).standard_normal((64, 6)).astype(np.float32) * 3
    predicted = theirs.predict(torch.tensor(x))
    assert 0 < int((predicted < 2).sum()) < 64
    assert ours.predict(mt.tensor(x)).tolist() == predicted.tolist()


@requires_torch
def test_adaptive_log_softmax_unbatched_matches_torch():
    torch.manual_seed(1)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [4, 10])
    ours = mt.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [4, 10])
    x = np.random.default_rng(2).standard_normal(8).astype(np.float32)
    for target in (2, 15):
        compare_modules_with_torch(ours, theirs, {"x": x}, lambda m, t, lib, c=target: (
            *m(t["x"], lib.tensor(c)), m.log_prob(t["x"].unsqueeze(0))), rtol=1e-5)


def test_adaptive_log_softmax_gradcheck():
    mt.manual_seed(0)
    module = mt.nn.AdaptiveLogSoftmaxWithLoss(6, 15, [3, 7], div_value=2.0, head_bias=True, dtype=mt.float64)
    targets = mt.tensor([0, 5, 9, 14, 2])
    check_gradients(lambda x: module(x, targets).output, np.random.default_rng(0).standard_normal((5, 6)))
    check_gradients(lambda x: module.log_prob(x), np.random.default_rng(1).standard_normal((3, 6)))


def test_adaptive_log_softmax_log_prob_is_a_distribution():
    module = mt.nn.AdaptiveLogSoftmaxWithLoss(5, 11, [2, 6])
    log_prob = module.log_prob(mt.randn(4, 5))
    np.testing.assert_allclose(log_prob.exp().sum(1).detach().numpy(), np.ones(4), rtol=1e-6)
    out = module(mt.randn(3, 5), mt.tensor([1, 7, 10]))
    assert out.loss.item() == pytest.approx(-out.output.mean().item())


def make(features=8, classes=20, cutoffs=(4, 10)):
    return lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(features, classes, list(cutoffs))


ERRORS = {
    "no_cutoffs": (lambda lib: make(cutoffs=())(lib), ValueError, "cutoffs should be a sequence of length larger"),
    "unsorted": (lambda lib: make(cutoffs=(10, 4))(lib), ValueError, "cutoffs should be a sequence of unique"),
    "too_large": (lambda lib: make(cutoffs=(4, 20))(lib), ValueError, "between 1 and n_classes-1"),
    "zero": (lambda lib: make(cutoffs=(0, 4))(lib), ValueError, "cutoffs should be a sequence of unique"),
    "repeated": (lambda lib: make(cutoffs=(4, 4))(lib), ValueError, "cutoffs should be a sequence of unique"),
    "target_range": (lambda lib: make()(lib)(lib.zeros(2, 8), lib.tensor([3, 20])), RuntimeError,
                     r"Target values should be in \[0, 19\], but values in range \[3, 20\] were found"),
    "negative_target": (lambda lib: make()(lib)(lib.zeros(2, 8), lib.tensor([-1, 2])), RuntimeError,
                        r"Target values should be in \[0, 19\]"),
    "batch_mismatch": (lambda lib: make()(lib)(lib.zeros(3, 8), lib.tensor([3, 2])), RuntimeError,
                       "Input and target should have the same size in the batch dimension"),
    "input_3d": (lambda lib: make()(lib)(lib.zeros(2, 1, 8), lib.tensor([3, 2])), RuntimeError,
                 "1D target tensor expects 2D input tensors"),
    "unbatched_input_2d": (lambda lib: make()(lib)(lib.zeros(2, 8), lib.tensor(3)), RuntimeError,
                           "0D target tensor expects 1D input tensors"),
    "target_2d": (lambda lib: make()(lib)(lib.zeros(2, 8), lib.zeros(2, 1, dtype=lib.int64)), RuntimeError,
                  "0D or 1D target tensor expected, multi-target not supported"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_adaptive_log_softmax_errors_as_torch(name):
    call, error, message = ERRORS[name]
    with pytest.raises(error, match=message):
        call(mt)
    if torch is not None:
        with pytest.raises(error, match=message):
            call(torch)


def test_adaptive_log_softmax_import_path_and_state_dict_names():
    from microtensor.nn.modules.adaptive import AdaptiveLogSoftmaxWithLoss
    module = AdaptiveLogSoftmaxWithLoss(8, 20, [4, 10], head_bias=True)
    assert module.cutoffs == [4, 10, 20] and module.head_size == 6 and module.n_clusters == 2
    assert list(module.state_dict()) == ["head.weight", "head.bias", "tail.0.0.weight", "tail.0.1.weight",
                                         "tail.1.0.weight", "tail.1.1.weight"]
    before = {k: v.clone() for k, v in module.state_dict().items()}
    module.reset_parameters()
    assert all(not mt.equal(before[k], v) for k, v in module.state_dict().items() if v.numel())

"""F.ctc_loss and nn.CTCLoss: finite-difference gradients through log_softmax, PyTorch's values and gradients
(padded and concatenated targets, repeated labels, empty targets, impossible alignments, both float dtypes),
the once-differentiable backward, and PyTorch's errors."""
import numpy as np
import pytest
from helpers import requires_torch, seeds, torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor.autograd import gradcheck
from microtensor.nn import functional as mtF


def problem(seed, steps, batch, classes, width, blank=0, impossible=False):
    """Logits (T, N, C), padded targets (N, S) without the blank, input and target lengths."""
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((steps, batch, classes))
    targets = rng.integers(0, classes - 1, (batch, width))
    targets += targets >= blank                               # skip the blank
    if impossible:                                            # one label repeated: needs 2S - 1 frames
        targets[:] = targets[:, :1]
    target_lengths = rng.integers(0, width + 1, batch)
    input_lengths = rng.integers(0, steps + 1, batch)
    return logits, targets, input_lengths, target_lengths


def loss_of(lib, F, logits, targets, input_lengths, target_lengths, concat=False, **kw):
    x = lib.tensor(logits, requires_grad=True)
    if concat:
        targets = np.concatenate([t[:n] for t, n in zip(targets, target_lengths)])
    loss = F.ctc_loss(x.log_softmax(2), lib.tensor(targets), lib.tensor(input_lengths), lib.tensor(target_lengths),
                      **kw)
    return x, loss


@given(seed=seeds, steps=st.integers(1, 6), batch=st.integers(1, 3), classes=st.integers(2, 4),
       width=st.integers(0, 3), reduction=st.sampled_from(["none", "mean", "sum"]))
@settings(max_examples=25, deadline=None, derandomize=True)
def test_ctc_loss_gradcheck(seed, steps, batch, classes, width, reduction):
    logits, targets, _, target_lengths = problem(seed, steps, batch, classes, width)
    input_lengths = np.maximum(2 * target_lengths + 1, steps)  # every target can be aligned
    logits = np.random.default_rng(seed).standard_normal((int(input_lengths.max()), batch, classes))

    def fn(x):
        return mtF.ctc_loss(x.log_softmax(2), mt.tensor(targets), mt.tensor(input_lengths),
                            mt.tensor(target_lengths), reduction=reduction)
    assert gradcheck(fn, (mt.tensor(logits, requires_grad=True),))


CASES = {   # name: (steps, batch, classes, width, options of problem(), options of ctc_loss, concatenated targets)
    "padded": (7, 4, 5, 3, {}, {}, False),
    "concatenated": (7, 4, 5, 3, {}, {}, True),
    "blank_last": (6, 3, 4, 2, {"blank": 3}, {"blank": 3}, False),
    "blank_middle_sum": (6, 3, 4, 3, {"blank": 1}, {"blank": 1, "reduction": "sum"}, True),
    "repeated_labels": (8, 3, 3, 3, {"impossible": True}, {"reduction": "none"}, False),
    "impossible": (3, 5, 4, 3, {"impossible": True}, {"reduction": "none"}, False),
    "impossible_zero_infinity": (3, 5, 4, 3, {"impossible": True}, {"reduction": "mean", "zero_infinity": True},
                                 False),
    "empty_targets": (5, 3, 4, 0, {}, {"reduction": "none"}, False),
    "one_frame": (1, 4, 3, 1, {}, {"reduction": "sum"}, False),
}


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", CASES)
def test_ctc_loss_matches_torch(name, dtype):
    steps, batch, classes, width, make, options, concat = CASES[name]
    for seed in range(4):
        logits, *rest = problem(seed, steps, batch, classes, width, **make)
        logits = logits.astype(dtype)
        x, ours = loss_of(mt, mtF, logits, *rest, concat=concat, **options)
        tx, theirs = loss_of(torch, torch.nn.functional, logits, *rest, concat=concat, **options)
        tol = 1e-4 if dtype == "float32" else 1e-10
        assert ours.dtype.name == dtype and tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tol, atol=tol)
        w = np.random.default_rng(seed).uniform(0.5, 2.0, tuple(ours.shape))   # positive: inf * w stays inf
        (ours * mt.tensor(w, dtype=ours.dtype)).nan_to_num(posinf=0.0).sum().backward()
        (theirs * torch.tensor(w, dtype=theirs.dtype)).nan_to_num(posinf=0.0).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=tol, atol=tol, equal_nan=True)


@requires_torch
def test_ctc_loss_of_free_log_probs_has_torchs_gradient():
    """PyTorch's backward is the logits' gradient folded in (exp(log_probs) - posterior), whatever the log_probs
    are: the same formula here, on inputs that are not normalised."""
    logits, targets, input_lengths, target_lengths = problem(3, 6, 3, 4, 2)
    ours = mt.tensor(logits, requires_grad=True)
    theirs = torch.tensor(logits, requires_grad=True)
    mtF.ctc_loss(ours, mt.tensor(targets), mt.tensor(input_lengths), mt.tensor(target_lengths)).backward()
    torch.nn.functional.ctc_loss(theirs, torch.tensor(targets), torch.tensor(input_lengths),
                                 torch.tensor(target_lengths)).backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_ctc_loss_unbatched_and_tuple_lengths_match_torch(reduction):
    logits, targets, _, _ = problem(5, 6, 1, 4, 3)
    results = []
    for lib in (mt, torch):
        x = lib.tensor(logits[:, 0], requires_grad=True)
        F = mtF if lib is mt else torch.nn.functional
        loss = F.ctc_loss(x.log_softmax(1), lib.tensor(targets[0]), lib.tensor(6), lib.tensor(3),
                          reduction=reduction)
        as_tuples = F.ctc_loss(x.log_softmax(1), lib.tensor(targets[:, :2]), (6,), [2], reduction=reduction)
        loss.backward()
        results.append((loss.detach().numpy(), as_tuples.detach().numpy(), x.grad.numpy()))
    for ours, theirs in zip(*results):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


@requires_torch
def test_ctc_loss_module_matches_torch_with_int32_lengths():
    logits, targets, input_lengths, target_lengths = problem(7, 5, 3, 6, 2, blank=2)
    outs = []
    for lib in (mt, torch):
        module = lib.nn.CTCLoss(blank=2, reduction="sum", zero_infinity=True)
        x = lib.tensor(logits.astype(np.float32)).log_softmax(2)
        outs.append(module(x, lib.tensor(targets.astype(np.int32)), lib.tensor(input_lengths.astype(np.int32)),
                           lib.tensor(target_lengths.astype(np.int32))).detach().numpy())
    np.testing.assert_allclose(*outs, rtol=1e-5)
    assert repr(mt.nn.CTCLoss()) == "CTCLoss()"


@requires_torch
def test_ctc_loss_backward_is_differentiable_once_as_in_torch():
    logits, targets, input_lengths, target_lengths = problem(1, 5, 2, 4, 2)
    for lib, F in ((mt, mtF), (torch, torch.nn.functional)):
        x, loss = loss_of(lib, F, logits, targets, input_lengths, target_lengths)
        grad, = lib.autograd.grad(loss, x, create_graph=True)
        assert grad.requires_grad
        with pytest.raises(RuntimeError, match="derivative for aten::_ctc_loss_backward is not implemented"):
            lib.autograd.grad(grad.sum(), x)


def ctc_call(log_probs=None, targets=None, input_lengths=None, target_lengths=None, **kw):
    """A call of ctc_loss on a valid (T=6, N=3, C=5) problem with some arguments replaced."""
    def call(lib):
        F = mtF if lib is mt else torch.nn.functional
        rng = np.random.default_rng(0)
        args = [rng.standard_normal((6, 3, 5)), np.array([[1, 2, 3], [1, 1, 0], [4, 2, 0]]), np.array([6, 5, 4]),
                np.array([3, 2, 2])]
        for i, v in enumerate((log_probs, targets, input_lengths, target_lengths)):
            if v is not None:
                args[i] = v
        return F.ctc_loss(*[lib.tensor(a) if isinstance(a, np.ndarray) else a for a in args], **kw)
    return call


ERRORS = {
    "input_too_long": (ctc_call(input_lengths=np.array([7, 5, 4])), RuntimeError,
                       "Expected input_lengths to have value at most 6, but got value 7"),
    "target_too_long": (ctc_call(target_lengths=np.array([4, 2, 2])), RuntimeError,
                        "Expected tensor to have size at least 4 at dimension 1, but got size 3"),
    "concatenated_size": (ctc_call(targets=np.array([1, 2, 3])), RuntimeError,
                          "Expected tensor to have size 7 at dimension 0, but got size 3"),
    "targets_3d": (ctc_call(targets=np.ones((3, 1, 3), dtype=np.int64)), RuntimeError,
                   "Expected 1 to 2 dimensions, but got 3-dimensional tensor"),
    "blank_too_large": (ctc_call(blank=5), RuntimeError, "blank must be in label range"),
    "blank_negative": (ctc_call(blank=-1), RuntimeError, "blank must be in label range"),
    "lengths_batch": (ctc_call(input_lengths=np.array([6, 5])), RuntimeError,
                      "input_lengths must be of size batch_size"),
    "target_lengths_batch": (ctc_call(target_lengths=np.array([3])), RuntimeError,
                             "target_lengths must be of size batch_size"),
    "float_lengths": (ctc_call(input_lengths=np.array([6.0, 5.0, 4.0])), RuntimeError,
                      "input_lengths must be integral"),
    "negative_length": (ctc_call(target_lengths=np.array([-1, 2, 2])), RuntimeError,
                        "Expected target_lengths to have value at least 0, but got value -1"),
    "integer_log_probs": (ctc_call(log_probs=np.ones((6, 3, 5), dtype=np.int64)), NotImplementedError,
                          "\"ctc_loss_cpu\" not implemented for 'Long'"),
    "half_log_probs": (ctc_call(log_probs=np.ones((6, 3, 5), dtype=np.float16)), NotImplementedError,
                       "\"ctc_loss_cpu\" not implemented for 'Half'"),
    "empty": (ctc_call(log_probs=np.zeros((6, 0, 5)), targets=np.zeros((0, 2), dtype=np.int64),
                       input_lengths=np.zeros(0, dtype=np.int64), target_lengths=np.zeros(0, dtype=np.int64)),
              RuntimeError, "log_probs tensor must not be empty"),
    "int_lengths": (ctc_call(input_lengths=6), TypeError, "input_lengths"),
    "bad_reduction": (ctc_call(reduction="avg"), ValueError, "not a valid value for reduction"),
}


@requires_torch
@pytest.mark.parametrize("name", ERRORS)
def test_ctc_loss_errors_as_torch(name):
    call, error, message = ERRORS[name]
    for lib in (mt, torch):
        with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
            call(lib)


def test_ctc_loss_names_a_target_outside_the_classes():
    """PyTorch reads outside log_probs for such a target; here it is an error naming the range."""
    with pytest.raises(RuntimeError, match=r"target values must be class indices in \[0, 5\), got values in "
                                           r"\[1, 7\]"):
        ctc_call(targets=np.array([[1, 2, 7], [1, 1, 0], [4, 2, 0]]))(mt)


def test_ctc_loss_runs_pytorchs_documented_example():
    """The example of PyTorch's CTCLoss docs, padded and unpadded targets, written as a script writes it."""
    T, C, N, S, S_min = 50, 20, 16, 30, 10
    input = mt.randn(T, N, C).log_softmax(2).detach().requires_grad_()
    target = mt.randint(low=1, high=C, size=(N, S), dtype=mt.long)
    input_lengths = mt.full(size=(N,), fill_value=T, dtype=mt.long)
    target_lengths = mt.randint(low=S_min, high=S, size=(N,), dtype=mt.long)
    ctc_loss = mt.nn.CTCLoss()
    loss = ctc_loss(input, target, input_lengths, target_lengths)
    loss.backward()
    assert loss.ndim == 0 and np.isfinite(loss.item()) and input.grad.shape == (T, N, C)
    target_lengths = mt.randint(low=1, high=T, size=(N,), dtype=mt.long)
    target = mt.randint(low=1, high=C, size=(int(sum(target_lengths)),), dtype=mt.long)
    loss = mt.nn.functional.ctc_loss(log_probs=input, targets=target, input_lengths=input_lengths,
                                         target_lengths=target_lengths, blank=0, reduction="sum", zero_infinity=True)
    loss.backward()
    assert np.isfinite(loss.item())

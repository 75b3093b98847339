"""No churn in the training step: after two warm-up steps, ``step()`` and ``zero_grad()`` of every optimizer (with
its common options) allocate no arrays, measured with tracemalloc (which NumPy reports its array memory to).

What is left is NumPy's own bookkeeping (ufunc iterators; a broadcast over a short inner axis, as Adafactor's
division of a batch of small matrices, takes a buffer of at most 8192 elements), held to a bound far below one
parameter-sized array. For comparison, PyTorch's per-parameter path (foreach=False)
allocates one or two parameter-sized temporaries per step where its formula needs them (Adam's denominator,
SGD's Nesterov direction or weight-decayed gradient, ...), and its default foreach path one per parameter at once.
"""
import io
import tracemalloc

import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor import optim

SHAPES = [(256, 1024), (1024,), (4, 32, 64)]            # a matrix, a vector, a batch of matrices (Adafactor)
MUON_SHAPES = [(64, 1024), (1024, 64), (64, 64)]        # wide, tall and square (Muon takes 2-D only)
PARAM_BYTES = 256 * 1024 * 4
BOUND = PARAM_BYTES // 16                               # NumPy's bookkeeping stays far below one parameter

CONFIGS = [
    ("SGD", {}), ("SGD", {"momentum": 0.9}), ("SGD", {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"momentum": 0.9, "dampening": 0.5, "maximize": True}),
    ("Adam", {}), ("Adam", {"amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {}), ("AdamW", {"amsgrad": True, "maximize": True}),
    ("Adamax", {}), ("Adamax", {"weight_decay": 0.1, "maximize": True}),
    ("NAdam", {}), ("NAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("NAdam", {"weight_decay": 0.1, "maximize": True}),
    ("RAdam", {}), ("RAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("RAdam", {"weight_decay": 0.1}),
    ("RMSprop", {}), ("RMSprop", {"momentum": 0.9, "centered": True, "weight_decay": 0.1, "maximize": True}),
    ("Adagrad", {}), ("Adagrad", {"lr_decay": 0.1, "weight_decay": 0.1, "maximize": True}),
    ("Adadelta", {}), ("Adadelta", {"weight_decay": 0.1, "maximize": True}),
    ("ASGD", {}), ("ASGD", {"t0": 1, "weight_decay": 0.1, "maximize": True}),
    ("Rprop", {}), ("Rprop", {"maximize": True}),
    ("Adafactor", {}), ("Adafactor", {"weight_decay": 0.1, "maximize": True}),
    ("Muon", {}), ("Muon", {"nesterov": False}),
]


def _step_growth(name, options, set_to_none):
    """The largest growth of traced memory (current, peak) over one ``step(); zero_grad(set_to_none)`` after two
    warm-up steps, with fresh gradients put in place (unmeasured) before each step."""
    rng = np.random.default_rng(0)
    shapes = MUON_SHAPES if name == "Muon" else SHAPES
    params = [mt.nn.Parameter(mt.tensor(rng.standard_normal(s).astype(np.float32))) for s in shapes]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in shapes] for _ in range(5)]
    opt = getattr(optim, name)(params, lr=1e-3, **options)
    current = peak = 0
    tracemalloc.start()
    try:
        for i, step_grads in enumerate(grads):
            for p, g in zip(params, step_grads):
                if p.grad is None:
                    p.grad = mt.tensor(g.copy())
                else:
                    p.grad._data[...] = g
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            opt.step()
            opt.zero_grad(set_to_none=set_to_none)
            now, top = tracemalloc.get_traced_memory()
            if i >= 2:
                current, peak = max(current, now - before), max(peak, top - before)
    finally:
        tracemalloc.stop()
    return current, peak


@pytest.mark.parametrize("set_to_none", [True, False])
@pytest.mark.parametrize("name,options", CONFIGS, ids=[f"{n}-{'-'.join(o) or 'defaults'}" for n, o in CONFIGS])
def test_step_and_zero_grad_allocate_no_arrays(name, options, set_to_none):
    current, peak = _step_growth(name, options, set_to_none)
    assert current <= BOUND and peak <= BOUND, (
        f"{name}({options}): one step + zero_grad(set_to_none={set_to_none}) grew traced memory by {current} B "
        f"and peaked {peak} B above its start (a parameter is {PARAM_BYTES} B; the bound is {BOUND} B)")


def test_the_measure_sees_a_parameter_sized_temporary():
    """The bound is tight enough to catch one temporary array: an update rule that allocates one fails it."""
    class Churning(optim.SGD):
        def _update(self, param, grad, group, state):
            param -= group["lr"] * grad                 # allocates lr * grad every step

    rng = np.random.default_rng(0)
    p = mt.nn.Parameter(mt.tensor(rng.standard_normal(SHAPES[0]).astype(np.float32)))
    opt = Churning([p], lr=1e-3)
    p.grad = mt.ones(SHAPES[0])
    opt.step()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        opt.step()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak > BOUND


def test_work_arrays_stay_out_of_the_state_dict():
    """The work arrays are made once per shape and dtype, shared by the parameters of that shape, and kept out of
    state_dict() (which holds PyTorch's entries only) and of what ``save`` writes of a whole optimizer."""
    params = [mt.nn.Parameter(mt.zeros(3, 4)) for _ in range(3)]
    opt = optim.Adam(params)
    for _ in range(2):
        for p in params:
            p.grad = mt.ones(3, 4)
        opt.step()
    assert all(set(s) == {"step", "exp_avg", "exp_avg_sq"} for s in opt.state_dict()["state"].values())
    work = opt._scratch(params[0]._data, 2)
    assert [w.shape for w in work] == [(3, 4), (3, 4)] and work[0] is not work[1]
    assert all(a is b for a, b in zip(work, opt._scratch(params[1]._data, 2)))
    buffer = io.BytesIO()
    mt.save(opt, buffer)
    buffer.seek(0)
    loaded = mt.load(buffer, weights_only=False)
    assert set(vars(loaded)) == {"defaults", "state", "param_groups"}


def test_lbfgs_moves_parameters_and_runs_its_two_loop_recursion_without_temporaries():
    """LBFGS allocates what PyTorch's does per closure evaluation (the flat gradient, the new history pair), but
    its axpy updates (the parameter step, each pair of the two-loop recursion) go through work arrays, as
    PyTorch's ``add_(x, alpha=...)`` needs no temporary."""
    rng = np.random.default_rng(0)
    params = [mt.nn.Parameter(mt.tensor(rng.standard_normal(s).astype(np.float32))) for s in SHAPES]
    opt = optim.LBFGS(params)
    flat = rng.standard_normal(sum(p.numel() for p in params)).astype(np.float32)
    q, history = flat.copy(), [rng.standard_normal(flat.shape).astype(np.float32) for _ in range(8)]

    def moves():
        opt._add_grad(0.5, flat)
        for h in history:
            opt._add_scaled(q, np.float32(-0.25), h)

    moves()
    start = [p._data.copy() for p in params], q.copy()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        moves()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak <= BOUND, f"LBFGS's in-place updates peaked {peak} B above their start (the bound is {BOUND} B)"
    offsets = np.cumsum([0] + [p.numel() for p in params])
    for p, was, lo, hi in zip(params, start[0], offsets, offsets[1:]):
        np.testing.assert_array_equal(p._data, was + 0.5 * flat[lo:hi].reshape(was.shape))
    expected_q = start[1]
    for h in history:
        expected_q = expected_q + np.float32(-0.25) * h
    np.testing.assert_array_equal(q, expected_q)


@requires_torch
@pytest.mark.parametrize("shape", [(5, 1), (1, 5), (1, 1), (3, 4, 1)])
def test_adafactor_work_arrays_do_not_alias_on_parameters_shaped_like_their_means(shape):
    """A column parameter's row means have the parameter's own shape: they get work arrays of their own role, not
    the ones that hold the negated gradient (found when they were shared)."""
    rng = np.random.default_rng(0)
    init = rng.standard_normal(shape)
    ours, theirs = mt.nn.Parameter(mt.tensor(init)), torch.nn.Parameter(torch.tensor(init))
    options = {"lr": 1e-2, "maximize": True, "weight_decay": 0.1}
    opt, topt = optim.Adafactor([ours], **options), torch.optim.Adafactor([theirs], **options)
    for _ in range(4):
        grad = rng.standard_normal(shape)
        ours.grad, theirs.grad = mt.tensor(grad), torch.tensor(grad)
        opt.step()
        topt.step()
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)

"""What a graph node keeps for backward: an input or output only when the gradient of an input that needs one
uses it (as PyTorch saves them), so that a long chain of ops on big tensors keeps no intermediate alive.

Each case builds ``y = op(...)`` from fresh intermediate tensors, some requiring grad, drops the inputs and
checks, with a weak reference to each input's array, that the ones the needed gradients do not use are freed.
Ops whose output is a view of the input (which keeps the input's memory alive on its own) are checked by
looking at the node: it saves no array at all.
"""
import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F
from microtensor.autograd.function import Node

SHAPE = (6, 8)
IMAGE = (2, 3, 6, 6)


def _make(shape: tuple, requires_grad: bool, seed: int) -> mt.Tensor:
    """A fresh tensor whose array nothing else holds; one that requires grad is an intermediate (the output of
    an op, as in a chain), so that no leaf keeps its array alive."""
    data = np.random.default_rng(seed).uniform(0.5, 1.5, shape).astype(np.float32)
    if not requires_grad:
        return mt.tensor(data)
    return mt.tensor(data, requires_grad=True) * 1.0


# name: (op, {input: shape}, inputs that require grad, inputs whose arrays must be freed)
CASES = {
    "mul by a constant tensor": (lambda x, c: x * c, {"x": SHAPE, "c": SHAPE}, "x", "x"),
    "mul of a constant tensor": (lambda x, c: c * x, {"x": SHAPE, "c": SHAPE}, "x", "x"),
    "mul by a number": (lambda x: x * 0.5, {"x": SHAPE}, "x", "x"),
    "mul by a broadcast row": (lambda x, c: x * c, {"x": SHAPE, "c": (8,)}, "x", "x"),
    "div by a constant tensor": (lambda x, c: x / c, {"x": SHAPE, "c": SHAPE}, "x", "x"),
    "add": (lambda x, c: x + c, {"x": SHAPE, "c": SHAPE}, "xc", "xc"),
    "add a number": (lambda x: x + 2.0, {"x": SHAPE}, "x", "x"),
    "sub": (lambda x, c: x - c, {"x": SHAPE, "c": SHAPE}, "xc", "xc"),
    "rsub a number": (lambda x: 2.0 - x, {"x": SHAPE}, "x", "x"),
    "neg": (lambda x: -x, {"x": SHAPE}, "x", "x"),
    "exp": (lambda x: x.exp(), {"x": SHAPE}, "x", "x"),
    "tanh": (lambda x: x.tanh(), {"x": SHAPE}, "x", "x"),
    "sigmoid": (lambda x: x.sigmoid(), {"x": SHAPE}, "x", "x"),
    "sqrt": (lambda x: x.sqrt(), {"x": SHAPE}, "x", "x"),
    "relu": (lambda x: F.relu(x), {"x": SHAPE}, "x", "x"),
    "softmax": (lambda x: F.softmax(x, dim=1), {"x": SHAPE}, "x", "x"),
    "log_softmax": (lambda x: F.log_softmax(x, dim=1), {"x": SHAPE}, "x", "x"),
    "erfinv": (lambda x: (x * 0.5).erfinv(), {"x": SHAPE}, "x", "x"),
    "hypot with a constant": (lambda x, c: mt.hypot(x, c), {"x": SHAPE, "c": SHAPE}, "x", "c"),
    "lerp by a number": (lambda x, c: mt.lerp(x, c, 0.3), {"x": SHAPE, "c": SHAPE}, "xc", "xc"),
    "where": (lambda x, c: mt.where(mt.ones(SHAPE, dtype=mt.bool), x, c), {"x": SHAPE, "c": SHAPE}, "xc", "xc"),
    "sum": (lambda x: x.sum(), {"x": SHAPE}, "x", "x"),
    "mean over a dim": (lambda x: x.mean(1), {"x": SHAPE}, "x", "x"),
    "cumsum": (lambda x: x.cumsum(1), {"x": SHAPE}, "x", "x"),
    "cat": (lambda x, c: mt.cat([x, c]), {"x": SHAPE, "c": SHAPE}, "xc", "xc"),
    "stack": (lambda x, c: mt.stack([x, c]), {"x": SHAPE, "c": SHAPE}, "xc", "xc"),
    "index with a tensor": (lambda x: x[mt.tensor([0, 2])], {"x": SHAPE}, "x", "x"),
    "pad": (lambda x: F.pad(x, (1, 1)), {"x": SHAPE}, "x", "x"),
    "to float64": (lambda x: x.double(), {"x": SHAPE}, "x", "x"),
    "clone": (lambda x: x.clone(), {"x": SHAPE}, "x", "x"),
    "matmul by a constant": (lambda x, w: x @ w, {"x": SHAPE, "w": (8, 3)}, "x", "x"),
    "matmul of a constant": (lambda x, w: x @ w, {"x": SHAPE, "w": (8, 3)}, "w", "w"),
    "linear, input only": (lambda x, w, b: F.linear(x, w, b), {"x": SHAPE, "w": (3, 8), "b": (3,)}, "x", "xb"),
    "linear, bias only": (lambda x, w, b: F.linear(x, w, b), {"x": SHAPE, "w": (3, 8), "b": (3,)}, "b", "xwb"),
    "conv2d, input only": (lambda x, w, b: F.conv2d(x, w, b, padding=1),
                           {"x": IMAGE, "w": (4, 3, 3, 3), "b": (4,)}, "x", "xb"),
    "conv2d, bias only": (lambda x, w, b: F.conv2d(x, w, b), {"x": IMAGE, "w": (4, 3, 3, 3), "b": (4,)}, "b", "xwb"),
    "conv2d, weight only": (lambda x, w: F.conv2d(x, w), {"x": IMAGE, "w": (4, 3, 3, 3)}, "w", "w"),
    "conv_transpose2d, input only": (lambda x, w: F.conv_transpose2d(x, w), {"x": IMAGE, "w": (3, 4, 3, 3)}, "x", "x"),
    "huber_loss": (lambda x, t: F.huber_loss(x, t, reduction="none"), {"x": SHAPE, "t": SHAPE}, "x", ""),
}


@pytest.mark.parametrize("name", CASES)
def test_only_what_the_needed_gradients_use_is_kept(name):
    op, shapes, needs, freed = CASES[name]
    inputs = {k: _make(s, k in needs, seed) for seed, (k, s) in enumerate(shapes.items())}
    arrays = {k: weakref.ref(t._data) for k, t in inputs.items()}
    y = op(*inputs.values())
    assert y.requires_grad
    del inputs
    gc.collect()
    kept = [k for k in freed if arrays[k]() is not None]
    assert not kept, f"{name}: the graph keeps {kept} alive, which no needed gradient uses"
    if name == "huber_loss":      # nothing but x and the target: no masks or differences on top
        assert len(_saved_arrays(y.grad_fn)) == 2


def _saved_arrays(node: Node) -> list[np.ndarray]:
    """The arrays a node keeps (saved for backward, or stored on it as attributes)."""
    found: list[np.ndarray] = []
    stack = [v for k, v in vars(node).items() if k != "_next"]
    while stack:
        v = stack.pop()
        if isinstance(v, np.ndarray):
            found.append(v)
        elif isinstance(v, mt.Tensor):
            found.append(v._data)
        elif isinstance(v, (tuple, list)):
            stack.extend(v)
    return found


VIEWS = {
    "reshape": lambda x: x.reshape(-1),
    "view": lambda x: x.view(8, 6),
    "transpose": lambda x: x.t(),
    "permute": lambda x: x.permute(1, 0),
    "unsqueeze": lambda x: x.unsqueeze(0),
    "slice": lambda x: x[1:, ::2],
    "select": lambda x: x[2],
    "narrow": lambda x: x.narrow(1, 2, 3),
    "flatten": lambda x: x.flatten(),
    "expand": lambda x: x[:1].expand(4, 8),
    "diagonal": lambda x: x.diagonal(),
}


@pytest.mark.parametrize("name", VIEWS)
def test_view_ops_save_no_arrays(name):
    y = VIEWS[name](_make(SHAPE, True, 0))
    assert y.requires_grad
    assert _saved_arrays(y.grad_fn) == []


@pytest.mark.parametrize("constants", ["tensors", "numbers"])
def test_long_chain_peak_memory_stays_a_few_tensors(constants):
    """100 ops of ``x = x * c + d`` with only x requiring grad: forward and backward together never hold more
    than a few tensors' worth of memory (each intermediate is freed as soon as the next op has used it; the
    graph would hold ~50 of them if mul saved its input)."""
    size = 200_000
    nbytes = size * 4
    x = mt.tensor(np.random.default_rng(0).standard_normal(size).astype(np.float32), requires_grad=True)
    c, d = ((mt.full((size,), 0.999), mt.full((size,), 0.001)) if constants == "tensors" else (0.999, 0.001))
    peaks = []
    for _ in range(2):   # tracemalloc counts every thread: the smaller of two runs leaves out another test's
        gc.collect()
        tracemalloc.start()
        try:
            y = x
            for _ in range(50):
                y = y * c + d
            y.backward(mt.ones(size))
            del y
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert x.grad is not None
    assert min(peaks) <= 6 * nbytes, f"peak {min(peaks) / nbytes:.1f} tensors of {nbytes} bytes"


# name: (op, what the node saves: its output or its input)
ONE_SAVED = {
    "exp": (lambda x: x.exp(), "output"),
    "tanh": (lambda x: x.tanh(), "output"),
    "sigmoid": (lambda x: x.sigmoid(), "output"),
    "relu": (lambda x: F.relu(x), "output"),
    "erfinv": (lambda x: mt.erfinv(x), "output"),
    "special.ndtri": (lambda x: mt.special.ndtri(x), "output"),
    "lgamma": (lambda x: mt.lgamma(x), "input"),
    "digamma": (lambda x: mt.digamma(x), "input"),
    "i0": (lambda x: mt.i0(x), "input"),
    "special.ndtr": (lambda x: mt.special.ndtr(x), "input"),
    "special.entr": (lambda x: mt.special.entr(x), "input"),
    "log": (lambda x: x.log(), "input"),
}


@pytest.mark.parametrize("name", ONE_SAVED)
def test_one_input_ops_save_one_array(name):
    op, which = ONE_SAVED[name]
    x = _make(SHAPE, True, 0) * 0.5
    y = op(x)
    assert [a is (y if which == "output" else x)._data for a in _saved_arrays(y.grad_fn)] == [True]


def test_convolution_keeps_its_input_not_its_columns():
    """For the weight gradient a convolution keeps x alone; the im2col columns (9 times x here) are copied
    again in backward."""
    x, w = _make(IMAGE, False, 0), _make((4, 3, 3, 3), True, 1)
    y = F.conv2d(x, w, padding=1)
    assert [a is x._data for a in _saved_arrays(y.grad_fn)] == [True]

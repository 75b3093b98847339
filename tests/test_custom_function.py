"""Custom autograd.Function written as PyTorch users write it: Tensors in and out, ctx, apply."""
import numpy as np
import pytest
from helpers import requires_torch, torch

import microtensor as mt
from microtensor.autograd import gradcheck, gradgradcheck


def define(lib):
    """The same custom Functions, written once against either library."""

    class Cube(lib.autograd.Function):
        """y = x ** 3, saving the input; the backward is made of tensor ops, so it is differentiable."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return grad * 3 * x * x

    class ScaledExp(lib.autograd.Function):
        """y = exp(x) * scale with a non-tensor argument; saves its output."""

        @staticmethod
        def forward(ctx, x, scale):
            out = x.exp() * scale
            ctx.scale = scale
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, grad):
            out, = ctx.saved_tensors
            return grad * out, None

    class SumAndMax(lib.autograd.Function):
        """Two outputs and a non-differentiable index output."""

        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(x, w)
            idx = x.argmax()
            ctx.mark_non_differentiable(idx)
            return (x * w).sum(), x * x, idx

        @staticmethod
        def backward(ctx, g_sum, g_sq, g_idx):
            x, w = ctx.saved_tensors
            ctx.seen = (ctx.needs_input_grad, g_idx)
            gx = g_sum * w + g_sq * 2 * x if ctx.needs_input_grad[0] else None
            gw = g_sum * x if ctx.needs_input_grad[1] else None
            return gx, gw

    return Cube, ScaledExp, SumAndMax


Cube, ScaledExp, SumAndMax = define(mt)


def test_forward_gets_tensors_and_no_graph_is_recorded_inside():
    seen = {}

    class Probe(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            seen.update(type=type(x), grad=mt.is_grad_enabled(), k=k, needs=ctx.needs_input_grad)
            inner = x * 2
            seen["inner"] = inner.requires_grad
            return inner

        @staticmethod
        def backward(ctx, grad):
            return grad * 2, None

    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = Probe.apply(x, 7)
    assert seen == {"type": mt.Tensor, "grad": False, "k": 7, "needs": (True, False), "inner": False}
    assert y.requires_grad and y.grad_fn.name() == "ProbeBackward"
    assert y.grad_fn.next_functions[0][0].variable is x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    assert mt.is_grad_enabled()


def test_saved_tensors_needs_input_grad_and_non_tensor_arguments():
    x = mt.tensor([0.5, -1.0], dtype=mt.float64, requires_grad=True)
    y = ScaledExp.apply(x, 3.0)
    assert y.grad_fn.scale == 3.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3.0 * np.exp([0.5, -1.0]))
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.grad_fn.saved_tensors


def test_multiple_outputs_and_mark_non_differentiable():
    x = mt.tensor([1.0, 3.0, 2.0], dtype=mt.float64, requires_grad=True)
    w = mt.tensor([2.0, 2.0, 2.0], dtype=mt.float64)
    s, sq, idx = SumAndMax.apply(x, w)
    assert s.grad_fn is sq.grad_fn and sq.output_nr == 1
    assert not idx.requires_grad and idx.item() == 1
    sq.sum().backward()                   # s got no gradient: its grad comes in as zeros
    needs, g_idx = sq.grad_fn.seen
    assert needs == (True, False)
    np.testing.assert_array_equal(g_idx.numpy(), 0)
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 6.0, 4.0])


def test_inputs_that_need_no_grad_are_skipped_and_no_grad_mode_records_nothing():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64)
    w = mt.tensor([1.0, 1.0], dtype=mt.float64, requires_grad=True)
    s, _, _ = SumAndMax.apply(x, w)
    s.backward()
    assert s.grad_fn.seen[0] == (False, True)
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 2.0])
    with mt.no_grad():
        y = Cube.apply(w)
    assert y.grad_fn is None and not y.requires_grad
    z = Cube.apply(x)                      # no input requires grad: nothing recorded
    assert z.grad_fn is None


def test_returning_an_input_as_is_gives_a_new_tensor():
    class Identity(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 5

    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = Identity.apply(x)
    assert y is not x and x.is_leaf and y.grad_fn.name() == "IdentityBackward"
    assert np.shares_memory(y.detach().numpy(), x.detach().numpy())
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 5.0])


def test_non_tensor_outputs_pass_through():
    class WithCount(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, 3

        @staticmethod
        def backward(ctx, grad, grad_count):
            assert grad_count is None
            return grad * 2

    x = mt.tensor([1.0], requires_grad=True)
    y, n = WithCount.apply(x)
    assert n == 3
    y.sum().backward()
    assert x.grad.item() == 2.0


def test_setup_context_style():
    class Square(mt.autograd.Function):
        @staticmethod
        def forward(x, k):
            return x * x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.save_for_backward(x)
            ctx.k = k

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return grad * 2 * x * ctx.k, None

    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    Square.apply(x, 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])


def test_gradcheck_and_double_backward_through_custom_functions():
    x = mt.tensor([0.3, -0.7, 1.1], dtype=mt.float64, requires_grad=True)
    w = mt.tensor([0.5, 2.0, -1.0], dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda a: Cube.apply(a), (x,))
    assert gradgradcheck(lambda a: Cube.apply(a), (x,))
    assert gradcheck(lambda a: ScaledExp.apply(a, 2.0), (x,))
    assert gradgradcheck(lambda a: ScaledExp.apply(a, 2.0), (x,))
    assert gradcheck(lambda a, b: SumAndMax.apply(a, b)[:2], (x, w))
    assert gradgradcheck(lambda a, b: SumAndMax.apply(a, b)[:2], (x, w))
    # inside a larger graph, with create_graph: d2/dx2 of sum(cube(x) * w) = 6 x w
    g, = mt.autograd.grad((Cube.apply(x.tanh()) * w).sum(), x, create_graph=True)
    gg, = mt.autograd.grad(g.sum(), x)
    t = np.tanh(x.detach().numpy())
    d1 = 1 - t ** 2
    expected = w.detach().numpy() * (6 * t * d1 ** 2 + 3 * t ** 2 * (-2 * t * d1))
    np.testing.assert_allclose(gg.numpy(), expected, rtol=1e-10)


def test_wrong_number_of_gradients_is_reported():
    class TooMany(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    with pytest.raises(RuntimeError, match="function TooManyBackward returned an incorrect number of gradients "
                                           "\\(expected 1, got 2\\)"):
        TooMany.apply(mt.ones(2, requires_grad=True)).sum().backward()


def test_missing_forward_or_backward():
    class NoBackward(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    with pytest.raises(RuntimeError, match="You must implement the forward function"):
        mt.autograd.Function.apply(mt.ones(1))
    with pytest.raises(RuntimeError, match="You must implement either the backward"):
        NoBackward.apply(mt.ones(1, requires_grad=True)).sum().backward()


@requires_torch
def test_matches_torch_including_double_backward():
    rng = np.random.default_rng(0)
    xs, ws = rng.standard_normal(4), rng.standard_normal(4)

    def run(lib):
        cube, scaled_exp, sum_and_max = define(lib)
        x = lib.tensor(xs, requires_grad=True)
        w = lib.tensor(ws, requires_grad=True)
        s, sq, idx = sum_and_max.apply(cube.apply(x), w)
        out = s + (scaled_exp.apply(sq, 0.5) * w).sum()
        gx, gw = lib.autograd.grad(out, (x, w), create_graph=True)
        (gx * gx).sum().backward()
        return [t.detach().numpy() for t in (s, sq, idx, gx, gw, x.grad, w.grad)]

    for ours, theirs in zip(run(mt), run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)

"""The engine lets a backward write into its incoming gradient only when the engine alone holds it
(ReLU's backward zeroes it in place then): hooks, retained and captured gradients, and gradients that
several inputs share must never change under their holders."""
import warnings

import numpy as np

import microtensor as mt
from microtensor.autograd.function import held_once
from microtensor.ops import unary


def _relu_reuse_flags(monkeypatch):
    flags = []
    backward = unary.Relu.backward

    def spy(ctx, grad, overwrite_grad=False):
        flags.append(overwrite_grad)
        return backward(ctx, grad, overwrite_grad)

    monkeypatch.setattr(unary.Relu, "backward", staticmethod(spy))
    return flags


def test_relu_zeroes_a_private_gradient_in_place_and_gets_the_same_result(monkeypatch):
    flags = _relu_reuse_flags(monkeypatch)
    x = mt.tensor([[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
    ((x * 3).relu() * mt.tensor([[5.0, 6.0], [7.0, 8.0]])).sum().backward()
    assert flags == [True]
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 18.0], [21.0, 0.0]])


def test_a_gradient_someone_else_holds_is_left_alone(monkeypatch):
    flags = _relu_reuse_flags(monkeypatch)
    x = mt.tensor([-1.0, 2.0], requires_grad=True)
    kept = []
    r = (x * 1).relu()
    r.register_hook(kept.append)
    (r * 1).sum().backward()
    np.testing.assert_array_equal(kept[0].numpy(), [1.0, 1.0])
    grad = mt.ones(2)
    y = (x * 1).relu()
    y.backward(grad)
    np.testing.assert_array_equal(grad.numpy(), [1.0, 1.0])
    a = x * 1
    g, = mt.autograd.grad((a.relu() + a.relu()).sum(), [a])
    np.testing.assert_array_equal(g.numpy(), [0.0, 2.0])
    assert flags == [False, False, False, False]


def test_create_graph_never_overwrites(monkeypatch):
    flags = _relu_reuse_flags(monkeypatch)
    x = mt.tensor([-1.0, 2.0], requires_grad=True)
    (g,) = mt.autograd.grad(((x * 3).relu() * x).sum(), [x], create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), [0.0, 12.0])
    assert flags == [False]


def test_a_retained_graph_run_again_with_create_graph_records_relu(monkeypatch):
    flags = _relu_reuse_flags(monkeypatch)
    x = mt.tensor([-1.0, 2.0], requires_grad=True)
    loss = ((x * 3).relu() * x).sum()
    loss.backward(retain_graph=True)
    (g,) = mt.autograd.grad(loss, [x], create_graph=True)
    assert flags == [True, False]
    (gg,) = mt.autograd.grad(g.sum(), [x])
    np.testing.assert_array_equal(gg.numpy(), [0.0, 6.0])


def test_held_once_counts_views_and_shared_arrays():
    t = mt.tensor(np.arange(4.0))
    assert held_once(t)
    other = t._data
    assert not held_once(t)
    del other
    view = mt.Tensor._make(np.arange(4.0)[1:])
    assert held_once(view)
    base = np.arange(4.0)
    shared = mt.Tensor._make(base[1:])
    assert not held_once(shared)
    readonly = mt.Tensor._make(np.broadcast_to(np.arange(2.0), (3, 2)))
    assert not held_once(readonly)
    alias = t
    assert not held_once(t)
    del alias
    assert held_once(t)


def test_an_infinite_gradient_gives_zero_off_the_mask_without_a_warning():
    x = mt.tensor([-1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x * 1).relu().backward(mt.tensor([np.inf, np.inf]))
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, np.inf])


def test_backward_leaves_no_per_run_state_on_the_nodes():
    """The engine decides per call whether a backward may overwrite its gradient: no node of a retained graph
    gains or changes an attribute in a backward run."""
    x = mt.tensor([[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
    loss = ((x * 3).relu() * x).sum()
    nodes, stack = [], [loss.grad_fn]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(n for n, _ in node.next_functions if n is not None)
    def attributes():
        return [{name: id(value) for name, value in vars(n).items()} for n in nodes]

    before = attributes()
    loss.backward(retain_graph=True)
    mt.autograd.grad(loss, [x], create_graph=True)
    assert attributes() == before

"""The core hooks viz uses: grad_fn.register_hook (per-edge gradients), record (module scopes), watch."""
import threading

import numpy as np
import pytest
from helpers import run_threads

import microtensor as mt
from microtensor import nn, viz
from microtensor.autograd.function import RECORD_HOOKS
from microtensor.viz import grads, scope


def test_node_hook_sees_gradients_of_inputs_and_outputs():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([3.0, 4.0], requires_grad=True)
    y = a * b
    seen = []
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append((grad_inputs, grad_outputs)))
    y.backward(mt.tensor([1.0, 10.0]))
    (ga, gb), (gy,) = seen[0]
    np.testing.assert_allclose(ga.numpy(), [3.0, 40.0])
    np.testing.assert_allclose(gb.numpy(), [1.0, 20.0])
    np.testing.assert_allclose(gy.numpy(), [1.0, 10.0])


def test_node_hook_can_replace_and_be_removed():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (a * 2.0).sum()
    handle = y.grad_fn.next_functions[0][0].register_hook(lambda gi, go: (gi[0] * 0, None))
    y.backward(retain_graph=True)
    np.testing.assert_allclose(a.grad.numpy(), [0.0, 0.0])
    handle.remove()
    y.backward()
    np.testing.assert_allclose(a.grad.numpy(), [2.0, 2.0])


def test_node_hook_returning_wrong_count_names_the_op():
    a = mt.tensor([1.0], requires_grad=True)
    y = a.exp()
    y.grad_fn.register_hook(lambda gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match=r"hook of ExpBackward0 returned 2 gradients, expected 1"):
        y.backward()


def test_record_stamps_ops_with_their_innermost_module_and_cleans_up():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    x = mt.randn(4, 2)
    with viz.record(model):
        h = model(x)
        outside = h * 2.0
    assert h.grad_fn._scope.path == "1" and h.grad_fn._scope.kind == "ReLU"
    linear = h.grad_fn.next_functions[0][0]
    assert linear._scope.path == "0" and linear._scope.parent.kind == "Sequential"
    assert outside.grad_fn._scope is None and scope._current.scope is None and not RECORD_HOOKS
    assert model(x).grad_fn._scope is None        # hooks removed: nothing recorded afterwards
    assert not model[0]._forward_pre_hooks and not model[0]._forward_hooks


def test_record_restores_scope_after_an_error():
    model = nn.Sequential(nn.Linear(2, 3))
    with pytest.raises(ValueError, match="Linear"):
        with viz.record(model):
            model(mt.randn(4, 5))
    assert scope._current.scope is None and not RECORD_HOOKS


def test_record_keeps_each_threads_module_scopes_apart():
    """Two threads inside the recorded model at once, at different depths: each op keeps the module its own
    thread is in, and an op outside the model keeps none."""
    deep_in, shallow_in, deep_done = threading.Event(), threading.Event(), threading.Event()

    class Inner(nn.Module):
        def forward(self, x):
            deep_in.set()
            assert shallow_in.wait(30)          # the other thread has entered Outer since
            return x * 1.0

    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = Inner()

        def forward(self, x, deep):
            if deep:
                x = self.inner(x)
            else:
                shallow_in.set()
                assert deep_done.wait(30)       # the other thread has left Inner and Outer since
            return x * 2.0

    model = Outer()
    x = mt.randn(2, requires_grad=True)

    def deep():
        out = model(x, True)
        deep_done.set()
        return out, out * 3.0

    def shallow():
        assert deep_in.wait(30)
        return model(x, False)

    with viz.record(model):
        (out_deep, outside), out_shallow = run_threads(deep, shallow)
    assert out_deep.grad_fn._scope.kind == "Outer" and out_shallow.grad_fn._scope.kind == "Outer"
    assert out_deep.grad_fn.next_functions[0][0]._scope.path == "inner"
    assert outside.grad_fn._scope is None and scope._current.scope is None and not RECORD_HOOKS


def test_record_rejects_non_modules():
    with pytest.raises(TypeError, match="record: expected an nn.Module, got int"):
        viz.record(3)


def test_watch_records_each_edge_once_and_can_be_removed():
    a = mt.tensor([3.0, 4.0], requires_grad=True)
    y = (a * a).sum()
    handle = viz.watch(y)
    viz.watch(y)                           # a second watch adds no second hook
    mul = y.grad_fn.next_functions[0][0]
    assert len(mul._post_hooks) == 1
    y.backward(retain_graph=True)
    inputs, outputs = grads.norms(mul)
    # each of the two edges from a carries the other factor, a (norm 5); a.grad is their sum (norm 10)
    assert inputs == pytest.approx((5.0, 5.0)) and outputs == pytest.approx((np.sqrt(2),))
    assert np.linalg.norm(a.grad.numpy()) == pytest.approx(10.0)
    handle.remove()
    assert mul._post_hooks == []
